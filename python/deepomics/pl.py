"""Plots of training and of what models give back (matplotlib; scanpy's embedding plot for
latents). Each returns the matplotlib Axes it drew on (or a list of them) and takes ``ax=`` to
draw into an existing figure.

- ``history``: per-epoch loss and metrics, training and validation, the kept epoch marked.
- ``latent``: cells in two latent dimensions coloured by an ``obs`` column (``sc.pl.embedding``).
- ``predicted_vs_observed``: a regression's predictions against the truth, with r and R^2.
"""
from __future__ import annotations

import numpy as np

from .messages import listing

__all__ = ["history", "latent", "predicted_vs_observed"]


def history(model, metrics=None, *, axes=None):
    """One panel per metric (``"loss"``, ``"auroc"``, ...; ``None``: all in ``model.history``),
    training and validation as two lines, the kept (best) epoch as a dashed line; epochs from 1.
    Returns the list of Axes."""
    import matplotlib.pyplot as plt

    table = getattr(model, "history", None)
    if table is None or not len(table):
        raise ValueError("the model has no training history: train it with deepomics.train.fit")
    names = [c.split("_", 1)[1] for c in table.columns if c.startswith(("train_", "valid_"))]
    names = list(dict.fromkeys(names))
    if isinstance(metrics, str):  # one metric by name
        metrics = [metrics]
    if metrics is not None:
        unknown = [m for m in metrics if m not in names]
        if unknown:
            raise ValueError(f"the history has no metric {', '.join(unknown)} (it has: "
                             f"{', '.join(names)})")
        names = list(metrics)
    if axes is None:
        _, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8), squeeze=False)
        axes = list(axes[0])
    epochs = table["epoch"].to_numpy() + 1
    best = getattr(model, "best_epoch", None)
    for ax, name in zip(axes, names):
        for split, style in (("train", "-"), ("valid", "--")):
            column = f"{split}_{name}"
            if column in table and table[column].notna().any():
                ax.plot(epochs, table[column].to_numpy(), style, marker="o", markersize=3,
                        label="training" if split == "train" else "validation")
        if best is not None:
            ax.axvline(best + 1, color="grey", linestyle=":", linewidth=1)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend(frameon=False, fontsize=8)
    return axes


def latent(adata, color, *, key: str = "X_deepomics", dims=(0, 1), ax=None, **kwargs):
    """Cells in latent dimensions ``dims`` of ``obsm[key]`` (from ``tl.autoencoder``), coloured by
    ``obs[color]``, through ``scanpy.pl.embedding``; extra arguments go to it. Returns the Axes."""
    import scanpy as sc

    if key not in adata.obsm:
        raise KeyError(f"{key!r} is not in adata.obsm (it has: {', '.join(adata.obsm.keys())}); "
                       "run deepomics.tl.autoencoder first or pass key=")
    width = np.shape(adata.obsm[key])[1]
    pairs = [dims] if all(isinstance(d, (int, np.integer)) for d in dims) else list(dims)
    for pair in pairs:  # one pair, or several (one panel each), as scanpy takes them
        if len(tuple(pair)) != 2 or not all(isinstance(d, (int, np.integer)) and 0 <= d < width
                                            for d in pair):
            raise ValueError(f"dims must be two latent dimensions between 0 and {width - 1} (obsm"
                             f"[{key!r}] has {width}), not {dims!r}")
    genes = set(adata.var_names) | (set(adata.raw.var_names) if adata.raw is not None else set())
    for name in [color] if isinstance(color, str) else list(color or []):
        if "gene_symbols" not in kwargs and name not in adata.obs.columns and name not in genes:
            raise KeyError(f"color {name!r} is neither an obs column nor a gene (obs has: "
                           f"{listing(adata.obs.columns)})")
    # the key itself: scanpy looks up obsm[basis] before obsm["X_" + basis], so "deepomics"
    # would plot obsm["deepomics"] (tl.predict's) when both are there
    return sc.pl.embedding(adata, basis=key, color=color, dimensions=tuple(dims), ax=ax,
                           show=False, **kwargs)


def predicted_vs_observed(predicted, observed, *, ax=None, title: str | None = None):
    """A scatter of predictions against observed values (arrays of one shape, flattened), the
    identity line, and Pearson's r and R^2 in the title. Returns the Axes."""
    import matplotlib.pyplot as plt

    if all(hasattr(v, "columns") and hasattr(v, "index") for v in (predicted, observed)):
        # two tables: matched by target and cell name, not by position
        if set(predicted.columns) != set(observed.columns) or \
                set(predicted.index) != set(observed.index):
            raise ValueError("predicted and observed are tables of other targets or cells (their "
                             "columns or index differ); give the same ones")
        observed = observed.loc[predicted.index, predicted.columns]
    p, o = (np.asarray(v.toarray() if hasattr(v, "toarray") else v, dtype=np.float64).ravel()
            for v in (predicted, observed))
    if p.shape != o.shape:
        raise ValueError(f"predicted has {p.size} values but observed {o.size}; give the same cells "
                         "and targets in the same order")
    for name, values in (("predicted", p), ("observed", o)):
        if not np.isfinite(values).all():
            raise ValueError(f"{name} holds NaN or infinite values ({int((~np.isfinite(values)).sum())}"
                             f", the first at flat position {int(np.flatnonzero(~np.isfinite(values))[0])}); "
                             "drop those cells first")
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.4))
    ax.scatter(o, p, s=4, alpha=0.4, linewidths=0)
    low, high = float(min(o.min(), p.min())), float(max(o.max(), p.max()))
    ax.plot([low, high], [low, high], color="grey", linewidth=1)
    r = float(np.corrcoef(o, p)[0, 1])
    r2 = 1.0 - float(((o - p) ** 2).sum() / ((o - o.mean()) ** 2).sum())
    ax.set_xlabel("observed")
    ax.set_ylabel("predicted")
    ax.set_title(f"{title + ': ' if title else ''}r = {r:.3f}, R² = {r2:.3f}", fontsize=9)
    return ax
