"""Sequences in, model-ready arrays out: FASTA, one-hot, tokens, reverse complement, k-mers.

The loops run in C++ (``deepomics._core``) without the GIL and on every core; this module builds
the lookup tables, checks arguments and turns failures into errors that say what and where.

Every function takes what users hold: one ``str``, a list of ``str`` or ``bytes``, a NumPy array of
strings, or what reticulate passes from an R character vector. Nothing is written into the input.
Shapes follow the project's convention: one-hot ``(N, C, L)`` (channels first, what ``Conv1d``
takes), tokens int64 ``(N, L)``.
"""
from __future__ import annotations

import functools
import gzip
import mmap
import os
import re
import zlib
from dataclasses import dataclass
from itertools import product

import numpy as np

from . import _core
from .args import count, user_path
from .messages import nth

__all__ = [
    "ALPHABETS",
    "alphabet_letters",
    "FastaFormatError",
    "FastaRecords",
    "read_fasta",
    "one_hot",
    "tokenize",
    "decode",
    "reverse_complement",
    "kmer_counts",
    "kmer_names",
]

#: Named alphabets; any other string of distinct letters is a custom alphabet, in channel order.
ALPHABETS = {
    "dna": "ACGT",
    "rna": "ACGU",
    "protein": "ACDEFGHIKLMNPQRSTVWY",
}

# Ambiguity codes as the alphabet letters they stand for (IUPAC; for RNA, T reads as U).
_NUCLEOTIDE_CODES = {
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}
_PROTEIN_CODES = {"B": "DN", "Z": "EQ", "J": "IL", "X": "ACDEFGHIKLMNPQRSTVWY"}

# Complements of the letters DNA and RNA share; A pairs with T in DNA and with U in RNA.
_COMPLEMENT = dict(zip("CGRYSWKMBDHVN", "GCYRSWMKVHDBN"))

# Above this many k-mer count cells a dense matrix would pass 128 MiB: kmer_counts goes sparse.
_DENSE_KMER_CELLS = 1 << 25

_DTYPES = {
    np.dtype(np.float32): np.float32,
    np.dtype(np.uint8): np.uint8,
    np.dtype(np.float16): np.float16,
}


class FastaFormatError(ValueError):
    """A FASTA file that cannot be read; the message names the file, line and column."""


@dataclass(frozen=True)
class FastaRecords:
    """The records of a FASTA file, in file order.

    ``names`` are the first words of the header lines, ``descriptions`` the rest of each header,
    ``sequences`` the sequences with line breaks removed; ``len`` is the number of records. The
    encoders (``one_hot``, ``tokenize``, ``kmer_counts``, ...) take the records as their
    sequences. Not iterable: ``for name, s in records`` and ``names, seqs = records`` would each
    read the other's layout (silently, with two records); use the attributes.
    """

    names: list[str]
    sequences: list[str]
    descriptions: list[str]

    def __iter__(self):
        raise TypeError("FASTA records are not iterable: use records.names and records.sequences "
                        "(zip(records.names, records.sequences) gives (name, sequence) pairs)")

    def __len__(self) -> int:
        return len(self.names)


_COMPRESSED_MAGIC = {
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}


def read_fasta(path: str | os.PathLike) -> FastaRecords:
    """Reads a FASTA file, plain or gzip-compressed (bgzip included).

    Accepts multi-line records, CRLF line ends and blank lines. Raises ``FastaFormatError``
    naming the file and line for sequence data before the first header, a header with no name, a
    record with no sequence, binary data and characters that are not sequence letters.
    """
    path = user_path(path, "the FASTA path")
    if os.path.isdir(path):
        raise FastaFormatError(f"{path} is a folder, not a FASTA file; give the file's path")
    if not os.path.exists(path):
        raise FileNotFoundError(f"FASTA file {path} does not exist (the working directory is "
                                f"{os.getcwd()}); check the path")
    with open(path, "rb") as handle:
        head = handle.read(6)
        if head[:2] == b"\x1f\x8b" or len(head) == 0 or not os.path.isfile(path):
            # gzip, an empty file, or a stream that cannot be mapped (a pipe, <(zcat x.fa.gz))
            return _parse_fasta_bytes(head + handle.read(), path)
        # Plain text: parse the mapped file in place, without reading it into a copy first.
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return _parse_fasta_bytes(mapped, path)


def _parse_fasta_bytes(data, path: str) -> FastaRecords:
    """read_fasta's work on the file's bytes (bytes or a mapped file); `path` names it in errors."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise FastaFormatError(f"{path}: gzip data is damaged or truncated ({err})") from None
    for magic, kind in _COMPRESSED_MAGIC.items():
        if data[:len(magic)] == magic:
            raise FastaFormatError(
                f"{path}: the file is {kind}-compressed; decompress it or recompress it with gzip"
            )
    try:
        names, descriptions, sequences = _core.parse_fasta(data, path)
    except ValueError as err:
        raise FastaFormatError(str(err)) from None
    if not names:
        raise FastaFormatError(f"{path}: no FASTA records found (a record starts with '>name')")
    return FastaRecords(names, sequences, descriptions)


def one_hot(
    seqs,
    alphabet: str = "dna",
    length: int | None = None,
    pad: str = "right",
    unknown: str = "zero",
    iupac: bool = False,
    dtype=np.float32,
    threads: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """One-hot encodes sequences into a ``(N, C, L)`` array, channels first.

    ``alphabet`` is ``"dna"`` (channels A, C, G, T), ``"rna"`` (A, C, G, U), ``"protein"`` (the 20
    amino acids, alphabetical by one-letter code) or a string of distinct letters. Letters are read
    case-insensitively. ``length`` pads or trims every sequence to L positions (``pad="right"``
    pads at the end and keeps the start, ``"left"`` the reverse, ``"center"`` splits the
    difference); without it all sequences must have one length. Padded positions are all zero.

    Letters outside the alphabet (``unknown``): ``"zero"`` gives an all-zero column, ``"uniform"``
    gives 1/C in every channel, ``"error"`` raises naming the sequence, position and letter.
    Bytes that are no sequence letter (whitespace, a line end, a digit, a control or non-ASCII
    byte; letters, ``-``, ``+``, ``.`` and ``*`` are) raise whatever ``unknown`` says, naming
    them: read as unknown positions they would shift or blur the sequence silently. With
    ``iupac=True`` ambiguity codes get fractional columns (R = A/G = 0.5 each, N = 0.25 each; for
    protein B = D/N, Z = E/Q, J = I/L, X = any). ``dtype`` is float32, float16 or uint8 (uint8
    only for whole-number encodings). ``threads`` defaults to every core. ``out``: an existing
    C-contiguous array of the result's shape and dtype to write into (and return), so that a loop
    over batches reuses one buffer instead of allocating each time.
    """
    name, letters = _alphabet(alphabet)
    seq_list = _as_sequence_list(seqs)
    out_dtype = _one_hot_dtype(dtype)
    if unknown not in ("zero", "uniform", "error"):
        raise ValueError(f"unknown must be 'zero', 'uniform' or 'error', not {unknown!r}")
    table, allowed = _one_hot_table(name, letters, iupac, unknown, out_dtype)
    if unknown == "error":
        _raise_on_unknown(seq_list, allowed, alphabet, letters, threads,
                          hint="use unknown='zero' or unknown='uniform' to encode it anyway"
                          + ("" if iupac else ", or iupac=True for ambiguity codes"))
    encode_dtype = np.uint16 if out_dtype == np.float16 else out_dtype  # float16 as its bits
    into = None if out is None else _out_arg(out, out_dtype).view(encode_dtype)
    result = _core.encode(seq_list, table, _length_arg(length), _pad_arg(pad), _threads(threads),
                          into)
    if unknown != "error":  # (after encode: its errors about the items come first)
        _warn_outside_alphabet(seq_list, name, letters, iupac)
    if out is not None:
        return out
    return result.view(np.float16) if out_dtype == np.float16 else result


@functools.lru_cache(maxsize=64)
def _one_hot_table(name, letters: str, iupac: bool, unknown: str, out_dtype):
    """(table (C, 256) in the output dtype, float16 as uint16 bits; allowed bytes (256,) bool)
    for one_hot. Cached: building it costs more than encoding a short sequence."""
    weights = np.zeros((len(letters), 256), dtype=np.float64)
    known = _letter_rows(letters)
    if iupac:
        known.update(_ambiguity_rows(name, letters))
    for letter, row in known.items():
        for case in {letter.upper(), letter.lower()}:
            weights[:, ord(case)] = row
    allowed = np.zeros(256, dtype=bool)
    for letter in known:
        allowed[[ord(letter.upper()), ord(letter.lower())]] = True
    if unknown == "uniform":
        weights[:, ~allowed] = 1.0 / len(letters)
    if out_dtype == np.uint8 and np.any(weights % 1):
        raise ValueError(
            "dtype uint8 holds only whole numbers, but iupac=True or unknown='uniform' "
            "gives fractions; use dtype float32 or float16"
        )
    table = weights.astype(out_dtype)
    if out_dtype == np.float16:
        table = table.view(np.uint16)
    table.flags.writeable = allowed.flags.writeable = False
    return table, allowed


def tokenize(
    seqs,
    alphabet: str = "dna",
    length: int | None = None,
    pad: str = "right",
    unknown: str = "token",
    threads: int | None = None,
) -> np.ndarray:
    """Integer tokens for embedding layers: int64 ``(N, L)``.

    Token 0 is padding, 1..C are the alphabet's letters in order (case-insensitive), C + 1 is
    any other letter (``unknown="token"``) or an error naming it (``unknown="error"``).
    ``length`` and ``pad`` work as in ``one_hot``, and bytes that are no sequence letter raise
    as there. ``decode`` inverts it.
    """
    _, letters = _alphabet(alphabet)
    seq_list = _as_sequence_list(seqs)
    table = np.full((1, 256), len(letters) + 1, dtype=np.int64)
    for i, letter in enumerate(letters):
        table[0, [ord(letter.upper()), ord(letter.lower())]] = i + 1
    if unknown == "error":
        _raise_on_unknown(seq_list, table[0] <= len(letters), alphabet, letters, threads,
                          hint="use unknown='token' to give it the unknown token")
    elif unknown != "token":
        raise ValueError(f"unknown must be 'token' or 'error', not {unknown!r}")
    out = _core.encode(seq_list, table, _length_arg(length), _pad_arg(pad), _threads(threads))
    if unknown != "error":
        _warn_outside_alphabet(seq_list, _alphabet(alphabet)[0], letters)
    return out[:, 0, :]


def decode(encoded, alphabet: str = "dna") -> list[str] | str:
    """Sequences back from ``tokenize`` output ``(N, L)`` or ``one_hot`` output ``(N, C, L)``.

    The dtype tells them apart: float and uint8 arrays are one-hot, other integers are tokens.
    Padding is dropped: token 0, and the all-zero columns at either end of a one-hot row (an
    all-zero column between letters is an unknown letter). Unknown tokens and one-hot columns
    that are not a single 1 come back as ``N`` (DNA, RNA) or ``X`` (protein, custom alphabets).
    Letters come back upper-case. One ``(L,)`` token row or ``(C, L)`` one-hot matrix gives one
    ``str``.
    """
    name, letters = _alphabet(alphabet)
    arr = np.asarray(encoded)
    unknown_token = len(letters) + 1
    lookup = np.frombuffer(
        ("\0" + letters + ("N" if name in ("dna", "rna") else "X")).encode(), dtype="S1"
    )
    if _is_one_hot(arr) and arr.ndim in (2, 3):
        single = arr.ndim == 2
        onehot = arr[None] if single else arr
        if onehot.shape[1] != len(letters):
            raise ValueError(
                f"one-hot input has {onehot.shape[1]} channels but the {alphabet!r} alphabet "
                f"has {len(letters)}; pass the alphabet it was encoded with"
            )
        tokens = np.argmax(onehot, axis=1) + 1
        exact = (onehot.max(axis=1) == 1) & (onehot.sum(axis=1, dtype=np.float32) == 1)
        tokens[~exact] = unknown_token
        empty = ~onehot.any(axis=1)
        padding = np.logical_and.accumulate(empty, axis=1)
        padding |= np.logical_and.accumulate(empty[:, ::-1], axis=1)[:, ::-1]
        tokens[padding] = 0
    elif arr.dtype.kind in "iu" and arr.ndim in (1, 2):
        single = arr.ndim == 1
        tokens = arr[None] if single else arr
        bad = (tokens < 0) | (tokens > unknown_token)
        if bad.any():
            n, j = np.argwhere(bad)[0]
            raise ValueError(
                f"token {tokens[n, j]} at sequence {nth(n)}, position {nth(j)} is outside 0..{unknown_token}"
                f" for the {alphabet!r} alphabet; pass the alphabet it was tokenized with"
            )
    else:
        raise ValueError(
            "decode takes integer tokens (N, L) or a float / uint8 one-hot array (N, C, L); "
            f"got an array of shape {arr.shape} and dtype {arr.dtype}"
        )
    chars = lookup[tokens]
    rows = [row.tobytes().replace(b"\0", b"").decode() for row in chars]
    return rows[0] if single else rows


def reverse_complement(seqs, alphabet: str = "dna"):
    """Reverse complement of sequences or of one-hot arrays.

    Strings (one ``str``, or a list / array of them) come back in the same form, case kept, IUPAC
    codes complemented (R <-> Y, K <-> M, B <-> V, D <-> H; S, W, N stay), ``-`` and ``.`` kept.
    ``alphabet="dna"`` reads A, C, G, T; ``"rna"`` reads A, C, G, U (U in DNA or T in RNA is an
    error, so that applying it twice always gives the input back). A one-hot array ``(N, 4, L)`` or
    ``(4, L)`` in A, C, G, T/U channel order comes back reversed along both channels and positions
    (so padding moves to the other end).
    """
    if isinstance(seqs, np.ndarray) and seqs.dtype.kind in "fiub":
        if not _is_one_hot(seqs):
            raise ValueError(
                f"reverse_complement takes sequences or a float / uint8 one-hot array, not "
                f"{seqs.dtype} values (tokens?); decode tokens first"
            )
        if seqs.ndim not in (2, 3) or seqs.shape[-2] != 4:
            raise ValueError(
                "reverse_complement of a one-hot array needs shape (N, 4, L) or (4, L) in "
                f"A, C, G, T/U channel order; got shape {seqs.shape}"
            )
        return np.ascontiguousarray(seqs[..., ::-1, ::-1])
    if not isinstance(alphabet, str) or alphabet.lower() not in ("dna", "rna"):
        raise ValueError(f"reverse_complement needs alphabet 'dna' or 'rna', not {alphabet!r}")
    alphabet = alphabet.lower()  # as one_hot and tokenize read the names
    seq_list = _as_sequence_list(seqs)
    partner, other = ("U", "T") if alphabet == "rna" else ("T", "U")
    pairs = {**_COMPLEMENT, "A": partner, partner: "A"}
    complement = np.arange(256, dtype=np.uint8)
    allowed = np.zeros(256, dtype=bool)
    allowed[[ord("-"), ord(".")]] = True
    for base, comp in pairs.items():
        for b, c in ((base, comp), (base.lower(), comp.lower())):
            complement[ord(b)] = ord(c)
            allowed[ord(b)] = True
    bad = _core.first_bad_byte(seq_list, allowed, _threads(None))
    if bad is not None:
        index, position, byte = bad
        letter = chr(byte).upper()
        hint = (f"; for {letter} pass alphabet={'rna' if alphabet == 'dna' else 'dna'!r}"
                if letter == other else
                "; these look like protein, which has no complement" if letter in "EFILPQ*" else "")
        raise ValueError(
            f"sequence {nth(index)}, position {nth(position)}: {_show_byte(byte)} is not a letter of the "
            f"{alphabet!r} alphabet (IUPAC codes included), so it has no complement{hint}"
        )
    out = _core.reverse_complement(seq_list, complement, _threads(None))
    if isinstance(seqs, (str, bytes)):
        return out[0]
    if isinstance(seqs, np.ndarray):
        return np.array(out, dtype=seqs.dtype if seqs.dtype.kind in "US" else object)
    return out


def kmer_counts(
    seqs,
    k: int,
    canonical: bool = False,
    normalize: bool = False,
    sparse: bool | None = None,
    threads: int | None = None,
):
    """k-mer counts, ``(N, 4**k)``: the classic feature-engineering baseline.

    Columns are the k-mers in lexicographic order (``kmer_names(k)``); U reads as T; k-mers
    holding any other letter (N, gaps) are skipped; bytes that are no sequence letter
    (whitespace, digits, ...) raise as in ``one_hot``. ``canonical=True`` counts a k-mer and its
    reverse complement together in the column of the smaller of the two (the other column stays
    zero). ``normalize=True`` divides each row by its number of counted k-mers (float32);
    otherwise counts are int32. ``sparse=None`` returns a dense array unless it would pass 128 MiB,
    then a ``scipy.sparse.csr_matrix``; True or False forces the choice. k is 1 to 12.
    """
    seq_list = _as_sequence_list(seqs)
    k = _kmer_k(k)
    if sparse is None:
        sparse = len(seq_list) * 4**k > _DENSE_KMER_CELLS
    result = _core.kmer_counts(seq_list, k, bool(canonical), bool(sparse), _threads(threads))
    _warn_not_nucleotides(seq_list)
    if not sparse:
        if not normalize:
            return result
        totals = result.sum(axis=1, keepdims=True, dtype=np.float64)
        return (result / np.maximum(totals, 1)).astype(np.float32)
    from scipy.sparse import csr_matrix

    indptr, indices, counts = result
    matrix = csr_matrix((counts, indices, indptr), shape=(len(seq_list), 4**k))
    if not normalize:
        return matrix
    totals = np.asarray(matrix.sum(axis=1, dtype=np.float64)).ravel()
    per_entry = np.repeat(np.maximum(totals, 1), np.diff(indptr))
    return csr_matrix(((counts / per_entry).astype(np.float32), indices, indptr), shape=matrix.shape)


def _warn_not_nucleotides(seq_list: list) -> None:
    """Warns when over a quarter of the letters are not nucleotides: a protein or text given to
    a DNA / RNA k-mer count, which would otherwise give (nearly) all-zero counts without a word."""
    _warn_outside(_letter_sample(seq_list), "ACGTUN-.", "nucleotides", "k-mers holding them are not counted; "
                  "kmer_counts counts DNA / RNA k-mers (for a protein's composition, count amino "
                  "acids instead)")


def _letter_sample(seq_list: list) -> str:
    """The letters the warnings about them read, upper case: the first 10,000 of each of the
    first 100 sequences (at most a million; a 50 Mbp chromosome is not read whole)."""
    return "".join(s[:10_000] if isinstance(s, str) else s[:10_000].decode("ascii", "replace")
                   for s in seq_list[:100]).upper()


def _warn_outside(sample: str, allowed: str, kind: str, consequence: str) -> bool:
    """Warns when over a quarter of the letters of ``sample`` (``_letter_sample``) are not in
    ``allowed`` (upper case, the letters of ``kind``), naming them and saying ``consequence``;
    whether it warned."""
    import warnings

    from . import DeepomicsWarning  # (defined after this module is imported)

    others = [c for c in set(sample) if c not in allowed]
    if sample and sum(sample.count(c) for c in others) > len(sample) / 4:
        warnings.warn(f"over a quarter of the letters are not {kind} ({', '.join(sorted(others)[:8])}"
                      f"{', ...' if len(others) > 8 else ''}): {consequence}", DeepomicsWarning,
                      stacklevel=4)
        return True
    return False


def _warn_outside_alphabet(seq_list: list, name: str, letters: str, iupac: bool = False) -> None:
    """one_hot / tokenize: warns when most letters are not the alphabet's (protein read as DNA
    is nearly all unknown positions, without an error under unknown='zero'), and when a DNA
    alphabet meets a U or an RNA alphabet a T (RNA read as DNA loses every U, a quarter of its
    letters, silently)."""
    import warnings

    from . import DeepomicsWarning

    extra = {"dna": "N-.", "rna": "N-.", "protein": "XBZJUO*-."}.get(name, "-.")
    if iupac and name in ("dna", "rna"):
        extra += "RYSWKMBDHV"  # ambiguity codes read as fractions of letters
    hint = "; for protein pass alphabet='protein'" if name in ("dna", "rna") else ""
    other = {"dna": "U", "rna": "T"}.get(name)
    sample = _letter_sample(seq_list)
    if _warn_outside(sample, letters + extra + (other or ""), "the alphabet's",
                     f"they are read as unknown positions of the "
                     f"{repr(name) if name else repr(letters)} alphabet{hint}"):
        return  # (protein, with its selenocysteine U, is told as protein)
    if other and other in sample:  # (RNA holds U throughout: a sequence's start tells)
        warnings.warn(f"the sequences hold {other!r}, which the {name!r} alphabet reads as an "
                      f"unknown position (an all-zero column, or the unknown token); pass "
                      f"alphabet={'rna' if name == 'dna' else 'dna'!r}, or replace {other} with "
                      f"{'TU'[name == 'rna']}", DeepomicsWarning, stacklevel=3)


def kmer_names(k: int) -> list[str]:
    """The column names of ``kmer_counts(..., k)``: all 4**k DNA k-mers in lexicographic order."""
    return ["".join(p) for p in product("ACGT", repeat=_kmer_k(k))]


def alphabet_letters(alphabet: str) -> str:
    """The channel letters of an alphabet, in order: ``alphabet_letters("dna") == "ACGT"``."""
    return _alphabet(alphabet)[1]


# ---- argument handling -------------------------------------------------------------------------


def _alphabet(alphabet: str) -> tuple[str | None, str]:
    """(name, letters): the lower-case name of a named alphabet (None for a custom one) and its
    letters in channel order, upper-case; checks a custom alphabet."""
    if not isinstance(alphabet, str) or not alphabet:
        raise ValueError(
            f"alphabet must be 'dna', 'rna', 'protein' or a string of letters, not {alphabet!r}"
        )
    name = alphabet.lower() if alphabet.lower() in ALPHABETS else None
    letters = ALPHABETS[name] if name else alphabet
    upper = letters.upper()
    if not upper.isascii() or not all(_core.sequence_bytes[ord(c)] for c in upper):
        raise ValueError(f"alphabet {alphabet!r} must hold sequence letters only: ASCII letters "
                         "and '-', '+', '.', '*'")
    if len(set(upper)) != len(upper):
        repeated = next(c for c in upper if upper.count(c) > 1)
        raise ValueError(f"alphabet {alphabet!r} is not a named alphabet ('dna', 'rna', 'protein'), "
                         f"and as a string of letters it repeats {repeated!r} (letters are "
                         "case-insensitive)")
    return name, upper


def _letter_rows(letters: str) -> dict[str, np.ndarray]:
    eye = np.eye(len(letters))
    return {letter: eye[i] for i, letter in enumerate(letters)}


def _ambiguity_rows(name: str | None, letters: str) -> dict[str, np.ndarray]:
    """Fractional rows for the ambiguity codes of a named alphabet."""
    if name in ("dna", "rna"):
        codes = _NUCLEOTIDE_CODES
        index = {"A": 0, "C": 1, "G": 2, "T": 3}
    elif name == "protein":
        codes = _PROTEIN_CODES
        index = {letter: i for i, letter in enumerate(letters)}
    else:
        raise ValueError("iupac=True needs alphabet 'dna', 'rna' or 'protein'")
    rows = {}
    for code, members in codes.items():
        row = np.zeros(len(letters))
        row[[index[m] for m in members]] = 1.0 / len(members)
        rows[code] = row
    return rows


#: Text that reads as a sequence, not a path, even when a file has that name: the sequence
#: letters but '.', which file names hold ("reads.txt") and sequences seldom do. R's
#: check_not_path uses the same rule.
_SEQUENCE_TEXT = re.compile(r"[A-Za-z*+-]+")


#: Data files that are not FASTA, and what reads each (a path given as sequences says so).
DATA_FILE_READERS = {".h5ad": "anndata.read_h5ad(path)", ".rds": "deepomics.io.read_r(path)",
                     ".rda": "deepomics.io.read_r(path)", ".rdata": "deepomics.io.read_r(path)",
                     ".csv": "pandas.read_csv(path)", ".tsv": "pandas.read_csv(path, sep='\\t')",
                     ".csv.gz": "pandas.read_csv(path)",
                     ".tsv.gz": "pandas.read_csv(path, sep='\\t')"}
DATA_FILE_ENDINGS = tuple(DATA_FILE_READERS)


def data_file_reader(path) -> str | None:
    """What reads ``path`` when its ending names a data file that is not FASTA (.h5ad, .rds,
    .csv, ...), as code to show the user; None otherwise."""
    text = os.fspath(path).lower()
    return next((r for end, r in DATA_FILE_READERS.items() if text.endswith(end)), None)


def looks_like_path(x) -> bool:
    """Whether a str (or path) names a file rather than holding a sequence: it ends like a FASTA
    file (.fa, .fasta, .fna, .faa, .gz), or it exists and is not made of sequence letters alone
    (a sequence that happens to be a file's name in the working folder stays a sequence)."""
    text = os.fspath(x)
    if len(text) > 4096:  # longer than any path (PATH_MAX): a sequence, read no further
        return False
    if text[-6:].lower().endswith((".fa", ".fasta", ".fna", ".faa", ".gz") + DATA_FILE_ENDINGS):
        return True
    return not _SEQUENCE_TEXT.fullmatch(text) and os.path.exists(text)


def _as_sequence_list(seqs) -> list:
    """A list of str / bytes from what a user holds (items are checked in C++). A file's path is
    refused: its name would be read as letters."""
    if isinstance(seqs, os.PathLike) or (isinstance(seqs, str) and looks_like_path(seqs)):
        path = os.fspath(seqs)
        reader = data_file_reader(path) or "read_fasta(path).sequences"
        raise ValueError(f"{path!r} is a file's path, not a sequence; read the file first: "
                         f"{reader}{'' if os.path.exists(path) else ' (there is no such file here)'}")
    if isinstance(seqs, (str, bytes)):
        return [seqs]
    if isinstance(seqs, list):
        return seqs
    if isinstance(seqs, FastaRecords):
        return seqs.sequences
    if isinstance(seqs, np.ndarray):
        if seqs.ndim == 0:
            return [seqs.item()]
        if seqs.ndim != 1:
            raise ValueError(f"sequences must be one-dimensional, got an array of shape {seqs.shape}")
        if seqs.dtype.kind not in "USO":
            raise TypeError(f"sequences must be strings, got a NumPy array of {seqs.dtype}")
        return seqs.tolist()
    if isinstance(seqs, (dict, set)) or not hasattr(seqs, "__iter__"):
        raise TypeError(
            f"sequences must be a str, a list of str or an array of strings, not {type(seqs).__name__}"
        )
    return list(seqs)


#: Bytes that are no sequence letter (not an ASCII letter, '-', '+', '.' or '*'; the rule is
#: C++'s): the encoders refuse them with their own message (what they are, how to remove them).
_NON_SEQUENCE = ~_core.sequence_bytes


def _raise_on_unknown(seq_list, allowed, alphabet, letters, threads, hint) -> None:
    """unknown='error': the first letter outside the alphabet, named with ``hint``. When the
    first bad byte is no letter at all, the encoder's own error names it (what it is, how to
    remove it)."""
    bad = _core.first_bad_byte(seq_list, np.ascontiguousarray(allowed), _threads(threads))
    if bad is not None and not _NON_SEQUENCE[bad[2]]:
        index, position, byte = bad
        raise ValueError(
            f"sequence {nth(index)}, position {nth(position)}: {_show_byte(byte)} is not in the "
            f"{alphabet!r} alphabet ({letters}); {hint}"
        )


def _show_byte(byte: int) -> str:
    return repr(chr(byte)) if 0x20 <= byte < 0x7F else f"byte 0x{byte:02X}"


def _out_arg(out, dtype) -> np.ndarray:
    if not isinstance(out, np.ndarray) or out.dtype != dtype or not out.flags.c_contiguous \
            or not out.flags.writeable or out.ndim != 3:
        raise ValueError(f"out must be a writeable, C-contiguous (N, C, L) NumPy array of "
                         f"{np.dtype(dtype).name}")
    return out


def _one_hot_dtype(dtype):
    try:
        key = np.dtype(dtype)
    except TypeError:
        key = None
    if key not in _DTYPES:
        raise ValueError(f"dtype must be float32, float16 or uint8, not {dtype!r}")
    return _DTYPES[key]


def _kmer_k(k) -> int:
    k = count(k, "k")
    if k > _core.max_k:
        raise ValueError(f"k must be between 1 and {_core.max_k}, not {k}")
    return k


def _is_one_hot(arr: np.ndarray) -> bool:
    """one_hot's output dtypes (float, uint8); other integer arrays are tokens."""
    return arr.dtype.kind == "f" or arr.dtype == np.uint8


def _length_arg(length) -> int:
    return -1 if length is None else count(length, "length")


def _pad_arg(pad: str) -> str:
    if pad not in ("right", "left", "center"):
        raise ValueError(f"pad must be 'right', 'left' or 'center', not {pad!r}")
    return pad


def _threads(threads) -> int:
    return 0 if threads is None else count(threads, "threads")
