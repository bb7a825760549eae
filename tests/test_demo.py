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


def test_demo_arguments_are_checked_before_the_work(tmp_path):
    """n_windows of 0 used to fail after encoding the whole FASTA, and a FASTA of short sequences
    with NumPy's "high <= 0"; both are said before any work."""
    short = tmp_path / "short.fa"
    short.write_text(">a\nACGTACGT\n")
    with pytest.raises(ValueError, match="n_windows must be a positive whole number, not 0"):
        demo.run(str(short), n_windows=0)
    with pytest.raises(ValueError, match="n_windows must be 20 or more, not 10"):
        demo.run(str(short), n_windows=10)
    with pytest.raises(ValueError, match="the demo cuts 200 bp windows .* the longest in .* has 8 "
                                         "letters; give a FASTA of longer sequences"):
        demo.run(str(short))
    # a model already in out_dir (the user's, or an earlier run's) is kept unless asked
    mine = tmp_path / "out" / "deepbind-MA0139.1"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="deepbind-MA0139.1 exists; pass overwrite=True"):
        demo.run(str(short), out_dir=str(tmp_path / "out"))
    assert (mine / "notes.txt").read_text() == "mine"
