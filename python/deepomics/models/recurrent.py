"""Recurrent and hybrid networks on sequences: ``rnn``, ``danq`` (CNN + BiLSTM) and ``deeploc``
(CNN + BiLSTM + attention).

Inputs are float32 one-hot batches ``(N, C, L)``, or int64 tokens ``(N, L)`` (0 = padding) for
``rnn`` with an embedding. Outputs are raw ``(N, n_outputs)`` (logits or values).
"""
from __future__ import annotations

import torch
from torch import nn

from .base import (
    AUGMENTATIONS, N_OUTPUTS, STRAND, Dropout, SequenceModel, alphabet_param, conv_len,
    dropout_param, masked_pool, masked_rnn, min_length, pool_len, seq_len_param,
    width_list,
)
from .registry import ConfigError, Param, register

__all__ = ["DanQ", "DeepLoc", "RNN"]

_CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


# ---- plain recurrent network -------------------------------------------------------------------


@register("rnn", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(),
    "strand": STRAND,
    "cell": Param("str", "lstm", "the recurrent cell", choices=tuple(_CELLS)),
    "hidden_size": Param("int", 64, "units per direction", ge=1),
    "num_layers": Param("int", 1, "stacked recurrent layers", ge=1),
    "bidirectional": Param("bool", True, "read the sequence both ways"),
    "dropout": dropout_param(0.0, "dropout between recurrent layers and before the output"),
    "embedding_dim": Param("int", None, "None: one-hot input; an int: token input (N, L) through "
                           "an embedding of this size", ge=1, nullable=True),
    "pooling": Param("str", "mean", "summary over positions: the final states ('last'), or the "
                     "mean or max of the outputs", choices=("last", "mean", "max")),
    "n_outputs": N_OUTPUTS,
})
class RNN(SequenceModel):
    """A recurrent network (Elman RNN, LSTM of Hochreiter & Schmidhuber 1997, or GRU of Cho et al.
    2014) over a sequence, summarised over positions, then a linear output.

    Input: one-hot ``(N, C, L)`` by default; with ``embedding_dim`` set, int64 tokens ``(N, L)``
    (``deepomics.seq.tokenize``: 0 = padding, 1..C the letters, C + 1 unknown) through an
    embedding with ``padding_idx=0`` (``input_kind`` becomes "tokens"). Any length. For tokens,
    padding positions are skipped (packed sequences) and left out of the mean / max; ``"last"``
    takes the forward direction's state after the last letter and the backward direction's after
    the first.
    """

    arch = "rnn"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = None,
                 strand: str = "forward", cell: str = "lstm", hidden_size: int = 64,
                 num_layers: int = 1, bidirectional: bool = True, dropout: float = 0.0,
                 embedding_dim: int | None = None, pooling: str = "mean", n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand)
        self.pooling = pooling
        if embedding_dim is not None:
            self.input_kind = "tokens"
            self.vocab_size = self.n_channels + 2
            self.embedding = nn.Embedding(self.vocab_size, embedding_dim, padding_idx=0)
            n_in = embedding_dim
        else:
            self.embedding = None
            n_in = self.n_channels
        self.rnn = _CELLS[cell](n_in, hidden_size, num_layers=num_layers, batch_first=True,
                                bidirectional=bidirectional,
                                dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = Dropout(dropout)
        self.output = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

    def check_input(self, x):
        x = super().check_input(x)
        if self.embedding is not None and x.numel() and (x.min() < 0 or x.max() >= self.vocab_size):
            raise ValueError(f"rnn: tokens must lie in 0..{self.vocab_size - 1} for alphabet "
                             f"{self.alphabet!r}; got values from {int(x.min())} to {int(x.max())}")
        return x

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is not None:
            mask = x != 0
            h = self.embedding(x)
        else:
            mask = None
            h = x.transpose(1, 2)
        out, last = masked_rnn(self.rnn, h, mask)
        pooled = last if self.pooling == "last" else masked_pool(out, mask, self.pooling)
        return self.output(self.dropout(pooled))


# ---- DanQ --------------------------------------------------------------------------------------


@register("danq", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(1000),
    "strand": STRAND,
    **AUGMENTATIONS,
    "n_filters": Param("int", 320, "convolution filters", ge=1),
    "filter_size": Param("int", 26, "the filters' length", ge=1),
    "pool_size": Param("int", 13, "max pool size and stride", ge=1),
    "conv_dropout": dropout_param(0.2, "dropout after the pooling"),
    "lstm_size": Param("int", 320, "BiLSTM units per direction", ge=1),
    "lstm_dropout": dropout_param(0.5, "dropout after the BiLSTM"),
    "pooling": Param("str", "flatten", "'flatten' (the paper; needs seq_len) or 'max' / 'mean' "
                     "over positions (any length)", choices=("flatten", "max", "mean")),
    "hidden": Param("int", 925, "units of the dense ReLU layer", ge=1),
    "n_outputs": N_OUTPUTS,
})
class DanQ(SequenceModel):
    """DanQ (Quang & Xie 2016, "DanQ: a hybrid convolutional and recurrent deep neural network for
    quantifying the function of DNA sequences", Nucleic Acids Research).

    Input: one-hot ``(N, C, seq_len)`` (default 1000 bp). Convolution 320 x 26, ReLU, max pool 13
    (stride 13), dropout 0.2, a BiLSTM of 320 units per direction, dropout 0.5, flatten, dense 925
    ReLU, a linear output (the paper: 919 chromatin features, sigmoid). With ``pooling`` "max" or
    "mean" the BiLSTM outputs are pooled over positions instead of flattened, and any length
    works (``seq_len`` may then be None).
    """

    arch = "danq"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = 1000,
                 strand: str = "forward", max_shift: int = 0, mutation_rate: float = 0.0,
                 max_indel: int = 0, n_filters: int = 320,
                 filter_size: int = 26, pool_size: int = 13, conv_dropout: float = 0.2,
                 lstm_size: int = 320, lstm_dropout: float = 0.5, pooling: str = "flatten",
                 hidden: int = 925, n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand, max_shift, mutation_rate, max_indel)
        out_len = lambda n: pool_len(max(conv_len(n, filter_size), 0), pool_size)  # noqa: E731
        self.min_len = min_length(out_len)
        if pooling == "flatten" and seq_len is None:
            raise ConfigError("seq_len is required with pooling='flatten' (the dense layer "
                              "follows a flatten); give seq_len or use pooling='max' or 'mean'",
                              "seq_len")
        if seq_len is not None and seq_len < self.min_len:
            raise ConfigError(f"seq_len={seq_len} is too short for these danq layers; use "
                              f"seq_len >= {self.min_len} or a smaller filter_size / pool_size",
                              "seq_len", shortest=self.min_len)
        self.pooling = pooling
        self.conv = nn.Sequential(
            nn.Conv1d(self.n_channels, n_filters, filter_size), nn.ReLU(),
            nn.MaxPool1d(pool_size), Dropout(conv_dropout))
        self.lstm = nn.LSTM(n_filters, lstm_size, batch_first=True, bidirectional=True)
        self.lstm_dropout = Dropout(lstm_dropout)
        width = 2 * lstm_size * (out_len(seq_len) if pooling == "flatten" else 1)
        self.head = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(),
                                  nn.Linear(hidden, n_outputs))

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x).transpose(1, 2)  # (N, L', filters)
        out, _ = self.lstm(h)
        out = self.lstm_dropout(out)
        if self.pooling == "flatten":
            pooled = out.flatten(1)
        else:
            pooled = masked_pool(out, None, self.pooling)
        return self.head(pooled)


# ---- DeepLoc -----------------------------------------------------------------------------------


@register("deeploc", "onehot", params={
    "alphabet": alphabet_param("protein"),
    "seq_len": seq_len_param(),
    "strand": STRAND,
    "filter_sizes": width_list([1, 3, 5, 9, 15, 21], "the motif convolutions' lengths (run side "
                               "by side, 'same' padding)"),
    "n_filters": Param("int", 20, "filters of each motif convolution", ge=1),
    "conv2_filters": Param("int", 128, "filters of the second convolution", ge=1),
    "conv2_size": Param("int", 3, "the second convolution's length", ge=1),
    "lstm_size": Param("int", 128, "BiLSTM units per direction", ge=1),
    "attention_size": Param("int", 64, "hidden size of the additive attention", ge=1),
    "hidden": Param("int", 128, "units of the dense ReLU layer", ge=1),
    "dropout": dropout_param(0.25, "dropout after the convolutions and before the dense layer"),
    "n_outputs": N_OUTPUTS,
})
class DeepLoc(SequenceModel):
    """DeepLoc (Almagro Armenteros et al. 2017, "DeepLoc: prediction of protein subcellular
    localization using deep learning", Bioinformatics).

    Input: one-hot ``(N, C, L)``, any length (default alphabet: protein, C = 20); padding
    positions are all-zero columns (``one_hot(..., length=...)``; unknown letters encoded as zero
    columns are treated the same way — encode them with ``unknown="uniform"`` to keep them). Motif convolutions of several
    lengths (the paper's 1, 3, 5, 9, 15, 21, 20 filters each) side by side and concatenated, ReLU,
    a second convolution, ReLU, dropout, a BiLSTM, additive attention over the positions
    (Bahdanau et al. 2015; padding gets weight 0), dropout, a dense ReLU layer and a linear output
    (the paper: 10 locations, softmax). Widths are scaled for CPU training. Padding never changes
    the result: convolution outputs are zeroed there and the BiLSTM skips it.

    ``forward(x, return_attention=True)`` returns ``(outputs, attention)``, attention ``(N, L)``
    summing to 1 over each sequence's letters.
    """

    arch = "deeploc"

    def __init__(self, alphabet: str = "protein", seq_len: int | None = None,
                 strand: str = "forward", filter_sizes=(1, 3, 5, 9, 15, 21), n_filters: int = 20,
                 conv2_filters: int = 128, conv2_size: int = 3, lstm_size: int = 128,
                 attention_size: int = 64, hidden: int = 128, dropout: float = 0.25,
                 n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand)
        self.motif_convs = nn.ModuleList(
            nn.Conv1d(self.n_channels, n_filters, size, padding="same") for size in filter_sizes)
        self.conv2 = nn.Conv1d(n_filters * len(filter_sizes), conv2_filters, conv2_size,
                               padding="same")
        self.dropout = Dropout(dropout)
        self.lstm = nn.LSTM(conv2_filters, lstm_size, batch_first=True, bidirectional=True)
        self.attention = nn.Sequential(nn.Linear(2 * lstm_size, attention_size), nn.Tanh(),
                                       nn.Linear(attention_size, 1, bias=False))
        self.head = nn.Sequential(Dropout(dropout), nn.Linear(2 * lstm_size, hidden),
                                  nn.ReLU(), nn.Linear(hidden, n_outputs))

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        """Outputs (N, n_outputs); with ``return_attention``, ``(outputs, attention (N, L))``."""
        return super().forward(x, return_attention=return_attention)

    def forward_strand(self, x: torch.Tensor, return_attention: bool = False):
        mask = x.abs().sum(1) > 0  # (N, L): False on padding (all-zero columns)
        m = mask.unsqueeze(1).to(x.dtype)
        h = torch.cat([conv(x) for conv in self.motif_convs], dim=1)
        h = torch.relu(h) * m
        h = self.dropout(torch.relu(self.conv2(h)) * m)
        out, _ = masked_rnn(self.lstm, h.transpose(1, 2), mask)  # (N, L, 2 * lstm_size)
        scores = self.attention(out).squeeze(-1)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        # padding: exp(min - max) is exactly 0; the product also zeroes all-padding rows
        attention = torch.softmax(scores, dim=1) * mask
        context = torch.bmm(attention.unsqueeze(1), out).squeeze(1)
        outputs = self.head(context)
        return (outputs, attention) if return_attention else outputs
