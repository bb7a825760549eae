"""A short fuzz run of read_fasta's parser and of the encoders (atheris); `make fuzz` runs longer.

Each fuzzer runs in its own process: a crash, a sanitizer report (under `make test-asan`), an
exception other than the documented ones or a broken invariant makes it exit non-zero.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

FUZZERS = Path(__file__).parent / "fuzz"
SECONDS = int(os.environ.get("DEEPOMICS_FUZZ_SECONDS", "10"))


@pytest.mark.parametrize("target", ["fuzz_fasta.py", "fuzz_one_hot.py"])
def test_fuzzer_finds_nothing(target, tmp_path):
    run = subprocess.run(
        [sys.executable, str(FUZZERS / target), f"-max_total_time={SECONDS}",
         f"-artifact_prefix={tmp_path}/", "-print_final_stats=1"],
        capture_output=True, text=True, timeout=SECONDS + 120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done" in run.stderr and not list(tmp_path.glob("crash-*"))
