"""What the reproduction scripts share: where the data is, the run's header, tables in Markdown,
and the classification metrics the papers report. Every model is trained with deepomics' public
API only; these helpers only read files and print."""
from __future__ import annotations

import os
import platform
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.environ.get("DEEPOMICS_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))


def data_path(*parts: str) -> str:
    """A file of the shared benchmark data; exits with a clear message when it is absent."""
    path = os.path.join(DATA, *parts)
    if not os.path.exists(path):
        sys.exit(f"the benchmark data is not here ({path}); set DEEPOMICS_DATA to the folder "
                 "that holds promoters/, deepbind_encode/ and deeploc/")
    return path


def header(title: str, command: str) -> float:
    import torch

    import deepomics

    print(f"## {title}\n")
    print(f"- command: `{command}`")
    print(f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"- machine: {os.cpu_count()} cores ({platform.machine()}), torch threads "
          f"{torch.get_num_threads()}, deepomics {deepomics.__version__}, torch {torch.__version__}")
    sys.stdout.flush()
    return time.perf_counter()


def footer(start: float) -> None:
    print(f"\ntime taken: {(time.perf_counter() - start) / 60:.1f} min\n")


def table(columns: list[str], rows: list[list]) -> None:
    """A Markdown table; floats with 3 decimals."""
    def cell(v):
        return f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v)

    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(cell(v) for v in row) + " |")
    sys.stdout.flush()


def sn_sp_cc(probability: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> dict:
    """Sensitivity, specificity and Matthews correlation (the promoter paper's Sn, Sp, CC)."""
    from sklearn.metrics import matthews_corrcoef

    predicted = probability >= threshold
    truth = truth.astype(bool)
    return {"sn": float((predicted & truth).sum() / truth.sum()),
            "sp": float((~predicted & ~truth).sum() / (~truth).sum()),
            "cc": float(matthews_corrcoef(truth, predicted))}


def mean_sd(values) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}" if len(values) > 1 else f"{values.mean():.3f}"
