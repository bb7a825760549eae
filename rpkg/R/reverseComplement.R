#' Reverse complement of one-hot arrays
#'
#' A method of Biostrings' [Biostrings::reverseComplement()] for the one-hot arrays [oneHot()]
#' makes: dim `c(N, 4, L)` with nucleotide channels (A, C, G, T or A, C, G, U, in any order when
#' they are named; in that order when they are not). Each sequence's positions come back in
#' reverse order and each channel's values go to its complement's channel, so `x[n, "A", l]`
#' becomes `[n, "T", L + 1 - l]`, as `oneHot(reverseComplement(seqs))` would give. Padding
#' (all-zero positions) moves to the other end; dimnames stay as they are. Biostrings' own
#' methods take the other forms: sequences (`DNAStringSet`, `RNAStringSet`) and one sequence's
#' `4 x L` matrix (a position weight matrix with rows A, C, G, T).
#'
#' @param x A one-hot array of dim `c(N, 4, L)`.
#' @param ... Not used: an error when given.
#' @return An array of the same dim, dimnames and type as `x`.
#' @seealso [oneHot()]; the model option `strand` of [seqModel()] (both strands in training or
#'   prediction).
#' @name reverseComplement-array
#' @aliases reverseComplement,array-method
#' @export
#' @examplesIf deepomics:::backend_available()
#' x <- oneHot(c(s1 = "AACG", s2 = "TTGA"))
#' rc <- reverseComplement(x)
#' identical(rc, oneHot(c(s1 = "CGTT", s2 = "TCAA")))
#' rc["s1", , ]
setMethod("reverseComplement", "array", function(x, ...) {
  check_dots_empty(...)
  d <- dim(x)
  if (length(d) != 3L || d[[2L]] != 4L || !(is.numeric(x) || is.logical(x))) {
    stop(sprintf(paste0(
      "reverseComplement() of an array takes a one-hot array of dim c(N, 4, L) (sequences, ",
      "nucleotide channels, positions) as oneHot() makes it; x is %s of dim c(%s)%s"),
      if (is.numeric(x) || is.logical(x)) "an array" else sprintf("a %s array", typeof(x)),
      paste(d, collapse = ", "),
      if (length(d) == 3L && d[[2L]] == 20L) " (protein: it has no complement)" else ""),
      call. = FALSE)
  }
  complement <- 4:1  # A, C, G, T/U
  channels <- dimnames(x)[[2L]]
  if (!is.null(channels)) {
    letters <- toupper(channels)
    pairs <- c(A = "T", C = "G", G = "C", T = "A", U = "A")
    nucleotides <- !anyNA(letters) && !anyDuplicated(letters) && all(letters %in% names(pairs)) &&
      !all(c("T", "U") %in% letters)
    if (!nucleotides) {
      stop(sprintf(paste0(
        "reverseComplement() needs the channels of a DNA or RNA one-hot array (A, C, G, T or U); ",
        "x's channels are %s"), paste(channels, collapse = ", ")), call. = FALSE)
    }
    partner <- pairs[letters]
    partner[partner == "T" & "U" %in% letters] <- "U"
    complement <- match(partner, letters)
  }
  out <- x[, complement, rev(seq_len(d[[3L]])), drop = FALSE]
  dimnames(out) <- dimnames(x)
  out
})
