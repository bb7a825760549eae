"""The main job (`make demo`): deepomics on real Drosophila promoter sequences.

Reads Biostrings' dm3_upstream2000.fa.gz (26,454 sequences of the 2,000 bp upstream of each
gene) and one-hot encodes it model-ready. Then (1) k-mer counts show what sets the 200 bp next to
the transcription start apart from the 200 bp farthest from it: known Drosophila core-promoter
elements head the list, the DRE (TATCGATA, bound by DREF) and GAGA repeats (bound by GAF); and
(2) a DeepBind model learns a JASPAR motif (CTCF, pyjaspar's offline database) planted in half
of 8,000 real 200 bp windows, is compared on held-out windows with the k-mer logistic-regression
baseline, saved and reloaded.
"""
from __future__ import annotations

import os
import time

import numpy as np

from . import seq
from .args import count
from .io.models import check_save_path


def _timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"  {label:<44} {time.perf_counter() - start:7.3f} s")
    return result


WINDOW = 200  # bp: the windows the planted-motif model learns from


def run(fasta: str, k: int = 6, top: int = 5, motif: str = "MA0139.1", n_windows: int = 8000,
        epochs: int = 12, out_dir: str | None = None, seed: int = 0,
        overwrite: bool = False) -> dict:
    """Runs the demo on `fasta`; returns the figures it prints (for tests and callers). The
    model is saved under `out_dir` (default: a new temporary folder); a model already there is
    replaced only with `overwrite` (checked before any work)."""
    n_windows, epochs = count(n_windows, "n_windows"), count(epochs, "epochs")
    if out_dir is not None:
        check_save_path(_model_path(out_dir, motif), overwrite)
    if n_windows < 20:  # a fifth of them, stratified, is the test set
        raise ValueError(f"n_windows must be 20 or more, not {n_windows}")
    print(f"deepomics demo: {fasta}")
    sequences = _timed("read_fasta", seq.read_fasta, fasta).sequences
    lengths = np.array([len(s) for s in sequences])
    if lengths.max() < WINDOW:
        raise ValueError(f"the demo cuts {WINDOW} bp windows from the sequences, but the longest "
                         f"in {fasta} has {lengths.max()} letters; give a FASTA of longer "
                         "sequences (e.g. Biostrings' dm3_upstream2000.fa.gz)")
    print(f"  {len(sequences):,} sequences, {lengths.min():,}-{lengths.max():,} bp, "
          f"{lengths.sum() / 1e6:.1f} Mbp")
    # all of them, padded to the longest, unless that passes 2 GiB (a genome's chromosomes)
    shown = max(1, min(len(sequences), int(2**31 // (16 * int(lengths.max())))))
    if shown < len(sequences):
        print(f"  (one-hot of all {len(sequences):,} padded to {lengths.max():,} bp would take "
              f"{len(sequences) * 16 * int(lengths.max()) / 2**30:,.0f} GiB: the first {shown:,})")
    x = _timed("one_hot -> float32 (N, 4, L)", seq.one_hot, sequences[:shown],
               length=int(lengths.max()))
    print(f"  shape {x.shape}, {x.nbytes / 2**30:.2f} GiB; GC {x[:, 1:3].sum() / x.sum():.3f}")
    del x

    print("\n1. What marks a promoter: k-mers enriched next to the TSS")
    top_kmers = _enriched_kmers(sequences, k, top)

    print(f"\n2. A DeepBind model finds a JASPAR motif planted in real genomic background")
    result = _deepbind_on_planted_motif(sequences, motif, n_windows, epochs, out_dir, seed)
    return {"n": len(sequences), "top_kmers": top_kmers, **result}


def _model_path(folder: str, motif_id: str) -> str:
    return os.path.join(os.fspath(folder), f"deepbind-{motif_id}")


def _enriched_kmers(sequences: list[str], k: int, top: int) -> list[str]:
    # The TSS is at the 3' end of an upstream sequence: pad="left" keeps a sequence's end.
    proximal = seq.decode(seq.tokenize(sequences, length=200, pad="left"))
    distal = seq.decode(seq.tokenize(sequences, length=200, pad="right"))
    near = _timed(f"kmer_counts k={k}, canonical (sparse)", seq.kmer_counts, proximal, k,
                  canonical=True)
    far = seq.kmer_counts(distal, k, canonical=True)
    near_sum, far_sum = (np.asarray(m.sum(axis=0)).ravel() for m in (near, far))
    log2_ratio = np.log2(((near_sum + 1) / near_sum.sum()) / ((far_sum + 1) / far_sum.sum()))
    log2_ratio[near_sum < 50] = -np.inf  # ignore rare k-mers and the empty non-canonical columns
    names_k = np.array(seq.kmer_names(k))
    order = [j for j in np.argsort(log2_ratio)[::-1][:top] if np.isfinite(log2_ratio[j])]
    if not order:
        print(f"  (no {k}-mer occurs 50 times next to the TSS: too few sequences to rank them)")
        return []
    print(f"  {k}-mer / reverse complement   log2(200 bp at the TSS / 200 bp farthest from it)")
    for kmer in order:
        print(f"    {names_k[kmer]} / {seq.reverse_complement(names_k[kmer])}   "
              f"{log2_ratio[kmer]:5.2f}   ({near_sum[kmer]:,} vs {far_sum[kmer]:,})")
    return names_k[order].tolist()


def _deepbind_on_planted_motif(sequences, motif_id, n_windows, epochs, out_dir, seed) -> dict:
    import tempfile

    from . import io, models, motifs
    from .train import evaluate, fit, predict, split

    rng = np.random.default_rng(seed)
    width = WINDOW
    pool = [s.upper() for s in sequences if len(s) >= width]
    windows, tries = [], 0
    while len(windows) < n_windows:
        tries += 1
        if tries > 100 * n_windows:
            raise ValueError(f"the demo found {len(windows):,} windows of {width} bp without N in "
                             f"{tries - 1:,} tries and needs {n_windows:,}: the FASTA holds too "
                             "few stretches of known bases; give one with longer sequences")
        s = pool[rng.integers(len(pool))]
        start = rng.integers(0, len(s) - width + 1)
        window = s[start:start + width]
        if "N" not in window:
            windows.append(window)
    name, pwm = motifs.jaspar_pwm(motif_id)
    labels = np.arange(n_windows) % 2
    positives = np.flatnonzero(labels)
    sites = motifs.sample_sites(pwm, len(positives), seed=seed)
    planted, _ = motifs.plant([windows[i] for i in positives], sites, seed=seed)
    for i, s in zip(positives, planted):
        windows[i] = s
    print(f"  {n_windows:,} windows of {width} bp from the upstream sequences; {motif_id} ({name}, "
          f"{pwm.shape[1]} bp) planted in half, sampled from its JASPAR matrix")
    train_idx, test_idx = split(n_windows, valid_fraction=0.2, stratify=labels, seed=seed)
    train = ([windows[i] for i in train_idx], labels[train_idx])
    test = ([windows[i] for i in test_idx], labels[test_idx])

    aurocs = {}
    for arch in ("deepbind", "kmer_linear"):
        model = _timed(f"fit {arch}", fit, models.build({"arch": arch}, seed=seed), train,
                       epochs=epochs, valid_fraction=0.1, early_stopping={"patience": 3},
                       lr=1e-3 if arch == "deepbind" else 1e-2, seed=seed)
        table = evaluate(model, test)
        aurocs[arch] = float(table.query("metric == 'auroc'")["value"].iloc[0])
        print(f"    held-out AUROC {aurocs[arch]:.3f} after {len(model.history)} epochs "
              f"(best {model.best_epoch + 1})")
        if arch == "deepbind":
            deepbind = model
    folder = out_dir or tempfile.mkdtemp(prefix="deepomics-demo-")  # (a new one: nothing to lose)
    path = io.save(deepbind, _model_path(folder, motif_id), overwrite=out_dir is not None)
    reloaded = io.load(path)
    same = np.array_equal(predict(deepbind, test[0]), predict(reloaded, test[0]))
    print(f"  saved to {path}; reloaded model predicts identically: {same}")
    return {"auroc": aurocs, "model_path": path, "reload_identical": same}
