"""``fit``: trains any model on any supported data, on Lightning.

A fitted model comes back with ``task``, ``classes``, ``feature_names`` (the input feature names, for
AnnData and DataFrames), ``encoding`` (how raw sequences become its
input) and ``history`` (a DataFrame, one row per epoch) set on it, the weights of its best epoch
restored, on the CPU and in eval mode.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import warnings

import lightning as L
import numpy as np
import pandas as pd
import torch
from torch import nn

from ..args import count, non_negative_number, torch_device, user_path, whole_number
from ..messages import listing, nth
from ..models.base import without_augmentation
from . import data as D
from . import metrics as M

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": lambda params, lr, weight_decay: torch.optim.SGD(
        params, lr=lr, weight_decay=weight_decay, momentum=0.9),
    "rmsprop": torch.optim.RMSprop,
}

DEFAULT_EPOCHS = 20


class UndefinedMetricError(ValueError):
    """The metric early stopping watches is NaN on the validation data (one class, constant
    predictions): it cannot choose an epoch."""


EARLY_STOPPING_DEFAULTS = {"patience": 5, "monitor": "valid_loss", "min_delta": 0.0}


class TaskModule(L.LightningModule):
    """A model with its task's loss, optimizer and per-epoch metrics; keeps the best weights."""

    def __init__(self, net: nn.Module, task: str, *, lr: float, optimizer: str,
                 weight_decay: float, class_weight: torch.Tensor | None, classes, monitor: str):
        super().__init__()
        self.net, self.task, self.classes = net, task, classes
        self.lr, self.optimizer_name, self.weight_decay = lr, optimizer, weight_decay
        self.class_weight = class_weight
        self.monitor = monitor
        self.higher_is_better = M.HIGHER_IS_BETTER.get(monitor.split("_", 1)[-1], False)
        self.best_score, self.best_epoch, self.best_state = None, None, None
        self.rows: list[dict] = []
        self._train_sum, self._train_n, self._valid = 0.0, 0, None
        self.automatic_optimization = False

    def forward(self, x):
        return self.net(x)

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.task == "multiclass":
            weight = None if self.class_weight is None else self.class_weight.to(out.device)
            loss = nn.functional.cross_entropy(out, y, weight=weight)
        elif self.task in ("binary", "multilabel"):
            out = out.reshape(y.shape)
            weight = None
            if self.class_weight is not None:  # [negative weight, positive weight]
                w = self.class_weight.to(out.device)
                weight = torch.where(y > 0.5, w[1], w[0])
            loss = nn.functional.binary_cross_entropy_with_logits(out, y, weight=weight)
        else:
            error = out.reshape(y.shape) - y
            scale = getattr(self.net, "output_scale", None)  # D-GEX: each gene in its z-units,
            if scale is not None:                             # so no gene's variance dominates
                error = error / scale.to(error.device)
            loss = error.pow(2).mean()
        extra = getattr(self.net, "extra_loss", None)
        return loss + extra() if callable(extra) else loss

    def _targets(self, batch):
        return batch[1] if len(batch) > 1 else batch[0]  # autoencoder: reconstruct the input

    def training_step(self, batch, batch_idx):
        # Manual optimization: the same step as Lightning's automatic one (zero_grad, backward,
        # step; precision plugins and DDP's gradient sync included) without its closure and the
        # hooks around it, which cost ~0.5 ms a step, 10-15% of a small model's step on a CPU.
        optimizer = self.optimizers()
        out = self.net(batch[0])
        loss = self.loss(out, self._targets(batch))
        finite = torch.isfinite(loss.detach())
        if self.trainer.world_size > 1:  # every process stops together (none waits on the others)
            finite = self.trainer.strategy.reduce(finite.float(), reduce_op="min") > 0
        if not finite:  # one bad step makes every later weight NaN: stop here
            raise FloatingPointError(
                f"the training loss became {float(loss.detach())} at epoch {nth(self.current_epoch)}, "
                f"batch {nth(batch_idx)}; lower lr, scale the inputs (or labels) to ordinary ranges, or "
                "check them for extreme values")
        optimizer.zero_grad()
        self.manual_backward(loss)
        optimizer.step()
        n = len(batch[0])
        self._train_sum += float(loss.detach()) * n
        self._train_n += n

    def on_validation_epoch_start(self):
        self._valid = {"out": [], "y": [], "loss": 0.0, "n": 0}

    def validation_step(self, batch, batch_idx):
        out = self.net(batch[0])
        y = self._targets(batch)
        n = len(batch[0])
        self._valid["loss"] += float(self.loss(out, y)) * n
        self._valid["n"] += n
        self._valid["out"].append(out.detach().float().cpu())
        self._valid["y"].append(y.detach().cpu())

    def on_validation_epoch_end(self):
        v = _gathered(self._valid)  # every process's share, under data-parallel training
        scores = {"valid_loss": v["loss"] / max(v["n"], 1)}
        if self.task in D.TASKS and not getattr(self.net, "encode", None):
            probs = activate(self.task, torch.cat(v["out"]))
            table = M.compute(self.task, probs, torch.cat(v["y"]), self.classes)
            scores.update({f"valid_{k}": v for k, v in M.summary(table).items()})
        for name, value in scores.items():
            self.log(name, value, prog_bar=name == self.monitor)
        self._valid["scores"] = scores
        score = scores.get(self.monitor)
        if score is not None and math.isnan(score) and self.monitor != "valid_loss":
            # (Lightning's early stopping would end training here, silently)
            one_class = self.task == "binary" and torch.cat(v["y"]).unique().numel() < 2
            raise UndefinedMetricError(
                f"{self.monitor[6:]} is undefined (NaN) on the validation data at epoch "
                f"{self.current_epoch}" + (": it holds one class only" if one_class else
                                           " (e.g. constant predictions or one class)")
                + "; watch another metric (early_stopping monitor, R's stopping_metric) or give "
                "validation data with both classes")
        if score is not None and not math.isnan(score) and self._better(score):
            self.best_score, self.best_epoch = score, self.current_epoch
            self.best_state = {k: t.detach().cpu().clone() for k, t in self.net.state_dict().items()}

    def _better(self, score: float) -> bool:
        if self.best_score is None:
            return True
        return score > self.best_score if self.higher_is_better else score < self.best_score

    def on_train_epoch_end(self):
        total = _gathered({"loss": self._train_sum, "n": self._train_n, "out": [], "y": []})
        row = {"epoch": self.current_epoch, "train_loss": total["loss"] / max(total["n"], 1)}
        self.log("train_loss", row["train_loss"])
        if self._valid and "scores" in self._valid:
            row.update(self._valid["scores"])
        self.rows.append(row)
        self._train_sum, self._train_n = 0.0, 0

    def configure_optimizers(self):
        name = self.optimizer_name.lower()
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
        return OPTIMIZERS[name](self.net.parameters(), lr=self.lr, weight_decay=self.weight_decay)

    def on_save_checkpoint(self, checkpoint):
        checkpoint["deepomics"] = {"rows": self.rows, "best_score": self.best_score,
                                   "best_epoch": self.best_epoch, "best_state": self.best_state,
                                   "run": self._run(), "random_state": _random_state()}

    def _run(self) -> dict:
        """What a resumed run must share with the run that wrote the checkpoint."""
        classes = None if self.classes is None else [str(c) for c in self.classes]
        return {"task": self.task, "classes": classes, "optimizer": self.optimizer_name.lower(),
                "monitor": self.monitor}  # (the best score so far is of this metric)

    def on_load_checkpoint(self, checkpoint):
        saved = checkpoint.get("deepomics", {})
        run, now = saved.get("run"), self._run()  # (checkpoints before this check have none)
        differ = [key for key in now if run is not None and key in run and run[key] != now[key]]
        if differ:  # (a key a checkpoint lacks was not checked when it was written)
            said = "; ".join(f"{key} {run[key]!r} there, {now[key]!r} here" for key in differ)
            raise ValueError(f"the checkpoint to resume is of another run ({said}); resume "
                             "with the labels, task, optimizer and early-stopping metric of the "
                             "run that wrote it, or train a new run")
        self.rows = saved.get("rows", [])
        self.best_score, self.best_epoch = saved.get("best_score"), saved.get("best_epoch")
        self.best_state = saved.get("best_state")
        if saved.get("random_state") is not None:  # dropout goes on as it would have
            state = dict(saved["random_state"])
            dist = torch.distributed
            if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
                state["cuda"] = None  # rank 0 wrote its own GPUs' states, not this rank's
            _set_random_state(state)


def _random_state() -> dict:
    """The generators training draws from (dropout, noise layers): torch's, CUDA's, NumPy's
    and Python's, so that a resumed run continues as the uninterrupted one would."""
    import random

    name, keys, pos, has_gauss, gauss = np.random.get_state()  # plain values: a checkpoint
    return {"torch": torch.random.get_rng_state(),                 # loads only those
            "numpy": [name, keys.tolist(), pos, has_gauss, gauss], "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None}


def _set_random_state(state: dict) -> None:
    import random

    torch.random.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, np.array(keys, dtype=np.uint32), pos, has_gauss, gauss))
    random.setstate(state["python"])
    if state.get("cuda") is not None and torch.cuda.is_available() \
            and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _gathered(part: dict) -> dict:
    """Validation outputs (``out``, ``y`` lists of tensors) and loss sums (``loss``, ``n``) of
    all processes under data-parallel training, so that every process computes the same
    metrics (and early stopping agrees); ``part`` itself otherwise. Outputs are ordered by rank,
    which metrics over the whole set do not depend on."""
    dist = torch.distributed
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return part
    parts = [None] * dist.get_world_size()
    dist.all_gather_object(parts, {k: part[k] for k in ("loss", "n", "out", "y")})
    return {"loss": sum(p["loss"] for p in parts), "n": sum(p["n"] for p in parts),
            "out": [t for p in parts for t in p["out"]], "y": [t for p in parts for t in p["y"]]}


def activate(task: str, out: torch.Tensor) -> torch.Tensor:
    """Raw outputs to what predict returns: probabilities, or values for regression."""
    if task in ("binary", "multilabel"):
        return torch.sigmoid(out)
    if task == "multiclass":
        return torch.softmax(out, dim=1)
    return out


def fit(
    model,
    train_data,
    valid_data=None,
    *,
    task: str | None = None,
    epochs: int = DEFAULT_EPOCHS,
    batch_size: int = 64,
    lr: float = 1e-3,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    class_weight=None,
    augment: bool = True,
    early_stopping=None,
    valid_fraction: float | None = None,
    groups=None,
    checkpoint_dir: str | None = None,
    resume_from: str | None = None,
    seed: int = 0,
    deterministic: bool = False,
    device: str = "auto",
    precision: str = "32-true",
    verbose: bool | None = None,
    layer: str | None = None,
    use_rep: str | None = None,
    num_workers: int = 0,
    callbacks: list | None = None,
    strategy: str | None = None,
    devices: int | None = None,
    num_nodes: int = 1,
):
    """Trains ``model`` and returns it fitted (the best epoch's weights, in eval mode, on CPU).

    ``model``: an ``nn.Module`` (from ``models.build`` or your own) or a config dict for
    ``models.build``, whose data-dependent keys (``n_outputs``, ``n_features``, ``seq_len``) are
    filled from the data when left out. ``train_data``: ``(x, y)``, or ``x`` alone for an
    autoencoder; ``x`` is sequences, a FASTA path, an array, a sparse matrix or an AnnData (with
    ``y`` an ``obs`` column name; ``layer`` / ``use_rep`` choose the matrix). ``valid_data`` is
    the same, or ``valid_fraction`` holds out a seeded split (stratified for classification, by
    ``groups`` when given, e.g. chromosomes). ``task`` is inferred from the labels when None.

    ``early_stopping``: True, a patience (int) or a dict with ``patience``, ``monitor``
    (``"valid_loss"``, ``"valid_auroc"``, ``"valid_logloss"``, ...; H2O's ``"deviance"`` is the
    log loss, or the MSE for regression) and ``min_delta``; the best epoch by ``monitor`` is
    restored either way. ``valid_loss`` is the training objective (class weights included);
    ``valid_logloss`` the plain log loss of the predictions. ``class_weight``: ``"balanced"``
    (from the training part's labels) or {class: weight}. ``augment=False`` trains without the
    model's training-time augmentations (``max_shift``, ``mutation_rate``, ``max_indel``,
    ``strand="augment"``), which it keeps for later: EvoAug's second stage (Lee et al. 2023), a
    few epochs at a low ``lr`` on the sequences as given after training with augmentations.
    ``checkpoint_dir`` keeps Lightning checkpoints (``last.ckpt``) that ``resume_from`` continues
    as the uninterrupted run would have (same seed: the same weights, dropout included; under
    multi-GPU data-parallel training, dropout on the GPUs goes on from a fresh stream).
    ``device``: ``"auto"`` (CUDA when present), ``"cpu"``, ``"cuda"``. ``verbose``: None shows
    progress only when a person is watching a terminal. ``num_workers``: DataLoader worker
    processes that prepare batches (useful when batches are read from disk). ``callbacks``: more
    Lightning callbacks (e.g. a pruner during a hyperparameter search).

    Data-parallel training: ``strategy="ddp"`` with ``devices`` processes per machine (GPUs, or
    CPU processes with ``device="cpu"``) on ``num_nodes`` machines, through Lightning's DDP.
    ``batch_size`` is the global batch: each process takes its share of every batch, so the
    result equals single-process training with the same seed (to float tolerance). Launch the
    script with ``torchrun --nproc_per_node=N`` (or under SLURM's ``srun``); a plain ``python
    script.py`` also works, Lightning starting the other processes. Every process returns the
    fitted model; save it from one (``int(os.environ.get("RANK", 0)) == 0``).
    """
    with _preserved_random_state():
        return _fit(**locals())


def check_fit_arguments(names, where: str) -> None:
    """Refuses ``names`` that are not arguments of ``fit``, naming the closest: for arguments
    gathered before any training (a search's ``fit_args``, the command line's ``fit:`` section),
    which would otherwise fail only at the first fit, after other work."""
    import difflib
    import inspect

    known = [p for p in inspect.signature(fit).parameters if p not in ("model", "train_data")]
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (it takes {listing(known, 40)})"
            raise TypeError(f"{where}: fit has no argument {name!r}{hint}")


def _callback_list(callbacks) -> list:
    """``callbacks`` as a new list of Lightning callbacks: one callback alone is taken too;
    anything else (e.g. a plain function) is refused before training."""
    if callbacks is None:
        return []
    if isinstance(callbacks, L.pytorch.callbacks.Callback):
        return [callbacks]
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks takes a list of Lightning callbacks (subclasses of "
                        f"lightning.pytorch.callbacks.Callback), not a {type(callbacks).__name__}; "
                        "to run a function each epoch, write a Callback whose on_train_epoch_end "
                        "calls it")
    for i, callback in enumerate(callbacks):
        if not isinstance(callback, L.pytorch.callbacks.Callback):
            raise TypeError(f"callbacks[{nth(i)}] is a {type(callback).__name__}, not a Lightning "
                            "callback (a subclass of lightning.pytorch.callbacks.Callback)")
    return list(callbacks)


def _fit(model, train_data, valid_data, *, task, epochs, batch_size, lr, optimizer, weight_decay,
         class_weight, augment, early_stopping, valid_fraction, groups, checkpoint_dir,
         resume_from, seed, deterministic, device, precision, verbose, layer, use_rep,
         num_workers, callbacks, strategy, devices, num_nodes):
    seed, num_workers = whole_number(seed, "seed"), whole_number(num_workers, "num_workers")
    if not isinstance(augment, (bool, np.bool_)):
        raise TypeError(f"augment must be True or False, not {augment!r}")
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be the name of one ({', '.join(OPTIMIZERS)}), not {optimizer!r}")
    if valid_fraction is not None:
        valid_fraction = non_negative_number(valid_fraction, "valid_fraction")
    L.seed_everything(seed, workers=True, verbose=False)
    if checkpoint_dir:  # '~' as everywhere else (Lightning would expand it, the checks not)
        checkpoint_dir = user_path(checkpoint_dir, "checkpoint_dir")
    if resume_from is not None and resume_from not in LIGHTNING_RESUME:
        resume_from = user_path(resume_from, "resume_from")
    _check_checkpoints(checkpoint_dir, resume_from)
    verbose = _watching() if verbose is None else bool(verbose)
    epochs, batch_size = count(epochs, "epochs"), count(batch_size, "batch_size")
    lr = non_negative_number(lr, "lr")
    weight_decay = non_negative_number(weight_decay, "weight_decay")
    callbacks = _callback_list(callbacks)
    x_raw, y_raw = _unpack(train_data)
    x_raw = D.fasta_sequences(x_raw)  # a FASTA path or read_fasta's records: their sequences
    y_raw = D.labels_from(y_raw, x_raw)
    D.check_lengths(x_raw, y_raw)
    groups = D.groups_from(groups, x_raw)
    autoencoder = y_raw is None
    if groups is not None and not valid_fraction:
        raise ValueError("groups choose which samples are held out together: pass valid_fraction "
                         "too (or give valid_data yourself)")
    if isinstance(model, dict):  # an unknown arch is the first thing to say
        from .. import models as model_library

        model_library.input_kind(model.get("arch"))
    _check_targets_fit_model(model, autoencoder)
    # A trained model trained further keeps what it learned from: its classes (labels are
    # matched to them by name), its features (matched by name) and its AnnData layer / use_rep.
    trained = isinstance(model, nn.Module) and getattr(model, "task", None) is not None
    if trained:
        layer, use_rep = D.model_source(model, x_raw, layer, use_rep)
    if not autoencoder:
        task = task or (model.task if trained else D.infer_task(y_raw))
        known = model.classes if trained and task == model.task else None
        targets, classes = D.encode_labels(y_raw, task, known, trained=trained)
    else:
        task, targets, classes = "regression", None, None

    fresh = isinstance(model, dict)
    if fresh:
        from .. import models as model_library

        filled = _fill_config(model, x_raw, targets, task, classes, layer=layer, use_rep=use_rep)
        try:
            model = model_library.build(filled)
        except model_library.ConfigError as error:
            if error.shortest and "seq_len" not in model:  # seq_len was the data's length
                raise model_library.ConfigError(
                    f"{filled['arch']} needs sequences of {error.shortest} or more letters with "
                    f"these layers, but the training sequences are {filled['seq_len']} letters "
                    "long (the longest); give longer sequences, or smaller filters / pools "
                    "(filter_size, pool_size)", "seq_len", error.shortest) from error
            raise
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch nn.Module or a config dict, not {type(model).__name__}")
    _check_outputs(model, task, targets, classes)
    before = getattr(model, "feature_names", None) if trained else None
    x, encoding = D.as_inputs(x_raw, model, layer=layer, use_rep=use_rep, features=before)
    _check_input_kind(model, encoding, x)
    features = (before or D.feature_names(x_raw, use_rep=use_rep)
                if encoding.input_kind == "features" else None)
    if encoding.input_kind == "features" and use_rep is None:
        D.python_orientation(x_raw)
    train = D.BatchData(x, targets)

    valid = None
    if valid_data is not None:
        vx_raw, vy_raw = _unpack(valid_data)
        vx_raw = D.fasta_sequences(vx_raw)
        vy_raw = D.labels_from(vy_raw, vx_raw)
        D.check_lengths(vx_raw, vy_raw, "valid_data's labels")
        vx, _ = D.as_inputs(vx_raw, model, encoding if encoding.alphabet else None,
                            layer=layer, use_rep=use_rep, features=features)
        any_length = encoding.input_kind in ("onehot", "tokens") and \
            getattr(model, "seq_len", None) is None  # lengths may differ between the two
        same = vx.shape[1:-1] == x.shape[1:-1] if any_length else vx.shape[1:] == x.shape[1:]
        if not same:
            raise ValueError(f"valid_data has inputs of shape {tuple(vx.shape[1:])} per sample but "
                             f"the training data has {tuple(x.shape[1:])}; give both the same features")
        vy = None if autoencoder else D.encode_labels(vy_raw, task, classes,
                                                      what="valid_data's label")[0]
        if vy is not None and len(vy) != vx.shape[0]:
            raise ValueError(f"valid_data has {len(vy)} labels for {vx.shape[0]} samples; give one "
                             "label per sample")
        valid = D.BatchData(vx, vy)
    elif valid_fraction:
        stratify = targets.reshape(len(targets), -1)[:, 0] if task in ("binary", "multiclass") else None
        tr, va = D.split(len(train), valid_fraction=valid_fraction, stratify=stratify,
                         groups=groups, seed=seed, class_names=classes)
        valid = D.BatchData(_take(x, va), None if targets is None else targets[va])
        train = D.BatchData(_take(x, tr), None if targets is None else targets[tr])

    # an untrained model (a config, or one built with models.build) learns its scaling here
    if not trained and callable(getattr(model, "fit_scaling", None)) and resume_from is None:
        model.fit_scaling(*D.column_stats(train))  # e.g. D-GEX standardises genes
    stopping = _early_stopping(early_stopping, valid is not None, task, autoencoder)
    monitor = stopping["monitor"] if stopping else "valid_loss"
    module = TaskModule(model, task, lr=lr, optimizer=optimizer, weight_decay=weight_decay,
                        class_weight=_class_weight(class_weight, task, classes, train.y),
                        classes=classes, monitor=monitor)
    if stopping:
        callbacks.append(L.pytorch.callbacks.EarlyStopping(
            monitor=monitor, patience=stopping["patience"], min_delta=stopping["min_delta"],
            mode="max" if module.higher_is_better else "min"))
    if checkpoint_dir:  # last.ckpt itself, replaced each epoch (checked: not an earlier run's)
        callbacks.append(L.pytorch.callbacks.ModelCheckpoint(
            dirpath=checkpoint_dir, save_last=True, save_top_k=0, enable_version_counter=False))
    accelerator, default_devices = _accelerator(device)
    parallel = _parallel(strategy, accelerator, devices, num_nodes)
    with _quiet(verbose), (contextlib.nullcontext() if augment else without_augmentation(model)):
        trainer = L.Trainer(
            max_epochs=epochs, accelerator=accelerator,
            devices=devices if devices is not None else default_devices, precision=precision,
            deterministic=deterministic, callbacks=callbacks, logger=False,
            enable_checkpointing=bool(checkpoint_dir), enable_progress_bar=verbose,
            enable_model_summary=verbose, num_sanity_val_steps=0, **parallel,
        )
        try:
            trainer.fit(
                module,
                D.batches(train, batch_size, shuffle=True, seed=seed, workers=num_workers),
                D.batches(valid, batch_size, shuffle=False, workers=num_workers) if valid else None,
                ckpt_path=resume_from,
            )
        except RuntimeError as error:
            if resume_from is not None and "loading state_dict" in str(error):
                raise ValueError(f"resume_from={resume_from!r} holds another model's weights; "
                                 "resume with the model config (and classes) of the run that "
                                 "wrote it") from error
            raise
    if module.best_state is not None:
        model.load_state_dict(module.best_state)
    model.cpu().eval()
    model.task, model.classes, model.encoding = task, classes, encoding
    model.feature_names = features
    if D.is_anndata(x_raw) or not trained:  # (a plain matrix has no layer: the model's stays)
        model.input_source = ({"layer": layer, "use_rep": use_rep}
                              if D.is_anndata(x_raw) and (layer, use_rep) != (None, None) else None)
    model.history = pd.DataFrame(module.rows)
    model.best_epoch = module.best_epoch if module.best_epoch is not None else len(module.rows) - 1
    model.monitor = monitor if valid is not None else None  # what chose best_epoch
    return model


LIGHTNING_RESUME = ("last", "hpc", "registry")  # resume_from words Lightning itself takes


def _check_checkpoints(checkpoint_dir, resume_from) -> None:
    """Before any work (paths already as the user meant them, ``args.user_path``):
    ``resume_from`` is a checkpoint file (a folder is named for what it is),
    and ``checkpoint_dir`` holds no earlier run's ``last.ckpt`` unless that is being resumed
    (this run would replace it, and it may be all that is left of a long run)."""
    from ..io.models import is_model_folder

    if resume_from is not None and resume_from not in LIGHTNING_RESUME:
        if os.path.isdir(resume_from):
            inside = os.path.join(resume_from, "last.ckpt")
            hint = (f"pass resume_from={inside!r}" if os.path.isfile(inside) else
                    "a saved model is not a checkpoint: to train it further, pass "
                    "deepomics.io.load(path) as the model" if is_model_folder(resume_from) else
                    "give the checkpoint file (last.ckpt in the run's checkpoint_dir)")
            raise ValueError(f"resume_from={resume_from!r} is a folder; {hint}")
        if not os.path.isfile(resume_from):
            raise FileNotFoundError(f"resume_from={resume_from!r} does not exist; give the "
                                    "checkpoint file (last.ckpt in the run's checkpoint_dir)")
        import zipfile

        if not zipfile.is_zipfile(resume_from):  # torch.save's format; truncated: no directory
            raise ValueError(f"resume_from={resume_from!r} is not a readable checkpoint "
                             "(truncated, or another kind of file); give last.ckpt from the "
                             "run's checkpoint_dir")
    if checkpoint_dir:
        last = os.path.join(checkpoint_dir, "last.ckpt")
        resumed = resume_from == "last" or (
            resume_from is not None and os.path.abspath(resume_from) == os.path.abspath(last))
        if os.path.exists(last) and not resumed:
            raise FileExistsError(f"checkpoint_dir={checkpoint_dir!r} already holds an "
                                  f"earlier run's last.ckpt; continue that run with "
                                  f"resume_from={last!r}, or give another checkpoint_dir")


def _unpack(data):
    """(x, y) from (x, y), [x, y] (what reticulate makes of R's list(x, y)) or x alone."""
    if isinstance(data, list) and len(data) == 2 and not isinstance(data[0], (str, bytes)):
        data = tuple(data)
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"data must be (x, y) or x alone, got a tuple of {len(data)}")
        return data
    if hasattr(data, "__len__") and not isinstance(data, (str, os.PathLike)) and len(data) == 0:
        raise ValueError("the data is empty: no samples to train on")
    return data, None


def _check_targets_fit_model(model, autoencoder: bool) -> None:
    reconstructs = (isinstance(model, nn.Module) and callable(getattr(model, "encode", None))) or (
        isinstance(model, dict) and model.get("arch") == "autoencoder")
    if reconstructs and not autoencoder:
        raise ValueError("an autoencoder learns to reconstruct its input: pass x alone, without labels")
    if autoencoder and not reconstructs:
        raise ValueError("labels are missing: pass the data as (x, y)")


def _check_outputs(model, task: str, targets, classes) -> None:
    """The model's number of outputs must match the labels."""
    n_outputs = getattr(model, "config", {}).get("n_outputs") if hasattr(model, "config") else None
    if n_outputs is None or targets is None:
        return
    expected = len(classes) if task == "multiclass" else targets.shape[1]
    if n_outputs != expected:
        what = f"{len(classes)} classes" if task == "multiclass" else f"{expected} label column(s)"
        raise ValueError(f"the model has n_outputs={n_outputs} but the {task} labels need "
                         f"{expected} ({what}); build it with n_outputs={expected} or leave "
                         "n_outputs out of the config dict")


def _check_input_kind(model, encoding, x) -> None:
    """Sequence models take sequences / one-hot arrays, feature models feature matrices."""
    kind = getattr(model, "input_kind", None)
    if kind is None:
        return
    if kind == "features" and encoding.input_kind != "features":
        raise ValueError(f"{_name(model)} takes a feature matrix (samples x features), not "
                         "sequences or one-hot arrays")
    if kind in ("onehot", "tokens") and encoding.input_kind == "features":
        raise ValueError(f"{_name(model)} takes sequences (or one-hot (N, C, L) arrays), not a "
                         f"feature matrix of shape {tuple(x.shape)}")


def _name(model) -> str:
    return getattr(model, "config", {}).get("arch", type(model).__name__)


def _take(x, index):
    if isinstance(x, torch.Tensor):
        return x[torch.as_tensor(index)]
    return x.take_rows(index) if isinstance(x, (D.RowReader, D.IntervalReader)) else x[index]


def _fill_config(config: dict, x_raw, targets, task: str, classes, *, layer, use_rep) -> dict:
    """The config with the keys that follow from the data filled in where they were left out."""
    from .. import models as model_library

    config = dict(config)
    if "arch" not in config:
        raise ValueError("the model config needs 'arch' (one of "
                         f"{', '.join(model_library.ARCHITECTURES)})")
    keys = model_library.defaults(config["arch"])
    if "n_outputs" in keys and "n_outputs" not in config and targets is not None:
        config["n_outputs"] = len(classes) if task == "multiclass" else targets.shape[1]
    kind = model_library.input_kind(config["arch"])
    if kind == "features" and (D._is_sequences(x_raw) or D._is_genome_intervals(x_raw)):
        raise ValueError(f"{config['arch']} takes a feature matrix (samples x features), not "
                         "sequences; for sequences use e.g. deepbind, danq or kmer_linear")
    if "n_features" in keys and "n_features" not in config:
        x, _ = D.as_inputs(x_raw, layer=layer, use_rep=use_rep) if not D._is_sequences(x_raw) else (None, None)
        if x is not None:
            config["n_features"] = int(x.shape[1])
    # Fixed-length architectures (a dense layer after flattening) take the data's length; the
    # any-length ones (default seq_len None) stay any-length.
    if keys.get("seq_len") is not None and "seq_len" not in config:
        if D._is_sequences(x_raw):
            config["seq_len"] = int(D.seq._core.lengths(D.seq._as_sequence_list(x_raw)).max())
        elif D._is_genome_intervals(x_raw):
            config["seq_len"] = int(x_raw.lengths.max())
    return config


def _early_stopping(option, has_valid: bool, task: str, autoencoder: bool) -> dict | None:
    if option is None or option is False:
        return None
    if option is True:
        option = {}
    elif isinstance(option, (int, float)):
        option = {"patience": option}
    elif not isinstance(option, dict):
        raise TypeError("early_stopping must be True, a patience (int) or a dict")
    unknown = set(option) - set(EARLY_STOPPING_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown early_stopping keys {sorted(unknown)}; "
                         f"valid: {sorted(EARLY_STOPPING_DEFAULTS)}")
    settings = {**EARLY_STOPPING_DEFAULTS, **option}
    settings["patience"] = whole_number(settings["patience"], "early_stopping patience")
    settings["min_delta"] = non_negative_number(settings["min_delta"], "early_stopping min_delta")
    if not isinstance(settings["monitor"], str):
        raise TypeError(f"early_stopping monitor must be a metric's name (e.g. 'loss', 'auroc'), "
                        f"not {settings['monitor']!r}")
    if not settings["monitor"].startswith("valid_"):
        settings["monitor"] = "valid_" + settings["monitor"]
    if settings["monitor"] == "valid_deviance":  # H2O's name: the log loss, or regression's MSE
        settings["monitor"] = ("valid_loss" if autoencoder else
                               "valid_mse" if task == "regression" else "valid_logloss")
    if not has_valid:
        raise ValueError("early stopping needs validation data: pass valid_data or valid_fraction")
    measured = ["loss"] + ([] if autoencoder else list(M.SUMMARY[task]))
    if settings["monitor"] not in [f"valid_{m}" for m in measured]:
        # the names without "valid_": what Python's monitor and R's stopping_metric both take
        raise ValueError(f"early stopping cannot watch {settings['monitor'][6:]!r}: "
                         f"{'an autoencoder' if autoencoder else f'a {task} task'} measures "
                         f"{', '.join(measured)} on the validation data")
    return settings


def _class_weight(option, task: str, classes, targets) -> torch.Tensor | None:
    """Per-class loss weights: [negative, positive] for binary, one per class for multiclass."""
    if option is None:
        return None
    if task not in ("binary", "multiclass"):
        raise ValueError(f"class_weight applies to binary and multiclass tasks, not {task}")
    codes = targets.reshape(-1).astype(np.int64)
    counts = np.bincount(codes, minlength=len(classes)).astype(np.float64)
    if isinstance(option, str) and option == "balanced":
        weights = len(codes) / (len(classes) * np.maximum(counts, 1))
    elif isinstance(option, dict):
        # a class by itself, or numbers' classes by their text (YAML's and R's names are text)
        missing = object()
        named = {key: _class_named(key, classes, missing) for key in option}
        unknown = [key for key, c in named.items() if c is missing]
        if unknown:
            raise ValueError(f"class_weight names classes the labels do not have: "
                             f"{listing(unknown)} (the classes are {listing(classes)})")
        by_class = {named[key]: value for key, value in option.items()}
        weights = np.array([non_negative_number(by_class.get(c, 1.0), f"class_weight of {c!r}")
                            for c in classes])
    else:
        raise ValueError("class_weight must be 'balanced' or weights named by class (a dict "
                         "{class: weight}; in R a named vector)")
    return torch.tensor(weights, dtype=torch.float32)


def _class_named(key, classes, missing):
    """The class ``key`` names: itself, one written as ``key`` ("1" for 1), or a number's class
    by its value ("1.0" for 1); ``missing`` when none."""
    for c in classes:
        if c == key or str(c) == str(key):
            return c
    for c in classes:
        if not isinstance(c, str):
            try:
                if float(c) == float(key):
                    return c
            except (TypeError, ValueError):
                pass
    return missing


def _accelerator(device: str):
    """Lightning's accelerator and devices for ``device`` (checked by ``args.torch_device``)."""
    chosen = torch_device(device)
    if chosen.type in ("cpu", "mps"):
        return chosen.type, 1
    return "gpu", [chosen.index] if chosen.index is not None and device not in (None, "auto") else 1


def _parallel(strategy, accelerator: str, devices, num_nodes: int) -> dict:
    """Trainer arguments for data-parallel training (``strategy="ddp"``), or none."""
    if strategy is None:
        if (devices not in (None, 1) and not isinstance(devices, list)) or num_nodes != 1:
            raise ValueError("devices > 1 or num_nodes > 1 need strategy='ddp'")
        return {}
    if strategy != "ddp":
        raise ValueError(f"strategy must be None or 'ddp', not {strategy!r}")
    from lightning.pytorch.strategies import DDPStrategy

    backend = "nccl" if accelerator == "gpu" else "gloo"
    # our sampler shares each batch between the processes (IndexBatches): Lightning must not
    # put its DistributedSampler in front of it
    return {"strategy": DDPStrategy(process_group_backend=backend), "num_nodes": num_nodes,
            "use_distributed_sampler": False}


def _watching() -> bool:
    """True when a person is likely watching: a terminal, and not under pytest or CI."""
    if os.environ.get("CI") or "PYTEST_CURRENT_TEST" in os.environ:
        return False
    return sys.stderr.isatty()


class _preserved_random_state:
    """Leaves Python's, NumPy's and torch's global random state, and torch's deterministic
    setting, as they were: fit seeds its own run without reseeding the caller's."""

    def __enter__(self):
        self._random = _random_state()
        self._deterministic = torch.are_deterministic_algorithms_enabled()
        self._environ = {k: os.environ.get(k) for k in ("PL_GLOBAL_SEED", "PL_SEED_WORKERS",
                                                         "CUBLAS_WORKSPACE_CONFIG")}
        return self

    def __exit__(self, *exc):
        _set_random_state(self._random)
        torch.use_deterministic_algorithms(self._deterministic)
        for key, value in self._environ.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        return False


class _quiet:
    """Silences Lightning's banners and advice unless verbose."""

    def __init__(self, verbose: bool):
        self.verbose = verbose

    def __enter__(self):
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        self._levels = {}
        if not self.verbose:
            warnings.filterwarnings("ignore", module="lightning")
            warnings.filterwarnings("ignore", message=".*does not have many workers.*")
            for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
                logger = logging.getLogger(name)
                self._levels[name] = logger.level
                logger.setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc):
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        self._warnings.__exit__(*exc)
        return False
