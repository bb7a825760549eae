"""The main job (`make demo`): the sequence engine on real Drosophila promoter sequences.

Reads Biostrings' dm3_upstream2000.fa.gz (26,454 sequences of the 2,000 bp upstream of each
gene), one-hot encodes them model-ready, and uses k-mer counts to find what sets the 200 bp next
to the transcription start apart from the 200 bp farthest from it. Known Drosophila core-promoter
elements head the list: the DRE (TATCGATA, bound by DREF) and GAGA repeats (bound by GAF).
"""
from __future__ import annotations

import time

import numpy as np

from . import seq


def _timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<44} {time.perf_counter() - start:7.3f} s")
    return result


def run(fasta: str, k: int = 6, top: int = 10) -> dict:
    """Runs the demo on `fasta`; returns the figures it prints (for tests and callers)."""
    print(f"deepomics demo: {fasta}")
    names, sequences = _timed("read_fasta", seq.read_fasta, fasta)
    lengths = np.array([len(s) for s in sequences])
    print(f"  {len(names):,} sequences, {lengths.min():,}-{lengths.max():,} bp, "
          f"{lengths.sum() / 1e6:.1f} Mbp")

    x = _timed("one_hot -> float32 (N, 4, L)", seq.one_hot, sequences, length=int(lengths.max()))
    gc = x[:, 1:3].sum(axis=(1, 2)) / np.maximum(x.sum(axis=(1, 2)), 1)
    n_frac = 1 - x.sum() / lengths.sum()
    print(f"  shape {x.shape}, {x.nbytes / 2**30:.2f} GiB; GC {gc.mean():.3f}; N or other "
          f"letters {n_frac:.4%} of positions")
    del x

    # The TSS is at the 3' end of an upstream sequence: pad="left" keeps a sequence's end.
    proximal = _timed("tokenize 200 bp next to the TSS", seq.tokenize, sequences, length=200, pad="left")
    distal = _timed("tokenize 200 bp farthest from it", seq.tokenize, sequences, length=200, pad="right")
    proximal, distal = seq.decode(proximal), seq.decode(distal)
    near = _timed(f"kmer_counts k={k}, canonical (sparse)", seq.kmer_counts, proximal, k, canonical=True)
    far = seq.kmer_counts(distal, k, canonical=True)
    print(f"  {type(near).__name__} {near.shape}, {near.nnz / np.prod(near.shape):.1%} nonzero")
    near_sum, far_sum = (np.asarray(m.sum(axis=0)).ravel() for m in (near, far))
    log2_ratio = np.log2(((near_sum + 1) / near_sum.sum()) / ((far_sum + 1) / far_sum.sum()))
    log2_ratio[near_sum < 50] = -np.inf  # ignore rare k-mers and the empty non-canonical columns
    names_k = np.array(seq.kmer_names(k))
    order = np.argsort(log2_ratio)[::-1][:top]
    print(f"  {k}-mers most enriched near the TSS (canonical, log2 proximal / distal):")
    for kmer in order:
        rc = seq.reverse_complement(names_k[kmer])
        print(f"    {names_k[kmer]} / {rc}   {log2_ratio[kmer]:5.2f}   "
              f"{near_sum[kmer]:6d} vs {far_sum[kmer]:6d}")
    return {"n": len(names), "top_kmers": names_k[order].tolist(), "log2_ratio": log2_ratio[order]}
