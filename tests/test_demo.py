"""The main job on real data: Biostrings' dm3 upstream sequences (installed by the set-up)."""
import os
import subprocess

import numpy as np
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
    with pytest.raises(FileExistsError, match="deepbind-MA0139.1 exists and is not a deepomics "
                                              "model"):
        demo.run(str(short), out_dir=str(tmp_path / "out"), overwrite=True)
    assert (mine / "notes.txt").read_text() == "mine"
    (mine / "notes.txt").unlink()  # an empty folder: replaced only when asked
    with pytest.raises(FileExistsError, match="deepbind-MA0139.1 exists; pass overwrite=True"):
        demo.run(str(short), out_dir=str(tmp_path / "out"))


def test_the_demo_on_a_fasta_without_enough_known_bases_says_so(tmp_path):
    """A FASTA whose every 200 bp window holds an N looped for ever; a genome's chromosomes
    padded to the longest would take terabytes: the one-hot step shows a part that fits."""
    gappy = tmp_path / "gappy.fa"
    rng = np.random.default_rng(0)
    rows = ["".join(rng.choice(list("ACGT"), 400)) for _ in range(30)]
    gappy.write_text("".join(f">s{i}\n" + "N".join(r[j:j + 149] for j in range(0, 400, 150)) + "\n"
                             for i, r in enumerate(rows)))
    with pytest.raises(ValueError, match="found 0 windows of 200 bp without N in 2,000 tries and "
                                         "needs 20"):
        demo.run(str(gappy), n_windows=20)
