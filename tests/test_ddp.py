"""Data-parallel training: 2 CPU processes (gloo, launched with torchrun) give the same model as
one process with the same global batch and seed."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

from deepomics import train
from helpers_planted import binary_motif

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = {"arch": "deepbind", "n_filters": 8, "filter_size": 8, "dropout": 0.0, "hidden": 16}
ARGS = {"epochs": 3, "batch_size": 32, "lr": 0.01, "seed": 3, "device": "cpu", "verbose": False,
        "early_stopping": {"patience": 3, "monitor": "valid_auroc"}}

SCRIPT = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, {tests!r})
    import lightning as L
    import pandas as pd
    from safetensors.torch import save_file
    from helpers_planted import binary_motif
    from deepomics import train

    class CountSamples(L.pytorch.callbacks.Callback):
        seen = 0
        def on_train_batch_start(self, trainer, module, batch, batch_idx):
            CountSamples.seen += len(batch[0])

    seqs, y = binary_motif(n=384, length=40, seed=1)
    model = train.fit({config!r}, (seqs[:320], y[:320]), (seqs[320:], y[320:]),
                      strategy="ddp", devices=2, callbacks=[CountSamples()], **{args!r})
    with open({out!r} + ".rank" + os.environ["RANK"], "w") as f:
        f.write(str(CountSamples.seen))
    if int(os.environ.get("RANK", 0)) == 0:
        save_file({{k: v.contiguous() for k, v in model.state_dict().items()}}, {out!r} + ".safetensors")
        model.history.to_csv({out!r} + ".csv", index=False)
""")


def test_two_processes_train_the_model_one_process_trains(tmp_path):
    out = str(tmp_path / "ddp")
    script = tmp_path / "ddp_train.py"
    script.write_text(SCRIPT.format(tests=HERE, config=CONFIG, args=ARGS, out=out))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          "--nproc_per_node=2", str(script)], capture_output=True, text=True,
                         timeout=300, env=env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    # each process trained on its half of every batch
    for rank in (0, 1):
        with open(f"{out}.rank{rank}") as f:
            assert int(f.read()) == 160 * ARGS["epochs"]
    seqs, y = binary_motif(n=384, length=40, seed=1)
    torch.set_num_threads(1)
    try:
        single = train.fit(dict(CONFIG), (seqs[:320], y[:320]), (seqs[320:], y[320:]), **ARGS)
    finally:
        torch.set_num_threads(os.cpu_count() or 1)
    ddp_weights = load_file(out + ".safetensors")
    for name, value in single.state_dict().items():
        np.testing.assert_allclose(ddp_weights[name].numpy(), value.numpy(), atol=1e-5, rtol=1e-4,
                                   err_msg=name)
    ddp_history = pd.read_csv(out + ".csv")
    assert len(ddp_history) == len(single.history)
    for column in ("train_loss", "valid_loss", "valid_auroc"):
        np.testing.assert_allclose(ddp_history[column], single.history[column], atol=1e-5,
                                   err_msg=column)
    assert single.history["valid_auroc"].iloc[-1] > 0.8   # it learnt something worth comparing


def test_bad_parallel_arguments():
    seqs, y = binary_motif(n=40, length=20, seed=0)
    with pytest.raises(ValueError, match="devices > 1 or num_nodes > 1 need strategy='ddp'"):
        train.fit(dict(CONFIG), (seqs, y), epochs=1, devices=2, device="cpu")
    with pytest.raises(ValueError, match="strategy must be None or 'ddp'"):
        train.fit(dict(CONFIG), (seqs, y), epochs=1, strategy="fsdp", device="cpu")
