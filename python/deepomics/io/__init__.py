"""Files in and out: model files (``save`` / ``load``)."""
from .models import ModelFileError, load, save

__all__ = ["save", "load", "ModelFileError"]
