"""deepomics.train: every architecture learns a planted signal through ``fit``; the inputs fit
takes (config dicts, sequences, FASTA, arrays, sparse matrices batch by batch, AnnData); seeded
splits; history, best-epoch restore, early stopping and resume; ``evaluate`` against sklearn;
``predict``'s shapes and encoding; clear errors for bad input.

Data are small (hundreds of short sequences), widths are scaled down through the config and every
fit is seeded, so the whole file runs in about a minute on one CPU core.
"""
from __future__ import annotations

import functools
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from scipy import stats
from sklearn import metrics as skm
from sklearn.neighbors import KNeighborsClassifier

from deepomics import DeepomicsWarning, models, seq
from deepomics.train import data as train_data
from deepomics.train import metrics as M
from deepomics.train import embed, evaluate, fit, kfold, predict, split
from helpers_planted import (
    PROTEIN, binary_motif, gaussian_clusters, landmarks, low_rank_clusters,
    multiclass_motif, multilabel_motif, random_seqs,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One intra-op thread: the machine is shared, and small models only lose by spinning more."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


L = 32  # sequence length of the planted-motif tasks
N_TRAIN, N_TEST = 800, 400


def metric(table: pd.DataFrame, name: str, output: str = "all") -> float:
    rows = table[(table["metric"] == name) & (table["output"] == output)]
    assert len(rows) == 1, f"expected one {name!r} row for output {output!r}:\n{table}"
    return float(rows["value"].iloc[0])


# ---- data --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def dna_task(task: str):
    """((train seqs, train labels), (test seqs, test labels)) of a planted-motif task."""
    n = N_TRAIN + N_TEST
    if task == "binary":
        s, y = binary_motif(n, L, seed=1)
    elif task == "multiclass":
        s, y = multiclass_motif(n, L, seed=2)
    elif task == "multilabel":
        s, y = multilabel_motif(n, L, seed=3)
    else:
        raise AssertionError(task)
    return (s[:N_TRAIN], y[:N_TRAIN]), (s[N_TRAIN:], y[N_TRAIN:])


@functools.lru_cache(maxsize=None)
def small_binary(n: int = 300, length: int = 30, seed: int = 0):
    return binary_motif(n, length, seed=seed)


def features(n: int = 300, n_features: int = 10, seed: int = 0):
    """Features and a binary label that depends on them (for the fast input / error tests)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


# Small configs of every sequence architecture; fit keyword arguments per task where they differ.
SEQ_ARCHS = {
    "deepbind": {"arch": "deepbind", "n_filters": 8, "filter_size": 8, "hidden": 16,
                 "dropout": 0.0},
    "promoter_cnn": {"arch": "promoter_cnn", "n_filters": 8, "filter_size": 8, "pool_size": 2,
                     "hidden": 16, "dropout": 0.1},
    "basset": {"arch": "basset", "n_filters": [16, 16], "filter_sizes": [8, 3],
               "pool_sizes": [4, 2], "hidden": [16], "dropout": 0.0},
    "deepsea": {"arch": "deepsea", "n_filters": [16, 16, 16], "filter_sizes": [8, 3, 3],
                "pool_sizes": [2, 2, 1], "hidden": 32, "dropout": [0.0]},
    "rnn_lstm": {"arch": "rnn", "cell": "lstm", "hidden_size": 32, "pooling": "max"},
    "rnn_gru": {"arch": "rnn", "cell": "gru", "hidden_size": 16, "pooling": "max"},
    "rnn_tokens": {"arch": "rnn", "cell": "lstm", "hidden_size": 16, "embedding_dim": 8,
                   "pooling": "max"},
    "danq": {"arch": "danq", "n_filters": 16, "filter_size": 8, "pool_size": 4, "lstm_size": 8,
             "hidden": 16, "conv_dropout": 0.0, "lstm_dropout": 0.0},
    "kmer_linear": {"arch": "kmer_linear", "k": 4},
}
FIT_KW = {"deepbind": dict(epochs=6, lr=1e-2), "promoter_cnn": dict(epochs=6, lr=1e-2),
          "basset": dict(epochs=6, lr=1e-2), "deepsea": dict(epochs=8, lr=5e-3),
          "rnn_lstm": dict(epochs=12, lr=1e-2), "rnn_gru": dict(epochs=10, lr=2e-2),
          "rnn_tokens": dict(epochs=10, lr=2e-2), "danq": dict(epochs=6, lr=1e-2),
          "kmer_linear": dict(epochs=10, lr=5e-2)}
TASK_KW = {("rnn_lstm", "multilabel"): dict(batch_size=16, epochs=16)}  # the LSTM's plateau is long

FEATURE_ARCHS = ("mlp", "dgex", "autoencoder")


def test_every_architecture_has_a_learning_test():
    covered = {cfg["arch"] for cfg in SEQ_ARCHS.values()} | {"deeploc", *FEATURE_ARCHS}
    assert covered == set(models.ARCHITECTURES)


# ---- every architecture learns a planted signal ------------------------------------------------


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("name", sorted(SEQ_ARCHS))
def test_sequence_architecture_learns_planted_motif(name, task):
    (train_x, train_y), (test_x, test_y) = dna_task(task)
    kwargs = {"batch_size": 32, "seed": 0, **FIT_KW[name], **TASK_KW.get((name, task), {})}
    model = fit(SEQ_ARCHS[name], (train_x, train_y), **kwargs)
    assert model.task == task
    assert len(model.history) == kwargs["epochs"]
    table = evaluate(model, (test_x, test_y))
    aurocs = table[table["metric"] == "auroc"].set_index("output")["value"]
    assert aurocs["all"] >= 0.95, f"{name} {task}: held-out AUROC\n{aurocs}"
    assert (aurocs >= 0.95).all(), f"{name} {task}: per-output AUROC\n{aurocs}"
    probs = predict(model, test_x)
    if task == "binary":
        assert probs.shape == (len(test_x),)
        assert skm.roc_auc_score(test_y, probs) == pytest.approx(aurocs["all"], abs=1e-4)
    elif task == "multiclass":
        assert model.classes == ["class_0", "class_1", "class_2"]
        assert probs.shape == (len(test_x), 3)
        accuracy = np.mean(np.asarray(model.classes)[probs.argmax(1)] == test_y)
        assert accuracy >= 0.9
    else:
        assert probs.shape == test_y.shape


@pytest.mark.parametrize("seed", [0, 1])
def test_deeploc_learns_planted_amino_acid_motif(seed):
    s, y = binary_motif(N_TRAIN + N_TEST, L, motif="WHCMKY", seed=5, letters=PROTEIN)
    config = {"arch": "deeploc", "filter_sizes": [3, 5], "n_filters": 8, "conv2_filters": 16,
              "lstm_size": 16, "attention_size": 8, "hidden": 16, "dropout": 0.0}
    model = fit(config, (s[:N_TRAIN], y[:N_TRAIN]), epochs=6, lr=1e-2, batch_size=32, seed=seed)
    assert model.encoding.alphabet == "protein" and model.encoding.input_kind == "onehot"
    table = evaluate(model, (s[N_TRAIN:], y[N_TRAIN:]))
    assert metric(table, "auroc") >= 0.95


def test_mlp_learns_gaussian_clusters():
    x, labels = gaussian_clusters(900, 20, 3, seed=0, spread=1.0)
    names = np.array(["B cell", "T cell", "NK cell"], dtype=object)[labels]
    model = fit({"arch": "mlp", "hidden": [32]}, (x[:600], names[:600]), epochs=8, lr=1e-2,
                seed=0)
    assert model.task == "multiclass"
    assert model.classes == ["B cell", "NK cell", "T cell"]  # sorted when not a Categorical
    table = evaluate(model, (x[600:], names[600:]))
    assert metric(table, "auroc") >= 0.95
    for cls in model.classes:
        assert metric(table, "auroc", cls) >= 0.95
    probs = predict(model, x[600:])
    assert metric(table, "accuracy") == pytest.approx(
        skm.accuracy_score(names[600:], np.asarray(model.classes)[probs.argmax(1)]), abs=1e-6)


@pytest.mark.parametrize("activation", models.ACTIVATIONS)
def test_mlp_every_activation_builds_and_trains(activation):
    x, labels = gaussian_clusters(120, 6, 3, seed=1)
    model = fit({"arch": "mlp", "hidden": [8, 8], "activation": activation}, (x, labels),
                epochs=1, seed=0)
    assert model.config["activation"] == activation
    assert len(model.history) == 1 and np.isfinite(model.history["train_loss"]).all()
    probs = predict(model, x)
    assert probs.shape == (120, 3) and np.isfinite(probs).all()
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


def test_dgex_learns_linear_and_nonlinear_targets():
    x, y = landmarks(1000, n_landmarks=10, n_targets=4, seed=0)
    model = fit({"arch": "dgex", "hidden": [64], "dropout": 0.0}, (x[:700], y[:700]),
                epochs=30, lr=1e-2, batch_size=32, seed=0)
    assert model.task == "regression"
    assert model.config["n_features"] == 10 and model.config["n_outputs"] == 4
    table = evaluate(model, (x[700:], y[700:]))
    pred = predict(model, x[700:])
    assert pred.shape == (300, 4)
    for j in range(4):
        r2 = metric(table, "r2", str(j))
        assert r2 >= 0.8, f"target {j}: R^2 {r2}"
        assert r2 == pytest.approx(skm.r2_score(y[700:, j], pred[:, j]), abs=1e-4)
    assert metric(table, "r2") >= 0.8


def test_dgex_fits_every_gene_whatever_its_units():
    """The loss is on z-scores, as the paper standardised genes: a gene measured in units a
    thousand times larger does not swamp the other one."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 10)).astype(np.float32)
    y = np.stack([np.tanh(x[:, :3].sum(1)), np.sin(x[:, 3]) * x[:, 4]], 1).astype(np.float32)
    r2 = {}
    for scale in (1.0, 1000.0):
        yy = y * np.array([scale, 1.0], dtype=np.float32)
        model = fit({"arch": "dgex", "hidden": [64, 64], "dropout": 0.0}, (x[:900], yy[:900]),
                    epochs=20, lr=3e-3, seed=0)
        pred = predict(model, x[900:])
        r2[scale] = skm.r2_score(yy[900:, 1], pred[:, 1])
    assert r2[1.0] > 0.8
    assert r2[1000.0] > r2[1.0] - 0.05  # (trained on raw values it fell below 0)


@pytest.mark.parametrize("variational", [False, True])
def test_autoencoder_reconstructs_and_its_latent_separates_clusters(variational):
    x, labels = low_rank_clusters(800, 30, seed=0)
    config = {"arch": "autoencoder", "hidden": [16], "latent_dim": 2, "variational": variational}
    model = fit(config, x[:600], epochs=30, lr=1e-2, batch_size=32, seed=0)
    assert model.config["n_features"] == 30
    assert isinstance(model, models.VariationalAutoencoder) == variational
    recon = predict(model, x[600:])
    assert recon.shape == (200, 30)
    r2 = skm.r2_score(x[600:], recon, multioutput="variance_weighted")
    assert r2 >= 0.9
    z_test, z_train = embed(model, x[600:]), embed(model, x[:600])
    assert z_test.shape == (200, 2) and z_train.shape == (600, 2)
    np.testing.assert_array_equal(embed(model, x[600:]), z_test)  # the VAE's mean, no sampling
    knn = KNeighborsClassifier(5).fit(z_train, labels[:600])
    assert knn.score(z_test, labels[600:]) >= 0.9


def test_autoencoder_validation_loss_is_recorded():
    x, _ = low_rank_clusters(300, 12, seed=1)
    model = fit({"arch": "autoencoder", "hidden": [8], "latent_dim": 2}, x, epochs=3,
                valid_fraction=0.2, seed=0)
    assert list(model.history["epoch"]) == [0, 1, 2]
    assert np.isfinite(model.history["valid_loss"]).all()


def test_embed_needs_an_encoder():
    x, y = features(100)
    model = fit({"arch": "mlp", "hidden": [4]}, (x, y), epochs=1)
    with pytest.raises(TypeError, match="encode"):
        embed(model, x)


# ---- what fit accepts --------------------------------------------------------------------------


def test_config_dict_gets_its_data_dependent_keys_and_is_not_changed():
    seqs, y = small_binary()
    config = {"arch": "promoter_cnn", "n_filters": 4, "filter_size": 5, "hidden": 4}
    before = dict(config)
    model = fit(config, (seqs, y), epochs=1)
    assert config == before  # the caller's dict is left alone
    assert model.config["seq_len"] == 30 and model.seq_len == 30
    assert model.config["n_outputs"] == 1 and model.config["n_filters"] == 4
    _, labels = multiclass_motif(300, 30, seed=0)
    model = fit({"arch": "deepbind", "n_filters": 4, "filter_size": 5}, (seqs, labels), epochs=1)
    assert model.config["n_outputs"] == 3 and model.config["seq_len"] is None  # any length stays
    x, yy = landmarks(200, n_landmarks=7, n_targets=3)
    model = fit({"arch": "dgex", "hidden": [8]}, (x, yy), epochs=1)
    assert model.config["n_features"] == 7 and model.config["n_outputs"] == 3
    _, multi = multilabel_motif(300, 30, seed=0)
    model = fit({"arch": "basset", "n_filters": [4], "filter_sizes": [5], "pool_sizes": [2],
                 "hidden": [4]}, (seqs, multi), epochs=1)
    assert model.task == "multilabel" and model.config["n_outputs"] == 2


def test_fit_takes_a_built_module():
    seqs, y = small_binary()
    model = models.build({"arch": "deepbind", "n_filters": 4, "filter_size": 5}, seed=0)
    fitted = fit(model, (seqs, y), epochs=2)
    assert fitted is model
    assert fitted.task == "binary" and fitted.classes == [0, 1]
    assert not fitted.training and next(fitted.parameters()).device.type == "cpu"
    assert fitted.encoding.alphabet == "dna" and fitted.encoding.input_kind == "onehot"


def test_fit_rejects_what_is_not_a_model():
    seqs, y = small_binary()
    with pytest.raises(TypeError, match="nn.Module or a config dict"):
        fit("deepbind", (seqs, y), epochs=1)
    with pytest.raises(ValueError, match="arch"):
        fit({"n_filters": 4}, (seqs, y), epochs=1)


DB_SMALL = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4}


def test_sequences_as_list_array_series_and_fasta_train_identically(tmp_path):
    seqs, y = small_binary()
    fasta = tmp_path / "train.fa"
    fasta.write_text("".join(f">s{i} planted={label}\n{s[:15]}\n{s[15:]}\n"
                             for i, (s, label) in enumerate(zip(seqs, y))))
    forms = {
        "list": seqs,
        "unicode array": np.array(seqs),
        "object array": np.array(seqs, dtype=object),
        "series": pd.Series(seqs, index=np.arange(300)[::-1]),
        "fasta str": str(fasta),
        "fasta path": fasta,
        "onehot": seq.one_hot(seqs),
    }
    reference = None
    for name, x in forms.items():
        model = fit(DB_SMALL, (x, y), epochs=2, seed=3)
        history = model.history["train_loss"].to_numpy()
        if reference is None:
            reference = history
        np.testing.assert_allclose(history, reference, rtol=1e-6, err_msg=name)
        assert model.encoding.input_kind == "onehot"
    # a model trained on a one-hot array still takes raw sequences at predict time
    np.testing.assert_allclose(predict(model, seqs[:20]), predict(model, seq.one_hot(seqs[:20])),
                               rtol=1e-6)


def test_tokens_for_the_embedding_rnn():
    seqs, y = small_binary(200, 20)
    config = {"arch": "rnn", "cell": "gru", "hidden_size": 4, "embedding_dim": 3}
    model = fit(config, (seqs, y), epochs=2, seed=0)
    assert model.encoding.input_kind == "tokens"
    by_tokens = fit(config, (seq.tokenize(seqs), y), epochs=2, seed=0)
    np.testing.assert_allclose(by_tokens.history["train_loss"], model.history["train_loss"],
                               rtol=1e-6)
    np.testing.assert_allclose(predict(model, seqs[:10]), predict(model, seq.tokenize(seqs[:10])),
                               rtol=1e-6)


def test_read_only_fortran_arrays_from_r_are_accepted_and_not_written():
    x, y = features(200)
    xf = np.asfortranarray(x)
    xf.flags.writeable = False
    yf = y.astype(np.int32)  # R integers
    yf.flags.writeable = False
    keep = xf.copy()
    a = fit({"arch": "mlp", "hidden": [8]}, (xf, yf), epochs=2, seed=0, valid_fraction=0.2)
    b = fit({"arch": "mlp", "hidden": [8]}, (x, y), epochs=2, seed=0, valid_fraction=0.2)
    pd.testing.assert_frame_equal(a.history, b.history)
    np.testing.assert_array_equal(xf, keep)
    np.testing.assert_array_equal(predict(a, xf), predict(b, x))


@pytest.fixture
def densified(monkeypatch):
    """Spies on every way a SciPy sparse matrix becomes dense: records the rows of each block."""
    rows: list[int] = []
    classes = [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix]
    classes += [c for c in (getattr(sp, "csr_array", None), getattr(sp, "csc_array", None),
                            getattr(sp, "coo_array", None)) if c is not None]
    for cls in classes:
        for name in ("toarray", "todense"):
            original = getattr(cls, name)

            def spy(self, *args, _original=original, **kwargs):
                rows.append(self.shape[0])
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(cls, name, spy)
    return rows


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_matrices_are_densified_one_batch_at_a_time(fmt, densified):
    x, y = features(300, 40)
    x[np.abs(x) < 1.0] = 0.0  # about two thirds zeros
    xs = sp.csr_matrix(x) if fmt == "csr" else sp.csc_matrix(x)
    model = fit({"arch": "mlp", "hidden": [8]}, (xs, y), epochs=2, batch_size=32, seed=0,
                valid_fraction=0.2)
    assert densified, "the sparse batches were never densified (how did they reach the model?)"
    assert max(densified) <= 32, f"a block of {max(densified)} rows was densified"
    assert model.config["n_features"] == 40
    dense = fit({"arch": "mlp", "hidden": [8]}, (x, y), epochs=2, batch_size=32, seed=0,
                valid_fraction=0.2)
    pd.testing.assert_frame_equal(model.history, dense.history)
    densified.clear()
    p = predict(model, xs, batch_size=50)
    assert max(densified) <= 50
    np.testing.assert_allclose(p, predict(dense, x), rtol=1e-6)
    np.testing.assert_array_equal(xs.toarray(), x)  # not written into


def anndata_object(n: int = 300, sparse: bool = False):
    import anndata as ad

    x, labels = gaussian_clusters(n, 12, 3, seed=4, spread=1.5)
    names = np.array(["alpha", "beta", "gamma"])[labels]
    obs = pd.DataFrame({"cell_type": pd.Categorical(names, categories=["gamma", "alpha", "beta"]),
                        "score": x[:, 0] * 2 + 1},
                       index=[f"cell{i}" for i in range(n)])
    adata = ad.AnnData(X=sp.csr_matrix(x) if sparse else x.copy(), obs=obs)
    adata.layers["scaled"] = x * 3.0
    adata.obsm["X_pca"] = x[:, :5].copy()
    return adata, x


def test_anndata_x_layer_obsm_and_obs_labels():
    adata, x = anndata_object()
    config = {"arch": "mlp", "hidden": [8]}
    labels = adata.obs["cell_type"]
    by_obs = fit(config, (adata, "cell_type"), epochs=2, seed=0)
    assert by_obs.classes == ["gamma", "alpha", "beta"]  # the Categorical's order
    by_array = fit(config, (x, labels.array), epochs=2, seed=0)  # the Categorical itself
    pd.testing.assert_frame_equal(by_obs.history, by_array.history)
    np.testing.assert_allclose(predict(by_obs, adata), predict(by_array, x), rtol=1e-6)

    by_layer = fit(config, (adata, "cell_type"), layer="scaled", epochs=2, seed=0)
    ref = fit(config, (x * 3.0, labels), epochs=2, seed=0)
    pd.testing.assert_frame_equal(by_layer.history, ref.history)
    np.testing.assert_allclose(predict(by_layer, adata, layer="scaled"), predict(ref, x * 3.0),
                               rtol=1e-6)

    by_rep = fit(config, (adata, "cell_type"), use_rep="X_pca", epochs=2, seed=0)
    assert by_rep.config["n_features"] == 5
    assert predict(by_rep, adata, use_rep="X_pca").shape == (300, 3)

    regression = fit(config, (adata, "score"), epochs=2, seed=0)
    assert regression.task == "regression"
    table = evaluate(regression, (adata, "score"))
    assert {"pearson", "spearman", "mse", "mae", "r2"} <= set(table["metric"])


def test_anndata_sparse_x_is_densified_by_batch(densified):
    adata, x = anndata_object(sparse=True)
    model = fit({"arch": "mlp", "hidden": [8]}, (adata, "cell_type"), epochs=1, batch_size=25)
    assert densified and max(densified) <= 25
    assert model.config["n_features"] == 12


def test_labels_indexed_by_other_samples_or_order_are_refused_not_matched_by_position():
    adata, _ = anndata_object(n=60)
    config = {"arch": "mlp", "hidden": [4]}
    shuffled = adata.obs["cell_type"].sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match="not adata.obs_names in order.*y.loc"):
        fit(config, (adata, shuffled), epochs=1)
    assert fit(config, (adata, shuffled.loc[adata.obs_names]), epochs=1).task == "multiclass"
    assert fit(config, (adata, shuffled.to_numpy()), epochs=1).task == "multiclass"  # as given
    frame = adata.to_df()
    with pytest.raises(ValueError, match="the data's index.*other samples"):
        fit(config, (frame, pd.Series(np.arange(60) % 2, index=[f"x{i}" for i in range(60)])),
            epochs=1)


def test_values_training_cannot_use_are_refused_before_training():
    x, y = features(60)
    config = {"arch": "mlp", "hidden": [4]}
    for big in (np.inf, 1e39):   # 1e39 is infinity in float32
        target = x[:, 0].astype(np.float64)
        target[3] = big
        with pytest.raises(ValueError, match="label 3 is infinite or too large for float32"):
            fit(config, (x, target), epochs=1)
    holed = x.copy()
    holed[2, 1] = np.nan
    with pytest.raises(ValueError, match="at index \\(2, 1\\)"):
        fit(config, (torch.as_tensor(holed), y), epochs=1)      # a tensor is checked too
    with pytest.raises(ValueError, match="too large for float32"):
        fit(config, (x.astype(np.float64) * 1e300, y), epochs=1)
    # an unused factor level: left out of a binary model, kept (never learned) in a multiclass
    # one, as in a fold of a grouped cross-validation; a warning either way
    two = pd.Categorical(np.where(y == 1, "a", "b"), categories=["a", "b", "c"])
    with pytest.warns(UserWarning, match=r"levels c have no samples and are left out.*droplevels"):
        assert fit(config, (x, two), epochs=1).classes == ["a", "b"]
    three = pd.Categorical(np.array(["a", "b", "d"])[np.arange(60) % 3], categories=["a", "b", "c", "d"])
    with pytest.warns(UserWarning, match="outputs for them that it never learns"):
        model = fit(config, (x, three), epochs=1)
    assert model.classes == ["a", "b", "c", "d"] and predict(model, x).shape == (60, 4)
    counts = np.rint(np.abs(x) * 3).astype(np.int64)      # an integer count matrix is features
    model = fit(config, (counts, y), epochs=1)
    assert model.encoding.input_kind == "features" and predict(model, counts).shape == (60,)


def test_a_class_of_one_sample_with_valid_fraction_is_named():
    seqs, _ = small_binary(n=40)
    labels = ["a", "b"] * 19 + ["c", "d"]
    with pytest.raises(ValueError, match=r"class; c, d have 1: drop those samples, or give valid_data"):
        fit(DB_SMALL, (seqs, labels), valid_fraction=0.2, epochs=1)


def test_a_loss_that_overflows_stops_training_with_advice():
    x, _ = features(100)
    with pytest.raises(FloatingPointError, match="training loss became inf at epoch 0, batch 0; "
                                                 "lower lr, scale the inputs"):
        fit({"arch": "mlp", "hidden": [4]}, (x, x[:, 0] * 1e20), epochs=2)


def test_anndata_errors_name_what_is_there():
    adata, _ = anndata_object(60)
    with pytest.raises(KeyError, match="cell_typ.*(cell_type|it has)"):
        fit({"arch": "mlp"}, (adata, "cell_typ"), epochs=1)
    with pytest.raises(KeyError, match="scaled"):
        fit({"arch": "mlp"}, (adata, "cell_type"), layer="counts", epochs=1)
    with pytest.raises(KeyError, match="X_pca"):
        fit({"arch": "mlp"}, (adata, "cell_type"), use_rep="X_umap", epochs=1)


def test_transposed_anndata_is_named_in_a_warning():
    """An AnnData built genes x cells (its obs named like Ensembl genes, its var like cell
    barcodes) trains an autoencoder without complaint unless its names are read: a warning says
    it looks transposed and how to turn it; the right way round trains silently."""
    import warnings

    import anndata as ad
    from deepomics import DeepomicsWarning

    rng = np.random.default_rng(0)
    genes = [f"ENSG{i:011d}" for i in range(40)]
    cells = ["".join(rng.choice(list("ACGT"), 16)) + "-1" for _ in range(12)]
    counts = rng.poisson(2.0, (40, 12)).astype(np.float32)
    config = {"arch": "autoencoder", "hidden": [4], "latent_dim": 2}
    transposed = ad.AnnData(X=counts, obs=pd.DataFrame(index=genes), var=pd.DataFrame(index=cells))
    with pytest.warns(train_data.OrientationWarning,
                      match=r"AnnData looks transposed: its samples are named like Ensembl genes "
                            r"\(ENSG00000000000, \.\.\.\).*pass adata\.T.*category OrientationWarning"):
        fit(config, transposed, epochs=1)
    assert issubclass(train_data.OrientationWarning, DeepomicsWarning)  # R shows it as a warning
    with warnings.catch_warnings():  # genes as samples on purpose: the category silences it
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=train_data.OrientationWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        fit(config, transposed, epochs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeepomicsWarning)
        fit(config, transposed.T, epochs=1)  # cells x genes: nothing to say
        # gene symbols as samples are not judged (they cannot be told from other names)
        fit(config, ad.AnnData(X=counts, obs=pd.DataFrame(index=[f"GENE{i}" for i in range(40)])),
            epochs=1)
    frame = pd.DataFrame(counts[:12, :].T, columns=cells)  # 12 x 12, barcodes as features
    with pytest.warns(DeepomicsWarning, match=r"DataFrame looks transposed: its features are "
                      r"named like cell barcodes.*pass x\.T"):
        fit(config, frame, epochs=1)


def test_orientation_hint_needs_most_names_to_agree():
    hint = train_data.orientation_hint
    genes = [f"ENSMUSG{i:011d}.2" for i in range(10)]
    assert "Ensembl" in hint(genes, None)
    assert "Ensembl" in hint([f"ENSG{i:011d}_TP53" for i in range(10)], None)  # ID_symbol
    assert hint(genes[:8] + ["cell1", "cell2"], None) is None  # 80% is not most
    for barcode in ("AAACCTGAGAAACCAT-1", "sampleA_AAACCTGAGAAACCAT", "AAAGCCTGGCTAAC-1"):
        assert "cell barcodes" in hint(None, [barcode] * 10)
    assert hint(["cell1"], ["CD3E", "ACTB", "ACGTACGTACG"]) is None  # 11 letters is no barcode
    # sequences as features on purpose (sgRNA spacers, 20 nt; chromatin peaks) are not judged
    assert hint(["screen1"], ["GACCGGAACGATCTCGCGTA", "TTGCTCAAGTCGACAGCTAC"]) is None
    assert hint(["cell1"], ["chr1:100-200", "chr2:5-90"]) is None
    assert hint([], []) is None


def test_labels_as_many_as_the_columns_suggest_a_transposed_matrix():
    x = np.random.default_rng(0).normal(size=(30, 8)).astype(np.float32)
    with pytest.raises(ValueError, match=r"labels have 30 entries but there are 8 samples.*"
                                         r"the data has 30 columns: .* transpose it \(x\.T\)"):
        fit({"arch": "mlp"}, (x.T, np.arange(30) % 2), epochs=1)


def test_label_forms_and_task_inference():
    x, y = features(200)
    config = {"arch": "mlp", "hidden": [4]}
    assert fit(config, (x, y.astype(float)), epochs=1).task == "binary"
    assert fit(config, (x, y.astype(np.int32)), epochs=1).task == "binary"
    assert fit(config, (x, np.where(y == 1, "yes", "no")), epochs=1).classes == ["no", "yes"]
    three = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    assert fit(config, (x, three), epochs=1).task == "multiclass"
    assert fit(config, (x, x[:, 0] * 2.5), epochs=1).task == "regression"
    frame = pd.DataFrame({"a": y, "b": 1 - y})
    model = fit(config, (x, frame), epochs=1)
    assert model.task == "multilabel" and model.classes == ["a", "b"]
    # task given explicitly wins over inference
    assert fit(config, (x, y.astype(float)), task="regression", epochs=1).task == "regression"
    # a Categorical (R's factor) holds classes, however many and whatever their values
    import warnings

    clusters = pd.Categorical(np.arange(200) % 60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (no "are they quantities?" warning either)
        assert train_data.infer_task(clusters) == "multiclass"
        assert train_data.infer_task(pd.Series(pd.Categorical([0.5, 1.5] * 3))) == "binary"
    model = fit(config, (x, clusters), epochs=1)
    assert model.task == "multiclass" and len(model.classes) == 60


def test_labels_missing_mixed_or_of_the_other_type_are_said_so():
    """Missing labels in a plain list (NumPy would read NaN as the text 'nan') or a pandas
    string column (pd.NA), text mixed with numbers, missing values written as text, labels as
    text against a model whose classes are numbers, and counts read as classes."""
    import warnings

    from deepomics import DeepomicsWarning

    x, y = features(60)
    config = {"arch": "mlp", "hidden": [4]}
    names = np.where(y == 1, "pos", "neg").astype(object)
    with_nan = list(names)
    with_nan[3] = float("nan")
    with pytest.raises(ValueError, match="label 3 is missing"):
        fit(config, (x, with_nan), epochs=1)
    series = pd.Series(names.copy(), dtype="string")  # (pandas may share the array)
    series[5] = pd.NA
    with pytest.raises(ValueError, match="label 5 is missing"):
        fit(config, (x, series), epochs=1)
    table = np.c_[x[:, :2], x[:, 2]].astype(np.float64)  # a table of targets: sample and column
    table[7, 1] = np.nan
    with pytest.raises(ValueError, match="the label of sample 7, column 1, is missing"):
        fit(config, (x, table), epochs=1, task="regression")
    mixed = list(y)
    mixed[0] = str(mixed[0])
    with pytest.raises(ValueError, match=r"the labels mix text \('[01]'\) and numbers"):
        fit(config, (x, mixed), epochs=1)
    texts = list(names)
    texts[1], texts[2] = "nan", "NA"
    with pytest.warns(DeepomicsWarning, match="2 of the labels read 'NA', 'nan', which looks like "
                                              "missing values written as text"):
        assert fit(config, (x, texts), epochs=1).classes == ["NA", "nan", "neg", "pos"]

    numeric = fit(config, (x, y), epochs=1)
    assert numeric.classes == [0, 1]
    with pytest.raises(ValueError, match="the labels are text but the classes are numbers: "
                                         r"convert them, e.g. np.asarray\(y, dtype=int\)"):
        evaluate(numeric, (x, y.astype(str)))
    text = fit(config, (x, y.astype(str)), epochs=1)
    with pytest.raises(ValueError, match="the labels are numbers but the classes are text"):
        evaluate(text, (x, y))

    with pytest.raises(ValueError, match="the labels are lists of different lengths"):
        fit(config, (x[:3], [[0, 1], [1], [0, 1]]), epochs=1)
    with pytest.raises(ValueError, match="the labels are the text 'label': a column name needs "
                                         "an AnnData"):
        evaluate(numeric, (x, "label"))

    counts = np.arange(60) % 20
    with pytest.warns(DeepomicsWarning, match=r"20 distinct whole numbers, read as 20 classes; if "
                                              r"they are quantities .* task='regression'"):
        assert fit(config, (x, counts), epochs=1).task == "multiclass"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeepomicsWarning)
        fit(config, (x, counts), task="multiclass", epochs=1)  # said: no warning
        fit(config, (x, counts % 5), epochs=1)  # a few classes coded as numbers


def test_class_weight_options():
    x, y = features(200)
    config = {"arch": "mlp", "hidden": [4]}
    assert fit(config, (x, y), class_weight="balanced", epochs=1).task == "binary"
    assert fit(config, (x, y), class_weight={1: 3.0}, epochs=1).task == "binary"
    # YAML's and R's names are text: {"1": 3} weighs class 1 as {1: 3} does
    same = [fit(config, (x, y), class_weight=w, epochs=2, seed=0).history["train_loss"].iloc[-1]
            for w in ({1: 3.0}, {"1": 3.0}, {"1.0": 3.0, "0": 1})]
    assert same[0] == same[1] == same[2]
    with pytest.raises(ValueError, match="class"):
        fit(config, (x, y), class_weight={7: 3.0}, epochs=1)
    with pytest.raises(ValueError, match="binary and multiclass"):
        fit(config, (x, x[:, 0]), class_weight="balanced", epochs=1)


def test_class_weight_moves_the_decision_toward_the_weighted_class():
    # overlapping classes with a rare one: weight 5 on it must make the model call it far more
    # often (binary and multiclass); "balanced" must be exactly n / (n_classes * count)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 10)).astype(np.float32)
    y = (x[:, 0] + rng.normal(scale=1.5, size=400) > 1.3).astype(np.int64)   # ~22% positive
    config = {"arch": "mlp", "hidden": [8]}
    plain = (predict(fit(config, (x, y), epochs=20), x) > 0.5).mean()
    weighted = (predict(fit(config, (x, y), epochs=20, class_weight={1: 5.0}), x) > 0.5).mean()
    assert weighted > plain + 0.3, (plain, weighted)

    w = len(y) / (2 * np.bincount(y))
    balanced = fit(config, (x, y), epochs=3, class_weight="balanced")
    explicit = fit(config, (x, y), epochs=3, class_weight={0: w[0], 1: w[1]})
    for a, b in zip(balanced.state_dict().values(), explicit.state_dict().values()):
        assert torch.equal(a, b)

    three = np.digitize(x[:, 0] + rng.normal(size=400), [-1.0, 1.2])    # class 2 is ~20%
    plain = (predict(fit(config, (x, three), epochs=20), x).argmax(1) == 2).mean()
    weighted = (predict(fit(config, (x, three), epochs=20, class_weight={2: 5.0}), x)
                .argmax(1) == 2).mean()
    assert weighted > plain + 0.3, (plain, weighted)


def test_a_last_training_batch_of_one_sample_joins_the_one_before():
    """Batch norm cannot normalise one sample: 9 samples at batch_size 4 train as 4 + 5 (all of
    them, each epoch), and prediction keeps plain batches."""
    shuffled = train_data.IndexBatches(9, 4, shuffle=True, seed=1)
    sizes = [len(b) for b in shuffled]
    assert sizes == [4, 5] and len(shuffled) == 2
    assert sorted(i for b in shuffled for i in b) == list(range(9))
    assert [len(b) for b in train_data.IndexBatches(9, 4, shuffle=False)] == [4, 4, 1]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(9, 5)).astype(np.float32), np.arange(9) % 2
    model = fit({"arch": "mlp", "hidden": [4], "batch_norm": True}, (x, y), epochs=2,
                batch_size=4)
    assert len(model.history) == 2 and np.isfinite(model.history["train_loss"]).all()


def test_fit_is_quiet_under_tests(capfd):
    x, y = features(100)
    fit({"arch": "mlp", "hidden": [4]}, (x, y), epochs=2, valid_fraction=0.2)
    out, err = capfd.readouterr()
    assert out == "" and err == "", f"fit printed:\n{out}\n{err}"


# ---- splits ------------------------------------------------------------------------------------


def test_split_random_is_a_seeded_partition():
    train, valid = split(100, valid_fraction=0.2, seed=0)
    assert len(valid) == 20 and len(train) == 80
    assert sorted(np.concatenate([train, valid]).tolist()) == list(range(100))
    again = split(100, valid_fraction=0.2, seed=0)
    np.testing.assert_array_equal(again[1], valid)
    other = split(100, valid_fraction=0.2, seed=1)
    assert not np.array_equal(np.sort(other[1]), np.sort(valid))


def test_split_stratified_keeps_class_proportions():
    labels = np.array([0] * 90 + [1] * 10)
    for seed in range(5):
        train, valid = split(100, valid_fraction=0.2, stratify=labels, seed=seed)
        assert np.sum(labels[valid] == 1) == 2 and np.sum(labels[train] == 1) == 8


def test_split_by_group_never_puts_a_group_on_both_sides():
    groups = np.repeat([f"chr{i}" for i in range(1, 11)], 10)
    seen = set()
    for seed in range(5):
        train, valid = split(100, valid_fraction=0.2, groups=groups, seed=seed)
        assert not set(groups[train]) & set(groups[valid])
        assert len(train) + len(valid) == 100
        seen.add(tuple(sorted(set(groups[valid]))))
        np.testing.assert_array_equal(split(100, valid_fraction=0.2, groups=groups,
                                            seed=seed)[1], valid)
    assert len(seen) > 1, "different seeds should hold out different groups"


def test_split_rejects_bad_fractions():
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="valid_fraction"):
            split(10, valid_fraction=bad)


def test_kfold_and_split_say_what_their_folds_need():
    from deepomics import DeepomicsWarning

    labels = np.array(["a"] * 10 + ["rare"] * 2)
    with pytest.warns(DeepomicsWarning, match=r"class 'rare' has 2 samples, fewer than the 5 folds: "
                                              r"some folds hold none of it"):
        assert len(kfold(12, 5, stratify=labels)) == 5
    with pytest.raises(ValueError, match=r"5 stratified folds need a class with 5 or more samples; "
                                         r"the largest has 3: use fewer folds \(at most 3\)"):
        kfold(6, 5, stratify=np.array(["a", "b"] * 3))
    with pytest.raises(ValueError, match="3 folds by group need 3 or more groups; there are 2"):
        kfold(12, 3, groups=np.repeat([0, 1], 6))
    with pytest.raises(ValueError, match="5 folds need 5 or more samples; there are 3"):
        kfold(3, 5)
    with pytest.raises(ValueError, match="k must be 2 or more folds, not 1"):
        kfold(10, 1)
    x = np.zeros((40, 3))
    for function in (kfold, split):
        with pytest.raises(TypeError, match=rf"{function.__name__} takes the number of samples, "
                                            rf"e.g. {function.__name__}\(len\(y\)\), not the data"):
            function(x)
    assert len(kfold(12.0, 2)) == len(kfold(np.int64(12), 2)) == 2  # R's double, NumPy's int


def test_sequences_too_short_for_the_layers_are_named_as_sequences():
    """seq_len came from the data, so the message speaks of the sequences, not of a setting."""
    seqs = ["ACGT" * 7 + "AC"] * 10
    with pytest.raises(ValueError, match="danq needs sequences of 38 or more letters with these "
                                         "layers, but the training sequences are 30 letters long"):
        fit({"arch": "danq"}, (seqs, np.arange(10) % 2), epochs=1)
    with pytest.raises(ValueError, match="seq_len=30 is too short"):  # the user's own setting
        fit({"arch": "danq", "seq_len": 30}, (seqs, np.arange(10) % 2), epochs=1)


def test_learning_rate_is_checked_before_training():
    x, y = features(40)
    with pytest.raises(TypeError, match="lr must be a number >= 0, not '0.01'"):
        fit({"arch": "mlp"}, (x, y), lr="0.01", epochs=1)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lr must be a number >= 0"):
            fit({"arch": "mlp"}, (x, y), lr=bad, epochs=1)
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0, not -0.1"):
        fit({"arch": "mlp"}, (x, y), weight_decay=-0.1, epochs=1)


@pytest.mark.parametrize("how", ["plain", "stratified", "groups"])
def test_kfold_partitions_and_is_seeded(how):
    n, k = 60, 3
    labels = np.arange(n) % 2
    groups = np.repeat(np.arange(12), 5)
    kwargs = {"stratified": {"stratify": labels}, "groups": {"groups": groups}}.get(how, {})
    folds = kfold(n, k, seed=0, **kwargs)
    assert len(folds) == k
    counts = np.zeros(n, int)
    for train, valid in folds:
        assert not set(train) & set(valid) and len(train) + len(valid) == n
        counts[valid] += 1
        if how == "stratified":
            assert labels[valid].sum() == len(valid) // 2
        if how == "groups":
            assert not set(groups[train]) & set(groups[valid])
    assert (counts == 1).all(), "every sample is held out exactly once"
    same = kfold(n, k, seed=0, **kwargs)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, same))
    other = kfold(n, k, seed=1, **kwargs)
    assert not all(np.array_equal(np.sort(a[1]), np.sort(b[1])) for a, b in zip(folds, other)), \
        f"kfold({how}) gives the same folds for seed 0 and seed 1: the seed is ignored"


def test_kfold_folds_train_through_fit():
    x, y = features(150)
    scores = []
    for train, valid in kfold(150, 3, stratify=y, seed=0):
        model = fit({"arch": "mlp", "hidden": [8]}, (x[train], y[train]),
                    (x[valid], y[valid]), epochs=20, lr=2e-2, batch_size=32, seed=0)
        scores.append(model.history["valid_auroc"].iloc[-1])
    assert min(scores) > 0.8


@pytest.fixture
def split_spy(monkeypatch):
    """Records the (train, valid) indices fit draws through deepomics.train.data.split."""
    calls = []
    original = train_data.split

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append((kwargs, result))
        return result

    monkeypatch.setattr(train_data, "split", spy)
    return calls


def test_fit_valid_fraction_is_stratified_for_classification(split_spy):
    x, _ = features(200)
    y = (np.arange(200) < 20).astype(int)  # 10% positives
    fit({"arch": "mlp", "hidden": [4]}, (x, y), valid_fraction=0.25, epochs=1, seed=0)
    (kwargs, (train, valid)), = split_spy
    assert len(valid) == 50 and y[valid].sum() == 5


def test_fit_valid_fraction_is_random_for_regression(split_spy):
    x, _ = features(200)
    model = fit({"arch": "mlp", "hidden": [4]}, (x, x[:, 0] * 2.0), valid_fraction=0.3,
                epochs=1, seed=0)
    (kwargs, (train, valid)), = split_spy
    assert kwargs.get("stratify") is None and kwargs.get("groups") is None
    assert len(valid) == 60 and len(train) == 140 and not set(train) & set(valid)
    assert {"valid_loss", "valid_r2", "valid_pearson"} <= set(model.history.columns)


def test_fit_groups_keep_each_group_on_one_side(split_spy):
    x, y = features(200)
    groups = np.repeat([f"chr{i}" for i in range(10)], 20)
    model = fit({"arch": "mlp", "hidden": [4]}, (x, y), valid_fraction=0.2, groups=groups,
                epochs=2, seed=0)
    (kwargs, (train, valid)), = split_spy
    assert not set(groups[train]) & set(groups[valid])
    assert len(valid) == 40
    assert "valid_loss" in model.history


def test_fit_same_seed_same_history_different_seed_different(split_spy):
    x, y = features(200)
    config = {"arch": "mlp", "hidden": [8], "dropout": 0.2}
    a = fit(config, (x, y), valid_fraction=0.2, epochs=3, seed=11)
    b = fit(config, (x, y), valid_fraction=0.2, epochs=3, seed=11)
    c = fit(config, (x, y), valid_fraction=0.2, epochs=3, seed=12)
    pd.testing.assert_frame_equal(a.history, b.history)
    np.testing.assert_array_equal(predict(a, x), predict(b, x))
    np.testing.assert_array_equal(split_spy[0][1][1], split_spy[1][1][1])
    assert not np.array_equal(np.sort(split_spy[0][1][1]), np.sort(split_spy[2][1][1]))
    assert not np.allclose(a.history["train_loss"], c.history["train_loss"])


def test_fit_leaves_the_global_random_state_alone():
    """fit(seed=...) seeds its own generators; it should not reseed the caller's global NumPy,
    random and torch streams (Lightning's seed_everything does: after any fit(seed=0),
    np.random.rand() is always 0.5488..., so a bootstrap loop around fit draws the same
    numbers every iteration). models.build(seed=...) already keeps the global state."""
    import random

    x, y = features(100)
    np.random.seed(123)
    random.seed(5)
    torch.manual_seed(7)
    expected = (np.random.rand(), random.random(), torch.rand(1).item())
    np.random.seed(123)
    random.seed(5)
    torch.manual_seed(7)
    fit({"arch": "mlp", "hidden": [4]}, (x, y), epochs=1, seed=0)
    assert (np.random.rand(), random.random(), torch.rand(1).item()) == expected


def test_fit_deterministic_does_not_change_global_torch_settings():
    x, y = features(100)
    before = torch.are_deterministic_algorithms_enabled()
    try:
        fit({"arch": "mlp", "hidden": [4]}, (x, y), epochs=1, seed=0, deterministic=True)
        after = torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(before)
    assert after == before, "fit(deterministic=True) left torch.use_deterministic_algorithms on"


def test_fit_groups_without_valid_fraction_is_not_silently_ignored():
    """groups= only means something for a held-out split; fit must hold one out by group or say
    that valid_fraction is needed — not train on everything without validation."""
    x, y = features(200)
    groups = np.repeat(np.arange(10), 20)
    try:
        model = fit({"arch": "mlp", "hidden": [4]}, (x, y), groups=groups, epochs=1)
    except ValueError as err:
        assert "valid_fraction" in str(err)
    else:
        assert "valid_loss" in model.history, \
            "groups were given but fit made no validation split and said nothing"


def test_fit_groups_of_the_wrong_length_say_so():
    x, y = features(200)
    with pytest.raises(ValueError, match="groups"):
        fit({"arch": "mlp", "hidden": [4]}, (x, y), valid_fraction=0.2,
            groups=np.arange(150) % 5, epochs=1)


def test_callbacks_take_one_callback_or_a_list_and_refuse_anything_else():
    """A single Lightning callback is taken as a list of one (and runs); a function, or a list
    holding something else, is refused by name before any training."""
    import lightning as L

    class CountEpochs(L.pytorch.callbacks.Callback):
        epochs = 0

        def on_train_epoch_end(self, trainer, module):
            CountEpochs.epochs += 1

    x, y = features(40)
    config = {"arch": "mlp", "hidden": [4]}
    fit(config, (x, y), epochs=2, callbacks=CountEpochs())
    assert CountEpochs.epochs == 2
    with pytest.raises(TypeError, match="callbacks takes a list of Lightning callbacks .* not a "
                                        "function; to run a function each epoch"):
        fit(config, (x, y), epochs=1, callbacks=lambda: None)
    with pytest.raises(TypeError, match=r"callbacks\[1\] is a str, not a Lightning callback"):
        fit(config, (x, y), epochs=1, callbacks=[CountEpochs(), "early_stopping"])


def test_groups_missing_or_mixed_are_said_so_as_groups():
    """A sample without a group (NaN, None, pd.NA) is named as a group, not a label, in split,
    kfold and fit; groups mixing text and numbers likewise."""
    chroms = ["chr1", "chr2", None, "chr1", "chr2", "chr3", "chr3", "chr4", "chr4", "chr5"]
    for call in (lambda g: kfold(10, 2, groups=g), lambda g: split(10, groups=g)):
        with pytest.raises(ValueError, match=r"group 2 is missing \(NaN / NA\); 1 of the groups are "
                                             "missing in all: drop those samples or fill their groups in"):
            call(chroms)
        with pytest.raises(ValueError, match="group 3 is missing"):
            call(pd.Series([1.0, 2, 3, np.nan, 1, 2, 3, 4, 5, 5]))
        with pytest.raises(ValueError, match=r"the groups mix text \('chr1'\) and numbers \(2\)"):
            call(["chr1", 2] + chroms[3:] + ["chr1"])
    x, y = features(10)
    with pytest.raises(ValueError, match="group 2 is missing"):
        fit({"arch": "mlp", "hidden": [4]}, (x, y), valid_fraction=0.2, groups=chroms, epochs=1)


# ---- history, best epoch, early stopping, resume ----------------------------------------------


def test_history_has_one_row_per_epoch_with_train_loss_and_valid_metrics():
    seqs, y = small_binary()
    model = fit(DB_SMALL, (seqs, y), valid_fraction=0.2, epochs=3, seed=0)
    h = model.history
    assert isinstance(h, pd.DataFrame) and len(h) == 3
    assert list(h["epoch"]) == [0, 1, 2]
    expected = {"train_loss", "valid_loss", "valid_auroc", "valid_auprc", "valid_accuracy",
                "valid_f1", "valid_mcc", "valid_sensitivity", "valid_specificity"}
    assert expected <= set(h.columns)
    assert np.isfinite(h["train_loss"]).all() and np.isfinite(h["valid_loss"]).all()
    no_valid = fit(DB_SMALL, (seqs, y), epochs=2, seed=0)
    assert list(no_valid.history.columns) == ["epoch", "train_loss"]


def bce(probs, y) -> float:
    p = np.clip(probs.astype(np.float64), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@functools.lru_cache(maxsize=None)
def overfitting_data():
    """Random labels: the training loss falls while the validation loss rises."""
    rng = np.random.default_rng(8)
    seqs = random_seqs(300, 30, rng)
    y = rng.integers(0, 2, 300)
    return (seqs[:150], y[:150]), (seqs[150:], y[150:])


OVERFIT = {"arch": "deepbind", "n_filters": 32, "filter_size": 6, "hidden": 32, "dropout": 0.0}


def test_early_stopping_stops_and_restores_the_best_epoch():
    train, valid = overfitting_data()
    model = fit(OVERFIT, train, valid, epochs=40, lr=1e-2, early_stopping=3, seed=0)
    h = model.history
    assert len(h) < 40, "validation loss cannot improve on random labels; training must stop"
    best = int(h["valid_loss"].idxmin())
    assert model.best_epoch == best
    assert best < len(h) - 1
    restored = bce(predict(model, valid[0]), valid[1])
    assert restored == pytest.approx(h["valid_loss"].min(), rel=1e-5)
    assert restored != pytest.approx(h["valid_loss"].iloc[-1], rel=1e-4)
    assert skm.roc_auc_score(valid[1], predict(model, valid[0])) == pytest.approx(
        h["valid_auroc"].iloc[best], abs=1e-4)


def test_best_epoch_restored_without_early_stopping():
    train, valid = overfitting_data()
    model = fit(OVERFIT, train, valid, epochs=8, lr=1e-2, seed=0)
    h = model.history
    assert len(h) == 8
    assert model.best_epoch == int(h["valid_loss"].idxmin())
    assert bce(predict(model, valid[0]), valid[1]) == pytest.approx(h["valid_loss"].min(),
                                                                    rel=1e-5)


def test_early_stopping_on_another_metric_restores_its_best():
    train, valid = overfitting_data()
    model = fit(OVERFIT, train, valid, epochs=30, lr=1e-2, seed=0,
                early_stopping={"monitor": "auroc", "patience": 2})
    h = model.history
    assert len(h) < 30
    best = int(h["valid_auroc"].idxmax())
    assert model.best_epoch == best
    assert skm.roc_auc_score(valid[1], predict(model, valid[0])) == pytest.approx(
        h["valid_auroc"].max(), abs=1e-4)


def test_early_stopping_on_logloss_watches_the_predictions_not_the_weighted_objective():
    """valid_loss is the training objective (class weights included); valid_logloss and H2O's
    deviance are the plain log loss of the predictions, which chooses the epoch kept."""
    train, valid = overfitting_data()
    for monitor in ("logloss", "deviance"):
        model = fit(OVERFIT, train, valid, epochs=12, lr=1e-2, seed=0,
                    class_weight={0: 1.0, 1: 4.0}, early_stopping={"monitor": monitor, "patience": 3})
        h = model.history
        assert model.monitor == "valid_logloss"
        assert not np.allclose(h["valid_loss"], h["valid_logloss"])  # weighted: not the same
        assert model.best_epoch == int(h["valid_logloss"].idxmin())
        assert skm.log_loss(valid[1], predict(model, valid[0])) == pytest.approx(
            h["valid_logloss"].min(), rel=1e-4)
    x, y = features(120)
    regression = fit({"arch": "mlp", "hidden": [8]}, (x, y.astype(np.float32) + x[:, 2]),
                     valid_fraction=0.25, epochs=3, early_stopping={"monitor": "deviance"})
    assert regression.monitor == "valid_mse"


def test_early_stopping_with_lr_zero_stops_after_patience():
    seqs, y = small_binary()
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4}
    model = fit(config, (seqs, y), valid_fraction=0.2, epochs=20, lr=0.0,
                early_stopping={"patience": 2}, seed=0)
    assert len(model.history) == 3  # epoch 0 sets the best, two more without improvement
    assert model.history["valid_loss"].nunique() == 1


def test_early_stopping_options_are_checked():
    x, y = features(100)
    with pytest.raises(ValueError, match="valid_data or valid_fraction"):
        fit({"arch": "mlp"}, (x, y), early_stopping=True, epochs=1)
    with pytest.raises(ValueError, match="patience"):
        fit({"arch": "mlp"}, (x, y), valid_fraction=0.2, early_stopping={"patiense": 2},
            epochs=1)
    with pytest.raises(TypeError):
        fit({"arch": "mlp"}, (x, y), valid_fraction=0.2, early_stopping="yes", epochs=1)


def test_early_stopping_on_an_unknown_metric_fails_before_training():
    """A misspelt monitor should be a ValueError naming the valid metrics, raised before any
    epoch runs (not Lightning's RuntimeError after the first epoch)."""
    x, y = features(100)
    with pytest.raises(ValueError, match="aucroc") as info:
        fit({"arch": "mlp"}, (x, y), valid_fraction=0.2, epochs=2,
            early_stopping={"monitor": "aucroc"})
    assert "auroc" in str(info.value).replace("aucroc", "")


def test_resume_continues_instead_of_restarting(tmp_path):
    seqs, y = small_binary()
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4, "dropout": 0.0}
    first = fit(config, (seqs, y), valid_fraction=0.2, epochs=2, seed=0,
                checkpoint_dir=str(tmp_path))
    checkpoint = tmp_path / "last.ckpt"
    assert checkpoint.is_file()
    resumed = fit(config, (seqs, y), valid_fraction=0.2, epochs=4, seed=0,
                  resume_from=str(checkpoint))
    assert len(resumed.history) == 4
    assert list(resumed.history["epoch"]) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(resumed.history.iloc[:2], first.history)
    assert resumed.best_epoch == int(resumed.history["valid_loss"].idxmin())


def test_resume_reproduces_the_uninterrupted_run(tmp_path):
    """Same seed: 2 epochs + resume to 4 is the 4-epoch run, dropout included (the shuffling
    generator's and the global generators' states are in the checkpoint)."""
    seqs, y = small_binary()
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4, "dropout": 0.3}
    fit(config, (seqs, y), valid_fraction=0.2, epochs=2, seed=0, checkpoint_dir=str(tmp_path))
    torch.manual_seed(123)  # whatever the caller's generator holds, the resumed run goes on
    resumed = fit(config, (seqs, y), valid_fraction=0.2, epochs=4, seed=0,
                  resume_from=str(tmp_path / "last.ckpt"))
    straight = fit(config, (seqs, y), valid_fraction=0.2, epochs=4, seed=0)
    np.testing.assert_array_equal(resumed.history["train_loss"], straight.history["train_loss"])
    for name, value in straight.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], value), name


def test_resume_with_another_early_stopping_metric_is_refused(tmp_path):
    """The best score so far is of the run's metric: compared with another's, the epoch kept
    would be chosen by neither."""
    seqs, y = small_binary()
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4}
    fit(config, (seqs, y), valid_fraction=0.2, epochs=2, seed=0, checkpoint_dir=str(tmp_path),
        early_stopping={"monitor": "auroc", "patience": 5})
    with pytest.raises(ValueError, match="another run \\(monitor 'valid_auroc' there, "
                                         "'valid_loss' here\\)"):
        fit(config, (seqs, y), valid_fraction=0.2, epochs=4, seed=0,
            resume_from=str(tmp_path / "last.ckpt"), early_stopping={"patience": 5})


def test_resume_from_a_truncated_or_foreign_file_says_what_it_is(tmp_path):
    seqs, y = small_binary()
    config = {"arch": "deepbind", "n_filters": 4, "filter_size": 5, "hidden": 4}
    fit(config, (seqs, y), valid_fraction=0.2, epochs=1, seed=0, checkpoint_dir=str(tmp_path))
    whole = (tmp_path / "last.ckpt").read_bytes()
    (tmp_path / "half.ckpt").write_bytes(whole[:len(whole) // 2])
    (tmp_path / "notes.ckpt").write_text("not a checkpoint")
    for name in ("half.ckpt", "notes.ckpt"):
        with pytest.raises(ValueError, match=f"{name}' is not a readable checkpoint \\(truncated"):
            fit(config, (seqs, y), valid_fraction=0.2, epochs=2, seed=0,
                resume_from=str(tmp_path / name))


def test_early_stopping_on_a_metric_the_validation_data_cannot_define_says_why():
    """Lightning's early stopping ends training at a NaN score, silently: one validation class
    leaves AUROC undefined."""
    x, y = features(60)
    with pytest.raises(ValueError, match="auroc is undefined \\(NaN\\) on the validation data "
                                         "at epoch 0: it holds one class only"):
        fit({"arch": "mlp", "hidden": [8]}, (x, y), (x[:10], np.ones(10, int)), epochs=4,
            early_stopping={"monitor": "auroc", "patience": 3})


def test_balanced_class_weights_come_from_the_training_part_only(monkeypatch):
    from deepomics.train import engine

    seen = []
    real = engine._class_weight
    monkeypatch.setattr(engine, "_class_weight",
                        lambda option, task, classes, targets: seen.append(len(targets))
                        or real(option, task, classes, targets))
    x, y = features(40)
    fit({"arch": "mlp", "hidden": [8]}, (x, y), valid_fraction=0.25, epochs=1,
        class_weight="balanced")
    assert seen == [30]  # not the 40 with the validation part's labels


def test_a_missing_validation_label_is_named_as_such():
    x, y = features(40)
    vy = y[:20].astype(float)
    vy[19] = np.nan
    with pytest.raises(ValueError, match="^valid_data's label 19 is missing"):
        fit({"arch": "mlp", "hidden": [8]}, (x, y), (x[:20], vy), epochs=1)


def test_binary_mcc_uses_the_threshold_of_the_other_metrics():
    value = dict(zip(*M.compute("binary", [0.5, 0.2, 0.8, 0.1], [1, 0, 1, 0])[["metric", "value"]]
                     .values.T))
    assert value["accuracy"] == 0.75  # 0.5 is negative (torchmetrics: p > 0.5)
    assert value["mcc"] == pytest.approx(skm.matthews_corrcoef([1, 0, 1, 0], [0, 0, 1, 0]))


def test_resume_from_a_missing_checkpoint_says_which_file(tmp_path):
    x, y = features(100)
    missing = tmp_path / "nope" / "last.ckpt"
    with pytest.raises(FileNotFoundError, match="last.ckpt"):
        fit({"arch": "mlp"}, (x, y), epochs=2, resume_from=str(missing))


def test_checkpoints_of_an_earlier_run_are_kept_and_resumed_only_when_asked(tmp_path):
    """A checkpoint_dir that holds an earlier run's last.ckpt is refused unless that run is
    resumed (Lightning wrote last-v1.ckpt beside it, and resume_from then took the old run);
    resuming writes last.ckpt itself; a folder or another model's checkpoint is named."""
    from deepomics import io

    x, y = features(100)
    config = {"arch": "mlp", "hidden": [4]}
    run = tmp_path / "run"
    fit(config, (x, y), epochs=2, checkpoint_dir=str(run))
    before = (run / "last.ckpt").read_bytes()
    with pytest.raises(FileExistsError, match=r"already holds an earlier run's last.ckpt; "
                                              r"continue that run with resume_from="):
        fit(config, (x, y), epochs=2, checkpoint_dir=str(run))
    assert (run / "last.ckpt").read_bytes() == before
    resumed = fit(config, (x, y), epochs=3, checkpoint_dir=str(run),
                  resume_from=str(run / "last.ckpt"))
    assert len(resumed.history) == 3 and sorted(p.name for p in run.iterdir()) == ["last.ckpt"]
    with pytest.raises(ValueError, match=r"is a folder; pass resume_from=.*last.ckpt"):
        fit(config, (x, y), epochs=4, resume_from=str(run))
    io.save(resumed, tmp_path / "saved")
    with pytest.raises(ValueError, match="a saved model is not a checkpoint: to train it further, "
                                         r"pass deepomics.io.load\(path\) as the model"):
        fit(config, (x, y), epochs=4, resume_from=str(tmp_path / "saved"))
    # '~' is the home folder here too (Lightning expanded it; the check did not)
    os.environ["HOME"], home = str(tmp_path), os.environ.get("HOME")
    try:
        with pytest.raises(FileExistsError, match="already holds an earlier run's last.ckpt"):
            fit(config, (x, y), epochs=1, checkpoint_dir="~/run")
        assert len(fit(config, (x, y), epochs=4, checkpoint_dir="~/run",
                       resume_from="~/run/last.ckpt").history) == 4
        assert len(fit(config, (x, y), epochs=5, checkpoint_dir="~/run",
                       resume_from="last").history) == 5  # Lightning's own word
    finally:
        os.environ["HOME"] = home if home is not None else os.environ.pop("HOME")
    with pytest.raises(ValueError, match="holds another model's weights; resume with the model "
                                         "config"):
        fit({"arch": "mlp", "hidden": [7]}, (x, y), epochs=4, resume_from=str(run / "last.ckpt"))


def test_resuming_another_runs_checkpoint_is_refused_naming_what_differs(tmp_path):
    """The same architecture with other classes, another task or another optimizer would
    resume silently (or fail in torch with KeyError 'momentum'): refused, saying what differs."""
    x, y = features(90)
    letters = np.array(list("abc") * 30)
    config = {"arch": "mlp", "hidden": [4], "n_outputs": 3}
    fit(config, (x, letters), epochs=1, checkpoint_dir=str(tmp_path / "ck"))
    last = str(tmp_path / "ck" / "last.ckpt")
    with pytest.raises(ValueError, match=r"another run \(classes \['a', 'b', 'c'\] there, "
                                         r"\['x', 'y', 'z'\] here\)"):
        fit(config, (x, np.array(list("xyz") * 30)), epochs=2, resume_from=last)
    with pytest.raises(ValueError, match=r"optimizer 'adam' there, 'sgd' here"):
        fit(config, (x, letters), epochs=2, resume_from=last, optimizer="sgd")
    assert len(fit(config, (x, letters), epochs=2, resume_from=last).history) == 2


def test_a_model_built_first_learns_its_scaling_as_a_config_does():
    """D-GEX standardises genes from the training data whether given as a config or as a model
    built with models.build (it stayed unscaled, R^2 far below zero)."""
    from deepomics import models

    rng = np.random.default_rng(0)
    x = (rng.normal(size=(300, 10)) * 5 + 20).astype(np.float32)
    y = np.c_[x[:, 0] * 2 + 3, x[:, 1] - x[:, 2]].astype(np.float32)
    config = {"arch": "dgex", "hidden": [16], "n_features": 10, "n_outputs": 2}
    built = fit(models.build(config, seed=0), (x, y), epochs=2, task="regression", seed=0)
    plain = fit(dict(config), (x, y), epochs=2, task="regression", seed=0)
    np.testing.assert_allclose(built.input_mean.numpy(), x.mean(0), rtol=1e-4)
    np.testing.assert_allclose(built.output_mean.numpy(), plain.output_mean.numpy(), rtol=1e-5)


# ---- evaluate ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def fitted_binary():
    (tx, ty), (vx, vy) = dna_task("binary")
    model = fit(SEQ_ARCHS["deepbind"], (tx[:300], ty[:300]), epochs=3, lr=3e-3, seed=0)
    return model, vx, vy


def test_evaluate_binary_matches_sklearn():
    model, x, y = fitted_binary()
    table = evaluate(model, (x, y))
    assert list(table.columns) == ["metric", "output", "value"]
    assert set(table["metric"]) == {"auroc", "auprc", "accuracy", "f1", "mcc", "sensitivity",
                                    "specificity", "logloss"}
    assert set(table["output"]) == {"all"}
    p = predict(model, x)
    hard = (p > 0.5).astype(int)
    # a half-trained model makes the check telling: ranks are not perfect, both classes called
    assert 0.6 < skm.roc_auc_score(y, p) < 0.99 and 0 < hard.sum() < len(hard)
    expected = {
        "auroc": skm.roc_auc_score(y, p),
        "auprc": skm.average_precision_score(y, p),
        "accuracy": skm.accuracy_score(y, hard),
        "f1": skm.f1_score(y, hard),
        "mcc": skm.matthews_corrcoef(y, hard),
        "sensitivity": skm.recall_score(y, hard),
        "specificity": skm.recall_score(1 - y, 1 - hard),
        "logloss": skm.log_loss(y, p),
    }
    for name, value in expected.items():
        assert metric(table, name) == pytest.approx(value, abs=1e-4), name


def test_mcc_of_a_constant_prediction_is_zero_as_in_sklearn():
    """Every sample called positive: MCC is undefined and sklearn (and the usual convention) gives
    0; torchmetrics' epsilon trick gives a small nonzero value when the classes are unbalanced."""
    from deepomics.train import metrics

    y = (np.arange(100) < 40).astype(int)
    table = metrics.compute("binary", np.full(100, 0.9, np.float32), y)
    assert skm.matthews_corrcoef(y, np.ones(100, int)) == 0.0
    assert metric(table, "mcc") == pytest.approx(0.0, abs=1e-6)


def test_undefined_metrics_are_nan_not_zero():
    """metrics' own docstring: NaN where a metric is undefined (e.g. AUROC with one class
    present). A validation set of positives only must not report AUROC 0.0 (the worst possible
    ranking), nor a class missing from the labels a per-class AUROC of 0.0."""
    from deepomics.train import metrics

    p = np.linspace(0.1, 0.9, 20).astype(np.float32)
    table = metrics.compute("binary", p, np.ones(20))
    assert np.isnan(metric(table, "auroc"))
    probs = np.tile(np.array([[0.7, 0.2, 0.1]], np.float32), (10, 1))
    probs[5:] = [0.2, 0.7, 0.1]
    table = metrics.compute("multiclass", probs, np.array([0] * 5 + [1] * 5), ["a", "b", "c"])
    assert metric(table, "auroc", "a") == pytest.approx(1.0)
    assert np.isnan(metric(table, "auroc", "c")), "class c has no samples: AUROC undefined"
    # one class present of three: no AUROC at all; its specificity (no other class) and the
    # absent classes' sensitivity are undefined too, not 0.0
    table = metrics.compute("multiclass", probs, np.zeros(10), ["a", "b", "c"])
    assert np.isnan(metric(table, "auroc")) and np.isnan(metric(table, "auroc", "a"))
    assert np.isnan(metric(table, "specificity", "a")) and metric(table, "sensitivity", "a") == 0.5
    assert np.isnan(metric(table, "sensitivity", "b")) and metric(table, "specificity", "b") == 0.5
    # F1 of a class neither present nor predicted (c) is undefined; of one predicted but absent
    # (b: only false positives) it is 0
    assert np.isnan(metric(table, "f1", "c")) and metric(table, "f1", "b") == 0.0


def test_logloss_of_a_certain_mistake_is_large_but_finite():
    """Probabilities are clipped as scikit-learn clips float32 ones: a predicted 1.0 for a
    negative costs -log(eps) ~ 15.9, not infinity, so a leaderboard can still rank it."""
    p = np.array([1.0, 0.2], np.float32)
    value = M.summary(M.compute("binary", p, np.array([0, 0])))
    assert value["logloss"] == pytest.approx(skm.log_loss([0, 0], p, labels=[0, 1]), rel=1e-6)
    assert 7 < value["logloss"] < 9


def test_metrics_emit_no_runtime_warnings():
    import warnings

    from deepomics.train import metrics

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics.compute("regression", np.ones(10, np.float32), np.arange(10.0))


def test_evaluate_on_one_class_warns_that_auroc_is_undefined():
    model, seqs, y = fitted_binary()
    positives = [s for s, label in zip(seqs, y) if label == 1][:20]
    with pytest.warns(UserWarning, match="one class only, so AUROC and AUPRC .* are undefined"):
        table = evaluate(model, (positives, np.ones(20, dtype=int)))
    value = dict(zip(table.metric, table.value))
    assert np.isnan(value["auroc"]) and np.isnan(value["specificity"])  # no negatives
    assert 0 < value["sensitivity"] <= 1  # defined: the positives found
    negatives = [s for s, label in zip(seqs, y) if label == 0][:20]
    with pytest.warns(UserWarning, match="one class only"):
        value = dict(zip(*zip(*evaluate(model, (negatives, np.zeros(20, dtype=int)))[
            ["metric", "value"]].to_numpy())))
    assert np.isnan(value["sensitivity"]) and 0 < value["specificity"] <= 1


def test_evaluate_multiclass_per_class_matches_sklearn():
    x, labels = gaussian_clusters(400, 8, 3, seed=3, spread=0.6)
    names = np.array(["x", "y", "z"])[labels]
    model = fit({"arch": "mlp", "hidden": [8]}, (x[:200], names[:200]), epochs=2, seed=0)
    table = evaluate(model, (x[200:], names[200:]))
    truth = names[200:]
    p = predict(model, x[200:])
    hard = np.asarray(model.classes)[p.argmax(1)]
    assert metric(table, "accuracy") == pytest.approx(skm.accuracy_score(truth, hard), abs=1e-5)
    assert metric(table, "f1") == pytest.approx(
        skm.f1_score(truth, hard, average="macro"), abs=1e-4)
    assert metric(table, "mcc") == pytest.approx(skm.matthews_corrcoef(truth, hard), abs=1e-4)
    assert metric(table, "auroc") == pytest.approx(
        skm.roc_auc_score(truth, p, multi_class="ovr", labels=model.classes), abs=1e-4)
    assert metric(table, "logloss") == pytest.approx(
        skm.log_loss(truth, p, labels=model.classes), abs=1e-5)
    for k, cls in enumerate(model.classes):
        for name in ("auroc", "sensitivity", "specificity", "f1"):
            assert (table[(table.metric == name)]["output"] == cls).sum() == 1
        assert metric(table, "auroc", cls) == pytest.approx(
            skm.roc_auc_score(truth == cls, p[:, k]), abs=1e-4)
        assert metric(table, "sensitivity", cls) == pytest.approx(
            skm.recall_score(truth == cls, hard == cls), abs=1e-5)
        assert metric(table, "specificity", cls) == pytest.approx(
            skm.recall_score(truth != cls, hard != cls), abs=1e-5)
        assert metric(table, "f1", cls) == pytest.approx(
            skm.f1_score(truth == cls, hard == cls), abs=1e-4)


def test_evaluate_regression_matches_scipy_and_sklearn():
    x, y = landmarks(400, n_landmarks=6, n_targets=2, seed=2)
    frame = pd.DataFrame(y, columns=["geneA", "geneB"])
    model = fit({"arch": "dgex", "hidden": [16], "dropout": 0.0}, (x[:200], frame[:200]),
                epochs=3, lr=1e-2, seed=0)
    assert model.classes == ["geneA", "geneB"]
    table = evaluate(model, (x[200:], frame[200:]))
    assert set(table["metric"]) == {"pearson", "spearman", "mse", "mae", "r2"}
    p = predict(model, x[200:])
    for j, gene in enumerate(["geneA", "geneB"]):
        t = y[200:, j]
        assert metric(table, "pearson", gene) == pytest.approx(stats.pearsonr(t, p[:, j])[0],
                                                               abs=1e-4)
        assert metric(table, "spearman", gene) == pytest.approx(
            stats.spearmanr(t, p[:, j])[0], abs=1e-4)
        assert metric(table, "mse", gene) == pytest.approx(
            skm.mean_squared_error(t, p[:, j]), rel=1e-4)
        assert metric(table, "mae", gene) == pytest.approx(
            skm.mean_absolute_error(t, p[:, j]), rel=1e-4)
        assert metric(table, "r2", gene) == pytest.approx(skm.r2_score(t, p[:, j]), abs=1e-4)
    assert metric(table, "r2") == pytest.approx(
        np.mean([metric(table, "r2", g) for g in ("geneA", "geneB")]), abs=1e-6)
    # one target: (N,) predictions and only the summary rows
    single = fit({"arch": "dgex", "hidden": [8]}, (x[:200], y[:200, 0]), epochs=1)
    assert predict(single, x[200:]).shape == (200,)
    assert set(evaluate(single, (x[200:], y[200:, 0]))["output"]) == {"all"}


def test_evaluate_multilabel_per_label():
    model_x, multi = multilabel_motif(200, 30, seed=4)
    model = fit({"arch": "deepbind", "n_filters": 4, "filter_size": 5},
                (model_x, pd.DataFrame(multi, columns=["ctcf", "sp1"])), epochs=1)
    table = evaluate(model, (model_x, multi))
    for name in ("auroc", "auprc", "f1", "logloss"):
        assert set(table[table.metric == name]["output"]) == {"all", "ctcf", "sp1"}
    p = predict(model, model_x)
    assert p.shape == (200, 2)
    assert metric(table, "auroc", "sp1") == pytest.approx(skm.roc_auc_score(multi[:, 1], p[:, 1]),
                                                          abs=1e-4)
    each = [skm.log_loss(multi[:, j], p[:, j]) for j in range(2)]
    assert metric(table, "logloss", "sp1") == pytest.approx(each[1], abs=1e-5)
    assert metric(table, "logloss") == pytest.approx(np.mean(each), abs=1e-5)
    # accuracy per label, as documented: 1 - Hamming loss, not the share of whole rows right
    assert metric(table, "accuracy") == pytest.approx(
        1 - skm.hamming_loss(multi, (p > 0.5).astype(int)), abs=1e-6)


def test_evaluate_input_checks():
    model, x, y = fitted_binary()
    with pytest.raises(ValueError, match=r"\(x, y\)"):
        evaluate(model, x)
    with pytest.raises(ValueError, match="labels have"):
        evaluate(model, (x, y[:-5]))
    with pytest.raises(ValueError, match="fit"):
        evaluate(models.build({"arch": "mlp", "n_features": 3}), (np.zeros((2, 3)), [0, 1]))


# ---- predict -----------------------------------------------------------------------------------


def test_predict_binary_probabilities():
    model, x, _ = fitted_binary()
    p = predict(model, x)
    assert p.shape == (len(x),) and p.dtype == np.float32
    assert ((p >= 0) & (p <= 1)).all()
    assert model.classes == [0, 1]
    assert model.training is False


def test_predict_with_an_untrained_model_warns_that_its_outputs_mean_nothing():
    from deepomics import DeepomicsWarning

    x, _ = features(20)
    untrained = models.build({"arch": "mlp", "n_features": 10, "n_outputs": 1})
    with pytest.warns(DeepomicsWarning, match="this model was never trained"):
        assert predict(untrained, x).shape == (20, 1)


def test_what_is_not_a_model_is_said_so_with_what_to_do():
    from deepomics import interpret

    x, y = features(20)
    for call in (lambda m: predict(m, x), lambda m: evaluate(m, (x, y)),
                 lambda m: interpret.ism(m, ["ACGT"])):
        with pytest.raises(TypeError, match=r"takes a model, not the path 'model\.dmx'; load it "
                                            r"first: deepomics\.io\.load\('model\.dmx'\)"):
            call("model.dmx")
        with pytest.raises(TypeError, match=r"takes a trained model, not a config; train one"):
            call({"arch": "mlp"})
        with pytest.raises(TypeError, match=r"takes a model \(from deepomics.train.fit or "
                                            r"deepomics.io.load\), not NoneType"):
            call(None)


def test_predict_respects_categorical_class_order():
    (tx, ty), (vx, vy) = dna_task("multiclass")
    order = ["class_2", "class_0", "class_1"]
    labels = pd.Categorical(ty, categories=order)
    model = fit(SEQ_ARCHS["deepbind"], (tx, labels), epochs=4, lr=1e-2, seed=0)
    assert model.classes == order
    p = predict(model, vx)
    assert p.shape == (len(vx), 3)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-5)
    assert np.mean(np.asarray(order)[p.argmax(1)] == vy) >= 0.9
    # evaluate maps the labels through the same order
    assert metric(evaluate(model, (vx, vy)), "accuracy") >= 0.9


def test_predict_binary_gives_the_second_class_of_a_categorical():
    (tx, ty), (vx, vy) = dna_task("binary")
    names = np.where(ty == 1, "bound", "unbound")
    model = fit(SEQ_ARCHS["deepbind"], (tx, pd.Categorical(names, ["bound", "unbound"])),
                epochs=4, lr=1e-2, seed=0)
    assert model.classes == ["bound", "unbound"]
    p = predict(model, vx)  # the probability of "unbound"
    assert skm.roc_auc_score(vy == 0, p) >= 0.95


def test_predict_encodes_raw_sequences_as_in_training():
    seqs, y = small_binary(200, 30)
    config = {"arch": "promoter_cnn", "n_filters": 4, "filter_size": 5, "hidden": 4}
    model = fit(config, (seqs, y), epochs=1)
    assert model.encoding.length == 30 and model.encoding.pad == "right"
    queries = [seqs[0][:18], seqs[1]]  # shorter (padded with N, as in training), equal
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.from_numpy(seq.one_hot(queries, length=30))))
    with pytest.warns(DeepomicsWarning, match=r"1 of 2 sequences are shorter than it was trained "
                      r"on \(the model reads 30 letters; sequence 0 has 18\); they are padded "
                      r"with N \(right"):
        np.testing.assert_allclose(predict(model, queries), expected.numpy()[:, 0], rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # full-length sequences: no warning
        predict(model, seqs[:5])
    with pytest.raises(ValueError, match="sequence 2 has 40 letters but the model reads 30"):
        predict(model, queries + [seqs[2] + "ACGTACGTAC"])   # longer: not cut silently
    with pytest.raises(ValueError, match=r"'cells.h5ad' is not a FASTA file; read it first: "
                       r"anndata.read_h5ad\(path\)"):
        predict(model, "cells.h5ad")   # a data file's path, not read as FASTA or as letters


@pytest.mark.parametrize("config", [
    {"arch": "deepbind", "n_filters": 8, "filter_size": 8, "hidden": 8, "pooling": "max_avg"},
    {"arch": "rnn", "hidden_size": 8},   # one-hot input, mean over positions: padding counts
])
def test_predict_of_a_sequence_does_not_depend_on_its_batch_mates(config):
    """An any-length model trained on sequences of several lengths: the output for a sequence
    must be the same whether it is predicted alone or beside longer sequences (reading the call
    padded to its longest sequence would change what the model sees), and in the caller's order."""
    seqs, y = small_binary(200, 30)
    varied = [s[: 20 + i % 11] for i, s in enumerate(seqs)]
    model = fit(config, (varied, y), epochs=2, seed=0, lr=0.05)
    long, longer = "ACGTTGCA" * 10, seqs[0] * 4
    mixed = predict(model, [varied[0], long, varied[1], longer, varied[2], long])
    np.testing.assert_allclose(mixed[[0, 2, 4]], predict(model, varied[:3]), rtol=1e-6)
    np.testing.assert_allclose(mixed[[1, 5]], predict(model, [long, long]), rtol=1e-6)
    assert mixed[3] == pytest.approx(predict(model, [longer])[0], rel=1e-6)
    assert mixed[0] != pytest.approx(predict(model, [varied[0] + "N" * 50])[0], rel=1e-4)


def test_predict_regression_values():
    x, y = landmarks(200, n_landmarks=5, n_targets=1)
    model = fit({"arch": "mlp", "hidden": [8]}, (x, y[:, 0]), epochs=2)
    out = predict(model, x)
    assert out.shape == (200,) and out.dtype == np.float32
    assert (out < 0).any() and model.classes is None


# ---- bad input: clear errors -------------------------------------------------------------------


def test_labels_of_the_wrong_length():
    x, y = features(200)
    with pytest.raises(ValueError, match="labels have 150 entries but there are 200 samples"):
        fit({"arch": "mlp"}, (x, y[:150]), epochs=1)
    seqs, sy = small_binary()
    with pytest.raises(ValueError, match="labels have 299 entries but there are 300 samples"):
        fit(DB_SMALL, (seqs, sy[:-1]), epochs=1)


def test_nan_labels():
    x, y = features(200)
    labels = y.astype(float)
    labels[[7, 9]] = np.nan
    with pytest.raises(ValueError, match=r"label 7 is missing.*2 of the labels are missing"):
        fit({"arch": "mlp"}, (x, labels), epochs=1)
    names = np.where(y == 1, "a", "b").astype(object)
    names[3] = None
    with pytest.raises(ValueError, match="label 3 is missing"):
        fit({"arch": "mlp"}, (x, names), epochs=1)
    with pytest.raises(ValueError, match="missing"):
        fit({"arch": "mlp"}, (x, pd.Series(names).astype("category")), epochs=1)


def test_unknown_task():
    x, y = features(100)
    with pytest.raises(ValueError, match="task must be one of binary, multiclass, multilabel, "
                                         "regression, not 'classification'"):
        fit({"arch": "mlp"}, (x, y), task="classification", epochs=1)


def test_regression_task_with_text_labels():
    x, _ = features(100)
    with pytest.raises(ValueError, match="regression labels must be numbers"):
        fit({"arch": "mlp"}, (x, np.array(["a", "b"] * 50)), task="regression", epochs=1)


@pytest.mark.parametrize("empty", ["features", "sequences"])
def test_empty_data_says_it_is_empty(empty):
    x = np.zeros((0, 10), np.float32) if empty == "features" else []
    config = {"arch": "mlp"} if empty == "features" else DB_SMALL
    with pytest.raises(ValueError, match="(?i)empty|no samples"):
        fit(config, (x, np.zeros(0)), epochs=1)


def test_empty_predict_input():
    model, _, _ = fitted_binary()
    with pytest.raises(ValueError, match="(?i)empty|no samples"):
        predict(model, [])


def test_single_class_labels_are_an_error():
    """All labels equal: nothing to learn; fit should say so rather than train a constant."""
    x, _ = features(100)
    with pytest.raises(ValueError, match="(?i)one class|single class|only one"):
        fit({"arch": "mlp"}, (x, np.zeros(100, int)), epochs=1)
    # one class present of a categorical's three (R: y[1] of a 3-level factor): said so, not
    # "binary task but the labels hold 3 classes"
    import pandas as pd
    one = pd.Categorical(["a"] * 100, categories=["a", "b", "c"])
    for task in (None, "multiclass"):
        with pytest.raises(ValueError, match=r"one class only \(a\); the levels b, c have no "
                                             "samples; a classifier needs examples of at least two"):
            fit({"arch": "mlp"}, (x, one), task=task, epochs=1)


def test_nan_in_dense_features():
    x, y = features(100)
    x[4, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values, or values too large for float32 \(1 of them, the first at index \(4, 2\)\)"):
        fit({"arch": "mlp"}, (x, y), epochs=1)
    clean, _ = features(100)
    model = fit({"arch": "mlp"}, (clean, y), epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        predict(model, x)
    # read a batch at a time (a backed AnnData): the error names the row of the whole matrix
    reader = train_data.RowReader(x)
    assert reader[[0, 1]].shape == (2, 10)
    with pytest.raises(ValueError, match=r"\(1 of them, the first at row 4\)"):
        reader[[7, 4, 9]]


def test_infinite_values_in_features():
    x, y = features(100)
    x[5, 1] = np.inf
    with pytest.raises(ValueError, match="(?i)inf"):
        fit({"arch": "mlp"}, (x, y), epochs=1)


def test_nan_in_sparse_features():
    x, y = features(100)
    xs = sp.csr_matrix(x)
    xs.data[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit({"arch": "mlp"}, (xs, y), epochs=1)


def test_nan_in_anndata_features():
    import anndata as ad

    x, y = features(100)
    x[1, 1] = np.nan
    adata = ad.AnnData(x, obs=pd.DataFrame({"y": y}, index=[str(i) for i in range(100)]))
    with pytest.raises(ValueError, match="NaN"):
        fit({"arch": "mlp"}, (adata, "y"), epochs=1)


def test_a_few_unknown_letters_are_fine():
    seqs, y = small_binary()
    with_n = [s[:10] + "N" + s[11:] if i % 3 == 0 else s for i, s in enumerate(seqs)]
    model = fit(DB_SMALL, (with_n, y), epochs=1)
    assert predict(model, with_n[:5]).shape == (5,)


def test_protein_sequences_to_a_dna_model_are_an_error():
    """Protein letters are mostly outside ACGT; encoding them as zero columns trains on noise.
    fit (and predict) should raise naming the alphabet when unknown letters dominate."""
    _, y = small_binary()
    protein = random_seqs(300, 30, np.random.default_rng(1), PROTEIN)
    with pytest.raises(ValueError, match="alphabet"):
        fit(DB_SMALL, (protein, y), epochs=1)


def test_protein_sequences_to_a_fitted_dna_model_at_predict_time():
    model, _, _ = fitted_binary()
    protein = random_seqs(5, 30, np.random.default_rng(2), PROTEIN)
    with pytest.raises(ValueError, match="alphabet"):
        predict(model, protein)


def test_letters_a_model_cannot_read_are_errors_naming_sequence_position_and_letter():
    model, seqs, labels = fitted_binary()
    # soft-masked letters read as upper case; N, IUPAC codes, gaps and stops as unknown (zero)
    np.testing.assert_array_equal(predict(model, [seqs[0].lower()]), predict(model, [seqs[0]]))
    np.testing.assert_array_equal(predict(model, ["RY*-." + seqs[0][5:], "N" * 18 + seqs[0][18:]]),
                                  predict(model, ["NNNNN" + seqs[0][5:], "N" * 18 + seqs[0][18:]]))
    for bad, message in ((["ACGU" * 7 + "AC"], "sequence 0 has 'U' at position 3.*replace U with T"),
                         ([seqs[0], "AC1GT" * 6], "sequence 1 has '1' at position 2"),
                         ([seqs[0][:-1] + "@"], f"has '@' at position {len(seqs[0]) - 1}")):
        with pytest.raises(ValueError, match=message):
            predict(model, bad)
    rng = np.random.default_rng(3)
    protein = random_seqs(40, 50, rng, PROTEIN)
    pmodel = fit({**DB_SMALL, "alphabet": "protein"}, (protein, rng.integers(0, 2, 40)), epochs=1)
    for dna in (seqs[:10], ["ACGTTGCAACGTAGCTAGCA"]):  # one short DNA string too
        with pytest.raises(ValueError, match="look like DNA or RNA"):
            predict(pmodel, dna)
    assert predict(pmodel, [protein[0] + "*", "MKX" + protein[1][3:]]).shape == (2,)
    with pytest.raises(ValueError, match="'3' at position 50.*'protein' alphabet"):
        predict(pmodel, [protein[0] + "3"])
    # alphabet names are case-insensitive; a custom nucleotide alphabet takes N too
    for alphabet in ("DNA", "ACGT"):
        custom = fit({**DB_SMALL, "alphabet": alphabet}, (["N" + s[1:] for s in seqs], labels),
                     epochs=1)
        assert predict(custom, ["N" + seqs[0][1:]]).shape == (1,)


def test_predict_warns_only_of_sequences_shorter_than_any_in_training(tmp_path):
    """Ragged training data is padded with N; predict says so only for sequences shorter than
    the shortest the model was trained on (the model file keeps that length)."""
    from deepomics import io

    seqs, y = small_binary(200, 30)
    ragged = [s[:22] if i % 2 else s for i, s in enumerate(seqs)]
    model = fit({"arch": "promoter_cnn", "n_filters": 4, "filter_size": 5, "hidden": 4},
                (ragged, y), epochs=1)
    assert model.encoding.length == 30 and model.encoding.shortest == 22
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predict(model, ragged[:10])   # as short as in training: no warning
    io.save(model, tmp_path / "m")
    loaded = io.load(tmp_path / "m")
    assert loaded.encoding == model.encoding
    for m in (model, loaded):
        with pytest.warns(DeepomicsWarning, match=r"2 of 3 sequences are shorter than it was "
                          r"trained on \(the model reads 30 letters and its shortest training "
                          r"sequence had 22; sequence 2 has 12\)"):
            predict(m, [seqs[0], seqs[1][:21], seqs[2][:12]])


def test_sequences_longer_than_a_fixed_length_model_reads_are_an_error_not_cut():
    seqs, y = small_binary(n=60)
    fixed = fit({"arch": "promoter_cnn", "seq_len": 30, "n_filters": 4, "filter_size": 5,
                 "hidden": 4}, (seqs, y), epochs=1)
    with pytest.raises(ValueError, match="sequence 1 has 31 letters but the model reads 30"):
        predict(fixed, [seqs[0], seqs[1] + "A"])
    # shorter is padded with N, as in training
    with pytest.warns(DeepomicsWarning, match="shorter than it was trained on"):
        short = predict(fixed, [seqs[0][:20]])
    np.testing.assert_allclose(short, predict(fixed, [seqs[0][:20] + "N" * 10]))
    # an any-length model reads a longer sequence whole (not cut to the training length), and
    # may be validated on longer sequences
    anylen = fit(DB_SMALL, (seqs, y), ([s + "ACGTA" for s in seqs[:20]], y[:20]), epochs=1)
    assert len(anylen.history) == 1 and anylen.encoding.length == 30
    long = seqs[0] + seqs[1]
    with torch.no_grad():
        whole = torch.sigmoid(anylen(torch.as_tensor(seq.one_hot([long])))).item()
    assert predict(anylen, [long])[0] == pytest.approx(whole, rel=1e-6)


def test_valid_data_with_the_wrong_number_of_features():
    """The message should say it is valid_data that does not match train_data (and say so before
    an epoch of training runs)."""
    x, y = features(200)
    with pytest.raises(ValueError, match="(?i)valid") as info:
        fit({"arch": "mlp", "hidden": [4]}, (x, y), (x[:50, :8], y[:50]), epochs=1)
    assert "8" in str(info.value) and "10" in str(info.value)


def test_valid_labels_of_the_wrong_length_name_valid_data():
    x, y = features(200)
    with pytest.raises(ValueError, match="(?i)valid"):
        fit({"arch": "mlp", "hidden": [4]}, (x, y), (x[:50], y[:40]), epochs=1)


def test_valid_labels_with_an_unseen_class():
    x, y = features(200)
    with pytest.raises(ValueError, match="not among the classes"):
        fit({"arch": "mlp", "hidden": [4]}, (x, y), (x[:50], y[:50] + 5), epochs=1)


def test_sequences_given_to_a_feature_model():
    """mlp takes feature matrices: the error should say so, not ask for 'n_features'."""
    seqs, y = small_binary()
    with pytest.raises((ValueError, TypeError), match="(?i)feature") as info:
        fit({"arch": "mlp"}, (seqs, y), epochs=1)
    assert "missing required key" not in str(info.value)


def test_a_feature_matrix_given_to_a_sequence_model():
    """A (N, F) float matrix to deepbind: the error should say deepbind takes sequences or
    one-hot (N, 4, L) — not suggest x.unsqueeze(0) — and come before training starts."""
    x, y = features(100)
    with pytest.raises((ValueError, TypeError), match="(?i)sequence|one-hot") as info:
        fit(DB_SMALL, (x, y), epochs=1)
    assert "unsqueeze" not in str(info.value)
    model = models.build(DB_SMALL)
    with pytest.raises(ValueError, match="2-D input is tokens or features.*seq.one_hot"):
        model(torch.zeros(5, 30))
    with pytest.raises(ValueError, match="for one sequence add the batch dimension: x\\[None\\]"):
        model(torch.zeros(4, 30))


def test_n_outputs_that_do_not_match_the_labels():
    """An explicit n_outputs that disagrees with the labels: a ValueError naming n_outputs,
    raised up front (now: a raw torch RuntimeError / IndexError mid-training, or — with more
    outputs than classes — a model whose predict columns do not match model.classes)."""
    x, labels = gaussian_clusters(120, 6, 3, seed=1)
    for n_outputs, y in ((3, labels % 2), (2, labels), (5, labels)):
        with pytest.raises(ValueError, match="n_outputs"):
            fit({"arch": "mlp", "hidden": [4], "n_outputs": n_outputs}, (x, y), epochs=1)


def test_labels_given_to_an_autoencoder():
    """An autoencoder reconstructs its input; fit with (x, y) trains it with a classification
    loss on its reconstruction. It should raise (or ignore y), not train that."""
    x, labels = gaussian_clusters(120, 6, 3, seed=1)
    with pytest.raises(ValueError, match="(?i)autoencoder"):
        fit({"arch": "autoencoder", "hidden": [4], "latent_dim": 2}, (x, labels), epochs=1)


def test_missing_labels_for_a_supervised_model():
    x, _ = features(100)
    with pytest.raises(ValueError, match="(?i)label"):
        fit({"arch": "mlp", "hidden": [4]}, x, epochs=1)


def test_data_as_a_list_from_r():
    """reticulate turns R's list(x, y) into a Python list: fit should take [x, y] like (x, y) or
    say to pass a tuple — not fail inside NumPy on an inhomogeneous array."""
    x, y = features(100)
    try:
        model = fit({"arch": "mlp", "hidden": [4]}, [x, y], epochs=1)
    except (ValueError, TypeError) as err:
        assert "tuple" in str(err) or "(x, y)" in str(err), str(err)
    else:
        assert model.task == "binary"


def test_bad_data_tuples_and_inputs():
    x, y = features(100)
    with pytest.raises(ValueError, match="a tuple of 3"):
        fit({"arch": "mlp"}, (x, y, y), epochs=1)
    with pytest.raises(TypeError, match="inputs must be"):
        fit({"arch": "mlp"}, (np.array([{"a": 1}] * 100), y), epochs=1)
    with pytest.raises(ValueError, match="2-D"):
        fit({"arch": "mlp"}, (np.zeros((100, 2, 2, 2), np.float32), y), epochs=1)
    with pytest.raises(ValueError, match="optimizer must be one of"):
        fit({"arch": "mlp"}, (x, y), optimizer="adamx", epochs=1)
    with pytest.raises(ValueError, match="device"):
        fit({"arch": "mlp"}, (x, y), device="tpu", epochs=1)
    # R sends 2 as 2.0, which is taken; a fraction, zero or a bool is not (Lightning asserted)
    assert len(fit({"arch": "mlp"}, (x, y), epochs=2.0, batch_size=32.0).history) == 2
    for bad in (2.5, 0, True):
        with pytest.raises((ValueError, TypeError), match="epochs must be a positive whole number"):
            fit({"arch": "mlp"}, (x, y), epochs=bad)
    with pytest.raises(ValueError, match="batch_size must be a positive whole number, not 0"):
        fit({"arch": "mlp"}, (x, y), epochs=1, batch_size=0)
    with pytest.raises(ValueError, match="early stopping cannot watch 'r2': a binary task measures "
                                         "loss, auroc, .* on the validation data"):
        fit({"arch": "mlp"}, (x, y), epochs=1, valid_fraction=0.2,
            early_stopping={"monitor": "valid_r2"})


# ---- a trained model trained further, evaluated, or predicting: what it was trained on holds --


def test_a_trained_model_trains_further_on_its_own_classes_and_features_by_name():
    """Training a fitted model again with its features in another order, or with labels whose
    levels come in another order, matches both by name (it used to take columns by position and
    rename its outputs by the new order: right before, a third right after, with no word); labels
    of other classes are refused."""
    adata, x = anndata_object(150)
    frame = pd.DataFrame(x, columns=[f"g{i}" for i in range(x.shape[1])], index=adata.obs_names)
    labels = adata.obs["cell_type"]
    model = fit({"arch": "mlp", "hidden": [8], "dropout": 0.0}, (frame, labels), epochs=20,
                lr=0.05)

    def accuracy(m):
        return np.mean(np.asarray(m.classes)[predict(m, frame).argmax(1)] == labels.to_numpy())

    assert accuracy(model) > 0.95
    levels = labels.cat.reorder_categories(["beta", "gamma", "alpha"])
    again = fit(model, (frame[frame.columns[::-1]], levels), epochs=1, lr=1e-9)
    assert again.classes == model.classes == ["gamma", "alpha", "beta"]
    assert accuracy(again) > 0.95
    assert accuracy(fit(model, (frame, labels.astype(str).to_numpy()), epochs=1, lr=1e-9)) > 0.95
    with pytest.raises(ValueError, match="labels delta are not among the classes .* trains further "
                                         "on its own classes only"):
        fit(model, (frame, labels.cat.rename_categories({"beta": "delta"})), epochs=1)
    with pytest.raises(ValueError, match="lacks 1 of the 12 features .* g0"):
        fit(model, (frame.drop(columns="g0"), labels), epochs=1)


def test_augment_false_trains_on_the_sequences_as_given_and_keeps_the_settings():
    """EvoAug's second stage: with mutation_rate 0.95 nearly every letter is random in training,
    so the motif cannot be learnt; augment=False reads the sequences as given (the motif is
    learnt) and leaves the model's augmentations as they were, for later training."""
    x, y = small_binary(400, 30)
    config = {"arch": "deepbind", "n_filters": 8, "filter_size": 8, "hidden": 0,
              "mutation_rate": 0.95, "max_shift": 2, "max_indel": 2, "strand": "augment"}
    kwargs = {"epochs": 15, "lr": 0.01, "seed": 0}

    def auroc(m):
        return skm.roc_auc_score(y[300:], predict(m, x[300:]))

    noisy = fit(config, (x[:300], y[:300]), **kwargs)
    plain = fit(config, (x[:300], y[:300]), augment=False, **kwargs)
    assert auroc(noisy) < 0.7 < 0.95 < auroc(plain)
    assert (plain.mutation_rate, plain.max_shift, plain.max_indel, plain.strand) == \
        (0.95, 2, 2, "augment")
    tuned = fit(noisy, (x[:300], y[:300]), augment=False, **kwargs)  # the fine-tuning stage
    assert auroc(tuned) > 0.95
    assert tuned.mutation_rate == 0.95
    with pytest.raises(TypeError, match="augment must be True or False, not 'no'"):
        fit(config, (x[:300], y[:300]), augment="no", epochs=1)


def test_label_columns_are_matched_to_the_outputs_by_name():
    """A multilabel (or multi-output) label table with its columns in another order is evaluated
    by name; unnamed columns are taken in order; other names are refused."""
    model_x, multi = multilabel_motif(200, 30, seed=4)
    table = pd.DataFrame(multi, columns=["ctcf", "sp1"])
    model = fit({"arch": "deepbind", "n_filters": 4, "filter_size": 5}, (model_x, table), epochs=2)
    right = evaluate(model, (model_x, table))
    swapped = evaluate(model, (model_x, table[["sp1", "ctcf"]]))
    pd.testing.assert_frame_equal(right, swapped)
    pd.testing.assert_frame_equal(right, evaluate(model, (model_x, multi)))
    pd.testing.assert_frame_equal(right, evaluate(model, (model_x, pd.DataFrame(multi))))
    assert metric(right, "auroc", "sp1") != pytest.approx(
        metric(evaluate(model, (model_x, table[["sp1", "ctcf"]].to_numpy())), "auroc", "sp1"))
    with pytest.raises(ValueError, match=r"the label columns \(ctcf, rest\) are not the model's "
                                         r"outputs \(ctcf, sp1\); name the columns as the outputs"):
        evaluate(model, (model_x, table.rename(columns={"sp1": "rest"})))
    # one output: its name is checked too (a table's other column), unnamed is taken
    x, _ = features(100)
    age = pd.DataFrame({"age": x[:, 0] * 3 + 1})
    regressor = fit({"arch": "mlp", "hidden": [4]}, (x, age), epochs=2)
    assert regressor.classes == ["age"]
    pd.testing.assert_frame_equal(evaluate(regressor, (x, age)),
                                  evaluate(regressor, (x, age.to_numpy())))
    with pytest.raises(ValueError, match=r"the label columns \(weight\) are not the model's "
                                         r"outputs \(age\)"):
        evaluate(regressor, (x, age.rename(columns={"age": "weight"})))


def test_a_model_reads_an_anndata_from_the_layer_it_was_trained_on(tmp_path):
    """A model trained on a layer (or an obsm entry) predicts from it by default, also after a
    save and load; an AnnData without it is an error naming it; a batch_size of 0 is named."""
    from deepomics import io

    adata, x = anndata_object(150)
    adata.X = np.zeros_like(x)  # X is not what the model learned from
    model = fit({"arch": "mlp", "hidden": [8]}, (adata, "cell_type"), layer="scaled", epochs=5,
                lr=0.05)
    assert model.input_source == {"layer": "scaled", "use_rep": None}
    expected = predict(model, x * 3.0)
    np.testing.assert_allclose(predict(model, adata), expected, atol=1e-6)
    io.save(model, tmp_path / "m")
    loaded = io.load(tmp_path / "m")
    np.testing.assert_allclose(predict(loaded, adata), expected, atol=1e-6)
    assert not np.allclose(predict(model, adata.X), expected, atol=1e-3)  # X would be wrong
    bare = adata.copy()
    del bare.layers["scaled"]
    with pytest.raises(KeyError, match=r"the model was trained on adata.layers\['scaled'\], which "
                                       r"this AnnData lacks .* pass layer= to read another"):
        predict(loaded, bare)
    np.testing.assert_allclose(predict(loaded, adata, layer="X"), predict(model, adata.X),
                               atol=1e-6)  # X itself, asked for by name
    by_rep = fit({"arch": "mlp", "hidden": [8]}, (adata, "cell_type"), use_rep="X_pca", epochs=1)
    np.testing.assert_allclose(predict(by_rep, adata), predict(by_rep, x[:, :5]), atol=1e-6)
    with pytest.raises(ValueError, match="batch_size must be a positive whole number, not 0"):
        predict(model, adata, batch_size=0)


def test_a_split_that_leaves_a_side_without_every_class_or_group_says_so():
    """sklearn's "train_size = 1 should be greater or equal to the number of classes" and "the
    resulting train set will be empty" become errors about valid_fraction and groups."""
    labels = np.arange(100) % 2
    with pytest.raises(ValueError, match=r"valid_fraction=0.99 leaves 1 of the 100 samples for "
                                         r"training, fewer than the 2 classes .* use "
                                         r"valid_fraction <= 0.98, or give valid_data"):
        split(100, valid_fraction=0.99, stratify=labels)
    with pytest.raises(ValueError, match="leaves 1 of the 100 samples for validation.* use "
                                         "valid_fraction >= 0.02"):
        split(100, valid_fraction=0.01, stratify=labels)
    with pytest.raises(ValueError, match="leaves 4 of the 20 samples for validation, fewer than the "
                                         "5 classes .* valid_fraction >= 0.25"):
        split(20, valid_fraction=0.2, stratify=np.arange(20) % 5)
    with pytest.raises(ValueError, match=r"a split by group needs 2 or more groups; all 100 samples "
                                         r"are in one \(chr1\)"):
        split(100, valid_fraction=0.3, groups=["chr1"] * 100)
    train, valid = split(100, valid_fraction=0.2, stratify=labels)
    assert len(valid) == 20 and set(labels[valid]) == {0, 1}


def test_features_missing_or_named_twice_are_errors_that_say_so():
    x, y = features(20)
    with pytest.raises(ValueError, match=r"the data has 20 samples but no features \(shape \(20, 0\)\)"):
        fit({"arch": "mlp"}, (x[:, :0], y), epochs=1)
    # repeated names train (nothing to match); matching them to a model's is refused
    frame = pd.DataFrame(x[:, :3], columns=["a", "b", "a"])
    model = fit({"arch": "mlp"}, (frame, y), epochs=1)
    assert predict(model, frame).shape == (20,)
    named = fit({"arch": "mlp"}, (frame.set_axis(["a", "b", "c"], axis=1), y), epochs=1)
    with pytest.raises(ValueError, match="the data has 1 of the model's features under a name that "
                                         "occurs more than once \\(e.g. 'a'\\)"):
        predict(named, frame)
    # a repeated name the model does not read is no obstacle (a model of some genes, predicting
    # on all of them)
    subset = fit({"arch": "mlp"}, (frame.iloc[:, :2].set_axis(["b", "c"], axis=1), y), epochs=1)
    extra = frame.set_axis(["c", "b", "a"], axis=1).assign(z=0.0, a2=1.0).rename(columns={"a2": "z"})
    np.testing.assert_allclose(predict(subset, extra), predict(subset, extra[["b", "c"]]))


def test_table_columns_that_are_not_numbers_are_named_before_training():
    x, y = features(20)
    frame = pd.DataFrame(x[:, :3], columns=["a", "b", "c"])
    with pytest.raises(ValueError, match="the table's columns sample, kind hold text or categories"):
        fit({"arch": "mlp"}, (frame.assign(sample=[f"s{i}" for i in range(20)],
                                           kind=pd.Categorical(["u", "v"] * 10)), y), epochs=1)
    nullable = frame.assign(d=pd.array([1] * 19 + [None], dtype="Int64"))
    with pytest.raises(ValueError, match="inputs hold NaN or infinite values"):
        fit({"arch": "mlp"}, (nullable, y), epochs=1)
    model = fit({"arch": "mlp"}, (frame.assign(flag=np.arange(20) % 2 == 0), y), epochs=1)
    assert model.config["n_features"] == 4
    # at prediction only the columns the model reads must be numbers
    other = frame.assign(flag=np.arange(20) % 2 == 0, note="x")
    assert predict(model, other).shape == (20,)


def test_labels_written_as_numbers_name_the_text_classes_plainly():
    """R's numbers arrive as floats: 2.0 against the classes '2', '3', '10' (a factor of numbers)
    is said as 2, with the hint that the classes are text."""
    x, y = features(30)
    codes = np.array(["2", "3", "10"])[np.arange(30) % 3]
    model = fit({"arch": "mlp", "hidden": [4]}, (x, pd.Categorical(codes, ["2", "3", "10"])),
                epochs=1)
    with pytest.raises(ValueError, match=r"labels 2, 3, 10 are not among the classes \(2, 3, 10\); "
                                         r"the labels are numbers but the classes are text"):
        evaluate(model, (x, codes.astype(float)))
