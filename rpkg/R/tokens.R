# sequenceTokens() and dinucleotideShuffle(): the sequence encodings besides oneHot() and
# kmerCounts(), through Python's seq.tokenize and interpret.dinucleotide_shuffle.

#' Integer tokens of sequences
#'
#' Encodes sequences as integer tokens, as Python's `seq.tokenize()` does for embedding layers:
#' each letter is its position in the alphabet (from 1), an unknown letter is `C + 1`, and
#' padding is 0. (To train a token model such as `seqModel("rnn", embedding = 8)`, give it the
#' sequences themselves: they are tokenised as the model needs.)
#'
#' @inheritParams oneHot
#' @param length The number of positions to pad (with 0) or trim every sequence to; `NULL`:
#'   the longest sequence's length.
#' @return An integer matrix `[sequence, position]` with rownames `names(x)`.
#' @seealso [oneHot()], [seqModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' sequenceTokens(c(a = "ACGU", b = "GG"), alphabet = "rna", length = 4)
#' sequenceTokens(Biostrings::AAStringSet(c(p1 = "MKV", p2 = "MR")))
sequenceTokens <- function(x, alphabet = NULL, length = NULL, pad = "right") {
  seqs <- as_py_sequences(x)
  if (!base::length(seqs$sequences)) stop("x holds no sequences", call. = FALSE)
  alphabet <- py_string(alphabet %||% rna_if_u(seqs), "alphabet")
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
#' [attribution()]. Letters come back upper case; a letter outside the alphabet (N) is shuffled
#' as a letter of its own and comes back as `N` (`X` for protein). The same call with the same
#' `seed` gives the same shuffles.
#'
#' @inheritParams oneHot
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
dinucleotideShuffle <- function(x, n = 1, seed = 0, alphabet = NULL) {
  seqs <- as_py_sequences(x)
  n <- py_count(n, "n", null_ok = FALSE)
  if (n < 1L) stop("n must be 1 or more shuffles per sequence", call. = FALSE)
  alphabet <- py_string(alphabet %||% rna_if_u(seqs), "alphabet")
  letters <- alphabet_letters(alphabet)
  unknown <- if (tolower(alphabet) %in% c("dna", "rna") || all(letters %in% c("A", "C", "G", "T", "U")))
    "N" else "X"
  widths <- nchar(seqs$sequences)
  if (base::length(widths) == 0L) stop("x holds no sequences", call. = FALSE)
  if (any(widths == 0L)) {
    stop(sprintf("sequence %d is empty; a shuffle needs letters", which(widths == 0L)[[1L]]),
         call. = FALSE)
  }
  seq <- py_deepomics()$seq
  shuffle <- py_deepomics(torch = TRUE)$interpret$dinucleotide_shuffle
  out <- character(base::length(widths) * n)
  for (w in unique(widths)) {  # one length at a time: one-hot arrays are rectangular
    which_w <- which(widths == w)
    onehot <- py_call(seq$one_hot, as.list(seqs$sequences[which_w]), alphabet = alphabet)
    shuffled <- array_from_py(py_call(shuffle, onehot, n = n,
                                      seed = py_count(seed, "seed", null_ok = FALSE)))
    # [sequence, shuffle, letter, position] -> one string per (sequence, shuffle); an all-zero
    # column is the unknown letter (decoded here: seq.decode would drop it at the ends)
    columns <- matrix(aperm(shuffled, c(1L, 2L, 4L, 3L)), ncol = base::length(letters))
    codes <- ifelse(rowSums(columns) > 0, max.col(columns, ties.method = "first"), 0L)
    symbols <- array(c(unknown, letters)[codes + 1L], c(base::length(which_w), n, w))
    strings <- apply(symbols, c(1L, 2L), paste, collapse = "")
    slots <- as.vector(t(outer((which_w - 1L) * n, seq_len(n), "+")))
    out[slots] <- as.vector(t(strings))
  }
  base <- seqs$names %||% paste0("seq", seq_along(widths))
  names(out) <- paste0(rep(base, each = n), "_shuffle", rep(seq_len(n), base::length(widths)))
  if (is(x, "XStringSet")) methods::as(out, class(x)[[1L]]) else out
}
