"""deepomics.seq's sequence kernels against plain Python / NumPy references.

Each kernel has one small reference function below; hypothesis draws random inputs (every IUPAC
letter, lowercase, N, other ASCII, every padding mode) and the kernel must agree with it exactly.
"""
from __future__ import annotations

import itertools
import re
import string
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepomics import _core, seq
from deepomics.seq import decode, kmer_counts, kmer_names, one_hot, reverse_complement, tokenize

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI results do not depend on luck
    suppress_health_check=[HealthCheck.too_slow],
)

# ---- hypothesis strategies ---------------------------------------------------------------------

DNA, RNA, PROTEIN = "ACGT", "ACGU", "ACDEFGHIKLMNPQRSTVWY"
NUCLEOTIDE_CODES = "RYSWKMBDHVN"
# Letters the encoders meet: nucleotides and IUPAC codes in both cases (weighted up by repeating
# them), every other ASCII letter (protein, B Z J X O), and the other bytes sequences hold.
MIXED = (("ACGTUN" + NUCLEOTIDE_CODES) * 2 + ("acgtun" + NUCLEOTIDE_CODES.lower())
         + string.ascii_letters + "*-.+")
SEQUENCE_BYTES = set((string.ascii_letters + "*-.+").encode())
ALPHABET_NAMES = ["dna", "rna", "protein", "TGCA", "acgt-", "XYZ*"]
PADS = ["right", "left", "center"]


def text(chars: str, min_size: int = 1, max_size: int = 30):
    return st.text(alphabet=st.sampled_from(chars), min_size=min_size, max_size=max_size)


def ragged_batches(chars: str = MIXED):
    return st.lists(text(chars), min_size=1, max_size=6)


def equal_batches(chars: str = MIXED):
    """Sequences that share one length."""
    return st.integers(1, 30).flatmap(
        lambda n: st.lists(text(chars, n, n), min_size=1, max_size=6)
    )


pads = st.sampled_from(PADS)
out_lengths = st.integers(1, 40)
alphabets = st.sampled_from(ALPHABET_NAMES)
letters_of = {"dna": DNA, "rna": RNA, "protein": PROTEIN}

# ---- references --------------------------------------------------------------------------------

IUPAC_DNA = {"R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
             "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}
IUPAC_PROTEIN = {"B": "DN", "Z": "EQ", "J": "IL", "X": PROTEIN}
PAD = 256  # "byte" code of a padded position in ref_place's output


def ref_letters(alphabet: str) -> str:
    return letters_of.get(alphabet, alphabet).upper()


def ref_place(seq: bytes, length: int, pad: str) -> np.ndarray:
    """The bytes of `seq` padded (with PAD) or trimmed to `length` positions as `pad` says; center
    splits the difference with the odd one on the right."""
    codes = list(seq)
    diff = abs(length - len(codes))
    before = {"right": 0, "left": diff, "center": diff // 2}[pad]
    if len(codes) >= length:
        return np.array(codes[before:before + length])
    return np.array([PAD] * before + codes + [PAD] * (diff - before))


def as_bytes(seq) -> bytes:
    return seq if isinstance(seq, bytes) else seq.encode("ascii")


def ref_column(byte: int, alphabet: str, unknown: str, iupac: bool) -> np.ndarray | None:
    """One-hot column of one byte; None for a letter outside the alphabet with unknown='error'."""
    letters = ref_letters(alphabet)
    char = chr(byte).upper() if byte < 128 else chr(byte)
    codes = {}
    if iupac:
        codes = IUPAC_PROTEIN if alphabet == "protein" else IUPAC_DNA
        if alphabet == "rna":
            codes = {code: members.replace("T", "U") for code, members in codes.items()}
    column = np.zeros(len(letters))
    if char in letters:
        column[letters.index(char)] = 1
    elif char in codes:
        for member in codes[char]:
            column[letters.index(member)] = 1 / len(codes[char])
    elif unknown == "uniform":
        column[:] = 1 / len(letters)
    elif unknown == "error":
        return None
    return column


def ref_one_hot(seqs, alphabet="dna", length=None, pad="right", unknown="zero", iupac=False,
                dtype=np.float32) -> np.ndarray:
    seqs = [as_bytes(s) for s in seqs]
    length = length or len(seqs[0])
    fill = "zero" if unknown == "error" else unknown  # with "error", no unknown letter gets here
    table = np.array([ref_column(b, alphabet, fill, iupac) for b in range(256)]
                     + [np.zeros(len(ref_letters(alphabet)))])  # the last row: PAD
    return np.stack([table[ref_place(s, length, pad)].T for s in seqs]).astype(dtype)


def ref_first_unknown(seqs, alphabet="dna", iupac=False):
    """(sequence, position, letter) of the first letter one_hot(unknown='error') rejects."""
    for n, s in enumerate(seqs):
        for j, b in enumerate(as_bytes(s)):
            if ref_column(b, alphabet, "error", iupac) is None:
                return n, j, chr(b)
    return None


def ref_token(byte: int, letters: str) -> int:
    char = chr(byte).upper() if byte < 128 else None
    return letters.index(char) + 1 if char and char in letters else len(letters) + 1


def ref_tokenize(seqs, alphabet="dna", length=None, pad="right") -> np.ndarray:
    letters = ref_letters(alphabet)
    table = [ref_token(b, letters) for b in range(256)] + [0]  # PAD -> 0
    seqs = [as_bytes(s) for s in seqs]
    length = length or len(seqs[0])
    return np.array([np.array(table)[ref_place(s, length, pad)] for s in seqs], dtype=np.int64)


def ref_window(seq: str, length: int, pad: str) -> str:
    """What of `seq` survives padding or trimming to `length` (padding dropped)."""
    return "".join(chr(b) for b in ref_place(seq.encode(), length, pad) if b != PAD)


COMPLEMENT = dict(zip("ACGTRYSWKMBDHVN-.", "TGCAYRSWMKVHDBN-."))


def ref_reverse_complement(seq: str, alphabet: str = "dna") -> str:
    comp = dict(COMPLEMENT)
    if alphabet == "rna":
        del comp["T"]
        comp.update(A="U", U="A")
    out = []
    for char in reversed(seq):
        c = comp[char.upper()]
        out.append(c.lower() if char.islower() else c)
    return "".join(out)


def ref_kmer_counts(seqs, k, canonical=False, normalize=False) -> np.ndarray:
    columns = {"".join(p): i for i, p in enumerate(itertools.product("ACGT", repeat=k))}
    out = np.zeros((len(seqs), 4**k))
    for n, s in enumerate(seqs):
        s = s.upper().replace("U", "T")
        kmers = Counter(s[i:i + k] for i in range(len(s) - k + 1) if set(s[i:i + k]) <= set("ACGT"))
        for kmer, count in kmers.items():
            if canonical:
                kmer = min(kmer, ref_reverse_complement(kmer))
            out[n, columns[kmer]] += count
        if normalize and out[n].sum():
            out[n] /= out[n].sum()
    return out


# ---- the references themselves, on hand-worked examples ----------------------------------------


def test_reference_padding_by_hand():
    assert ref_window("ACGTA", 3, "right") == "ACG"
    assert ref_window("ACGTA", 3, "left") == "GTA"
    assert ref_window("ACGTA", 3, "center") == "CGT"
    assert ref_window("ACGTAC", 3, "center") == "CGT"  # odd trim: the extra one goes on the right
    assert list(ref_place(b"A", 4, "center")) == [PAD, ord("A"), PAD, PAD]
    assert list(ref_place(b"AC", 4, "left")) == [PAD, PAD, ord("A"), ord("C")]


# ---- one_hot -----------------------------------------------------------------------------------


def test_one_hot_by_hand():
    x = one_hot(["ACgt", "NTTa"])
    assert x.dtype == np.float32 and x.shape == (2, 4, 4)
    np.testing.assert_array_equal(x[0], np.eye(4))
    np.testing.assert_array_equal(x[1].T, [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [1, 0, 0, 0]])


@pytest.mark.parametrize("pad, expected", [
    ("right", [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]),
    ("left", [[0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]),
    ("center", [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]),
])
def test_one_hot_padding_by_hand(pad, expected):
    np.testing.assert_array_equal(one_hot("AC", length=5, pad=pad)[0], expected)


@SETTINGS
@given(seqs=ragged_batches(), alphabet=alphabets, length=out_lengths, pad=pads,
       unknown=st.sampled_from(["zero", "uniform"]), data=st.data())
def test_one_hot_matches_reference(seqs, alphabet, length, pad, unknown, data):
    iupac = alphabet in ("dna", "rna", "protein") and data.draw(st.booleans(), "iupac")
    dtype = data.draw(st.sampled_from([np.float32, np.float16]), "dtype")
    got = one_hot(seqs, alphabet=alphabet, length=length, pad=pad, unknown=unknown, iupac=iupac,
                  dtype=dtype)
    assert got.dtype == dtype
    np.testing.assert_array_equal(
        got, ref_one_hot(seqs, alphabet, length, pad, unknown, iupac, dtype))


def test_the_sequence_letters_are_one_rule_in_cpp():
    """seq reads C++'s rule for which bytes are sequence letters; it is the reference's."""
    assert set(np.flatnonzero(_core.sequence_bytes).tolist()) == SEQUENCE_BYTES


@SETTINGS
@given(seqs=st.lists(st.binary(min_size=1, max_size=30), min_size=1, max_size=6), alphabet=alphabets,
       length=out_lengths, pad=pads, unknown=st.sampled_from(["zero", "uniform"]))
def test_one_hot_and_tokenize_of_arbitrary_bytes(seqs, alphabet, length, pad, unknown):
    """Bytes that are sequence letters are read as the reference reads them; any other byte
    (a digit, a space, a control or non-ASCII byte) is refused, naming the first."""
    first = next(((i, p) for i, s in enumerate(seqs) for p, b in enumerate(s)
                  if b not in SEQUENCE_BYTES), None)
    if first is not None:
        for encode in (one_hot, tokenize):
            with pytest.raises(ValueError, match=rf"^sequence {first[0]}, position {first[1]}: "
                                                 r".* is not a sequence letter"):
                encode(seqs, alphabet=alphabet, length=length, pad=pad)
        return
    np.testing.assert_array_equal(one_hot(seqs, alphabet=alphabet, length=length, pad=pad, unknown=unknown),
                                  ref_one_hot(seqs, alphabet, length, pad, unknown))
    np.testing.assert_array_equal(tokenize(seqs, alphabet=alphabet, length=length, pad=pad),
                                  ref_tokenize(seqs, alphabet, length, pad))


@SETTINGS
@given(seqs=equal_batches(), alphabet=alphabets)
def test_one_hot_without_length_uses_the_common_length(seqs, alphabet):
    got = one_hot(seqs, alphabet=alphabet, dtype=np.uint8)
    assert got.dtype == np.uint8 and got.shape == (len(seqs), len(ref_letters(alphabet)), len(seqs[0]))
    np.testing.assert_array_equal(got, ref_one_hot(seqs, alphabet, dtype=np.uint8))


@SETTINGS
@given(seqs=ragged_batches(), alphabet=alphabets, iupac=st.booleans())
def test_one_hot_unknown_error_names_the_first_unknown_letter(seqs, alphabet, iupac):
    iupac = iupac and alphabet in ("dna", "rna", "protein")
    first = ref_first_unknown(seqs, alphabet, iupac)
    if first is None:
        np.testing.assert_array_equal(
            one_hot(seqs, alphabet=alphabet, length=50, unknown="error", iupac=iupac),
            ref_one_hot(seqs, alphabet, 50, iupac=iupac))
    else:
        n, j, letter = first
        with pytest.raises(ValueError, match=re.escape(f"sequence {n}, position {j}: '{letter}'")):
            one_hot(seqs, alphabet=alphabet, length=50, unknown="error", iupac=iupac)


@pytest.mark.parametrize("alphabet", ["dna", "rna"])
def test_one_hot_every_nucleotide_code(alphabet):
    expected = {  # columns A C G T/U, written out by hand
        "R": [.5, 0, .5, 0], "Y": [0, .5, 0, .5], "S": [0, .5, .5, 0], "W": [.5, 0, 0, .5],
        "K": [0, 0, .5, .5], "M": [.5, .5, 0, 0], "B": [0, 1 / 3, 1 / 3, 1 / 3],
        "D": [1 / 3, 0, 1 / 3, 1 / 3], "H": [1 / 3, 1 / 3, 0, 1 / 3],
        "V": [1 / 3, 1 / 3, 1 / 3, 0], "N": [.25, .25, .25, .25],
    }
    for code, column in expected.items():
        x = one_hot(code + code.lower(), alphabet=alphabet, iupac=True)[0]
        np.testing.assert_allclose(x.T, [column, column], rtol=1e-7, err_msg=code)
        # without iupac a code is an unknown letter
        np.testing.assert_array_equal(one_hot(code, alphabet=alphabet)[0].T, [[0, 0, 0, 0]])


def test_one_hot_protein_codes():
    x = one_hot("BZJXbzjx", alphabet="protein", iupac=True)[0]
    assert x.shape == (20, 8)
    for j, members in enumerate(["DN", "EQ", "IL", PROTEIN] * 2):
        expected = np.array([1 / len(members) if a in members else 0 for a in PROTEIN])
        np.testing.assert_allclose(x[:, j], expected, rtol=1e-7)
    # O and U are not amino-acid codes: all-zero columns, or 1/20 each with unknown="uniform"
    np.testing.assert_array_equal(one_hot("OU", alphabet="protein", iupac=True), 0)
    np.testing.assert_allclose(one_hot("OU", alphabet="protein", unknown="uniform"), 1 / 20)


@pytest.mark.parametrize("alphabet", ["rna", "protein", "ACGT", "TGCA", "acgtn", "XYZ*"])
def test_one_hot_channel_order_follows_the_alphabet(alphabet):
    letters = ref_letters(alphabet)
    np.testing.assert_array_equal(one_hot(letters, alphabet=alphabet)[0], np.eye(len(letters)))
    np.testing.assert_array_equal(one_hot(letters.lower(), alphabet=alphabet)[0], np.eye(len(letters)))


def test_one_hot_dna_reads_u_as_unknown_and_rna_reads_t_as_unknown():
    np.testing.assert_array_equal(one_hot("U")[0, :, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(one_hot("T", alphabet="rna")[0, :, 0], [0, 0, 0, 0])


@pytest.mark.parametrize("kwargs", [dict(iupac=True), dict(unknown="uniform"),
                                    dict(alphabet="protein", iupac=True)])
def test_one_hot_uint8_refuses_fractions(kwargs):
    with pytest.raises(ValueError, match="uint8.*float32"):
        one_hot("ACGT", dtype=np.uint8, **kwargs)


def test_one_hot_uint8_and_float16_hold_the_same_values():
    seqs = ["ACGTNacgtn", "TTTTGGGGCA"]
    expected = one_hot(seqs)
    np.testing.assert_array_equal(one_hot(seqs, dtype=np.uint8), expected)
    np.testing.assert_array_equal(one_hot(seqs, dtype="float16"), expected)
    assert one_hot(seqs, dtype="float16").dtype == np.float16


@SETTINGS
@given(seqs=equal_batches(DNA + "acgtN"))
def test_one_hot_takes_every_container(seqs):
    expected = ref_one_hot(seqs)
    as_bytes_list = [s.encode() for s in seqs]
    containers = {
        "list of str": seqs,
        "tuple": tuple(seqs),
        "generator": (s for s in seqs),
        "map": map(str, seqs),
        "list of bytes": as_bytes_list,
        "numpy U": np.array(seqs),
        "numpy S": np.array(as_bytes_list),
        "numpy object": np.array(seqs, dtype=object),
        "list of numpy str": list(np.array(seqs)),
    }
    for name, container in containers.items():
        np.testing.assert_array_equal(one_hot(container), expected, err_msg=name)
    np.testing.assert_array_equal(one_hot(seqs[0]), expected[:1])
    np.testing.assert_array_equal(one_hot(seqs[0].encode()), expected[:1])


def test_functions_never_write_into_their_input():
    seqs = ["ACGTN", "acgtn"]
    arr = np.array(seqs)
    arr.flags.writeable = False  # what reticulate hands over from R
    kept = list(seqs)
    one_hot(seqs, length=3, pad="center")
    one_hot(arr, unknown="uniform", iupac=True)
    tokenize(arr, length=7, pad="left")
    reverse_complement(seqs)
    reverse_complement(arr)
    kmer_counts(arr, 2, canonical=True)
    assert seqs == kept and arr.tolist() == kept


@pytest.mark.parametrize("seqs, error, words", [
    (["ACGT", "AC", "ACG"], ValueError, ["sequence 1", "length="]),
    (["ACGT", ""], ValueError, ["sequence 1", "empty"]),
    ([], ValueError, ["no sequences"]),
    (None, TypeError, ["NoneType"]),
    (["ACGT", None], ValueError, ["sequence 1", "missing"]),
    (["ACGT", float("nan")], ValueError, ["sequence 1", "missing"]),   # pandas' missing text
    (pd.Series(["ACGT", pd.NA], dtype=object), ValueError, ["sequence 1", "missing"]),
    ("promoters.fa", ValueError, ["'promoters.fa' is a file's path", "read_fasta(path)"]),
    ("cells.h5ad", ValueError, ["'cells.h5ad' is a file's path", "anndata.read_h5ad(path)",
                                "no such file"]),
    ("sce.rds", ValueError, ["'sce.rds' is a file's path", "deepomics.io.read_r(path)"]),
    ("table.CSV", ValueError, ["'table.CSV' is a file's path", "pandas.read_csv(path)"]),
    ("counts.tsv.gz", ValueError, ["'counts.tsv.gz' is a file's path", "sep='\\t'"]),
    (["ACGT", 7], TypeError, ["sequence 1", "int", "str or bytes"]),
    (["ACGT", type("SeqRecord", (), {})()], TypeError, ["sequence 1 is a SeqRecord",
                                                        "pass str(record.seq)"]),
    (["ACGT", "ACéT"], ValueError, ["sequence 1", "non-ASCII"]),
    (np.array([["AC", "GT"]]), ValueError, ["one-dimensional", "(1, 2)"]),
    ({"ACGT"}, TypeError, ["set"]),
    (12, TypeError, ["int"]),
])
def test_one_hot_bad_sequences_give_clear_errors(seqs, error, words):
    with pytest.raises(error) as info:
        one_hot(seqs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("kwargs, words", [
    (dict(length=0), ["length", "0"]),
    (dict(length=2.5), ["length", "2.5"]),
    (dict(pad="middle"), ["pad", "middle"]),
    (dict(unknown="skip"), ["unknown", "skip"]),
    (dict(dtype=np.float64), ["dtype", "float64"]),
    (dict(threads=0), ["threads"]),
    (dict(alphabet="AA"), ["repeats"]),
    (dict(alphabet=""), ["alphabet"]),
    (dict(alphabet="AC1"), ["AC1", "sequence letters only"]),
    (dict(alphabet="ACé"), ["ACé", "sequence letters only"]),
    (dict(alphabet="AC", iupac=True), ["iupac"]),
])
def test_one_hot_bad_arguments_give_clear_errors(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:
        one_hot(["ACGT"], **kwargs)
    for word in words:
        assert word in str(info.value)


def test_one_hot_length_given_as_float_whole_number():  # R passes 200 as 200.0
    np.testing.assert_array_equal(one_hot("ACG", length=5.0), one_hot("ACG", length=5))


@pytest.mark.parametrize("pad", PADS)
def test_one_hot_large_batch_splits_across_threads(pad):
    rng = np.random.default_rng(1)
    lengths = rng.integers(80, 130, size=3000)
    seqs = ["".join(rng.choice(list(MIXED), n)) for n in lengths]
    one = one_hot(seqs, length=101, pad=pad, iupac=True, threads=1)
    two = one_hot(seqs, length=101, pad=pad, iupac=True, threads=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(two, ref_one_hot(seqs, length=101, pad=pad, iupac=True))


@pytest.mark.parametrize("pad, length", [("right", None), ("left", 1_100_000), ("center", 1_100_001),
                                         ("center", 1_300_000), ("left", 1_234_567)])
def test_one_hot_long_sequence_spans_many_pieces(pad, length):
    rng = np.random.default_rng(2)
    seq = "".join(rng.choice(list("ACGTNacgtn"), 1_200_003))  # > 36 pieces of 32768 positions
    got = one_hot(seq, length=length, pad=pad, threads=2)
    np.testing.assert_array_equal(got, ref_one_hot([seq], length=length, pad=pad))
    np.testing.assert_array_equal(got, one_hot(seq, length=length, pad=pad, threads=1))


def test_one_hot_unknown_error_reports_the_first_bad_letter_of_long_input():
    seq = bytearray(b"A" * 1_100_000)
    seq[1_000_000], seq[900_000] = ord("?"), ord("!")  # the later one lands in another thread's part
    with pytest.raises(ValueError, match=r"sequence 0, position 900000: '!'"):
        one_hot(seq.decode(), unknown="error", threads=2)
    good = "ACGT" * 30
    seqs = [good] * 3000
    seqs[40] = good[:7] + "\x01" + good[8:]
    seqs[41] = "?" + good[1:]  # same block of work as 40, earlier position: 40 still comes first
    seqs[2500] = good[:-1] + "#"
    seqs[2999] = "N" + good[1:]
    with pytest.raises(ValueError, match=r"sequence 40, position 7: byte 0x01"):
        one_hot(seqs, unknown="error", threads=2)
    seqs[40] = seqs[41] = good
    with pytest.raises(ValueError, match=r"sequence 2500, position 119: '#'"):
        one_hot(seqs, unknown="error", threads=2)
    seqs[2500] = good
    with pytest.raises(ValueError, match=r"sequence 2999, position 0: 'N'"):
        one_hot(seqs, unknown="error", threads=2)
    np.testing.assert_array_equal(one_hot(seqs, unknown="error", iupac=True, threads=2),
                                  ref_one_hot(seqs, iupac=True))


def test_one_hot_bytes_outside_ascii_are_refused():
    with pytest.raises(ValueError, match=r"sequence 0, position 1: byte 0xFF is not a sequence"):
        one_hot([b"A\xffC"], unknown="uniform")
    with pytest.raises(ValueError, match=r"sequence 0, position 1: byte 0xFF"):
        one_hot([b"A\xffC"], unknown="error")


def test_one_hot_iupac_accepts_the_alphabet_name_in_any_case():
    """Regression: alphabet="DNA" is the dna alphabet everywhere except with iupac=True, where
    _ambiguity_rows compares the raw name and raises "iupac=True needs alphabet 'dna'..."."""
    np.testing.assert_array_equal(one_hot("ACGR", alphabet="DNA", iupac=True),
                                  one_hot("ACGR", alphabet="dna", iupac=True))


@pytest.mark.parametrize("encode", [
    lambda s: one_hot(s, length=12), lambda s: one_hot(s, length=12, unknown="uniform"),
    lambda s: tokenize(s, length=12), lambda s: kmer_counts(s, k=2),
    lambda s: kmer_counts(s, k=3, sparse=True)])
def test_bytes_that_are_no_sequence_letter_are_refused_where_they_are(encode):
    """Whitespace, line ends, digits and control bytes would be unknown positions, silently (a
    '\\r' from a Windows line end shifts a left-padded sequence); the first is named, as a plain
    loop finds it, on random input."""
    rng = np.random.default_rng(7)
    letters = list("ACGTNacgtRY-.*+")
    for _ in range(30):
        seqs = ["".join(rng.choice(letters, rng.integers(1, 12))) for _ in range(rng.integers(1, 20))]
        encode(seqs)  # letters, gaps and stops only: read
        for _ in range(2):
            i = rng.integers(len(seqs))
            p = rng.integers(len(seqs[i]))
            bad = [" ", "\t", "\r", "1", "!", "\x00"][rng.integers(6)]  # (NumPy drops "\x00")
            seqs[i] = seqs[i][:p] + bad + seqs[i][p + 1:]
        first = next((i, p) for i, s in enumerate(seqs) for p, c in enumerate(s)
                     if not (c.isalpha() or c in "-.*+"))
        with pytest.raises(ValueError, match=rf"^sequence {first[0]}, position {first[1]}: .* is "
                                             r"not a sequence letter; .*strip spaces and line ends"):
            encode(seqs)
    with pytest.raises(ValueError, match=r"'\\r' \(a carriage return: a Windows line end\?\)"):
        one_hot(["ACGT\r", "ACGT"], length=6, pad="left")
    # named as what it is, before the lengths are compared and whatever unknown says
    for unknown in ("zero", "error"):
        with pytest.raises(ValueError, match=r"sequence 1, position 2: ' ' \(a space\) is not a "
                                             r"sequence letter"):
            one_hot(["ACGT", "AC GT"], unknown=unknown)
    with pytest.raises(ValueError, match=r"'N' is not in the 'dna' alphabet"):
        one_hot(["ACGN"], unknown="error")  # a letter outside the alphabet keeps its hint


def test_one_hot_of_a_numeric_array_does_not_talk_about_reverse_complement():
    """Regression: one_hot(np.array([1, 2])) says "to reverse-complement a one-hot array pass it
    to reverse_complement" though nobody asked for a reverse complement."""
    with pytest.raises(TypeError) as info:
        one_hot(np.array([1, 2, 3]))
    assert "strings" in str(info.value) and "reverse" not in str(info.value)


# ---- tokenize / decode -------------------------------------------------------------------------


def test_tokenize_by_hand():
    tokens = tokenize(["ACgt", "NA"], length=5, pad="center")
    assert tokens.dtype == np.int64
    np.testing.assert_array_equal(tokens, [[1, 2, 3, 4, 0], [0, 5, 1, 0, 0]])


@pytest.mark.parametrize("length, pad, expected", [  # "_" is padding; the input is "ACGTAC"
    (8, "right", "ACGTAC__"), (8, "left", "__ACGTAC"), (8, "center", "_ACGTAC_"),  # pad 2
    (9, "right", "ACGTAC___"), (9, "left", "___ACGTAC"), (9, "center", "_ACGTAC__"),  # pad 3
    (4, "right", "ACGT"), (4, "left", "GTAC"), (4, "center", "CGTA"),  # trim 2
    (3, "right", "ACG"), (3, "left", "TAC"), (3, "center", "CGT"),  # trim 3
    (6, "center", "ACGTAC"),
])
def test_pad_and_trim_by_hand(length, pad, expected):
    tokens = [0 if c == "_" else "ACGT".index(c) + 1 for c in expected]
    np.testing.assert_array_equal(tokenize("ACGTAC", length=length, pad=pad), [tokens])
    x = one_hot("ACGTAC", length=length, pad=pad)[0]
    np.testing.assert_array_equal(x.sum(axis=0), [c != "_" for c in expected])
    assert decode(x) == expected.replace("_", "")


@SETTINGS
@given(seqs=ragged_batches(), alphabet=alphabets, length=out_lengths, pad=pads)
def test_tokenize_matches_reference(seqs, alphabet, length, pad):
    got = tokenize(seqs, alphabet=alphabet, length=length, pad=pad)
    assert got.dtype == np.int64 and got.shape == (len(seqs), length)
    np.testing.assert_array_equal(got, ref_tokenize(seqs, alphabet, length, pad))


@SETTINGS
@given(seqs=equal_batches(), alphabet=alphabets)
def test_tokenize_threads_and_containers_agree(seqs, alphabet):
    expected = ref_tokenize(seqs, alphabet)
    np.testing.assert_array_equal(tokenize(seqs, alphabet=alphabet, threads=1), expected)
    np.testing.assert_array_equal(tokenize(np.array(seqs), alphabet=alphabet, threads=2), expected)
    np.testing.assert_array_equal(tokenize([s.encode() for s in seqs], alphabet=alphabet), expected)


def test_tokenize_unknown_error():
    with pytest.raises(ValueError, match=r"sequence 1, position 2: 'N'.*unknown='token'"):
        tokenize(["ACGT", "ACNT"], unknown="error")
    np.testing.assert_array_equal(tokenize("ACGU", alphabet="rna", unknown="error"), [[1, 2, 3, 4]])
    with pytest.raises(ValueError, match="unknown"):
        tokenize("ACGT", unknown="zero")


def in_alphabet_batches():
    return alphabets.flatmap(lambda a: st.tuples(
        st.just(a), st.lists(text(ref_letters(a) + ref_letters(a).lower()), min_size=1, max_size=6)))


@SETTINGS
@given(case=in_alphabet_batches(), length=out_lengths, pad=pads)
def test_decode_inverts_tokenize(case, length, pad):
    alphabet, seqs = case
    decoded = decode(tokenize(seqs, alphabet=alphabet, length=length, pad=pad), alphabet=alphabet)
    assert decoded == [ref_window(s.upper(), length, pad) for s in seqs]
    padded = max(map(len, seqs)) + 3  # padding only: every pad mode gives the input back
    assert decode(tokenize(seqs, alphabet=alphabet, length=padded, pad=pad), alphabet=alphabet) == [
        s.upper() for s in seqs]


@SETTINGS
@given(case=in_alphabet_batches(), length=out_lengths, pad=pads,
       dtype=st.sampled_from([np.float32, np.float16, np.uint8]))
def test_decode_inverts_one_hot(case, length, pad, dtype):
    alphabet, seqs = case
    x = one_hot(seqs, alphabet=alphabet, length=length, pad=pad, dtype=dtype)
    assert decode(x, alphabet=alphabet) == [ref_window(s.upper(), length, pad) for s in seqs]


def test_decode_unknowns_come_back_as_n_or_x():
    assert decode(tokenize(["ACNx"])) == ["ACNN"]
    assert decode(tokenize(["ACUx"], alphabet="rna"), alphabet="rna") == ["ACUN"]
    assert decode(tokenize(["ACBx"], alphabet="protein"), alphabet="protein") == ["ACXX"]
    assert decode(one_hot(["ACRN"], unknown="uniform"), alphabet="dna") == ["ACNN"]
    assert decode(one_hot(["ACRN"], iupac=True)) == ["ACNN"]
    assert decode(one_hot(["WB"], alphabet="protein", unknown="uniform"), alphabet="protein") == ["WX"]


def test_decode_single_rows_give_one_str():
    assert decode(tokenize("ACGTA")[0]) == "ACGTA"
    assert decode(one_hot("ACGTA")[0]) == "ACGTA"
    assert decode(one_hot("ACGTA", dtype=np.float16)[0]) == "ACGTA"


def test_decode_takes_r_shaped_input():
    tokens = np.asfortranarray(tokenize(["ACGT", "TTGA"]).astype(np.int32))
    tokens.flags.writeable = False
    assert decode(tokens) == ["ACGT", "TTGA"]
    x = np.asfortranarray(one_hot(["ACGT", "TTGA"]))
    x.flags.writeable = False
    assert decode(x) == ["ACGT", "TTGA"]


def test_decode_single_uint8_one_hot_matrix():
    """Regression: a (C, L) one-hot matrix of dtype uint8 is read as C rows of tokens:
    decode(one_hot("ACGT", dtype=np.uint8)[0]) gives ['A', 'A', 'A', 'A'] instead of 'ACGT'."""
    assert decode(one_hot("ACGT", dtype=np.uint8)[0]) == "ACGT"


def test_decode_named_alphabet_in_any_case_uses_n_for_unknowns():
    """Regression: decode(..., alphabet="DNA") writes unknowns as 'X' though "DNA" is the dna
    alphabet (decode compares the raw name with "dna")."""
    assert decode(tokenize("ANA"), alphabet="DNA") == decode(tokenize("ANA"), alphabet="dna") == ["ANA"]


@pytest.mark.parametrize("tokens, where", [
    ([[1, 2, 6]], "sequence 0, position 2"),
    ([[1, 2], [3, -1]], "sequence 1, position 1"),
])
def test_decode_out_of_range_tokens(tokens, where):
    with pytest.raises(ValueError, match=where + ".*0..5"):
        decode(np.array(tokens))


def test_decode_bad_shapes():
    with pytest.raises(ValueError, match="5 channels.*'dna'.*4"):
        decode(np.zeros((2, 5, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        decode(np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        decode(np.zeros((1, 1, 4, 3)))
    assert decode(one_hot("MKV", alphabet="protein"), alphabet="protein") == ["MKV"]
    with pytest.raises(ValueError, match="20 channels"):
        decode(one_hot("MKV", alphabet="protein"))


# ---- reverse_complement ------------------------------------------------------------------------

DNA_LETTERS = "ACGT" + NUCLEOTIDE_CODES + "-."
DNA_LETTERS += DNA_LETTERS.lower()
RNA_LETTERS = DNA_LETTERS.replace("T", "U").replace("t", "u")


def test_reverse_complement_by_hand():
    assert reverse_complement("AACGTn") == "nACGTT"
    assert reverse_complement("RYSWKMBDHVN-.") == ".-NBDHVKMWSRY"
    assert reverse_complement("acgu", alphabet="rna") == "acgu"
    assert reverse_complement("AAAC", alphabet="rna") == "GUUU"
    assert reverse_complement("AAAC", alphabet="RNA") == "GUUU"  # names in any case, as one_hot


@SETTINGS
@given(seqs=ragged_batches(DNA_LETTERS), rna=st.booleans())
def test_reverse_complement_matches_reference(seqs, rna):
    alphabet = "rna" if rna else "dna"
    if rna:
        seqs = [s.replace("T", "U").replace("t", "u") for s in seqs]
    expected = [ref_reverse_complement(s, alphabet) for s in seqs]
    assert reverse_complement(seqs, alphabet=alphabet) == expected
    assert reverse_complement(seqs[0], alphabet=alphabet) == expected[0]
    assert reverse_complement(tuple(seqs), alphabet=alphabet) == expected
    assert reverse_complement([s.encode() for s in seqs], alphabet=alphabet) == [e.encode() for e in expected]
    assert reverse_complement(seqs[0].encode(), alphabet=alphabet) == expected[0].encode()
    as_array = reverse_complement(np.array(seqs), alphabet=alphabet)
    assert isinstance(as_array, np.ndarray) and as_array.dtype.kind == "U" and as_array.tolist() == expected
    as_s = reverse_complement(np.array([s.encode() for s in seqs]), alphabet=alphabet)
    assert as_s.dtype.kind == "S" and as_s.tolist() == [e.encode() for e in expected]


@SETTINGS
@given(seqs=ragged_batches(DNA_LETTERS))
def test_reverse_complement_twice_is_identity(seqs):
    assert reverse_complement(reverse_complement(seqs)) == seqs
    rna = [s.replace("T", "U").replace("t", "u") for s in seqs]
    assert reverse_complement(reverse_complement(rna, alphabet="rna"), alphabet="rna") == rna


@SETTINGS
@given(seqs=equal_batches(DNA_LETTERS), iupac=st.booleans(),
       unknown=st.sampled_from(["zero", "uniform"]))
def test_reverse_complement_of_one_hot_is_one_hot_of_reverse_complement(seqs, iupac, unknown):
    x = one_hot(seqs, iupac=iupac, unknown=unknown)
    np.testing.assert_array_equal(reverse_complement(x),
                                  one_hot(reverse_complement(seqs), iupac=iupac, unknown=unknown))
    np.testing.assert_array_equal(reverse_complement(x[0]), one_hot(reverse_complement(seqs[0]), iupac=iupac,
                                                                    unknown=unknown)[0])


def test_reverse_complement_of_one_hot_keeps_dtype_and_input():
    x = np.asfortranarray(one_hot(["ACGTT", "GGCAN"], dtype=np.uint8))
    x.flags.writeable = False
    before = x.copy()
    rc = reverse_complement(x)
    assert rc.dtype == np.uint8 and rc.flags.c_contiguous
    np.testing.assert_array_equal(rc, one_hot(["AACGT", "NTGCC"], dtype=np.uint8))
    np.testing.assert_array_equal(x, before)
    # padding moves to the other end
    np.testing.assert_array_equal(reverse_complement(one_hot("AC", length=4)), one_hot("GT", length=4, pad="left"))


def test_reverse_complement_long_sequence():
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list(DNA_LETTERS), 1_100_000))
    assert reverse_complement(seq) == ref_reverse_complement(seq)


@pytest.mark.parametrize("seqs, alphabet, words", [
    (["ACGT", "AC1T"], "dna", ["sequence 1, position 2", "'1'", "complement"]),
    ("ACGU", "dna", ["position 3", "'U'", "alphabet='rna'"]),
    ("ACGT", "rna", ["position 3", "'T'", "alphabet='dna'"]),
    ("ACEF", "dna", ["position 2", "'E'", "look like protein, which has no complement"]),
    ("MKVLAW", "dna", ["position 3", "'L'", "look like protein"]),
    ([b"AC\x00"], "dna", ["position 2", "byte 0x00"]),
    ("ACGT", "protein", ["alphabet", "protein"]),
    (["ACGT", ""], "dna", ["sequence 1", "empty"]),
])
def test_reverse_complement_errors(seqs, alphabet, words):
    with pytest.raises(ValueError) as info:
        reverse_complement(seqs, alphabet=alphabet)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("shape", [(2, 5, 3), (20, 7), (4,), (1, 2, 4, 3)])
def test_reverse_complement_of_one_hot_needs_four_channels(shape):
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        reverse_complement(np.zeros(shape, dtype=np.float32))


# ---- kmer_counts -------------------------------------------------------------------------------

KMER_LETTERS = "ACGTacgtUuN-RX"


def test_kmer_counts_by_hand():
    counts = kmer_counts(["AACGN", "uu"], 2)
    assert counts.dtype == np.int32 and counts.shape == (2, 16)
    names = kmer_names(2)
    assert {names[j]: c for j, c in enumerate(counts[0]) if c} == {"AA": 1, "AC": 1, "CG": 1}
    assert {names[j]: c for j, c in enumerate(counts[1]) if c} == {"TT": 1}
    canonical = kmer_counts("TTTAAA", 3, canonical=True)[0]
    assert {kmer_names(3)[j]: c for j, c in enumerate(canonical) if c} == {"AAA": 2, "TAA": 2}


@SETTINGS
@given(seqs=ragged_batches(KMER_LETTERS), k=st.integers(1, 5), canonical=st.booleans(),
       normalize=st.booleans())
def test_kmer_counts_matches_reference(seqs, k, canonical, normalize):
    expected = ref_kmer_counts(seqs, k, canonical, normalize)
    dense = kmer_counts(seqs, k, canonical=canonical, normalize=normalize, sparse=False)
    assert isinstance(dense, np.ndarray) and dense.dtype == (np.float32 if normalize else np.int32)
    np.testing.assert_allclose(dense, expected, rtol=1e-6)


@SETTINGS
@given(seqs=ragged_batches(KMER_LETTERS).map(lambda s: s + ["ACGTTGCA"]), k=st.integers(1, 5),
       canonical=st.booleans(), normalize=st.booleans())
def test_kmer_counts_sparse_equals_dense(seqs, k, canonical, normalize):
    """The last row always has k-mers (rows with none at the end: see the regression test below)."""
    dense = kmer_counts(seqs, k, canonical=canonical, normalize=normalize, sparse=False)
    for threads in (1, 2):
        sparse = kmer_counts(seqs, k, canonical=canonical, normalize=normalize, sparse=True,
                             threads=threads)
        assert scipy.sparse.issparse(sparse) and sparse.format == "csr"
        assert sparse.dtype == dense.dtype and sparse.shape == dense.shape
        np.testing.assert_array_equal(sparse.toarray(), dense)


@pytest.mark.parametrize("seqs", [["ACGT", "NNNN"], ["ACGT", "ANA", "GC", "C"]])
def test_kmer_counts_sparse_normalize_with_trailing_rows_without_kmers(seqs):
    """Regression: kmer_counts(["ACGT", "NNNN"], 2, sparse=True, normalize=True) raises
    IndexError from np.add.reduceat when the last rows have no k-mers."""
    got = kmer_counts(seqs, 2, sparse=True, normalize=True)
    np.testing.assert_allclose(got.toarray(), ref_kmer_counts(seqs, 2, normalize=True), rtol=1e-6)


def test_kmer_counts_goes_sparse_when_dense_would_be_big():
    seqs = ["ACGTACGTACGTAC", "GGGGGGGGGGGGG"]
    small = kmer_counts(seqs * 16, 10)  # 32 * 4**10 cells = 128 MiB: still dense
    assert isinstance(small, np.ndarray) and small.shape == (32, 4**10)
    big = kmer_counts(seqs * 16 + ["TTTTTTTTTTTT"], 10)  # one row more: sparse
    assert scipy.sparse.isspmatrix_csr(big) and big.shape == (33, 4**10)
    np.testing.assert_array_equal(big[:32].toarray(), small)
    k12 = kmer_counts(seqs + ["ACGTACGTACGTACGT"], 12)
    assert scipy.sparse.isspmatrix_csr(k12)
    np.testing.assert_array_equal(k12.sum(axis=1).A1, [3, 2, 5])
    forced = kmer_counts(seqs * 16 + ["TTTTTTTTTTTT"], 10, sparse=False)
    assert isinstance(forced, np.ndarray)
    np.testing.assert_array_equal(forced, big.toarray())
    assert scipy.sparse.isspmatrix_csr(kmer_counts(seqs, 2, sparse=True))


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_kmer_names_order_matches_the_columns(k):
    names = kmer_names(k)
    assert names == sorted(names) and len(set(names)) == 4**k
    np.testing.assert_array_equal(kmer_counts(names, k), np.eye(4**k))
    np.testing.assert_array_equal(kmer_counts([n.lower().replace("t", "u") for n in names], k), np.eye(4**k))


def test_kmer_counts_threads_agree_on_a_large_batch():
    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list(KMER_LETTERS), n)) for n in rng.integers(1, 300, 3000)]
    one = kmer_counts(seqs, 4, canonical=True, threads=1)
    np.testing.assert_array_equal(one, kmer_counts(seqs, 4, canonical=True, threads=2))
    np.testing.assert_array_equal(one, ref_kmer_counts(seqs, 4, canonical=True))


@pytest.mark.parametrize("k, error, words", [
    (0, ValueError, ["k", "0"]),
    (13, ValueError, ["12", "13"]),
    (-2, ValueError, ["k"]),
    (2.5, ValueError, ["k", "2.5"]),
    ("3", TypeError, ["k"]),
    (True, TypeError, ["k"]),
])
def test_kmer_counts_k_out_of_range(k, error, words):
    with pytest.raises(error) as info:
        kmer_counts("ACGT", k)
    for word in words:
        assert word in str(info.value)


def test_kmer_counts_k_given_as_float_whole_number():
    np.testing.assert_array_equal(kmer_counts("ACGTT", 2.0), kmer_counts("ACGTT", 2))


def test_kmer_names_refuses_k_above_twelve_like_kmer_counts(monkeypatch):
    """Regression: kmer_counts documents and enforces k <= 12, but kmer_names(13) quietly builds
    all 67 million names (about 5 GB; larger k exhausts memory). The patch below stops the
    building so that this test fails fast instead."""

    def no_names(*args, **kwargs):
        raise AssertionError("kmer_names(13) started building 4**13 names instead of refusing k")

    monkeypatch.setattr(seq, "product", no_names)
    with pytest.raises(ValueError, match="12"):
        kmer_names(13)


def test_one_hot_out_writes_into_the_given_buffer_and_checks_it():
    seqs = ["ACGTN", "aacgt"]
    for dtype in (np.float32, np.float16, np.uint8):
        buffer = np.full((2, 4, 5), 7, dtype=dtype)
        result = one_hot(seqs, dtype=dtype, out=buffer)
        assert result is buffer
        np.testing.assert_array_equal(buffer, one_hot(seqs, dtype=dtype))
    with pytest.raises(ValueError, match=r"shape \(2, 4, 5\)"):
        one_hot(seqs, out=np.zeros((2, 4, 6), np.float32))
    with pytest.raises(ValueError, match="float32"):
        one_hot(seqs, out=np.zeros((2, 4, 5), np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        one_hot(seqs, out=np.zeros((5, 4, 2), np.float32).transpose(2, 1, 0))
    # a refused byte leaves the caller's buffer as it was (a new array is checked as it fills)
    buffer = np.full((2, 4, 5), 7, dtype=np.float32)
    with pytest.raises(ValueError, match=r"sequence 1, position 4: '\\r'"):
        one_hot(["ACGTA", "ACGT\r"], out=buffer)
    assert (buffer == 7).all()


def test_a_file_path_is_refused_but_a_sequence_named_like_a_file_is_read(tmp_path, monkeypatch):
    """An existing file given as the sequences is refused (its name would be encoded); a
    sequence that happens to be the name of a file in the working folder is still a sequence."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ACGT").write_text(">s\nTTTT\n")
    (tmp_path / "reads.txt").write_text(">s\nTTTT\n")
    np.testing.assert_array_equal(one_hot("ACGT")[0], one_hot(["ACGT"])[0])
    assert one_hot("ACGT")[0, 0, 0] == 1  # A, not the file's T
    with pytest.raises(ValueError, match="'reads.txt' is a file's path"):
        one_hot("reads.txt")
    # the other sequence letters but '.' (file names hold dots): a file named so is a sequence
    (tmp_path / "AC+G-T*").write_text(">s\nTTTT\n")
    np.testing.assert_array_equal(one_hot("AC+G-T*"), one_hot(["AC+G-T*"]))


def test_kmer_counts_of_protein_text_warn_instead_of_counting_zeros():
    from deepomics import DeepomicsWarning

    with pytest.warns(DeepomicsWarning, match="over a quarter of the letters are not nucleotides "
                                              r"\(E, K, L, M, Q, V, W\)"):
        assert kmer_counts(["MKVLLQQEW"], 2).sum() == 0
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kmer_counts(["ACGTNNRY--ACGU"], 2)  # nucleotides, N, IUPAC codes and gaps: no warning


def test_one_hot_and_tokens_of_protein_text_as_dna_warn():
    """Protein read with the default DNA alphabet is nearly all unknown positions (all-zero
    columns, unknown tokens): said so, with the alphabet to pass; real DNA (N, gaps, lower
    case, U) and protein with its own alphabet are quiet."""
    import warnings

    from deepomics import DeepomicsWarning

    protein = "MKVLLQQEWLFEPIK"
    for encode in (one_hot, tokenize):
        with pytest.warns(DeepomicsWarning, match=r"letters are not the alphabet's \(E, F, I, K, L, "
                                                  r"M, P, Q, \.\.\.\): they are read as unknown "
                                                  r"positions of the 'dna' alphabet; for protein "
                                                  r"pass alphabet='protein'"):
            encode([protein])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for encode in (one_hot, tokenize):
            encode(["ACGTNNNN--acgt"])
            encode([protein], alphabet="protein")
            encode(["ACGU"], alphabet="rna")
    # RNA read as DNA (and DNA as RNA) loses every U (T) silently otherwise: a quarter of the
    # letters, under the "most are unknown" threshold; one such letter is enough to warn
    for encode in (one_hot, tokenize):
        with pytest.warns(DeepomicsWarning, match=r"hold 'U'.*pass alphabet='rna'"):
            encode(["ACGTNNNN--acgu"])
        with pytest.warns(DeepomicsWarning, match=r"hold 'U'.*pass alphabet='rna'"):
            encode([b"UGAGGUAGUAGGUUGUAUAGUU"])
        with pytest.warns(DeepomicsWarning, match=r"hold 'T'.*pass alphabet='dna'"):
            encode(["ACGT"], alphabet="rna")
        with pytest.warns(DeepomicsWarning, match="for protein pass alphabet='protein'"):
            encode(["MKUVLLA" * 10])  # a selenoprotein's U: told as protein, not as RNA
