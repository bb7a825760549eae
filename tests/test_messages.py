"""deepomics.messages: numbers in messages count from INDEX_BASE, 0 in Python and 1 when the R
package loads deepomics, in the C++ kernels' messages and in Python's alike."""
import pytest

from deepomics import genome, messages, seq


@pytest.fixture
def genome_fasta(tmp_path):
    path = tmp_path / "g.fa"
    path.write_text(">chr1\n" + "ACGT" * 5 + "\n")
    return str(path)


def errors(genome_fasta) -> list[str]:
    out = []
    for call in (lambda: seq.one_hot(["ACG", "AC"]),                        # C++
                 lambda: seq.one_hot(["ACGT", "ACNT"], unknown="error"),     # Python
                 lambda: genome.GenomeIntervals(genome_fasta, {
                     "chrom": ["chr1", "chr1"], "start": [0, 15], "end": [10, 25]})):
        with pytest.raises(ValueError) as err:
            call()
        out.append(str(err.value))
    return out


def test_python_counts_from_zero(genome_fasta):
    lengths, letter, interval = errors(genome_fasta)
    assert "sequence 0 has 3 letters but sequence 1 has 2" in lengths
    assert letter.startswith("sequence 1, position 2: 'N'")
    assert "interval 1 (chr1:15-25, 0-based, end exclusive) lies outside chr1" in interval


def test_r_counts_from_one(genome_fasta, monkeypatch):
    monkeypatch.setattr(messages, "INDEX_BASE", 1)
    lengths, letter, interval = errors(genome_fasta)
    assert "sequence 1 has 3 letters but sequence 2 has 2" in lengths
    assert letter.startswith("sequence 2, position 3: 'N'")
    assert "interval 2 (chr1:16-25) lies outside chr1" in interval   # as GRanges shows it
