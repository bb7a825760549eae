# sequenceTokens() and dinucleotideShuffle(): the sequence encodings besides oneHot() and
# kmerCounts(), through Python's seq.tokenize and interpret.dinucleotide_shuffle.

#' Integer tokens of sequences
#'
#' Encodes sequences as integer tokens for embedding layers (`seqModel("rnn", embedding = ...)`):
#' each letter is its position in the alphabet (from 1), an unknown letter is `C + 1`, and
#' padding is 0, as Python's `seq.tokenize()` gives them.
#'
#' @inheritParams oneHot
#' @param length `NULL` (all sequences must have one length, or the longest sets it) or the
#'   number of positions to pad (with 0) or trim every sequence to.
#' @return An integer matrix `[sequence, position]` with rownames `names(x)`.
#' @seealso [oneHot()], [seqModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' sequenceTokens(c(a = "ACGU", b = "GG"), alphabet = "rna", length = 4)
#' sequenceTokens(Biostrings::AAStringSet(c(p1 = "MKV", p2 = "MR")))
sequenceTokens <- function(x, alphabet = NULL, length = NULL, pad = "right") {
  seqs <- as_py_sequences(x)
  alphabet <- py_string(alphabet %||% seqs$alphabet, "alphabet")
  if (is.null(length)) length <- max(nchar(seqs$sequences))
  out <- py_call(py_deepomics()$seq$tokenize, seqs$sequences, alphabet = alphabet,
                 length = py_count(length, "length"), pad = py_string(pad, "pad"))
  tokens <- array_from_py(out)
  storage.mode(tokens) <- "integer"
  rownames(tokens) <- seqs$names
  tokens
}

#' Dinucleotide-shuffled sequences
#'
#' `n` shuffles of each sequence that keep its letter and dinucleotide counts exactly (the
#' Altschul-Erickson shuffle): the negatives DeepBind trained against, and the references of
#' [attribution()]. Letters come back upper case; an unknown letter (N) is shuffled as a letter
#' of its own. The same call with the same `seed` gives the same shuffles.
#'
#' @param x Sequences: a character vector or a [Biostrings::XStringSet] (lengths may differ).
#' @param n Shuffles per sequence.
#' @param seed The seed of the shuffles.
#' @return The shuffles, `n` per sequence in the order of `x` (all shuffles of the first
#'   sequence, then the second's, ...), of the class of `x`, named `name_shuffle1`, ...
#' @seealso [attribution()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' peaks <- c(p1 = "ACGTTGACTCAGGCA", p2 = "TTTTGGGGCCCCAAAA")
#' shuffled <- dinucleotideShuffle(peaks, n = 2, seed = 1)
#' shuffled
#' # the dinucleotide counts are those of the original
#' identical(kmerCounts(peaks[1], k = 2)[1, ], kmerCounts(shuffled[1], k = 2)[1, ])
dinucleotideShuffle <- function(x, n = 1, seed = 0) {
  seqs <- as_py_sequences(x)
  n <- py_count(n, "n", null_ok = FALSE)
  if (n < 1L) stop("n must be 1 or more shuffles per sequence", call. = FALSE)
  alphabet <- seqs$alphabet
  widths <- nchar(seqs$sequences)
  if (length(widths) == 0L) stop("x holds no sequences", call. = FALSE)
  if (any(widths == 0L)) {
    stop(sprintf("sequence %d is empty; a shuffle needs letters", which(widths == 0L)[[1L]]),
         call. = FALSE)
  }
  seq <- py_deepomics()$seq
  n_letters <- length(alphabet_letters(alphabet))
  out <- character(length(widths) * n)
  for (w in unique(widths)) {  # one length at a time: one-hot arrays are rectangular
    which_w <- which(widths == w)
    onehot <- py_call(seq$one_hot, as.list(seqs$sequences[which_w]), alphabet = alphabet)
    shuffled <- py_call(py_deepomics(torch = TRUE)$interpret$dinucleotide_shuffle, onehot,
                        n = n, seed = py_count(seed, "seed", null_ok = FALSE))
    flat <- shuffled$reshape(reticulate::tuple(-1L, n_letters, as.integer(w)))
    letters <- character_from_py(py_call(seq$decode, flat, alphabet = alphabet))
    slots <- as.vector(t(outer((which_w - 1L) * n, seq_len(n), "+")))
    out[slots] <- letters
  }
  base <- seqs$names %||% paste0("seq", seq_along(widths))
  names(out) <- paste0(rep(base, each = n), "_shuffle", rep(seq_len(n), length(widths)))
  if (is(x, "XStringSet")) methods::as(out, class(x)[[1L]]) else out
}
