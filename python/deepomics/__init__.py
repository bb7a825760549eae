"""deepomics: deep learning for biological sequences and expression data, from Python and R.

``deepomics.seq`` holds the sequence engine (FASTA, one-hot, tokens, reverse complement,
k-mers). Heavier parts (models, training) import torch only when used.
"""
from importlib.metadata import PackageNotFoundError, version

from . import seq

try:
    __version__ = version("deepomics")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["seq", "__version__"]
