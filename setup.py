"""Builds src_cpp/ into deepomics._core (pybind11); all other metadata is in pyproject.toml."""
import os
from glob import glob

from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

# DEEPOMICS_SANITIZE=1 builds the extension with AddressSanitizer and UBSan (make asan).
sanitize = os.environ.get("DEEPOMICS_SANITIZE") == "1"
flags = ["-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
         "-fno-sanitize-recover=undefined"] if sanitize else ["-O3"]

core = Pybind11Extension(
    "deepomics._core",
    sorted(glob("src_cpp/*.cpp")),
    include_dirs=["src_cpp"],
    cxx_std=17,
    extra_compile_args=flags + ["-Wall", "-Wextra"],
    extra_link_args=["-fsanitize=address,undefined"] if sanitize else [],
)

setup(ext_modules=[core])
