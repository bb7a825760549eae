"""Bioconductor objects from and to R files, as AnnData, through rpy2 (R runs in this process).

``read_r(path)`` reads a SummarizedExperiment, SingleCellExperiment or ExpressionSet saved with
``saveRDS()`` (.rds) or ``save()`` (.rda / .RData); ``write_r(adata, path)`` writes an AnnData as
a SingleCellExperiment (.rds). The slot map is zellkonverter's:

    R (features x samples)                 AnnData (samples x features)
    assay ``X_name``                <->    X
    other assays                    <->    layers (the X assay is also kept under its name)
    colData / pData                 <->    obs
    rowData / fData                 <->    var
    reducedDims                     <->    obsm (PCA <-> X_pca; "spatial" as it is)
    metadata (plain values)         <->    uns

The orientation is fixed here, once: every assay is transposed to samples x features; a sparse
``dgCMatrix`` (features x samples, CSC) becomes a SciPy CSR matrix (samples x features) over the
same arrays, never dense. Metadata that is not plain (numbers, strings, lists of them) is left
out with a warning naming it. Needs R with SummarizedExperiment / SingleCellExperiment (and
Biobase for ExpressionSet) and rpy2 (3.5.x on R < 4.5).
"""
from __future__ import annotations

import os
import re
import tempfile
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import DeepomicsWarning
from ..args import user_path
from ..messages import as_written

__all__ = ["RObjectError", "read_r", "write_r"]

R_CLASSES = ("SingleCellExperiment", "SummarizedExperiment", "ExpressionSet")

# R code run once per process: takes objects apart into plain vectors, and builds them back.
_R_HELPERS = r"""
.deepomics_assay <- function(m) {
  if (methods::is(m, "sparseMatrix") && !methods::is(m, "dgCMatrix")) {
    m <- methods::as(methods::as(methods::as(m, "CsparseMatrix"), "generalMatrix"), "dMatrix")
  }
  if (methods::is(m, "dgCMatrix")) {
    return(list(kind = "sparse", x = m@x, i = m@i, p = m@p, dim = dim(m)))
  }
  if (!is.matrix(m)) m <- as.matrix(m)   # DelayedArray and friends
  if (is.logical(m)) storage.mode(m) <- "integer"
  if (is.integer(m) && anyNA(m)) storage.mode(m) <- "double"   # NA as NaN, not -2^31
  list(kind = "dense", values = m)
}
.deepomics_parts <- function(x) {
  if (methods::is(x, "ExpressionSet")) {
    env <- Biobase::assayData(x)
    names <- ls(env)
    names <- c("exprs", setdiff(names, "exprs"))
    assays <- lapply(names, function(n) .deepomics_assay(env[[n]]))
    names(assays) <- names
    return(list(assays = assays, rownames = Biobase::featureNames(x),
                colnames = Biobase::sampleNames(x), coldata = Biobase::pData(x),
                rowdata = Biobase::fData(x), reduced = list(),
                metadata = list(annotation = Biobase::annotation(x))))
  }
  names <- SummarizedExperiment::assayNames(x)
  assays <- lapply(seq_along(SummarizedExperiment::assays(x)), function(i)
    .deepomics_assay(SummarizedExperiment::assay(x, i, withDimnames = FALSE)))
  if (is.null(names)) names <- paste0("assay", seq_along(assays))
  names[!nzchar(names)] <- paste0("assay", which(!nzchar(names)))
  names(assays) <- names
  reduced <- list()
  if (methods::is(x, "SingleCellExperiment")) {
    reduced <- lapply(as.list(SingleCellExperiment::reducedDims(x)), as.matrix)
  }
  dropped <- character(0)
  plain <- function(df, what) {
    df <- as.data.frame(df, optional = TRUE)
    keep <- vapply(df, function(v) is.atomic(v) && is.null(dim(v)), logical(1))
    dropped <<- c(dropped, sprintf("%s column %s", what, names(df)[!keep]))
    df[, keep, drop = FALSE]
  }
  coldata <- plain(SummarizedExperiment::colData(x), "colData")
  rowdata <- plain(SummarizedExperiment::rowData(x), "rowData")
  list(assays = assays, rownames = rownames(x), colnames = colnames(x),
       coldata = coldata, rowdata = rowdata, reduced = reduced,
       metadata = S4Vectors::metadata(x), dropped = dropped)
}
.deepomics_sparse <- function(x, i, p, nrow, ncol) {
  methods::new("dgCMatrix", x = as.double(x), i = as.integer(i), p = as.integer(p),
               Dim = as.integer(c(nrow, ncol)))
}
.deepomics_sce <- function(assays, rownames, colnames, coldata, rowdata, reduced, metadata) {
  for (n in names(assays)) dimnames(assays[[n]]) <- list(rownames, colnames)
  # a table without columns arrives with no rows: give it one row per cell / gene
  coldata <- if (ncol(coldata)) `rownames<-`(coldata, colnames) else data.frame(row.names = colnames)
  rowdata <- if (ncol(rowdata)) `rownames<-`(rowdata, rownames) else data.frame(row.names = rownames)
  SingleCellExperiment::SingleCellExperiment(
    assays = assays, colData = S4Vectors::DataFrame(coldata, check.names = FALSE),
    rowData = S4Vectors::DataFrame(rowdata, check.names = FALSE),
    reducedDims = reduced, metadata = metadata)
}
"""


class RObjectError(ValueError):
    """An R file or object that cannot be read or written; the message says which and why."""


def _r():
    """rpy2's ``robjects``, with R's packages loaded and the helpers defined (once)."""
    try:
        import rpy2.robjects as ro
    except Exception as err:  # ImportError, or R missing / the wrong version
        raise RObjectError(f"reading R objects needs rpy2 and R ({err}); install R with the "
                           "Bioconductor packages and `pip install 'rpy2<3.6'` for R < 4.5") from None
    if not getattr(_r, "ready", False):
        ro.r("suppressPackageStartupMessages({library(methods); library(SummarizedExperiment); "
             "library(SingleCellExperiment)})")
        ro.r(_R_HELPERS)
        _r.ready = True
    return ro


def read_r(path: str | os.PathLike, *, name: str | None = None, X_name: str | None = None):
    """An AnnData from a SummarizedExperiment / SingleCellExperiment / ExpressionSet in an R file.

    ``path``: .rds (``saveRDS``) or .rda / .RData (``save``; ``name`` picks the object when it
    holds several). ``X_name``: the assay that becomes X (default: ``"logcounts"`` if present,
    else ``"exprs"``, else the first); every assay is also in ``layers`` under its own name (X
    a copy: normalising X in place leaves the layer as R had it). Integer assays with NA read
    as floats with NaN. colData / rowData columns that are not plain vectors (lists, nested
    tables) are left out, with a warning naming them.
    """
    import anndata as ad

    ro = _r()
    obj = _load_object(ro, os.fspath(path), name)
    parts = ro.globalenv[".deepomics_parts"](obj)
    parts = dict(zip(parts.names, parts))
    rownames = _strings(parts["rownames"])
    colnames = _strings(parts["colnames"])
    layers = {str(n): _assay(a) for n, a in zip(parts["assays"].names, parts["assays"])}
    if not layers:
        raise RObjectError(f"{path}: the object has no assays")
    X_name = X_name or next((n for n in ("logcounts", "exprs") if n in layers), next(iter(layers)))
    if X_name not in layers:
        raise RObjectError(f"X_name={X_name!r} is not an assay of the object (it has: "
                           f"{', '.join(layers)})")
    n_obs = next(iter(layers.values())).shape[0]
    obs = _frame(ro, parts["coldata"], colnames, n_obs)
    var = _frame(ro, parts["rowdata"], rownames, next(iter(layers.values())).shape[1])
    obsm = {}
    reduced = parts["reduced"]
    if reduced is not ro.NULL and len(reduced):
        for key, m in zip(reduced.names, reduced):
            name = _obsm_key(str(key))
            if name in obsm:  # e.g. reducedDims PCA and X_pca
                raise RObjectError(f"{path}: reducedDims {str(key)!r} and another one both "
                                   f"become obsm {name!r}; rename one of them in R")
            obsm[name] = _dense(m)
    dropped = _strings(parts.get("dropped")) or []  # (an ExpressionSet has none)
    if dropped:
        warnings.warn(f"{path}: left out what AnnData cannot hold as a column: "
                      f"{', '.join(dropped)} (lists or nested tables)", DeepomicsWarning,
                      stacklevel=2)
    adata = ad.AnnData(X=layers[X_name].copy(), obs=obs, var=var, layers=layers, obsm=obsm)
    adata.uns.update(_plain_metadata(ro, parts["metadata"]))
    adata.uns["deepomics_r"] = {"X_name": X_name, "class": _class_of(ro, obj),
                                "reduced_dims": list(map(str, reduced.names)) if len(obsm) else []}
    return adata


def write_r(adata, path: str | os.PathLike, *, X_name: str | None = None,
            overwrite: bool = False) -> str:
    """Writes ``adata`` as a SingleCellExperiment to ``path`` (.rds), atomically; an existing
    file is replaced only with ``overwrite=True``. X becomes the assay ``X_name`` (default: the
    name it had in R, from ``read_r``, else ``"X"``) unless a layer of that name exists; layers
    the other assays; X is written as the layer ``X_name`` holds it unless the two differ
    (an error then: say which to keep). Refuses duplicated obs / var names and two obsm keys
    of one reducedDim name; warns about the slots R's object has no place for (obsp, varm,
    varp, raw). Returns the absolute path."""
    path = os.path.abspath(user_path(path))
    if not path.lower().endswith(".rds"):
        hint = ("; an .h5ad file is adata.write_h5ad(path)" if path.lower().endswith(".h5ad")
                else "")
        raise RObjectError(f"{path}: write_r writes an R object file, .rds (saveRDS); name it "
                           f"so{hint}")
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it, or choose a new path")
    ro = _r()
    if adata.isbacked:
        raise RObjectError("write_r needs the AnnData in memory: adata.to_memory() first")
    X_name = X_name or adata.uns.get("deepomics_r", {}).get("X_name", "X")
    for names, what in ((adata.obs_names, "obs"), (adata.var_names, "var")):
        if not names.is_unique:
            first = names[names.duplicated()][0]
            raise RObjectError(f"{what}_names are not unique ({first!r} repeats) and R's "
                               f"dimnames must be; run adata.{what}_names_make_unique() first")
    assays = {}
    if adata.X is not None:
        if X_name not in adata.layers:
            assays[X_name] = adata.X
        elif not _same_matrix(adata.X, adata.layers[X_name]):
            raise RObjectError(
                f"X differs from layers[{X_name!r}], the assay it is written as: pass "
                f"X_name= a new assay name for X (e.g. 'normalized'), or set "
                f"layers[{X_name!r}] = X to replace that assay")
    assays.update(adata.layers)
    r_assays = ro.ListVector({name: _to_r_assay(ro, m) for name, m in assays.items()})
    reduced_names = {}
    for key in adata.obsm.keys():
        name = _reduced_name(key)
        if name in reduced_names:
            raise RObjectError(f"obsm {reduced_names[name]!r} and {key!r} would both be the "
                               f"reducedDim {name!r}; rename or drop one")
        reduced_names[name] = key
    reduced = ro.ListVector({name: _to_r_matrix(ro, np.asarray(adata.obsm[key]))
                             for name, key in reduced_names.items()})
    unkept = [slot for slot in ("obsp", "varm", "varp") if len(getattr(adata, slot).keys())]
    unkept += ["raw"] if adata.raw is not None else []
    if unkept:
        warnings.warn(f"{', '.join(unkept)} have no place in a SingleCellExperiment and were "
                      "left out", DeepomicsWarning, stacklevel=2)
    metadata = {}
    for key, value in adata.uns.items():
        plain = _to_r_plain(ro, value) if key != "deepomics_r" else None
        if plain is not None:
            metadata[str(key)] = plain
        elif key != "deepomics_r":
            warnings.warn(f"uns entry {key!r} ({type(value).__name__}) is not a plain value "
                          "(numbers, text, lists or dicts of them) and was left out of the R "
                          "object's metadata", DeepomicsWarning, stacklevel=2)
    metadata = ro.ListVector(metadata)
    sce = ro.globalenv[".deepomics_sce"](
        r_assays, ro.StrVector(list(map(str, adata.var_names))),
        ro.StrVector(list(map(str, adata.obs_names))), _to_r_frame(ro, adata.obs),
        _to_r_frame(ro, adata.var), reduced, metadata)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".deepomics-", suffix=".rds", dir=folder)
    os.close(handle)
    try:
        ro.r["saveRDS"](sce, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _same_matrix(a, b) -> bool:
    """Whether two matrices (dense or sparse) hold the same values."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    if sp.issparse(a) or sp.issparse(b):
        difference = sp.csr_matrix(a) - sp.csr_matrix(b)
        return difference.count_nonzero() == 0
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


# ---- R -> Python -------------------------------------------------------------------------------


def _load_object(ro, path: str, name: str | None):
    if not os.path.isfile(path):
        raise RObjectError(f"{path} does not exist")
    lower = path.lower()
    try:
        if lower.endswith(".rds"):
            obj = ro.r["readRDS"](path)
            if name is not None:
                raise RObjectError(f"name= picks an object in an .rda file; {path} is an .rds "
                                   "file, which holds one")
        elif lower.endswith((".rda", ".rdata")):
            env = ro.r("new.env()")
            ro.r["load"](path, envir=env)
            candidates = [k for k in env.keys() if _class_of(ro, env[k]) is not None]
            if name is not None:
                if name not in env.keys():
                    raise RObjectError(f"{path} has no object {name!r} (it has: "
                                       f"{', '.join(env.keys())})")
                obj = env[name]
            elif len(candidates) == 1:
                obj = env[candidates[0]]
            else:
                raise RObjectError(
                    f"{path} holds {len(candidates)} SummarizedExperiment / SingleCellExperiment / "
                    f"ExpressionSet objects ({', '.join(candidates) or 'none'}); pick one with name=")
        else:
            raise RObjectError(f"{path}: read_r reads .rds (saveRDS) and .rda / .RData (save) files")
    except RObjectError:
        raise
    except Exception as err:  # rpy2's RRuntimeError: a corrupt or foreign file
        raise RObjectError(f"R could not read {path}: {str(err).strip()}") from None
    if _class_of(ro, obj) is None:
        classes = ", ".join(ro.r["class"](obj))
        raise RObjectError(f"{path} holds an object of class {classes}; read_r reads "
                           f"{', '.join(R_CLASSES)}")
    return obj


def _class_of(ro, obj) -> str | None:
    for cls in R_CLASSES:
        if ro.r["is"](obj, cls)[0]:
            return cls
    return None


def _strings(v) -> list[str] | None:
    return None if v is None or type(v).__name__ == "NULLType" else [str(s) for s in v]


def _assay(a):
    """An assay (features x samples) as samples x features: SciPy CSR for a dgCMatrix (no dense
    copy), a NumPy array otherwise."""
    a = dict(zip(a.names, a))
    if a["kind"][0] == "sparse":
        n_features, n_samples = (int(d) for d in a["dim"])
        csc = sp.csc_matrix((np.asarray(a["x"]), np.asarray(a["i"]), np.asarray(a["p"])),
                            shape=(n_features, n_samples))
        return csc.T.tocsr()
    return _dense(a["values"]).T


def _dense(m) -> np.ndarray:
    from rpy2.robjects import default_converter, numpy2ri
    from rpy2.robjects.conversion import localconverter

    with localconverter(default_converter + numpy2ri.converter) as cv:
        return np.asarray(cv.rpy2py(m))


def _frame(ro, df, index, n: int) -> pd.DataFrame:
    from rpy2.robjects import default_converter, pandas2ri
    from rpy2.robjects.conversion import localconverter

    with localconverter(default_converter + pandas2ri.converter) as cv:
        frame = cv.rpy2py(df)
    if not isinstance(frame, pd.DataFrame) or frame.shape[1] == 0:
        frame = pd.DataFrame(index=range(n))
    frame.index = pd.Index(index if index is not None else [str(i) for i in range(n)])
    frame.columns = [str(c) for c in frame.columns]
    for column in frame.columns:
        frame[column] = _r_missing_to_pandas(frame[column])
    return frame


# R's NA_integer_: rpy2's pandas converter leaves it in int32 columns as this number
_R_NA_INTEGER = -(2**31)


def _r_missing_to_pandas(values: pd.Series) -> pd.Series:
    """A column from rpy2 with R's NA as pandas' missing values: rpy2 keeps NA_integer_ as
    -2**31 (becomes nullable Int32) and NA_character_ / logical NA as rpy2 objects in object
    columns (text: None; TRUE / FALSE / NA: nullable boolean). Doubles (NaN) and factors
    (NaN) arrive right already."""
    import rpy2.rinterface as ri

    if values.dtype == np.int32 and (values == _R_NA_INTEGER).any():
        return values.astype("Int32").mask(values == _R_NA_INTEGER)
    if values.dtype != object:
        return values
    sentinels = tuple({type(ri.NA_Character), type(ri.NA_Logical), type(ri.NA_Integer),
                       type(ri.NA_Real)})
    missing = values.map(lambda v: isinstance(v, sentinels))
    if not missing.any():
        return values
    present = values[~missing]
    if len(present) and present.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return values.where(~missing, None).astype("boolean")
    return values.where(~missing, None)


def _plain_metadata(ro, metadata) -> dict:
    out = {}
    if metadata is ro.NULL or not len(metadata):
        return out
    names = list(metadata.names) if metadata.names is not ro.NULL else []
    for i, value in enumerate(metadata):
        key = names[i] if i < len(names) and names[i] else f"metadata{i + 1}"
        plain = _from_r_plain(ro, value)
        if plain is None:
            warnings.warn(f"metadata entry {key!r} ({', '.join(ro.r['class'](value))}) is not a "
                          "plain value and was left out of uns", DeepomicsWarning, stacklevel=3)
        else:
            out[str(key)] = plain
    return out


def _from_r_plain(ro, value):
    from rpy2.rinterface import ListSexpVector

    if isinstance(value, (ro.vectors.FloatVector, ro.vectors.IntVector, ro.vectors.BoolVector,
                          ro.vectors.StrVector)) and value.rclass[0] in (
            "numeric", "integer", "logical", "character"):
        arr = np.asarray(list(value))
        return arr.item() if arr.size == 1 else arr
    if isinstance(value, ListSexpVector) and value.rclass[0] == "list":
        names = list(value.names) if value.names is not ro.NULL else None
        if not names:
            return None
        items = {str(k): _from_r_plain(ro, v) for k, v in zip(names, value)}
        return None if any(v is None for v in items.values()) else items
    return None


# ---- Python -> R -------------------------------------------------------------------------------


def _to_r_assay(ro, m):
    """samples x features (dense or sparse) as an R features x samples matrix / dgCMatrix."""
    if sp.issparse(m):
        csr = sp.csr_matrix(m)  # rows: samples; read as CSC it is features x samples
        csr.sort_indices()
        return ro.globalenv[".deepomics_sparse"](
            ro.FloatVector(csr.data.astype(np.float64)), ro.IntVector(csr.indices),
            ro.IntVector(csr.indptr), csr.shape[1], csr.shape[0])
    return _to_r_matrix(ro, np.asarray(m).T)


def _to_r_matrix(ro, arr: np.ndarray):
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim != 2:
        raise RObjectError(f"an array of shape {arr.shape} cannot be an R matrix")
    return ro.r["matrix"](ro.FloatVector(arr.ravel(order="F")), nrow=arr.shape[0],
                          ncol=arr.shape[1])


def _to_r_frame(ro, df: pd.DataFrame):
    from rpy2.robjects import default_converter, pandas2ri
    from rpy2.robjects.conversion import localconverter

    df = df.copy()
    for column in df.columns:
        if df[column].dtype == object:  # text; None / NaN stay missing (NA_character_ in R)
            df[column] = df[column].astype("string")
        elif isinstance(df[column].dtype, pd.CategoricalDtype) and \
                not all(isinstance(c, str) for c in df[column].cat.categories):
            # a factor in R needs text levels (else rpy2 gives a character vector): as R
            # writes the values (1, not 1.0; TRUE)
            df[column] = df[column].cat.rename_categories(
                [("TRUE" if c else "FALSE") if isinstance(c, (bool, np.bool_)) else as_written(c)
                 for c in df[column].cat.categories])
    df.index = df.index.astype(str)
    with localconverter(default_converter + pandas2ri.converter) as cv:
        return cv.py2rpy(df)


def _to_r_plain(ro, value):
    if isinstance(value, (bool, np.bool_)):
        return ro.BoolVector([bool(value)])
    if isinstance(value, (int, np.integer)):
        return ro.IntVector([int(value)])
    if isinstance(value, (float, np.floating)):
        return ro.FloatVector([float(value)])
    if isinstance(value, str):
        return ro.StrVector([value])
    if isinstance(value, np.ndarray) and value.ndim == 1:
        if value.dtype.kind in "iu":
            return ro.IntVector(value.astype(np.int64).tolist())
        if value.dtype.kind == "f":
            return ro.FloatVector(value.tolist())
        if value.dtype.kind == "b":
            return ro.BoolVector(value.tolist())
        if value.dtype.kind in "UO":
            return ro.StrVector([str(v) for v in value])
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (bool, int, float, str, np.generic)) for v in value):
        arr = np.asarray(value)  # one type: a vector; mixed (e.g. numbers and text): text
        return _to_r_plain(ro, arr) if arr.ndim == 1 else None
    if isinstance(value, dict) and value:
        items = {str(k): _to_r_plain(ro, v) for k, v in value.items()}
        if all(v is not None for v in items.values()):
            return ro.ListVector(items)
    return None


def _obsm_key(name: str) -> str:
    """The obsm key of a reducedDim: "X_" and the name in lower case for a name in capitals
    (PCA, UMAP: scanpy's X_pca, X_umap), else the name itself (squidpy's "spatial"); R's
    writeH5AD() uses the same rule."""
    if re.fullmatch(r"[A-Z][A-Z0-9_.]*", name) and not name.startswith("X_"):
        return f"X_{name.lower()}"
    return name


def _reduced_name(key: str) -> str:
    key = str(key)
    return key[2:].upper() if key.startswith("X_") else key
