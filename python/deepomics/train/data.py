"""Training data: what users hold, turned into batches a model takes.

Inputs (``as_inputs``): sequences (list / array of str, one str, an R character vector), a FASTA
path, a NumPy array (features ``(N, F)``, one-hot ``(N, C, L)`` or tokens ``(N, L)``), a torch
tensor, a SciPy sparse matrix (densified one batch at a time), or an AnnData (``X``, a ``layer``
or an ``obsm`` key via ``use_rep``). Arrays are never copied whole nor written into: a batch is
gathered by index when it is needed, so the read-only, Fortran-ordered views reticulate passes
from R work as they are.

Labels (``encode_labels``): a vector, a pandas Series / Categorical (an R factor), a 2-D 0/1
matrix for multilabel, or the name of an AnnData ``obs`` column.
"""
from __future__ import annotations

import dataclasses
import os
import re
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from .. import DeepomicsWarning, seq
from ..args import count
from ..messages import as_written, listing, nth

TASKS = ("binary", "multiclass", "multilabel", "regression")


@dataclass
class Encoding:
    """How raw sequences become a model's input; saved in the model file so predict can redo it."""

    input_kind: str  # "onehot" (N, C, L) float32, "tokens" (N, L) int64, "features" (N, F)
    alphabet: str | None = None
    length: int | None = None  # None: sequences of one length, or padded to the longest
    pad: str = "right"
    shortest: int | None = None  # letters in the shortest training sequence (None: not recorded)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class BatchData(torch.utils.data.Dataset):
    """Inputs and optional targets, indexed a whole batch at a time (``data[[3, 1, 7]]``).

    ``x`` is a NumPy array, a torch tensor or a SciPy sparse matrix with samples on axis 0;
    ``y`` a NumPy array or None. Batches come out as float32 / int64 tensors.
    """

    def __init__(self, x, y: np.ndarray | None = None):
        n = x.shape[0]
        if n == 0:
            raise ValueError("no samples: the data is empty")
        if y is not None and len(y) != n:
            raise ValueError(f"labels have {len(y)} entries but there are {n} samples; "
                             "give one label per sample, in the same order")
        self.x, self.y = x, y

    def __len__(self) -> int:
        return self.x.shape[0]

    def inputs(self, index) -> torch.Tensor:
        index = np.asarray(index)
        x = self.x
        if isinstance(x, torch.Tensor):
            return x[torch.as_tensor(index)]
        batch = x[index]
        if hasattr(batch, "toarray"):  # scipy sparse: dense only for this batch
            batch = batch.toarray()
        batch = np.asarray(batch)
        if batch.dtype != np.float32 and batch.dtype != np.int64:  # int64: tokens
            batch = batch.astype(np.float32)
        return torch.from_numpy(np.ascontiguousarray(batch))

    def __getitem__(self, index):
        x = self.inputs(index)
        if self.y is None:
            return (x,)
        return x, torch.from_numpy(np.ascontiguousarray(self.y[np.asarray(index)]))


def column_stats(data: BatchData, batch_size: int = 4096):
    """(input means, input sds, target means, target sds) per column, float64, read a batch at a
    time (sparse and on-disk inputs are never densified whole); target ones are None without
    targets."""
    n = len(data)
    sums = squares = y_sums = y_squares = 0.0
    for start in range(0, n, batch_size):
        index = np.arange(start, min(start + batch_size, n))
        x = data.inputs(index).double().reshape(len(index), -1)
        sums, squares = sums + x.sum(0), squares + (x * x).sum(0)
        if data.y is not None:
            y = torch.as_tensor(np.asarray(data.y[index], dtype=np.float64)).reshape(len(index), -1)
            y_sums, y_squares = y_sums + y.sum(0), y_squares + (y * y).sum(0)

    def mean_sd(total, total_sq):
        mean = total / n
        return mean.numpy(), torch.sqrt(torch.clamp(total_sq / n - mean * mean, min=0)).numpy()

    y_stats = mean_sd(y_sums, y_squares) if data.y is not None else (None, None)
    return (*mean_sd(sums, squares), *y_stats)


class IndexBatches(torch.utils.data.Sampler):
    """Lists of sample indices, one per batch: in order, or shuffled by a generator seeded with
    ``seed + epoch`` (Lightning calls ``set_epoch``), so a resumed run shuffles as the
    uninterrupted one would have.

    Under data-parallel training (torch.distributed initialised, e.g. by Lightning's DDP) every
    process draws the same global batches and takes its share of each, ``batch[rank::world]``:
    the global batch, and so the averaged gradient, is the one a single process would use
    (exactly when ``batch_size`` is a multiple of the number of processes).

    In training (shuffled), a last batch of one sample joins the batch before it: batch norm
    cannot normalise a single sample, and no sample is left out."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int = 0):
        self.n, self.batch_size, self.shuffle, self.seed, self.epoch = n, batch_size, shuffle, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _starts(self) -> list[int]:
        starts = list(range(0, self.n, self.batch_size))
        if self.shuffle and len(starts) > 1 and self.n - starts[-1] == 1:
            starts.pop()
        return starts

    def __len__(self) -> int:
        return len(self._starts())

    def __iter__(self):
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(self.n, generator=generator).tolist()
        else:
            order = list(range(self.n))
        rank, world = _rank_and_world()
        starts = self._starts()
        for start, end in zip(starts, starts[1:] + [self.n]):
            batch = order[start:end]
            # a global batch smaller than the number of processes: every process takes one
            # sample (repeating the last ones), so that none waits for the others' gradients
            yield batch[rank::world] if len(batch) >= world else [batch[min(rank, len(batch) - 1)]]


def _rank_and_world() -> tuple[int, int]:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def batches(data: BatchData, batch_size: int, shuffle: bool, seed: int = 0,
            workers: int = 0) -> torch.utils.data.DataLoader:
    """A DataLoader that fetches whole batches by index (no per-sample collation)."""
    return torch.utils.data.DataLoader(
        data, sampler=IndexBatches(len(data), batch_size, shuffle, seed), batch_size=None,
        num_workers=workers,
    )


# ---- inputs ------------------------------------------------------------------------------------


def fasta_sequences(x):
    """The sequences of a FASTA file's path or of ``seq.read_fasta``'s records; ``x`` itself
    otherwise."""
    if isinstance(x, (str, os.PathLike)) and seq.looks_like_path(x):
        reader = seq.data_file_reader(x)
        if reader:
            raise ValueError(f"{os.fspath(x)!r} is not a FASTA file; read it first: {reader}, "
                             "and pass what it returns")
        return seq.read_fasta(x).sequences
    return x.sequences if isinstance(x, seq.FastaRecords) else x


def is_anndata(x) -> bool:
    return hasattr(x, "obs") and hasattr(x, "var") and hasattr(x, "X")


def as_inputs(x, model=None, encoding: Encoding | None = None, *, layer=None, use_rep=None,
              features=None, warn_short: bool = False):
    """(array-like with samples on axis 0, Encoding) from what the user holds.

    Sequences are encoded for ``model`` (its ``input_kind``, ``alphabet`` and ``seq_len``), or
    with ``encoding`` when given (at predict time, the one the model was trained with).
    ``features``: the feature names a model was trained on; an AnnData or DataFrame is matched
    to them by name (reordered, extra ones ignored, missing ones an error). A backed AnnData's
    matrix stays on disk (a ``RowReader``). ``warn_short`` (predict): warn when sequences are
    shorter than a fixed-length model was trained on, since they are padded with N.
    """
    if _is_data_frame(x) and features is not None:  # the columns the model reads, in any order
        wanted = {str(f) for f in features}
        x = x.iloc[:, [i for i, c in enumerate(x.columns) if str(c) in wanted]]
    if is_anndata(x) or _is_data_frame(x):
        cols = _feature_columns(feature_names(x, use_rep=use_rep), features)
        matrix = anndata_matrix(x, layer=layer, use_rep=use_rep) if is_anndata(x) else \
            _frame_values(x)
        if isinstance(matrix, np.ndarray) or hasattr(matrix, "tocsr") or _is_data_frame(matrix):
            matrix = check_finite(np.asarray(matrix) if not hasattr(matrix, "tocsr") else matrix.tocsr())
            if cols is None:
                return matrix, Encoding("features")
        return RowReader(matrix, cols=cols), Encoding("features")
    x = fasta_sequences(x)
    if isinstance(x, torch.Tensor):
        kind = _kind_of_array(x, model, encoding)
        return (check_finite(x) if kind == "features" else x), Encoding(kind)
    if isinstance(x, RowReader):
        return x, Encoding("features")
    if _is_genome_intervals(x):
        encoding = fit_length(encoding or model_encoding(model), model, np.asarray(x.lengths),
                              warn_short)
        return IntervalReader(x, encoding), encoding
    if hasattr(x, "tocsr") and hasattr(x, "shape"):  # scipy sparse
        if len(x.shape) != 2:
            raise ValueError(f"a sparse matrix must be 2-D (samples x features), got {x.shape}")
        return check_finite(x.tocsr()), Encoding("features")
    if _is_sequences(x):
        return encode_sequences(x, model, encoding, warn_short)
    arr = np.asarray(x)
    if arr.dtype == object:
        raise TypeError("inputs must be sequences (str), a numeric array or an AnnData, "
                        "not an array of Python objects")
    if arr.size == 0:
        if arr.ndim >= 2 and arr.shape[0] > 0:
            raise ValueError(f"the data has {arr.shape[0]} samples but no features (shape "
                             f"{arr.shape}); give it its feature columns")
        raise ValueError("the data is empty: no samples to train on or predict for")
    return check_finite(arr), Encoding(_kind_of_array(arr, model, encoding))


FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_finite(x, rows=None):
    """x, after checking it holds no NaN or infinity, nor a value too large for float32 (which
    training would turn into infinity); a sparse matrix: its stored values. Copies nothing
    unless a bad value is there to be found. ``rows``: the row numbers of a block of a larger
    matrix, which the error names."""
    values = x.data if hasattr(x, "tocsr") else x
    if isinstance(values, torch.Tensor):
        if not values.is_floating_point() or (torch.isfinite(values).all() and (
                values.dtype != torch.float64 or values.abs().max() <= FLOAT32_MAX)):
            return x
        values = values.detach().cpu().double().numpy()
    values = np.asarray(values)
    if values.dtype.kind != "f" or values.size == 0:
        return x
    if np.isfinite(values).all() and (values.dtype.itemsize <= 4 or (
            values.max() <= FLOAT32_MAX and values.min() >= -FLOAT32_MAX)):
        return x
    bad = ~(np.isfinite(values) & (np.abs(values) <= FLOAT32_MAX))
    if hasattr(x, "tocsr"):
        row = int(np.searchsorted(x.tocsr().indptr, np.flatnonzero(bad)[0], side="right") - 1)
        where = f"row {nth(row)}"
    elif rows is not None:
        where = f"row {nth(rows[np.argwhere(bad)[0][0]])}"
    else:
        where = f"index {tuple(nth(i) for i in np.argwhere(bad)[0])}"
    raise ValueError(f"inputs hold NaN or infinite values, or values too large for float32 "
                     f"({int(bad.sum())} of them, the first at {where}); impute or drop "
                     "missing values (and rescale huge ones) first")


def _kind_of_array(arr, model=None, encoding: Encoding | None = None) -> str:
    """onehot (3-D), tokens (2-D int64, unless the model reads features) or features (2-D)."""
    if arr.ndim == 3:
        return "onehot"
    wants_features = "features" in (getattr(model, "input_kind", None),
                                     getattr(encoding, "input_kind", None))
    if arr.ndim == 2 and arr.dtype in (np.int64, torch.int64) and not wants_features:
        return "tokens"
    if arr.ndim == 2:
        return "features"
    raise ValueError(f"inputs must be 2-D (samples x features, or tokens) or 3-D one-hot "
                     f"(samples x channels x positions); got shape {tuple(arr.shape)}")


def _is_sequences(x) -> bool:
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "US" or (x.dtype == object and x.size and isinstance(x.flat[0], str))
    if isinstance(x, (list, tuple)) and x:
        return isinstance(x[0], (str, bytes))
    return hasattr(x, "dtype") and str(getattr(x, "dtype", "")) in ("object", "string", "str")


def encode_sequences(sequences, model=None, encoding: Encoding | None = None,
                     warn_short: bool = False):
    """Encodes sequences for the model: one-hot or tokens, at the model's length if it has one."""
    if hasattr(sequences, "tolist") and not isinstance(sequences, np.ndarray):
        sequences = sequences.tolist()  # pandas Series
    encoding = encoding or model_encoding(model)
    seq_list = seq._as_sequence_list(sequences)
    _check_alphabet(seq_list, encoding.alphabet)
    encoding = fit_length(encoding, model, np.asarray(seq._core.lengths(seq_list)), warn_short)
    return encode_with(encoding, seq_list), encoding


def fit_length(encoding: Encoding, model, lengths: np.ndarray, warn_short: bool = False
               ) -> Encoding:
    """The encoding with the length these sequences are read at: a fixed-length model's
    ``seq_len`` (longer sequences are an error, never cut silently; shorter ones are padded with
    N, with a warning when ``warn_short``), else the longest of the sequences and the training
    length (any-length models read every sequence whole)."""
    longest = int(lengths.max()) if len(lengths) else 0
    fixed = getattr(model, "seq_len", None)  # an architecture that reads this many positions
    if fixed is not None and longest > fixed:
        i = int(np.argmax(lengths > fixed))
        raise ValueError(
            f"sequence {nth(i)} has {int(lengths[i])} letters but the model reads {fixed} "
            f"({int((lengths > fixed).sum())} of {len(lengths)} sequences are longer); cut them to "
            f"{fixed} letters around the region of interest (shorter ones are padded with N)")
    if warn_short and fixed is not None and len(lengths):
        _warn_shorter_than_training(encoding, fixed, lengths)
    elif not warn_short and len(lengths):  # training: the shortest is what predict may expect
        encoding = dataclasses.replace(encoding, shortest=int(lengths.min()))
    if encoding.length is None or (fixed is None and longest > encoding.length):
        encoding = dataclasses.replace(encoding, length=longest)
    return encoding


def _warn_shorter_than_training(encoding: Encoding, fixed: int, lengths: np.ndarray) -> None:
    """Warns (predict) when sequences are shorter than a fixed-length model reads and than the
    shortest it was trained on: they are padded with N, so their scores rest on fewer letters."""
    shortest = fixed if encoding.shortest is None else min(fixed, encoding.shortest)
    short = lengths < shortest
    if not short.any():
        return
    i = int(np.argmin(lengths))
    trained = (f"the model reads {fixed} letters" if shortest == fixed else
               f"the model reads {fixed} letters and its shortest training sequence had "
               f"{encoding.shortest}")
    warnings.warn(
        f"{int(short.sum())} of {len(lengths)} sequences are shorter than it was trained on "
        f"({trained}; sequence {nth(i)} has {int(lengths[i])}); they are padded with N "
        f"({encoding.pad} padding), so their scores rest on fewer letters than the model learnt "
        f"from; give sequences of {fixed} letters (widen the regions)", DeepomicsWarning,
        stacklevel=4)


def model_encoding(model) -> Encoding:
    """The encoding a model's inputs need (its input kind, alphabet and length, if fixed)."""
    kind = getattr(model, "input_kind", "onehot")
    if kind == "features":
        raise ValueError("this model takes feature matrices, not sequences")
    return Encoding(kind, getattr(model, "alphabet", None) or "dna", getattr(model, "seq_len", None))


def encode_with(encoding: Encoding, sequences) -> np.ndarray:
    """One-hot float32 (N, C, L) or tokens int64 (N, L), as ``encoding`` says."""
    if encoding.input_kind == "tokens":
        return seq.tokenize(sequences, alphabet=encoding.alphabet, length=encoding.length,
                            pad=encoding.pad)
    return seq.one_hot(sequences, alphabet=encoding.alphabet, length=encoding.length,
                       pad=encoding.pad)


class IntervalReader:
    """Genomic intervals encoded a batch at a time: each batch's sequences are read from the
    indexed FASTA (pysam) and one-hot encoded or tokenised when the batch is asked for, so a
    genome-scale data set never sits in memory. Works in DataLoader worker processes: each
    process opens its own handle on the FASTA. ``rows`` picks the intervals it shows (a split)."""

    def __init__(self, intervals, encoding: Encoding, rows: np.ndarray | None = None):
        self.intervals, self.encoding, self.rows = intervals, encoding, rows
        n = len(intervals) if rows is None else len(rows)
        c = len(seq.alphabet_letters(encoding.alphabet))
        self.shape = (n, encoding.length) if encoding.input_kind == "tokens" else (n, c, encoding.length)
        self._fasta, self._pid = None, None

    def __getstate__(self):  # a pysam handle does not cross processes
        state = dict(self.__dict__)
        state["_fasta"], state["_pid"] = None, None
        return state

    def take_rows(self, index) -> "IntervalReader":
        index = np.asarray(index, dtype=np.int64)
        return IntervalReader(self.intervals, self.encoding,
                              index if self.rows is None else self.rows[index])

    def __getitem__(self, index) -> np.ndarray:
        from .. import genome as G

        index = np.asarray(index, dtype=np.int64).reshape(-1)
        wanted = index if self.rows is None else self.rows[index]
        if self._fasta is None or self._pid != os.getpid():
            self._fasta, self._pid = G.open_genome(self.intervals.fasta), os.getpid()
        return encode_with(self.encoding, G.fetch(self._fasta, self.intervals.subset(wanted),
                                                  numbers=wanted))


NUCLEOTIDE_AMBIGUITY = "NRYSWKMBDHV"  # IUPAC codes: read as unknown (all-zero) positions
PROTEIN_AMBIGUITY = "XBZJUO"  # any, D/N, E/Q, I/L, selenocysteine, pyrrolysine
GAPS_AND_STOPS = "*-."  # a stop codon, alignment gaps: unknown (all-zero) positions too


def _check_alphabet(sequences, alphabet: str, sample: int = 200) -> None:
    """Refuses sequences a model cannot read: letters that are neither in the model's alphabet
    nor an IUPAC ambiguity code, a gap or a stop ('*', '-', '.'), e.g. digits or U for a DNA
    model; protein given to a nucleotide model and DNA given to a protein model. Soft-masked
    (lower-case) letters and N's are fine. Every sequence is checked for foreign letters; the
    first ``sample`` decide whether the sequences are of the other kind."""
    name, letters = seq._alphabet(alphabet)
    nucleotide = name in ("dna", "rna") or (name is None and set(letters) <= set("ACGTUN"))
    allowed = letters + (NUCLEOTIDE_AMBIGUITY if nucleotide else PROTEIN_AMBIGUITY) + GAPS_AND_STOPS
    seq_list = seq._as_sequence_list(sequences)  # a list stays as it is: no copy
    head = "".join(_text(s) for s in seq_list[:sample]).upper()
    if not head:
        return
    kind = name or "custom"
    inside = sum(head.count(c) for c in letters + ("N" if nucleotide else "")) / len(head)
    if nucleotide and inside < 0.5:
        raise ValueError(
            f"{1 - inside:.0%} of the letters are not in the model's {kind!r} alphabet "
            f"({letters}); are these the right sequences (protein for a DNA model?) or the right "
            "model?")
    # 20 letters: a protein has ~26% of A, C, G, T, N, so 90% of 20 is odds of ~1e-8
    if name == "protein" and len(head) >= 20 and \
            sum(head.count(c) for c in "ACGTUN") / len(head) >= 0.9:
        raise ValueError("these look like DNA or RNA (90% or more of the letters are A, C, G, T, "
                         "U, N) but the model reads protein; translate them first, or use a "
                         "model trained on nucleotides")
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in allowed + allowed.lower()]] = True
    bad = seq._core.first_bad_byte(seq_list, table, seq._threads(None))
    if bad is not None:
        i, position, byte = bad
        hint = {("dna", "U"): "; these look like RNA: replace U with T, or train with "
                              "alphabet='rna'",
                ("rna", "T"): "; these look like DNA: replace T with U, or train with "
                              "alphabet='dna'"}.get((name, chr(byte).upper()), "")
        raise ValueError(
            f"sequence {nth(i)} has {seq._show_byte(byte)} at position {nth(position)}, which is not a "
            f"letter of the model's {kind!r} alphabet ({letters}), an ambiguity code, a gap or a "
            f"stop ({allowed[len(letters):]}){hint}; remove or replace such letters")


def _text(s) -> str:
    return s if isinstance(s, str) else s.decode("ascii", "replace")


def _is_genome_intervals(x) -> bool:
    from ..genome import GenomeIntervals

    return isinstance(x, GenomeIntervals)


def _is_data_frame(x) -> bool:
    return hasattr(x, "columns") and hasattr(x, "to_numpy") and hasattr(x, "iloc")


def _frame_values(frame) -> np.ndarray:
    """A DataFrame's values as one numeric array (pandas' NA as NaN, which the NaN check then
    names), after refusing columns that are not numbers."""
    import pandas as pd

    text = [str(c) for c, t in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
    if text:
        raise ValueError(f"the table's column{'s' if len(text) > 1 else ''} {listing(text)} "
                         "hold text or categories, not numbers; drop them (df.drop(columns="
                         "[...])), or encode them as numbers first (e.g. pd.get_dummies)")
    dtypes = set(frame.dtypes)
    if len(dtypes) == 1 and isinstance(next(iter(dtypes)), np.dtype):
        return frame.to_numpy()
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)  # mixed, bool or nullable columns


def feature_names(x, *, use_rep=None) -> list[str] | None:
    """The names of the input features of an AnnData (``var_names``; for ``use_rep`` the columns
    of a DataFrame in ``obsm``) or a DataFrame (its columns); None for anything else."""
    if is_anndata(x):
        if use_rep is None:
            return [str(v) for v in x.var_names]
        rep = x.obsm[use_rep] if use_rep in x.obsm else None
        return [str(c) for c in rep.columns] if _is_data_frame(rep) else None
    if _is_data_frame(x):
        return [str(c) for c in x.columns]
    return None


def _feature_columns(have: list[str] | None, want) -> np.ndarray | None:
    """Column positions that put ``have`` in the order of ``want`` (None: already so, or nothing
    to match by)."""
    if want is None or have is None:
        return None
    want = [str(w) for w in want]
    if have == want:
        return None
    position, repeated = {}, set()
    for i, name in enumerate(have):
        if name in position:
            repeated.add(name)
        position.setdefault(name, i)
    clash = [w for w in want if w in repeated]  # repeats the model does not read do no harm
    if clash:
        raise ValueError(f"the data has {len(clash)} of the model's features under a name that "
                         f"occurs more than once (e.g. {clash[0]!r}), which cannot be matched by "
                         "name; make the names unique (e.g. adata.var_names_make_unique()) or "
                         "drop the repeats")
    missing = [w for w in want if w not in position]
    if missing:
        raise ValueError(
            f"the data lacks {len(missing)} of the {len(want)} features the model was trained on "
            f"(e.g. {', '.join(missing[:5])}); give data with the same features (var_names)")
    return np.fromiter((position[w] for w in want), dtype=np.int64, count=len(want))


class RowReader:
    """A matrix read a batch of rows at a time: a backed AnnData's X or layer on disk (an h5py
    Dataset or anndata's sparse dataset), or an in-memory matrix whose columns are reordered to a
    model's features. ``rows`` picks and orders the rows it shows (a split), ``cols`` the
    columns. On-disk sources need increasing indices: a batch is read sorted, then reordered.
    Each batch read is checked for NaN and infinity."""

    def __init__(self, source, rows: np.ndarray | None = None, cols: np.ndarray | None = None):
        self.source, self.rows, self.cols = source, rows, cols
        n = source.shape[0] if rows is None else len(rows)
        self.shape = (n, source.shape[1] if cols is None else len(cols))
        self.on_disk = not (isinstance(source, np.ndarray) or hasattr(source, "tocsr"))

    def take_rows(self, index) -> "RowReader":
        index = np.asarray(index, dtype=np.int64)
        rows = index if self.rows is None else self.rows[index]
        return RowReader(self.source, rows, self.cols)

    def __getitem__(self, index):
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        wanted = index if self.rows is None else self.rows[index]
        if self.on_disk:
            order, inverse = np.unique(wanted, return_inverse=True)
            block = self.source[order]
            block = block[inverse] if len(order) != len(wanted) or (np.diff(wanted) < 0).any() else block
        else:
            block = self.source[wanted]
        if hasattr(block, "toarray"):
            block = block.toarray()
        block = np.asarray(block)
        if self.cols is not None:
            block = block[:, self.cols]
        return check_finite(block, rows=wanted)


def model_source(model, x, layer, use_rep) -> tuple:
    """(layer, use_rep) to read ``x`` with: as given, or for an AnnData given neither, the ones
    ``model`` was trained on (``model.input_source``), which the AnnData must have."""
    source = getattr(model, "input_source", None)
    if layer is not None or use_rep is not None or not source or not is_anndata(x):
        return layer, use_rep
    layer, use_rep = source.get("layer"), source.get("use_rep")
    where, name = ("layers", layer) if layer is not None else ("obsm", use_rep)
    if name not in getattr(x, where):
        word = "layer" if layer is not None else "use_rep"
        raise KeyError(f"the model was trained on adata.{where}[{name!r}], which this AnnData "
                       f"lacks (it has: {', '.join(getattr(x, where).keys()) or 'nothing'}); "
                       f"give it, or pass {word}= to read another matrix (layer='X' for adata.X)")
    return layer, use_rep


def anndata_matrix(adata, *, layer=None, use_rep=None):
    """The (cells x features) matrix of an AnnData: X, a layer, or an obsm entry."""
    if layer is not None and use_rep is not None:
        raise ValueError("give layer or use_rep, not both")
    if use_rep is not None:
        if use_rep not in adata.obsm:
            raise KeyError(f"use_rep={use_rep!r} is not in adata.obsm (it has: "
                           f"{', '.join(adata.obsm.keys()) or 'nothing'})")
        return adata.obsm[use_rep]
    if layer == "X" and "X" not in adata.layers:  # X itself, by name (e.g. for a model trained on a layer)
        return adata.X
    if layer is not None:
        if layer not in adata.layers:
            raise KeyError(f"layer={layer!r} is not in adata.layers (it has: "
                           f"{', '.join(adata.layers.keys()) or 'nothing'})")
        return adata.layers[layer]
    return adata.X


# ---- orientation ---------------------------------------------------------------------------------

# ENSG00000139618, ENSMUSG00000064370.1, ENSG00000141510_TP53
_ENSEMBL_GENE = re.compile(r"ENS[A-Z]*G\d{6,}(\.\d+)?([_|:-].*)?")
# AAACCTGAGAAACCAT-1 (10x, 16 letters; 14 in v1, 12 in Drop-seq), sample1_AAACCTGAGAAACCAT;
# not a 20-letter sgRNA spacer or a longer sequence feature
_CELL_BARCODE = re.compile(r"(.*[_:])?[ACGT]{12,16}(-\d+)?")


class OrientationWarning(DeepomicsWarning):
    """The data looks transposed (genes as samples); filter this category to silence it where
    genes are the samples on purpose."""


def orientation_hint(samples, features, checked: int = 1000) -> str | None:
    """Why samples x features data looks transposed, judged from its names: most sample names
    are Ensembl gene IDs, or most feature names are cell barcodes (12 to 16 letters of ACGT,
    with an optional prefix and -1 suffix). None when nothing says so: no names, or ordinary
    ones. Only the first ``checked`` names of each are looked at."""
    def most(names, pattern) -> str | None:
        names = [] if names is None else [str(v) for v in names[:checked]]  # Index, list, array
        hits = [v for v in names if pattern.fullmatch(v)]
        return hits[0] if names and len(hits) >= 0.9 * len(names) else None

    gene = most(samples, _ENSEMBL_GENE)
    if gene is not None:
        return f"its samples are named like Ensembl genes ({gene}, ...)"
    barcode = most(features, _CELL_BARCODE)
    if barcode is not None:
        return f"its features are named like cell barcodes ({barcode}, ...)"
    return None


def check_orientation(samples, features, fix: str, what: str = "the data") -> None:
    """Warns (``OrientationWarning``) when ``orientation_hint`` finds the data transposed;
    ``fix`` says how to turn it, as the caller's language and class write it. A warning, not an
    error: genes can be the samples on purpose (an embedding of genes across cells)."""
    hint = orientation_hint(samples, features)
    if hint is not None:
        warnings.warn(f"{what} looks transposed: {hint}; {fix}. If the genes are meant to be "
                      "the samples, silence this warning (category OrientationWarning)",
                      OrientationWarning, stacklevel=3)


def python_orientation(x) -> None:
    """``check_orientation`` for an AnnData (cells x genes) or a DataFrame (samples x features):
    the Python containers that carry names. The R package checks its own objects."""
    if is_anndata(x):
        check_orientation(x.obs_names, x.var_names,
                          "an AnnData is cells x genes (one row per cell): pass adata.T", "the AnnData")
    elif _is_data_frame(x):
        check_orientation(x.index, x.columns,
                          "a DataFrame is samples x features (one row per sample): pass x.T",
                          "the DataFrame")


# ---- labels ------------------------------------------------------------------------------------


def labels_from(y, x) -> object:
    """Labels as given, or an AnnData obs column when ``y`` names one."""
    if isinstance(y, str) and not is_anndata(x):
        raise ValueError(f"the labels are the text {y!r}: a column name needs an AnnData (its "
                         "obs); with other data pass the labels themselves, one per sample")
    if isinstance(y, str) and is_anndata(x):
        if y not in x.obs.columns:
            hint = (f"; it is in adata.var, so the AnnData looks transposed (genes x cells): "
                    "pass adata.T" if y in x.var.columns else "")
            raise KeyError(f"label column {y!r} is not in adata.obs (it has: "
                           f"{', '.join(map(str, x.obs.columns)) or 'no columns'}){hint}")
        return x.obs[y]
    return y


def check_model(model, what: str) -> None:
    """Refuses anything but a torch model where ``what`` (a function's name) needs one, saying
    what to do with what was given: a saved model's path is loaded first, a config trained."""
    if isinstance(model, torch.nn.Module):
        return
    if isinstance(model, (str, os.PathLike)):
        raise TypeError(f"{what} takes a model, not the path {os.fspath(model)!r}; load it first: "
                        f"deepomics.io.load({os.fspath(model)!r})")
    if isinstance(model, dict):
        raise TypeError(f"{what} takes a trained model, not a config; train one first: "
                        "deepomics.train.fit(config, (x, y))")
    raise TypeError(f"{what} takes a model (from deepomics.train.fit or deepomics.io.load), not "
                    f"{type(model).__name__}")


def check_lengths(x, y, what: str = "labels") -> None:
    """Refuses labels whose number differs from the number of samples (where both are known
    without reading the data), and pandas labels whose index is not the samples' names in order
    (an AnnData's obs_names, a DataFrame's index): they would be matched by position."""
    if y is None or isinstance(x, (str, bytes, os.PathLike)):
        return
    _check_label_index(x, y)
    n = x.n_obs if is_anndata(x) else (x.shape[0] if hasattr(x, "shape") else
                                        len(x) if hasattr(x, "__len__") else None)
    m = y.shape[0] if hasattr(y, "shape") else (len(y) if hasattr(y, "__len__") else None)
    if n is not None and m is not None and n != m:
        columns = x.n_vars if is_anndata(x) else (x.shape[1] if len(getattr(x, "shape", ())) == 2
                                                  else None)
        turn = " (adata.T)" if is_anndata(x) else " (x.T)" if what == "labels" else ""
        hint = (f"; the data has {m} columns: if it is features x samples, transpose it{turn}"
                if columns == m else "")
        raise ValueError(f"{what} have {m} entries but there are {n} samples; give one label per "
                         f"sample, in the same order{hint}")


def groups_from(groups, x):
    """Groups (one per sample) as given, or an AnnData obs column when ``groups`` names one;
    a Series indexed by the samples' names in another order is refused (by position it would
    put samples in the wrong groups, and folds would leak)."""
    if groups is None:
        return None
    if isinstance(groups, str) and not is_anndata(x):
        raise ValueError(f"groups is the text {groups!r}: a column name needs an AnnData (its "
                         "obs); with other data pass the groups themselves, one per sample (e.g. "
                         "table['chrom'])")
    if isinstance(groups, str):
        if groups not in x.obs.columns:
            raise KeyError(f"groups column {groups!r} is not in adata.obs (it has: "
                           f"{', '.join(map(str, x.obs.columns)) or 'no columns'})")
        return x.obs[groups]
    _check_label_index(x, groups, what="groups")
    return groups


def _check_label_index(x, y, what: str = "labels") -> None:
    import pandas as pd

    names = x.obs_names if is_anndata(x) else x.index if _is_data_frame(x) else None
    index = getattr(y, "index", None)
    if names is None or not isinstance(index, pd.Index) or len(index) != len(names):
        return
    if isinstance(index, pd.RangeIndex) or (index.dtype.kind in "iu" and
                                            np.array_equal(index, np.arange(len(index)))):
        return  # positions, not names
    labels, samples = [str(i) for i in index], [str(n) for n in names]
    if labels == samples:
        return
    first = next(i for i, (a, b) in enumerate(zip(labels, samples)) if a != b)
    where = "adata.obs_names" if is_anndata(x) else "the data's index"
    names_of = "adata.obs_names" if is_anndata(x) else "x.index"
    fix = f"reorder them with y.loc[{names_of}]" if set(labels) == set(samples) else \
        "they name other samples"
    name, one = ("y", "label") if what == "labels" else ("groups", "group")
    raise ValueError(
        f"the {what}' index is not {where} in order (at position {nth(first)}: {one} "
        f"{labels[first]!r}, sample {samples[first]!r}); {fix.replace('y.loc', name + '.loc')}, or "
        f"pass {name}.to_numpy() if they are already in the samples' order")


def infer_task(y) -> str:
    """binary, multiclass, multilabel or regression, from the labels' values. Categorical
    labels (pandas' Categorical, R's factor) are classes, whatever their values."""
    import pandas as pd

    if isinstance(getattr(y, "dtype", None), pd.CategoricalDtype):  # (levels without samples
        used = pd.unique(pd.Series(y).dropna())                      # do not count, as below)
        return "binary" if len(used) <= 2 else "multiclass"
    arr = _label_array(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        values = np.unique(arr)
        return "multilabel" if set(values.tolist()) <= {0, 1} else "regression"
    flat = arr.ravel()
    if flat.dtype.kind == "f" and not np.all(np.isnan(flat) | (flat == np.round(flat))):
        return "regression"
    n_classes = len(_unique(flat))
    if n_classes <= 2:
        return "binary"
    if flat.dtype.kind in "OUSb":
        return "multiclass"
    if n_classes > 50:
        return "regression"
    if n_classes > 10:
        warnings.warn(f"the labels are {n_classes} distinct whole numbers, read as {n_classes} "
                      "classes; if they are quantities (counts, ages, doses) pass "
                      "task='regression', and pass task='multiclass' to keep them as classes "
                      "without this warning", DeepomicsWarning, stacklevel=3)
    return "multiclass"


def encode_labels(y, task: str, classes: list | None = None, *, trained: bool = False,
                  what: str = "label") -> tuple[np.ndarray, list | None]:
    """(targets, classes): float32 (N, K) for binary / multilabel / regression, int64 (N,) for
    multiclass. ``classes`` fixes the class order (a trained model's, at evaluate time or when
    it trains further, ``trained``): labels are matched to them by name, and so are the named
    columns of a label table (multilabel / regression outputs). ``what`` names the labels in
    the message about missing ones (e.g. "valid_data's label")."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, not {task!r}")
    arr = _label_array(y)
    if arr.size == 0:
        raise ValueError("no labels given: the data is empty")
    _check_missing(arr, what)
    _warn_missing_text(arr)
    if task in ("regression", "multilabel"):
        if arr.dtype.kind not in "fiub":
            raise ValueError(f"{task} labels must be numbers, got values such as {arr.flat[0]!r}")
        with np.errstate(over="ignore"):  # too large for float32: said just below
            targets = arr.astype(np.float32).reshape(len(arr), -1)
        if not np.isfinite(targets).all():
            first = int(np.flatnonzero(~np.isfinite(targets).all(axis=1))[0])
            raise ValueError(f"label {nth(first)} is infinite or too large for float32 (beyond "
                             f"{FLOAT32_MAX:.3g}); drop it, or rescale the labels (e.g. log1p)")
        if task == "multilabel" and not set(np.unique(targets).tolist()) <= {0.0, 1.0}:
            raise ValueError("multilabel labels must be a 0/1 matrix (samples x labels)")
        names = list(map(str, y.columns)) if hasattr(y, "columns") else None
        if classes is not None and names is not None:
            order = _label_columns(names, [str(c) for c in classes])
            targets = targets if order is None else targets[:, order]
        return targets, classes or names
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{task} labels must be one label per sample, got shape {arr.shape}")
    if classes is None:
        categories = getattr(getattr(y, "cat", None), "categories", None)
        if categories is None:
            categories = getattr(y, "categories", None)
        classes = list(categories) if categories is not None else _unique(arr)
        classes = [c.item() if hasattr(c, "item") else c for c in classes]
        present = set(_unique(arr))
        empty = [c for c in classes if c not in present]
        if len(present) < 2 and task in ("binary", "multiclass"):
            raise ValueError(f"the labels hold one class only ({listing(list(present))})"
                             + (f"; the levels {listing(empty)} have no samples" if empty else "")
                             + "; a classifier needs examples of at least two")
        if empty:  # kept for a multiclass model (every fold of a search has the same outputs)
            if task == "binary" and len(classes) - len(empty) == 2:
                classes = [c for c in classes if c in present]
            warnings.warn(
                f"the label levels {listing(empty)} have no samples"
                + (" and are left out" if task == "binary" else
                   ": the model gets outputs for them that it never learns")
                + "; drop unused levels to silence this (R: droplevels(y); pandas: "
                "y.cat.remove_unused_categories())", DeepomicsWarning, stacklevel=3)
    index = {c: i for i, c in enumerate(classes)}
    unknown = [v for v in _unique(arr) if v not in index]
    if unknown:
        more = ("; a trained model trains further on its own classes only: for others, train a "
                "new model" if trained else "")
        raise ValueError(f"labels {listing([as_written(v) for v in unknown], 5)} are not among "
                         f"the classes ({listing([as_written(c) for c in classes], 20)})"
                         f"{_type_hint(unknown, classes)}{more}")
    if len(classes) < 2 and task in ("binary", "multiclass"):
        raise ValueError(f"the labels hold one class only ({listing(classes)}); a classifier needs "
                         "examples of at least two")
    if task == "binary" and len(classes) > 2:
        raise ValueError(f"binary task but the labels hold {len(classes)} classes "
                         f"({listing(classes)}); use task='multiclass'")
    codes = np.fromiter((index[v.item() if hasattr(v, "item") else v] for v in arr),
                        dtype=np.int64, count=len(arr))
    if task == "binary":
        return codes.astype(np.float32)[:, None], classes
    return codes, classes


def _label_columns(names: list[str], outputs: list[str]) -> np.ndarray | None:
    """Column positions that put a label table's columns (``names``) in the order of a trained
    model's ``outputs``; None when they are in it already, or when the columns are unnamed
    (their positions as names: pandas' 0..K-1, R's 1..K) and so are taken in order. Other
    names are refused, for one output too (a table's other column, e.g. weight for age)."""
    if names == outputs:
        return None
    if sorted(names) == sorted(outputs) and len(set(names)) == len(names):
        position = {name: i for i, name in enumerate(names)}
        return np.fromiter((position[o] for o in outputs), dtype=np.int64, count=len(outputs))
    if names in ([str(i) for i in range(len(names))], [str(i + 1) for i in range(len(names))]):
        return None
    raise ValueError(f"the label columns ({listing(names, 5)}) are not the model's outputs "
                     f"({listing(outputs, 5)}); name the columns as the outputs (in any order), or "
                     "leave them unnamed to be taken in order")


def _type_hint(unknown: list, classes: list) -> str:
    """Why labels are not among the classes when they are the classes written as text (labels
    read from a CSV) or as numbers (the classes came from text, e.g. an R factor)."""
    text = {as_written(c) for c in classes}
    if not all(as_written(v) in text for v in unknown):
        return ""
    if all(isinstance(v, str) for v in unknown):
        return "; the labels are text but the classes are numbers: convert them, e.g. np.asarray(y, dtype=int)"
    return "; the labels are numbers but the classes are text: convert them, e.g. np.asarray(y).astype(str)"


def _label_array(y) -> np.ndarray:
    if y is None:
        raise ValueError("labels are missing: pass them as (x, y)")
    if hasattr(y, "to_numpy"):
        arr = y.to_numpy()
    elif isinstance(y, torch.Tensor):
        arr = y.detach().cpu().numpy()
    else:
        try:
            arr = np.asarray(y)
        except ValueError as error:  # NumPy's "inhomogeneous shape"
            raise ValueError("the labels are lists of different lengths; give one label per "
                             "sample, or for several labels per sample a 0/1 matrix (samples x "
                             "labels)") from error
        if arr.dtype.kind == "U" and isinstance(y, (list, tuple)):
            arr = np.asarray(y, dtype=object)  # NumPy made ["a", nan, 1] into ["a", "nan", "1"]
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    return arr


_MISSING_TEXT = {"nan", "na", "n/a", "none", "null", ""}


def _check_missing(arr: np.ndarray, what: str = "label") -> None:
    """Refuses missing labels (NaN, None, pandas' NA) and labels that mix text and numbers;
    ``what`` names them in the message (e.g. "group")."""
    import pandas as pd

    # NaN, None, pandas' NA (elementwise: a list held in an object array is not missing)
    missing = pd.isna(arr) if arr.dtype.kind in "fO" else np.zeros(arr.shape, dtype=bool)
    if missing.any():
        first = np.argwhere(missing)[0]  # (sample, column) of a table of labels
        where = (f"{what} {nth(int(first[0]))}" if missing.ndim == 1 else
                 f"the {what} of sample {nth(int(first[0]))}, column {nth(int(first[1]))},")
        raise ValueError(f"{where} is missing (NaN / NA); {int(missing.sum())} of the "
                         f"{what}s are missing in all: drop those samples or fill their {what}s in")
    if arr.dtype == object:
        kinds = {"text" if isinstance(v, str) else "number" for v in arr.ravel()
                 if isinstance(v, (str, int, float, np.number)) and not isinstance(v, bool)}
        if kinds == {"text", "number"}:
            first_text = next(v for v in arr.ravel() if isinstance(v, str))
            first_number = next(v for v in arr.ravel() if not isinstance(v, str))
            raise ValueError(f"the {what}s mix text ({first_text!r}) and numbers ({first_number!r}), "
                             "which would be different classes; convert them all to one type")


def _warn_missing_text(arr: np.ndarray) -> None:
    """Warns about text labels that read as missing ("nan", "NA", ...: missing values written out
    as text, e.g. by astype(str)); they would be a class of their own."""
    if arr.dtype.kind in "UO":
        texts = [v for v in _unique(arr.ravel()) if isinstance(v, str) and v.strip().lower() in _MISSING_TEXT]
        if texts:
            n = int(sum(np.sum(arr == t) for t in texts))
            warnings.warn(f"{n} of the labels read {listing(repr(t) for t in texts)}, which looks like "
                          "missing values written as text; they are a class of their own here. "
                          "If they are missing, drop those samples (or read the file with its "
                          "missing-value marker, e.g. pandas.read_csv(na_values=...))",
                          DeepomicsWarning, stacklevel=4)


def _unique(arr: np.ndarray) -> list:
    values = arr.tolist() if hasattr(arr, "tolist") else list(arr)
    try:
        return sorted(set(values))
    except TypeError:  # mixed types
        return list(dict.fromkeys(values))


# ---- splits ------------------------------------------------------------------------------------


def split(n: int, *, valid_fraction: float = 0.2, stratify=None, groups=None,
          seed: int = 0, class_names=None) -> tuple[np.ndarray, np.ndarray]:
    """(train, valid) indices: random, stratified by a label vector, or by group (e.g. the
    chromosome, so that no group is on both sides). Seeded. ``class_names``: the names of
    integer-coded ``stratify`` labels, for the error when a class has one sample."""
    from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit, StratifiedShuffleSplit

    n = _sample_count(n, "split")
    if not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be between 0 and 1, not {valid_fraction}")
    index = np.zeros(n)
    if groups is not None:
        groups = _group_array(groups, n)
        distinct = len(_unique(groups))
        if distinct < 2:
            raise ValueError(f"a split by group needs 2 or more groups; all {n} samples are in one "
                             f"({listing(_unique(groups))}): give more groups, or leave groups out")
        splitter = GroupShuffleSplit(n_splits=1, test_size=valid_fraction, random_state=seed)
        return next(splitter.split(index, groups=groups))
    if stratify is not None:
        labels = _label_array(stratify)
        values, counts = np.unique(labels, return_counts=True)
        if (counts < 2).any():
            alone = [class_names[int(v)] if class_names is not None else
                     (v.item() if hasattr(v, "item") else v) for v in values[counts < 2]]
            raise ValueError(f"a stratified validation split needs 2 or more samples of every "
                             f"class; {listing(alone, 5)} have 1: drop those samples, or give valid_data "
                             "yourself")
        n_valid, k = int(np.ceil(valid_fraction * n)), len(values)
        for side, size in (("validation", n_valid), ("training", n - n_valid)):
            if size < k:
                fix = (f"valid_fraction >= {np.ceil(k / n * 100) / 100:g}" if side == "validation"
                       else f"valid_fraction <= {np.floor((n - k) / n * 100) / 100:g}")
                raise ValueError(
                    f"valid_fraction={as_written(valid_fraction)} leaves {size} of the {n} samples "
                    f"for {side}, fewer than the {k} classes (a stratified split puts each class "
                    f"on both sides); use {fix}, or give valid_data yourself")
        splitter = StratifiedShuffleSplit(n_splits=1, test_size=valid_fraction, random_state=seed)
        return next(splitter.split(index, labels))
    return next(ShuffleSplit(n_splits=1, test_size=valid_fraction, random_state=seed).split(index))


def kfold(n: int, k: int = 5, *, stratify=None, groups=None, seed: int = 0):
    """k (train, valid) index pairs: plain, stratified by labels, or by group. Seeded."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold

    n, k = _sample_count(n, "kfold"), count(k, "k")
    if k < 2:
        raise ValueError(f"k must be 2 or more folds, not {k}")
    index = np.zeros(n)
    if groups is not None:
        groups = _group_array(groups, n)
        distinct = len(_unique(groups))
        if distinct < k:
            raise ValueError(f"{k} folds by group need {k} or more groups; there are {distinct}: "
                             "use fewer folds")
        splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(index, groups=groups))
    if stratify is not None:
        labels = _label_array(stratify)
        values, counts = np.unique(labels, return_counts=True)
        if counts.max() < k:
            raise ValueError(f"{k} stratified folds need a class with {k} or more samples; the "
                             f"largest has {counts.max()}: use fewer folds (at most "
                             f"{max(2, int(counts.max()))})")
        if counts.min() < k:
            few = values[counts.argmin()]
            warnings.warn(f"class {few.item() if hasattr(few, 'item') else few!r} has "
                          f"{counts.min()} samples, fewer than the {k} folds: some folds hold "
                          "none of it (its metrics there are missing); use fewer folds to have "
                          "it in every one", DeepomicsWarning, stacklevel=2)
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
        return list(splitter.split(index, labels))
    if n < k:
        raise ValueError(f"{k} folds need {k} or more samples; there are {n}")
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(index))


def _sample_count(n, caller: str) -> int:
    """The number of samples a split takes; data given instead says so."""
    if hasattr(n, "__len__") or np.ndim(n) > 0:
        raise TypeError(f"{caller} takes the number of samples, e.g. {caller}(len(y)), not the data")
    return count(n, "n")


def _group_array(groups, n: int) -> np.ndarray:
    """``groups`` as an array of one group per sample, none missing."""
    if len(groups) != n:
        raise ValueError(f"groups has {len(groups)} entries but there are {n} samples; give one "
                         "group (e.g. the chromosome) per sample")
    arr = _label_array(groups)
    _check_missing(arr, "group")
    return arr
