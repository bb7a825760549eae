"""The k-mer baseline: k-mer frequencies computed inside the model, then one linear layer."""
from __future__ import annotations

import torch
from torch import nn

from .base import N_OUTPUTS, STRAND, SequenceModel, seq_len_param
from .registry import ConfigError, Param, register

__all__ = ["KmerLinear", "kmer_frequencies"]


def kmer_frequencies(x: torch.Tensor, k: int, canonical: bool = False) -> torch.Tensor:
    """k-mer frequencies (N, 4**k) of a one-hot batch (N, 4, L) in A, C, G, T/U channel order.

    The same numbers as ``deepomics.seq.kmer_counts(seqs, k, canonical, normalize=True)``: columns
    in lexicographic order; a position counts as a letter only when its column is exactly one-hot
    (padding, unknown letters and fractional IUPAC columns break k-mers); with ``canonical`` a
    k-mer and its reverse complement are counted in the column of the smaller one; each row is
    divided by its number of counted k-mers (rows without any stay zero). No trainable
    parameters, no Python loop over sequences.
    """
    n, _, length = x.shape
    out = torch.zeros(n, 4**k, dtype=torch.float32, device=x.device)
    if length < k:
        return out
    base = x.argmax(1)  # (N, L)
    valid = (x.sum(1) == 1) & (x.amax(1) == 1)
    windows = base.unfold(1, k, 1)  # (N, L - k + 1, k)
    powers = 4 ** torch.arange(k - 1, -1, -1, device=x.device)
    code = (windows * powers).sum(-1)
    if canonical:
        # reverse complement: letter b -> 3 - b, read backwards (position j weighs 4**j)
        rc = ((3 - windows) * powers.flip(0)).sum(-1)
        code = torch.minimum(code, rc)
    ok = valid.unfold(1, k, 1).all(-1).to(torch.float32)
    out.scatter_add_(1, code, ok)
    return out / ok.sum(1, keepdim=True).clamp(min=1)


@register("kmer_linear", "onehot", params={
    "alphabet": Param("str", "dna", "'dna' or 'rna' (4 letters)", choices=("dna", "rna")),
    "seq_len": seq_len_param(),
    "strand": STRAND,
    "k": Param("int", 4, "k-mer length (4**k features)", ge=1, le=10),
    "canonical": Param("bool", False, "count a k-mer and its reverse complement together"),
    "n_outputs": N_OUTPUTS,
})
class KmerLinear(SequenceModel):
    """The k-mer baseline: k-mer frequencies of each sequence, then one linear layer — logistic
    regression with a binary or multi-class loss, linear regression with a regression loss (the
    gkm-SVM / k-mer spectrum family's simplest member, to beat before a deep model counts).

    Input: one-hot ``(N, 4, L)`` (dna or rna), any length. The frequencies are computed in the
    forward pass without trainable parameters (``kmer_frequencies``; they equal
    ``deepomics.seq.kmer_counts(..., normalize=True)``); only the linear layer ``4**k -> n_outputs``
    learns.
    """

    arch = "kmer_linear"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = None,
                 strand: str = "forward", k: int = 4, canonical: bool = False,
                 n_outputs: int = 1):
        if not isinstance(alphabet, str) or alphabet.lower() not in ("dna", "rna"):
            raise ConfigError(f"alphabet must be 'dna' or 'rna', got {alphabet!r}", "alphabet")
        super().__init__(alphabet, seq_len, strand)
        self.k = k
        self.canonical = canonical
        self.linear = nn.Linear(4**k, n_outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The k-mer frequencies (N, 4**k) the linear layer sees."""
        return kmer_frequencies(self.check_input(x), self.k, self.canonical)

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(kmer_frequencies(x, self.k, self.canonical))
