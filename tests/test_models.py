"""deepomics.models: the registry's checks, every architecture's shapes and rebuild, strand modes,
attention masking, and the k-mer baseline against deepomics.seq.kmer_counts."""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from torch import nn

from deepomics import models, seq
from deepomics.models import ConfigError, build, defaults, register
from deepomics.models import registry as registry_module

torch.set_num_threads(2)

RNG = np.random.default_rng(0)


def random_dna(n: int, length: int, rng=RNG) -> list[str]:
    return ["".join(rng.choice(list("ACGT"), size=length)) for _ in range(n)]


def onehot(seqs, alphabet="dna", length=None) -> torch.Tensor:
    return torch.from_numpy(seq.one_hot(seqs, alphabet=alphabet, length=length))


# Small configs of every architecture, and an input batch each takes.
SMALL = {
    "mlp": {"n_features": 12, "hidden": [8, 6], "n_outputs": 3},
    "dgex": {"n_features": 12, "n_outputs": 5, "hidden": [16]},
    "autoencoder": {"n_features": 12, "hidden": [8], "latent_dim": 3},
    "deepbind": {"n_filters": 4, "filter_size": 5, "hidden": 6, "n_outputs": 2},
    "promoter_cnn": {"seq_len": 40, "n_filters": 6, "filter_size": 7, "pool_size": 2,
                     "hidden": 8},
    "basset": {"seq_len": 60, "n_filters": [8, 6, 6], "filter_sizes": [7, 5, 3],
               "pool_sizes": [2, 2, 2], "hidden": [10, 10], "n_outputs": 4},
    "deepsea": {"seq_len": 60, "n_filters": [6, 8, 10], "filter_sizes": 5, "pool_sizes": [2, 2, 1],
                "hidden": 12, "n_outputs": 3},
    "rnn": {"cell": "gru", "hidden_size": 5, "num_layers": 2, "dropout": 0.1},
    "danq": {"seq_len": 50, "n_filters": 6, "filter_size": 7, "pool_size": 4, "lstm_size": 5,
             "hidden": 9, "n_outputs": 2},
    "deeploc": {"filter_sizes": [1, 3, 5], "n_filters": 3, "conv2_filters": 6, "lstm_size": 5,
                "attention_size": 4, "hidden": 7, "n_outputs": 10},
    "kmer_linear": {"k": 3, "n_outputs": 2},
}


def sample_input(model, n: int = 3, length: int = 50) -> torch.Tensor:
    if model.input_kind == "features":
        return torch.randn(n, model.n_features)
    length = model.seq_len or length
    if model.input_kind == "tokens":
        return torch.from_numpy(seq.tokenize(random_dna(n, length), alphabet=model.alphabet))
    letters = seq.alphabet_letters(model.alphabet)
    seqs = ["".join(RNG.choice(list(letters), size=length)) for _ in range(n)]
    return onehot(seqs, model.alphabet)


def expected_outputs(model) -> int:
    if model.config["arch"] == "autoencoder":
        return model.config["n_features"]
    return model.config["n_outputs"]


def test_every_architecture_is_tested():
    assert sorted(SMALL) == models.ARCHITECTURES


# ---- every architecture: shapes, gradients, rebuild --------------------------------------------


@pytest.mark.parametrize("arch", sorted(SMALL))
def test_forward_backward_shapes(arch):
    model = build({"arch": arch, **SMALL[arch]}, seed=0)
    assert model.input_kind in models.INPUT_KINDS
    x = sample_input(model)
    out = model(x)
    assert out.shape == (x.shape[0], expected_outputs(model))
    assert out.dtype == torch.float32
    out.square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
    if model.input_kind != "features":
        assert isinstance(model.alphabet, str)
        assert model.seq_len is None or isinstance(model.seq_len, int)


@pytest.mark.parametrize("arch", sorted(SMALL))
def test_rebuild_from_config(arch):
    model = build({"arch": arch, **SMALL[arch]})
    config = json.loads(json.dumps(model.config))  # JSON-able, and survives a round trip
    assert config == model.config
    assert config["arch"] == arch
    assert set(config) == set(defaults(arch))
    again = build(config)
    assert again.config == model.config
    assert {k: v.shape for k, v in again.state_dict().items()} == \
           {k: v.shape for k, v in model.state_dict().items()}
    assert again.load_state_dict(model.state_dict()) is not None  # strict load works


def test_seed_gives_the_same_weights_and_leaves_global_rng_alone():
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5}
    torch.manual_seed(1)
    before = torch.rand(1)
    torch.manual_seed(1)
    a = build(config, seed=7)
    b = build(config, seed=7)
    assert torch.rand(1) == before
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb)
    c = build(config, seed=8)
    assert not torch.equal(a.conv.weight, c.conv.weight)


def test_defaults_and_architecture_list():
    assert models.ARCHITECTURES == sorted(models.ARCHITECTURES)
    assert "deepbind" in models.ARCHITECTURES
    d = defaults("deepbind")
    assert d["arch"] == "deepbind" and d["n_filters"] == 16 and d["filter_size"] == 24
    assert d["n_outputs"] == 1 and d["strand"] == "forward" and d["alphabet"] == "dna"
    assert defaults("mlp")["n_features"] is None  # required: no default
    d["hidden"] = 99  # a copy: the registry's defaults do not change
    assert defaults("deepbind")["hidden"] == 32
    assert defaults("dgex")["hidden"] == [1000, 1000]
    assert defaults("deeploc")["alphabet"] == "protein"
    assert defaults("danq")["seq_len"] == 1000
    # every parameter is documented
    for arch in models.ARCHITECTURES:
        for key, p in models.parameters(arch).items():
            assert p.doc, (arch, key)
    assert models.parameters("deepsea")["dropout"].describe().startswith(
        "list of numbers >= 0 and < 1, default [0.2, 0.2, 0.5]: dropout")
    assert models.parameters("mlp")["n_features"].describe() == (
        "int >= 1, required: the number of input features")


def test_paper_sizes():
    basset = build({"arch": "basset"})
    assert basset.head[1].in_features == 200 * 10  # 600 bp -> 200 channels x 10 positions
    danq = build({"arch": "danq", "lstm_size": 4, "hidden": 3})
    assert danq.head[0].in_features == 2 * 4 * 75  # 1000 bp -> 75 positions after the pool


# ---- the registry's checks ---------------------------------------------------------------------


def error_of(config) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build(config)
    assert isinstance(info.value, ValueError)
    return info.value


def test_unknown_key_suggests_the_nearest():
    err = error_of({"arch": "deepbind", "n_filter": 8})
    assert err.key == "n_filter"
    assert "'n_filter'" in str(err) and "did you mean 'n_filters'" in str(err)
    assert "filter_size" in str(err)  # the list of valid keys


def test_wrong_type_names_the_key_and_value():
    err = error_of({"arch": "deepbind", "n_filters": "sixteen"})
    assert err.key == "n_filters"
    assert "n_filters must be an int, got 'sixteen'" in str(err)
    assert "n_filters must be an int" in str(error_of({"arch": "deepbind", "n_filters": 16.5}))
    # R's numbers arrive as floats: written as the user wrote them
    assert "n_filters must be an int, got [2, 3]" in str(
        error_of({"arch": "deepbind", "n_filters": [2.0, 3.0]}))
    assert "true or false" in str(error_of({"arch": "rnn", "bidirectional": "yes"}))
    assert error_of({"arch": "deepbind", "n_filters": True}).key == "n_filters"
    err = error_of({"arch": "mlp", "n_features": 4, "hidden": [8, "x"]})
    assert err.key == "hidden" and "hidden[1]" in str(err)


def test_out_of_range_and_choices():
    err = error_of({"arch": "deepbind", "dropout": 1.5})
    assert err.key == "dropout" and ">= 0 and < 1" in str(err)
    assert error_of({"arch": "deepbind", "n_filters": 0}).key == "n_filters"
    assert error_of({"arch": "mlp", "n_features": 4, "hidden": [8, 0]}).key == "hidden"
    err = error_of({"arch": "mlp", "n_features": 4, "activation": "rellu"})
    assert err.key == "activation" and "did you mean 'relu'" in str(err)
    assert error_of({"arch": "deepbind", "dropout": float("nan")}).key == "dropout"


def test_unknown_and_missing_arch():
    err = error_of({"arch": "deepsee"})
    assert err.key == "arch" and "did you mean 'deepsea'" in str(err) and "danq" in str(err)
    assert str(error_of({"arch": "resnet"})).startswith("unknown arch 'resnet'. Known architectures: ")
    err = error_of({"n_filters": 3})
    assert err.key == "arch" and "deepbind" in str(err)
    with pytest.raises(TypeError):
        build([("arch", "mlp")])


def test_missing_required_key():
    err = error_of({"arch": "mlp"})
    assert err.key == "n_features" and "missing required key 'n_features'" in str(err)
    err = error_of({"arch": "mlp", "n_features": None})
    assert err.key == "n_features" and "required" in str(err)
    assert error_of({"arch": "dgex", "n_features": 3}).key == "n_outputs"


def test_values_from_r_and_numpy_are_accepted():
    # R sends doubles, length-one vectors, and NumPy scalars / arrays through reticulate.
    model = build({"arch": "mlp", "n_features": 12.0, "hidden": 8.0, "n_outputs": np.int32(2),
                   "dropout": 0, "batch_norm": np.bool_(True)})
    assert model.config["n_features"] == 12 and type(model.config["n_features"]) is int
    assert model.config["hidden"] == [8]
    assert model.config["dropout"] == 0.0 and type(model.config["dropout"]) is float
    assert model.config["batch_norm"] is True
    json.dumps(model.config)
    model = build({"arch": "basset", "seq_len": 60, "n_filters": np.array([8.0, 6.0]),
                   "filter_sizes": (7, 5), "pool_sizes": 2, "hidden": [10]})
    assert model.config["n_filters"] == [8, 6] and model.config["pool_sizes"] == [2]
    assert build("kmer_linear").config == defaults("kmer_linear")  # a bare name: all defaults


def test_cross_key_checks_name_the_key():
    assert error_of({"arch": "basset", "n_filters": [8, 6], "filter_sizes": [7, 5, 3]}).key == \
        "filter_sizes"
    err = error_of({"arch": "promoter_cnn", "seq_len": 10})
    assert err.key == "seq_len" and "seq_len >= 22" in str(err)
    assert error_of({"arch": "basset", "seq_len": 30}).key == "seq_len"
    err = error_of({"arch": "danq", "seq_len": None})
    assert err.key == "seq_len" and "pooling" in str(err)
    assert error_of({"arch": "deepbind", "alphabet": "AAC"}).key == "alphabet"
    err = error_of({"arch": "deeploc", "strand": "average"})  # protein has no reverse complement
    assert err.key == "strand" and "nucleotide" in str(err)
    assert str(err).startswith("deeploc config:")
    err = error_of({"arch": "kmer_linear", "alphabet": "protein", "k": 5})
    assert err.key == "k" and "20**5 = 3,200,000" in str(err) and "use k <= 4" in str(err)
    err = error_of({"arch": "kmer_linear", "alphabet": "protein", "k": 1, "canonical": True})
    assert err.key == "canonical" and "nucleotide" in str(err)


def test_forward_checks_the_input():
    model = build({"arch": "promoter_cnn", **SMALL["promoter_cnn"]})
    with pytest.raises(ValueError, match="length 40 but the input has length 30"):
        model(onehot(random_dna(2, 30)))
    deepbind = build({"arch": "deepbind", **SMALL["deepbind"]})
    x = onehot(random_dna(2, 30))
    with pytest.raises(ValueError, match=r"channels-last \(N, L, C\): pass x.swapaxes\(1, 2\)"):
        deepbind(x.transpose(1, 2))
    deepbind.eval()  # no dropout: the same input, the same output
    torch.testing.assert_close(deepbind(x.transpose(1, 2).swapaxes(1, 2)), deepbind(x))
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        deepbind(torch.zeros(2, 20, 30))
    mlp = build({"arch": "mlp", **SMALL["mlp"]})
    with pytest.raises(ValueError, match=r"\(N, 12\)"):
        mlp(torch.zeros(2, 11))
    # R's doubles and uint8 one-hot are cast to the weights' dtype
    assert mlp(torch.zeros(2, 12, dtype=torch.float64)).dtype == torch.float32
    assert deepbind(x.double()).dtype == torch.float32
    assert torch.equal(deepbind.eval()(x.to(torch.uint8)), deepbind(x))
    rnn = build({"arch": "rnn", "embedding_dim": 4})
    with pytest.raises(ValueError, match=r"rnn reads letters as tokens: give it the sequences "
                                         r"themselves .* got a one-hot array of shape \(2, 4, 30\)"):
        rnn(x)
    with pytest.raises(ValueError, match=r"0\.\.5"):
        rnn(torch.full((2, 5), 9))
    danq = build({"arch": "danq", "pooling": "max", "seq_len": None, "filter_size": 10,
                  "pool_size": 5, "n_filters": 3, "lstm_size": 3, "hidden": 3})
    assert danq.min_len == 14 and danq(onehot(random_dna(2, 14))).shape == (2, 1)
    with pytest.raises(ValueError, match="at least 14"):
        danq(onehot(random_dna(2, 13)))


def test_register_a_user_architecture():
    saved_registry = dict(registry_module._REGISTRY)
    saved_names = list(models.ARCHITECTURES)
    try:
        @register("tiny_cnn", "onehot")
        def tiny_cnn(n_filters: int = 8, sizes: list[int] = (3,), gain: float = 1.0,
                     alphabet: str = "dna", n_outputs: int = 1, note: str | None = None):
            return nn.Sequential(nn.Conv1d(4, n_filters, sizes[0]), nn.AdaptiveMaxPool1d(1),
                                 nn.Flatten(), nn.Linear(n_filters, n_outputs))

        assert "tiny_cnn" in models.ARCHITECTURES
        assert models.ARCHITECTURES == sorted(models.ARCHITECTURES)
        model = build({"arch": "tiny_cnn", "n_filters": 4.0, "sizes": 5})
        assert model.config == {"arch": "tiny_cnn", "n_filters": 4, "sizes": [5], "gain": 1.0,
                                "alphabet": "dna", "n_outputs": 1, "note": None}
        assert model.input_kind == "onehot" and model.alphabet == "dna" and model.seq_len is None
        assert model(onehot(random_dna(2, 12))).shape == (2, 1)
        assert "n_filters must be an int" in str(error_of({"arch": "tiny_cnn", "n_filters": "x"}))
        assert "did you mean 'gain'" in str(error_of({"arch": "tiny_cnn", "gian": 2}))
        with pytest.raises(ValueError, match="already registered"):
            register("tiny_cnn", "onehot")(tiny_cnn)

        @register("needs_width", "features", params={
            "width": models.Param("int", doc="hidden width", ge=2)})
        def needs_width(width, n_features=3):
            return nn.Linear(n_features, width)

        assert error_of({"arch": "needs_width"}).key == "width"
        assert error_of({"arch": "needs_width", "width": 1}).key == "width"
        assert build({"arch": "needs_width", "width": 2}).input_kind == "features"
        with pytest.raises(ValueError, match="input_kind"):
            register("bad", "images")
        with pytest.raises(ValueError, match="default of 'width' fails"):
            register("bad", "features", params={"width": models.Param("int", 0, "w", ge=1)})(
                needs_width)
        assert "bad" not in models.ARCHITECTURES
    finally:
        registry_module._REGISTRY.clear()
        registry_module._REGISTRY.update(saved_registry)
        models.ARCHITECTURES[:] = saved_names


# ---- strand modes ------------------------------------------------------------------------------

STRAND_CASES = {
    "deepbind": SMALL["deepbind"],
    "basset": SMALL["basset"],
    "danq": SMALL["danq"],
    "rnn": {"cell": "lstm", "hidden_size": 4, "pooling": "last"},
    "rnn_tokens": {"arch": "rnn", "embedding_dim": 3, "hidden_size": 4, "pooling": "max"},
    "deeploc": {**SMALL["deeploc"], "alphabet": "dna"},
    "kmer_linear": {"k": 3, "canonical": False},
}


def strand_model(case: str, strand: str, seed: int = 0):
    config = {"arch": case, **STRAND_CASES[case], "strand": strand}
    return build(config, seed=seed)


def rc_of(x: torch.Tensor) -> torch.Tensor:
    return models.reverse_complement(x, "tokens" if x.dtype == torch.long else "onehot")


@pytest.mark.parametrize("case", sorted(STRAND_CASES))
def test_average_is_exactly_strand_symmetric(case):
    model = strand_model(case, "average").eval()
    x = sample_input(model, n=4, length=40)
    with torch.no_grad():
        a, b = model(x), model(rc_of(x))
    assert torch.equal(a, b)
    forward = strand_model(case, "forward").eval()
    forward.load_state_dict(model.state_dict())
    with torch.no_grad():
        expected = (forward(x) + forward(rc_of(x))) / 2
    torch.testing.assert_close(a, expected)


def test_average_holds_in_training_mode_too():
    model = strand_model("kmer_linear", "average").train()
    x = sample_input(model, n=4, length=40)
    assert torch.equal(model(x), model(x.flip(1, 2)))


def test_reverse_complement_matches_seq():
    seqs = ["ACGTTGCA", "AAACCNGT"]
    x = onehot(seqs)
    assert seq.decode(rc_of(x).numpy()) == seq.reverse_complement(seqs)
    tokens = torch.from_numpy(seq.tokenize(seqs, length=10))
    back = seq.decode(rc_of(tokens).numpy())
    assert back == seq.reverse_complement(seqs)


def test_augment_acts_only_in_training_mode():
    config = {**SMALL["deepbind"], "dropout": 0.0}
    aug = build({"arch": "deepbind", **config, "strand": "augment"}, seed=0)
    plain = build({"arch": "deepbind", **config}, seed=0)
    x = sample_input(plain, n=64, length=30)
    with torch.no_grad():
        fwd, rev = plain(x), plain(x.flip(1, 2))
        aug.eval()
        assert torch.equal(aug(x), fwd)  # eval: the sequences as given
        aug.train()
        torch.manual_seed(3)
        out = aug(x)
        torch.manual_seed(3)
        assert torch.equal(aug(x), out)  # repeatable under torch's seed
    is_fwd = (out == fwd).all(1)
    is_rev = (out == rev).all(1)
    assert (is_fwd | is_rev).all()
    assert 10 < int(is_rev.sum()) < 54 and 10 < int(is_fwd.sum()) < 54  # about half flipped


def test_strand_needs_a_nucleotide_alphabet():
    assert build({"arch": "deepbind", "alphabet": "rna", "strand": "average"}).strand == "average"
    assert build({"arch": "deepbind", "alphabet": "TGCA", "strand": "augment"}).strand == "augment"
    for alphabet in ("protein", "ACGTN", "ACTG"):
        assert error_of({"arch": "deepbind", "alphabet": alphabet,
                         "strand": "average"}).key == "strand"


# ---- random shifts -----------------------------------------------------------------------------

SHIFTABLE = ("deepbind", "promoter_cnn", "basset", "deepsea", "danq")


def test_random_shift_matches_a_numpy_reference():
    x = torch.rand(200, 4, 30)
    torch.manual_seed(5)
    shifted = models.base.random_shift(x, 3)
    torch.manual_seed(5)
    shifts = torch.randint(-3, 4, (200, 1)).ravel().tolist()
    assert sorted(set(shifts)) == [-3, -2, -1, 0, 1, 2, 3]
    for row, k in zip(range(200), shifts):
        expected = np.zeros((4, 30), np.float32)
        source = x[row].numpy()
        if k >= 0:
            expected[:, k:] = source[:, :30 - k]
        else:
            expected[:, :30 + k] = source[:, -k:]
        np.testing.assert_array_equal(shifted[row].numpy(), expected)


NO_DROPOUT = {"deepbind": {"dropout": 0.0}, "promoter_cnn": {"dropout": 0.0},
              "basset": {"dropout": 0.0, "batch_norm": False}, "deepsea": {"dropout": [0, 0, 0]},
              "danq": {"conv_dropout": 0.0, "lstm_dropout": 0.0}}


AUGMENTATIONS = [("max_shift", 2, lambda x: models.base.random_shift(x, 2)),
                 ("mutation_rate", 0.2, lambda x: models.base.random_mutation(x, 0.2)),
                 ("max_indel", 3, lambda x: models.base.random_indel(x, 3))]


@pytest.mark.parametrize("setting, value, augment", AUGMENTATIONS)
@pytest.mark.parametrize("arch", SHIFTABLE)
def test_augmentations_act_only_in_training_mode(arch, setting, value, augment):
    config = {"arch": arch, **SMALL[arch], **NO_DROPOUT[arch]}
    augmenting = build({**config, setting: value}, seed=0)
    plain = build(config, seed=0)
    x = sample_input(plain, n=16)
    with torch.no_grad():
        assert torch.equal(augmenting.eval()(x), plain.eval()(x))  # eval: as given
        augmenting.train(), plain.train()
        torch.manual_seed(9)
        out = augmenting(x)
        torch.manual_seed(9)
        expected = plain(augment(x))
        assert not torch.allclose(out, plain(x))  # some sequences did change
    torch.testing.assert_close(out, expected)


def test_random_mutation_changes_the_drawn_share_of_letters_and_never_padding():
    torch.manual_seed(0)
    x = torch.as_tensor(seq.one_hot(["ACGT" * 250, "ACGT" * 100], length=1000))  # 600 padded
    mutated = models.base.random_mutation(x, 0.2)
    assert torch.equal(mutated.sum(1), x.sum(1))       # still one letter (or none) a position
    changed = (mutated != x).any(1)
    assert not changed[1, 400:].any()                   # padding stays padding
    # 20% drawn, a quarter of them the same letter again: 15% change
    assert 0.12 < changed[0].float().mean() < 0.18
    assert torch.equal(models.base.random_mutation(x, 0.0), x)
    with pytest.raises(ValueError, match="mutation_rate"):
        build({"arch": "deepbind", "mutation_rate": 1.0})


def _indel_reference(sequence: str, cut: int, k: int, inserted: str) -> str:
    """A sequence with ``inserted`` (k letters) put in at ``cut``, or -k letters deleted from
    there, kept at its length (an emptied end is N)."""
    length = len(sequence)
    if k >= 0:
        return (sequence[:cut] + inserted + sequence[cut:])[:length]
    return (sequence[:cut] + sequence[cut - k:]).ljust(length, "N")


def test_random_indel_inserts_or_deletes_at_one_cut_and_keeps_the_length():
    """Against a string reference: each sequence is its prefix, then the inserted letters (or
    nothing), then the rest moved along; the lengths drawn cover -3..3, all sizes about equally."""
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(2000)]
    x = torch.as_tensor(seq.one_hot(seqs))
    torch.manual_seed(5)
    out = models.base.random_indel(x, 3)
    assert out.shape == x.shape and torch.equal(out.sum(1) <= 1, torch.ones(2000, 40, dtype=bool))
    torch.manual_seed(5)  # the same draws, as random_indel makes them
    k = torch.randint(-3, 4, (2000, 1))
    cut = torch.randint(0, 40, (2000, 1))
    letters = torch.randint(0, 4, (2000, 40))
    decoded = ["".join("ACGT"[c] if letter else "N" for c, letter in
                       zip(o.argmax(0).tolist(), o.sum(0).tolist())) for o in out]
    for i, s in enumerate(seqs):
        ki, ci = int(k[i]), int(cut[i])
        inserted = "".join("ACGT"[int(v)] for v in letters[i, ci:ci + max(ki, 0)])
        assert decoded[i] == _indel_reference(s, ci, ki, inserted), i
    sizes = np.bincount(k.ravel().numpy() + 3, minlength=7)
    assert sizes.min() > 2000 / 7 * 0.75
    assert torch.equal(models.base.random_indel(x, 0), x)
    # padded sequences: the letters stay one run from the start, |k| <= 3 letters more or fewer
    short = torch.as_tensor(seq.one_hot(seqs[:500], length=60))  # 40 letters, 20 padding
    out = models.base.random_indel(short, 3)
    filled = out.sum(1) > 0
    n_letters = filled.sum(1)
    assert torch.equal(filled, torch.arange(60).unsqueeze(0) < n_letters.unsqueeze(1))
    assert n_letters.min() >= 37 and n_letters.max() <= 43
    assert (n_letters != 40).float().mean() > 0.8  # (k = 0 in a seventh)
    error = error_of({"arch": "danq", "seq_len": 50, "max_indel": 50})
    assert error.key == "max_indel" and "must be below seq_len (50)" in str(error)
    assert error_of({"arch": "basset", "max_indel": -1}).key == "max_indel"
    assert "max_indel" in str(error_of({"arch": "deeploc", "max_indel": 2}))


def test_dropout_drops_the_share_asked_scales_the_rest_and_is_the_models_dropout():
    x = (torch.rand(400, 500, dtype=torch.float64) + 0.5).requires_grad_()  # no zeros
    torch.manual_seed(0)
    out = models.base.dropout(x, 0.3, True)
    kept = out != 0
    assert 0.69 < kept.double().mean() < 0.71                       # 200,000 draws: sd 0.001
    torch.testing.assert_close(out[kept], (x[kept] / 0.7))         # the kept, scaled by 1 / (1 - p)
    out.sum().backward()
    torch.testing.assert_close(x.grad, kept.double() / 0.7)         # the gradient: the same mask
    torch.manual_seed(0)
    assert torch.equal(models.base.dropout(x, 0.3, True), out)     # seeded: the same mask again
    assert torch.equal(models.base.dropout(x, 0.3, False), x)      # eval mode: untouched
    assert torch.equal(models.base.dropout(x, 0.0, True), x)
    assert not models.base.dropout(x, 1.0, True).any()
    # every architecture's dropout layers are this one (and still nn.Dropout modules)
    for config in ({"arch": "danq", "seq_len": 100}, {"arch": "basset", "seq_len": 200},
                   {"arch": "mlp", "n_features": 5, "dropout": 0.2}, {"arch": "deeploc"}):
        layers = [m for m in build(config).modules() if isinstance(m, torch.nn.Dropout)]
        assert layers and all(isinstance(m, models.base.Dropout) for m in layers), config["arch"]


def test_max_shift_is_a_setting_of_the_fixed_window_architectures_only():
    for arch in SHIFTABLE:
        assert models.parameters(arch)["max_shift"].default == 0
    assert error_of({"arch": "danq", "max_shift": -1}).key == "max_shift"
    assert "max_shift" in str(error_of({"arch": "deeploc", "max_shift": 2}))
    # a shift of the whole window or more empties sequences (50 of 64 in a batch)
    error = error_of({"arch": "deepbind", "seq_len": 10, "max_shift": 10})
    assert error.key == "max_shift" and "must be below seq_len (10)" in str(error)


# ---- recurrent models and padding --------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_rnn_tokens_ignore_padding(pooling):
    model = build({"arch": "rnn", "embedding_dim": 3, "hidden_size": 4, "pooling": pooling},
                  seed=1).eval()
    assert model.input_kind == "tokens"
    assert model.embedding.padding_idx == 0 and model.embedding.num_embeddings == 6
    seqs = random_dna(3, 12) + ["ACGTA"]
    with torch.no_grad():
        alone = torch.cat([model(torch.from_numpy(seq.tokenize([s]))) for s in seqs])
        for pad in ("right", "left", "center"):
            batch = torch.from_numpy(seq.tokenize(seqs, length=20, pad=pad))
            torch.testing.assert_close(model(batch), alone)


def _packed_reference(rnn, h, mask):
    """What masked_rnn computes, the slow way: torch's packed sequences."""
    lengths = mask.sum(1)
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)
    aligned = h.gather(1, order.unsqueeze(-1).expand_as(h))
    packed = nn.utils.rnn.pack_padded_sequence(aligned, lengths.clamp(min=1), batch_first=True,
                                               enforce_sorted=False)
    out, state = rnn(packed)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=h.shape[1])
    out = torch.zeros_like(out).scatter(1, order.unsqueeze(-1).expand_as(out), out)
    h_n = state[0] if isinstance(state, tuple) else state
    directions = 2 if rnn.bidirectional else 1
    last = torch.cat([h_n[-directions + i] for i in range(directions)], -1)
    return out * mask.unsqueeze(-1), last * (lengths > 0).unsqueeze(-1)


@pytest.mark.parametrize("cell", [nn.LSTM, nn.GRU, nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layers", [1, 2])
def test_masked_rnn_equals_packed_sequences(cell, bidirectional, layers):
    """The fused-kernel masked RNN gives a packed sequence's outputs, final states and input
    gradients, with padding anywhere, an all-padding row and a row without padding."""
    torch.manual_seed(layers)
    rnn = cell(5, 7, num_layers=layers, bidirectional=bidirectional, batch_first=True).eval()
    h = torch.randn(6, 11, 5, requires_grad=True)
    mask = torch.rand(6, 11) > 0.4
    mask[0], mask[1] = False, True
    ours = models.base.masked_rnn(rnn, h, mask)
    reference = _packed_reference(rnn, h, mask)
    for a, b in zip(ours, reference):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    grads = [torch.autograd.grad(out.sum() + last.sum(), h)[0] for out, last in (ours, reference)]
    torch.testing.assert_close(*grads, atol=1e-6, rtol=1e-5)
    assert (ours[0][~mask] == 0).all()


def test_deeploc_attention_masks_padding():
    model = build({"arch": "deeploc", **SMALL["deeploc"]}, seed=2).eval()
    seqs = ["MKVLAAGIVW", "MSTNPKPQRKTKRNTNRRPQDVKFPGG", "ACDE"]
    x = onehot(seqs, "protein", length=30)
    with torch.no_grad():
        out, attention = model(x, return_attention=True)
        assert torch.equal(out, model(x))
        alone = torch.cat([model(onehot([s], "protein")) for s in seqs])
    assert out.shape == (3, 10) and attention.shape == (3, 30)
    lengths = torch.tensor([len(s) for s in seqs])
    valid = torch.arange(30) < lengths[:, None]
    torch.testing.assert_close(attention.sum(1), torch.ones(3))
    assert (attention[~valid] == 0).all()
    assert (attention[valid] > 0).all()
    torch.testing.assert_close(out, alone)  # padding does not change the result
    empty = torch.zeros(1, 20, 8)
    with torch.no_grad():
        _, att = model(empty, return_attention=True)
    assert (att == 0).all()


def test_deeploc_average_flips_attention_back():
    model = build({"arch": "deeploc", **STRAND_CASES["deeploc"], "strand": "average"},
                  seed=0).eval()
    x = sample_input(model, n=2, length=25)
    with torch.no_grad():
        out, att = model(x, return_attention=True)
        out_rc, att_rc = model(x.flip(1, 2), return_attention=True)
    assert torch.equal(out, out_rc)
    torch.testing.assert_close(att, att_rc.flip(-1))
    torch.testing.assert_close(att.sum(1), torch.ones(2))


# ---- dense models and autoencoders -------------------------------------------------------------


MLP_ACTIVATION_LAYERS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU,
                         "thresholded_relu": nn.Threshold, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                         "elu": nn.ELU, "selu": nn.SELU, "softmax": nn.Softmax}


@pytest.mark.parametrize("activation", models.ACTIVATIONS)
def test_mlp_activations(activation):
    """Each named activation builds its own torch layer after each hidden layer, and gradients
    reach the first layer through it."""
    model = build({"arch": "mlp", "n_features": 5, "hidden": [6], "activation": activation,
                   "batch_norm": True})
    assert [type(m) for m in model.hidden[:3]] == [nn.Linear, nn.BatchNorm1d,
                                                   MLP_ACTIVATION_LAYERS[activation]]
    out = model(torch.randn(4, 5))
    assert out.shape == (4, 1)
    out.sum().backward()
    assert model.hidden[0].weight.grad.abs().sum() > 0


def test_every_mlp_activation_is_tested():
    assert set(MLP_ACTIVATION_LAYERS) == set(models.ACTIVATIONS)


def test_thresholded_relu_and_linear_mlp():
    model = build({"arch": "mlp", "n_features": 3, "hidden": [3], "dropout": 0.0,
                   "activation": "thresholded_relu", "threshold": 0.5})
    act = model.hidden[1]
    assert torch.equal(act(torch.tensor([0.2, 0.5, 0.7, -1.0])), torch.tensor([0, 0, 0.7, 0]))
    leaky = build({"arch": "mlp", "n_features": 3, "hidden": [3], "activation": "leaky_relu"})
    assert torch.equal(leaky.hidden[1](torch.tensor([-1.0, 2.0])), torch.tensor([-0.01, 2.0]))
    linear = build({"arch": "mlp", "n_features": 3, "hidden": []})
    assert [type(m) for m in linear.modules()].count(nn.Linear) == 1


def test_autoencoder_encode_and_no_extra_loss():
    model = build({"arch": "autoencoder", **SMALL["autoencoder"]})
    x = torch.randn(5, 12)
    assert model.encode(x).shape == (5, 3)
    assert model(x).shape == (5, 12)
    assert not hasattr(model, "extra_loss")
    assert model.decoder[0].in_features == 3 and model.decoder[-1].out_features == 12


def test_variational_autoencoder():
    model = build({"arch": "autoencoder", **SMALL["autoencoder"], "variational": True,
                   "beta": 0.5}, seed=0)
    assert float(model.extra_loss()) == 0.0  # before any forward pass
    x = torch.randn(6, 12)
    model.train()
    torch.manual_seed(0)
    a = model(x)
    kl = model.extra_loss()
    assert kl.dim() == 0 and kl.item() > 0
    (a.square().mean() + kl).backward()
    assert model.to_logvar.weight.grad is not None
    assert not torch.equal(model(x), a)  # training mode samples z
    copy.deepcopy(model)  # the last KL term (part of a graph) does not stop copies
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))  # eval decodes the mean
        mu, logvar = model.posterior(x)
        assert torch.equal(model.encode(x), mu)
        expected = 0.5 * (-0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1)).mean() / 12
        model(x)
        torch.testing.assert_close(model.extra_loss(), expected)


# ---- the k-mer baseline ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("canonical", [False, True])
def test_kmer_features_equal_seq_kmer_counts(k, canonical):
    rng = np.random.default_rng(k)
    seqs = ["".join(rng.choice(list("ACGTN"), p=[0.24] * 4 + [0.04], size=n))
            for n in rng.integers(1, 40, size=30)]
    seqs += ["ACGT"[:max(k - 1, 1)], "NNNNNN", "acgtRYacgt"]
    model = build({"arch": "kmer_linear", "k": k, "canonical": canonical})
    x = onehot(seqs, length=45)  # padding (and N) are all-zero columns
    got = model.features(x).numpy()
    expected = seq.kmer_counts(seqs, k, canonical=canonical, normalize=True, sparse=False)
    assert got.shape == (len(seqs), 4**k)
    np.testing.assert_array_equal(got, expected)
    # IUPAC columns (fractional) break k-mers as kmer_counts' skipped letters do
    iupac = torch.from_numpy(seq.one_hot(seqs, length=45, iupac=True))
    np.testing.assert_array_equal(model.features(iupac).numpy(), expected)


def test_kmer_linear_rna_and_short_input():
    model = build({"arch": "kmer_linear", "alphabet": "rna", "k": 2})
    x = onehot(["ACGUU", "GGAAU"], "rna")
    expected = seq.kmer_counts(["ACGTT", "GGAAT"], 2, normalize=True)
    np.testing.assert_array_equal(model.features(x).numpy(), expected)
    assert model.features(onehot(["A"])).abs().sum() == 0
    assert sum(p.numel() for p in model.parameters()) == 16 + 1  # only the linear layer learns


@pytest.mark.parametrize("k", [1, 2])
def test_kmer_linear_reads_protein_k_mers(k):
    """Protein (20 letters): k = 1 is the amino-acid composition, k = 2 the dipeptides, in
    alphabetical order of the letters; X and padding break k-mers."""
    from itertools import product

    rng = np.random.default_rng(k)
    letters = seq.alphabet_letters("protein")
    seqs = ["".join(rng.choice(list(letters + "X"), size=n)) for n in rng.integers(1, 30, size=20)]
    model = build({"arch": "kmer_linear", "alphabet": "protein", "k": k})
    got = model.features(torch.from_numpy(seq.one_hot(seqs, "protein", length=32))).numpy()
    columns = {"".join(p): i for i, p in enumerate(product(letters, repeat=k))}
    expected = np.zeros((len(seqs), 20**k), dtype=np.float32)
    for n, s in enumerate(seqs):
        for i in range(len(s) - k + 1):
            if "X" not in s[i:i + k]:
                expected[n, columns[s[i:i + k]]] += 1
    expected /= np.maximum(expected.sum(1, keepdims=True), 1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


# ---- learning: a planted motif (tiny hand-written loop; the engine's tests come with train/) ---


def test_deepbind_learns_a_planted_motif():
    rng = np.random.default_rng(5)
    motif = "TGACTCA"
    seqs = random_dna(300, 40, rng)
    labels = np.zeros(300, dtype=np.float32)
    for i in range(0, 300, 2):
        pos = rng.integers(0, 40 - len(motif))
        seqs[i] = seqs[i][:pos] + motif + seqs[i][pos + len(motif):]
        labels[i] = 1
    x, y = onehot(seqs), torch.from_numpy(labels)[:, None]
    train, test = slice(0, 200), slice(200, 300)
    model = build({"arch": "deepbind", "n_filters": 8, "filter_size": 9, "hidden": 8,
                   "dropout": 0.0, "strand": "average"}, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    torch.manual_seed(0)
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x[train]), y[train])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = ((model(x[test]) > 0).float() == y[test]).float().mean()
    assert accuracy > 0.9
