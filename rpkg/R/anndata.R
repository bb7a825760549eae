# AnnData files (.h5ad) to and from SingleCellExperiment, through Python's anndata.
#
# The slot map is zellkonverter's, and the one Python's deepomics.io.read_r / write_r use:
#   assay X_name <-> X, the other assays <-> layers, colData <-> obs, rowData <-> var,
#   reducedDims <-> obsm ("PCA" <-> "X_pca"), metadata (plain values) <-> uns.
# The orientation is fixed here: AnnData is cells x genes, the SingleCellExperiment genes x
# cells; a sparse matrix stays sparse both ways (CSR cells x genes is CSC genes x cells).

#' Read an AnnData file (.h5ad) as a SingleCellExperiment
#'
#' Reads an `.h5ad` file written by scanpy / anndata (or by [writeH5AD()]) with Python's
#' anndata, and builds a [SingleCellExperiment::SingleCellExperiment] from it, genes x cells:
#' `X` becomes the assay `X_name`, each layer an assay of its own name, `obs` the `colData`
#' (categories as factors), `var` the `rowData`, each numeric `obsm` entry a reducedDim (`X_pca`
#' as `PCA`; other keys, such as `spatial`, as they are), and the plain `uns` entries (numbers,
#' text, lists of them) the `metadata`. Sparse matrices stay sparse (`dgCMatrix`). What a
#' SingleCellExperiment has no place for (`varm`, `obsp`, `varp`, `raw`, text `obsm` tables) is
#' left out with a warning naming it. The object then goes into [trainModel()], [predict()] and
#' the other functions as any SingleCellExperiment does.
#'
#' @param path Path of the `.h5ad` file.
#' @param X_name Name of the assay that `X` becomes. Default: the name it had when
#'   [writeH5AD()] wrote the file, else `"X"`; a layer of the same name is `X` already.
#' @return A SingleCellExperiment, genes x cells.
#' @seealso [writeH5AD()]; in Python, `anndata.read_h5ad()` and `deepomics.io.read_r()`.
#' @examplesIf deepomics:::backend_available()
#' path <- tempfile(fileext = ".h5ad")
#' sce <- SingleCellExperiment::SingleCellExperiment(
#'   list(logcounts = matrix(rnorm(20), 4, 5, dimnames = list(paste0("g", 1:4), paste0("c", 1:5)))),
#'   colData = S4Vectors::DataFrame(cluster = factor(c("a", "b", "a", "b", "a"))))
#' writeH5AD(sce, path)
#' back <- readH5AD(path)
#' back
#' identical(SummarizedExperiment::assay(back, "logcounts"), SummarizedExperiment::assay(sce))
#' @export
readH5AD <- function(path, X_name = NULL) {
  py_deepomics()  # deepomics' Python, before reticulate starts one of its own
  path <- normalizePath(py_path(path), mustWork = FALSE)
  if (!is.null(X_name)) py_string(X_name, "X_name")
  if (!file.exists(path) || dir.exists(path)) {
    stop(sprintf("%s does not exist; check the path", path), call. = FALSE)
  }
  anndata <- reticulate::import("anndata", convert = FALSE)
  adata <- tryCatch(py_call(anndata$read_h5ad, path), deepomics_python_error = function(e) {
    stop(sprintf(paste0("%s could not be read as an AnnData file (.h5ad, HDF5): %s; check that ",
                        "it was written by anndata (adata.write_h5ad) and copied whole"),
                 path, conditionMessage(e)), call. = FALSE)
  })
  cells <- character_from_py(adata$obs_names$astype("str")$tolist())
  genes <- character_from_py(adata$var_names$astype("str")$tolist())
  written <- plain_from_py(adata$uns$get("deepomics_r", reticulate::dict()))
  X_name <- X_name %||% written$X_name %||% "X"
  assays <- list()
  for (key in py_keys(adata$layers)) {
    assays[[key]] <- assay_from_py(py_item(adata$layers, key), genes, cells)
  }
  if (!is_py_none(adata$X) && !(X_name %in% names(assays))) {
    assays <- c(stats::setNames(list(assay_from_py(adata$X, genes, cells)), X_name), assays)
  }
  order <- as.character(unlist(written$assays))  # the order the assays had in R
  assays <- assays[c(intersect(order, names(assays)), setdiff(names(assays), order))]
  reduced <- list()
  reduced_names <- list()  # obsm key -> reducedDim name
  skipped <- character()
  for (key in py_keys(adata$obsm)) {
    m <- obsm_from_py(py_item(adata$obsm, key))
    if (is.null(m)) {
      skipped <- c(skipped, key)
      next
    }
    rownames(m) <- cells
    named <- written$reduced  # the name it had in R, from writeH5AD()
    name <- if (is.list(named) && key %in% names(named)) as.character(unlist(named[[key]])) else
      reduced_name(key)
    known <- written$reduced_columns
    columns <- if (is.list(known) && name %in% names(known)) as.character(unlist(known[[name]]))
    if (is.null(colnames(m)) && length(columns) == ncol(m)) colnames(m) <- columns
    reduced[[name]] <- m
    reduced_names[[key]] <- name
  }
  unkept <- c(if (length(skipped)) sprintf("obsm %s (not a numeric cells x k matrix)",
                                           paste(sprintf("'%s'", skipped), collapse = ", ")),
              Filter(function(slot) length(py_keys(reticulate::py_get_attr(adata, slot))) > 0L,
                     c("varm", "obsp", "varp")),
              if (!is_py_none(adata$raw)) "raw")
  if (length(unkept)) {
    warning(sprintf("%s: %s %s no place in a SingleCellExperiment and %s left out", basename(path),
                    paste(unkept, collapse = ", "), if (length(unkept) > 1L) "have" else "has",
                    if (length(unkept) > 1L) "were" else "was"), call. = FALSE)
  }
  # what writeH5AD() noted: text columns (anndata stores them as categories) and metadata order
  obs <- frame_from_py(adata$obs, cells)
  var <- frame_from_py(adata$var, genes)
  for (column in intersect(unlist(written$text_obs), names(obs))) obs[[column]] <- as.character(obs[[column]])
  for (column in intersect(unlist(written$text_var), names(var))) var[[column]] <- as.character(var[[column]])
  metadata <- uns_from_py(adata$uns)
  if (!is.null(metadata$deepomics_written)) {
    metadata$deepomics_written <- written_paths(unlist(metadata$deepomics_written), to = "r",
                                                reduced_names = unlist(reduced_names))
  }
  order <- unlist(written$metadata)
  metadata <- metadata[c(intersect(order, names(metadata)), setdiff(names(metadata), order))]
  SingleCellExperiment::SingleCellExperiment(
    assays = assays, colData = obs, rowData = var, reducedDims = reduced, metadata = metadata)
}

#' Write a SummarizedExperiment or SingleCellExperiment as an AnnData file (.h5ad)
#'
#' Writes `x` for scanpy and anndata users, cells x genes: the assay `X_name` becomes `X`,
#' the other assays layers of their own names, `colData` the `obs`, `rowData` the `var`, each
#' reducedDim an `obsm` entry (a name in capitals as scanpy names it, `PCA` as `X_pca`; others,
#' such as `spatial`, as they are), and the plain `metadata` entries the `uns` (those that are
#' not, such as text with `NA`, are left out with a warning). Sparse assays stay sparse (CSR). The file is written to a temporary name next to
#' `path` and moved into place, so an existing file is replaced only whole and only with
#' `overwrite = TRUE`.
#'
#' @param x A SummarizedExperiment or SingleCellExperiment with named assays.
#' @param path Path of the `.h5ad` file to write.
#' @param X_name The assay that becomes `X`. Default: `"logcounts"` if present, else the first.
#' @param overwrite Replace an existing file.
#' @return The absolute path, invisibly.
#' @details anndata stores text columns of `obs` and `var` as categories, and has no dates:
#'   dates are written as text. [readH5AD()] turns the columns that were text (or dates) in `x`
#'   back into text, and restores the order of the assays and the names of the reducedDims and
#'   their columns, from what `uns$deepomics_r` notes.
#' @seealso [readH5AD()]; in Python, `anndata.read_h5ad()` reads the file, and
#'   `deepomics.io.write_r()` writes an AnnData as a SingleCellExperiment (.rds).
#' @examplesIf deepomics:::backend_available()
#' se <- SummarizedExperiment::SummarizedExperiment(
#'   list(counts = matrix(rpois(20, 3), 4, 5, dimnames = list(paste0("g", 1:4), paste0("c", 1:5)))))
#' path <- writeH5AD(se, tempfile(fileext = ".h5ad"))
#' anndata <- reticulate::import("anndata")
#' anndata$read_h5ad(path)   # 5 cells x 4 genes
#' @export
writeH5AD <- function(x, path, X_name = NULL, overwrite = FALSE) {
  py_deepomics()  # deepomics' Python, before reticulate starts one of its own
  if (!is(x, "SummarizedExperiment")) {
    stop(sprintf("x must be a SummarizedExperiment or SingleCellExperiment; not %s",
                 class_label(x)), call. = FALSE)
  }
  path <- normalizePath(py_path(path), mustWork = FALSE)
  py_flag(overwrite, "overwrite")
  if (!grepl("\\.h5ad$", path, ignore.case = TRUE)) {
    stop(sprintf("%s: writeH5AD writes an AnnData file, .h5ad; name it so%s", path,
                 if (grepl("\\.rds$", path, ignore.case = TRUE)) " (an .rds file is saveRDS(x, path))" else ""),
         call. = FALSE)
  }
  if (file.exists(path) && !overwrite) {
    stop(sprintf("%s exists; pass overwrite = TRUE to replace it, or choose a new path", path),
         call. = FALSE)
  }
  names <- SummarizedExperiment::assayNames(x)
  if (!length(names) || any(!nzchar(names))) {
    stop(paste0("every assay of x needs a name (AnnData's layers are named); name them first, ",
                "e.g. assayNames(x) <- c(\"counts\", \"logcounts\")"), call. = FALSE)
  }
  X_name <- if (is.null(X_name)) assay_name(x, NULL, "x") else py_string(X_name, "X_name")
  if (!(X_name %in% names)) {
    stop(sprintf("X_name = \"%s\" is not an assay of x (it has: %s)", X_name,
                 paste(names, collapse = ", ")), call. = FALSE)
  }
  for (what in list(list(colnames(x), "colnames", "cells"), list(rownames(x), "rownames", "genes"))) {
    if (!is.null(what[[1]]) && anyDuplicated(what[[1]])) {
      stop(sprintf("the %s of x repeat (\"%s\") and AnnData's %s names must not; make them unique first, e.g. %s(x) <- make.unique(%s(x))",
                   what[[2]], what[[1]][anyDuplicated(what[[1]])], what[[3]], what[[2]], what[[2]]),
           call. = FALSE)
    }
  }
  # X once (the layers are the other assays; uns$deepomics_r says which assay X was)
  layers <- lapply(stats::setNames(names, names), function(name) {
    assay_to_py(SummarizedExperiment::assay(x, name, withDimnames = FALSE), name)
  })
  cells <- colnames(x) %||% as.character(seq_len(ncol(x)))
  genes <- rownames(x) %||% as.character(seq_len(nrow(x)))
  reduced <- list()
  reduced_columns <- list()  # the reducedDims' column names, which obsm arrays do not keep
  reduced_keys <- list()     # obsm key -> reducedDim name
  if (is(x, "SingleCellExperiment")) {
    for (name in SingleCellExperiment::reducedDimNames(x)) {
      key <- obsm_key(name)
      if (key %in% names(reduced)) {
        stop(sprintf("two reducedDims of x both become obsm \"%s\"; rename one of them", key),
             call. = FALSE)
      }
      m <- as.matrix(SingleCellExperiment::reducedDim(x, name, withDimnames = FALSE))
      if (!is.null(colnames(m))) reduced_columns[[name]] <- as.list(colnames(m))
      storage.mode(m) <- "double"
      reduced[[key]] <- reticulate::r_to_py(unname(m))
      reduced_keys[[key]] <- name
    }
  }
  metadata <- S4Vectors::metadata(x)
  labels <- names(metadata) %||% rep("", length(metadata))
  plain <- vapply(metadata, is_plain, logical(1)) & nzchar(labels)
  labels[!nzchar(labels)] <- sprintf("[[%d]] (unnamed)", which(!nzchar(labels)))
  if (any(!plain)) {
    warning(sprintf(paste0("metadata %s %s not plain named values (numbers, text, lists of them; ",
                           "NA only in numbers) and %s left out of uns"),
                    paste(sprintf("'%s'", labels[!plain]), collapse = ", "),
                    if (sum(!plain) > 1L) "are" else "is", if (sum(!plain) > 1L) "were" else "was"),
            call. = FALSE)
  }
  uns <- metadata[plain]
  # what predict() wrote, as Python's tl lists it ("obs/<column>", "obsm/X_<name>"); its groups
  # are R's own bookkeeping, keyed by such paths, which HDF5 keys cannot hold
  uns$deepomics_groups <- NULL
  if (!is.null(uns$deepomics_written)) {
    uns$deepomics_written <- as.list(written_paths(uns$deepomics_written, to = "anndata"))
  }
  text_columns <- function(frame) {
    as.list(names(frame)[vapply(as.list(frame), function(v)
      is.character(v) || inherits(v, c("Date", "POSIXt")), logical(1))])
  }
  uns$deepomics_r <- list(X_name = X_name, class = class(x)[[1L]], assays = as.list(names),
                          reduced = reduced_keys,
                          reduced_dims = as.list(if (is(x, "SingleCellExperiment"))
                            SingleCellExperiment::reducedDimNames(x) else character()),
                          text_obs = text_columns(SummarizedExperiment::colData(x)),
                          text_var = text_columns(SummarizedExperiment::rowData(x)),
                          reduced_columns = reduced_columns,
                          metadata = as.list(names(uns)))
  anndata <- reticulate::import("anndata", convert = FALSE)
  adata <- py_call(anndata$AnnData, X = layers[[X_name]]$copy(),
                   obs = frame_to_py(SummarizedExperiment::colData(x), cells, "colData"),
                   var = frame_to_py(SummarizedExperiment::rowData(x), genes, "rowData"),
                   layers = reticulate::dict(layers[setdiff(names, X_name)]),
                   obsm = reticulate::dict(reduced),
                   uns = reticulate::r_to_py(uns))
  tmp <- tempfile(pattern = ".deepomics-", tmpdir = dirname(path), fileext = ".h5ad")
  on.exit(unlink(tmp), add = TRUE)
  dir.create(dirname(path), recursive = TRUE, showWarnings = FALSE)
  py_call(adata$write_h5ad, tmp)
  if (!file.rename(tmp, path)) {
    stop(sprintf("could not move the written file into place at %s", path), call. = FALSE)
  }
  invisible(path)
}

# The entries deepomics wrote (metadata$deepomics_written, uns["deepomics_written"]) in the
# other language's terms: "colData/<column>" <-> "obs/<column>", "reducedDim/<name>" <->
# "obsm/<obsm_key(name)>"; entries with no place on the other side (var, layers, uns) are left
# out. `reduced_names` (obsm key -> reducedDim name) names the reducedDims readH5AD() made.
written_paths <- function(paths, to = c("anndata", "r"), reduced_names = NULL) {
  to <- match.arg(to)
  paths <- as.character(unlist(paths))
  slot <- sub("/.*$", "", paths)
  name <- sub("^[^/]*/", "", paths)
  out <- vapply(seq_along(paths), function(i) {
    switch(paste(to, slot[[i]]),
           "anndata colData" = paste0("obs/", name[[i]]),
           "anndata reducedDim" = paste0("obsm/", obsm_key(name[[i]])),
           "r obs" = paste0("colData/", name[[i]]),
           "r obsm" = paste0("reducedDim/", if (name[[i]] %in% names(reduced_names))
             reduced_names[[name[[i]]]] else reduced_name(name[[i]])),
           NA_character_)
  }, "")
  out[!is.na(out)]
}

# The obsm key of a reducedDim: "X_" and the name in lower case for a name in capitals (PCA,
# UMAP, TSNE: scanpy's X_pca, X_umap), else the name itself (squidpy's "spatial"); Python's
# io.read_r uses the same rule.
obsm_key <- function(name) {
  if (grepl("^[A-Z][A-Z0-9_.]*$", name) && !startsWith(name, "X_")) paste0("X_", tolower(name)) else name
}

# The reducedDim name of an obsm key that writeH5AD() did not name: X_pca as PCA, others as
# they are.
reduced_name <- function(key) {
  if (startsWith(key, "X_")) toupper(substring(key, 3L)) else key
}

# An obsm entry as a cells x k numeric matrix (sparse densified, a data frame's column names
# kept), or NULL for what is not one (text, 1-D or 3-D arrays).
obsm_from_py <- function(m) {
  columns <- NULL
  if (reticulate::py_has_attr(m, "columns")) {  # a pandas DataFrame
    width <- function(df) reticulate::py_to_r(df$shape)[[2L]]
    if (width(m$select_dtypes(include = list("number", "bool"))) != width(m)) return(NULL)
    columns <- character_from_py(m$columns$astype("str")$tolist())
    m <- m$to_numpy(dtype = "float64")
  } else if (reticulate::py_has_attr(m, "toarray")) {  # SciPy sparse
    m <- m$toarray()
  }
  np <- reticulate::import("numpy", convert = FALSE)
  a <- np$asarray(m)
  if (reticulate::py_to_r(a$ndim) != 2L || !(reticulate::py_to_r(a$dtype$kind) %in% c("f", "i", "u", "b"))) {
    return(NULL)
  }
  out <- array_from_py(a)
  storage.mode(out) <- "double"
  colnames(out) <- columns
  out
}

# An AnnData matrix (cells x genes, NumPy or SciPy) as an assay, genes x cells: sparse as a
# dgCMatrix (CSR cells x genes is CSC genes x cells, the same arrays), dense as a base matrix.
assay_from_py <- function(m, genes, cells) {
  if (reticulate::py_has_attr(m, "to_memory")) m <- m$to_memory()  # a backed dataset
  matrix_from_py(m$T, list(genes, cells))
}

# An assay (genes x cells) as a Python matrix cells x genes: a dgCMatrix as SciPy CSR over its
# arrays, a dense matrix as a C-ordered view.
assay_to_py <- function(m, name) {
  if (is(m, "sparseMatrix")) {
    return(csc_to_py(as_dgc(m))$T)
  }
  if (!is.matrix(m)) m <- as.matrix(m)  # DelayedArray and friends
  if (!(is.numeric(m) || is.logical(m))) {
    stop(sprintf("assay '%s' holds %s values; AnnData takes numbers", name, typeof(m)),
         call. = FALSE)
  }
  if (is.logical(m) || (is.integer(m) && anyNA(m))) storage.mode(m) <- "double"  # NA as NaN
  reticulate::r_to_py(unname(m))$T
}

# A pandas DataFrame (obs or var) as an S4Vectors DataFrame with row names `rows`: categories
# become factors (levels kept), numbers numeric, booleans logical, text character, missing NA.
frame_from_py <- function(df, rows) {
  columns <- character_from_py(df$columns$astype("str")$tolist())
  every_row <- reticulate::import_builtins(convert = FALSE)$slice(NULL)
  out <- lapply(seq_along(columns) - 1L, function(j) {
    column <- reticulate::py_get_item(df$iloc, reticulate::tuple(every_row, j))
    kind <- reticulate::py_to_r(column$dtype$kind)
    if (identical(reticulate::py_to_r(column$dtype$name), "category")) {
      levels <- character_from_py(column$cat$categories$astype("str")$tolist())
      codes <- as.integer(reticulate::py_to_r(column$cat$codes$to_numpy()))
      return(factor(levels[ifelse(codes < 0L, NA, codes + 1L)], levels = levels,
                    ordered = isTRUE(reticulate::py_to_r(column$cat$ordered))))
    }
    if (kind %in% c("f", "i", "u")) {
      v <- as.numeric(reticulate::py_to_r(column$to_numpy(dtype = "float64", na_value = NaN)))
      v[is.nan(v)] <- NA
      whole <- kind != "f" && all(is.na(v) | abs(v) <= .Machine$integer.max)
      return(if (whole) as.integer(v) else v)
    }
    values <- reticulate::py_to_r(column$astype("object")$where(column$notna(), NULL)$tolist())
    values[vapply(values, is.null, logical(1))] <- NA
    if (kind == "b" || all(vapply(values, function(v) is.logical(v), logical(1)))) {
      return(as.logical(unlist(values)))
    }
    as.character(unlist(values))
  })
  names(out) <- columns
  frame <- S4Vectors::DataFrame(out, check.names = FALSE)
  if (!length(columns)) frame <- S4Vectors::DataFrame(row.names = rows) else rownames(frame) <- rows
  frame
}

# colData / rowData as a pandas DataFrame indexed by `rows`: factors become categoricals;
# columns that are not plain vectors (nested tables, lists) are left out with a warning.
frame_to_py <- function(frame, rows, what) {
  pandas <- reticulate::import("pandas", convert = FALSE)
  columns <- as.list(frame)
  plain <- vapply(columns, function(v) is.atomic(v) && is.null(dim(v)), logical(1))
  if (any(!plain)) {
    warning(sprintf("%s columns %s are not plain vectors and were left out of the AnnData",
                    what, paste(sprintf("'%s'", names(columns)[!plain]), collapse = ", ")),
            call. = FALSE)
  }
  dates <- names(columns)[plain][vapply(columns[plain], function(v) inherits(v, c("Date", "POSIXt")),
                                          logical(1))]
  if (length(dates)) {
    warning(sprintf("%s columns %s (dates or times) were written as text", what,
                    paste(sprintf("'%s'", dates), collapse = ", ")), call. = FALSE)
  }
  data <- lapply(columns[plain], function(v) {
    if (inherits(v, c("Date", "POSIXt"))) v <- as.character(v)
    if (is.factor(v)) {
      return(pandas$Categorical$from_codes(as_py_vector(ifelse(is.na(v), -1L, as.integer(v) - 1L)),
                                           categories = as.list(levels(v)),
                                           ordered = is.ordered(v)))
    }
    missing_as_none <- function(v) lapply(v, function(e) if (is.na(e)) NULL else e)
    if ((is.logical(v) || is.integer(v)) && anyNA(v)) {  # pandas' nullable types keep NA
      return(pandas$array(missing_as_none(v), dtype = if (is.logical(v)) "boolean" else "Int32"))
    }
    if (is.character(v)) {  # as anndata stores text: categories (NA kept; readH5AD() turns it back)
      levels <- sort(unique(v[!is.na(v)]))
      return(pandas$Categorical$from_codes(as_py_vector(ifelse(is.na(v), -1L, match(v, levels) - 1L)),
                                           categories = as.list(levels)))
    }
    as_py_vector(v)
  })
  pandas$DataFrame(reticulate::dict(data), index = pandas$Index(as.list(rows), dtype = "object"))
}

# A metadata / uns value R and AnnData both hold as is: numbers, text, logicals, lists of them.
# NA only in numbers (AnnData's uns has no missing text or logical).
is_plain <- function(v) {
  if (is.list(v) && is.null(dim(v)) && !is.object(v)) {
    return(length(v) > 0L && all(vapply(v, is_plain, logical(1))))
  }
  is.atomic(v) && is.null(dim(v)) && !is.object(v) && length(v) > 0L &&
    (is.double(v) || !anyNA(v))
}

# The keys of a Python mapping, as text.
py_keys <- function(mapping) {
  keys <- reticulate::import_builtins(convert = FALSE)$list(mapping$keys())
  if (!length(reticulate::py_to_r(keys))) character() else character_from_py(keys)
}

# m[key] of a Python mapping.
py_item <- function(mapping, key) {
  reticulate::py_get_item(mapping, key)
}

# The uns entries R can hold as metadata (numbers, text, logicals and lists of them; 1-d arrays
# as vectors), by name; the others are left out with a warning naming them.
uns_from_py <- function(uns) {
  keys <- setdiff(py_keys(uns), "deepomics_r")
  flat <- function(v) {
    if (is.array(v) && length(dim(v)) == 1L) v <- as.vector(v)
    if (is.list(v) && !is.object(v)) v[] <- lapply(v, flat)
    v
  }
  values <- lapply(stats::setNames(keys, keys), function(key) {
    tryCatch(flat(plain_from_py(py_item(uns, key))), error = function(e) NULL)
  })
  plain <- vapply(values, function(v) !is.null(v) && is_plain(v), logical(1))
  if (any(!plain)) {
    warning(sprintf("uns %s %s not plain values (numbers, text, lists of them) and %s left out of the metadata",
                    paste(sprintf("'%s'", keys[!plain]), collapse = ", "),
                    if (sum(!plain) > 1L) "are" else "is", if (sum(!plain) > 1L) "were" else "was"),
            call. = FALSE)
  }
  values[plain]
}
