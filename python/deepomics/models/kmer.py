"""The k-mer baseline: k-mer frequencies computed inside the model, then one linear layer."""
from __future__ import annotations

import torch
from torch import nn

from .base import N_OUTPUTS, STRAND, SequenceModel, alphabet_param, is_complement_ordered, seq_len_param
from .registry import ConfigError, Param, register

__all__ = ["KmerLinear", "kmer_frequencies"]


def kmer_frequencies(x: torch.Tensor, k: int, canonical: bool = False) -> torch.Tensor:
    """k-mer frequencies (N, C**k) of a one-hot batch (N, C, L): C = 4 for DNA / RNA (A, C,
    G, T/U), 20 for protein (k = 1: the amino-acid composition), any alphabet's letter count.

    For DNA / RNA the same numbers as ``deepomics.seq.kmer_counts(seqs, k, canonical,
    normalize=True)``: columns in lexicographic order of the channel letters; a position counts
    as a letter only when its column is exactly one-hot (padding, unknown letters and fractional
    IUPAC columns break k-mers); with ``canonical`` (4 channels only) a k-mer and its reverse
    complement are counted in the column of the smaller one; each row is divided by its number
    of counted k-mers (rows without any stay zero). No trainable parameters, no Python loop over
    sequences.
    """
    n, c, length = x.shape
    out = torch.zeros(n, c**k, dtype=torch.float32, device=x.device)
    if length < k:
        return out
    base = x.argmax(1)  # (N, L)
    valid = (x.sum(1) == 1) & (x.amax(1) == 1)
    windows = base.unfold(1, k, 1)  # (N, L - k + 1, k)
    powers = c ** torch.arange(k - 1, -1, -1, device=x.device)
    code = (windows * powers).sum(-1)
    if canonical:
        # reverse complement: letter b -> 3 - b, read backwards (position j weighs 4**j)
        rc = ((3 - windows) * powers.flip(0)).sum(-1)
        code = torch.minimum(code, rc)
    ok = valid.unfold(1, k, 1).all(-1).to(torch.float32)
    out.scatter_add_(1, code, ok)
    return out / ok.sum(1, keepdim=True).clamp(min=1)


#: The most k-mer columns a kmer_linear model may have (4**10: DNA 10-mers, protein 4-mers).
MAX_KMER_COLUMNS = 4**10


@register("kmer_linear", "onehot", params={
    "alphabet": alphabet_param(),
    "seq_len": seq_len_param(),
    "strand": STRAND,
    "k": Param("int", 4, "k-mer length (C**k features for an alphabet of C letters: 4**k for "
               "DNA; for protein k = 1 is the amino-acid composition, 2 the dipeptides)", ge=1,
               le=10),
    "canonical": Param("bool", False, "count a k-mer and its reverse complement together "
                       "(DNA / RNA)"),
    "n_outputs": N_OUTPUTS,
})
class KmerLinear(SequenceModel):
    """The k-mer baseline: k-mer frequencies of each sequence, then one linear layer — logistic
    regression with a binary or multi-class loss, linear regression with a regression loss (the
    gkm-SVM / k-mer spectrum family's simplest member, to beat before a deep model counts).

    Input: one-hot ``(N, C, L)`` of any alphabet (C letters: 4 for dna / rna, 20 for protein,
    where k = 1 is the amino-acid composition baseline), any length. The frequencies are
    computed in the forward pass without trainable parameters (``kmer_frequencies``; for dna /
    rna they equal ``deepomics.seq.kmer_counts(..., normalize=True)``); only the linear layer
    ``C**k -> n_outputs`` learns.
    """

    arch = "kmer_linear"

    def __init__(self, alphabet: str = "dna", seq_len: int | None = None,
                 strand: str = "forward", k: int = 4, canonical: bool = False,
                 n_outputs: int = 1):
        super().__init__(alphabet, seq_len, strand)
        c = self.n_channels
        if c**k > MAX_KMER_COLUMNS:
            fits = next(j for j in range(k, 0, -1) if c**j <= MAX_KMER_COLUMNS)
            raise ConfigError(f"k={k} gives {c}**{k} = {c**k:,} k-mer columns for the {c} letters "
                              f"of alphabet {alphabet!r}, more than {MAX_KMER_COLUMNS:,}; use "
                              f"k <= {fits}", "k")
        if canonical and not is_complement_ordered(alphabet):
            raise ConfigError(f"canonical=True pairs a k-mer with its reverse complement, which "
                              f"needs a 4-letter nucleotide alphabet ('dna' or 'rna'), not "
                              f"{alphabet!r}; use canonical=False", "canonical")
        self.k = k
        self.canonical = canonical
        self.linear = nn.Linear(c**k, n_outputs)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The k-mer frequencies (N, C**k) the linear layer sees."""
        return kmer_frequencies(self.check_input(x), self.k, self.canonical)

    def forward_strand(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(kmer_frequencies(x, self.k, self.canonical))
