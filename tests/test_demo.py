"""The main job on real data: Biostrings' dm3 upstream sequences (installed by the set-up)."""
import os
import subprocess

import pytest

from deepomics import demo


def _dm3() -> str | None:
    try:
        path = subprocess.run(
            ["Rscript", "-e", 'cat(system.file("extdata", "dm3_upstream2000.fa.gz", package = "Biostrings"))'],
            capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return path if path and os.path.exists(path) else None


def test_demo_finds_promoter_elements_and_the_planted_motif(tmp_path):
    fasta = _dm3()
    if fasta is None:
        if os.environ.get("CI"):
            pytest.fail("Biostrings' dm3_upstream2000.fa.gz is missing: the set-up installs r-bioc-biostrings")
        pytest.skip("Biostrings is not installed")
    result = demo.run(fasta, n_windows=3000, epochs=8, out_dir=str(tmp_path))
    assert result["n"] == 26454
    assert {"TATCGA", "CGATAG"} & set(result["top_kmers"][:3])  # the DRE, TATCGATA
    assert result["auroc"]["deepbind"] > 0.95
    assert result["auroc"]["deepbind"] > result["auroc"]["kmer_linear"] + 0.1
    assert result["reload_identical"]
