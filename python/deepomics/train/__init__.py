"""Training and using models: ``fit``, ``predict``, ``embed``, ``evaluate``; data splits."""
from .data import kfold, split
from .engine import fit
from .predict import embed, evaluate, predict

__all__ = ["fit", "predict", "embed", "evaluate", "split", "kfold"]
