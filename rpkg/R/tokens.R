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
#' @param x Sequences: a character vector, a [Biostrings::XStringSet] (`DNAStringSet`,
#'   `RNAStringSet`, `AAStringSet`) or a `GRanges` with `genome`. Names become the rownames.
#' @param length The number of positions to pad (with 0) or trim every sequence to; `NULL`:
#'   the longest sequence's length.
#' @param genome For a `GRanges` `x`: the path of the genome FASTA file its ranges' sequences are
#'   read from ([intervalSequences()]).
#' @return An integer matrix `[sequence, position]` with rownames `names(x)`.
#' @seealso [oneHot()], [seqModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' sequenceTokens(c(a = "ACGU", b = "GG"), alphabet = "rna", length = 4)
#' sequenceTokens(Biostrings::AAStringSet(c(p1 = "MKV", p2 = "MR")))
sequenceTokens <- function(x, alphabet = NULL, length = NULL, pad = "right", genome = NULL) {
  x <- ranges_sequences(x, genome)
  seqs <- as_py_sequences(x)
  if (!base::length(seqs$sequences)) stop("x holds no sequences", call. = FALSE)
  alphabet <- py_string(alphabet %||% rna_if_u(seqs), "alphabet")
  if (is.null(length)) {
    length <- max(nchar(seqs$sequences))
    if (length == 0L) {
      stop(sprintf(paste0(
        "x's %s empty (no letters), so there is nothing to tokenise; remove empty sequences ",
        "first"),
        if (base::length(seqs$sequences) == 1L) "sequence is" else
          paste0(base::length(seqs$sequences), " sequences are all")), call. = FALSE)
    }
  }
  out <- py_call(py_deepomics()$seq$tokenize, seqs$sequences, alphabet = alphabet,
                 length = py_count(length, "length"), pad = py_string(pad, "pad"))
  tokens <- array_from_py(out)
  storage.mode(tokens) <- "integer"
  rownames(tokens) <- seqs$names
  tokens
}

#' Sequences back from tokens or a one-hot array
#'
#' The inverse of [sequenceTokens()] and [oneHot()], as Python's `seq.decode()`: padding is
#' dropped (token 0; all-zero positions at either end of a one-hot row), unknown tokens and
#' one-hot positions that are not a single 1 come back as `N` (DNA, RNA) or `X` (protein, other
#' alphabets), and letters come back upper case.
#'
#' @param x An integer matrix of tokens `[sequence, position]` from [sequenceTokens()], or a
#'   one-hot array `[sequence, channel, position]` from [oneHot()] (one sequence's slice keeps
#'   its first dimension: `x[i, , , drop = FALSE]`).
#' @param alphabet The alphabet the tokens or channels stand for: `"dna"`, `"rna"`, `"protein"`
#'   or a string of letters. Default: for a one-hot array the one its channel names say, for
#'   tokens `"dna"`.
#' @return A character vector, named by the rownames (or the first dimnames) of `x`.
#' @seealso [sequenceTokens()], [oneHot()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' tokens <- sequenceTokens(c(a = "ACGU", b = "GG"), alphabet = "rna", length = 4)
#' decodeSequences(tokens, alphabet = "rna")
#' decodeSequences(oneHot(c(s1 = "ACNGT", s2 = "TTA"), length = 5))   # padding dropped, N kept
decodeSequences <- function(x, alphabet = NULL) {
  one_hot <- is.array(x) && length(dim(x)) == 3L && (is.numeric(x) || is.logical(x))
  if (one_hot) {
    x <- standard_channels(x)
    alphabet <- alphabet %||% onehot_alphabet(dimnames(x)[[2L]]) %||% "dna"
    storage.mode(x) <- "double"
  } else if (is.matrix(x) && is.numeric(x)) {
    letters <- toupper(rownames(x) %||% "")
    slice <- any(vapply(c("dna", "rna", "protein"), function(a)
      setequal(letters, alphabet_letters(a)) && nrow(x) == length(alphabet_letters(a)), logical(1)))
    if (slice || anyNA(x) || any(x != round(x)) || any(x < 0)) {
      stop(paste0("x is a matrix ", if (slice) "with rows named by letters (one sequence's one-hot?)"
                  else "of numbers that are not all tokens (whole numbers >= 0, from sequenceTokens())",
                  "; a one-hot array is [sequence, channel, position]: one sequence's slice ",
                  "keeps its first dimension with x[i, , , drop = FALSE]"), call. = FALSE)
    }
    storage.mode(x) <- "integer"
    alphabet <- alphabet %||% "dna"
  } else {
    stop(sprintf(paste0("x must be a token matrix from sequenceTokens() or a one-hot array from ",
                        "oneHot(); not %s"), class_label(x)), call. = FALSE)
  }
  if (!all(dim(x))) stop("x holds no sequences", call. = FALSE)
  out <- character_from_py(py_call(py_deepomics()$seq$decode, reticulate::r_to_py(unname(x)),
                                   alphabet = py_string(alphabet, "alphabet")))
  names(out) <- dimnames(x)[[1L]]
  out
}

#' Dinucleotide-shuffled sequences
#'
#' `n` shuffles of each sequence that keep its letter and dinucleotide counts exactly (the
#' Altschul-Erickson shuffle): the negatives DeepBind trained against, and the references of
#' [attribution()]. Letters come back upper case; every letter (N, ambiguity codes, U, amino
#' acids) is shuffled as itself, so its count and the count of each pair holding it are kept
#' too. The same call with the same `seed` gives the same shuffles.
#'
#' @param x Sequences: a character vector or a [Biostrings::XStringSet] (lengths may differ), or
#'   a `GRanges` with `genome`.
#' @param n Shuffles per sequence.
#' @param seed The seed of the shuffles.
#' @param genome For a `GRanges` `x`: the path of the genome FASTA file its ranges' sequences are
#'   read from ([intervalSequences()]).
#' @return The shuffles, `n` per sequence in the order of `x` (all shuffles of the first
#'   sequence, then the second's, ...), of the class of `x` (a `DNAStringSet` for a `GRanges`),
#'   named `name_shuffle1`, ...
#' @seealso [attribution()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' peaks <- c(p1 = "ACGTTGACTCAGGCA", p2 = "TTTTGGGGCCCCAAAA")
#' shuffled <- dinucleotideShuffle(peaks, n = 2, seed = 1)
#' shuffled
#' # the dinucleotide counts are those of the original
#' identical(kmerCounts(peaks[1], k = 2)[1, ], kmerCounts(shuffled[1], k = 2)[1, ])
dinucleotideShuffle <- function(x, n = 1, seed = 0, genome = NULL) {
  x <- ranges_sequences(x, genome)
  seqs <- as_py_sequences(x)
  if (base::length(seqs$sequences) == 0L) stop("x holds no sequences", call. = FALSE)
  n <- py_count(n, "n", null_ok = FALSE)
  shuffle <- py_deepomics(torch = TRUE)$interpret$dinucleotide_shuffle
  out <- character_from_py(py_call(shuffle, as.list(unname(seqs$sequences)), n = n,
                                   seed = py_count(seed, "seed", null_ok = FALSE)))
  base <- seqs$names %||% paste0("seq", seq_along(seqs$sequences))
  names(out) <- paste0(rep(base, each = n), "_shuffle", rep(seq_len(n), base::length(base)))
  if (is(x, "XStringSet")) methods::as(out, class(x)[[1L]]) else out
}

# The sequences of a GRanges `x`, read from the FASTA file `genome` ([intervalSequences()]: a
# DNAStringSet named by the ranges); other `x` as they are (a `genome` with them is an error).
ranges_sequences <- function(x, genome) {
  if (is(x, "GRanges")) {
    return(intervalSequences(x, genome))
  }
  if (!is.null(genome)) {
    stop(sprintf("genome applies to genomic intervals (a GRanges); x is %s", class_label(x)),
         call. = FALSE)
  }
  x
}
