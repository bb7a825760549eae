"""Checks of plain arguments that functions across deepomics share, so that each is said the same
way everywhere (and takes what R passes: R's numbers are doubles, ``200`` arrives as ``200.0``).
"""
from __future__ import annotations

import numpy as np

from .messages import as_written


def count(value, name: str) -> int:
    """``value`` as a positive whole number (``int``); a whole float such as R's ``200.0`` is
    taken. Anything else is an error naming ``name``: TypeError for a non-number (or a bool),
    ValueError for a fraction, NaN, infinity, zero or less."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a positive whole number, not {value!r}")
    if not np.isfinite(value) or value != int(value) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {as_written(value)}")
    return int(value)


def whole_number(value, name: str, minimum: int = 0) -> int:
    """``value`` as a whole number >= ``minimum`` (a seed, a patience, a worker count); a whole
    float such as R's ``3.0`` is taken. Anything else is an error naming ``name``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    if not np.isfinite(value) or value != int(value) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, not {as_written(value)}")
    return int(value)


def user_path(path, what: str = "the path") -> str:
    """A path as the user meant it: ``~`` expanded (as a shell would), an empty one refused (it
    would name the working directory)."""
    import os

    text = os.fspath(path)
    if not str(text).strip():
        raise ValueError(f"{what} is empty; give a file or folder")
    return os.path.expanduser(text)


def non_negative_number(value, name: str) -> float:
    """``value`` as a finite float >= 0 (a learning rate: 0 freezes the weights); anything else
    is an error naming ``name`` (a string such as "0.01" from a config file included)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        hint = ""
        if isinstance(value, str):
            try:
                float(value)
                hint = (" (text that reads as a number: YAML takes 1e-3 without a decimal point "
                        "for text; write 1.0e-3 or 0.001)")
            except ValueError:
                pass
        raise TypeError(f"{name} must be a number >= 0, not {value!r}{hint}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, not {as_written(value)}")
    return float(value)


def torch_device(device):
    """The torch device that ``device`` names: ``"auto"`` (or None) is CUDA when present, else
    the CPU; ``"cpu"``, ``"cuda"``, ``"cuda:N"``. A CUDA device this machine lacks is an error
    that says what it has (torch and Lightning would fail later, in their own words)."""
    import re

    import torch

    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        device = str(device)
    if device == "mps":  # Apple silicon
        if not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
            raise ValueError("device='mps' but this machine has no Apple-silicon GPU; use "
                             "device='auto' or device='cpu'")
        return torch.device("mps")
    if not isinstance(device, str) or not re.fullmatch(r"cpu|cuda(:\d+)?", device):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', not {device!r}")
    if device.startswith("cuda"):
        have = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= have:
            gpus = "no CUDA GPU" if not have else f"{have} CUDA GPU(s), cuda:0 to cuda:{have - 1}"
            raise ValueError(f"device={device!r} but this machine has {gpus}; use device='auto' "
                             "(CUDA when present) or device='cpu'")
    return torch.device(device)
