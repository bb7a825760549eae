"""Sequences of genomic intervals, read from an indexed FASTA file with pysam.

Intervals are BED-like: 0-based starts, ends exclusive (R's GRanges, 1-based and closed, is
converted at the R boundary). A FASTA file is indexed the way samtools does it (`<fasta>.fai`
next to it) when there is no index yet and its folder is writable; otherwise the index is built
in a temporary folder and the user's folder is left as it was. Plain and bgzip-compressed FASTA
work; plain gzip cannot be indexed and gets an error saying so.
"""
from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import tempfile
from dataclasses import dataclass

import numpy as np

from . import messages
from .args import user_path
from .messages import nth, span
from .seq import reverse_complement

__all__ = ["GenomeError", "GenomeIntervals", "Intervals", "open_genome", "as_intervals", "fetch",
           "read_bed"]

STRANDS = {"+": "+", "-": "-", ".": "+", "*": "+", "": "+"}


class GenomeError(ValueError):
    """A genome FASTA or an interval that cannot be read; the message says which and why."""


@dataclass(frozen=True)
class Intervals:
    """Genomic intervals: `chrom` (str), `start` (0-based), `end` (exclusive), `strand` ('+'/'-'),
    `names` (str or None), each a NumPy array of length N."""

    chrom: np.ndarray
    start: np.ndarray
    end: np.ndarray
    strand: np.ndarray
    names: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.chrom)


class GenomeIntervals:
    """Intervals of a genome FASTA to train on or predict for, read lazily: ``fit``, ``predict``
    and ``select.grid_search`` take it as ``x``, and each batch's sequences are read from the
    FASTA when the batch is needed (in DataLoader workers with ``num_workers``), so memory stays
    bounded however large the genome and the interval set.

    ``fasta``: the genome (plain or bgzip, indexed as ``open_genome`` does); ``intervals``: a BED
    path, a DataFrame / dict (chrom, start, end, strand, name; 0-based, end exclusive) or an
    ``Intervals``. Checked once here: every interval must lie inside its chromosome."""

    def __init__(self, fasta: str | os.PathLike, intervals):
        self.fasta = os.fspath(os.path.expanduser(fasta))
        self.intervals = as_intervals(intervals)
        if not len(self.intervals):
            raise GenomeError("there are no intervals")
        handle = open_genome(self.fasta)
        _check_inside(dict(zip(handle.references, handle.lengths)), self.intervals)
        handle.close()

    def __len__(self) -> int:
        return len(self.intervals)

    @property
    def lengths(self) -> np.ndarray:
        return self.intervals.end - self.intervals.start

    def subset(self, index) -> Intervals:
        """The intervals at ``index`` (row numbers, or a boolean mask of one per interval), as an
        ``Intervals``."""
        i = _rows(index, len(self))
        v = self.intervals
        return Intervals(v.chrom[i], v.start[i], v.end[i], v.strand[i],
                         None if v.names is None else v.names[i])

    def take(self, index) -> "GenomeIntervals":
        """A GenomeIntervals of the intervals at ``index`` (for splits and folds)."""
        out = object.__new__(GenomeIntervals)
        out.fasta, out.intervals = self.fasta, self.subset(index)
        return out


def _rows(index, n: int) -> np.ndarray:
    """Row numbers from row numbers or a boolean mask of ``n`` values (a mask read as numbers
    would pick rows 0 and 1)."""
    index = np.asarray(index)
    if index.dtype == bool:
        if index.shape != (n,):
            raise IndexError(f"a boolean mask of intervals needs {n} values, one per interval; "
                             f"got shape {index.shape}")
        return np.flatnonzero(index)
    if index.size and index.dtype.kind not in "iu":
        raise IndexError(f"intervals are picked by row numbers or a boolean mask, not {index.dtype}")
    return index.astype(np.int64)


def _check_inside(lengths: dict, intervals: Intervals, numbers: np.ndarray | None = None) -> None:
    """Refuses the first interval on a sequence the genome lacks, past its end or empty, named
    by its number (``numbers[i]`` for a subset of a larger set). Vectorised: genome-scale sets."""
    names = np.array(list(lengths), dtype=str)
    sizes = np.array(list(lengths.values()), dtype=np.int64)
    chrom = np.asarray(intervals.chrom, dtype=str)
    order = np.argsort(names)
    at = np.clip(np.searchsorted(names[order], chrom), 0, max(len(names) - 1, 0))
    known = names[order][at] == chrom if len(names) else np.zeros(len(chrom), bool)
    size = np.where(known, sizes[order][at] if len(names) else 0, 0)
    start, end = np.asarray(intervals.start), np.asarray(intervals.end)
    bad = ~known | (start < 0) | (end > size) | (end <= start)
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    chrom, start, end = str(chrom[i]), int(start[i]), int(end[i])
    where = f"interval {nth(i if numbers is None else numbers[i])} ({span(chrom, start, end)})"
    if chrom not in lengths:
        shown = ", ".join(list(lengths)[:5])
        raise GenomeError(f"{where}: the genome has no sequence {chrom!r} (it has {shown}"
                          f"{', ...' if len(lengths) > 5 else ''}); check the naming "
                          f"('chr1' or '1')")
    if start < 0 or end > lengths[chrom]:
        raise GenomeError(f"{where} lies outside {chrom}, which has {lengths[chrom]} bases; "
                          f"trim or drop it")
    raise GenomeError(f"{where} is empty (end <= start)")


def open_genome(path: str | os.PathLike):
    """A `pysam.FastaFile` for `path`, indexed first when it has no index (see the module note)."""
    import pysam

    path = user_path(path, "the genome FASTA path")
    if os.path.isdir(path):
        raise GenomeError(f"genome FASTA {path!r} is a folder; give the path of the FASTA file in it")
    if not os.path.isfile(path):
        raise GenomeError(f"genome FASTA {path!r} does not exist; give the path of a FASTA file")
    index, gzi = path + ".fai", (path + ".gzi" if is_gzip(path) else None)
    writable = os.access(os.path.dirname(os.path.abspath(path)), os.W_OK)
    # an index older than its FASTA is stale unless it still describes it (a copy of a genome
    # folder often finishes the small .fai before the large FASTA)
    stale = (os.path.exists(index) and os.path.getmtime(index) < os.path.getmtime(path)
             and not _index_fits(path, index, gzi))
    if stale and writable:
        raise GenomeError(
            f"the index {index!r} is older than {path!r} and does not match it: the FASTA "
            f"changed since it was indexed; delete the .fai file (deepomics rebuilds it) or run "
            f"`samtools faidx {path}`")
    if stale or not os.path.exists(index) or (gzi and not os.path.exists(gzi)):
        if writable:
            _build_index(path, index, gzi)
        else:  # the user's folder is left as it is
            index, gzi = _temporary_index(path, gzi is not None)
    try:
        return pysam.FastaFile(path, filepath_index=index, filepath_index_compressed=gzi)
    except (OSError, ValueError) as e:
        raise GenomeError(f"cannot open genome FASTA {path!r}: {e}") from None


def _index_fits(path: str, index: str, gzi: str | None) -> bool:
    """Whether a .fai still describes the plain FASTA at ``path``: what lies between one record's
    last base and the next one's offset is header lines only (empty records) ending with the
    next one's, blank lines or the file's end after the last, and each record's first line ends
    where its line width says. (A bgzip FASTA's offsets are in the uncompressed text: not
    checked, False.)"""
    if gzi:
        return False
    size = os.path.getsize(path)

    def headers_then(between: bytes, name: str | None) -> bool:
        lines = [line.strip() for line in between.split(b"\n") if line.strip()]
        if not all(line.startswith(b">") for line in lines):
            return False
        return name is None or (bool(lines) and lines[-1].split(None, 1)[0] == b">" + name.encode())

    try:
        with open(index, encoding="utf-8") as f:
            rows = sorted((int(offset), name, int(length), int(bases), int(width))
                          for name, length, offset, bases, width, *_ in
                          (line.rstrip("\r\n").split("\t") for line in f if line.strip()))
        with open(path, "rb") as fasta:
            if not rows or rows[0][0] > 1 << 20 or not headers_then(fasta.read(rows[0][0]), rows[0][1]):
                return False
            for i, (offset, name, length, bases, width) in enumerate(rows):
                end = offset + ((length - 1) // bases * width + (length - 1) % bases + 1
                                if length else 0)  # just past the last base
                if length > bases:
                    fasta.seek(offset + bases)
                    if fasta.read(width - bases) not in (b"\n", b"\r\n"):
                        return False
                following = rows[i + 1][:2] if i + 1 < len(rows) else (size, None)
                if not end <= following[0] <= end + (1 << 20):
                    return False
                fasta.seek(end)
                if not headers_then(fasta.read(following[0] - end), following[1]):
                    return False
    except (OSError, ValueError, ZeroDivisionError):
        return False
    return True


#: Indexes built outside a read-only folder, by (path, size, modification time): built once
#: per process, removed at exit.
_TEMPORARY_INDEXES: dict[tuple, tuple[str, str | None]] = {}
#: The environment variable that hands them to child processes (spawned DataLoader workers),
#: which use them instead of building their own (a child's exit handlers do not run).
_INDEXES_ENV = "DEEPOMICS_TEMPORARY_INDEXES"
#: Where temporary indexes go (None: the system's temporary folder). The R package sets it to R's
#: tempdir(), which R removes when it exits: reticulate does not run Python's exit handlers.
TEMPORARY_ROOT: str | None = None


def _temporary_index(path: str, compressed: bool) -> tuple[str, str | None]:
    """(.fai, .gzi or None) for a genome whose folder cannot be written: in a temporary folder,
    built on the first call and reused by the later ones (every fetch, DataLoader worker and
    variant_effect call opens the genome), in this process and in its children."""
    import atexit
    import shutil

    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _TEMPORARY_INDEXES:
        inherited = _inherited_indexes().get(key)
        if inherited and all(f is None or os.path.exists(f) for f in inherited):
            return inherited  # the parent's, which the parent removes
        folder = tempfile.mkdtemp(prefix="deepomics-fai-", dir=TEMPORARY_ROOT)
        index = os.path.join(folder, "genome.fa.fai")
        gzi = os.path.join(folder, "genome.fa.gz.gzi") if compressed else None
        try:
            _build_index(path, index, gzi)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        atexit.register(shutil.rmtree, folder, True)
        _TEMPORARY_INDEXES[key] = (index, gzi)
        os.environ[_INDEXES_ENV] = json.dumps([[*k, *v] for k, v in _TEMPORARY_INDEXES.items()])
    return _TEMPORARY_INDEXES[key]


def _inherited_indexes() -> dict[tuple, tuple[str, str | None]]:
    """The temporary indexes a parent process built, from its environment."""
    try:
        rows = json.loads(os.environ.get(_INDEXES_ENV, "[]"))
        return {(p, size, mtime): (index, gzi) for p, size, mtime, index, gzi in rows}
    except (ValueError, TypeError):
        return {}


def _build_index(path: str, index: str, gzi: str | None) -> None:
    """Indexes the FASTA at `path` into `index` (.fai) and, for bgzip, `gzi` (.gzi)."""
    import pysam

    compressed = is_gzip(path)
    if compressed and not _is_bgzip(path):
        raise GenomeError(
            f"genome FASTA {path!r} is compressed with plain gzip, which cannot be indexed for "
            f"random access; recompress it with `gunzip -c {path} | bgzip > genome.fa.gz` or "
            f"decompress it")
    if not compressed:  # plain text: a FASTA starts with a '>' header line
        with open(path, "rb") as f:
            first = f.readline(200).strip()
        if not first.startswith(b">"):
            shown = first[:40].decode("utf-8", "replace")
            raise GenomeError(
                f"genome FASTA {path!r} is not a FASTA file: it starts with {shown!r}, not a "
                "'>' header line; give the genome's FASTA (plain or bgzip)")
    names = _sequence_names(path)
    if len(set(names)) < len(names):
        seen = set()
        twice = next(n for n in names if n in seen or seen.add(n))
        raise GenomeError(
            f"genome FASTA {path!r} has more than one sequence named {twice!r}; an index keeps "
            f"the first alone, so every interval on {twice!r} would be read from it. Rename "
            f"them (e.g. prefix each genome's names: 'mm_chr1') and index again")
    try:
        pysam.faidx(path, "--fai-idx", index, *(("--gzi-idx", gzi) if gzi else ()))
    except pysam.utils.SamtoolsError as e:
        detail = " ".join(str(e).split())
        raise GenomeError(f"genome FASTA {path!r} cannot be indexed: "
                          f"{_layout_problem(path) or 'samtools says ' + repr(detail)}. "
                          f"An indexed FASTA needs every line of a sequence to have the same "
                          f"length except its last, and no blank lines inside a sequence "
                          f"(reformat it, e.g. `seqkit seq -w 60`)") from None


def _sequence_names(path: str) -> list[str]:
    """The names (header up to the first space) of a FASTA's records, in order, plain or gzip;
    read in 16 MB blocks (a genome has few headers and billions of letters)."""
    names, tail = [], b"\n"
    with (gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")) as f:
        while True:
            block = f.read(1 << 24)
            buffer = tail + block
            at = buffer.find(b"\n>")
            while at != -1:
                line_end = buffer.find(b"\n", at + 1)
                if line_end == -1 and block:
                    break  # the header goes on in the next block
                header = buffer[at + 2:None if line_end == -1 else line_end].split(None, 1)
                names.append(header[0].decode("utf-8", "replace") if header else "")
                at = -1 if line_end == -1 else buffer.find(b"\n>", line_end)
            if not block:
                return names
            tail = buffer[at:] if at != -1 else buffer[-1:]


def _layout_problem(path: str) -> str | None:
    """Where a FASTA breaks the layout an index needs: the first line of a sequence longer than
    the sequence's first line, or shorter and followed by more of it, or a blank line inside."""
    name, width, short, blank = None, None, None, None
    with (gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip(b"\r\n")
            if line.startswith(b">"):
                name, width, short, blank = line[1:].split(None, 1)[:1] or [b""], None, None, None
                name = name[0].decode("utf-8", "replace")
                continue
            where = f"line {lineno} (sequence {name!r})"
            if not line:
                blank = blank or lineno
                continue
            if blank:
                return f"line {blank} is blank inside sequence {name!r}"
            if short:
                return (f"line {short} of sequence {name!r} is shorter than its first line and "
                        f"more of the sequence follows it")
            if width is None:
                width = len(line)
            elif len(line) > width:
                return f"{where} is longer ({len(line)} letters) than the sequence's first line ({width})"
            elif len(line) < width:
                short = lineno
    return None


@contextlib.contextmanager
def open_text(path: str, kind: str):
    """A text handle (as a context manager) on a table file (BED, VCF), plain or gzip, told by
    its bytes (names need not end in .gz); a pipe or FIFO (<(zcat peaks.bed.gz)) works too: its
    first bytes are peeked, not consumed."""
    import io

    if not os.path.exists(path):
        raise FileNotFoundError(f"{kind} file {path!r} does not exist; check the path")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{kind} file {path!r} is a folder; give the file's path")
    with open(path, "rb") as raw:
        compressed = raw.peek(2)[:2] == b"\x1f\x8b"
        yield io.TextIOWrapper(gzip.GzipFile(fileobj=raw) if compressed else raw,
                               encoding="utf-8")


def is_gzip(path: str) -> bool:
    """Whether the file starts with gzip's magic bytes (bgzip included), whatever its name."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _is_bgzip(path: str) -> bool:
    with open(path, "rb") as f:
        header = f.read(18)
    # bgzip blocks carry the extra subfield 'BC' (RFC 1952 FEXTRA)
    return len(header) >= 18 and header[3] & 4 and header[12:14] == b"BC"


def as_intervals(intervals) -> Intervals:
    """Intervals from a pandas DataFrame (columns chrom, start, end, optional strand, name), a
    dict of columns, or an `Intervals`. Starts are 0-based, ends exclusive (BED; pyranges'
    Chromosome / Start / End too), except in a table with ``seqnames``: that is a GRanges as R's
    ``as.data.frame`` writes it, 1-based with the end included, and is read so."""
    if isinstance(intervals, Intervals):
        return intervals
    if isinstance(intervals, (str, os.PathLike)):
        return read_bed(intervals)
    try:
        columns = {str(k).lower(): intervals[k] for k in intervals.keys()}
    except (AttributeError, TypeError):
        raise GenomeError(
            "intervals must be a BED file, a DataFrame or a dict with columns chrom, start, "
            f"end (and optionally strand, name); not {type(intervals).__name__}") from None
    key = next((k for k in ("chrom", "chr", "chromosome", "seqnames") if k in columns), None)
    if key is None or "start" not in columns or "end" not in columns:
        raise GenomeError(f"intervals need columns chrom, start and end; they have "
                          f"{', '.join(columns) or 'none'}")
    chrom = np.asarray(columns[key]).astype(str)
    n = len(chrom)
    start = _positions(columns["start"], "start", n)
    end = _positions(columns["end"], "end", n)
    if key == "seqnames":  # Bioconductor's 1-based, closed ranges
        start = start - 1
    strand = columns.get("strand")
    strand = np.full(n, "+") if strand is None else _strands(strand, n)
    names = columns.get("name")
    names = None if names is None else np.asarray(names).astype(str)
    if names is not None and len(names) != n:
        raise GenomeError(f"intervals: name has {len(names)} values, chrom {n}")
    return Intervals(chrom, start, end, strand, names)


def _positions(values, what: str, n: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise GenomeError(f"intervals: {what} has {arr.size} values, chrom {n}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise GenomeError(f"intervals: {what} of interval {nth(i)} is {arr[i]!r}, not a whole number")
    elif arr.dtype.kind not in "iu":
        raise GenomeError(f"intervals: {what} must be whole numbers, not {arr.dtype}")
    return arr.astype(np.int64)


def _strands(values, n: int) -> np.ndarray:
    arr = np.asarray(values).astype(str)
    if arr.shape != (n,):
        raise GenomeError(f"intervals: strand has {arr.size} values, chrom {n}")
    out = np.empty(n, dtype="<U1")
    for i, s in enumerate(arr):
        if s not in STRANDS:
            raise GenomeError(f"intervals: strand of interval {nth(i)} is {s!r}; use '+', '-' or '.'")
        out[i] = STRANDS[s]
    return out


def read_bed(path: str | os.PathLike) -> Intervals:
    """Intervals from a BED file (plain or gzip): chrom, start, end, and name and strand from
    columns 4 and 6 where present. Header, track and comment lines are skipped."""
    path = user_path(path, "the BED path")
    chrom, start, end, names, strand = [], [], [], [], []
    with open_text(path, "BED") as f:
        for lineno, line in _lines(f, path):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 3:
                raise GenomeError(f"{path}, line {lineno}: a BED line needs chrom, start and end "
                                  f"separated by tabs; got {line.strip()[:60]!r}")
            try:
                s, e = int(fields[1]), int(fields[2])
            except ValueError:
                raise GenomeError(f"{path}, line {lineno}: start and end must be whole numbers; "
                                  f"got {fields[1]!r} and {fields[2]!r}") from None
            chrom.append(fields[0])
            start.append(s)
            end.append(e)
            names.append(fields[3] if len(fields) > 3 else f"{fields[0]}:{s}-{e}")
            strand.append(fields[5] if len(fields) > 5 else "+")
            if strand[-1] not in ("+", "-", "."):
                raise GenomeError(f"{path}, line {lineno}: strand (column 6) is {strand[-1]!r}; "
                                  "use '+', '-' or '.'")
    if not chrom:
        raise GenomeError(f"{path} holds no intervals")
    return as_intervals({"chrom": chrom, "start": start, "end": end, "strand": strand,
                         "name": names})


def _lines(handle, path: str):
    """(line number, line) of a text file; a byte that is not UTF-8 is an error naming its line."""
    lineno = 0
    try:
        for lineno, line in enumerate(handle, 1):
            yield lineno, line
    except UnicodeDecodeError as e:
        where, byte = f"after line {lineno}", e.object[e.start:e.start + 1]
        if os.path.isfile(path):  # (text is decoded in blocks: find the line itself)
            with (gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")) as raw:
                for number, data in enumerate(raw, 1):
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError as bad:
                        where, byte = f"line {number}", data[bad.start:bad.start + 1]
                        break
        raise GenomeError(f"{path}, {where}: byte {byte!r} is not UTF-8 text; save the file as "
                          f"UTF-8 (e.g. `iconv -f latin1 -t utf-8`)") from None


def _no_complement(err: ValueError, chrom: str, start: int) -> str:
    """reverse_complement's error about one '-' strand interval ("sequence 0, position p: 'U'
    is not ...", p counted in the forward sequence it was given) in genome coordinates."""
    found = re.search(r"position (\d+): (.+?) is not", str(err))
    if found is None:
        return str(err)
    genome_position = start + int(found.group(1)) - messages.INDEX_BASE
    where = (f"{chrom}:{genome_position + 1}" if messages.INDEX_BASE
             else f"{chrom}:{genome_position} (0-based)")
    return f"the genome's letter {found.group(2)} at {where} has no DNA complement"


def fetch(genome, intervals, numbers=None) -> list[str]:
    """The sequence of each interval, reverse-complemented on the '-' strand, as in the FASTA
    (soft-masked lower case kept). `genome` is a FASTA path or an open `pysam.FastaFile`.
    Intervals outside a chromosome, empty or on a chromosome the FASTA lacks are errors that
    name the interval: by ``numbers[i]`` where given (a batch's rows in the user's whole set)."""
    intervals = as_intervals(intervals)
    if not len(intervals):
        raise GenomeError("there are no intervals")
    fasta = open_genome(genome) if isinstance(genome, (str, os.PathLike)) else genome
    _check_inside(dict(zip(fasta.references, fasta.lengths)), intervals, numbers)
    out = []
    for i in range(len(intervals)):
        chrom, start, end = intervals.chrom[i], int(intervals.start[i]), int(intervals.end[i])
        s = fasta.fetch(chrom, start, end)
        if intervals.strand[i] == "-":
            try:
                s = reverse_complement(s)
            except ValueError as err:
                number = nth(i if numbers is None else numbers[i])
                raise GenomeError(f"interval {number} ({span(chrom, start, end)}, strand '-'): "
                                  f"{_no_complement(err, chrom, start)}; drop the interval or fix "
                                  "the FASTA") from None
        out.append(s)
    return out
