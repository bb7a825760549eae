"""Convolutional networks on one-hot sequences: ``deepbind``, ``promoter_cnn``, ``basset``,
``deepsea``.

All take float32 one-hot batches ``(N, C, L)`` (``deepomics.seq.one_hot``; C = 4 for DNA/RNA) and
return raw outputs ``(N, n_outputs)`` (logits or values; no final sigmoid). Widths and filter sizes
are parameters; the defaults are the papers'.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import (
    AUGMENTATIONS, N_OUTPUTS, STRAND, Dropout, SequenceModel, alphabet_param, conv_len,
    dropout_param, min_length, per_layer, pool_len, seq_len_param, width_list,
)
from .registry import ConfigError, Param, register

__all__ = ["Basset", "DeepBind", "DeepSEA", "PromoterCNN"]


def _check_long_enough(arch: str, seq_len: int, out_len) -> None:
    if out_len(seq_len) < 1:
        need = min_length(out_len)
        raise ConfigError(
            f"seq_len={seq_len} is too short for these {arch} layers (the convolutions and "
            f"pooling leave no positions); use seq_len >= {need} or smaller filters / pools",
            "seq_len", shortest=need)


# ---- DeepBind ----------------------------------------------------------------------------------


@register("deepbind", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(),
    "strand": STRAND,
    **AUGMENTATIONS,
    "n_filters": Param("int", 16, "the number of motif detectors (convolution filters)", ge=1),
    "filter_size": Param("int", 24, "the motif detectors' length", ge=1),
    "pooling": Param("str", "max", "global pooling over positions: 'max' or 'max_avg' (both, "
                     "concatenated)", choices=("max", "max_avg")),
    "hidden": Param("int", 32, "units of the hidden dense layer (0: none)", ge=0),
    "dropout": dropout_param(0.25, "dropout on the pooled features"),
    "n_outputs": N_OUTPUTS,
})
class DeepBind(SequenceModel):
    """DeepBind (Alipanahi et al. 2015, "Predicting the sequence specificities of DNA- and
    RNA-binding proteins by deep learning", Nature Biotechnology).

    Input: one-hot ``(N, C, L)``, any length. The sequence is padded on both sides with
    ``filter_size - 1`` uniform columns (1/C, DeepBind's 'N' padding, so motifs at the ends are
    seen), convolved with ``n_filters`` motif detectors, rectified, and pooled over all positions
    (max, or max and average as in the paper's model selection); dropout on the pooled features,
    a dense ReLU layer of ``hidden`` units (0: none) and a linear output follow.
    """

    arch = "deepbind"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = None,
                 strand: str = "forward", max_shift: int = 0, mutation_rate: float = 0.0,
                 max_indel: int = 0, n_filters: int = 16,
                 filter_size: int = 24, pooling: str = "max", hidden: int = 32,
                 dropout: float = 0.25, n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand, max_shift, mutation_rate, max_indel)
        self.filter_size = filter_size
        self.pooling = pooling
        self.conv = nn.Conv1d(self.n_channels, n_filters, filter_size)
        width = n_filters * (2 if pooling == "max_avg" else 1)
        layers: list[nn.Module] = [Dropout(dropout)] if dropout > 0 else []
        if hidden > 0:
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        pad = self.filter_size - 1
        x = F.pad(x, (pad, pad), value=1.0 / self.n_channels)
        h = torch.relu(self.conv(x))
        pooled = h.amax(2)
        if self.pooling == "max_avg":
            pooled = torch.cat([pooled, h.mean(2)], dim=1)
        return self.head(pooled)


# ---- Umarov & Solovyev promoter CNN ------------------------------------------------------------


@register("promoter_cnn", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(251, nullable=False),
    "strand": STRAND,
    **AUGMENTATIONS,
    "n_filters": Param("int", 200, "the number of convolution filters", ge=1),
    "filter_size": Param("int", 21, "the filters' length", ge=1),
    "pool_size": Param("int", 2, "max pooling size (and stride)", ge=1),
    "hidden": Param("int", 128, "units of the dense ReLU layer", ge=1),
    "dropout": dropout_param(0.5, "dropout after the pooling and the dense layer"),
    "n_outputs": N_OUTPUTS,
})
class PromoterCNN(SequenceModel):
    """The promoter recognition CNN of Umarov & Solovyev (2017, "Recognition of prokaryotic and
    eukaryotic promoters using convolutional deep learning neural networks", PLoS ONE).

    Input: one-hot ``(N, C, seq_len)``; the length is fixed (the dense layer follows a flatten);
    the default 251 is the paper's -200..+50 window around the TSS (81 for bacteria). One
    convolution of 200 filters of length 21, ReLU, max pooling, flatten, dropout, a dense ReLU
    layer of 128 units, dropout, a linear output.
    """

    arch = "promoter_cnn"

    def __init__(self, alphabet: str = "dna", seq_len: int = 251, strand: str = "forward",
                 max_shift: int = 0, mutation_rate: float = 0.0, max_indel: int = 0,
                 n_filters: int = 200, filter_size: int = 21, pool_size: int = 2,
                 hidden: int = 128, dropout: float = 0.5, n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand, max_shift, mutation_rate, max_indel)
        out_len = lambda n: pool_len(conv_len(n, filter_size), pool_size)  # noqa: E731
        _check_long_enough(self.arch, seq_len, out_len)
        self.conv = nn.Conv1d(self.n_channels, n_filters, filter_size)
        self.pool = nn.MaxPool1d(pool_size)
        self.head = nn.Sequential(
            nn.Flatten(), Dropout(dropout),
            nn.Linear(n_filters * out_len(seq_len), hidden), nn.ReLU(), Dropout(dropout),
            nn.Linear(hidden, n_outputs))

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.pool(torch.relu(self.conv(x))))


# ---- conv stacks shared by Basset and DeepSEA --------------------------------------------------


class _ConvStack(nn.Sequential):
    """Valid convolutions, each with optional batch norm, ReLU, max pool (size 1 = none), dropout."""

    def __init__(self, n_in: int, n_filters, filter_sizes, pool_sizes, dropouts, batch_norm):
        layers: list[nn.Module] = []
        for width, size, pool, drop in zip(n_filters, filter_sizes, pool_sizes, dropouts):
            layers.append(nn.Conv1d(n_in, width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            if pool > 1:
                layers.append(nn.MaxPool1d(pool))
            if drop > 0:
                layers.append(Dropout(drop))
            n_in = width
        super().__init__(*layers)


def _stack_len(length: int, filter_sizes, pool_sizes) -> int:
    for size, pool in zip(filter_sizes, pool_sizes):
        length = conv_len(length, size)
        if length < 1:
            return 0
        length = pool_len(length, pool)
    return length


# ---- Basset ------------------------------------------------------------------------------------


@register("basset", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(600, nullable=False),
    "strand": STRAND,
    **AUGMENTATIONS,
    "n_filters": width_list([300, 200, 200], "filters of each convolution layer"),
    "filter_sizes": width_list([19, 11, 7], "filter length of each convolution layer (one value "
                               "for all)"),
    "pool_sizes": width_list([3, 4, 4], "max pool size after each convolution (1: none; one "
                             "value for all)"),
    "hidden": Param("int_list", [1000, 1000], "dense layer widths", ge=1),
    "dropout": dropout_param(0.3, "dropout after each dense layer"),
    "batch_norm": Param("bool", True, "batch normalisation after each convolution and dense layer"),
    "n_outputs": N_OUTPUTS,
})
class Basset(SequenceModel):
    """Basset (Kelley, Snoek & Rinn 2016, "Basset: learning the regulatory code of the accessible
    genome with deep convolutional neural networks", Genome Research).

    Input: one-hot ``(N, C, seq_len)`` (default 600 bp, fixed: the dense layers follow a flatten).
    Three convolutions (300 x 19, 200 x 11, 200 x 7), each with batch norm, ReLU and max pooling
    (3, 4, 4); two dense layers of 1000 units with batch norm, ReLU and dropout 0.3; a linear
    output (the paper: 164 cell types, sigmoid). Widths, sizes and the number of layers follow the
    lists ``n_filters``, ``filter_sizes``, ``pool_sizes`` and ``hidden``.
    """

    arch = "basset"

    def __init__(self, alphabet: str = "dna", seq_len: int = 600, strand: str = "forward",
                 max_shift: int = 0, mutation_rate: float = 0.0, max_indel: int = 0,
                 n_filters=(300, 200, 200), filter_sizes=(19, 11, 7), pool_sizes=(3, 4, 4),
                 hidden=(1000, 1000), dropout: float = 0.3, batch_norm: bool = True,
                 n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand, max_shift, mutation_rate, max_indel)
        n_filters = list(n_filters)
        n = len(n_filters)
        filter_sizes = per_layer("filter_sizes", list(filter_sizes), n, "convolution layers")
        pool_sizes = per_layer("pool_sizes", list(pool_sizes), n, "convolution layers")
        _check_long_enough(self.arch, seq_len,
                           lambda m: _stack_len(m, filter_sizes, pool_sizes))
        self.convs = _ConvStack(self.n_channels, n_filters, filter_sizes, pool_sizes, [0.0] * n,
                                batch_norm)
        width = n_filters[-1] * _stack_len(seq_len, filter_sizes, pool_sizes)
        layers: list[nn.Module] = [nn.Flatten()]
        for units in hidden:
            layers.append(nn.Linear(width, units))
            if batch_norm:
                layers.append(nn.BatchNorm1d(units))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(Dropout(dropout))
            width = units
        layers.append(nn.Linear(width, n_outputs))
        self.head = nn.Sequential(*layers)

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(x))


# ---- DeepSEA -----------------------------------------------------------------------------------


@register("deepsea", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(1000, nullable=False),
    "strand": STRAND,
    **AUGMENTATIONS,
    "n_filters": width_list([320, 480, 960], "filters of each convolution layer"),
    "filter_sizes": width_list([8], "filter length of each convolution layer (one value for all)"),
    "pool_sizes": width_list([4, 4, 1], "max pool size after each convolution (1: none)"),
    "dropout": Param("float_list", [0.2, 0.2, 0.5], "dropout after each convolution (one value "
                     "for all)", ge=0.0, lt=1.0, min_items=1),
    "hidden": Param("int", 925, "units of the dense ReLU layer", ge=1),
    "n_outputs": N_OUTPUTS,
})
class DeepSEA(SequenceModel):
    """DeepSEA (Zhou & Troyanskaya 2015, "Predicting effects of noncoding variants with deep
    learning-based sequence model", Nature Methods).

    Input: one-hot ``(N, C, seq_len)`` (default 1000 bp, fixed: the dense layer follows a
    flatten). Convolution 320 x 8, ReLU, max pool 4, dropout 0.2; convolution 480 x 8, ReLU,
    max pool 4, dropout 0.2; convolution 960 x 8, ReLU, dropout 0.5; dense 925 ReLU; a linear
    output (the paper: 919 chromatin features, sigmoid).
    """

    arch = "deepsea"

    def __init__(self, alphabet: str = "dna", seq_len: int = 1000, strand: str = "forward",
                 max_shift: int = 0, mutation_rate: float = 0.0, max_indel: int = 0,
                 n_filters=(320, 480, 960), filter_sizes=(8,), pool_sizes=(4, 4, 1),
                 dropout=(0.2, 0.2, 0.5), hidden: int = 925, n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand, max_shift, mutation_rate, max_indel)
        n_filters = list(n_filters)
        n = len(n_filters)
        filter_sizes = per_layer("filter_sizes", list(filter_sizes), n, "convolution layers")
        pool_sizes = per_layer("pool_sizes", list(pool_sizes), n, "convolution layers")
        dropout = per_layer("dropout", list(dropout), n, "convolution layers")
        _check_long_enough(self.arch, seq_len,
                           lambda m: _stack_len(m, filter_sizes, pool_sizes))
        self.convs = _ConvStack(self.n_channels, n_filters, filter_sizes, pool_sizes, dropout,
                                batch_norm=False)
        width = n_filters[-1] * _stack_len(seq_len, filter_sizes, pool_sizes)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(width, hidden), nn.ReLU(),
                                  nn.Linear(hidden, n_outputs))

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(x))
