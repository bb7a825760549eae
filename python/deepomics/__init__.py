"""deepomics: deep learning for biological sequences and expression data, from Python and R.

``deepomics.seq`` holds the sequence engine (FASTA, one-hot, tokens, reverse complement,
k-mers); ``models`` the architectures; ``train`` fit / predict / embed / evaluate; ``io`` model
files; ``genome`` sequences of genomic intervals. The torch-based parts import on first use, so ``import deepomics`` stays light.
"""
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from . import seq


class DeepomicsWarning(UserWarning):
    """Something the user should know about their data or results (the R package turns these
    into R warnings)."""


try:
    __version__ = version("deepomics")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_LAZY = {
    "models": ("deepomics.models", None),
    "train": ("deepomics.train", None),
    "io": ("deepomics.io", None),
    "genome": ("deepomics.genome", None),
    "select": ("deepomics.select", None),
    "tl": ("deepomics.tl", None),
    "pl": ("deepomics.pl", None),
    "interpret": ("deepomics.interpret", None),
    "motifs": ("deepomics.motifs", None),
    "fit": ("deepomics.train", "fit"),
    "predict": ("deepomics.train", "predict"),
    "embed": ("deepomics.train", "embed"),
    "evaluate": ("deepomics.train", "evaluate"),
    "save": ("deepomics.io", "save"),
    "load": ("deepomics.io", "load"),
}

__all__ = ["seq", "__version__", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'deepomics' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = import_module(module_name)
    return getattr(module, attribute) if attribute else module
