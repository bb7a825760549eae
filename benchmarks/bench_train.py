#!/usr/bin/env python
"""Training speed of ``deepomics.train.fit`` against a hand-written torch loop, timed in one run.

For each model (DeepBind at its defaults; a narrowed DanQ of seq_len 200), both sides train the
same module (the same initial weights, loaded from one state dict) on the same data (random
one-hot float32 ``(N, 4, 200)``, binary labels, from fixed seeds), with the same batch size,
optimizer (Adam, lr 1e-3), number of epochs and thread count (``torch.set_num_threads``), on the
CPU, without validation:

- hand loop: each epoch ``torch.randperm`` with a seeded ``torch.Generator``, batches sliced from
  the tensors by index, forward, ``binary_cross_entropy_with_logits``, ``zero_grad``, backward,
  ``step`` (the plain loop; no per-step ``.item()``).
- fit: ``fit(model, (x, y), epochs=E, batch_size=..., device="cpu", verbose=False)`` on the NumPy
  arrays, as a user calls it.

Figures, per epoch (the best epoch of --repeats rounds; in each round the hand loop runs E epochs,
then fit is called with E and with 2E epochs):

- hand samples/s: N / the hand loop's epoch time (the permutation and every step).
- fit samples/s: N / fit's epoch period, from the module's ``on_train_epoch_start`` hook to the
  next epoch's (the last epoch: to ``on_train_end``), so that everything that recurs per epoch
  counts: the steps, Lightning's hooks, the epoch-end work. The hooks come from a subclass of
  ``TaskModule`` swapped in for the run, which only reads the clock.
- overhead: hand samples/s / fit samples/s - 1. Target: <= 5%. "extra ms/step" is the same
  difference per optimizer step.
- start-up: a fit call's time outside its epoch periods (label and input checks, the Trainer's set-up
  and tear-down, restoring the model), the best call's, in seconds. Measured after one warm-up fit,
  so Lightning's lazy imports (the first call in a process) are printed separately.
- cross-checks: fit's in-epoch time (on_train_epoch_start to on_train_epoch_end: the steps alone),
  and the per-epoch time and start-up from whole calls, (T(2E) - T(E)) / E and
  T(E) - E * that; these need no hooks but are noisier (a difference of two timings).

With 2 threads on a 2-core machine, any other busy process stalls torch's thread pool and an
epoch can take many times longer; hence the best epoch, and the other processes' CPU share that
is printed at the end: above a few percent, the figures are noisy (run again when it is quiet).
--quick runs a smaller smoke test (5x fewer samples, E = 1, 2 rounds).

    .venv/bin/python benchmarks/bench_train.py [--quick] [--repeats N] [--threads N]
"""
from __future__ import annotations

import argparse
import copy
import os
import platform
import sys
import time
from importlib import metadata

import numpy as np
import torch
import torch.nn.functional as F

from deepomics import models
from deepomics.train import engine

TARGET = 0.05  # fit's per-epoch overhead, at most

CASES = {
    # DeepBind at its defaults (16 filters of 24, hidden 32); any length.
    "deepbind": {"config": {"arch": "deepbind", "n_outputs": 1}, "n": 20_000},
    # DanQ narrowed for the CPU: 128 filters of 26, pool 13, BiLSTM 64 per direction, dense 128.
    "danq": {"config": {"arch": "danq", "seq_len": 200, "n_filters": 128, "lstm_size": 64,
                        "hidden": 128, "n_outputs": 1}, "n": 10_000},
}
SEQ_LEN = 200


# ---- data and models ---------------------------------------------------------------------------


def make_data(n: int, length: int, seed: int):
    """Random one-hot float32 (n, 4, length) and float32 0/1 labels (n,)."""
    rng = np.random.default_rng(seed)
    letters = rng.integers(0, 4, size=(n, length))
    x = np.zeros((n, 4, length), dtype=np.float32)
    np.put_along_axis(x, letters[:, None, :], 1.0, axis=1)
    y = rng.integers(0, 2, size=n).astype(np.float32)
    return x, y


def fresh_model(config: dict, state: dict):
    model = models.build(config)
    model.load_state_dict(state)
    return model


# ---- the two sides -----------------------------------------------------------------------------


def hand_loop(model, x: torch.Tensor, y: torch.Tensor, *, epochs: int, batch_size: int,
              lr: float, seed: int) -> list[float]:
    """The plain torch loop; returns each epoch's seconds."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    n = len(x)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            xb, yb = x[index], y[index]
            out = model(xb)
            loss = F.binary_cross_entropy_with_logits(out.reshape(yb.shape), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - t0)
    return times


class TimedTaskModule(engine.TaskModule):
    """engine.TaskModule that notes the clock at its epoch hooks (and does nothing else)."""

    marks: list[tuple[str, float]] = []

    def on_train_epoch_start(self):
        TimedTaskModule.marks.append(("start", time.perf_counter()))
        super().on_train_epoch_start()

    def on_train_epoch_end(self):
        TimedTaskModule.marks.append(("end", time.perf_counter()))
        super().on_train_epoch_end()

    def on_train_end(self):
        TimedTaskModule.marks.append(("done", time.perf_counter()))
        super().on_train_end()


def run_fit(model, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int, lr: float,
            seed: int) -> dict:
    """Times one fit call: ``total`` (the call), ``periods`` (each epoch from its
    on_train_epoch_start to the next one's, the last to on_train_end: everything that recurs per
    epoch), ``in_epoch`` (on_train_epoch_start to on_train_epoch_end: the steps)."""
    TimedTaskModule.marks = []
    t0 = time.perf_counter()
    engine.fit(model, (x, y), epochs=epochs, batch_size=batch_size, lr=lr, optimizer="adam",
               seed=seed, device="cpu", verbose=False)
    total = time.perf_counter() - t0
    marks = TimedTaskModule.marks
    starts = [t for kind, t in marks if kind == "start"]
    ends = [t for kind, t in marks if kind == "end"]
    done = [t for kind, t in marks if kind == "done"]
    if len(starts) != epochs or len(ends) != epochs or len(done) != 1:
        raise RuntimeError(f"fit ran {len(starts)} epochs, not {epochs} (hooks: {marks})")
    bounds = starts + done
    periods = [b - a for a, b in zip(bounds, bounds[1:])]
    return {"total": total, "periods": periods,
            "in_epoch": [e - s for s, e in zip(starts, ends)]}


# ---- one case ----------------------------------------------------------------------------------


def case(name: str, spec: dict, *, n: int, epochs: int, batch_size: int, repeats: int,
         threads: int, lr: float = 1e-3, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    config = spec["config"]
    state = copy.deepcopy(models.build(config).state_dict())
    x_np, y_np = make_data(n, SEQ_LEN, seed)
    x_t, y_t = torch.from_numpy(x_np), torch.from_numpy(y_np)
    steps = -(-n // batch_size)
    print(f"\n{name}: {n:,} x 4 x {SEQ_LEN} one-hot, batch {batch_size} ({steps} steps/epoch), "
          f"{sum(p.numel() for p in models.build(config).parameters()):,} parameters; "
          f"hand {epochs} epochs, fit {epochs} and {2 * epochs} epochs per repeat", flush=True)

    def hand(e):
        return hand_loop(fresh_model(config, state), x_t, y_t, epochs=e,
                         batch_size=batch_size, lr=lr, seed=seed)

    def fit(e):
        return run_fit(fresh_model(config, state), x_np, y_np, epochs=e,
                       batch_size=batch_size, lr=lr, seed=seed)

    hand(1)  # warm-up: allocator, kernels' first calls
    fit(1)
    hand_epochs, periods, in_epoch, fit_e, fit_2e, startups = [], [], [], [], [], []
    for r in range(repeats):
        torch.set_num_threads(threads)
        h = hand(epochs)
        a = fit(epochs)
        b = fit(2 * epochs)
        if torch.get_num_threads() != threads:
            print(f"  note: fit left torch at {torch.get_num_threads()} threads", flush=True)
        hand_epochs += h
        for run in (a, b):
            periods += run["periods"]
            in_epoch += run["in_epoch"]
            startups.append(run["total"] - sum(run["periods"]))
        fit_e.append(a["total"])
        fit_2e.append(b["total"])
        print(f"  repeat {r + 1}: hand " + " ".join(f"{t:.3f}" for t in h)
              + " s/epoch; fit epochs " + " ".join(f"{t:.3f}" for t in a["periods"] + b["periods"])
              + f" s; fit calls {a['total']:.3f} s ({epochs} ep), {b['total']:.3f} s "
              f"({2 * epochs} ep)", flush=True)

    diff_epoch = (min(fit_2e) - min(fit_e)) / epochs
    return {
        "model": name, "n": n, "steps": steps,
        "hand": n / min(hand_epochs),
        "fit": n / min(periods),
        "fit_in_epoch": n / min(in_epoch),
        "fit_diff": n / diff_epoch if diff_epoch > 0 else float("nan"),
        "startup": min(startups),
        "startup_diff": min(fit_e) - epochs * diff_epoch,
        "step_ms": 1e3 * (min(periods) - min(hand_epochs)) / steps,
    }


# ---- machine and load --------------------------------------------------------------------------


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


def print_machine(threads: int):
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor() or "unknown")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cores} cores usable (nproc), {os.cpu_count()} online, CPU {model}, "
          f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    names = ["deepomics", "torch", "lightning", "numpy"]
    print(f"python {platform.python_version()}; " + ", ".join(
        f"{name} {metadata.version(name)}" for name in names) + f"; torch threads {threads}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 5x fewer samples, 1 (and 2) epochs, 2 repeats")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per model, the best epoch kept (default 5, 2 with --quick)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="E: fit is timed with E and 2E epochs (default 2, 1 with --quick)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--models", default=",".join(CASES),
                        help=f"comma-separated subset of {', '.join(CASES)}")
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 5)
    epochs = args.epochs or (1 if args.quick else 2)
    scale = 5 if args.quick else 1

    torch.set_num_threads(args.threads)
    engine.TaskModule = TimedTaskModule  # fit builds its module by this name
    print_machine(args.threads)
    # Lightning's lazy imports and first-call set-up, outside the timed figures.
    x, y = make_data(256, SEQ_LEN, 1)
    t0 = time.perf_counter()
    engine.fit(models.build(CASES["deepbind"]["config"]), (x, y), epochs=1, batch_size=128,
               device="cpu", verbose=False)
    print(f"first fit call in this process (256 samples, 1 epoch): "
          f"{time.perf_counter() - t0:.2f} s", flush=True)

    start = cpu_snapshot()
    rows = []
    for name in args.models.split(","):
        spec = CASES[name]
        rows.append(case(name, spec, n=spec["n"] // scale, epochs=epochs,
                         batch_size=args.batch_size, repeats=repeats, threads=args.threads))
    others = others_cpu_share(start)

    print(f"\nper-epoch samples/s, the best epoch of {repeats} repeats"
          + (" (--quick)" if args.quick else "")
          + "; fit: its epoch periods (epoch-start hook to the next)")
    print(f"{'model':<10}{'hand loop':>11}{'fit':>10}{'overhead':>10}  {'result':<7}"
          f"{'extra ms/step':>14}{'start-up s':>12}")
    for r in rows:
        over = r["hand"] / r["fit"] - 1
        print(f"{r['model']:<10}{r['hand']:11,.0f}{r['fit']:10,.0f}{over:10.1%}  "
              f"{'PASS' if over <= TARGET else 'FAIL':<7}{r['step_ms']:14.3f}{r['startup']:12.2f}")
    print(f"target: fit's per-epoch overhead <= {TARGET:.0%}")
    print(f"\ncross-checks: fit samples/s from its in-epoch hooks (steps only) and from "
          f"(T({2 * epochs} ep) - T({epochs} ep)) / {epochs} of whole calls; start-up from that "
          "difference")
    print(f"{'model':<10}{'in-epoch':>10}{'overhead':>10}{'T diff':>10}{'overhead':>10}"
          f"{'start-up s':>12}")
    for r in rows:
        print(f"{r['model']:<10}{r['fit_in_epoch']:10,.0f}{r['hand'] / r['fit_in_epoch'] - 1:10.1%}"
              f"{r['fit_diff']:10,.0f}{r['hand'] / r['fit_diff'] - 1:10.1%}"
              f"{r['startup_diff']:12.2f}")
    print(f"\nload average at the end {' '.join(f'{v:.2f}' for v in os.getloadavg())}; other "
          f"processes used {others:.0%} of this machine's CPU time during the run"
          + ("  [busy: figures are noisy, run again on a quiet machine]" if others > 0.05 else ""))


if __name__ == "__main__":
    sys.exit(main())
