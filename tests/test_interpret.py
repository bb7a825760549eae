"""deepomics.interpret: does it read a model correctly?

One DeepBind model is trained (once, module-scoped) on random sequences, half of them carrying a
site sampled from JASPAR's CTCF matrix. A correct reading finds CTCF in the filters, puts the
strongest positions inside the planted sites, and scores a variant that breaks a site as
damaging. The rest checks each operation against an independent computation.
"""
from __future__ import annotations

import collections
import copy
import importlib.util
import itertools
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from deepomics import DeepomicsWarning
from deepomics import interpret as I
from deepomics import models, motifs, seq, train

CTCF = "MA0139.2"  # JASPAR 2026's CTCF core matrix, 15 columns
LENGTH = 100


def random_sequences(n: int, length: int, rng) -> list[str]:
    return ["".join(row) for row in np.array(list("ACGT"))[rng.integers(0, 4, (n, length))]]


@pytest.fixture(scope="module")
def planted():
    """A DeepBind model trained on CTCF sites planted in half of 1,200 random 100-mers, and the
    held-out sequences with the planted sites' starts (-1 for negatives)."""
    rng = np.random.default_rng(0)
    name, pwm = motifs.jaspar_pwm(CTCF)
    n = 1200
    sequences = random_sequences(n, LENGTH, rng)
    labels = (np.arange(n) % 2).astype(np.int64)
    positives = np.flatnonzero(labels)
    with_sites, starts = motifs.plant([sequences[i] for i in positives],
                                      motifs.sample_sites(pwm, len(positives), seed=1), seed=2)
    site_start = np.full(n, -1)
    for j, i in enumerate(positives):
        sequences[i], site_start[i] = with_sites[j], starts[j]
    n_train = 1000
    model = train.fit({"arch": "deepbind", "n_filters": 8, "filter_size": 24, "hidden": 0,
                       "dropout": 0.1},
                      (sequences[:n_train], labels[:n_train]), valid_fraction=0.1, epochs=8,
                      lr=1e-2, batch_size=64, seed=0, verbose=False)
    held_out = np.arange(n_train, n)
    return {
        "model": model, "pwm": pwm, "name": name, "train": sequences[:n_train],
        "sequences": [sequences[i] for i in held_out], "labels": labels[held_out],
        "starts": site_start[held_out],
    }


@pytest.fixture(scope="module")
def positives(planted):
    keep = planted["labels"] == 1
    return ([s for s, k in zip(planted["sequences"], keep) if k], planted["starts"][keep])


def fraction_inside(scores: np.ndarray, starts: np.ndarray, width: int) -> float:
    best = scores.argmax(axis=1)
    return float(np.mean((best >= starts) & (best < starts + width)))


def test_the_model_learned_the_planted_motif(planted):
    table = train.evaluate(planted["model"], (planted["sequences"], planted["labels"]))
    assert table.set_index("metric").loc["auroc", "value"] > 0.97


# ---- dinucleotide shuffles ---------------------------------------------------------------------


def dinucleotides(codes) -> np.ndarray:
    codes = np.asarray(codes)
    return np.bincount(codes[:-1] * 5 + codes[1:], minlength=25)


def test_dinucleotide_shuffle_keeps_every_count_exactly():
    rng = np.random.default_rng(3)
    x = seq.one_hot(random_sequences(6, 80, rng) + ["ACGTNNACGTTTGCAGGCAN" * 4])
    shuffles = I.dinucleotide_shuffle(x, n=5, seed=7)
    assert shuffles.shape == (7, 5, 4, 80) and shuffles.dtype == np.float32
    for i in range(len(x)):
        codes = np.where(x[i].sum(0) == 0, 4, x[i].argmax(0))
        for j in range(5):
            s = shuffles[i, j]
            shuffled = np.where(s.sum(0) == 0, 4, s.argmax(0))
            np.testing.assert_array_equal(dinucleotides(shuffled), dinucleotides(codes))
            assert shuffled[0] == codes[0] and shuffled[-1] == codes[-1]
    assert (shuffles[:6, 0] != x[:6]).any(axis=(1, 2)).all()  # they do move letters


def test_dinucleotide_shuffle_is_uniform_over_all_sequences_with_those_counts():
    codes = np.array([0, 0, 1, 0, 1, 1, 0, 0, 1])
    target = dinucleotides(codes)
    valid = {p for p in set(itertools.permutations(codes))
             if p[0] == codes[0] and (dinucleotides(p) == target).all()}
    assert len(valid) > 3
    from deepomics.interpret.dinuc_shuffle import shuffle_codes

    rng = np.random.default_rng(0)
    draws = [tuple(shuffle_codes(codes, rng)) for _ in range(6000)]
    assert set(draws) <= valid and set(draws) == valid
    counts = np.array([draws.count(v) for v in valid])
    expected = len(draws) / len(valid)
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 3 * len(valid), (counts, chi2)  # far below what a biased shuffle gives


def test_dinucleotide_shuffle_is_seeded_and_leaves_its_input_alone():
    x = seq.one_hot(random_sequences(3, 50, np.random.default_rng(1)))
    x.setflags(write=False)
    a = I.dinucleotide_shuffle(x, n=2, seed=5)
    np.testing.assert_array_equal(a, I.dinucleotide_shuffle(x, n=2, seed=5))
    assert not np.array_equal(a, I.dinucleotide_shuffle(x, n=2, seed=6))
    # sequence i's shuffles do not depend on the other sequences
    other = x.copy()
    other[0] = seq.one_hot(["T" * 50])[0]
    np.testing.assert_array_equal(a[1:], I.dinucleotide_shuffle(other, n=2, seed=5)[1:])


def test_dinucleotide_shuffle_of_text_keeps_every_letter_and_pair_and_matches_one_hot():
    rng = np.random.default_rng(4)
    dna = random_sequences(4, 60, rng)
    texts = dna + ["acgtNNacgtRYTTgcaggcaN" * 3, "ACGUUAGCUAGUCCAGU", "MKVLAWHCMKTLAWHKVC"]
    shuffles = I.dinucleotide_shuffle(texts, n=3, seed=9)
    assert len(shuffles) == 3 * len(texts) and all(isinstance(t, str) for t in shuffles)

    def pairs(t):
        return collections.Counter(t[k:k + 2] for k in range(len(t) - 1))

    for i, text in enumerate(texts):
        for shuffled in shuffles[3 * i:3 * i + 3]:  # sequence-major: the 3 of text i together
            assert pairs(shuffled) == pairs(text.upper())
            assert sorted(shuffled) == sorted(text.upper())
            assert shuffled[0] == text[0].upper() and shuffled[-1] == text[-1].upper()
    assert all(shuffles[3 * i] != texts[i] for i in range(4))  # they do move letters
    # DNA text is shuffled as its one-hot encoding is (N an all-zero column), with the same seed
    with_n = dna + ["ACGTNNACGTTTGCAGGCANACGTNNACGTTTGCAGGCAN" + "ACGT" * 5]
    hot = I.dinucleotide_shuffle(seq.one_hot(with_n), n=3, seed=9)
    decoded = ["".join("ACGTN"[c] for c in np.where(h.sum(0) > 0, h.argmax(0), 4))
               for h in hot.reshape(-1, 4, 60)]
    assert I.dinucleotide_shuffle(with_n, n=3, seed=9) == decoded
    assert I.dinucleotide_shuffle(np.array(dna), seed=1) == I.dinucleotide_shuffle(dna, seed=1)
    assert I.dinucleotide_shuffle(dna[0], seed=1) == I.dinucleotide_shuffle(dna[:1], seed=1)
    for bad, message in ((["ACGT", ""], "sequence 1 is empty"),
                         (["ACGT", None], "sequence 1 is missing"),
                         ([None, "ACGT"], "sequence 0 is missing"),
                         (["ACGT", "ACGé"], "sequence 1, position 3: 'é' is a non-ASCII")):
        with pytest.raises(ValueError, match=message):
            I.dinucleotide_shuffle(bad)
    with pytest.raises(ValueError, match="n .the number of shuffles. must be a positive"):
        I.dinucleotide_shuffle(dna, n=0)


def test_dinucleotide_shuffle_refuses_soft_encodings():
    x = seq.one_hot(["ACGTACGT"])
    x[0, :, 3] = 0.25
    with pytest.raises(ValueError, match="position 3 is not a one-hot letter"):
        I.dinucleotide_shuffle(x)


def test_shuffle_and_reference_counts_take_r_doubles_and_refuse_zero(planted):
    """R passes 2 as 2.0: the same shuffles as 2; 0 is an error naming the argument."""
    x = seq.one_hot(["ACGTTGCAAC" * 3])
    np.testing.assert_array_equal(I.dinucleotide_shuffle(x, n=2.0, seed=1),
                                  I.dinucleotide_shuffle(x, n=2, seed=1))
    with pytest.raises(ValueError, match=r"n \(the number of shuffles\) must be a positive whole"):
        I.dinucleotide_shuffle(x, n=0)
    model, sequences = planted["model"], planted["sequences"][:2]
    np.testing.assert_array_equal(
        I.attribute(model, sequences, method="deepshap", n_references=3.0, seed=0),
        I.attribute(model, sequences, method="deepshap", n_references=3, seed=0))
    with pytest.raises(ValueError, match="n_references must be a positive whole number, not 0"):
        I.attribute(model, sequences, method="deepshap", n_references=0)


# ---- ISM ---------------------------------------------------------------------------------------


def test_ism_puts_the_strongest_position_inside_the_planted_site(planted, positives):
    sequences, starts = positives
    effects = I.ism(planted["model"], sequences)
    assert effects.shape == (len(sequences), 4, LENGTH)
    loss = np.clip(-effects.min(axis=1), 0, None)  # the largest drop a substitution causes
    assert fraction_inside(loss, starts, planted["pwm"].shape[1]) >= 0.9


def test_ism_is_the_change_of_the_raw_output_and_zero_for_the_letter_present(planted):
    model = planted["model"]
    sequences = planted["sequences"][:3]
    effects = I.ism(model, sequences, batch_size=37)
    x = seq.one_hot(sequences)
    np.testing.assert_array_equal(effects[x == 1], 0)
    with torch.no_grad():
        reference = model(torch.from_numpy(x))[:, 0].numpy()
        i, c, pos = 1, "ACGT".index("A" if sequences[1][40] != "A" else "C"), 40
        edited = x[i:i + 1].copy()
        edited[0, :, pos] = 0
        edited[0, c, pos] = 1
        direct = model(torch.from_numpy(edited))[0, 0].item() - reference[i]
    assert effects[i, c, pos] == pytest.approx(direct, abs=1e-5)
    np.testing.assert_allclose(effects, I.ism(model, x, batch_size=5000), atol=1e-6)


def test_ism_gives_the_same_effects_however_the_sequences_are_chunked(planted, monkeypatch):
    model = planted["model"]
    x = seq.one_hot(planted["sequences"][:5])
    whole = I.ism(model, x)
    monkeypatch.setattr(sys.modules["deepomics.interpret.ism"], "_EDITS_PER_CHUNK", 700)
    # float32 sums in another order per batch size (oneDNN picks kernels by batch and CPU)
    np.testing.assert_allclose(I.ism(model, x, batch_size=64), whole, atol=1e-5)


@pytest.mark.parametrize("config", [
    {"arch": "deepbind", "n_filters": 6, "filter_size": 9, "seq_len": 60},
    {"arch": "deepbind", "n_filters": 6, "filter_size": 9, "strand": "average"},
    {"arch": "basset", "seq_len": 60, "n_filters": [8, 8], "filter_sizes": [7, 3],
     "pool_sizes": [3, 2], "hidden": [16]},
    {"arch": "deeploc", "alphabet": "dna", "filter_sizes": [1, 4, 7], "n_filters": 3,
     "conv2_filters": 4, "lstm_size": 4, "attention_size": 4, "hidden": 4},
], ids=["deepbind", "deepbind-average-strands", "basset", "deeploc-same-padding"])
@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_ism_fast_path_equals_running_every_edited_sequence(config):
    """The input convolutions served from the unedited sequences' record, and the batch sizes
    tuned, give what the whole model gives on each edited sequence."""
    torch.manual_seed(0)
    model = models.build(config).eval()
    sequences = random_sequences(3, 60, np.random.default_rng(4))
    sequences[1] = sequences[1][:20] + "NN" + sequences[1][22:]  # all four letters tried there
    x = seq.one_hot(sequences)
    slow = I.ism(model, x, fast=False, tune=False)
    fast = I.ism(model, x, batch_size=128)
    np.testing.assert_allclose(fast, slow, atol=1e-6 * max(1.0, np.abs(slow).max()))
    assert np.count_nonzero(slow[1, :, 20]) == 4
    assert all("forward" not in m.__dict__ for m in model.modules())  # the model as it was


def test_ism_runs_only_the_substitutions_that_change_a_letter(planted):
    model = planted["model"]
    seen = []
    handle = model.register_forward_hook(lambda m, i, o: seen.append(len(i[0])))
    try:
        I.ism(model, planted["sequences"][:2])
    finally:
        handle.remove()
    assert sum(seen) == 2 + 2 * 3 * LENGTH  # the originals, then 3 letters x L positions each


@pytest.mark.skipif(importlib.util.find_spec("tangermeme") is None,
                    reason="tangermeme is not installed (it comes with the bench extra: "
                           "pip install tangermeme==1.6.0)")
def test_ism_equals_tangermeme_saturation_mutagenesis(planted):
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis

    model = planted["model"]
    x = seq.one_hot(planted["sequences"][:6])
    ours = I.ism(model, x, device="cpu")
    y0, y_hat = saturation_mutagenesis(model, torch.from_numpy(x), raw_outputs=True,
                                       device="cpu", batch_size=256)
    theirs = (y_hat[..., 0] - y0[:, None, None, 0]).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=0)
    # and tangermeme's default attributions: centred over the letters, on the observed ones
    attributions = saturation_mutagenesis(model, torch.from_numpy(x), device="cpu").numpy()
    np.testing.assert_allclose(I.ism(model, x, center=True, hypothetical=False),
                               attributions, atol=1e-5, rtol=0)


# ---- attributions ------------------------------------------------------------------------------


def test_integrated_gradients_put_the_strongest_position_inside_the_site(planted, positives):
    sequences, starts = positives
    attributions = I.attribute(planted["model"], sequences, method="integrated_gradients",
                               n_references=1, n_steps=32, seed=0)
    assert attributions.shape == (len(sequences), 4, LENGTH)
    assert fraction_inside(attributions.sum(axis=1), starts, planted["pwm"].shape[1]) >= 0.9


def test_deepshap_puts_the_strongest_position_inside_the_site(planted, positives):
    sequences, starts = positives
    attributions = I.attribute(planted["model"], sequences[:60], method="deepshap",
                               n_references=4, seed=0)
    assert fraction_inside(attributions.sum(axis=1), starts[:60], planted["pwm"].shape[1]) >= 0.9


def deeplift_total_error(model, x, references) -> float:
    """Largest |sum of attributions - (f(x) - mean f(reference))|, relative to the output
    differences' mean size."""
    attributions = I.attribute(model, x, method="deepshap", references=references)
    with torch.no_grad():
        f_x = model(torch.from_numpy(x))[:, 0].numpy()
        f_ref = model(torch.from_numpy(references.reshape(-1, *x.shape[1:])))[:, 0].numpy()
    difference = f_x - f_ref.reshape(len(x), -1).mean(axis=1)
    return float(np.abs(attributions.sum(axis=(1, 2)) - difference).max()
                 / np.abs(difference).mean())


@pytest.mark.parametrize("config", [
    {"arch": "deepbind", "n_filters": 6, "filter_size": 9},
    {"arch": "deepbind", "n_filters": 6, "filter_size": 9, "strand": "average",
     "pooling": "max_avg"},
    {"arch": "basset", "seq_len": 60, "n_filters": [8, 8], "filter_sizes": [7, 3],
     "pool_sizes": [3, 2], "hidden": [16]},
], ids=["deepbind", "deepbind-average-strands", "basset"])
def test_deeplift_attributions_add_up_to_the_output_difference(config):
    """DeepLIFT's summation-to-delta property: it holds only when every ReLU and max pool gets
    its rule (functional relu / amax routed through modules, each strand apart, and captum's
    max-pool rule corrected)."""
    torch.manual_seed(0)
    model = models.build({**config, "seq_len": 60}).eval()
    with torch.no_grad():  # spread the outputs so that the differences are not tiny
        for p in model.parameters():
            p.mul_(3)
    x = seq.one_hot(random_sequences(5, 60, np.random.default_rng(2)))
    references = I.dinucleotide_shuffle(x, n=3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeepomicsWarning)  # no "does not add up" warning
        assert deeplift_total_error(model, x, references) < 1e-3


def test_deeplift_warns_when_an_operation_has_no_rule():
    torch.manual_seed(0)
    model = models.build({"arch": "danq", "seq_len": 40, "n_filters": 8, "filter_size": 9,
                          "lstm_size": 8, "hidden": 8}).eval()
    x = seq.one_hot(random_sequences(3, 40, np.random.default_rng(0)))
    with pytest.warns(DeepomicsWarning, match="without a DeepLIFT rule"):
        I.attribute(model, x, method="deeplift")


def test_deeplift_refuses_an_activation_module_used_twice():
    class Twice(nn.Module):
        input_kind, n_channels = "onehot", 4

        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv1d(4, 4, 3, padding=1), nn.Conv1d(4, 4, 3, padding=1)
            self.act = nn.ReLU()
            self.out = nn.Linear(4, 1)

        def forward(self, x):
            return self.out(self.act(self.conv2(self.act(self.conv1(x)))).mean(2))

    x = seq.one_hot(["ACGTACGTAC", "TTGACCATGA"])
    with pytest.raises(ValueError, match=r"'act' \(ReLU\) runs 2 times"):
        I.attribute(Twice(), x, method="deeplift")
    assert I.attribute(Twice(), x, method="integrated_gradients").shape == x.shape


def test_gradient_methods_equal_autograd(planted):
    model = planted["model"]
    x = seq.one_hot(planted["sequences"][:4])
    inputs = torch.from_numpy(x).requires_grad_()
    model(inputs)[:, 0].sum().backward()
    gradient = inputs.grad.numpy()
    np.testing.assert_allclose(I.attribute(model, x, method="saliency"), np.abs(gradient),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(I.attribute(model, x, method="input_x_gradient"), gradient * x,
                               rtol=1e-5, atol=1e-7)


def test_baseline_attributions_are_seeded_and_hypothetical_ones_cover_every_letter(planted):
    model = planted["model"]
    x = seq.one_hot(planted["sequences"][:3])
    a = I.attribute(model, x, method="deepshap", n_references=3, seed=1)
    np.testing.assert_array_equal(a, I.attribute(model, x, method="deepshap", n_references=3,
                                                 seed=1))
    assert not np.array_equal(a, I.attribute(model, x, method="deepshap", n_references=3,
                                             seed=2))
    assert np.all(a[x == 0] == 0)  # projected on the observed letters
    # the same references however the sequences are chunked, and given explicitly
    np.testing.assert_allclose(I.attribute(model, x, method="deepshap", n_references=3, seed=1,
                                           batch_size=2), a, atol=1e-6)
    references = I.dinucleotide_shuffle(x, n=3, seed=1)
    np.testing.assert_allclose(I.attribute(model, x, method="deepshap", references=references),
                               a, atol=1e-6)
    hyp = I.attribute(model, x, method="deepshap", n_references=3, seed=1, hypothetical=True)
    np.testing.assert_allclose(hyp * x, a, atol=1e-6)
    assert np.count_nonzero(hyp[x == 0]) > 0.5 * np.count_nonzero(x == 0)


def test_attention_weights_of_a_deeploc_model():
    torch.manual_seed(0)
    model = models.build({"arch": "deeploc", "alphabet": "dna", "filter_sizes": [3, 5],
                          "n_filters": 4, "conv2_filters": 8, "lstm_size": 8,
                          "attention_size": 8, "hidden": 8}).eval()
    x = seq.one_hot(["ACGTACGTACGTAAAC", "GGGTAC"], length=16)  # the second padded with zeros
    weights = I.attention(model, x)
    assert weights.shape == (2, 16)
    np.testing.assert_allclose(weights.sum(axis=1), 1, atol=1e-5)
    assert np.all(weights[1, 6:] == 0) and np.all(weights[1, :6] > 0)
    # raw sequences of several lengths: padded to the longest, the same weights as the array
    np.testing.assert_allclose(I.attention(model, ["ACGTACGTACGTAAAC", "GGGTAC"]), weights,
                               rtol=1e-6)
    with pytest.raises(ValueError, match="attention weights need a model with an attention layer"):
        I.attention(models.build({"arch": "deepbind"}), x)


# ---- filters as motifs -------------------------------------------------------------------------


def test_the_top_filter_is_the_planted_jaspar_motif(planted):
    found = I.filter_motifs(planted["model"], planted["train"])
    assert found.pwms.shape == (8, 4, 24)
    np.testing.assert_allclose(found.pwms.sum(axis=1), 1)
    top = int(found.ranked()[0])
    assert found.influence[top, 0] > 0
    matches = I.match_motifs(found, n_matches=3)
    best = matches[matches["filter"] == top].iloc[0]
    assert best["jaspar_id"] == CTCF and best["name"] == planted["name"]
    assert best["p_value"] < 1e-10 and best["q_value"] < 1e-6
    assert list(matches.columns[:6]) == ["filter", "jaspar_id", "name", "p_value", "e_value",
                                         "q_value"]
    assert matches.groupby("filter")["p_value"].apply(lambda p: p.is_monotonic_increasing).all()


def test_filter_motifs_collects_the_subsequences_that_activate_a_filter():
    """A filter that is the motif GATTACA exactly: every site, and only the sites, reach half
    its maximum, so its PWM is the motif and its count the number of sites."""
    model = models.build({"arch": "deepbind", "n_filters": 2, "filter_size": 7, "hidden": 0,
                          "dropout": 0, "seq_len": 30}).eval()
    motif = "GATTACA"
    with torch.no_grad():
        model.conv.weight.zero_()
        model.conv.bias.zero_()
        for k, letter in enumerate(motif):
            model.conv.weight[0, "ACGT".index(letter), k] = 1.0
        model.conv.weight[1] = -1.0  # never positive: no sites
    rng = np.random.default_rng(0)
    sequences = [s.replace("GATTACA", "GGTTACA") for s in random_sequences(40, 30, rng)]
    sequences = [s[:5] + motif + s[12:] if i % 2 else s for i, s in enumerate(sequences)]
    found = I.filter_motifs(model, sequences, threshold=0.9, pseudocount=0, influence=False)
    assert found.n_sites[0] == 20 and found.n_sites[1] == 0
    assert "".join("ACGT"[i] for i in found.pwms[0].argmax(axis=0)) == motif
    np.testing.assert_allclose(found.pwms[0].max(axis=0), 1)
    assert found.influence is None


def test_match_motifs_finds_a_jaspar_matrix_from_its_own_pwm_on_either_strand():
    _, pwm = motifs.jaspar_pwm(CTCF)
    table = I.match_motifs({"forward": pwm, "reverse": pwm[::-1, ::-1]}, n_matches=1)
    assert list(table["jaspar_id"]) == [CTCF, CTCF]
    assert list(table["orientation"]) == ["+", "-"]
    assert list(table["offset"]) == [0, 0]



def test_match_motifs_reads_filters_of_any_channel_order_in_jaspars():
    """A model of alphabet 'TGCA' has filters in that order: compared with JASPAR's A, C, G, T
    rows as they are, CTCF would not be found."""
    _, pwm = motifs.jaspar_pwm(CTCF)
    order = [("ACGT".index(c)) for c in "TGCA"]
    found = I.FilterMotifs(pwms=pwm[order][None], counts=pwm[order][None] * 20,
                           n_sites=np.array([20]), max_activation=np.array([1.0]),
                           letters="TGCA", layer="conv", threshold=0.5)
    assert I.match_motifs(found, n_matches=1)["jaspar_id"].tolist() == [CTCF]
    for bad in (-1, 2.5):
        with pytest.raises(ValueError, match="n_matches must be a positive whole number"):
            I.match_motifs(found, n_matches=bad)


# ---- variant effects ---------------------------------------------------------------------------


def destroying_and_neutral_variants(planted, positives, n=20):
    """For the first n held-out positives: the sequence with the site's most informative
    letter replaced by the least likely one, and with a letter far from the site changed."""
    sequences, starts = positives
    pwm = planted["pwm"]
    column = int(I.information_content(pwm).argmax())
    worst = "ACGT"[int(pwm[:, column].argmin())]
    ref, broken, neutral = [], [], []
    for s, start in zip(sequences[:n], starts[:n]):
        at = start + column
        far = 5 if start > 40 else LENGTH - 5
        other = "A" if s[far] != "A" else "C"
        ref.append(s)
        broken.append(s[:at] + worst + s[at + 1:])
        neutral.append(s[:far] + other + s[far + 1:])
    return ref, broken, neutral


def test_a_variant_that_breaks_the_site_is_damaging_and_one_outside_is_not(planted, positives):
    ref, broken, neutral = destroying_and_neutral_variants(planted, positives)
    model = planted["model"]
    damaging = I.variant_effect(model, ref, broken)
    harmless = I.variant_effect(model, ref, neutral)
    assert list(damaging.columns) == ["ref_pred", "alt_pred", "difference", "log_odds_ratio"]
    assert damaging["log_odds_ratio"].median() < -2
    assert (damaging["log_odds_ratio"] < -0.5).mean() >= 0.9
    assert harmless["log_odds_ratio"].abs().median() < 0.25
    np.testing.assert_allclose(damaging["difference"], damaging["alt_pred"] - damaging["ref_pred"])
    probs = train.predict(model, ref)
    np.testing.assert_allclose(damaging["ref_pred"], probs, rtol=1e-5)


def test_variant_effect_from_a_vcf_and_a_genome_fasta(planted, positives, tmp_path):
    ref, broken, _ = destroying_and_neutral_variants(planted, positives, n=3)
    # chromosome i: 100 random letters, held-out positive i, 100 more
    flanks = random_sequences(6, 100, np.random.default_rng(5))
    chromosomes = [flanks[2 * i] + s + flanks[2 * i + 1] for i, s in enumerate(ref)]
    genome = tmp_path / "genome.fa"
    genome.write_text("".join(f">chr{i}\n{c}\n" for i, c in enumerate(chromosomes)))
    header = ["##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    lines, windows_ref, windows_alt = [], [], []
    for i, (s, b) in enumerate(zip(ref, broken)):
        at = 100 + next(k for k in range(LENGTH) if s[k] != b[k])  # 0-based, in chr i
        lines.append(f"chr{i}\t{at + 1}\tv{i}\t{chromosomes[i][at]}\t{b[at - 100]}\t.\tPASS\t.")
        window = chromosomes[i][at - LENGTH // 2:at + LENGTH // 2]  # centred on the variant
        windows_ref.append(window)
        windows_alt.append(window[:LENGTH // 2] + b[at - 100] + window[LENGTH // 2 + 1:])
    vcf = tmp_path / "calls.vcf"
    vcf.write_text("\n".join(header + lines) + "\n")
    table = I.variant_effect(planted["model"], str(vcf), genome=str(genome))
    assert list(table["id"]) == ["v0", "v1", "v2"]
    assert list(table.columns[:5]) == ["chrom", "pos", "id", "ref", "alt"]
    direct = I.variant_effect(planted["model"], windows_ref, windows_alt)
    np.testing.assert_allclose(table["log_odds_ratio"], direct["log_odds_ratio"], rtol=1e-6)
    assert (table["log_odds_ratio"] < -0.5).all()
    fields = lines[1].split("\t")
    fields[3] = "ACGT".replace(fields[3], "")[0]  # a REF the genome does not have there
    bad = tmp_path / "bad.vcf"
    bad.write_text("\n".join(header + ["\t".join(fields)]) + "\n")
    with pytest.raises(ValueError, match=r"line 3\): REF '.' does not match the genome"):
        I.variant_effect(planted["model"], str(bad), genome=str(genome))
    # a reference call (ALT '.'), a spanning deletion '*', gVCF's <NON_REF> and a breakend have
    # no sequence to score: skipped, with a word counting each kind; the other alleles are read
    calls = tmp_path / "with_ref_call.vcf"
    others = ["chr0\t5\tref\tA\t.\t.\tPASS\t.", "chr0\t6\tspan\tA\tC,*\t.\tPASS\t.",
              "chr0\t7\tg\tA\t<NON_REF>\t.\tPASS\t.", "chr0\t8\tg2\tA\tG,<NON_REF>\t.\tPASS\t.",
              "chr0\t9\tbnd\tA\tA[chr1:5[\t.\tPASS\t.", "chr0\t10\tbnd2\tA\t.A\t.\tPASS\t."]
    calls.write_text("\n".join(header + lines + others) + "\n")
    with pytest.warns(DeepomicsWarning, match=r"skipped what has no sequence to score: 1 "
                                              r"record\(s\) with ALT '\.' \(no alternative "
                                              r"allele\); 1 allele\(s\) '\*' \(spanning "
                                              r"deletions\); 2 symbolic allele\(s\) .*; 2 "
                                              r"breakend\(s\)$"):
        read = I.read_vcf(calls)
    assert list(read["id"]) == ["v0", "v1", "v2", "span", "g2"]
    assert list(read["alt"][3:]) == ["C", "G"]
    nothing = tmp_path / "nothing.vcf"
    nothing.write_text("\n".join(header + others[2:3]) + "\n")
    with pytest.warns(DeepomicsWarning), pytest.raises(ValueError, match="holds no variants "
                                                                          "with a sequence"):
        I.read_vcf(nothing)
    bad_alt = tmp_path / "bad_alt.vcf"
    bad_alt.write_text("\n".join(header + ["chr0\t5\tx\tA\tA1\t.\tPASS\t."]) + "\n")
    with pytest.raises(ValueError, match=r"line 3: ALT 'A1' is not a sequence of A, C, G, T, N"):
        I.read_vcf(bad_alt)
    # a table whose chromosome column holds numbers names FASTA sequences "1", "2", ...
    numbered = tmp_path / "numbered.fa"
    numbered.write_text("".join(f">{i + 1}\n{c}\n" for i, c in enumerate(chromosomes)))
    variants = table[["chrom", "pos", "ref", "alt"]].assign(
        chrom=[int(c[3:]) + 1 for c in table["chrom"]])
    again = I.variant_effect(planted["model"], variants, genome=str(numbered))
    np.testing.assert_allclose(again["log_odds_ratio"], table["log_odds_ratio"], rtol=1e-6)
    with pytest.raises(ValueError, match=r"variant 0 \(1:nan A>C\): pos must be a 1-based "
                                         r"position \(a whole number >= 1\), not nan"):
        I.variant_effect(planted["model"], pd.DataFrame({"chrom": [1], "pos": [np.nan],
                                                         "ref": ["A"], "alt": ["C"]}),
                         genome=str(numbered))
    # a table's alleles are checked as a file's: MAF's '-', '*', '.', an empty REF
    for ref_allele, alt_allele in (("A", "-"), ("A", "*"), ("A", "."), ("", "A")):
        shown = "REF ''" if not ref_allele else f"ALT {alt_allele!r}"
        with pytest.raises(ValueError, match=f"variant 0 .*: {re.escape(shown)} is not a "
                                             "sequence of A, C, G, T, N; give an indel as VCF"):
            I.variant_effect(planted["model"], pd.DataFrame(
                {"chrom": [1], "pos": [101], "ref": [ref_allele], "alt": [alt_allele]}),
                genome=str(numbered))
    with pytest.raises(ValueError, match="variant 0 .*: ALT is missing; give it as text"):
        I.variant_effect(planted["model"], pd.DataFrame(
            {"chrom": [1], "pos": [101], "ref": ["A"], "alt": [np.nan]}), genome=str(numbered))
    empty_ref = tmp_path / "empty_ref.vcf"
    empty_ref.write_text("\n".join(header + ["chr0\t5\tx\t\tA\t.\tPASS\t."]) + "\n")
    with pytest.raises(ValueError, match=r"line 3: REF '' is not a sequence"):
        I.read_vcf(empty_ref)


# ---- bad input ---------------------------------------------------------------------------------


def test_genome_intervals_are_read_as_their_sequences(planted, tmp_path):
    from deepomics.genome import GenomeIntervals

    sequences = planted["sequences"][:2]
    fasta = tmp_path / "g.fa"
    fasta.write_text(f">chrA\nTTTT{sequences[0]}GGGG\n>chrB\n{sequences[1]}\n")
    regions = GenomeIntervals(str(fasta), {"chrom": ["chrA", "chrB"], "start": [4, 0],
                                            "end": [104, 100]})
    np.testing.assert_allclose(I.ism(planted["model"], regions),
                               I.ism(planted["model"], sequences), atol=1e-6)


def test_sequences_of_another_length_are_a_clear_error(planted):
    """A fixed-length model reads its length only; sequences of another are refused by name."""
    model = models.build({"arch": "promoter_cnn", "seq_len": LENGTH, "n_filters": 4,
                          "filter_size": 5, "hidden": 4})
    good = planted["sequences"][:2]
    short = good + ["ACGT" * 20]
    for call in (lambda x: I.ism(model, x), lambda x: I.attribute(model, x),
                 lambda x: I.filter_motifs(model, x), lambda x: I.variant_effect(model, x, x)):
        with pytest.raises(ValueError, match=r"sequence 2 has 80 letters but the model was "
                                             r"trained on 100"):
            call(short)
    with pytest.raises(ValueError, match="length 80 but the promoter_cnn model was trained on "
                                         "sequences of length 100"):
        I.ism(model, seq.one_hot(["ACGT" * 20]))
    model = planted["model"]
    turned = seq.one_hot(good).transpose(0, 2, 1)
    with pytest.raises(ValueError, match=r"channels-last \(N, L, C\): pass x\.swapaxes\(1, 2\)"):
        I.ism(model, turned)
    np.testing.assert_array_equal(I.ism(model, turned.swapaxes(1, 2)),  # the hint, followed
                                  I.ism(model, seq.one_hot(good)))
    for empty in ([], np.array([], dtype=str)):  # nothing given: said so, not "shape (0,)"
        for call in (I.ism, I.attribute, I.filter_motifs):
            with pytest.raises(ValueError, match="the input holds no sequences"):
                call(model, empty)


def test_an_any_length_model_is_interpreted_on_sequences_as_predict_reads_them(planted, tmp_path):
    """deepbind (no fixed seq_len, trained on 100-mers): shorter sequences are read padded to
    100, as predict reads them; mutation effects are predict's differences and 0 on padding;
    longer sequences of one length are read at that length, mixed longer ones refused."""
    model = planted["model"]
    mixed = [planted["sequences"][0][:70], planted["sequences"][1], planted["sequences"][2][:40]]
    effects = I.ism(model, mixed)
    assert effects.shape == (3, 4, LENGTH)
    assert not effects[0, :, 70:].any() and not effects[2, :, 40:].any()
    logit = lambda s: np.log(train.predict(model, s) / (1 - train.predict(model, s)))  # noqa: E731
    edited = mixed[2][:10] + ("A" if mixed[2][10] != "A" else "C") + mixed[2][11:]
    np.testing.assert_allclose(effects[2, "ACGT".index(edited[10]), 10],
                               (logit([edited]) - logit([mixed[2]]))[0], atol=1e-4)
    for options in ({"method": "saliency"},
                    {"method": "integrated_gradients", "hypothetical": True, "n_references": 2}):
        attributions = I.attribute(model, mixed, **options)
        assert attributions.shape == (3, 4, LENGTH)
        assert not attributions[0, :, 70:].any() and not attributions[2, :, 40:].any()
        assert attributions[2, :, :40].any()
    # genome intervals are read padded too: their effects past their ends are 0 as well
    from deepomics import genome as G

    fasta = tmp_path / "g.fa"
    fasta.write_text(">c\n" + planted["sequences"][0] + planted["sequences"][1] + "\n")
    intervals = G.GenomeIntervals(str(fasta), {"chrom": ["c", "c"], "start": [5, 120],
                                               "end": [75, 160]})
    on_genome = I.ism(model, intervals)
    assert not on_genome[0, :, 70:].any() and not on_genome[1, :, 40:].any()
    np.testing.assert_allclose(on_genome, I.ism(model, G.fetch(str(fasta), intervals.intervals)),
                               atol=1e-6)
    assert len(I.filter_motifs(model, mixed).pwms) == 8
    longer = [s + s[:20] for s in planted["sequences"][:2]]
    assert I.ism(model, longer).shape == (2, 4, 120)
    with pytest.raises(ValueError, match=r"trained on sequences of up to 100 letters .* these are "
                                         r"40 to 120 letters long; interpret the sequences longer "
                                         r"than 100 one length at a time"):
        I.ism(model, mixed + longer)


def test_unknown_method_and_bad_targets_are_clear_errors(planted):
    model = planted["model"]
    x = planted["sequences"][:2]
    with pytest.raises(ValueError, match="unknown attribution method 'gradcam'; choose one of "
                                         "saliency, input_x_gradient"):
        I.attribute(model, x, method="gradcam")
    named = copy.copy(model)
    named.classes = ["absent", "present"]
    with pytest.raises(ValueError, match=r"target=3 is out of range: the model has 1 output\(s\), 0 to 0; "
                                         r"a binary model's one output is the log-odds of 'present': "
                                         r"to explain a class, name it \(target='present' or 'absent'\)"):
        I.ism(named, x, target=3)
    with pytest.raises(ValueError, match="n_references / references are for the baseline methods "
                                         r"\(integrated_gradients, deeplift, deepshap\); saliency uses none"):
        I.attribute(model, x, method="saliency", n_references=5)
    with pytest.raises(ValueError, match="n_steps must be a positive whole number, not 0"):
        I.attribute(model, x, method="integrated_gradients", n_steps=0)   # captum asserted
    multi = models.build({"arch": "deepbind", "n_outputs": 3, "seq_len": 100})
    with pytest.raises(ValueError, match="has 3 outputs; choose one with target="):
        I.ism(multi, x)
    assert I.ism(multi, x, target=2).shape == (2, 4, 100)


def test_a_binary_models_classes_name_its_log_odds_either_way(planted):
    model = copy.copy(planted["model"])  # the same weights, with class names
    model.classes = ["absent", "present"]
    x = planted["sequences"][:3]
    np.testing.assert_array_equal(I.ism(model, x, target="absent"),
                                  -I.ism(model, x, target="present"))
    np.testing.assert_array_equal(I.ism(model, x, target="present"), I.ism(model, x))
    other = planted["sequences"][3:6]
    present = I.variant_effect(model, x, other, target="present")
    absent = I.variant_effect(model, x, other, target="absent")
    np.testing.assert_allclose(absent["ref_pred"], 1 - present["ref_pred"], atol=1e-12)
    np.testing.assert_allclose(absent["log_odds_ratio"], -present["log_odds_ratio"])
    with pytest.raises(ValueError, match=r"target='maybe' is not one of the model's classes "
                                         r"\(absent, present\)"):
        I.attribute(model, x, target="maybe")


def test_a_number_target_is_refused_where_the_classes_are_numbers(planted):
    """The planted model's classes are 0 and 1: target=0 was its only output, class 1's
    log-odds, when the user meant class 0. Such a target must be named as text."""
    model, x = planted["model"], planted["sequences"][:2]
    assert model.classes == [0, 1]
    for target in (0, 1):
        with pytest.raises(ValueError, match=r"target is a number but so are this model's classes"
                                             r".*name the class as text \('0', '1'\)"):
            I.ism(model, x, target=target)
    np.testing.assert_array_equal(I.ism(model, x, target="0"), -I.ism(model, x, target="1"))
    np.testing.assert_array_equal(I.ism(model, x, target="1"), I.ism(model, x))
    multi = copy.copy(models.build({"arch": "deepbind", "n_outputs": 3, "seq_len": 100}))
    multi.task, multi.classes = "multiclass", [0, 1, 2]     # outputs and classes coincide
    np.testing.assert_array_equal(I.ism(multi, x, target=2), I.ism(multi, x, target="2"))
    multi.classes = [5, 10, 15]
    with pytest.raises(ValueError, match="name the class as text"):
        I.ism(multi, x, target=1)
    floats = copy.copy(model)  # R's numeric labels: classes 0.0 and 1.0
    floats.classes = [0.0, 1.0]
    with pytest.raises(ValueError, match=r"name the class as text \('0', '1'\)"):
        I.ism(floats, x, target=0)
    np.testing.assert_array_equal(I.ism(floats, x, target="0"), I.ism(model, x, target="0"))


def test_inputs_from_r_are_read_in_place_and_never_written(planted):
    model = planted["model"]
    x = np.asfortranarray(seq.one_hot(planted["sequences"][:3]).astype(np.float64))
    x.setflags(write=False)
    before = x.copy()
    expected = I.ism(model, before)
    np.testing.assert_allclose(I.ism(model, x), expected, atol=1e-6)
    I.attribute(model, x, method="deeplift")
    I.filter_motifs(model, x, influence=False)
    I.variant_effect(model, x, x)
    np.testing.assert_array_equal(x, before)


# ---- plots -------------------------------------------------------------------------------------


def test_logos_draw_one_letter_per_letter_and_position(planted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, pwm = motifs.jaspar_pwm(CTCF)
    ax = I.plot_logo(pwm + 0.01)
    assert len(ax.patches) == 4 * pwm.shape[1]
    holed = pwm.copy()
    holed[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values \\(first in column 3\\)"):
        I.plot_logo(holed)
    assert ax.get_xlim() == (-0.5, pwm.shape[1] - 0.5)
    model = planted["model"]
    sequence = planted["sequences"][0]
    attributions = I.attribute(model, [sequence], method="deepshap", n_references=4)[0]
    ax = I.plot_attribution(attributions, start=10, end=50)
    assert len(ax.patches) == np.count_nonzero(attributions[:, 10:50]) > 20  # observed letters
    assert ax.get_xlim() == (-0.5, 39.5)
    assert [int(t.get_text()) for t in ax.get_xticklabels()] == [int(t) + 10 for t in ax.get_xticks()]
    narrow = I.plot_attribution(attributions, start=10, end=12)  # matplotlib ticks at halves
    assert all(float(t).is_integer() for t in narrow.get_xticks())
    assert [t.get_text() for t in narrow.get_xticklabels()] == ["10", "11"]
    found = I.filter_motifs(model, planted["train"][:200], influence=False)
    fig = I.plot_filter_logos(found, filters=[0, 3, 5], ncols=2)
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 3 and all(len(a.patches) == 4 * 24 for a in visible)
    plt.close("all")


def test_mutation_map_shows_every_substitution_and_the_losses(planted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sequence = planted["sequences"][1]
    effects = I.ism(planted["model"], [sequence])[0]
    fig = I.plot_mutation_map(effects, sequence)
    logo, heatmap = fig.axes[0], fig.axes[1]
    image = heatmap.images[0].get_array()
    assert image.shape == (4, LENGTH)
    np.testing.assert_allclose(np.asarray(image), effects)
    assert len(logo.patches) == np.count_nonzero(np.clip(-effects.min(axis=0), 0, None))
    with pytest.raises(ValueError, match="one sequence's effects"):
        I.plot_mutation_map(effects[None], sequence)
    window = I.plot_mutation_map(effects, sequence, start=20, end=30.0)  # R's doubles
    np.testing.assert_allclose(np.asarray(window.axes[1].images[0].get_array()), effects[:, 20:30])
    narrow = I.plot_mutation_map(effects, sequence, start=2, end=4)
    assert [t.get_text() for t in narrow.axes[1].get_xticklabels()] == ["2", "3"]
    for start, end in ((20, 5), (-1, 10), (0, LENGTH + 1), (2.5, 10)):
        with pytest.raises(ValueError, match=rf"0 <= start < end <= {LENGTH} \(the positions to "
                                             rf"show\); got start={start}, end={end}"):
            I.plot_mutation_map(effects, sequence, start=start, end=end)
    plt.close("all")


def test_the_readme_interpretation_example_runs_and_finds_the_planted_site():
    import os
    import re

    import matplotlib

    matplotlib.use("Agg")
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    block = re.search(r"Interpretation, on a model.*?```python\n(.*?)```", readme, re.S).group(1)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    effects, seqs = scope["effects"], scope["seqs"]
    site = effects[0][:, 10:18].min(axis=0)          # the worst substitution at each site letter
    elsewhere = effects[0][:, 25:].min(axis=0)
    assert site.mean() < -1.0 and site.mean() < 10 * elsewhere.mean()
    broken = I.variant_effect(scope["model"], seqs[1:2], [seqs[1][:13] + "A" + seqs[1][14:]])
    assert broken["difference"].iloc[0] < -0.1
    assert {"filter", "jaspar_id", "p_value"} <= set(scope["matches"].columns)


def test_gradient_attributions_of_a_kmer_model_say_to_use_mutagenesis():
    """A k-mer model's output has no gradient with respect to the letters: captum's own error
    ("appears to not have been used in the graph") becomes one that names what to use."""
    from deepomics.train import fit

    rng = np.random.default_rng(0)
    x = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(40)]
    model = fit({"arch": "kmer_linear", "k": 3}, (x, np.arange(40) % 2), epochs=1)
    for method in ("saliency", "integrated_gradients"):
        with pytest.raises(ValueError, match="the kmer_linear model's output has no gradient with "
                                             "respect to the letters .* use in silico mutagenesis"):
            I.attribute(model, x[:2], method=method)
    assert I.ism(model, x[:2]).shape == (2, 4, 30)  # what it says to use works


def test_filter_motifs_threshold_must_be_one_fraction(planted):
    for bad, error in (([0.1, 0.5], TypeError), ("0.5", TypeError), (1.5, ValueError)):
        with pytest.raises(error, match="threshold must be a"):
            I.filter_motifs(planted["model"], planted["sequences"][:20], threshold=bad)
    for bad, error in (("1", TypeError), (-0.5, ValueError)):
        with pytest.raises(error, match="pseudocount must be a number >= 0"):
            I.filter_motifs(planted["model"], planted["sequences"][:20], pseudocount=bad)
