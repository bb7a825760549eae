"""Metrics per task, computed with torchmetrics on whole sets of predictions.

``compute(task, preds, targets, classes)`` returns a tidy DataFrame with columns ``metric``,
``output`` (``"all"`` for the summary over outputs, else a class, label or target name) and
``value``. ``preds`` are probabilities for classification (sigmoid for binary / multilabel,
softmax for multiclass) and values for regression. A probability is read as the positive
class above 0.5. Multilabel ``accuracy`` is per label (the share of right label calls,
scikit-learn's ``1 - hamming_loss``), not the share of samples with every label right.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torchmetrics.functional import classification as C
from torchmetrics.functional import regression as R

#: The metric early stopping and model selection look at by default, and whether higher is better.
DEFAULT_MONITOR = "loss"
HIGHER_IS_BETTER = {
    "auroc": True, "auprc": True, "accuracy": True, "f1": True, "mcc": True,
    "sensitivity": True, "specificity": True, "pearson": True, "spearman": True, "r2": True,
    "mse": False, "mae": False, "loss": False, "logloss": False,
}


#: The summary metrics (output "all") of each task: what early stopping can monitor.
SUMMARY = {
    "binary": ["auroc", "auprc", "accuracy", "f1", "mcc", "sensitivity", "specificity",
               "logloss"],
    "multiclass": ["accuracy", "f1", "mcc", "auroc", "logloss"],
    "multilabel": ["accuracy", "auroc", "auprc", "f1", "logloss"],
    "regression": ["pearson", "spearman", "mse", "mae", "r2"],
}


def compute(task: str, preds, targets, classes: list | None = None) -> pd.DataFrame:
    preds = torch.as_tensor(np.asarray(preds), dtype=torch.float32)
    targets = torch.as_tensor(np.asarray(targets))
    rows: list[tuple[str, str, float]] = []
    if task == "binary":
        p, t = preds.reshape(-1), targets.reshape(-1).long()
        one_class = bool(t.min() == t.max())
        # undefined with one class: AUROC / AUPRC, and the rate of the class that is absent
        undefined = {"auroc", "auprc", "specificity" if bool(t.min() == 1) else "sensitivity"} \
            if one_class else set()
        for name, fn in _BINARY.items():
            rows.append((name, "all", float("nan") if name in undefined else _safe(fn, p, t)))
    elif task == "multiclass":
        k = preds.shape[1]
        t = targets.long().reshape(-1)
        names = _names(classes, k)
        rows.append(("accuracy", "all", _safe(C.multiclass_accuracy, preds, t, k, average="micro")))
        rows.append(("f1", "all", _safe(C.multiclass_f1_score, preds, t, k, average="macro")))
        rows.append(("mcc", "all", _mcc(t, preds.argmax(dim=1))))
        counts = torch.bincount(t, minlength=k)
        # one class against the rest: its rate of hits needs the class, its specificity the
        # rest, its AUROC both (a set of one class has no AUROC at all)
        present, rest = counts > 0, counts < len(t)
        auroc = _absent_as_nan(_safe(C.multiclass_auroc, preds, t, k, average=None),
                               present & rest)
        rows.append(("auroc", "all", _nanmean(auroc)))
        rows.append(("logloss", "all", _multiclass_logloss(preds, t)))
        per_class = {
            "auroc": auroc,
            "sensitivity": _absent_as_nan(_safe(C.multiclass_recall, preds, t, k, average=None),
                                          present),
            "specificity": _absent_as_nan(
                _safe(C.multiclass_specificity, preds, t, k, average=None), rest),
            # (a class neither present nor predicted has no F1: NaN, as its sensitivity)
            "f1": _absent_as_nan(_safe(C.multiclass_f1_score, preds, t, k, average=None),
                                 present | (torch.bincount(preds.argmax(dim=1), minlength=k) > 0)),
        }
        rows += _per_output(per_class, names)
    elif task == "multilabel":
        k = preds.shape[1]
        t = targets.long()
        names = _names(classes, k)
        both = (t.min(dim=0).values != t.max(dim=0).values)  # labels with both values present
        per_label = {
            "auroc": _absent_as_nan(_safe(C.multilabel_auroc, preds, t, k, average=None), both),
            "auprc": _absent_as_nan(_safe(C.multilabel_average_precision, preds, t, k, average=None), both),
            "f1": _safe(C.multilabel_f1_score, preds, t, k, average=None),
            "logloss": _binary_logloss(preds, t, per_column=True),
        }
        rows.append(("accuracy", "all", _safe(C.multilabel_accuracy, preds, t, k, average="micro")))
        for name, values in per_label.items():
            rows.append((name, "all", _nanmean(values)))
        rows += _per_output(per_label, names)
    elif task == "regression":
        p = preds.reshape(len(preds), -1)
        t = targets.float().reshape(len(targets), -1)
        names = _names(classes, p.shape[1])
        per_target = {name: [_regression(name, fn, p[:, j], t[:, j]) for j in range(p.shape[1])]
                      for name, fn in _REGRESSION.items()}
        for name, values in per_target.items():
            rows.append((name, "all", _nanmean(values)))
        if p.shape[1] > 1:
            rows += _per_output(per_target, names)
    else:
        raise ValueError(f"unknown task {task!r}")
    return pd.DataFrame(rows, columns=["metric", "output", "value"])


def summary(table: pd.DataFrame) -> dict[str, float]:
    """The ``output == "all"`` rows as {metric: value}."""
    overall = table[table["output"] == "all"]
    return dict(zip(overall["metric"], overall["value"]))


def _mcc(t: torch.Tensor, predicted: torch.Tensor) -> float:
    """Matthews correlation as scikit-learn defines it (0 when a row or column is all zero)."""
    from sklearn.metrics import matthews_corrcoef

    return float(matthews_corrcoef(t.numpy(), predicted.numpy()))


#: Probabilities are clipped to [EPS, 1 - EPS] before the log (as scikit-learn's log_loss does
#: for float32), so that one confident mistake costs -log(EPS) ~ 16, not infinity.
EPS = float(np.finfo(np.float32).eps)


def _binary_logloss(p: torch.Tensor, t: torch.Tensor, per_column: bool = False):
    """Mean binary cross-entropy of probabilities ``p`` against 0/1 targets ``t`` (nats); with
    ``per_column``, a list with one value per column (multilabel)."""
    p = p.double().clamp(EPS, 1 - EPS)
    t = t.double()
    loss = -(t * torch.log(p) + (1 - t) * torch.log1p(-p))
    return loss.mean(dim=0).tolist() if per_column else float(loss.mean())


def _multiclass_logloss(p: torch.Tensor, t: torch.Tensor) -> float:
    """Mean -log(probability of the true class) (nats); rows of ``p`` sum to 1."""
    p = p.double().clamp(EPS, 1 - EPS)
    p = p / p.sum(dim=1, keepdim=True)
    return float(-torch.log(p[torch.arange(len(t)), t]).mean())


def _regression(name: str, fn, p: torch.Tensor, t: torch.Tensor) -> float:
    if name in ("pearson", "spearman") and (p.min() == p.max() or t.min() == t.max()):
        return float("nan")  # a correlation with a constant is undefined
    return _safe(fn, p, t)


def _absent_as_nan(values, present: torch.Tensor) -> list:
    if not isinstance(values, list):
        return [float("nan")] * len(present)
    return [v if bool(ok) else float("nan") for v, ok in zip(values, present)]


def _nanmean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values[~np.isnan(values)].mean()) if (~np.isnan(values)).any() else float("nan")


_BINARY = {
    "auroc": C.binary_auroc,
    "auprc": C.binary_average_precision,
    "accuracy": C.binary_accuracy,
    "f1": C.binary_f1_score,
    "mcc": lambda p, t: torch.tensor(_mcc(t, (p > 0.5).long())),
    "sensitivity": C.binary_recall,
    "specificity": C.binary_specificity,
    "logloss": lambda p, t: torch.tensor(_binary_logloss(p, t)),
}

_REGRESSION = {
    "pearson": R.pearson_corrcoef,
    "spearman": R.spearman_corrcoef,
    "mse": R.mean_squared_error,
    "mae": R.mean_absolute_error,
    "r2": R.r2_score,
}


def _safe(fn, *args, **kwargs):
    """The metric as float(s); NaN where it is undefined (e.g. AUROC with one class present)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = fn(*args, **kwargs)
        except (ValueError, RuntimeError):
            return float("nan")
    value = value.detach().cpu().numpy().astype(float)
    return float(value) if value.ndim == 0 else value.tolist()


def _names(classes, k: int) -> list[str]:
    return [str(c) for c in classes] if classes is not None and len(classes) == k else [
        str(j) for j in range(k)]


def _per_output(per: dict, names: list[str]) -> list[tuple[str, str, float]]:
    rows = []
    for metric, values in per.items():
        if not isinstance(values, list):
            values = [float("nan")] * len(names)
        rows += [(metric, name, float(v)) for name, v in zip(names, values)]
    return rows
