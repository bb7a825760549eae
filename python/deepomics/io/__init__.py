"""Files in and out: model files (``save`` / ``load``) and Bioconductor objects in R files as
AnnData (``read_r`` / ``write_r``, through rpy2, imported on first use)."""
from .models import ModelFileError, load, save

__all__ = ["save", "load", "ModelFileError", "read_r", "write_r"]


def __getattr__(name: str):
    if name in ("read_r", "write_r", "RObjectError"):
        from . import r

        return getattr(r, name)
    raise AttributeError(f"module 'deepomics.io' has no attribute {name!r}")
