#' One-hot encode sequences
#'
#' Encodes DNA, RNA or protein sequences as a numeric array of dim `c(N, C, L)`: sequences,
#' then channels (one per alphabet letter), then positions. This is the layout of the Python
#' package and of convolutional layers (`Conv1d` takes channels before positions), and
#' `x[n, c, l]` here is the value at `[n, c, l]` there. Use `aperm(x, c(1, 3, 2))` for the
#' sequences x positions x channels layout some other tools expect.
#'
#' Letters are read case-insensitively. Without `length`, all sequences must have the same
#' number of letters; with it, each is padded with all-zero columns or trimmed to `length`
#' positions: `pad = "right"` pads at the end and keeps the start, `"left"` pads at the start and
#' keeps the end, `"center"` splits the difference.
#'
#' Letters outside the alphabet give an all-zero column (`unknown = "zero"`), `1/C` in every
#' channel (`"uniform"`), or an error naming the sequence, position and letter (`"error"`).
#' With `iupac = TRUE` nucleotide ambiguity codes get fractional columns (R = 0.5 A + 0.5 G,
#' N = 0.25 each; for protein B = D/N, Z = E/Q, J = I/L, X = any).
#'
#' @param x Sequences: a character vector or a [Biostrings::XStringSet] (`DNAStringSet`,
#'   `RNAStringSet`, `AAStringSet`). Names become the first dimnames.
#' @param alphabet `"dna"` (channels A, C, G, T), `"rna"` (A, C, G, U), `"protein"` (the 20
#'   amino acids in alphabetical order of their one-letter codes) or a string of distinct
#'   letters, in channel order. `NULL` (the default) takes the alphabet from `x`: `"rna"` for an
#'   `RNAStringSet` or a character vector whose letters have U and no T, `"protein"` for an
#'   `AAStringSet`, otherwise `"dna"`.
#' @param length `NULL`, or the number of positions to pad or trim every sequence to.
#' @param pad Where padding goes: `"right"`, `"left"` or `"center"`.
#' @param unknown What letters outside the alphabet give: `"zero"`, `"uniform"` or `"error"`.
#' @param iupac If `TRUE`, ambiguity codes get fractional columns.
#' @param threads `NULL` (every core) or the number of threads to encode with.
#' @param ... Not used: an error when given (it is there for methods' sake).
#' @return A double array of dim `c(N, C, L)` with dimnames `list(names(x), letters, NULL)`:
#'   `N` sequences, `C` alphabet letters (upper case, in channel order), `L` positions.
#'   Padding positions are all zero.
#' @seealso [kmerCounts()] for k-mer features; [readFasta()] to read sequences;
#'   [reverseComplement()][reverseComplement-array] for the other strand's array.
#' @export
#' @examplesIf deepomics:::backend_available()
#' x <- oneHot(c(first = "ACGT", second = "acgn"))
#' dim(x)
#' x["first", , ]
#'
#' # pad to 6 positions, centred
#' oneHot("ACGT", length = 6, pad = "center")[1, , ]
#'
#' # Biostrings input: the alphabet follows the class
#' aa <- Biostrings::AAStringSet(c(p1 = "MKV", p2 = "MRL"))
#' dim(oneHot(aa))
setGeneric("oneHot", function(x, alphabet = NULL, length = NULL, pad = "right", unknown = "zero",
                              iupac = FALSE, threads = NULL, ...) {
  standardGeneric("oneHot")
}, signature = "x")

one_hot_method <- function(x, alphabet = NULL, length = NULL, pad = "right", unknown = "zero",
                           iupac = FALSE, threads = NULL, ...) {
  check_dots_empty(...)
  seqs <- as_py_sequences(x)
  alphabet <- py_string(alphabet %||% rna_if_u(seqs), "alphabet")
  seq <- py_deepomics()$seq
  out <- py_call(seq$one_hot, seqs$sequences, alphabet = alphabet,
                 length = py_count(length, "length"), pad = py_string(pad, "pad"),
                 unknown = py_string(unknown, "unknown"), iupac = py_flag(iupac, "iupac"),
                 threads = py_count(threads, "threads"))
  array_from_py(out, list(seqs$names, alphabet_letters(alphabet), NULL))
}

#' @rdname oneHot
#' @export
setMethod("oneHot", "character", one_hot_method)

#' @rdname oneHot
#' @export
setMethod("oneHot", "XStringSet", one_hot_method)

#' @rdname oneHot
#' @param genome For a `GRanges` `x`: the path of the genome FASTA file its ranges' sequences are
#'   read from ([intervalSequences()]).
#' @export
setMethod("oneHot", "GRanges", function(x, alphabet = NULL, length = NULL, pad = "right",
                                        unknown = "zero", iupac = FALSE, threads = NULL, ...,
                                        genome = NULL) {
  check_dots_empty(...)
  sequences <- intervalSequences(x, genome)  # evaluated here: S4 dispatch would mask its errors
  oneHot(sequences, alphabet = alphabet, length = length, pad = pad,
         unknown = unknown, iupac = iupac, threads = threads)
})

#' @rdname oneHot
#' @export
setMethod("oneHot", "ANY", function(x, ...) as_py_sequences(x))

# The channel letters of an alphabet, as the Python package orders them.
alphabet_letters <- function(alphabet) {
  letters <- py_call(py_deepomics()$seq$alphabet_letters, alphabet)
  strsplit(reticulate::py_to_r(letters), "", fixed = TRUE)[[1L]]
}
