"""Cross-validation of one model config: train on k - 1 folds, score on the held-out one.

Folds are seeded and stratified by class for classification (``groups``: by group, e.g.
chromosome, so that no group is on both sides). Within each training part, early stopping
watches an inner seeded validation split, never the held-out fold, so the fold's score is an
honest estimate.
"""
from __future__ import annotations

import numpy as np
import torch

from ..train import data as D
from ..train import metrics as M


def subset(x, index: np.ndarray):
    """Rows ``index`` of inputs or labels as the user holds them: a list of sequences, an
    array, a sparse matrix, a DataFrame / Series, an AnnData (a view) or None."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [x[i] for i in index]
    if hasattr(x, "iloc"):
        return x.iloc[index]
    if D.is_anndata(x):
        return x[index]
    if isinstance(x, torch.Tensor):
        return x[torch.as_tensor(index, dtype=torch.long)]
    if hasattr(x, "take") and not hasattr(x, "tocsr"):  # pandas Categorical, NumPy
        return x.take(index, axis=0) if hasattr(x, "ndim") else x.take(index)
    return x[index]


def folds(data, *, cv: int | None, valid_fraction: float, task: str | None, groups=None,
          seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, held-out) index pairs: ``cv`` folds, or one seeded split of ``valid_fraction``."""
    x, y = data
    y = D.labels_from(y, x)
    groups = D.groups_from(groups, x)
    n = x.n_obs if D.is_anndata(x) else (x.shape[0] if hasattr(x, "shape") else len(x))
    task = task or (D.infer_task(y) if y is not None else "regression")
    stratify = None
    if task in ("binary", "multiclass") and y is not None:
        stratify = D._label_array(y).reshape(n, -1)[:, 0]
    if cv:
        if int(cv) < 2:
            raise ValueError(f"cv must be 2 folds or more, not {cv}")
        if stratify is not None:
            values, counts = np.unique(D._label_array(stratify), return_counts=True)
            if (counts < 2).any():
                lonely = ", ".join(map(str, values[counts < 2]))
                raise ValueError(f"each class needs 2 samples or more for {int(cv)}-fold "
                                 f"cross-validation (the fold that holds out a class's only "
                                 f"sample trains without it); {lonely} have 1: drop those "
                                 "samples or gather more")
        splits = D.kfold(n, int(cv), stratify=stratify, groups=groups, seed=seed)
    else:
        splits = [D.split(n, valid_fraction=valid_fraction, stratify=stratify, groups=groups,
                          seed=seed)]
    if stratify is not None and groups is not None:
        _check_fold_classes(splits, D._label_array(stratify), np.asarray(groups))
    if groups is None:
        _warn_repeated_sequences(x)
    return splits


def _warn_repeated_sequences(x) -> None:
    """Identical sequences land on both sides of a split (a model scored on what it trained on);
    said, with the way to keep copies together. Sequences given as text only."""
    import warnings

    from .. import DeepomicsWarning

    if not (isinstance(x, list) and x and isinstance(x[0], (str, bytes))):
        return
    n_distinct = len(set(s.upper() if isinstance(s, str) else s.upper() for s in x))
    if n_distinct < len(x):
        warnings.warn(f"{len(x) - n_distinct} of the {len(x)} sequences repeat another one: "
                      "random folds put copies on both sides, so the held-out score is "
                      "optimistic; drop the copies, or keep them together with groups= (e.g. "
                      "one group per distinct sequence)", DeepomicsWarning, stacklevel=3)


def _check_fold_classes(splits, labels: np.ndarray, groups: np.ndarray) -> None:
    """Folds by groups keep each group on one side, so a fold can hold out one class only (it
    cannot be scored: AUROC is undefined) or train without a class; refused up front, naming
    the fold and its held-out groups, rather than failing every trial."""
    classes = np.unique(labels)
    for i, (train, held_out) in enumerate(splits):
        held = np.unique(labels[held_out])
        missing = np.setdiff1d(classes, np.unique(labels[train]))
        if len(held) > 1 and not missing.size:
            continue
        names = np.unique(groups[held_out].astype(str))
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        what = (f"holds out class {held[0]} only" if len(held) < 2
                else f"trains without class {', '.join(map(str, missing))}")
        raise ValueError(f"with these groups, fold {i + 1} of {len(splits)} (holding out groups "
                         f"{shown}) {what}: each fold must hold out and train on every class "
                         "to be scored; use fewer folds, or groups that each hold several "
                         "classes")


def _check_inner_splits(y, splits, task: str, fraction: float) -> None:
    """Early stopping splits each training part again, stratified by class: a class with one
    sample in a training part cannot be on both sides. Refused before any fold trains, naming
    the fold (the split's own advice, to give valid_data, does not apply here)."""
    if task not in ("binary", "multiclass"):
        return
    labels = D._label_array(y)
    labels = labels.reshape(len(labels), -1)[:, 0]
    for i, (train, _) in enumerate(splits):
        values, counts = np.unique(labels[train], return_counts=True)
        if (counts < 2).any():
            alone = ", ".join(str(v) for v in values[counts < 2][:5])
            raise ValueError(
                f"fold {i + 1} of {len(splits)} trains on one sample of class {alone}: early "
                f"stopping's inner validation split (inner_valid) is stratified and needs 2 of "
                f"every class in each training part; drop that class's samples or gather more "
                f"(3 or more per class), or search without early_stopping")
        n_valid, k = int(np.ceil(fraction * len(train))), len(values)
        if min(n_valid, len(train) - n_valid) < k:
            side = "validation" if n_valid < k else "training"
            raise ValueError(
                f"fold {i + 1} of {len(splits)}: early stopping's inner split (inner_valid="
                f"{fraction:g}) of its {len(train)} training samples leaves "
                f"{min(n_valid, len(train) - n_valid)} for {side}, fewer than the {k} classes; "
                f"use inner_valid={np.ceil(k / len(train) * 100) / 100:g} or more, fewer folds, "
                f"or no early_stopping")


def score(model, data, metric: str) -> float:
    """The summary ``metric`` of a fitted model on ``(x, y)`` (``loss``: not available here)."""
    from ..train import evaluate

    table = evaluate(model, data)
    values = M.summary(table)
    if metric not in values:
        raise ValueError(f"metric {metric!r} is not reported for {model.task} models (they have: "
                         f"{', '.join(values)})")
    return float(values[metric])


def cross_validate(config: dict, data, splits, *, metric: str, fit_args: dict, seed: int = 0,
                   inner_valid: float = 0.1, groups=None, on_fold=None) -> list[float]:
    """The held-out ``metric`` of ``config`` on each split. ``on_fold(i, scores_so_far)`` runs
    after each fold (a search reports to its pruner there and may stop the trial). With
    ``groups`` (the folds' groups), early stopping's inner validation split of each training
    part keeps groups together too, so no group is both trained on and watched."""
    from ..train import fit

    x, y = data
    y = D.labels_from(y, x)
    if fit_args.get("early_stopping") and inner_valid and groups is None and y is not None:
        _check_inner_splits(y, splits, fit_args.get("task") or D.infer_task(y),
                            fit_args.get("valid_fraction", inner_valid))
    scores = []
    for i, (train, held_out) in enumerate(splits):
        args = dict(fit_args)
        if args.get("early_stopping") and inner_valid:
            args.setdefault("valid_fraction", inner_valid)
            if groups is not None:
                args.setdefault("groups", subset(np.asarray(groups), train))
        model = fit(dict(config), (subset(x, train), subset(y, train)), seed=seed + i, **args)
        scores.append(score(model, (subset(x, held_out), subset(y, held_out)), metric))
        if on_fold is not None:
            on_fold(i, scores)
    return scores
