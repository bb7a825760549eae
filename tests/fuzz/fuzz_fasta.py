"""Fuzzes read_fasta's parser (gzip detection included) with atheris.

Any input must either parse or raise FastaFormatError; anything else (another exception, a
sanitizer report, a crash) is a finding. Run: python tests/fuzz/fuzz_fasta.py -max_total_time=60
"""
import sys

import atheris

with atheris.instrument_imports():
    from deepomics import seq


def test_one_input(data: bytes) -> None:
    try:
        records = seq._parse_fasta_bytes(data, "fuzz.fa")
    except seq.FastaFormatError:
        return
    assert len(records.names) == len(records.sequences) == len(records.descriptions) > 0
    for name, sequence in zip(records.names, records.sequences):
        assert name and sequence and not any(c.isspace() for c in name + sequence)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
