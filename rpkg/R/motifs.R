# JASPAR motifs (offline) and planting sampled sites in sequences: jasparMotif(), plantMotif().

#' A JASPAR motif, offline
#'
#' The base probabilities of a JASPAR matrix, read from the database that pyjaspar bundles (no
#' download): for planting sites in simulated data ([plantMotif()]) or for comparing with what
#' a model learned ([filterMotifs()] with `match = TRUE` searches all of JASPAR).
#'
#' @param id A JASPAR matrix ID, e.g. `"MA0139.1"` (CTCF); a base ID without its version
#'   (`"MA0139"`) gives the latest version.
#' @return A 4 x W matrix of probabilities, rows `A`, `C`, `G`, `T`, columns the motif's
#'   positions (each sums to 1), with the motif's name in `attr(, "name")`.
#' @seealso [plantMotif()], [filterMotifs()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' ctcf <- jasparMotif("MA0139.1")
#' attr(ctcf, "name")
#' round(ctcf[, 1:6], 2)
jasparMotif <- function(id) {
  id <- py_string(id, "id")
  out <- plain_from_py(py_call(py_deepomics()$motifs$jaspar_pwm, id))
  pwm <- out[[2L]]
  dimnames(pwm) <- list(c("A", "C", "G", "T"), NULL)
  attr(pwm, "name") <- out[[1L]]
  pwm
}

#' Plant motif sites in sequences
#'
#' One site per sequence, drawn base by base from the motif's probabilities, written over the
#' sequence at a random position: sequences with a known signal, to check that a model finds
#' it (as [runDemo()] does). The same call with the same `seed` plants the same sites.
#'
#' @param x DNA sequences: a character vector or a [Biostrings::DNAStringSet], each at least
#'   as long as the motif.
#' @param motif A JASPAR ID (see [jasparMotif()]) or a 4 x W matrix of probabilities, rows A,
#'   C, G, T, each column summing to 1; counts (a JASPAR PFM) or percentages are divided by
#'   their column sums.
#' @param seed The seed of the sites and their positions.
#' @return `x` (of its class, with its names, and for a DNAStringSet its `mcols()` and
#'   `metadata()`) with a site planted in each sequence; the 1-based start of each site is
#'   `attr(, "start")`.
#' @seealso [jasparMotif()], [runDemo()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' background <- vapply(1:4, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE),
#'                                            collapse = ""), "")
#' planted <- plantMotif(background, "MA0139.1", seed = 1)
#' starts <- attr(planted, "start")
#' substr(planted, starts, starts + 18)  # the CTCF sites
plantMotif <- function(x, motif, seed = 0) {
  seqs <- as_py_sequences(x)
  if (!identical(seqs$alphabet, "dna")) {
    stop("plantMotif() plants DNA motifs; x must be DNA (a character vector or a DNAStringSet)",
         call. = FALSE)
  }
  if (!length(seqs$sequences)) stop("x holds no sequences", call. = FALSE)
  if (is.character(motif)) {
    motif <- jasparMotif(motif)
  }
  if (is.matrix(motif) && is.numeric(motif) && ncol(motif) == 4L && nrow(motif) != 4L) {
    stop(sprintf(paste0("motif is a %d x 4 matrix (positions x letters); it must be 4 x W, rows ",
                        "A, C, G, T: transpose it with t(motif)"), nrow(motif)), call. = FALSE)
  }
  if (!is.matrix(motif) || !is.numeric(motif) || nrow(motif) != 4L) {
    stop("motif must be a JASPAR ID or a 4 x W matrix of probabilities or counts (rows A, C, G, T), not ",
         value_label(motif), call. = FALSE)
  }
  if (!is.null(rownames(motif)) && !identical(toupper(rownames(motif)), c("A", "C", "G", "T"))) {
    stop("motif's rows must be A, C, G, T in that order; it has ",
         paste(rownames(motif), collapse = ", "), call. = FALSE)
  }
  motifs <- py_deepomics()$motifs
  seed <- py_count(seed, "seed", null_ok = FALSE)
  sites <- py_call(motifs$sample_sites, unname(motif), length(seqs$sequences), seed = seed)
  out <- plain_from_py(py_call(motifs$plant, as.list(seqs$sequences), sites, seed = seed))
  planted <- as.character(out[[1L]])
  names(planted) <- seqs$names
  if (is(x, "XStringSet")) {
    planted <- methods::as(planted, class(x)[[1L]])
    S4Vectors::mcols(planted) <- S4Vectors::mcols(x)  # the user's annotations stay
    S4Vectors::metadata(planted) <- S4Vectors::metadata(x)
  }
  attr(planted, "start") <- as.integer(out[[2L]]) + 1L
  planted
}
