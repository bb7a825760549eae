"""Plots of what a model learned: sequence logos (logomaker) of filters and attributions, and
DeepBind-style mutation maps. Each returns the matplotlib Axes or Figure it drew on.
"""
from __future__ import annotations

import numpy as np

from .motifs import FilterMotifs, information_content

__all__ = ["plot_logo", "plot_attribution", "plot_filter_logos", "plot_mutation_map"]


def plot_logo(matrix, *, letters: str = "ACGT", kind: str = "information", ax=None,
              title: str | None = None):
    """A sequence logo of a ``(C, W)`` matrix on ``ax`` (a new figure when None); returns the
    Axes. ``kind``: ``"information"`` (a PWM's letters scaled by the column's information
    content, in bits), ``"probability"`` (a PWM's letters as they are) or ``"weights"``
    (signed values such as attributions, letters below the axis for negative values)."""
    import logomaker
    import pandas as pd

    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(letters):
        raise ValueError(f"a logo takes a ({len(letters)}, W) matrix for letters {letters!r}; "
                         f"got shape {values.shape} (one sequence: attributions[i])")
    if not np.isfinite(values).all():
        column = int(np.flatnonzero(~np.isfinite(values).all(axis=0))[0])
        raise ValueError(f"the logo's matrix holds NaN or infinite values (first in column "
                         f"{column}); a model whose weights became NaN gives such attributions: "
                         "retrain it, or draw a finite matrix")
    if kind == "information":
        totals = values.sum(axis=0, keepdims=True)
        probs = values / np.where(totals > 0, totals, 1)
        values = probs * information_content(probs)[None, :]
    elif kind == "probability":
        totals = values.sum(axis=0, keepdims=True)
        values = values / np.where(totals > 0, totals, 1)
    elif kind != "weights":
        raise ValueError(f"kind must be 'information', 'probability' or 'weights', not {kind!r}")
    ax = _axes(ax, width=max(3.0, 0.25 * values.shape[1]), height=1.8)
    frame = pd.DataFrame(values.T, columns=list(letters))
    logomaker.Logo(frame, ax=ax, color_scheme=_colors(letters), flip_below=True)
    ax.set_xlim(-0.5, values.shape[1] - 0.5)
    if kind == "information":
        ax.set_ylim(0, np.log2(len(letters)))
        ax.set_ylabel("bits")
    elif kind == "probability":
        ax.set_ylim(0, 1)
        ax.set_ylabel("probability")
    else:
        ax.axhline(0, color="0.5", linewidth=0.5)
        ax.set_ylabel("attribution")
    if title:
        ax.set_title(title)
    return ax


def plot_attribution(attributions, *, letters: str = "ACGT", ax=None, start: int = 0,
                     end: int | None = None, title: str | None = None):
    """A logo of one sequence's attributions ``(C, L)`` (``attribute(...)[i]`` or
    ``ism(..., center=True, hypothetical=False)[i]``) from ``start`` to ``end``; returns the
    Axes. The x axis counts positions of the whole sequence."""
    values = np.asarray(attributions, dtype=np.float64)
    if values.ndim == 3:
        raise ValueError(f"plot one sequence at a time: attributions[i] of shape "
                         f"{values.shape[1:]}, not the whole array {values.shape}")
    end = values.shape[-1] if end is None else end
    ax = plot_logo(values[:, start:end], letters=letters, kind="weights", ax=ax, title=title)
    ticks = [t for t in ax.get_xticks() if float(t).is_integer()]  # (positions are whole)
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(int(t) + start) for t in ticks])
    ax.set_xlim(-0.5, end - start - 0.5)
    return ax


def plot_filter_logos(motifs: FilterMotifs, *, filters=None, matches=None, ncols: int = 4,
                      kind: str = "information"):
    """One logo per filter of a ``FilterMotifs`` (all, or the indices in ``filters``), titled
    with the filter, its number of sites and, given ``matches`` (``match_motifs``'s table), its
    best JASPAR match; returns the Figure."""
    import matplotlib.pyplot as plt

    if not isinstance(motifs, FilterMotifs):
        raise TypeError(f"plot_filter_logos takes filter_motifs()'s result, not "
                        f"{type(motifs).__name__}")
    chosen = list(range(len(motifs))) if filters is None else [int(f) for f in filters]
    for f in chosen:
        if not 0 <= f < len(motifs):
            raise ValueError(f"filter {f} does not exist: there are {len(motifs)} (0 to "
                             f"{len(motifs) - 1})")
    best = {}
    if matches is not None and len(matches):
        for row in matches.sort_values("p_value").itertuples(index=False):
            best.setdefault(row.filter, f"{row.name} ({row.jaspar_id}, p={row.p_value:.1e})")
    ncols = max(1, min(ncols, len(chosen)))
    nrows = -(-len(chosen) // ncols)
    width = motifs.pwms.shape[2]
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * max(3.0, 0.22 * width), nrows * 1.9),
                             squeeze=False)
    for ax, f in zip(axes.flat, chosen):
        title = f"filter {f}: {motifs.n_sites[f]} sites"
        if f in best:
            title += f"\n{best[f]}"
        plot_logo(motifs.pwms[f], letters=motifs.letters, kind=kind, ax=ax, title=title)
    for ax in list(axes.flat)[len(chosen):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_mutation_map(effects, sequence, *, letters: str = "ACGT", start: int = 0,
                      end: int | None = None, title: str | None = None):
    """A DeepBind mutation map of one sequence: on top its letters, each as tall as the largest
    loss a substitution there causes (``max(0, -min effect)``); below, a heatmap ``(C, L)`` of
    every substitution's effect (``ism(...)[i]``; blue lowers the prediction, red raises it).
    ``sequence``: a str or one-hot ``(C, L)``. Returns the Figure (axes: logo, heatmap,
    colour bar)."""
    import matplotlib.pyplot as plt

    values = np.asarray(effects, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(letters):
        raise ValueError(f"a mutation map takes one sequence's effects ({len(letters)}, L), "
                         f"e.g. ism(model, X)[i]; got shape {values.shape}")
    onehot = _one_hot(sequence, letters, values.shape[1])
    length = values.shape[1]
    end = length if end is None else end
    if not all(isinstance(v, (int, np.integer)) or (isinstance(v, (float, np.floating))
                                                     and float(v).is_integer())
               for v in (start, end)) or not 0 <= start < end <= length:
        raise ValueError(f"start and end must be whole numbers with 0 <= start < end <= {length} "
                         f"(the positions to show); got start={start!r}, end={end!r}")
    start, end = int(start), int(end)
    values, onehot = values[:, start:end], onehot[:, start:end]
    loss = np.clip(-values.min(axis=0), 0, None)
    width = min(max(4.0, 0.16 * values.shape[1]), 16.0)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(width, 3.4), sharex=True,
                                      gridspec_kw={"height_ratios": [1, 1.2]},
                                      layout="constrained")
    plot_logo(onehot * loss[None, :], letters=letters, kind="weights", ax=top, title=title)
    top.set_ylabel("loss")
    limit = float(np.abs(values).max()) or 1.0
    image = bottom.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest")
    bottom.set_yticks(range(len(letters)))
    bottom.set_yticklabels(list(letters))
    ticks = [t for t in bottom.get_xticks() if 0 <= t < values.shape[1] and float(t).is_integer()]
    bottom.set_xticks(ticks)
    bottom.set_xticklabels([str(int(t) + start) for t in ticks])
    bottom.set_xlabel("position")
    fig.colorbar(image, ax=[top, bottom], label="effect on output", fraction=0.03, pad=0.01,
                 aspect=12)
    return fig


def _one_hot(sequence, letters: str, length: int) -> np.ndarray:
    if isinstance(sequence, str):
        from .. import seq

        onehot = seq.one_hot([sequence], alphabet=letters)[0]
    else:
        onehot = np.asarray(sequence, dtype=np.float64)
    if onehot.shape != (len(letters), length):
        raise ValueError(f"the sequence must be {length} letters long (one-hot "
                         f"({len(letters)}, {length})) like its effects; got shape "
                         f"{onehot.shape}")
    return onehot


def _axes(ax, width: float, height: float):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(min(width, 20.0), height))[1]


def _colors(letters: str):
    upper = letters.upper()
    if set(upper) <= set("ACGTU"):
        return {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839",
                "U": "#D62839"}
    return "chemistry" if len(upper) == 20 else "classic"
