"""Gradient attributions through captum: which letters the model's output rests on.

``attribute(model, X, method=...)`` returns ``(N, C, L)`` float32 for the model's raw output
``target`` (the log-odds for a classifier):

- ``"saliency"``: the absolute gradient (Simonyan et al. 2014), every letter of every position.
- ``"input_x_gradient"``: gradient times input, on the observed letters.
- ``"integrated_gradients"`` (Sundararajan et al. 2017), ``"deeplift"`` (Shrikumar et al.
  2017; the rescale rule) and ``"deepshap"`` (DeepLIFT averaged over several references, as
  in DeepExplainer / tangermeme's ``deep_lift_shap``): against dinucleotide-shuffled copies of
  each sequence (``n_references`` of them, seeded). Their multipliers ``m`` are turned into
  hypothetical contributions ``m[c, l] - sum_c' ref[c', l] m[c', l]`` (what letter ``c`` at
  ``l`` would contribute), averaged over the references, and kept on the observed letters
  unless ``hypothetical=True``. Summed over a sequence they add up (for DeepLIFT exactly,
  for integrated gradients up to the path integral's error) to the output's difference from
  the references' mean; a warning says when they do not.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from . import _utils as U
from ._deeplift import DeepLiftable, check_not_reused, corrected_maxpool_rule, orientations
from .dinuc_shuffle import dinucleotide_shuffle

__all__ = ["METHODS", "attribute"]

METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "deeplift", "deepshap")
_DEFAULT_REFERENCES = {"integrated_gradients": 10, "deeplift": 1, "deepshap": 20}
_TOLERANCE = {"deeplift": 0.01, "deepshap": 0.01, "integrated_gradients": 0.05}


def attribute(model, X, *, method: str = "saliency", target=None, n_references: int | None = None,
              references=None, n_steps: int = 50, hypothetical: bool = False,
              batch_size: int = 128, device: str = "auto", seed: int = 0) -> np.ndarray:
    """Attributions ``(N, C, L)`` float32 of the model's raw output ``target`` to the letters of
    ``X`` (sequences or one-hot ``(N, C, L)``) by ``method`` (see the module note).

    ``n_references``: dinucleotide shuffles per sequence for the baseline methods (defaults:
    10 for integrated gradients, 1 for deeplift, 20 for deepshap), drawn with ``seed``; or give
    ``references`` yourself, one-hot ``(N, R, C, L)``. ``n_steps``: integrated gradients' steps
    along the path. ``batch_size``: sequence-reference pairs per pass.
    """
    if method not in METHODS:
        raise ValueError(f"unknown attribution method {method!r}; choose one of "
                         f"{', '.join(METHODS)}")
    batch_size = U.check_batch_size(batch_size)
    x = U.one_hot_inputs(model, X)
    output = U.output_column(model, target)
    with U.on_device(model, device) as dev:
        if method in ("saliency", "input_x_gradient"):
            return _gradient_method(model, x, output, method, hypothetical, batch_size, dev)
        refs = _references(x, method, n_references, references, seed)
        return _baseline_method(model, x, refs, output, method, n_steps, hypothetical,
                                batch_size, dev)


def _gradient_method(model, x, output, method, hypothetical, batch_size, dev) -> np.ndarray:
    from captum.attr import InputXGradient, Saliency

    forward = _Column(model, output)
    explainer = (Saliency(forward) if method == "saliency" or hypothetical
                 else InputXGradient(forward))
    out = np.empty(x.shape, dtype=np.float32)
    for start in range(0, len(x), batch_size):
        batch = _tensor(x[start:start + batch_size], dev)
        if method == "saliency":
            values = explainer.attribute(batch, abs=True)
        elif hypothetical:  # the gradient: what each letter would contribute, linearly
            values = explainer.attribute(batch, abs=False)
        else:
            values = explainer.attribute(batch)
        out[start:start + batch_size] = values.detach().float().cpu().numpy()
    return out


def _references(x, method, n_references, references, seed) -> np.ndarray:
    if references is not None:
        refs = np.asarray(references, dtype=np.float32)
        if refs.ndim == 3:
            refs = refs[:, None]
        if refs.ndim != 4 or refs.shape[0] != x.shape[0] or refs.shape[2:] != x.shape[1:]:
            raise ValueError(f"references must be one-hot (N, R, C, L) = ({x.shape[0]}, R, "
                             f"{x.shape[1]}, {x.shape[2]}), R per sequence; got shape "
                             f"{refs.shape}")
        return refs
    n = _DEFAULT_REFERENCES[method] if n_references is None else n_references
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n_references must be a positive whole number, not {n_references!r}")
    return dinucleotide_shuffle(x, n=int(n), seed=seed)


def _baseline_method(model, x, refs, output, method, n_steps, hypothetical, batch_size,
                     dev) -> np.ndarray:
    n, r = refs.shape[:2]
    pair_seq = np.repeat(np.arange(n), r)
    pair_ref = refs.reshape(n * r, *x.shape[1:])
    multipliers = np.empty((n * r, *x.shape[1:]), dtype=np.float32)
    if method == "integrated_gradients":
        _ig_multipliers(model, x, pair_seq, pair_ref, output, n_steps, batch_size, dev,
                        multipliers)
    else:
        _deeplift_multipliers(model, x, pair_seq, pair_ref, output, batch_size, dev, multipliers)
    _check_completeness(model, x, pair_seq, pair_ref, multipliers, output, method, batch_size,
                        dev)
    # hypothetical contribution of letter c at l: m[c, l] - sum_c' ref[c', l] m[c', l]
    hyp = multipliers - (pair_ref * multipliers).sum(axis=1, keepdims=True)
    hyp = hyp.reshape(n, r, *x.shape[1:]).mean(axis=1)
    return hyp if hypothetical else hyp * x


def _ig_multipliers(model, x, pair_seq, pair_ref, output, n_steps, batch_size, dev, out) -> None:
    from captum.attr import IntegratedGradients

    explainer = IntegratedGradients(_Column(model, output), multiply_by_inputs=False)
    for start in range(0, len(pair_seq), batch_size):  # n_steps x pairs rows, batch_size a pass
        rows = slice(start, start + batch_size)
        inputs = _tensor(x[pair_seq[rows]], dev)
        baselines = _tensor(pair_ref[rows], dev)
        values = explainer.attribute(inputs, baselines=baselines, n_steps=n_steps,
                                     internal_batch_size=batch_size)
        out[rows] = values.detach().float().cpu().numpy()


def _deeplift_multipliers(model, x, pair_seq, pair_ref, output, batch_size, dev, out) -> None:
    from captum.attr import DeepLift

    strands = orientations(model)
    out[:] = 0.0
    sample = _tensor(x[:2], dev)
    for orientation in strands:
        wrapper = DeepLiftable(model, output, orientation).prepare(sample)
        check_not_reused(wrapper, sample)
        explainer = DeepLift(wrapper, multiply_by_inputs=False)
        for start in range(0, len(pair_seq), batch_size):
            rows = slice(start, start + batch_size)
            inputs = _tensor(x[pair_seq[rows]], dev)
            baselines = _tensor(pair_ref[rows], dev)
            with warnings.catch_warnings(), corrected_maxpool_rule():
                warnings.simplefilter("ignore", UserWarning)  # captum: "Setting ... hooks"
                values = explainer.attribute(inputs, baselines=baselines)
            out[rows] += values.detach().float().cpu().numpy() / len(strands)


def _check_completeness(model, x, pair_seq, pair_ref, multipliers, output, method, batch_size,
                        dev) -> None:
    """Warns when the attributions do not add up to the output differences."""
    f_x = U.batched_outputs(model, x, output, batch_size, dev).numpy()[pair_seq]
    f_ref = U.batched_outputs(model, pair_ref, output, batch_size, dev).numpy()
    total = ((x[pair_seq] - pair_ref) * multipliers).sum(axis=(1, 2))
    difference = f_x - f_ref
    scale = max(float(np.abs(difference).mean()), 1e-6)
    off = float(np.abs(total - difference).mean()) / scale
    if off > _TOLERANCE[method]:
        hint = ("raise n_steps" if method == "integrated_gradients" else
                "an operation without a DeepLIFT rule (an LSTM, attention, a product) is "
                "treated as linear; integrated_gradients needs no rules")
        warnings.warn(f"{method}: the attributions add up to the output's difference from the "
                      f"references only within {off:.1%} on average; {hint}", RuntimeWarning,
                      stacklevel=3)


class _Column(torch.nn.Module):
    """The model's raw ``output`` (a ``_utils.Output``) as a (N,) tensor, for captum."""

    def __init__(self, model, output):
        super().__init__()
        self.model, self.output = model, output

    def forward(self, x):
        return self.output(U.raw_outputs(self.model, x))


def _tensor(a: np.ndarray, dev) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float32)).to(dev).requires_grad_()
