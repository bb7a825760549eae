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
    return(list(sequences = unname(as.vector(x)), names = names(x), alphabet = "dna"))
  }
  stop(sprintf(
    "%s must be a character vector or a DNAStringSet, RNAStringSet or AAStringSet, not %s",
    arg, class_label(x)
  ), call. = FALSE)
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
