"""deepomics.seq.read_fasta on files written in tmp_path: good files against what was written,
bad files against errors that name the file and the line.

"""
from __future__ import annotations

import bz2
import gzip
import lzma
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepomics.seq import FastaFormatError, FastaRecords, read_fasta

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI results do not depend on luck
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# ---- hypothesis strategies ---------------------------------------------------------------------

# Names: any printable text without whitespace (UTF-8 included); descriptions: printable text with
# spaces and tabs inside; sequences: letters in both cases and '*', '-', '.', '+'.
names = st.text(st.characters(codec="utf-8", exclude_categories=("C", "Z")), min_size=1, max_size=12)
descriptions = st.text(
    st.one_of(st.sampled_from(" \t"), st.characters(codec="utf-8", exclude_categories=("C", "Zl", "Zp"))),
    max_size=30,
).map(lambda d: d.strip(" \t"))
sequences = st.text(st.sampled_from(string.ascii_letters + "*-.+"), min_size=1, max_size=200)
records = st.lists(st.tuples(names, descriptions, sequences), min_size=1, max_size=6)


@st.composite
def fasta_layouts(draw):
    """How a file is laid out: line ends, line widths, blank lines, comments, compression."""
    return {
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "widths": draw(st.lists(st.integers(1, 90), min_size=6, max_size=6)),
        "blank_lines": draw(st.booleans()),
        "comments": draw(st.booleans()),
        "final_newline": draw(st.booleans()),
        "compression": draw(st.sampled_from([None, "gzip", "gzip-members"])),
    }


# ---- writing files -----------------------------------------------------------------------------


def write(path: Path, content: bytes | str) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def fasta_text(recs, layout) -> str:
    """The records as FASTA text laid out as `layout` says."""
    nl = layout["newline"]
    lines = []
    for i, (name, description, sequence) in enumerate(recs):
        if layout["comments"]:
            lines.append(f";comment {i}")
        lines.append(f">{name} {description}" if description else f">{name}")
        width = layout["widths"][i % len(layout["widths"])]
        lines.extend(sequence[j:j + width] for j in range(0, len(sequence), width))
        if layout["blank_lines"]:
            lines.append("")
    text = nl.join(lines)
    return text + nl if layout["final_newline"] else text


def compress(data: bytes, how: str | None) -> bytes:
    if how == "gzip":
        return gzip.compress(data)
    if how == "gzip-members":  # several gzip members one after another, as bgzip writes
        cut = len(data) // 2
        return gzip.compress(data[:cut]) + gzip.compress(data[cut:])
    return data


def fasta_error(path: Path) -> str:
    """read_fasta's FastaFormatError message for the file at `path`."""
    with pytest.raises(FastaFormatError) as info:
        read_fasta(path)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message
    return message


# ---- good files --------------------------------------------------------------------------------


@SETTINGS
@given(recs=records, layout=fasta_layouts())
def test_round_trip_of_random_records(tmp_path, recs, layout):
    path = write(tmp_path / "random.fa", compress(fasta_text(recs, layout).encode(), layout["compression"]))
    got = read_fasta(path)
    assert isinstance(got, FastaRecords) and len(got) == len(recs)
    assert got.names == [name for name, _, _ in recs]
    assert got.descriptions == [description for _, description, _ in recs]
    assert got.sequences == [sequence for _, _, sequence in recs]


def test_multi_line_records_with_descriptions(tmp_path):
    path = write(tmp_path / "a.fa", (
        ">chr1 first record, with description\n"
        "ACGTACGTAC\n"
        "GTACgtacNN\n"
        "AC\n"
        ">chr2\tdescription after a tab  \n"
        "RYKM*-.\n"
        ">chr3\n"
        "tttt\n"
    ))
    recs = read_fasta(path)
    assert recs.names == ["chr1", "chr2", "chr3"]
    assert recs.descriptions == ["first record, with description", "description after a tab", ""]
    assert recs.sequences == ["ACGTACGTACGTACgtacNNAC", "RYKM*-.", "tttt"]  # lowercase kept


def test_records_are_read_through_their_attributes_not_iterated(tmp_path):
    """With two records, ``for name, s in records`` and ``names, seqs = records`` would each
    read the other layout without an error: neither is allowed; the message says what is."""
    path = write(tmp_path / "a.fa", ">a\nAC\n>b\nGT\n")
    for records in (read_fasta(path), read_fasta(str(path))):  # a str path as well as a Path
        assert records.names == ["a", "b"] and records.sequences == ["AC", "GT"]
        assert len(records) == 2
        with pytest.raises(TypeError, match=r"not iterable: use records.names and "
                                            r"records.sequences \(zip\(records.names"):
            for name, s in records:
                pass
        with pytest.raises(TypeError, match="not iterable"):
            names, seqs = records


def test_a_pipe_is_read_as_a_file(tmp_path):
    """A named pipe (or a shell's <(zcat x.fa.gz)) cannot be memory-mapped: it is read."""
    import os
    import threading

    fifo = tmp_path / "stream.fa"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b">a\nACGT\nAC\n>b\nGG\n"))
    writer.start()
    records = read_fasta(fifo)
    writer.join()
    assert records.names == ["a", "b"] and records.sequences == ["ACGTAC", "GG"]


def test_records_are_sequences_to_the_encoders_and_models(tmp_path):
    from deepomics import seq, train

    path = write(tmp_path / "a.fa", ">a\nACGTAC\n>b\nGTTTGG\n")
    records = read_fasta(path)
    for encode in (seq.one_hot, seq.tokenize, lambda s: seq.kmer_counts(s, k=2)):
        np.testing.assert_array_equal(encode(records), encode(records.sequences))
    assert seq.reverse_complement(records) == ["GTACGT", "CCAAAC"]
    model = train.fit({"arch": "deepbind", "n_filters": 2, "filter_size": 3}, (records, [0, 1]),
                      epochs=1)
    np.testing.assert_array_equal(train.predict(model, records),
                                  train.predict(model, records.sequences))
    # a fixed-length model takes the records' length, as it takes a list's
    fixed = train.fit({"arch": "promoter_cnn", "n_filters": 2, "filter_size": 3, "hidden": 2},
                      (records, [0, 1]), epochs=1)
    assert fixed.seq_len == 6


def test_records_of_several_lengths_are_read_as_their_sequences(tmp_path):
    """Interpretation pads shorter sequences without mutating the padding, and a search trains
    on the records, as with the list of sequences."""
    from deepomics import interpret, select, train

    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), n)) for n in [30, 18] * 10]
    text = "".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs))
    records = read_fasta(write(tmp_path / "a.fa", text))
    y = [0, 1] * 10
    model = train.fit({"arch": "deepbind", "n_filters": 2, "filter_size": 3}, (records, y),
                      epochs=1)
    np.testing.assert_array_equal(interpret.ism(model, records),
                                  interpret.ism(model, seqs))
    assert not interpret.ism(model, records)[1, :, 18:].any()
    search = select.grid_search({"arch": "deepbind", "n_filters": [2], "filter_size": [3]},
                                (records, y), strategy="grid", cv=2, baselines=False,
                                fit_args={"epochs": 1}, seed=0)
    listed = select.grid_search({"arch": "deepbind", "n_filters": [2], "filter_size": [3]},
                                (seqs, y), strategy="grid", cv=2, baselines=False,
                                fit_args={"epochs": 1}, seed=0)
    assert search.leaderboard()["mean"].tolist() == listed.leaderboard()["mean"].tolist()


def test_crlf_blank_lines_comments_and_spaces(tmp_path):
    path = write(tmp_path / "a.fa", (
        ";file comment\r\n"
        "\r\n"
        ">a desc\r\n"
        "AC GT\r\n"
        "\r\n"
        "; comment inside a record\r\n"
        "\tgg\r\n"
        "\n"
        ">b\r\n"
        "NN"  # no line end at the end of the file
    ))
    recs = read_fasta(path)
    assert recs.names == ["a", "b"]
    assert recs.descriptions == ["desc", ""]
    assert recs.sequences == ["ACGTgg", "NN"]


def test_gzip_and_multi_member_gzip(tmp_path):
    text = b">a one\nACGT\nAC\n>b\nGGGG\n"
    expected = (["a", "b"], ["ACGTAC", "GGGG"])

    def read(path):
        records = read_fasta(path)
        return records.names, records.sequences

    assert read(write(tmp_path / "a.fa.gz", gzip.compress(text))) == expected
    members = gzip.compress(text[:9]) + gzip.compress(text[9:15]) + gzip.compress(text[15:])
    assert read(write(tmp_path / "b.fa.gz", members)) == expected
    # gzip is recognised by its bytes, not by the file name
    assert read(write(tmp_path / "c.fa", gzip.compress(text))) == expected


def test_utf8_names_and_descriptions(tmp_path):
    recs = read_fasta(write(tmp_path / "a.fa", ">séq1 données de Zürich\nACGT\n"))
    assert recs.names == ["séq1"] and recs.descriptions == ["données de Zürich"]


def test_long_sequence(tmp_path):
    sequence = "ACGTN" * 300_001
    body = "\n".join(sequence[i:i + 60] for i in range(0, len(sequence), 60))
    recs = read_fasta(write(tmp_path / "long.fa", ">long\n" + body + "\n>short\nA\n"))
    assert recs.sequences == [sequence, "A"]


# ---- bad files: errors name the file and the line ----------------------------------------------


@pytest.mark.parametrize("content, line, words", [
    (";comment\n\nACGT\n>a\nAC\n", 3, ["sequence data before the first header"]),
    (">a\nAC\n\n>\nAC\n", 4, ["no name"]),
    (">a\r\nAC\r\n> \t \r\nAC\r\n", 3, ["no name"]),
    (">a\nAC\n>b\n\n>c\nAC\n", 3, ["'b'", "no sequence"]),
    (">a\nAC\n>b\n", 3, ["'b'", "no sequence"]),
    (">a\nAC\n>b\n   \n", 3, ["'b'", "no sequence"]),
    (">a\nACGT\nAC\0\0GT\n", 3, ["binary", "0x00"]),
    (">a\0b\nACGT\n", 1, ["binary", "0x00"]),
    ("\0\0\0\0\x01\x02", 1, ["binary"]),
    (">a\nACGT\n>b\nAC1GT\n", 4, ["'1'"]),
    (">a\nACGT\nAC GT 42\n", 3, ["'4'"]),
    (">a\r\nACGT\r\n\r\nAC=GT\r\n", 4, ["'='"]),
    ("  >a\nACGT\n", 1, ["'>'"]),
])
def test_errors_name_file_and_line(tmp_path, content, line, words):
    message = fasta_error(write(tmp_path / "bad.fa", content))
    assert f"line {line}" in message
    for word in words:
        assert word in message


def test_errors_give_the_column(tmp_path):
    message = fasta_error(write(tmp_path / "bad.fa", ">a\nACGT\nACG7T\n"))
    assert "line 3, column 4" in message


def test_errors_in_gzip_files_name_the_line_of_the_text(tmp_path):
    message = fasta_error(write(tmp_path / "bad.fa.gz", gzip.compress(b">a\nAC\n>b\nA%C\n")))
    assert "line 4" in message and "'%'" in message


def test_gzip_of_binary_data(tmp_path):
    message = fasta_error(write(tmp_path / "bin.gz", gzip.compress(bytes(range(256)) * 4)))
    assert "line 1" in message and "binary" in message


@pytest.mark.parametrize("content", [b"", b"\n\n", b";only a comment\n", b"   \n"])
def test_empty_file(tmp_path, content):
    message = fasta_error(write(tmp_path / "empty.fa", content))
    assert "no FASTA records" in message and ">name" in message


@pytest.mark.parametrize("kind, data", [
    ("bzip2", bz2.compress(b">a\nACGT\n")),
    ("xz", lzma.compress(b">a\nACGT\n")),
    ("bzip2", gzip.compress(bz2.compress(b">a\nACGT\n"))),  # bzip2 inside gzip
])
def test_other_compression_says_decompress(tmp_path, kind, data):
    message = fasta_error(write(tmp_path / "a.fa.x", data))
    assert kind in message and "decompress" in message


@pytest.mark.parametrize("data", [
    gzip.compress(b">a\nACGT\n" * 200)[:-30],  # truncated
    b"\x1f\x8b" + b"not really gzip" * 5,  # damaged header
    gzip.compress(b">a\nACGT\n")[:10] + b"\xff" * 20 + gzip.compress(b">a\nACGT\n")[30:],  # damaged body
])
def test_damaged_gzip(tmp_path, data):
    message = fasta_error(write(tmp_path / "a.fa.gz", data))
    assert "gzip" in message


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"FASTA file .*missing.fa does not exist \(the "
                                                 r"working directory is .*\); check the path"):
        read_fasta(tmp_path / "missing.fa")


# FASTA-like pieces mixed with random bytes, so that the parser's every state is reached.
fasta_pieces = st.one_of(
    st.sampled_from([b">", b">a b", b"\n", b"\r\n", b"\r", b";", b" ", b"\t", b"ACGT", b"acgtn", b"*-.+",
                     b"1", b"\x00", b"\x7f", b"\xff", b"\xc3\xa9", b"\x1f\x8b", b"BZh"]),
    st.binary(min_size=1, max_size=8),
)
random_files = st.one_of(st.binary(max_size=300), st.lists(fasta_pieces, max_size=40).map(b"".join))


@SETTINGS
@given(data=random_files)
def test_random_bytes_parse_or_fail_with_file_and_line(tmp_path, data):
    """Random bytes either parse, or raise FastaFormatError naming the file and (for text) the line.

    (A run of this test found b">\\x80": see test_header_without_sequence_whose_name_is_not_utf8.)"""
    path = write(tmp_path / "random.bin", data)  # one file, rewritten for every example
    try:
        recs = read_fasta(path)
    except FastaFormatError as err:
        message = str(err)
        assert str(path) in message
        if not any(w in message for w in ("no FASTA records", "compressed", "gzip")):
            assert "line " in message
        return
    assert len(recs.names) == len(recs.sequences) == len(recs.descriptions) > 0
    for name, sequence in zip(recs.names, recs.sequences):
        assert name and sequence
        assert not any(c.isspace() for c in sequence) and " " not in name and "\t" not in name


@pytest.mark.parametrize("content, line", [(b">a\xff\xfe b\nACGT\n", 1), (b">a \xff\xfe\nACGT\n", 1),
                                           (b">a\nAC\n\n>b\x80\nACGT\n", 4)])
def test_header_that_is_not_utf8_names_file_and_line(tmp_path, content, line):
    """Regression: a header with bytes that are not UTF-8 raises
    FastaFormatError("the name of record 0 is not valid UTF-8 text"): neither the file nor the
    line is named (module.cpp decode_text runs after parsing, without line numbers)."""
    message = fasta_error(write(tmp_path / "latin1.fa", content))
    assert f"line {line}" in message and "UTF-8" in message


def test_classic_mac_line_ends_are_not_called_binary(tmp_path):
    """Regression: a file with CR-only line ends (old Mac editors) is reported as "binary data
    (byte 0x0D) in a header line; this does not look like a FASTA text file" instead of naming
    the line ends (or reading them)."""
    try:
        recs = read_fasta(write(tmp_path / "mac.fa", b">a\rACGT\r>b\rGG\r"))
    except FastaFormatError as err:
        assert "binary" not in str(err) and ("CR" in str(err) or "line end" in str(err))
    else:  # reading them is fine too
        assert recs.names == ["a", "b"] and recs.sequences == ["ACGT", "GG"]


def test_utf8_byte_order_mark_is_not_called_binary(tmp_path):
    """Regression: a file saved with a UTF-8 byte order mark (Windows editors) fails with
    "binary data (byte 0xEF) ... a BAM, 2bit or otherwise compressed file?"; the BOM could be
    skipped, or named."""
    try:
        recs = read_fasta(write(tmp_path / "bom.fa", b"\xef\xbb\xbf>a\nACGT\n"))
    except FastaFormatError as err:
        assert "binary" not in str(err) and ("BOM" in str(err) or "byte order mark" in str(err))
    else:
        assert recs.names == ["a"] and recs.sequences == ["ACGT"]


def test_non_ascii_letter_in_a_sequence_is_not_called_binary(tmp_path):
    """Regression: 'é' in a sequence line is reported as "binary data (byte 0xC3) ... a BAM,
    2bit or otherwise compressed file?" rather than as an unexpected (non-ASCII) character."""
    message = fasta_error(write(tmp_path / "e.fa", ">a\nACGT\nACéT\n".encode()))
    assert "line 3" in message and "binary" not in message


@pytest.mark.parametrize("content, line", [(b">\x80", 1), (b">a\nAC\n>\x80\n", 3)])
def test_header_without_sequence_whose_name_is_not_utf8(tmp_path, content, line):
    """Regression: for b">a\nAC\n>\x80\n" the parser's message "record '\x80' has no sequence"
    holds the raw byte, pybind11 cannot turn it into a str, and the user gets "'utf-8' codec
    can't decode byte 0x80 in position 40: invalid start byte" with no file and no line."""
    message = fasta_error(write(tmp_path / "noseq.fa", content))
    assert f"line {line}" in message and "no sequence" in message
