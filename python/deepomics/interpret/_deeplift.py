"""Making a model readable by captum's DeepLift.

captum applies DeepLIFT's rules (rescale for activations, the max rule for max pooling) to
activation *modules* (``nn.ReLU``, ``nn.MaxPool1d``, ...) through hooks, and needs each of them
to run once per forward pass. Our architectures also call functions (``torch.relu(conv(x))``,
``h.amax(2)`` for global max pooling), which captum would treat as linear (plain gradients), and
a ``strand="average"`` model runs every module twice (once per strand).

``DeepLiftable`` wraps a model so that both hold:

- while it runs, a ``TorchFunctionMode`` sends each call of ``relu``, ``sigmoid``, ``tanh`` and of
  an ``amax`` over one axis of a 3-D tensor through a module of its own (``nn.ReLU``,
  ``nn.Sigmoid``, ``nn.Tanh``, ``nn.MaxPool1d`` over the whole axis), created on a first pass
  and reused in call order, so captum's hooks see one module per call site;
- for a ``strand="average"`` model, one wrapper is made per strand (``orientation``), running
  ``forward_strand`` on the sequence or on its reverse complement; the attributions of the two
  are averaged (DeepLIFT's multipliers of a mean of two separate branches are the mean of the
  branches' multipliers).

A ReLU followed by max pooling (DeepBind's and Basset's layout) needs two corrections of
captum 0.9, both applied only while deepomics runs DeepLift:

- ``separate_input``: captum records an activation's output gradient with a hook on its output
  tensor and changes the next activation's input gradient with a hook on its input tensor;
  when the two are one tensor (``pool(relu(h))``) the ReLU records the gradient before the
  pool's rule changed it. Each hooked module is given a copy of its input, so the changed
  gradient flows back to the ReLU. Without it the attributions of DeepBind do not add up.
- ``corrected_maxpool_rule``: where a pooled input did not change between sequence and
  reference (after a ReLU: wherever the filter is silent) captum's max rule falls back to the
  gradient of the batch's *first* sequence (captum#1276, fixed upstream by captum#1847); the
  corrected rule is captum's with each sequence's own gradient.

``check_not_reused`` then refuses a model whose activation modules still run more than once
(a user's own model that calls one ``nn.ReLU`` twice), naming the module.
"""
from __future__ import annotations

import contextlib
from collections import Counter

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

__all__ = ["DeepLiftable", "check_not_reused", "corrected_maxpool_rule", "orientations"]

_KINDS = {
    torch.relu: "relu", F.relu: "relu", torch.Tensor.relu: "relu",
    torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid", torch.Tensor.sigmoid: "sigmoid",
    torch.tanh: "tanh", F.tanh: "tanh", torch.Tensor.tanh: "tanh",
    torch.amax: "amax", torch.Tensor.amax: "amax",
}
_MODULES = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
            "amax": lambda: nn.MaxPool1d(1)}
_HOOKED = (nn.ReLU, nn.ELU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.MaxPool1d,
           nn.MaxPool2d, nn.MaxPool3d, nn.Softmax)


def orientations(model) -> list[str | None]:
    """The strands to attribute separately: ``[None]`` (the model's own forward), or
    ``["forward", "reverse"]`` for a model that averages both strands in one pass."""
    if getattr(model, "strand", None) == "average" and hasattr(model, "forward_strand"):
        return ["forward", "reverse"]
    return [None]


class DeepLiftable(nn.Module):
    """``model``'s raw ``output`` (N,) (a ``_utils.Output``), with functional activations
    routed through modules of their own; ``orientation`` "forward" / "reverse" runs one strand of a
    strand-averaging model. Call ``prepare(x)`` once on a sample batch before captum."""

    def __init__(self, model: nn.Module, output, orientation: str | None = None):
        super().__init__()
        self.model = model
        self.output = output
        self.orientation = orientation
        self.routed = nn.ModuleList()
        self.kinds: list[str] = []
        self._creating = False

    def prepare(self, sample: torch.Tensor) -> "DeepLiftable":
        self._creating = True
        try:
            with torch.no_grad():
                self(sample)
        finally:
            self._creating = False
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        router = _Router(self)
        handles = []
        for module in self.modules():
            if isinstance(module, _HOOKED):
                # inside an activation module's own forward (nn.ReLU calls F.relu) nothing is
                # routed: captum's hooks on that module apply the rule already
                handles.append(module.register_forward_pre_hook(router.enter))
                handles.append(module.register_forward_hook(router.leave))
                # each hooked module gets a tensor of its own: see separate_input
                handles.append(module.register_forward_pre_hook(separate_input, prepend=True))
        try:
            with router:
                out = self._run(x)
        finally:
            for handle in handles:
                handle.remove()
        if isinstance(out, tuple):
            out = out[0]
        return self.output(out.reshape(out.shape[0], -1))

    def _run(self, x):
        if self.orientation is None:
            return self.model(x)
        from ..models.base import reverse_complement

        x = self.model.check_input(x)
        if self.orientation == "reverse":
            x = reverse_complement(x, "onehot")
        return self.model.forward_strand(x)

    def module_for(self, index: int, kind: str) -> nn.Module:
        if index < len(self.routed):
            if self.kinds[index] != kind:
                raise RuntimeError("the model's functional activations ran in another order "
                                   "than on the first pass; DeepLIFT cannot follow it")
            return self.routed[index]
        if not self._creating:
            raise RuntimeError("the model ran more functional activations than on its first "
                               "pass; DeepLIFT cannot follow it")
        module = _MODULES[kind]()
        self.routed.append(module.to(_device_of(self.model)))
        self.kinds.append(kind)
        return module


def separate_input(module, inputs):
    """A copy of the module's input, made before captum's own pre-hook runs.

    captum records an activation's output gradient with a hook on its output tensor, and
    changes the next activation's input gradient with a hook on its input tensor. When the two
    are the same tensor (``pool(relu(h))``) the first hook runs before the second and records
    the gradient before the rule changed it, so the ReLU's rule works on the plain gradient
    and the attributions stop adding up. Between a copy and its source the changed gradient
    flows back as it should."""
    return tuple(t.clone() if isinstance(t, torch.Tensor) else t for t in inputs)


class _Router(TorchFunctionMode):
    """Sends functional activations through the owner's modules, one per call, in call order."""

    def __init__(self, owner: DeepLiftable):
        super().__init__()
        self.owner = owner
        self.calls = 0
        self.depth = 0

    def enter(self, module, inputs) -> None:
        self.depth += 1

    def leave(self, module, inputs, outputs) -> None:
        self.depth -= 1

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        kind = _KINDS.get(func)
        if self.depth:
            return func(*args, **kwargs)
        if kind == "amax":
            return self._amax(func, args, kwargs)
        if kind is None or not args or not isinstance(args[0], torch.Tensor) or kwargs.get("inplace"):
            return func(*args, **kwargs)
        module = self.owner.module_for(self._next(), kind)
        return module(args[0])

    def _next(self) -> int:
        index = self.calls
        self.calls += 1
        return index

    def _amax(self, func, args, kwargs):
        x = args[0]
        dim = args[1] if len(args) > 1 else kwargs.get("dim", ())
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        if isinstance(dim, (tuple, list)) and len(dim) == 1:
            dim = dim[0]
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or not isinstance(dim, int):
            return func(*args, **kwargs)
        dim = dim % 3
        if dim == 0:
            return func(*args, **kwargs)
        pool = self.owner.module_for(self._next(), "amax")
        moved = x if dim == 2 else x.transpose(1, 2)
        pool.kernel_size = pool.stride = moved.shape[2]
        out = pool(moved)  # (N, channels, 1)
        return out if keepdim and dim == 2 else (
            out.transpose(1, 2) if keepdim else out.squeeze(2))


def check_not_reused(wrapper: DeepLiftable, sample: torch.Tensor) -> None:
    """Raises ValueError when an activation module runs more than once per forward pass."""
    calls: Counter = Counter()
    names = {module: name for name, module in wrapper.named_modules()}
    handles = [m.register_forward_hook(lambda mod, i, o: calls.update([mod]))
               for m in wrapper.modules() if isinstance(m, _HOOKED)]
    try:
        with torch.no_grad():
            wrapper(sample)
    finally:
        for handle in handles:
            handle.remove()
    reused = [(names[m].removeprefix("model."), type(m).__name__, n)
              for m, n in calls.items() if n > 1]
    if reused:
        name, kind, n = reused[0]
        raise ValueError(
            f"DeepLIFT needs each activation module to run once per forward pass, but "
            f"{name!r} ({kind}) runs {n} times; give each use its own module (e.g. a new "
            "nn.ReLU() per layer) or use method='integrated_gradients'")


@contextlib.contextmanager
def corrected_maxpool_rule():
    """captum's DeepLift table with the max-pool rule for ``nn.MaxPool1d`` corrected, for the
    duration of the block (see the module note)."""
    from captum.attr._core import deep_lift

    table = deep_lift.SUPPORTED_NON_LINEAR
    saved = table.get(nn.MaxPool1d)
    table[nn.MaxPool1d] = _maxpool1d_rule
    try:
        yield
    finally:
        if saved is None:
            table.pop(nn.MaxPool1d, None)
        else:
            table[nn.MaxPool1d] = saved


def _maxpool1d_rule(module, inputs, outputs, grad_input, grad_output, eps: float = 1e-10):
    """DeepLIFT's max rule (captum's ``maxpool``) with each sequence's own fallback gradient."""
    with torch.no_grad():
        x, x_ref = inputs.chunk(2)
        out, out_ref = outputs.chunk(2)
        delta_in = torch.cat(2 * [x - x_ref])
        top = torch.max(out, out_ref)
        delta_out = torch.cat([top - out_ref, out - top])
        _, indices = F.max_pool1d(module.input, module.kernel_size, module.stride,
                                  module.padding, module.dilation, module.ceil_mode, True)
        spread = F.max_unpool1d(grad_output * delta_out, indices, module.kernel_size,
                                module.stride, module.padding, list(module.input.shape))
        at_x, at_ref = spread.chunk(2)
        spread = torch.cat(2 * [at_x + at_ref])
        return torch.where(delta_in.abs() < eps, grad_input, spread / delta_in)


def _device_of(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")
