#!/usr/bin/env python
"""fit's per-step overhead in instructions executed, not seconds: a figure that does not move
with the machine's load or clock (on this VM, epoch times of the same loop vary by up to 2x
between runs, and hardware counters are not available, so `perf stat` cannot count).

Under valgrind's callgrind (one thread: no spinning thread pool in the count), the same model
and batches are trained by the hand-written torch loop of bench_train.py and by
``deepomics.train.fit``; instrumentation is switched on at the start of training step 3 and off
at the start of step 3 + K (``callgrind_control -i``), so exactly K steps are counted, with
everything that recurs between them: for fit, Lightning's loop, hooks and our training step and
data loading; the start-up before and the end after are not counted (bench_train.py reports
them). overhead = fit's instructions per step / the hand loop's - 1. Target: <= 5%.

    .venv/bin/python benchmarks/bench_train_instructions.py        (about 10 minutes)
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile

CHILD = r'''
import os, subprocess, sys
import numpy as np, torch
torch.set_num_threads(1)
from deepomics import models, train

side, arch, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = {"deepbind": {"arch": "deepbind"},
          "danq": {"arch": "danq", "n_filters": 64, "lstm_size": 32, "hidden": 64, "seq_len": 200}}[arch]
batch, warm = 128, 2
n = batch * (warm + k + 1)
rng = np.random.default_rng(0)
codes = rng.integers(0, 4, (n, 200))
x = np.stack([(codes == c) for c in range(4)], axis=1).astype(np.float32)
y = rng.integers(0, 2, n)

def toggle(on):
    subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(os.getpid())],
                   capture_output=True, check=True)

if side == "hand":
    model = models.build({**config, "n_outputs": 1}, seed=0).train()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))[:, None]
    order = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    for step, start in enumerate(range(0, n, batch)):
        if step == warm: toggle(True)
        if step == warm + k: toggle(False)
        b = order[start:start + batch]
        out = model(xt[b])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, yt[b])
        opt.zero_grad(); loss.backward(); opt.step()
else:
    import lightning as L

    class Window(L.pytorch.callbacks.Callback):
        def on_train_batch_start(self, trainer, module, batch_, batch_idx):
            if batch_idx == warm: toggle(True)
            if batch_idx == warm + k: toggle(False)

    train.fit(dict(config), (x, y), epochs=1, batch_size=batch, device="cpu", verbose=False,
              callbacks=[Window()])
'''


def count(side: str, arch: str, k: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "child.py")
        with open(script, "w") as f:
            f.write(CHILD)
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                              f"--callgrind-out-file={out}", sys.executable, script, side, arch,
                              str(k)], capture_output=True, text=True)
        if run.returncode != 0:
            raise SystemExit(f"{side} {arch} failed under valgrind:\n{run.stderr[-3000:]}")
        match = re.search(r"Collected : (\d+)", run.stderr)
        return int(match.group(1))


def main() -> None:
    import torch

    print(f"callgrind, 1 thread; torch {torch.__version__}; instructions per training step "
          "(batch 128, 4 x 200 one-hot)")
    print(f"{'model':<10}{'steps':>6}{'hand loop':>16}{'fit':>16}{'overhead':>10}  result")
    for arch, k in (("deepbind", 8), ("danq", 3)):
        hand = count("hand", arch, k) / k
        fit = count("fit", arch, k) / k
        overhead = fit / hand - 1
        print(f"{arch:<10}{k:>6}{hand:>16,.0f}{fit:>16,.0f}{overhead:>10.1%}  "
              f"{'PASS' if overhead <= 0.05 else 'FAIL'}", flush=True)
    print("target: fit's per-step overhead <= 5%")


if __name__ == "__main__":
    main()
