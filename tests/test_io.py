"""deepomics.io model files: save / load round trips predict identically; config.json holds the
architecture, task, classes, encoding and versions; writes are atomic; an existing model is
replaced only with overwrite=True; damaged, altered or foreign files fail with a clear
ModelFileError; loading never unpickles."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch

from deepomics import models, seq
from deepomics import io as dio
from deepomics.io import ModelFileError
from deepomics.train import embed, fit, predict
from helpers_planted import (
    PROTEIN, binary_motif, gaussian_clusters, landmarks, low_rank_clusters, multiclass_motif,
    multilabel_motif, random_seqs,
)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# Small configs of every architecture (unfitted round trips).
SMALL = {
    "mlp": {"n_features": 12, "hidden": [8, 6], "n_outputs": 3, "batch_norm": True},
    "dgex": {"n_features": 12, "n_outputs": 5, "hidden": [16]},
    "autoencoder": {"n_features": 12, "hidden": [8], "latent_dim": 3, "variational": True},
    "deepbind": {"n_filters": 4, "filter_size": 5, "hidden": 6, "n_outputs": 2},
    "promoter_cnn": {"seq_len": 40, "n_filters": 6, "filter_size": 7, "pool_size": 2,
                     "hidden": 8},
    "basset": {"seq_len": 60, "n_filters": [8, 6, 6], "filter_sizes": [7, 5, 3],
               "pool_sizes": [2, 2, 2], "hidden": [10, 10], "n_outputs": 4},
    "deepsea": {"seq_len": 60, "n_filters": [6, 8, 10], "filter_sizes": 5,
                "pool_sizes": [2, 2, 1], "hidden": 12, "n_outputs": 3},
    "rnn": {"cell": "gru", "hidden_size": 5, "num_layers": 2, "embedding_dim": 4},
    "danq": {"seq_len": 50, "n_filters": 6, "filter_size": 7, "pool_size": 4, "lstm_size": 5,
             "hidden": 9, "n_outputs": 2, "strand": "average"},
    "deeploc": {"filter_sizes": [1, 3, 5], "n_filters": 3, "conv2_filters": 6, "lstm_size": 5,
                "attention_size": 4, "hidden": 7, "n_outputs": 10},
    "kmer_linear": {"k": 3, "n_outputs": 2, "canonical": True},
}


def sample_input(model, n: int = 6, length: int = 50) -> torch.Tensor:
    rng = np.random.default_rng(0)
    if model.input_kind == "features":
        return torch.from_numpy(rng.normal(size=(n, model.n_features)).astype(np.float32))
    length = model.seq_len or length
    letters = seq.alphabet_letters(model.alphabet)
    seqs = random_seqs(n, length, rng, letters)
    if model.input_kind == "tokens":
        return torch.from_numpy(seq.tokenize(seqs, alphabet=model.alphabet))
    return torch.from_numpy(seq.one_hot(seqs, alphabet=model.alphabet))


def assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for key in sa:
        assert sa[key].dtype == sb[key].dtype, key
        assert torch.equal(sa[key], sb[key]), key


def no_temporaries(folder) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(".deepomics-")]


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_every_architecture_is_round_tripped():
    assert sorted(SMALL) == models.ARCHITECTURES


@pytest.mark.parametrize("arch", sorted(SMALL))
def test_round_trip_of_a_built_model(arch, tmp_path):
    model = models.build({"arch": arch, **SMALL[arch]}, seed=0).eval()
    path = dio.save(model, tmp_path / arch)
    assert path == str(tmp_path / arch) and os.path.isabs(path)
    loaded = dio.load(path)
    assert type(loaded) is type(model)
    assert loaded.config == model.config
    assert not loaded.training
    assert_same_state(model, loaded)
    x = sample_input(model)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    assert loaded.task is None and loaded.classes is None and loaded.encoding is None


# ---- fitted models: classes, encoding, history -------------------------------------------------


@functools.lru_cache(maxsize=None)
def fitted(kind: str):
    """(model, inputs to predict on) of small fitted models of several kinds."""
    if kind == "deepbind_binary_strings":
        s, y = binary_motif(200, 30, seed=1)
        labels = np.where(y == 1, "bound", "unbound")
        model = fit({"arch": "deepbind", "n_filters": 4, "filter_size": 6, "hidden": 4},
                    (s, labels), valid_fraction=0.2, epochs=2, seed=0)
        return model, [t[:25] for t in s[:20]] + s[20:40]  # shorter ones are padded
    if kind == "rnn_tokens_categorical":
        s, y = multiclass_motif(150, 24, seed=2, names=["low", "mid", "high"])
        labels = pd.Categorical(y, categories=["low", "mid", "high"])
        model = fit({"arch": "rnn", "cell": "gru", "hidden_size": 4, "embedding_dim": 3},
                    (s, labels), epochs=1, seed=0)
        return model, s[:30]
    if kind == "promoter_fixed_length":
        s, y = binary_motif(150, 30, seed=3)
        model = fit({"arch": "promoter_cnn", "n_filters": 4, "filter_size": 5, "hidden": 4},
                    (s, y), epochs=1, seed=0)
        return model, [t[:22] for t in s[:10]] + s[10:20]
    if kind == "deeploc_protein":
        s, y = binary_motif(120, 20, motif="WHCMKY", seed=4, letters=PROTEIN)
        model = fit({"arch": "deeploc", "filter_sizes": [3], "n_filters": 3, "conv2_filters": 4,
                     "lstm_size": 3, "attention_size": 2, "hidden": 3}, (s, y), epochs=1,
                    seed=0)
        return model, [t[: 10 + i % 10] for i, t in enumerate(s[:20])]
    if kind == "basset_multilabel":
        s, y = multilabel_motif(150, 30, seed=5)
        model = fit({"arch": "basset", "n_filters": [4], "filter_sizes": [5], "pool_sizes": [2],
                     "hidden": [4]}, (s, pd.DataFrame(y, columns=["ctcf", "sp1"])), epochs=1,
                    seed=0)
        return model, s[:20]
    if kind == "mlp_multiclass_ints":
        x, labels = gaussian_clusters(150, 8, 3, seed=6)
        model = fit({"arch": "mlp", "hidden": [6], "batch_norm": True}, (x, labels + 10),
                    epochs=2, seed=0)
        return model, x[:30]
    if kind == "dgex_regression":
        x, y = landmarks(150, n_landmarks=6, n_targets=3, seed=7)
        model = fit({"arch": "dgex", "hidden": [6]}, (x, y), epochs=2, seed=0)
        return model, x[:30]
    if kind == "vae":
        x, _ = low_rank_clusters(150, 10, seed=8)
        model = fit({"arch": "autoencoder", "hidden": [6], "latent_dim": 2, "variational": True},
                    x, epochs=2, seed=0)
        return model, x[:30]
    raise AssertionError(kind)


FITTED = ["deepbind_binary_strings", "rnn_tokens_categorical", "promoter_fixed_length",
          "deeploc_protein", "basset_multilabel", "mlp_multiclass_ints", "dgex_regression", "vae"]


@pytest.mark.parametrize("kind", FITTED)
def test_round_trip_of_a_fitted_model_predicts_identically(kind, tmp_path):
    model, x = fitted(kind)
    loaded = dio.load(dio.save(model, tmp_path / "model"))
    assert_same_state(model, loaded)
    assert loaded.task == model.task
    assert loaded.classes == model.classes
    assert loaded.encoding == model.encoding
    assert loaded.best_epoch == model.best_epoch
    pd.testing.assert_frame_equal(loaded.history, model.history)
    np.testing.assert_array_equal(predict(loaded, x), predict(model, x))
    if kind == "vae":
        np.testing.assert_array_equal(embed(loaded, x), embed(model, x))


def test_config_json_contents(tmp_path):
    import platform

    import deepomics

    model, _ = fitted("deepbind_binary_strings")
    path = dio.save(model, tmp_path / "m")
    assert sorted(os.listdir(path)) == ["config.json", "weights.safetensors"]
    with open(os.path.join(path, "config.json"), encoding="utf-8") as handle:
        meta = json.load(handle)
    assert meta["format"] == "deepomics-model" and meta["format_version"] == 2
    assert meta["model"] == model.config and meta["model"]["arch"] == "deepbind"
    assert models.build(meta["model"]).config == model.config
    assert meta["task"] == "binary"
    assert meta["classes"] == ["bound", "unbound"]
    assert meta["encoding"] == {"input_kind": "onehot", "alphabet": "dna", "length": 30,
                                "pad": "right", "shortest": 30}
    assert meta["versions"] == {"deepomics": deepomics.__version__, "torch": torch.__version__,
                                "python": platform.python_version()}
    assert meta["weights_sha256"] == sha256(os.path.join(path, "weights.safetensors"))
    assert meta["best_epoch"] == model.best_epoch
    assert meta["monitor"] == model.monitor == "valid_loss"   # what chose best_epoch
    assert dio.load(path).monitor == "valid_loss"
    assert meta["history"]["epoch"] == [0, 1]
    assert set(meta["history"]) == set(model.history.columns)
    # the weights are a plain safetensors file with the model's tensors
    tensors = safetensors.torch.load_file(os.path.join(path, "weights.safetensors"))
    assert set(tensors) == set(model.state_dict())


def test_config_json_is_strict_json_even_with_nan_metrics(tmp_path):
    """A metric that is undefined for an epoch is NaN in the history (e.g. AUROC of a validation
    set with one class); config.json must still be valid JSON (NaN is not: R's jsonlite, jq and
    JavaScript reject it) — write null instead, and read it back as NaN."""
    model = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    model.task, model.classes, model.best_epoch = "multilabel", ["a", "b"], 0
    model.history = pd.DataFrame({"epoch": [0, 1], "train_loss": [0.7, 0.6],
                                  "valid_loss": [0.69, 0.68],
                                  "valid_auroc": [float("nan"), 0.75]})
    path = dio.save(model, tmp_path / "m")
    text = open(os.path.join(path, "config.json"), encoding="utf-8").read()

    def reject(constant):
        raise ValueError(f"config.json holds {constant}, which is not JSON")

    json.loads(text, parse_constant=reject)
    history = dio.load(path).history
    assert np.isnan(history["valid_auroc"].iloc[0]) and history["valid_auroc"].iloc[1] == 0.75


def test_integer_classes_are_saved_as_json_numbers(tmp_path):
    model, x = fitted("mlp_multiclass_ints")
    assert model.classes == [10, 11, 12]
    path = dio.save(model, tmp_path / "m")
    meta = json.load(open(os.path.join(path, "config.json")))
    assert meta["classes"] == [10, 11, 12]
    assert dio.load(path).classes == [10, 11, 12]


def test_loaded_model_keeps_training(tmp_path):
    model, x = fitted("mlp_multiclass_ints")
    loaded = dio.load(dio.save(model, tmp_path / "m"))
    x, labels = gaussian_clusters(150, 8, 3, seed=6)
    again = fit(loaded, (x, labels + 10), epochs=1)
    assert again.classes == [10, 11, 12]


def test_save_leaves_the_model_as_it_was(tmp_path):
    model = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dio.save(model, tmp_path / "m")
    assert model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def test_save_creates_missing_parent_folders(tmp_path):
    model = models.build({"arch": "mlp", **SMALL["mlp"]})
    target = tmp_path / "a" / "b" / "model"
    dio.save(model, str(target))
    assert (target / "config.json").is_file()


def test_a_home_path_is_expanded_and_an_empty_path_refused(tmp_path, monkeypatch):
    """'~/model' is the home folder's model, not a folder named '~' in the working directory;
    '' would name the working directory itself."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    model = models.build({"arch": "mlp", **SMALL["mlp"]})
    saved = dio.save(model, "~/model")
    assert saved == str(tmp_path / "home" / "model") and not (tmp_path / "~").exists()
    assert dio.load("~/model").config == model.config
    for path in ("", "  "):
        with pytest.raises(ValueError, match="the model path is empty"):
            dio.save(model, path)
        with pytest.raises(ValueError, match="the model path is empty"):
            dio.load(path)


def test_save_needs_a_model_built_from_a_config(tmp_path):
    with pytest.raises(TypeError, match="models.build"):
        dio.save(torch.nn.Linear(3, 2), tmp_path / "m")
    assert not (tmp_path / "m").exists()


# ---- atomic writes and overwrite ---------------------------------------------------------------


def test_failed_weights_write_leaves_nothing(tmp_path, monkeypatch):
    model = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)

    def half_write(tensors, filename, *args, **kwargs):
        with open(filename, "wb") as handle:
            handle.write(b"\x00" * 100)  # half a file, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", half_write)
    with pytest.raises(OSError, match="No space left"):
        dio.save(model, tmp_path / "m")
    assert not (tmp_path / "m").exists()
    assert no_temporaries(tmp_path) == []
    assert os.listdir(tmp_path) == []


def test_failed_config_write_leaves_nothing(tmp_path, monkeypatch):
    model = models.build({"arch": "mlp", **SMALL["mlp"]}, seed=0)
    real_dump = json.dump

    def broken_dump(obj, handle, *args, **kwargs):
        handle.write('{"format": "deepomics-model", "mod')
        raise KeyboardInterrupt  # interrupted midway

    monkeypatch.setattr(json, "dump", broken_dump)
    with pytest.raises(KeyboardInterrupt):
        dio.save(model, tmp_path / "m")
    monkeypatch.setattr(json, "dump", real_dump)
    assert os.listdir(tmp_path) == []


def test_failed_overwrite_keeps_the_old_model(tmp_path, monkeypatch):
    old = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    path = dio.save(old, tmp_path / "m")
    before = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}
    new = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=1)

    def fail(*args, **kwargs):
        raise OSError("disk error")

    monkeypatch.setattr(safetensors.torch, "save_file", fail)
    with pytest.raises(OSError):
        dio.save(new, path, overwrite=True)
    after = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}
    assert after == before
    assert no_temporaries(tmp_path) == []
    assert_same_state(dio.load(path), old)


def test_failed_swap_puts_the_old_model_back(tmp_path, monkeypatch):
    old = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    path = dio.save(old, tmp_path / "m")
    real_rename = os.rename

    def rename(src, dst):   # the new model cannot be moved into place
        if os.path.basename(src).startswith(".deepomics-save-"):
            raise OSError("disk error")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="disk error"):
        dio.save(models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=1), path,
                 overwrite=True)
    monkeypatch.setattr(os, "rename", real_rename)
    assert_same_state(dio.load(path), old)
    assert [n for n in os.listdir(tmp_path) if n.startswith(".deepomics-old-")] == []


def test_saved_folder_follows_the_umask_and_a_file_in_the_way_is_named(tmp_path):
    previous = os.umask(0o022)
    try:
        path = dio.save(models.build({"arch": "deepbind", **SMALL["deepbind"]}), tmp_path / "m")
    finally:
        os.umask(previous)
    assert os.stat(path).st_mode & 0o777 == 0o755    # others in the lab can read it
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.txt is a file, not a folder"):
        dio.save(models.build({"arch": "deepbind", **SMALL["deepbind"]}),
                 tmp_path / "notes.txt" / "deeper" / "m")
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_numpy_classes_and_infinite_history_values_are_saved(tmp_path):
    model = models.build({"arch": "mlp", "n_features": 3, "n_outputs": 3})
    model.task, model.classes = "multiclass", np.array(["a", "b", "c"])
    model.history = pd.DataFrame({"epoch": [0, 1], "train_loss": [np.inf, 0.5]})
    loaded = dio.load(dio.save(model, tmp_path / "m"))
    assert loaded.classes == ["a", "b", "c"]
    assert np.isnan(loaded.history["train_loss"][0]) and loaded.history["train_loss"][1] == 0.5


def test_existing_model_is_not_replaced_without_overwrite(tmp_path):
    old = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    path = dio.save(old, tmp_path / "m")
    before = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}
    new = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=1)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        dio.save(new, path)
    after = {name: open(os.path.join(path, name), "rb").read() for name in os.listdir(path)}
    assert after == before
    assert no_temporaries(tmp_path) == []


def test_overwrite_replaces_the_model(tmp_path):
    old, x_old = fitted("deepbind_binary_strings")
    path = dio.save(old, tmp_path / "m")
    new, x_new = fitted("dgex_regression")
    assert dio.save(new, path, overwrite=True) == path
    loaded = dio.load(path)
    assert loaded.config == new.config and loaded.task == "regression"
    np.testing.assert_array_equal(predict(loaded, x_new), predict(new, x_new))
    assert sorted(os.listdir(path)) == ["config.json", "weights.safetensors"]
    assert os.listdir(tmp_path) == ["m"]  # no temporary or old folders left


def test_overwrite_refuses_a_folder_that_is_not_a_model(tmp_path):
    """overwrite=True replaces a model; it should not delete a folder of the user's own files
    that happens to be at the path (a typo away from data loss)."""
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "counts.csv").write_text("gene,count\nTP53,10\n")
    model = models.build({"arch": "mlp", **SMALL["mlp"]})
    for overwrite in (False, True):  # (the hint never says overwrite=True: it would not do)
        with pytest.raises(FileExistsError, match="is not a deepomics model; save replaces only "
                                                  "a saved model \\(or an empty folder\\)"):
            dio.save(model, folder, overwrite=overwrite)
    assert (folder / "counts.csv").read_text() == "gene,count\nTP53,10\n"


def test_overwrite_keeps_the_users_files_and_replaces_an_empty_folder_or_a_damaged_model(tmp_path):
    """Notes or predictions kept next to a model survive its replacement (they were deleted);
    an empty folder and a model whose config.json is damaged (what load says to fix by saving
    again) can be written over."""
    old = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    new = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=1)
    path = dio.save(old, tmp_path / "m")
    (tmp_path / "m" / "notes.txt").write_text("trained on run 3")
    (tmp_path / "m" / "plots").mkdir()
    (tmp_path / "m" / "plots" / "roc.png").write_bytes(b"png")
    dio.save(new, path, overwrite=True)
    assert_same_state(dio.load(path), new)
    assert (tmp_path / "m" / "notes.txt").read_text() == "trained on run 3"
    assert (tmp_path / "m" / "plots" / "roc.png").read_bytes() == b"png"
    assert sorted(os.listdir(tmp_path)) == ["m"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileExistsError, match="pass overwrite=True to replace the model there"):
        dio.save(new, empty)
    assert_same_state(dio.load(dio.save(new, empty, overwrite=True)), new)
    (tmp_path / "m" / "config.json").write_text("{")
    (tmp_path / "m" / "notes.txt").unlink()
    import shutil
    shutil.rmtree(tmp_path / "m" / "plots")
    with pytest.raises(dio.ModelFileError, match="not valid JSON"):
        dio.load(path)
    assert_same_state(dio.load(dio.save(old, path, overwrite=True)), old)


def test_loading_leaves_the_global_random_state_alone(tmp_path):
    path = dio.save(models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0), tmp_path / "m")
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    dio.load(path)
    assert torch.equal(torch.rand(3), expected)


# ---- loading damaged, altered and foreign files ------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    model = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    path = dio.save(model, tmp_path / "m")
    return path


def weights_of(path):
    return os.path.join(path, "weights.safetensors")


def config_of(path):
    return os.path.join(path, "config.json")


def rewrite_config(path, change, sign=True):
    """Edits config.json; ``sign`` updates its checksum too (a file crafted to pass it, so that
    the checks behind the checksum are reached)."""
    with open(config_of(path)) as handle:
        meta = json.load(handle)
    change(meta)
    if sign and "config_sha256" in meta:
        meta["config_sha256"] = dio.models._config_sha256(meta)
    with open(config_of(path), "w") as handle:
        json.dump(meta, handle)


def test_load_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        dio.load(tmp_path / "nowhere")


def test_load_a_file_instead_of_a_folder(saved):
    with pytest.raises(FileNotFoundError, match="weights.safetensors"):
        dio.load(weights_of(saved))


@pytest.mark.parametrize("part", ["config.json", "weights.safetensors"])
def test_load_with_a_missing_part(saved, part):
    os.remove(os.path.join(saved, part))
    with pytest.raises(ModelFileError, match=f"{part} is missing"):
        dio.load(saved)


def test_load_truncated_weights(saved):
    data = open(weights_of(saved), "rb").read()
    with open(weights_of(saved), "wb") as handle:
        handle.write(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="checksum.*truncated"):
        dio.load(saved)


@pytest.mark.parametrize("where", ["header", "tensor data", "last byte"])
def test_load_tampered_weights(saved, where):
    data = bytearray(open(weights_of(saved), "rb").read())
    index = {"header": 12, "tensor data": len(data) // 2 + 3, "last byte": len(data) - 1}[where]
    data[index] ^= 0x01
    with open(weights_of(saved), "wb") as handle:
        handle.write(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        dio.load(saved)


def test_load_corrupt_config(saved):
    text = open(config_of(saved)).read()
    with open(config_of(saved), "w") as handle:
        handle.write(text[: len(text) // 2])
    with pytest.raises(ModelFileError, match="config.json is corrupt"):
        dio.load(saved)


def test_load_config_that_is_not_utf8(saved):
    with open(config_of(saved), "wb") as handle:
        handle.write(b"\xff\xfe{\x00}\x00")
    with pytest.raises(ModelFileError, match="config.json"):
        dio.load(saved)


@pytest.mark.parametrize("content", ["[]", "{}", '{"format": "keras"}', "null", "42"])
def test_load_config_of_another_kind(saved, content):
    with open(config_of(saved), "w") as handle:
        handle.write(content)
    with pytest.raises(ModelFileError, match="not a deepomics model config"):
        dio.load(saved)


def test_load_config_with_an_unknown_arch(saved):
    rewrite_config(saved, lambda meta: meta["model"].update(arch="deepbindx"))
    with pytest.raises(ModelFileError, match="deepbindx") as info:
        dio.load(saved)
    assert "config.json" in str(info.value)


@pytest.mark.parametrize("change", [
    lambda meta: meta.pop("model"),
    lambda meta: meta.__setitem__("model", ["deepbind"]),
    lambda meta: meta["model"].update(n_filters="many"),
    lambda meta: meta["model"].update(surprise=1),
], ids=["no model", "model is a list", "bad value", "unknown key"])
def test_load_config_whose_model_does_not_build(saved, change):
    rewrite_config(saved, change)
    with pytest.raises(ModelFileError, match="does not build"):
        dio.load(saved)


def test_load_config_whose_widths_do_not_fit_the_weights(saved):
    rewrite_config(saved, lambda meta: meta["model"].update(n_filters=5))
    with pytest.raises(ModelFileError, match="does not fit"):
        dio.load(saved)


def test_load_weights_with_extra_or_missing_tensors(saved):
    tensors = safetensors.torch.load_file(weights_of(saved))
    for changed in ({**tensors, "extra.weight": torch.zeros(2)},
                    {k: v for k, v in tensors.items() if k != "conv.bias"}):
        safetensors.torch.save_file(changed, weights_of(saved))
        rewrite_config(saved, lambda meta: meta.update(weights_sha256=sha256(weights_of(saved))))
        with pytest.raises(ModelFileError, match="does not fit"):
            dio.load(saved)


@pytest.mark.parametrize("change", [
    lambda meta: meta["model"].update(activation="tanh"),
    lambda meta: meta.update(classes=[5, 6]),
    lambda meta: meta["model"].update(dropout=0.9),
], ids=["activation", "classes", "dropout"])
def test_an_edited_config_fails_its_checksum(saved, change):
    rewrite_config(saved, change, sign=False)
    with pytest.raises(ModelFileError, match="config.json was changed after saving"):
        dio.load(saved)


def test_a_model_saved_before_config_checksums_still_loads(saved):
    """Format 1 throughout: older deepomics ignores the new keys, and files written before them
    (no config_sha256, no monitor) load."""
    before = dio.load(saved)
    rewrite_config(saved, lambda meta: (meta.pop("config_sha256"), meta.pop("monitor")),
                   sign=False)
    again = dio.load(saved)
    assert again.config == before.config and again.monitor is None


def test_a_format_1_file_without_the_shortest_training_length_loads(tmp_path):
    seqs = ["ACGTACGTAC", "TTGACCATGA", "GGGCCCAAAT", "ACACACACGT"]
    model = fit({"arch": "deepbind", "n_filters": 4, "filter_size": 4}, (seqs, [0, 1, 0, 1]), epochs=1)
    saved = dio.save(model, tmp_path / "m")
    assert dio.load(saved).encoding.shortest == 10
    rewrite_config(saved, lambda meta: (meta.update(format_version=1),
                                        meta["encoding"].pop("shortest")))
    again = dio.load(saved)
    assert again.encoding.shortest is None and again.encoding.length == 10
    np.testing.assert_allclose(predict(again, seqs), predict(model, seqs))


def test_load_file_from_a_newer_format(saved):
    rewrite_config(saved, lambda meta: meta.update(format_version=dio.models.FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError, match="newer deepomics"):
        dio.load(saved)


@pytest.mark.parametrize("change", [
    lambda meta: meta.update(format_version="1"),
    lambda meta: meta.update(encoding={"input_kind": "onehot", "surprise": 1}),
    lambda meta: meta.update(encoding="onehot"),
    lambda meta: meta.update(history={"epoch": [0, 1], "train_loss": [0.5]}),
    lambda meta: meta.update(task="bogus"),
    lambda meta: meta.update(task="multiclass", classes=["a", "b", "c"]),
    lambda meta: meta.update(task="binary", classes=["a"]),
    lambda meta: meta.update(task="binary", classes="ab"),
], ids=["format_version a string", "encoding with an unknown key", "encoding a string",
        "history columns of different lengths", "an unknown task",
        "3 classes for 1 output", "a binary model with 1 class", "classes a string"])
def test_load_config_with_malformed_fields_is_a_model_file_error(saved, change):
    """Any malformed field of config.json is a ModelFileError naming config.json, not a bare
    TypeError / ValueError from inside load."""
    rewrite_config(saved, change)
    with pytest.raises(ModelFileError, match="config.json"):
        dio.load(saved)


def test_a_config_with_nan_is_a_model_file_error(saved):
    rewrite_config(saved, lambda meta: meta.update(best_epoch=float("nan")), sign=False)
    with pytest.raises(ModelFileError, match="config.json is corrupt or was edited: it holds NaN"):
        dio.load(saved)


def test_load_without_a_checksum_in_the_config(saved):
    rewrite_config(saved, lambda meta: meta.pop("weights_sha256"))
    with pytest.raises(ModelFileError, match="checksum"):
        dio.load(saved)


# ---- loading never unpickles -------------------------------------------------------------------


class _Marker:
    """Unpickling this calls open(path, "w"), which creates a file: proof that a pickle ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.mark.parametrize("how", ["pickle", "torch.save"])
def test_load_never_unpickles(saved, tmp_path, how):
    marker = tmp_path / "unpickled.txt"
    payload = {"conv.weight": _Marker(marker)}
    if how == "pickle":
        with open(weights_of(saved), "wb") as handle:
            pickle.dump(payload, handle)
    else:
        torch.save(payload, weights_of(saved))
    assert not marker.exists()
    # a matching checksum, so that only the format check stands in the way
    rewrite_config(saved, lambda meta: meta.update(weights_sha256=sha256(weights_of(saved))))
    with pytest.raises(ModelFileError, match="weights.safetensors"):
        dio.load(saved)
    assert not marker.exists(), "loading executed a pickle"


def test_load_calls_no_unpickler(saved, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    model = dio.load(saved)
    assert model.config["arch"] == "deepbind"


def test_load_refuses_classes_that_repeat_a_name(tmp_path):
    model = models.build({"arch": "mlp", "n_features": 3, "n_outputs": 3})
    model.task, model.classes = "multiclass", ["a", "b", "c"]
    path = dio.save(model, tmp_path / "m")
    rewrite_config(path, lambda meta: meta.update(classes=["a", "a", "c"]))
    with pytest.raises(ModelFileError, match=r"classes repeat a name \(\['a', 'a', 'c'\]\)"):
        dio.load(path)


def test_a_failed_overwrite_puts_the_users_files_back(tmp_path, monkeypatch):
    """The user's files moved into the new folder go back when a later step fails; none is
    deleted with the temporary folder."""
    old = models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=0)
    path = dio.save(old, tmp_path / "m")
    (tmp_path / "m" / "a_notes.txt").write_text("mine")
    (tmp_path / "m" / "z_plots").mkdir()
    (tmp_path / "m" / "z_plots" / "fig.png").write_bytes(b"png")
    real_rename, calls = os.rename, []

    def rename(src, dst):  # the second of the user's entries cannot be moved
        calls.append(src)
        if len(calls) == 2:
            raise PermissionError("read-only folder")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(PermissionError):
        dio.save(models.build({"arch": "deepbind", **SMALL["deepbind"]}, seed=1), path,
                 overwrite=True)
    monkeypatch.setattr(os, "rename", real_rename)
    assert sorted(os.listdir(path)) == ["a_notes.txt", "config.json", "weights.safetensors", "z_plots"]
    assert (tmp_path / "m" / "z_plots" / "fig.png").read_bytes() == b"png"
    assert_same_state(dio.load(path), old)
    assert sorted(os.listdir(tmp_path)) == ["m"]
