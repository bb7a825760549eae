#' Count k-mers in sequences
#'
#' Counts every DNA k-mer in every sequence: the classic feature-engineering baseline. Rows are
#' sequences, columns the `4^k` k-mers in lexicographic order (`AA`, `AC`, ..., `TT` for k = 2).
#' U is read as T; k-mers holding any other letter (N, gaps) are skipped; letters are read
#' case-insensitively.
#'
#' With `canonical = TRUE` a k-mer and its reverse complement are counted together, in the
#' column of the one that sorts first (the other column stays zero). With `normalize = TRUE`
#' each row is divided by its number of counted k-mers.
#'
#' @inheritParams oneHot
#' @param x Sequences: a character vector or a [Biostrings::XStringSet] (`DNAStringSet` or
#'   `RNAStringSet`). Names become the row names.
#' @param k The k-mer length, 1 to 12.
#' @param canonical If `TRUE`, count each k-mer together with its reverse complement.
#' @param normalize If `TRUE`, return frequencies (each row sums to 1, or 0 when a sequence has
#'   no countable k-mer) instead of counts.
#' @param sparse `NULL` returns a dense matrix unless it would take more than 128 MiB in
#'   Python (then a sparse one); `TRUE` or `FALSE` forces the choice.
#' @return A sequences x k-mers matrix with row names `names(x)` and column names the k-mers: a
#'   base R matrix (integer counts, or double frequencies with `normalize = TRUE`) or, when
#'   sparse, a [Matrix::dgCMatrix-class] (double).
#' @seealso [oneHot()] for position-resolved encodings.
#' @export
#' @examplesIf deepomics:::backend_available()
#' kmerCounts(c(s1 = "AAAA", s2 = "ACGT"), k = 2)
#'
#' # k-mers and their reverse complements together, as frequencies
#' kmerCounts("ACGTTT", k = 2, canonical = TRUE, normalize = TRUE)
#'
#' # sparse: a Matrix dgCMatrix
#' kmerCounts(c("ACGTACGT", "GGGG"), k = 3, sparse = TRUE)
setGeneric("kmerCounts", function(x, k, canonical = FALSE, normalize = FALSE, sparse = NULL,
                                  threads = NULL, ...) {
  standardGeneric("kmerCounts")
}, signature = "x")

kmer_counts_method <- function(x, k, canonical = FALSE, normalize = FALSE, sparse = NULL,
                               threads = NULL, ...) {
  check_dots_empty(...)
  seqs <- as_py_sequences(x)
  if (identical(seqs$alphabet, "protein")) {  # its A, C, G, T would be counted as DNA
    stop("kmerCounts() counts DNA / RNA k-mers, but x is an AAStringSet (protein); for ",
         "amino-acid composition use Biostrings::alphabetFrequency()", call. = FALSE)
  }
  k <- py_count(k, "k", null_ok = FALSE)
  if (!is.null(sparse)) {
    sparse <- py_flag(sparse, "sparse")
  }
  seq <- py_deepomics()$seq
  out <- py_call(seq$kmer_counts, seqs$sequences, k = k,
                 canonical = py_flag(canonical, "canonical"),
                 normalize = py_flag(normalize, "normalize"),
                 sparse = sparse, threads = py_count(threads, "threads"))
  kmers <- character_from_py(py_call(seq$kmer_names, k))
  if (identical(rna_if_u(seqs), "rna")) kmers <- chartr("T", "U", kmers)  # named as the input
  matrix_from_py(out, list(seqs$names, kmers))
}

#' @rdname kmerCounts
#' @export
setMethod("kmerCounts", "character", kmer_counts_method)

#' @rdname kmerCounts
#' @export
setMethod("kmerCounts", "XStringSet", kmer_counts_method)

#' @rdname kmerCounts
#' @export
setMethod("kmerCounts", "GRanges", function(x, k, canonical = FALSE, normalize = FALSE,
                                            sparse = NULL, threads = NULL, ..., genome = NULL) {
  check_dots_empty(...)
  sequences <- intervalSequences(x, genome)  # evaluated here: S4 dispatch would mask its errors
  kmerCounts(sequences, k = k, canonical = canonical, normalize = normalize,
             sparse = sparse, threads = threads)
})

#' @rdname kmerCounts
#' @export
setMethod("kmerCounts", "ANY", function(x, ...) as_py_sequences(x))
