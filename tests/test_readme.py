"""The README's Python examples run as they stand, top to bottom, and do what they say.

Each ```python block of README.md runs in one namespace (as a reader pasting them in order
would), in a fresh folder; after each, the test checks what the block's comments promise. The
interpretation block is checked on its own in test_interpret.py.
"""
from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pandas as pd

README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def python_blocks() -> list[str]:
    text = open(README, encoding="utf-8").read()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def run(block: str, scope: dict) -> None:
    exec(compile(block, "README.md", "exec"), scope)


def test_the_readme_python_blocks_run_and_do_what_they_say(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks()
    interpretation = [b for b in blocks if "interpret.ism" in b]
    blocks = [b for b in blocks if b not in interpretation]
    assert len(interpretation) == 1 and len(blocks) == 4
    seq_block, model_block, select_block, anndata_block = blocks
    scope: dict = {}

    run(seq_block, scope)
    assert scope["x"].shape == (2, 4, 8) and scope["x"].dtype == np.float32
    n_columns = np.flatnonzero(np.all(scope["x"][0] == 0.25, axis=0))   # N, with iupac=True
    assert len(n_columns) == 1 and scope["x"][0].sum() == 5           # centred, padding zero
    assert scope["seq"].decode(scope["tokens"], alphabet="rna") == ["ACGU", "GG"]
    assert scope["seq"].reverse_complement("ACGTRYN") == "NRYACGT"
    assert scope["counts"].shape == (1, 64) and scope["counts"].sum() == 6
    assert scope["records"].names == ["a", "b"]
    assert list(scope["records"].sequences) == ["ACGTTTGA", "GGCC"]
    assert scope["records"].descriptions[0] == "first record"

    run(model_block, scope)
    table = scope["train"].evaluate(scope["model"], (scope["test_seqs"], scope["test_labels"]))
    auroc = table.set_index("metric").loc["auroc", "value"]
    assert auroc > 0.95                               # the planted site is found
    assert scope["probs"].shape == (100,)
    np.testing.assert_allclose(scope["train"].predict(scope["model"], scope["test_seqs"]),
                               scope["probs"], rtol=1e-6)   # saved and loaded: the same model
    assert set(os.listdir("my_model")) >= {"config.json", "weights.safetensors"}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # optuna's experimental-feature notes
        run(select_block, scope)
    board = scope["search"].leaderboard()
    assert isinstance(board, pd.DataFrame) and len(board) >= 3   # trials and a k-mer baseline
    assert os.path.exists("search.db") and os.path.isdir("best-model")
    assert len(scope["regions"]) == 100 and len(scope["model"].history) == 2

    run(anndata_block, scope)
    adata = scope["adata"]
    assert (adata.obs["bulk_labels_deepomics"] == adata.obs["bulk_labels"]).mean() > 0.7
    assert adata.obsm["X_deepomics"].shape == (700, 10)
    assert scope["predicted"].shape == (100, 165)
    assert scope["sce_as_anndata"].shape == adata.shape
    np.testing.assert_allclose(scope["sce_as_anndata"].X, adata.X)

