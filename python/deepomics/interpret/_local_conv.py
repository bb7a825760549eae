"""First-layer convolutions that recompute only what a substitution changed (the idea of
fastISM, Nair et al. 2022, for the convolutions that read the one-hot input).

A convolution is linear: ``conv(a) = conv(b) + conv_without_bias(a - b)``. During ISM each
batch row is a recorded sequence with one letter changed, so the input of a convolution that
reads the sequence (its channels are the letters) differs from the recorded input in one
column ``j``, and its output changes only at the ``K`` positions that column reaches:
``out = recorded_out + W[:, :, k] . (a - b)[:, j]`` at position ``j + left_padding - k``.
That is ``F * C * K`` products per sequence instead of ``F * C * K * L``.

``InputConvolutions`` records each such ``nn.Conv1d``'s input and output on the unedited
sequences (one record per call in a forward pass, so both strands of a strand-averaging model
are covered), then serves the edited rows from the record. A call that does not fit (another
input length, more than one changed column in a row, a call the record lacks) runs the full
convolution, as the module would. The other layers run as they are. The results equal the
full computation up to float rounding.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["InputConvolutions"]


def _readable(conv: nn.Module, n_letters: int) -> bool:
    return (isinstance(conv, nn.Conv1d) and conv.in_channels == n_letters
            and conv.stride == (1,) and conv.dilation == (1,) and conv.groups == 1
            and conv.padding_mode == "zeros")


def _left_padding(conv: nn.Conv1d) -> int:
    if conv.padding == "same":
        return (conv.kernel_size[0] - 1) // 2
    if conv.padding == "valid":
        return 0
    return conv.padding[0]


class InputConvolutions:
    """While active (``with``), the model's input convolutions record (after ``record()``) or
    serve edits of the recorded sequences (after ``edit(rows)``: batch row ``i`` is an edit of
    recorded sequence ``rows[i]``)."""

    def __init__(self, model: nn.Module, n_letters: int):
        self.model = model
        self.convs = [m for m in model.modules() if _readable(m, n_letters)]
        self.mode = "off"
        self.rows: torch.Tensor | None = None
        self.records: dict = {}  # (conv, call) -> (inputs, outputs): lists, then tensors
        self.calls: dict = {}

    def __enter__(self):
        self._handle = self.model.register_forward_pre_hook(self._new_pass)
        for i, conv in enumerate(self.convs):
            conv.forward = self._forward_of(i, conv)  # an instance attribute over the class's
        return self

    def __exit__(self, *exc):
        self._handle.remove()
        for conv in self.convs:
            conv.__dict__.pop("forward", None)
        self.records.clear()

    def record(self) -> None:
        """The next forward passes run in full and keep the convolutions' inputs and outputs."""
        self.records.clear()
        self.mode = "record"

    def edit(self, rows: torch.Tensor) -> None:
        """The next forward pass is on edits of the recorded sequences ``rows``."""
        if self.mode == "record":
            self.records = {key: (torch.cat(ins), torch.cat(outs))
                            for key, (ins, outs) in self.records.items()}
        self.mode, self.rows = "edit", rows

    def _new_pass(self, module, inputs) -> None:
        self.calls.clear()

    def _forward_of(self, i: int, conv: nn.Conv1d):
        full = type(conv).forward.__get__(conv)

        def forward(x: torch.Tensor) -> torch.Tensor:
            call = self.calls.get(i, 0)
            self.calls[i] = call + 1
            if self.mode == "record":
                out = full(x)
                ins, outs = self.records.setdefault((i, call), ([], []))
                ins.append(x.detach())
                outs.append(out.detach())
                return out
            record = self.records.get((i, call)) if self.mode == "edit" else None
            if record is None or record[0].shape[1:] != x.shape[1:]:
                return full(x)
            return _one_column(conv, x, record, self.rows, full)

        return forward


def _one_column(conv: nn.Conv1d, x: torch.Tensor, record, rows: torch.Tensor, full):
    recorded_in, recorded_out = record
    diff = x - recorded_in.index_select(0, rows)  # (B, C, L_in)
    changed = diff.ne(0).any(dim=1)  # (B, L_in)
    if bool((changed.sum(dim=1) > 1).any()):
        return full(x)
    n, kernel = x.shape[0], conv.kernel_size[0]
    column = changed.to(torch.uint8).argmax(dim=1)  # (B,); 0 (with a zero difference) if none
    every = torch.arange(n, device=x.device)
    values = diff[every, :, column]  # (B, C)
    weight = conv.weight.to(x.dtype)  # (F, C, K)
    contribution = torch.einsum("bc,fck->bfk", values, weight)  # (B, F, K)
    length_out = recorded_out.shape[2]
    # input column j reaches output o = j + left - k through kernel tap k
    target = column.unsqueeze(1) + _left_padding(conv) - torch.arange(kernel, device=x.device)
    inside = (target >= 0) & (target < length_out)  # (B, K)
    contribution = contribution * inside.unsqueeze(1).to(contribution.dtype)
    n_filters = weight.shape[0]
    flat = (every.view(n, 1, 1) * (n_filters * length_out)
            + torch.arange(n_filters, device=x.device).view(1, n_filters, 1) * length_out
            + target.clamp(0, length_out - 1).unsqueeze(1))  # (B, F, K)
    out = recorded_out.index_select(0, rows)
    out.view(-1).index_add_(0, flat.reshape(-1), contribution.reshape(-1))
    return out
