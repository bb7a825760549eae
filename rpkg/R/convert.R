# The R <-> Python boundary. Every R object that goes to Python is made ready here, and every
# Python result that comes back is made an R object here; nothing else in the package converts.
#
# Going in: R checks what is R-specific (NA, vectors where one value belongs, factors, S4
# classes); Python checks the values themselves (alphabets, pad modes, ranges) and its messages
# reach the user through py_call().
# Coming back: NumPy arrays keep their index order, so a Python (N, C, L) array is an R array of
# dim c(N, C, L) holding the same value at [n, c, l] (reticulate copies C-ordered data into R's
# column-major layout). SciPy sparse matrices become Matrix dgCMatrix, never dense.

# ---- R -> Python ---------------------------------------------------------------------------

# Sequences from a character vector or an XStringSet: `sequences` (an unnamed character vector,
# which reticulate passes as a list of str, or a str when there is one), `names` (for dimnames;
# NULL when there are none) and `alphabet` (the alphabet the input's class implies).
# The alphabet of sequences from as_py_sequences(), with character vectors that hold U and no T
# read as RNA (a character vector carries no alphabet of its own).
rna_if_u <- function(seqs) {
  if (!identical(seqs$alphabet, "dna")) {
    return(seqs$alphabet)
  }
  text <- paste(utils::head(seqs$sequences, 1000), collapse = "")
  if (grepl("[Uu]", text) && !grepl("[Tt]", text)) "rna" else "dna"
}

as_py_sequences <- function(x, arg = "x") {
  if (is(x, "XStringSet")) {
    alphabet <- if (is(x, "DNAStringSet")) {
      "dna"
    } else if (is(x, "RNAStringSet")) {
      "rna"
    } else if (is(x, "AAStringSet")) {
      "protein"
    } else {
      "dna"
    }
    return(list(sequences = unname(as.character(x)), names = names(x), alphabet = alphabet))
  }
  if (is.character(x)) {
    if (anyNA(x)) {
      stop(sprintf("%s[%d] is NA; sequences must be strings", arg, which(is.na(x))[[1L]]),
           call. = FALSE)
    }
    check_not_path(x, arg)
    return(list(sequences = unname(as.vector(x)), names = names(x), alphabet = "dna"))
  }
  stop(sprintf(
    paste0("%s must be a character vector, a DNAStringSet, RNAStringSet or AAStringSet, or a ",
           "GRanges with genome = its FASTA file; not %s"),
    arg, class_label(x)
  ), call. = FALSE)
}

# A single string that names a file (it ends like a FASTA file, or it is an existing file's path
# and not made of sequence letters alone) is refused, saying to read the file: its name would
# be read as letters.
check_not_path <- function(x, arg) {
  if (length(x) != 1L) {
    return(invisible())
  }
  fasta <- grepl("\\.(fa|fasta|fna|ffn|faa|frn|fas|fsa|seq)(\\.b?gz)?$", x, ignore.case = TRUE)
  # data files that are not FASTA, by ending, and what reads each
  readers <- c(h5ad = "readH5AD", rds = "readRDS", rda = "load", rdata = "load",
               csv = "read.csv", tsv = "read.delim")
  ending <- tolower(sub("^.*\\.", "", sub("\\.gz$", "", x, ignore.case = TRUE)))
  data <- grepl(".", x, fixed = TRUE) && ending %in% names(readers)
  # text of sequence letters but '.' (file names hold dots, sequences seldom): a sequence even
  # when a file has that name; Python's seq.looks_like_path uses the same rule
  if (fasta || data || (!grepl("^[A-Za-z*+-]*$", x) && file.exists(x) && !dir.exists(x))) {
    reader <- if (data) readers[[ending]] else "readFasta"
    stop(sprintf(paste0(
      "%s is a file's path (\"%s\"), not a sequence; read the file first: %s(\"%s\")%s"),
      arg, x, reader, x, if (file.exists(x)) "" else " (there is no such file here)"), call. = FALSE)
  }
  invisible()
}

# The generics take `...` so that methods may add arguments; a misspelt argument must not
# vanish into it.
check_dots_empty <- function(...) {
  n <- ...length()
  if (n) {
    labels <- ...names() %||% character(n)
    labels[is.na(labels) | !nzchar(labels)] <- "an unnamed argument"
    stop(sprintf("unknown argument%s: %s", if (n > 1L) "s" else "", paste(labels, collapse = ", ")),
         call. = FALSE)
  }
}

# TRUE or FALSE.
py_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    stop(sprintf("%s must be TRUE or FALSE, not %s", arg, value_label(x)), call. = FALSE)
  }
  x
}

# NULL, or a whole number passed as a Python int.
py_count <- function(x, arg, null_ok = TRUE) {
  if (is.null(x) && null_ok) {
    return(NULL)
  }
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || x != round(x) || abs(x) > .Machine$integer.max) {
    stop(sprintf("%s must be a whole number%s, not %s", arg,
                 if (null_ok) " or NULL" else "", value_label(x)), call. = FALSE)
  }
  as.integer(x)
}

# One string.
py_string <- function(x, arg) {
  if (!is.character(x) || length(x) != 1L || is.na(x)) {
    stop(sprintf("%s must be a single string, not %s", arg, value_label(x)), call. = FALSE)
  }
  x
}

# An R vector as a 1-d NumPy array (reticulate passes a plain vector as a list, and one of
# length 1 as a scalar); numeric vectors share R's memory.
as_py_vector <- function(v) {
  dim(v) <- length(v)
  reticulate::r_to_py(v)
}

# A file path, with ~ expanded (Python does not expand it).
py_path <- function(x, arg = "path") {
  path.expand(py_string(x, arg))
}

class_label <- function(x) {
  paste0("an object of class ", paste(class(x), collapse = "/"))
}

value_label <- function(x) {
  if (is.null(x)) {
    return("NULL")
  }
  if (is.atomic(x) && length(dim(x)) == 2L) {
    return(sprintf("a %d x %d %s matrix", nrow(x), ncol(x), typeof(x)))
  }
  if (is.atomic(x) && length(x) == 1L) {
    return(deparse(x))
  }
  if (is.atomic(x)) {
    return(sprintf("a %s vector of length %d", typeof(x), length(x)))
  }
  class_label(x)
}

# ---- Python -> R ---------------------------------------------------------------------------

# A NumPy array as an R array of the same dim and index order, with `dimnames`.
# float32/float16 become double, int32 becomes integer.
array_from_py <- function(a, dimnames = NULL) {
  out <- reticulate::py_to_r(a)
  if (!is.null(dimnames)) {
    dimnames(out) <- dimnames
  }
  out
}

# A Python list of str (or one str) as a character vector.
character_from_py <- function(x) {
  out <- reticulate::py_to_r(x)
  if (is.list(out)) {
    out <- as.character(unlist(out))
  }
  as.character(out)
}

# A SciPy sparse matrix as a Matrix dgCMatrix, without a dense copy. Built from the CSC arrays
# directly: reticulate's own scipy converters look up the matrix shape through S3 classes that
# SciPy >= 1.11 renamed, and produce dgRMatrix for CSR input.
sparse_from_py <- function(m, dimnames = list(NULL, NULL)) {
  csc <- m$tocsc()
  csc$sort_indices()
  shape <- as.integer(unlist(reticulate::py_to_r(csc$shape)))
  methods::new(
    "dgCMatrix",
    i = as.integer(reticulate::py_to_r(csc$indices)),
    p = as.integer(reticulate::py_to_r(csc$indptr)),
    x = as.double(reticulate::py_to_r(csc$data)),
    Dim = shape,
    Dimnames = dimnames
  )
}

# A dense NumPy matrix or a SciPy sparse one, as an R matrix or a dgCMatrix.
matrix_from_py <- function(m, dimnames) {
  if (reticulate::py_has_attr(m, "tocsc")) {
    sparse_from_py(m, dimnames)
  } else {
    array_from_py(m, dimnames)
  }
}

# ---- models' inputs (R -> Python) ------------------------------------------------------------
#
# Orientation is fixed here and nowhere else: models take samples x features. A base matrix,
# a dgCMatrix and a data.frame are samples x features already (rows are samples, as in
# model.matrix(), caret and keras); a SummarizedExperiment's assay is features x samples and is
# transposed here, once, as a view: the dense assay is a Fortran-ordered NumPy view whose .T is
# C-ordered, and a dgCMatrix becomes a SciPy CSC matrix on R's own vectors whose .T is the
# samples x features CSR matrix without a copy. Sparse data is never made dense here (Python
# densifies one batch at a time). A reducedDim of a SingleCellExperiment is cells x dimensions
# and goes in as it is.

# The model inputs from `x`: a list with `x` (the Python object, samples first), `kind`
# ("sequences", "features" or "onehot"), `n` (samples), `names` (sample names or NULL),
# `features` (feature names or NULL), `alphabet` (for sequences: the one the class implies, NULL
# for a character vector; for a one-hot array: the one its channel names say) and `source` (list(assay =, dimred =): where an SE's matrix came from).
# A GRanges becomes Python's GenomeIntervals over the FASTA file `genome`: its sequences are
# read a batch at a time while the model trains or predicts.
# `features`, when given, are the feature names a model was trained on: a matrix or SE holding
# them in another order is reordered to match, one missing some of them is an error.
as_py_inputs <- function(x, assay = NULL, dimred = NULL, features = NULL, genome = NULL,
                         arg = "x") {
  py_deepomics()  # deepomics' Python, before reticulate converts anything (or starts its own)
  if (is(x, "SummarizedExperiment")) {
    return(se_inputs(x, assay, dimred, features, arg))
  }
  if (!is.null(assay) || !is.null(dimred)) {
    stop(sprintf("assay and dimred apply to a SummarizedExperiment or SingleCellExperiment; %s is %s",
                 arg, class_label(x)), call. = FALSE)
  }
  if (is(x, "GRanges")) {
    regions <- genome_intervals_to_py(x, genome, arg)
    return(list(x = regions$x, kind = "sequences", n = length(x), names = regions$names,
                features = NULL, alphabet = "dna", source = list()))
  } else if (!is.null(genome)) {
    stop(sprintf("genome applies to genomic intervals (a GRanges); %s is %s", arg, class_label(x)),
         call. = FALSE)
  }
  if (is.character(x) || is(x, "XStringSet")) {
    seqs <- as_py_sequences(x, arg)
    if (!length(seqs$sequences)) {
      stop(sprintf("%s holds no sequences", arg), call. = FALSE)
    }
    # A list, even of one: a lone Python str could be taken for a FASTA path.
    py <- reticulate::r_to_py(if (length(seqs$sequences) == 1L) as.list(seqs$sequences) else seqs$sequences)
    # a character vector of U and no T is RNA, as oneHot() and kmerCounts() read it
    alphabet <- if (is(x, "XStringSet")) seqs$alphabet else if (identical(rna_if_u(seqs), "rna")) "rna"
    return(list(x = py, kind = "sequences", n = length(seqs$sequences), names = seqs$names,
                features = NULL, alphabet = alphabet, source = list()))
  }
  if (is.data.frame(x)) {
    numeric <- vapply(x, function(column) is.numeric(column) || is.logical(column), logical(1))
    if (!all(numeric)) {
      stop(sprintf("%s is a data.frame with non-numeric columns (%s); models take numbers: ",
                   arg, paste(utils::head(names(x)[!numeric], 5), collapse = ", ")),
           "encode them (e.g. model.matrix()) or drop them", call. = FALSE)
    }
    x <- as.matrix(x)
  }
  if (is(x, "sparseMatrix")) {
    x <- as_dgc(x)
    x <- align_features(x, colnames(x), features, arg, function(m, j) m[, j, drop = FALSE],
                        rows = rownames(x))
    check_no_na(x, arg)
    return(list(x = csc_to_py(x), kind = "features", n = nrow(x), names = rownames(x),
                features = colnames(x), alphabet = NULL, source = list()))
  }
  if (is.array(x) && (is.numeric(x) || is.logical(x))) {
    if (length(dim(x)) == 3L) {
      check_no_na(x, arg)
      x <- standard_channels(x)
      return(list(x = reticulate::r_to_py(x), kind = "onehot", n = dim(x)[[1L]],
                  names = dimnames(x)[[1L]], features = NULL,
                  alphabet = onehot_alphabet(dimnames(x)[[2L]]), source = list()))
    }
    if (length(dim(x)) == 2L) {
      x <- align_features(x, colnames(x), features, arg, function(m, j) m[, j, drop = FALSE],
                          rows = rownames(x))
      check_no_na(x, arg)
      return(list(x = reticulate::r_to_py(x), kind = "features", n = nrow(x), names = rownames(x),
                  features = colnames(x), alphabet = NULL, source = list()))
    }
  }
  stop(sprintf(paste0(
    "%s must be sequences (a character vector, DNAStringSet, RNAStringSet or AAStringSet), a ",
    "samples x features matrix (base, data.frame or dgCMatrix), a one-hot array from oneHot(), ",
    "or a SummarizedExperiment / SingleCellExperiment; not %s"), arg, class_label(x)),
    call. = FALSE)
}

# The channel letters of a one-hot array [sequence, channel, position] (upper case), or NULL
# when its channels are not named by single letters.
onehot_channels <- function(x) {
  channels <- dimnames(x)[[2L]]
  if (is.null(channels) || anyNA(channels) || any(nchar(channels) != 1L)) {
    return(NULL)
  }
  toupper(channels)
}

# A one-hot array whose channels are the letters of the DNA, RNA or protein alphabet in another
# order (oneHot(x, alphabet = "TGCA")), with its channels in that alphabet's order: Python reads
# the channels by position.
standard_channels <- function(x) {
  channels <- onehot_channels(x)
  if (is.null(channels) || anyDuplicated(channels)) {
    return(x)
  }
  for (alphabet in c("dna", "rna", "protein")) {
    letters <- alphabet_letters(alphabet)
    if (length(letters) == length(channels) && setequal(letters, channels)) {
      return(reorder_channels(x, channels, letters))
    }
  }
  x
}

# `x` with its channels (named `channels`) in the order of `letters`.
reorder_channels <- function(x, channels, letters) {
  if (identical(channels, letters)) {
    return(x)
  }
  x <- x[, match(letters, channels), , drop = FALSE]
  dimnames(x)[[2L]] <- letters
  x
}

# A one-hot array `x` for a model that reads the `alphabet` (a name or a string of letters): its
# channels reordered by name to the model's letters, or an error naming both when they are other
# letters. An array without letter names is taken as it is (in the model's order).
model_channels <- function(x, alphabet, arg = "x") {
  if (!is.array(x) || length(dim(x)) != 3L || !(is.numeric(x) || is.logical(x))) {
    return(x)
  }
  channels <- onehot_channels(x)
  if (is.null(channels)) {
    return(x)
  }
  letters <- alphabet_letters(alphabet)
  if (length(channels) == length(letters) && !anyDuplicated(channels) &&
      setequal(channels, letters)) {
    return(reorder_channels(x, channels, letters))
  }
  hint <- if (setequal(channels, alphabet_letters("rna")) && identical(alphabet, "dna")) {
    " (RNA's U for DNA's T: encode the sequences with oneHot(x, alphabet = \"dna\"), or train an RNA model)"
  } else if (setequal(channels, alphabet_letters("dna")) && identical(alphabet, "rna")) {
    " (DNA's T for RNA's U: encode the sequences with oneHot(x, alphabet = \"rna\"), or train a DNA model)"
  } else {
    sprintf(" (encode the sequences with oneHot(x, alphabet = \"%s\"))", alphabet)
  }
  stop(sprintf(paste0(
    "%s is a one-hot array whose channels are %s, but the model reads %s (its \"%s\" alphabet)%s"),
    arg, paste(channels, collapse = ", "), paste(letters, collapse = ", "), alphabet, hint),
    call. = FALSE)
}

# The alphabet a one-hot array's channel names (from oneHot(): A, C, G, U; the 20 amino acids)
# say: "dna", "rna", "protein", or its letters as a string; NULL without single-letter names.
onehot_alphabet <- function(channels) {
  if (is.null(channels) || anyNA(channels) || any(nchar(channels) != 1L)) {
    return(NULL)
  }
  channels <- toupper(channels)
  for (alphabet in c("dna", "rna", "protein")) {
    if (identical(channels, alphabet_letters(alphabet))) return(alphabet)
  }
  paste(channels, collapse = "")
}

# A warning when the names of `x` (as_py_inputs()'s `inputs`) say it is transposed: sample
# names like Ensembl genes, or feature names like cell barcodes. Python's check_orientation()
# judges; the fix is said as R does it. Genes can be the samples on purpose, hence a warning.
check_orientation <- function(x, inputs, arg = "x") {
  if (!identical(inputs$kind, "features") || !is.null(inputs$source$dimred)) {
    return(invisible())
  }
  fix <- if (is(x, "SummarizedExperiment")) {
    "a SummarizedExperiment is genes x cells (one column per cell): build it from the transposed assay"
  } else {
    "a matrix is samples x features (one row per sample): pass t(x)"
  }
  check <- py_deepomics(torch = TRUE)$train$data$check_orientation
  first <- function(names) as.list(utils::head(names, 1000L))  # all it looks at; a list, even of one
  py_call(check, first(inputs$names), first(inputs$features), fix, arg)
  invisible()
}

se_inputs <- function(x, assay, dimred, features, arg) {
  if (!is.null(assay) && !is.null(dimred)) {
    stop("give assay or dimred, not both", call. = FALSE)
  }
  if (!is.null(dimred)) {
    if (!is(x, "SingleCellExperiment")) {
      stop(sprintf("dimred needs a SingleCellExperiment; %s is %s", arg, class_label(x)),
           call. = FALSE)
    }
    available <- SingleCellExperiment::reducedDimNames(x)
    if (!(is.character(dimred) && length(dimred) == 1L && dimred %in% available)) {
      stop(sprintf("dimred = %s is not a reducedDim of %s (it has: %s)", value_label(dimred), arg,
                   if (length(available)) paste(available, collapse = ", ") else "none"),
           call. = FALSE)
    }
    m <- SingleCellExperiment::reducedDim(x, dimred, withDimnames = FALSE)
    m <- as.matrix(m)
    dims <- colnames(m)
    m <- align_features(m, dims, features, arg, function(m, j) m[, j, drop = FALSE])
    check_no_na(m, arg)
    return(list(x = reticulate::r_to_py(m), kind = "features", n = ncol(x), names = colnames(x),
                features = colnames(m), alphabet = NULL, source = list(dimred = dimred)))
  }
  assay <- assay_name(x, assay, arg)
  m <- SummarizedExperiment::assay(x, assay, withDimnames = FALSE)
  genes <- rownames(x)
  if (!is.null(features) && !identical(genes, features)) {  # (unnamed: a warning)
    x <- align_features(x, genes, features, arg, function(se, i) se[i, ])
    m <- SummarizedExperiment::assay(x, assay, withDimnames = FALSE)
    genes <- rownames(x)
  }
  if (is(m, "sparseMatrix")) {
    m <- as_dgc(m)
    check_no_na(m, arg)
    py <- csc_to_py(m)$T                 # features x samples CSC -> samples x features CSR, a view
  } else if (is.matrix(m) && (is.numeric(m) || is.logical(m))) {
    check_no_na(m, arg)
    py <- reticulate::r_to_py(m)$T       # Fortran-ordered view -> C-ordered view
  } else {
    stop(sprintf(paste0(
      "assay '%s' of %s is %s; deepomics takes a base matrix or a sparse Matrix assay. Convert ",
      "it first, e.g. as(assay, \"dgCMatrix\") for a sparse one, as.matrix() for a small dense one"),
      assay, arg, class_label(m)), call. = FALSE)
  }
  list(x = py, kind = "features", n = ncol(x), names = colnames(x), features = genes,
       alphabet = NULL, source = list(assay = assay))
}

# The assay to use: the one named, else "logcounts" for a SingleCellExperiment that has it,
# else the first; its name (a number only for an unnamed assay).
assay_name <- function(x, assay, arg) {
  available <- SummarizedExperiment::assayNames(x)
  n <- length(SummarizedExperiment::assays(x))
  if (!n) {
    stop(sprintf("%s has no assays", arg), call. = FALSE)
  }
  if (is.null(assay)) {
    if (is(x, "SingleCellExperiment") && "logcounts" %in% available) {
      return("logcounts")
    }
    return(if (length(available) && nzchar(available[[1L]])) available[[1L]] else 1L)
  }
  if (is.character(assay) && length(assay) == 1L && assay %in% available) {
    return(assay)
  }
  if (is.numeric(assay) && length(assay) == 1L && assay >= 1 && assay <= n && assay == round(assay)) {
    # by its name where it has one: what a saved model can find again
    named <- length(available) >= assay && nzchar(available[[assay]])
    return(if (named) available[[assay]] else as.integer(assay))
  }
  stop(sprintf("assay = %s is not an assay of %s (it has: %s)", value_label(assay), arg,
               if (length(available)) paste(available, collapse = ", ") else paste(n, "unnamed")),
       call. = FALSE)
}

# Refuses to train on an unnamed assay other than the first (`inputs` from as_py_inputs()): a
# model keeps the name of its assay, and without one a saved model would read the first assay.
check_assay_named <- function(inputs, arg = "x") {
  assay <- inputs$source$assay
  if (is.numeric(assay) && assay > 1L) {
    stop(sprintf(paste0(
      "assay %d of %s has no name, so a saved model could not find it again (it would read the ",
      "first assay); name the assays first, e.g. assayNames(%s) <- c(\"counts\", \"logcounts\"), ",
      "and pass assay = the name"), assay, arg, arg), call. = FALSE)
  }
  invisible(inputs)
}

# A sparse Matrix as a dgCMatrix (sparse: a triplet, symmetric or pattern matrix is converted,
# never densified).
as_dgc <- function(m) {
  if (is(m, "dgCMatrix")) {
    return(m)
  }
  m <- methods::as(m, "CsparseMatrix")
  m <- methods::as(m, "generalMatrix")
  methods::as(m, "dMatrix")
}

# A dgCMatrix as a SciPy CSC matrix over R's vectors. reticulate shares memory only with R
# arrays (vectors with a dim attribute), so each slot vector is copied once in R to get one:
# O(nonzeros), never dense. The CSC matrix and its transpose then share those NumPy arrays.
csc_to_py <- function(m) {
  sp <- reticulate::import("scipy.sparse", convert = FALSE)
  sp$csc_matrix(reticulate::tuple(as_py_vector(m@x), as_py_vector(m@i), as_py_vector(m@p)),
                shape = reticulate::tuple(nrow(m), ncol(m)))
}

# `m` with its features in the order `features` gives (a model's training features), by
# `subset(m, j)`; `m` itself when they already match or either side has no names. `rows`: the
# names along a matrix's other side, where the features are when it is the wrong way round.
align_features <- function(m, have, features, arg, subset, rows = NULL) {
  # a repeated name matters only when the model needs it (HVGs out of 10x's repeated symbols)
  repeated <- if (!is.null(features) && !is.null(have) && !identical(have, features)) {
    intersect(features, have[duplicated(have)])
  }
  if (length(repeated)) {
    stop(sprintf(paste0(
      "%s has features of the same name (e.g. %s), which cannot be matched to the model's by ",
      "name; make the names unique (make.unique()) or drop the repeats"), arg,
      repeated[[1L]]), call. = FALSE)
  }
  transposed <- !is.null(features) && !is.null(rows) && all(features %in% rows)
  if (!is.null(features) && is.null(have) && transposed) {
    stop(sprintf(paste0(
      "%s has no feature names but its rows are named by the model's features: a matrix is ",
      "samples x features, so pass t(%s), or the SummarizedExperiment itself"), arg, arg),
      call. = FALSE)
  }
  if (!is.null(features) && is.null(have)) {
    warning(sprintf(paste0(
      "%s has no feature names, so its columns are taken as the model's features in training ",
      "order (%s, ...); name them (colnames, or rownames of a SummarizedExperiment) to have them ",
      "matched by name"), arg, paste(utils::head(features, 3), collapse = ", ")),
      call. = FALSE)
  }
  if (is.null(features) || is.null(have) || identical(have, features)) {
    return(m)
  }
  j <- match(features, have)
  if (anyNA(j)) {
    missing <- features[is.na(j)]
    fix <- if (transposed) {
      sprintf(paste0("; they are its rows: a matrix is samples x features, so pass t(%s), or ",
                     "the SummarizedExperiment itself"), arg)
    } else {
      "; give data with the same features"
    }
    stop(sprintf("%s lacks %d of the %d features the model was trained on (e.g. %s)%s", arg,
                 length(missing), length(features), paste(utils::head(missing, 5), collapse = ", "),
                 fix), call. = FALSE)
  }
  subset(m, j)
}

# NA, and Inf or values beyond float32's range (3.4e38, what models compute in): reported here,
# in the user's orientation, not after the transpose to samples x features.
check_no_na <- function(values, arg) {
  stored <- if (is(values, "dgCMatrix")) values@x else values  # (a dgCMatrix: its non-zeros)
  bad <- if (anyNA(stored)) "NA values" else if (is.numeric(stored) && any(abs(stored) > 3.4e38))
    "infinite values (or beyond float32's 3.4e38)"
  if (is.null(bad)) {
    return(invisible())
  }
  at <- if (identical(bad, "NA values")) is.na(stored) else abs(stored) > 3.4e38
  where <- if (is(values, "dgCMatrix")) {
    k <- which(at)[[1L]] - 1L  # 0-based place among the non-zeros: row i[k], column by p
    sprintf(" (first at [%d, %d])", values@i[[k + 1L]] + 1L, findInterval(k, values@p))
  } else if (is.array(values) && length(dim(values)) >= 2L) {
    paste0(" (first at [", paste(which(at, arr.ind = TRUE)[1L, ], collapse = ", "), "])")
  } else {
    sprintf(" (first at [%d])", which(at)[[1L]])
  }
  stop(sprintf("%s holds %s%s; %s first", arg, bad, where,
               if (identical(bad, "NA values")) "impute or drop them" else "drop or rescale them"),
       call. = FALSE)
}

# ---- labels (R -> Python) --------------------------------------------------------------------

# Labels for `n` samples: NULL (none: an autoencoder), a factor (its levels, in order, become the
# model's classes: it goes as a pandas Categorical, which reticulate's own conversion would turn
# into a plain list and lose the levels), a character or logical vector (a factor of its sorted
# values), a numeric vector (Python infers binary / multiclass / regression), a numeric matrix
# (samples x outputs: multilabel 0/1 or several regression targets, named by its colnames), or,
# with a SummarizedExperiment `x`, the name of a colData column (with a GRanges, of a metadata
# column). `classes`: a classifier's classes (when trained), which numbers may stand for (and
# text, for classes that are numbers).
# Labels named by the samples' names in another order would be taken by position, silently
# misaligned (Python refuses a pandas index out of order too): refused, saying how to align.
check_label_order <- function(y, x, arg) {
  labels <- if (is.matrix(y) || is.data.frame(y)) rownames(y) else names(y)
  # (a one-hot array from oneHot() names its samples in dimnames(x)[[1]])
  samples <- if (is(x, "SummarizedExperiment")) colnames(x) else
    if (length(dim(x)) >= 2L) dimnames(x)[[1L]] else names(x)
  if (is.null(labels) || is.null(samples) || length(labels) != length(samples) ||
      anyDuplicated(samples) || identical(as.character(labels), as.character(samples)) ||
      !setequal(labels, samples)) {
    return(invisible())
  }
  first <- which(as.character(labels) != as.character(samples))[[1L]]
  by <- if (is.matrix(y) || is.data.frame(y)) "rownames" else "names"
  stop(sprintf(paste0(
    "%s's %s are the samples' names in another order (at %d: %s %s, the data %s); labels are ",
    "taken by position: put them in the samples' order (%s) or drop the names"), arg, by, first,
    arg, labels[[first]], samples[[first]],
    if (by == "names") sprintf("%s[%s]", arg, if (is(x, "SummarizedExperiment")) "colnames(x)"
                               else if (length(dim(x)) == 2L) "rownames(x)"
                               else if (length(dim(x)) > 2L) "dimnames(x)[[1]]" else "names(x)")
    else sprintf("%s[%s, ]", arg, if (is(x, "SummarizedExperiment")) "colnames(x)"
                 else if (length(dim(x)) > 2L) "dimnames(x)[[1]]" else "rownames(x)")),
    call. = FALSE)
}

as_py_labels <- function(y, x, n, arg = "y", classes = NULL) {
  if (is.null(y)) {
    return(NULL)
  }
  column <- NULL  # the colData / mcols column the labels come from, for the hints below
  if (is(x, "SummarizedExperiment") && is.character(y) && length(y) == 1L && n != 1L) {
    column <- y
    columns <- colnames(SummarizedExperiment::colData(x))
    if (!y %in% columns) {
      stop(sprintf("%s = \"%s\" is not a colData column (they are: %s)", arg, y,
                   if (length(columns)) paste(utils::head(columns, 20), collapse = ", ") else "none"),
           call. = FALSE)
    }
    y <- SummarizedExperiment::colData(x)[[y]]
  }
  if (is(x, "GRanges") && is.character(y) && length(y) == 1L && n != 1L) {
    columns <- colnames(S4Vectors::mcols(x))
    if (!y %in% columns) {
      stop(sprintf("%s = \"%s\" is not a metadata column of the GRanges (they are: %s)", arg, y,
                   if (length(columns)) paste(utils::head(columns, 20), collapse = ", ") else "none"),
           call. = FALSE)
    }
    y <- S4Vectors::mcols(x)[[y]]
  }
  if (is(y, "DataFrame")) {  # colData columns (S4Vectors' DataFrame) as several targets
    y <- as.data.frame(y, optional = TRUE)
  }
  check_label_order(y, x, arg)
  # numbers for a trained model whose classes are their text (a factor of numbers, e.g.
  # factor(c(0, 1))): 2 means the class "2"
  if (is.numeric(y) && is.null(dim(y)) && is.character(classes) &&
      all(as.character(unique(y[!is.na(y)])) %in% classes)) {
    y <- factor(as.character(y), levels = classes)
  }
  # text (or TRUE / FALSE) for a trained model whose classes are numbers (labels 0 / 1): "1"
  # means the class 1, when every label's text is one class's
  if (is.numeric(classes) && is.null(dim(y)) && (is.factor(y) || is.character(y) || is.logical(y)) &&
      !anyDuplicated(as.character(classes))) {
    j <- match(as.character(if (is.logical(y)) as.numeric(y) else y), as.character(classes))
    if (!anyNA(j[!is.na(y)])) y <- classes[j]
  }
  if (is.matrix(y) || is.data.frame(y)) {
    y <- as.matrix(y)
    if (!(is.numeric(y) || is.logical(y))) {
      stop(sprintf("%s as a matrix must be numeric (samples x outputs)", arg), call. = FALSE)
    }
    if (nrow(y) != n) {
      stop(sprintf("%s has %d rows but there are %d samples%s", arg, nrow(y), n,
                   transposed_hint(x, nrow(y))), call. = FALSE)
    }
    check_no_na(y, arg)
    storage.mode(y) <- "double"
    pd <- reticulate::import("pandas", convert = FALSE)
    columns <- colnames(y) %||% as.character(seq_len(ncol(y)))
    return(pd$DataFrame(reticulate::r_to_py(unname(y)), columns = as.list(columns)))
  }
  if (is.logical(y)) {
    y <- factor(y, levels = c(FALSE, TRUE))
  } else if (is.character(y)) {
    y <- factor(y)
  }
  if (!(is.factor(y) || is.numeric(y)) || !is.null(dim(y))) {
    stop(sprintf(paste0(
      "%s must be a factor, a character, logical or numeric vector, a numeric matrix%s; not %s"),
      arg, if (is(x, "SummarizedExperiment")) " or the name of a colData column" else "",
      class_label(y)), call. = FALSE)
  }
  if (length(y) != n) {
    stop(sprintf("%s has %d labels but there are %d samples; give one label per sample, in order%s",
                 arg, length(y), n, transposed_hint(x, length(y))), call. = FALSE)
  }
  if (anyNA(y)) {
    keep <- if (is.null(column)) sprintf("labelled <- !is.na(%s); trainModel(model, x[labelled], %s[labelled], ...)", arg, arg)
            else sprintf("trainModel(model, x[, !is.na(x$%s)], \"%s\", ...)", column, column)
    stop(sprintf(paste0(
      "%s[%d] is NA (%d of %d labels are); train on the labelled samples, e.g. %s, then ",
      "predict(model, x) predicts every sample, the unlabelled ones included (label transfer)"),
      if (is.null(column)) arg else sprintf("x$%s", column), which(is.na(y))[[1L]],
      sum(is.na(y)), length(y), keep), call. = FALSE)
  }
  if (is.factor(y)) {
    pd <- reticulate::import("pandas", convert = FALSE)
    return(pd$Categorical$from_codes(as_py_vector(as.integer(y) - 1L),
                                     categories = as.list(levels(y)), ordered = is.ordered(y)))
  }
  as_py_vector(y)
}

# The groups of a validation split (e.g. seqnames(gr), the chromosomes) as a NumPy vector: an
# Rle or factor as text, NA refused here (reticulate would pass it on as the text "NA", a group).
as_py_groups <- function(groups, arg = "groups") {
  if (is(groups, "Rle") || is.factor(groups)) {
    groups <- as.character(groups)
  }
  if (!is.atomic(groups) || !is.null(dim(groups))) {
    stop(sprintf("%s must be a vector of one group per sample (e.g. the chromosomes), not %s",
                 arg, class_label(groups)), call. = FALSE)
  }
  if (anyNA(groups)) {
    stop(sprintf("%s[%d] is NA; %d of the groups are missing in all: drop those samples or fill ",
                 arg, which(is.na(groups))[[1L]], sum(is.na(groups))),
         "their groups in", call. = FALSE)
  }
  as_py_vector(groups)
}

# A trained classifier's classes (NULL for other models): what numbers given as labels may name.
model_classes <- function(model) {
  if (isTRUE(model@task %in% c("binary", "multiclass"))) model@classes
}

# When the labels' count `m` is the data's other dimension, the data is likely transposed: say so.
transposed_hint <- function(x, m) {
  if (is(x, "SummarizedExperiment") && nrow(x) == m) {
    sprintf("; the data has %d rows: a SummarizedExperiment is genes x samples (one column per sample)", m)
  } else if ((is.matrix(x) || is.data.frame(x) || is(x, "Matrix")) && length(dim(x)) == 2L &&
             ncol(x) == m) {
    sprintf("; the data has %d columns: if it is features x samples, transpose it with t()", m)
  } else {
    ""
  }
}

# ---- model configs (R -> Python) -------------------------------------------------------------

# A model config (a named list) as a Python dict. NA stands for Python's None (reticulate would
# turn a logical NA into True and an integer NA into -2147483648); vectors become lists, so a
# one-element vector is a number, which the registry takes for a one-element list where a list
# belongs.
config_to_py <- function(config) {
  config <- lapply(config, function(value) {
    if (is.atomic(value) && length(value) == 1L && is.na(value)) NULL else value
  })
  # list(a = NULL) keeps the key; lapply's NULL results are kept as list elements.
  py_deepomics()
  reticulate::r_to_py(config)
}

# ---- Python -> R: models, tables, predictions ------------------------------------------------

# A Python value (dict, list, scalar) as plain R: dicts are named lists, lists of scalars of one
# type vectors, None NULL.
plain_from_py <- function(x) {
  if (inherits(x, "python.builtin.object")) {
    x <- reticulate::py_to_r(x)
  }
  simplify <- function(v) {
    if (is.list(v)) {
      v <- lapply(v, simplify)
      scalars <- vapply(v, function(e) is.atomic(e) && length(e) == 1L, logical(1))
      if (length(v) && is.null(names(v)) && all(scalars)) {
        v <- unlist(v)
      }
    }
    v
  }
  simplify(x)
}

# A pandas DataFrame as a data.frame with default row names, column by column (reticulate's own
# DataFrame conversion calls pandas' deprecated Index.format and warns).
table_from_py <- function(df) {
  columns <- reticulate::py_to_r(df$to_dict(orient = "list"))
  columns <- lapply(columns, function(values) {
    values[vapply(values, is.null, logical(1))] <- NA
    unlist(values, use.names = FALSE)
  })
  as.data.frame(columns, stringsAsFactors = FALSE, optional = TRUE)
}

# What R keeps of a fitted Python model: its full config, task, classes, input feature names,
# encoding, training history (epochs counted from 1) and number of weights.
model_info_from_py <- function(py) {
  bi <- reticulate::import_builtins(convert = FALSE)
  get <- function(name) reticulate::py_to_r(bi$getattr(py, name, NULL))
  encoding <- reticulate::py_get_attr(py, "encoding", silent = TRUE)
  history <- reticulate::py_get_attr(py, "history", silent = TRUE)
  best <- get("best_epoch")
  n_params <- reticulate::py_eval("lambda m: int(sum(p.numel() for p in m.parameters()))")(py)
  list(
    config = plain_from_py(py$config),
    task = get("task") %||% NA_character_,
    classes = plain_from_py(bi$getattr(py, "classes", NULL)),
    features = plain_from_py(bi$getattr(py, "feature_names", NULL)),
    encoding = if (!is.null(encoding) && !is_py_none(encoding)) {
      plain_from_py(encoding$to_dict())
    } else {
      list()
    },
    history = if (!is.null(history) && !is_py_none(history)) {
      h <- table_from_py(history)
      if ("epoch" %in% names(h)) h$epoch <- as.integer(h$epoch) + 1L
      h
    } else {
      data.frame()
    },
    best_epoch = if (is.null(best)) NA_integer_ else as.integer(best) + 1L,
    monitor = get("monitor") %||% NA_character_,  # the metric that chose best_epoch
    n_params = as.numeric(n_params)
  )
}

# Predictions (a NumPy array from Python's train.predict) as R: for classification a matrix of
# probabilities, samples x classes, columns named by the classes (binary: both columns, the
# second being Python's (N,) probability of classes[2]); for regression a vector (one target)
# or a samples x targets matrix; for an autoencoder the reconstruction, samples x features.
# Rows are named by `names`.
predictions_from_py <- function(out, model, names = NULL, features = NULL) {
  values <- reticulate::py_to_r(out)
  task <- model@task
  classes <- if (length(model@classes)) as.character(model@classes) else NULL
  if (identical(model@config$arch, "autoencoder")) {
    return(array_from_py(out, list(names, features)))
  }
  if (identical(task, "binary")) {
    values <- as.vector(values)
    return(matrix(c(1 - values, values), ncol = 2L, dimnames = list(names, classes)))
  }
  if (is.null(dim(values)) || length(dim(values)) == 1L) {
    values <- as.vector(values)
    names(values) <- names
    return(values)
  }
  if (!is.null(classes) && length(classes) != ncol(values)) classes <- NULL
  dimnames(values) <- list(names, classes)
  values
}

# TRUE for Python's None (or nothing at all).
is_py_none <- function(x) is.null(x) || inherits(x, "python.builtin.NoneType")
