#' The sequences of genomic intervals
#'
#' Reads the sequence of every range of a `GRanges` from a genome FASTA file, through the Python
#' package (pysam, an indexed FASTA: only the ranges are read, never the whole genome). Ranges
#' on the minus strand are reverse-complemented; `*` counts as plus. [trainModel()],
#' [predict()][predict.DeepomicsModel], [evaluateModel()], [oneHot()] and [kmerCounts()] take a
#' `GRanges` with `genome =` and call this for you.
#'
#' The FASTA may be plain or bgzip-compressed (`bgzip`, not plain `gzip`). It is indexed the
#' way `samtools faidx` does it (`<genome>.fai` next to it) when it has no index and its folder
#' is writable; otherwise the index is built in a temporary folder.
#'
#' @param x A `GRanges` (1-based, closed ranges, as Bioconductor has them).
#' @param genome The path of the genome FASTA file; its sequence names must match
#'   `seqnames(x)` (`"chr1"` and `"1"` are not the same).
#' @param arg The name of `x` in error messages.
#' @return A [Biostrings::DNAStringSet], one sequence per range, named by `names(x)` or, when the
#'   ranges have no names, `"seqname:start-end(strand)"`. Soft-masked (lower-case) bases are
#'   upper-cased, as Biostrings does.
#' @seealso [oneHot()], [trainModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' genome <- tempfile(fileext = ".fa")
#' writeLines(c(">chr1", "ACGTACGTAACCGGTT", ">chr2", "TTTTGGGG"), genome)
#' ranges <- GenomicRanges::GRanges(c("chr1", "chr1", "chr2"),
#'                                  IRanges::IRanges(c(1, 9, 3), width = 4),
#'                                  strand = c("+", "-", "*"))
#' intervalSequences(ranges, genome)
intervalSequences <- function(x, genome, arg = "x") {
  intervals <- intervals_to_py(x, genome, arg)
  out <- character_from_py(py_call(py_deepomics()$genome$fetch, intervals$genome,
                                   intervals$table))
  # letters a DNAStringSet cannot hold (Biostrings' own error names neither range nor letter)
  foreign <- regexpr("[^ACGTMRWSYKVHDBNacgtmrwsykvhdbn.+-]", out)
  if (any(foreign > 0L)) {
    i <- which(foreign > 0L)[[1L]]
    stop(sprintf(paste0("range %d of %s (%s) holds '%s' at position %d, which a DNAStringSet ",
                        "cannot hold (DNA letters, IUPAC codes, '-', '+', '.'); fix the genome ",
                        "FASTA or drop the range"),
                 i, arg, intervals$names[[i]], substr(out[[i]], foreign[[i]], foreign[[i]]),
                 foreign[[i]]), call. = FALSE)
  }
  sequences <- Biostrings::DNAStringSet(out)
  names(sequences) <- intervals$names
  sequences
}

# A GRanges as Python's interval table (0-based starts, ends exclusive) with the genome's path
# and the ranges' names (or "seqname:start-end(strand)").
intervals_to_py <- function(x, genome, arg) {
  if (!is(x, "GRanges")) {
    stop(sprintf("%s must be a GRanges, not %s", arg, class_label(x)), call. = FALSE)
  }
  if (missing(genome) || is.null(genome)) {
    stop(sprintf(paste0("%s is a GRanges: give genome = the path of the genome FASTA file its ",
                        "ranges come from"), arg), call. = FALSE)
  }
  genome <- py_path(genome, "genome")
  if (!length(x)) {
    stop(sprintf("%s holds no ranges", arg), call. = FALSE)
  }
  py_deepomics()  # deepomics' Python, before reticulate converts anything (or starts its own)
  chrom <- as.character(GenomicRanges::seqnames(x))
  start <- BiocGenerics::start(x)
  end <- BiocGenerics::end(x)
  strand <- as.character(BiocGenerics::strand(x))
  table <- list(chrom = as_py_vector(chrom), start = as_py_vector(start - 1L),
                end = as_py_vector(end), strand = as_py_vector(strand))
  list(genome = genome, table = table,
       names = names(x) %||% sprintf("%s:%d-%d(%s)", chrom, start, end, strand))
}

# A GRanges as Python's GenomeIntervals: read from the FASTA a batch at a time while a model
# trains or predicts, so that genome-scale interval sets never sit in memory.
genome_intervals_to_py <- function(x, genome, arg) {
  intervals <- intervals_to_py(x, genome, arg)
  regions <- py_call(py_deepomics()$genome$GenomeIntervals, intervals$genome, intervals$table)
  list(x = regions, names = intervals$names)
}
