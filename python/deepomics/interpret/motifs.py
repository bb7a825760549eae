"""What the first convolution learned: filters as position weight matrices, matched to JASPAR.

``filter_motifs(model, X)`` reads the filters as DeepBind (Alipanahi et al. 2015) and Basset
(Kelley et al. 2016) did: the subsequences of ``X`` (filter-wide windows) at the positions
where a filter's activation exceeds ``threshold`` times its maximum over ``X`` are stacked into
letter counts, and the counts plus a pseudocount become a PWM ``(C, W)`` of probabilities.
Each filter's influence is measured as Basset did: the mean change of the model's raw outputs
over ``X`` when the filter's activation is replaced by its mean (the filter silenced); the
filters that matter most come first in ``FilterMotifs.ranked()``.

``match_motifs(motifs)`` compares the PWMs with JASPAR (pyjaspar's offline database, CORE
vertebrates by default) using Tomtom (memelite, Gupta et al. 2007's algorithm, Euclidean
distance, both strands) and returns the best matches as a table.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..args import count, non_negative_number, whole_number
from ..messages import as_written
from ..motifs import as_probabilities
from . import _utils as U

__all__ = ["FilterMotifs", "filter_motifs", "match_motifs", "information_content"]


@dataclass
class FilterMotifs:
    """The first convolution's filters read as motifs.

    ``pwms`` float64 ``(F, C, W)``: letter probabilities per filter (columns sum to 1);
    ``counts`` float64 ``(F, C, W)``: the letters of the activating subsequences (before the
    pseudocount; DeepBind's edge padding adds 1/C to each letter, an ``N`` adds nothing, so a
    column with Ns rests on fewer sites); ``n_sites`` int
    ``(F,)``: how many subsequences activated each filter; ``max_activation`` ``(F,)``: each
    filter's maximum over the data; ``letters``: the channel letters; ``layer``: the convolution's
    module name; ``threshold``: the fraction of the maximum used; ``influence`` float64
    ``(F, K)``: the mean of ``f(x) - f(x with the filter silenced)`` over the data for each raw
    output (positive: the filter raises the output), or None when not computed; ``target``:
    the output (column, sign) that ``target=`` named, which ``ranked`` and ``to_frame`` read,
    or None (several outputs and no target: their largest influence counts).
    """

    pwms: np.ndarray
    counts: np.ndarray
    n_sites: np.ndarray
    max_activation: np.ndarray
    letters: str
    layer: str
    threshold: float
    influence: np.ndarray | None = None
    target: U.Output | None = None

    def __len__(self) -> int:
        return len(self.pwms)

    def information(self) -> np.ndarray:
        """Information content ``(F, W)`` in bits of each filter's columns."""
        return information_content(self.pwms)

    def target_influence(self) -> np.ndarray | None:
        """(F,): the influence on the target output (its sign for a binary model's first
        class), the largest over the outputs when there is no target, None when not computed."""
        if self.influence is None:
            return None
        if self.target is None:
            return self.influence.max(axis=1)
        return self.target.sign * self.influence[:, self.target.column]

    def ranked(self) -> np.ndarray:
        """Filter indices by decreasing influence on the target output (by decreasing number
        of sites when influence was not computed)."""
        influence = self.target_influence()
        key = self.n_sites if influence is None else influence
        return np.argsort(-np.asarray(key, dtype=np.float64), kind="stable")

    def to_frame(self) -> pd.DataFrame:
        """One row per filter: filter, n_sites, max_activation, information (total bits) and
        influence on the target output (with several outputs and no target, ``influence_<k>``
        for each)."""
        frame = pd.DataFrame({"filter": np.arange(len(self)), "n_sites": self.n_sites,
                              "max_activation": self.max_activation,
                              "information": self.information().sum(axis=1)})
        if self.influence is not None:
            if self.target is not None:
                frame["influence"] = self.target_influence()
            else:
                for k in range(self.influence.shape[1]):
                    frame[f"influence_{k}"] = self.influence[:, k]
        return frame


def information_content(pwm: np.ndarray) -> np.ndarray:
    """Bits per column of probability matrices ``(..., C, W)``: log2(C) minus the entropy."""
    p = np.asarray(pwm, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=-2)
    return np.log2(p.shape[-2]) - entropy


def filter_motifs(model, X, *, threshold: float = 0.5, pseudocount: float = 0.1,
                  layer: str | None = None, influence: bool = True, target=None,
                  batch_size: int = 256, device: str = "auto") -> FilterMotifs:
    """PWMs of the first convolution's filters from the subsequences of ``X`` that activate
    them (see the module note). ``X``: sequences or one-hot ``(N, C, L)``. ``threshold``: the
    fraction of each filter's maximum activation over ``X`` a position must exceed.
    ``pseudocount``: added to every letter count before normalising. ``layer``: the name of
    another ``nn.Conv1d`` on the input (``dict(model.named_modules())``). ``influence``: also
    measure each filter's influence (F + 1 passes over ``X``); ``target``: the output that
    ranks the filters (as in ``ism``; None: the only output, or the largest influence over
    several)."""
    if not 0.0 <= non_negative_number(threshold, "threshold") < 1.0:
        raise ValueError(f"threshold must be a fraction in [0, 1), not {as_written(threshold)}")
    pseudocount = non_negative_number(pseudocount, "pseudocount")
    batch_size = U.check_batch_size(batch_size)
    x = U.one_hot_inputs(model, X)
    output = (U.output_column(model, target)
              if target is not None or U.n_outputs_of(model) == 1 else None)
    name, conv = _input_conv(model, layer, x.shape[1])
    width = conv.kernel_size[0]
    n_filters = conv.out_channels
    with U.on_device(model, device) as dev:
        peak = np.full(n_filters, -np.inf)
        for windows, activation in _activations(model, conv, x, batch_size, dev):
            peak = np.maximum(peak, activation.amax(dim=(0, 2)).double().cpu().numpy())
        cut = torch.as_tensor(np.where(peak > 0, threshold * peak, np.inf))
        counts = torch.zeros(n_filters, x.shape[1] * width, dtype=torch.float64)
        n_sites = torch.zeros(n_filters, dtype=torch.int64)
        for windows, activation in _activations(model, conv, x, batch_size, dev):
            active = activation.double().cpu() > cut.view(1, -1, 1)  # (N, F, P)
            n_sites += active.sum(dim=(0, 2))
            flat = windows.double().cpu().reshape(*windows.shape[:2], -1)  # (N, P, C*W)
            counts += torch.einsum("nfp,npk->fk", active.double(), flat)
        effect = _influence(model, conv, x, batch_size, dev) if influence else None
    counts = counts.numpy().reshape(n_filters, x.shape[1], width)
    smoothed = counts + pseudocount
    totals = smoothed.sum(axis=1, keepdims=True)
    pwms = np.where(totals > 0, smoothed / np.where(totals > 0, totals, 1), 1.0 / x.shape[1])
    return FilterMotifs(pwms=pwms, counts=counts, n_sites=n_sites.numpy(),
                        max_activation=np.where(np.isfinite(peak), peak, np.nan),
                        letters=U.letters_of(model), layer=name, threshold=float(threshold),
                        influence=effect, target=output)


def _input_conv(model, layer, n_channels) -> tuple[str, nn.Conv1d]:
    modules = dict(model.named_modules())
    if layer is not None:
        if layer not in modules or not isinstance(modules[layer], nn.Conv1d):
            convs = [n for n, m in modules.items() if isinstance(m, nn.Conv1d)]
            raise ValueError(f"layer={layer!r} is not a Conv1d of the model (its Conv1d "
                             f"layers: {', '.join(convs) or 'none'})")
        conv = modules[layer]
        if conv.in_channels != n_channels:
            raise ValueError(f"layer {layer!r} takes {conv.in_channels} channels, not the "
                             f"{n_channels} letters of the input: its filters are not motifs")
        found = (layer, conv)
    else:
        found = next(((n, m) for n, m in modules.items()
                      if isinstance(m, nn.Conv1d) and m.in_channels == n_channels), None)
        if found is None:
            raise ValueError(f"this {U.arch_name(model)} model has no convolution on its one-hot input, so "
                             "it has no first-layer filters to read as motifs")
    conv = found[1]
    if conv.stride[0] != 1 or conv.dilation[0] != 1 or conv.groups != 1:
        raise ValueError(f"filter_motifs reads plain convolutions (stride 1, no dilation, no "
                         f"groups); {found[0]!r} has stride {conv.stride[0]}, dilation "
                         f"{conv.dilation[0]}, groups {conv.groups}")
    return found


def _activations(model, conv: nn.Conv1d, x: np.ndarray, batch_size: int, dev):
    """Yields (windows (N, P, C, W), activation (N, F, P)) for each batch: the convolution's
    output and the input window behind each output position, from every call of the
    convolution (both strands of a strand-averaging model)."""
    width = conv.kernel_size[0]
    seen: list = []

    def keep(module, inputs, output):
        seen.append((inputs[0].detach(), output.detach()))

    handle = conv.register_forward_hook(keep)
    try:
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                seen.clear()
                batch = torch.from_numpy(np.array(x[start:start + batch_size], dtype=np.float32))
                model(batch.to(dev))
                for inputs, output in seen:
                    left, right = _padding(conv, inputs.shape[2])
                    padded = nn.functional.pad(inputs, (left, right))
                    windows = padded.unfold(2, width, 1).transpose(1, 2)  # (N, P, C, W)
                    yield windows[:, :output.shape[2]], output
    finally:
        handle.remove()


def _influence(model, conv: nn.Conv1d, x: np.ndarray, batch_size: int, dev) -> np.ndarray:
    """(F, K): mean over ``x`` of the raw outputs minus those with filter f's activation
    replaced by its mean over all sequences and positions."""
    total = torch.zeros(conv.out_channels, dtype=torch.float64)
    n_values = 0
    silence: dict = {}

    def observe_or_silence(module, inputs, output):
        nonlocal total, n_values
        if "filter" not in silence:
            total += output.double().sum(dim=(0, 2)).cpu()
            n_values += output.shape[0] * output.shape[2]
            return None
        output = output.clone()
        output[:, silence["filter"]] = silence["mean"]
        return output

    def outputs() -> torch.Tensor:
        outs = []
        with torch.inference_mode():
            for start in range(0, len(x), batch_size):
                batch = torch.from_numpy(np.array(x[start:start + batch_size], dtype=np.float32))
                outs.append(U.raw_outputs(model, batch.to(dev)).double().cpu())
        return torch.cat(outs)

    handle = conv.register_forward_hook(observe_or_silence)
    try:
        full = outputs()
        means = total / max(n_values, 1)
        effect = np.empty((conv.out_channels, full.shape[1]))
        for f in range(conv.out_channels):
            silence.update(filter=f, mean=float(means[f]))
            effect[f] = (full - outputs()).mean(dim=0).numpy()
    finally:
        handle.remove()
    return effect


def _padding(conv: nn.Conv1d, length: int) -> tuple[int, int]:
    if conv.padding == "same":
        total = conv.kernel_size[0] - 1
        return total // 2, total - total // 2
    if conv.padding == "valid":
        return 0, 0
    if conv.padding_mode != "zeros":
        raise ValueError(f"filter_motifs reads zero-padded convolutions, not padding_mode="
                         f"{conv.padding_mode!r}")
    return conv.padding[0], conv.padding[0]


# ---- Tomtom against JASPAR ---------------------------------------------------------------------


def match_motifs(motifs, *, collection: str = "CORE", tax_group: str | None = "vertebrates",
                 targets: dict | None = None, n_matches: int = 1, min_sites: int = 10,
                 trim: float = 0.3, n_jobs: int = 1) -> pd.DataFrame:
    """The best JASPAR matches of each motif, by Tomtom p-value: a DataFrame with columns
    filter, jaspar_id, name, p_value, e_value (p times the number of targets), q_value
    (Benjamini-Hochberg over each motif's targets), offset (the target column aligned with
    the motif's first column; negative: the motif starts before the target), overlap,
    orientation ("+", or "-" for the target's reverse complement) and n_sites; sorted by filter,
    then p-value.

    ``motifs``: a ``FilterMotifs`` (filters with fewer than ``min_sites`` sites are left out),
    a PWM array ``(F, 4, W)``, or a dict {name: PWM (4, W)}. ``collection`` / ``tax_group``
    choose the JASPAR matrices (latest versions); ``targets`` replaces them with your own
    {id: (name, PWM)}. ``trim``: each motif's edge columns below this many bits are left out
    first (a filter wider than its motif has near-uniform flanks, which would favour long
    JASPAR matrices); offsets still count the untrimmed motif's columns.
    """
    n_matches, trim = count(n_matches, "n_matches"), non_negative_number(trim, "trim")
    min_sites = whole_number(min_sites, "min_sites")
    queries, names, sites, shifts = _queries(motifs, min_sites, trim)
    if targets is None:
        ids, target_names, pwms = _jaspar(collection, tax_group)
    else:
        ids = list(targets)
        target_names = [targets[k][0] for k in ids]
        pwms = [as_probabilities(targets[k][1], f"targets[{k!r}]") for k in ids]
    columns = ["filter", "jaspar_id", "name", "p_value", "e_value", "q_value", "offset",
               "overlap", "orientation", "n_sites"]
    if not queries:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    from memelite.tomtom import tomtom

    p, _, offsets, overlaps, strands = tomtom(
        [np.asfortranarray(q) for q in queries], [np.ascontiguousarray(t) for t in pwms],
        n_jobs=n_jobs)[:5]
    rows = []
    n_targets = len(pwms)
    for i, name in enumerate(names):
        order = np.argsort(p[i], kind="stable")[:n_matches]
        q = _bh(p[i])
        for j in order:
            rows.append({"filter": name, "jaspar_id": ids[j], "name": target_names[j],
                         "p_value": float(p[i, j]), "e_value": float(p[i, j] * n_targets),
                         "q_value": float(q[j]),
                         "offset": int(offsets[i, j]) - shifts[i],
                         "overlap": int(overlaps[i, j]),
                         "orientation": "-" if strands[i, j] else "+", "n_sites": sites[i]})
    return pd.DataFrame(rows, columns=columns)


def _queries(motifs, min_sites, trim):
    if isinstance(motifs, FilterMotifs):
        letters = motifs.letters.upper().replace("U", "T")
        if sorted(letters) != list("ACGT"):
            raise ValueError(f"JASPAR holds DNA motifs; these filters read the "
                             f"{motifs.letters!r} alphabet")
        rows = [letters.index(c) for c in "ACGT"]  # JASPAR's order, whatever the model's
        keep = np.flatnonzero(motifs.n_sites >= min_sites)
        items = [(int(f), motifs.pwms[f][rows], int(motifs.n_sites[f])) for f in keep]
    elif isinstance(motifs, dict):
        items = [(k, as_probabilities(v, f"motifs[{k!r}]"), None) for k, v in motifs.items()]
    else:
        arr = np.asarray(motifs, dtype=np.float64)
        if arr.ndim == 2:
            arr = arr[None]
        items = [(f, as_probabilities(arr[f], f"motifs[{f}]"), None) for f in range(len(arr))]
    queries, names, sites, shifts = [], [], [], []
    for name, pwm, n in items:
        shift = 0
        if trim > 0:
            bits = information_content(pwm)
            inside = np.flatnonzero(bits >= trim)
            if not inside.size:  # nothing informative: no motif to match
                continue
            shift = int(inside[0])
            pwm = pwm[:, inside[0]:inside[-1] + 1]
        queries.append(pwm)
        names.append(name)
        sites.append(n)
        shifts.append(shift)
    return queries, names, sites, shifts


@functools.lru_cache(maxsize=8)
def _jaspar(collection: str, tax_group: str | None):
    """(ids, names, PWMs (4, W)) of the latest JASPAR matrices of a collection / taxon."""
    import warnings

    from pyjaspar import jaspardb

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = jaspardb().fetch_motifs(collection=collection,
                                        tax_group=[tax_group] if tax_group else None)
    if not found:
        raise ValueError(f"JASPAR has no matrices for collection={collection!r}, "
                         f"tax_group={tax_group!r} (e.g. 'CORE' and 'vertebrates', 'plants', "
                         "'insects', 'nematodes', 'fungi', 'urochordates')")
    ids, names, pwms = [], [], []
    for motif in found:
        counts = np.array([motif.counts[b] for b in "ACGT"], dtype=np.float64)
        ids.append(motif.matrix_id)
        names.append(motif.name)
        pwms.append(as_probabilities(counts, motif.matrix_id))
    return ids, names, pwms


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of one motif's p-values over the targets."""
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out
