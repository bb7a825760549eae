#!/usr/bin/env python
"""Speed of deepomics.seq's encoders and FASTA reader against their peers, timed in one run.

Sequences are random ACGT drawn from fixed seeds.

1. One 50 Mbp sequence -> uint8 one-hot (1, 4, L): ``one_hot(s, dtype=np.uint8)`` vs tangermeme
   1.6 ``one_hot_encode`` (an int8 (4, L) view; the faster of n_jobs=1 and n_jobs=-1), a NumPy
   lookup, and the copy bound: ``np.copyto`` of an array of the output's bytes into an existing
   one (``np.copy``, which also allocates, is shown beside it).
   Targets: >= 2.5x tangermeme, >= 0.5x the copy bound.
2. 200,000 x 200 bp (a list of str) -> float32 (N, 4, L): one ``one_hot`` call vs tangermeme's
   public path (``one_hot_encode`` per sequence, gathered into one float32 array; the faster of
   ``torch.stack(...).float()`` and filling a preallocated array) and a NumPy lookup.
   Target: >= 20x tangermeme.
3. ``read_fasta`` on a ~100 MB FASTA (100,000 records of 900-1,100 bp, 60-column lines) vs
   Biopython (the faster of ``SeqIO.parse`` and ``SimpleFastaParser``) and pyfaidx ``Fasta``
   (index built each time, every record read to str), names and sequences into lists.
   Target: >= 5x both.

Each figure is the best of --repeats calls (more, up to 20, while they take under a second)
timed with time.perf_counter after one warm-up call; each peer's output is first checked equal to
ours. Other processes' CPU use during the run is printed at the end: above a few percent, the
figures (ours most, as it uses every core) are noisy. Rows marked (info) have no target: other
peer paths, and floors that show where our time goes: the summary divides each peer's time by
its case's floor, about the highest ratio any method can reach on the machine (fresh memory is
slow to touch on some: a new output costs more than encoding it). --quick runs a 10x smaller
smoke test.

    .venv/bin/python benchmarks/bench_encode.py [--quick] [--repeats N]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from importlib import metadata

import numpy as np

INSTALL = '.venv/bin/pip install "tangermeme==1.6.0" biopython pyfaidx -c constraints.txt'

try:
    import pyfaidx
    import torch
    from Bio import SeqIO
    from Bio.SeqIO.FastaIO import SimpleFastaParser
    from tangermeme import utils as tm_utils
except ImportError as err:
    sys.exit(f"bench_encode: a peer library is missing ({err}); install the peers with\n  {INSTALL}")

from deepomics import seq

RESULTS = []  # (comparison, ratio, target, bound) for the summary


def best_of(fn, repeats, before=None):
    """(best seconds of the timed calls, the result of the warm-up call before them): `repeats`
    calls, and more (up to 20) while they have taken under a second, so that short calls get
    more chances at a quiet moment on a shared machine."""
    if before:
        before()
    result = fn()
    times = []
    while len(times) < repeats or (sum(times) < 1.0 and len(times) < 20):
        if before:
            before()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        del out
    return min(times), result


def report(title, units, rows, targets):
    """Prints one case. `units`: [(name, amount)], the rate is amount / seconds. `rows`:
    [(label, seconds, group)], ours first; `targets`: {group: minimum ours-vs-group speed ratio},
    where a group's figure is its fastest row; group None is (info). A "floor" row (info too) is
    work every method must do here (a new output first touched on every core, reading the
    file): a peer's time over it is about the most any method reaches on this
    machine, where fresh memory is slow to touch."""
    ours = rows[0][1]
    print(f"\n{title}")
    head = "".join(f"{name:>10}" for name, _ in units)
    print(f"  {'method':<62}{'seconds':>9}{head}{'ours/this':>11}")
    for label, sec, group in rows:
        rates = "".join(f"{amount / sec:10.2f}" for _, amount in units)
        tag = " (info)" if group in (None, "floor") else ""
        print(f"  {label + tag:<62}{sec:9.4f}{rates}{sec / ours:10.2f}x")
    floor = min((sec for _, sec, g in rows if g == "floor"), default=None)
    for group, target in targets.items():
        peer = min(sec for _, sec, g in rows if g == group)
        bound = peer / floor if floor and group != "copy bound" else None
        RESULTS.append((f"{title.split(':')[0]}: ours vs {group}", peer / ours, target, bound))


def new_touched(shape, dtype) -> np.ndarray:
    """A new array filled with ones by one thread per core (NumPy's fill releases the GIL):
    what any encoder that returns a new array pays at least, page faults included."""
    from concurrent.futures import ThreadPoolExecutor

    out = np.empty(shape, dtype)
    flat, k = out.reshape(-1), os.cpu_count()
    with ThreadPoolExecutor(k) as pool:
        list(pool.map(lambda i: flat[flat.size * i // k:flat.size * (i + 1) // k].fill(1),
                      range(k)))
    return out


def random_acgt(n, rng) -> bytes:
    return np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, n, dtype=np.uint8)].tobytes()


def numpy_one_hot(data: bytes, n, length, dtype):
    """The NumPy way: one vectorised comparison per channel, straight into the output."""
    codes = np.frombuffer(data, np.uint8).reshape(n, length)
    out = np.empty((n, 4, length), dtype)
    for c, base in enumerate(b"ACGT"):
        np.equal(codes, base, out=out[:, c].view(bool) if dtype == np.uint8 else out[:, c])
    return out


def case_long(length, repeats):
    s = random_acgt(length, np.random.default_rng(1)).decode("ascii")
    t_ours, ours = best_of(lambda: seq.one_hot(s, dtype=np.uint8), repeats)
    rows = [("deepomics one_hot(s, dtype=uint8)", t_ours, "ours")]
    rows.append(("deepomics one_hot, threads=1", best_of(
        lambda: seq.one_hot(s, dtype=np.uint8, threads=1), repeats)[0], None))
    for n_jobs in (1, -1):
        sec, tm = best_of(lambda: tm_utils.one_hot_encode(s, n_jobs=n_jobs), repeats)
        assert np.array_equal(tm.numpy(), ours[0]), "tangermeme disagrees with one_hot"
        rows.append((f"tangermeme one_hot_encode(s, n_jobs={n_jobs}) [int8 view]", sec, "tangermeme"))
    del tm
    sec, lut = best_of(lambda: numpy_one_hot(s.encode("ascii"), 1, length, np.uint8), repeats)
    assert np.array_equal(lut, ours), "the NumPy lookup disagrees with one_hot"
    rows.append(("numpy: np.equal per channel (incl. str -> bytes)", sec, None))
    del lut
    dst = np.ones_like(ours)
    rows.append(("copy bound: np.copyto(existing, output-sized array)",
                 best_of(lambda: np.copyto(dst, ours), repeats)[0], "copy bound"))
    rows.append(("copy: np.copy(output-sized array) (allocates)",
                 best_of(lambda: np.copy(ours), repeats)[0], None))
    rows.append((f"floor: new output, first touched on {os.cpu_count()} threads",
                 best_of(lambda: new_touched(ours.shape, np.uint8), repeats)[0], "floor"))
    report(f"1. one sequence: {length / 1e6:g} Mbp -> uint8 (1, 4, L)",
           [("Gbp/s", length / 1e9)], rows, {"tangermeme": 2.5, "copy bound": 0.5})


def case_batch(n, length, repeats):
    data = random_acgt(n * length, np.random.default_rng(2))
    seqs = [data[i * length:(i + 1) * length].decode("ascii") for i in range(n)]
    t_ours, ours = best_of(lambda: seq.one_hot(seqs), repeats)
    buffer = np.empty_like(ours)
    rows = [("deepomics one_hot(seqs)", t_ours, "ours"),
            ("deepomics one_hot(seqs, threads=1)", best_of(
                lambda: seq.one_hot(seqs, threads=1), repeats)[0], None),
            ("deepomics one_hot(seqs, out=buffer), no allocation", best_of(
                lambda: seq.one_hot(seqs, out=buffer), repeats)[0], None)]

    def tm_stack():
        return torch.stack([tm_utils.one_hot_encode(s) for s in seqs]).float()

    def tm_fill():
        out = np.empty((n, 4, length), np.float32)
        for i, s in enumerate(seqs):
            out[i] = tm_utils.one_hot_encode(s).numpy()
        return out

    for label, fn in (("tangermeme: torch.stack([one_hot_encode(s)...]).float()", tm_stack),
                      ("tangermeme: one_hot_encode(s) into a float32 array", tm_fill)):
        sec, tm = best_of(fn, repeats)
        assert np.array_equal(np.asarray(tm), ours), "tangermeme disagrees with one_hot"
        rows.append((label, sec, "tangermeme"))
        del tm
    if hasattr(tm_utils, "_one_hot_encode_rows"):  # private; extract_loci's batch encoder
        sec, tm = best_of(lambda: tm_utils._one_hot_encode_rows(seqs).astype(np.float32), repeats)
        assert np.array_equal(tm, ours), "tangermeme disagrees with one_hot"
        rows.append(("tangermeme private _one_hot_encode_rows + astype", sec, None))
        del tm
    sec, lut = best_of(lambda: numpy_one_hot("".join(seqs).encode("ascii"), n, length,
                                             np.float32), repeats)
    assert np.array_equal(lut, ours), "the NumPy lookup disagrees with one_hot"
    rows.append(("numpy: join, np.equal per channel", sec, None))
    del lut
    rows.append((f"floor: new output, first touched on {os.cpu_count()} threads",
                 best_of(lambda: new_touched(ours.shape, np.float32), repeats)[0], "floor"))
    report(f"2. batch: {n:,} x {length} bp -> float32 (N, 4, L)",
           [("Mbp/s", n * length / 1e6)], rows, {"tangermeme": 20})


def write_fasta(path, records, rng):
    lengths = rng.integers(900, 1101, records)
    data = random_acgt(int(lengths.sum()), rng)
    with open(path, "wb") as out:
        start = 0
        for i, n in enumerate(lengths):
            s = data[start:start + n]
            start += n
            out.write(b">seq%d random record %d\n" % (i, i))
            out.write(b"\n".join(s[j:j + 60] for j in range(0, n, 60)) + b"\n")
    return int(lengths.sum())


def case_fasta(records, repeats):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bench.fa")
        bases = write_fasta(path, records, np.random.default_rng(3))
        size = os.path.getsize(path)

        def biopython():
            recs = [(r.id, str(r.seq)) for r in SeqIO.parse(path, "fasta")]
            return [r[0] for r in recs], [r[1] for r in recs]

        def biopython_simple():
            with open(path) as handle:
                recs = [(t.split(None, 1)[0], s) for t, s in SimpleFastaParser(handle)]
            return [r[0] for r in recs], [r[1] for r in recs]

        def faidx():
            fa = pyfaidx.Fasta(path, as_raw=True)
            names = list(fa.keys())
            seqs = [fa[name][:] for name in names]
            fa.close()
            return names, seqs

        def remove_fai():
            if os.path.exists(path + ".fai"):
                os.remove(path + ".fai")

        def read_bytes():
            with open(path, "rb") as handle:
                return handle.read()

        t_ours, ours = best_of(lambda: seq.read_fasta(path), repeats)
        rows = [("deepomics read_fasta(path)", t_ours, "ours")]
        for label, fn, group, before in (
                ("biopython: SeqIO.parse -> names, str sequences", biopython, "Biopython", None),
                ("biopython: SimpleFastaParser -> names, sequences", biopython_simple, "Biopython",
                 None),
                ("pyfaidx: Fasta(as_raw=True) incl. index build", faidx, "pyfaidx", remove_fai)):
            sec, (names, seqs) = best_of(fn, repeats, before)
            assert names == ours.names and seqs == ours.sequences, f"{label} disagrees"
            rows.append((label, sec, group))
        del names, seqs, ours
        rows.append(("floor: open(path, 'rb').read()", best_of(read_bytes, repeats)[0], "floor"))
    report(f"3. FASTA: {records:,} records, {size / 1e6:.1f} MB",
           [("MB/s", size / 1e6), ("Mbp/s", bases / 1e6)], rows,
           {"Biopython": 5, "pyfaidx": 5})


def cpu_snapshot():
    """(wall seconds, busy CPU seconds of the whole machine, CPU seconds of this process)."""
    with open("/proc/stat") as stat:
        ticks = [int(x) for x in stat.readline().split()[1:]]
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return time.perf_counter(), busy, own.user + own.system


def others_cpu_share(start):
    """The share of all cores that other processes kept busy since `start`."""
    end = cpu_snapshot()
    wall = end[0] - start[0]
    return max(0.0, (end[1] - start[1]) - (end[2] - start[2])) / (wall * os.cpu_count())


def print_machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor() or "unknown")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores usable (nproc), {os.cpu_count()} online, CPU {model}, "
          f"load average {os.getloadavg()[0]:.2f}")
    names = ["deepomics", "numpy", "torch", "tangermeme", "numba", "biopython", "pyfaidx"]
    print(f"python {platform.python_version()}; " + ", ".join(
        f"{name} {metadata.version(name)}" for name in names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller sizes, for a smoke run")
    parser.add_argument("--repeats", type=int, default=None,
                        help="fewest timed calls per figure (default 5, 3 with --quick)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    repeats = args.repeats or (3 if args.quick else 5)
    print_machine()
    start = cpu_snapshot()
    print(f"best of {repeats} or more timed calls after one warm-up" + (" (--quick)" if args.quick else ""))
    case_long(50_000_000 // scale, repeats)
    case_batch(200_000 // scale, 200, repeats)
    case_fasta(100_000 // scale, repeats)
    others = others_cpu_share(start)
    print(f"\nother processes used {others:.0%} of this machine's CPU time during the run"
          + ("  [busy: figures are noisy, run again on a quiet machine]" if others > 0.05 else ""))
    print(f"\n{'target (speed ratio, ours / peer)':<50}{'ratio':>9}{'needed':>9}  result  "
          "(about the most here: the peer's time over the floor's)")
    for label, ratio, target, bound in RESULTS:
        print(f"{label:<50}{ratio:8.2f}x{target:8.1f}x  {'PASS' if ratio >= target else 'FAIL'}"
              + (f"    at most {bound:.2f}x" if bound else ""))


if __name__ == "__main__":
    main()
