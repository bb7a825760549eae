"""Model files: a folder holding ``config.json`` (architecture dict, task, classes, input feature
names, encoding, history, versions, the weights' SHA-256 and its own) and ``weights.safetensors``.

Written atomically: everything goes to a temporary folder beside the target, which is then
renamed into place, so a crash never leaves half a model and an existing model is replaced only
when ``overwrite=True``. Loading never unpickles: the weights are safetensors, the rest JSON, and
a truncated or altered file, weights or config, fails its checksum with an error saying so.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import shutil
import tempfile

import pandas as pd

from ..args import user_path
from ..messages import listing

FORMAT = "deepomics-model"
FORMAT_VERSION = 2  # 2: the encoding records the shortest training sequence (older files load)
CONFIG, WEIGHTS = "config.json", "weights.safetensors"


class ModelFileError(ValueError):
    """A model file that cannot be loaded; the message says which part is wrong."""


def save(model, path: str | os.PathLike, *, overwrite: bool = False) -> str:
    """Saves a model built by ``models.build`` (fitted or not) to the folder ``path``."""
    import safetensors.torch
    import torch

    from .. import __version__
    from ..train.data import Encoding

    config = getattr(model, "config", None)
    if not isinstance(config, dict) or "arch" not in config:
        raise TypeError(
            f"save needs a model built by deepomics.models.build; this {type(model).__name__} has no "
            "config to rebuild it from (save its state_dict with safetensors instead)"
        )
    path = check_save_path(path, overwrite)
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    encoding = getattr(model, "encoding", None)
    history = getattr(model, "history", None)
    tmp = tempfile.mkdtemp(prefix=".deepomics-save-", dir=parent)
    try:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        weights_path = os.path.join(tmp, WEIGHTS)
        safetensors.torch.save_file(state, weights_path)
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": config,
            "task": getattr(model, "task", None),
            "classes": _jsonable(getattr(model, "classes", None)),
            "feature_names": _jsonable(getattr(model, "feature_names", None)),
            "input_source": _jsonable(getattr(model, "input_source", None)),
            "encoding": encoding.to_dict() if isinstance(encoding, Encoding) else None,
            "best_epoch": _jsonable(getattr(model, "best_epoch", None)),
            "monitor": getattr(model, "monitor", None),
            "history": _history_json(history),
            "versions": {"deepomics": __version__, "torch": torch.__version__,
                         "python": platform.python_version()},
            "weights_sha256": _sha256(weights_path),
        }
        meta["config_sha256"] = _config_sha256(meta)
        with open(os.path.join(tmp, CONFIG), "w") as handle:
            json.dump(meta, handle, indent=2, allow_nan=False)
        chmod_as_created(tmp)  # mkdtemp makes it private (0700)
        if os.path.exists(path):
            _swap_in(tmp, path, parent)
        else:
            os.rename(tmp, path)
    except BaseException:
        if os.path.isdir(tmp) and set(os.listdir(tmp)) <= {CONFIG, WEIGHTS}:  # (never a user's file)
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _swap_in(new: str, path: str, parent: str) -> None:
    """Puts the model folder ``new`` in place of the one at ``path``; the user's own files in the
    old folder (notes, predictions) move into the new one first. On a failure everything moved
    goes back and the old model stays; a file that cannot go back is left in ``new``, named."""
    extras = [e for e in os.listdir(path) if e not in (CONFIG, WEIGHTS)]
    moved, old = [], None
    try:
        for entry in extras:
            os.rename(os.path.join(path, entry), os.path.join(new, entry))
            moved.append(entry)
        old = tempfile.mkdtemp(prefix=".deepomics-old-", dir=parent)
        os.rename(path, os.path.join(old, "model"))
        try:
            os.rename(new, path)
        except BaseException:
            os.rename(os.path.join(old, "model"), path)  # put the old model back
            raise
    except BaseException as err:
        stranded = []
        for entry in moved:
            try:
                os.rename(os.path.join(new, entry), os.path.join(path, entry))
            except OSError:
                stranded.append(entry)
        if old:
            os.rmdir(old)
        if stranded:
            raise OSError(f"saving to {path} failed ({err}), and {listing(stranded)} could not be "
                          f"moved back from {new}: move them back by hand") from err
        raise
    shutil.rmtree(old, ignore_errors=True)


def check_save_path(path: str | os.PathLike, overwrite: bool = False) -> str:
    """The absolute model folder ``save`` would write (``~`` expanded), or the error it would
    raise: checked before work that ends in a save (a refit), so nothing is trained in vain."""
    path = _model_path(path)
    if os.path.exists(path) and not _replaceable(path):
        raise FileExistsError(f"{path} exists and is not a deepomics model; save replaces only a "
                              "saved model (or an empty folder), so choose another path")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace the model there (other "
                              "files in the folder are kept), or choose a new path")
    blocking = _file_above(os.path.dirname(path))
    if blocking:
        raise FileExistsError(f"cannot save to {path}: {blocking} is a file, not a folder; "
                              "choose a path under a folder")
    return path


def _model_path(path) -> str:
    """A model folder's path, absolute, as the user meant it (``args.user_path``)."""
    return os.path.abspath(user_path(path, "the model path"))


def load(path: str | os.PathLike):
    """Loads a model saved by ``save``: rebuilt from its config, weights checked and restored,
    fitted attributes (task, classes, encoding, history) set, in eval mode."""
    import safetensors.torch

    from .. import models
    from ..train.data import Encoding

    path = _model_path(path)
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path} is not a deepomics model folder (it does not exist or is a file)")
    config_path, weights_path = os.path.join(path, CONFIG), os.path.join(path, WEIGHTS)
    for part in (config_path, weights_path):
        if not os.path.isfile(part):
            raise ModelFileError(f"{path} is not a complete model: {os.path.basename(part)} is missing")
    try:
        with open(config_path, encoding="utf-8") as handle:
            meta = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{config_path} is corrupt (not valid JSON: {err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{config_path} is not a deepomics model config")
    version = meta.get("format_version")
    if not isinstance(version, int):
        raise ModelFileError(f"{config_path} is corrupt: format_version must be a whole number")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path} was saved by a newer deepomics (format "
                             f"{meta['format_version']}); upgrade deepomics to load it")
    # files of deepomics before the config checksum have none (older versions ignore the key)
    try:
        checksum = _config_sha256(meta) if "config_sha256" in meta else None
    except ValueError:  # NaN / Infinity, which save never writes
        raise ModelFileError(f"{config_path} is corrupt or was edited: it holds NaN or Infinity, "
                             "which deepomics never writes; save the model again") from None
    if checksum is not None and checksum != meta["config_sha256"]:
        raise ModelFileError(f"{config_path} was changed after saving (it does not match its "
                             "checksum); load the saved model, change it in Python or R and save "
                             "it again, rather than editing config.json")
    if _sha256(weights_path) != meta.get("weights_sha256"):
        raise ModelFileError(f"{weights_path} does not match the checksum in config.json: the file "
                             "is truncated or was changed after saving; save the model again")
    try:
        model = models.build(meta["model"], seed=0)  # (the weights are replaced: no global draw)
    except (KeyError, ValueError, TypeError) as err:
        raise ModelFileError(f"{config_path}: the model config does not build ({err})") from None
    try:
        state = safetensors.torch.load_file(weights_path)
        model.load_state_dict(state, strict=True)
    except Exception as err:  # safetensors' own errors, shape mismatches
        raise ModelFileError(f"{weights_path} does not fit the model in config.json ({err})") from None
    try:
        model.encoding = Encoding(**meta["encoding"]) if meta.get("encoding") else None
        model.history = pd.DataFrame(meta["history"]) if meta.get("history") else None
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"{config_path} is corrupt: its encoding or history does not read "
                             f"({err})") from None
    _check_fitted_meta(meta, model, config_path)
    model.task = meta.get("task")
    model.classes = meta.get("classes")
    model.feature_names = meta.get("feature_names")
    model.input_source = meta.get("input_source")
    model.best_epoch = meta.get("best_epoch")
    model.monitor = meta.get("monitor")
    return model.eval()


def chmod_as_created(path: str) -> None:
    """Gives a file or folder made by ``tempfile`` (private: 0600 / 0700) the permissions that
    ``open`` / ``os.makedirs`` would have given it: 0666 / 0777 less the umask."""
    umask = _umask()
    os.chmod(path, (0o777 if os.path.isdir(path) else 0o666) & ~umask)


def _umask() -> int:
    try:  # read it without changing it (Linux)
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


def _check_fitted_meta(meta: dict, model, config_path: str) -> None:
    """The task and classes in config.json must be ones the model can have: a hand-edited or
    damaged file would otherwise give raw logits or index errors at predict time."""
    from ..train.data import TASKS

    task, classes = meta.get("task"), meta.get("classes")
    if task is not None and task not in TASKS:
        raise ModelFileError(f"{config_path} is corrupt: task {task!r} is not one of "
                             f"{', '.join(TASKS)}")
    if classes is not None and not isinstance(classes, list):
        raise ModelFileError(f"{config_path} is corrupt: classes must be a list")
    if classes and len({json.dumps(c) for c in classes}) < len(classes):
        raise ModelFileError(f"{config_path} is corrupt: classes repeat a name ({classes}); "
                             "each output has its own")
    n_outputs = getattr(model, "n_outputs", None) or meta["model"].get("n_outputs")
    expected = {"binary": 1}.get(task, len(classes) if classes else None)
    if task in ("binary", "multiclass", "multilabel") and classes is not None and \
            n_outputs is not None and expected != n_outputs:
        raise ModelFileError(f"{config_path} is corrupt: {len(classes)} classes for a {task} model "
                             f"with {n_outputs} outputs")
    if task == "binary" and classes is not None and len(classes) != 2:
        raise ModelFileError(f"{config_path} is corrupt: a binary model needs 2 classes, "
                             f"it lists {len(classes)}")


def _file_above(folder: str) -> str | None:
    """The first existing file among ``folder`` and its parents (it blocks making the folder)."""
    while folder and not os.path.isdir(folder):
        if os.path.exists(folder):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def _replaceable(path: str) -> bool:
    """A folder save may write over: a saved model (other files in it are kept), an empty
    folder, or a damaged model (nothing but its two files, one unreadable)."""
    if not os.path.isdir(path):
        return False
    return is_model_folder(path) or set(os.listdir(path)) <= {CONFIG, WEIGHTS}


def is_model_folder(path: str) -> bool:
    """Whether ``path`` is a folder that ``save`` wrote (its config.json names the format)."""
    try:
        with open(os.path.join(path, CONFIG), encoding="utf-8") as handle:
            return json.load(handle).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _history_json(history) -> dict | None:
    """The history as {column: values}, NaN and infinity written as null (JSON has neither)."""
    if not isinstance(history, pd.DataFrame):
        return None
    return {column: [None if isinstance(v, float) and not math.isfinite(v) else _jsonable(v)
                     for v in values]
            for column, values in history.to_dict(orient="list").items()}


def _config_sha256(meta: dict) -> str:
    """The SHA-256 of config.json's content but its own checksum, as canonical JSON (sorted keys,
    no spaces): the same after a load, whatever the file's layout."""
    content = {k: v for k, v in meta.items() if k != "config_sha256"}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _jsonable(value):
    if value is None:
        return None
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:  # NumPy arrays, Index
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value.item() if hasattr(value, "item") else value
