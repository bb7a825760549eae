#' Read a FASTA file
#'
#' Reads a FASTA file, plain or gzip-compressed (bgzip included), with the Python package's
#' C++ parser. Multi-line records, CRLF line ends and blank lines are accepted; a malformed file
#' gives an error naming the file and line.
#'
#' Each record's name is the first word of its header line (up to the first space or tab); the
#' rest of the header is its description. This differs from [Biostrings::readDNAStringSet()],
#' whose names are whole header lines.
#'
#' @param path Path of the FASTA file.
#' @param type The class of the result: `"DNA"` a [Biostrings::DNAStringSet], `"RNA"` an
#'   `RNAStringSet`, `"AA"` an `AAStringSet` (protein), `"character"` a named character vector.
#' @return The sequences in file order, named by the records' names. For the XStringSet types
#'   the descriptions are in `mcols(x)$description` (`""` where a header has none); a character
#'   vector carries no descriptions. Letters are as in the file (Biostrings upper-cases them
#'   for the XStringSet types).
#' @seealso [oneHot()] and [kmerCounts()], which take the result.
#' @export
#' @examplesIf deepomics:::backend_available()
#' path <- tempfile(fileext = ".fa")
#' writeLines(c(">seq1 first record", "ACGT", "TTGA", ">seq2", "GGCC"), path)
#' x <- readFasta(path)
#' x
#' S4Vectors::mcols(x)$description
#' readFasta(path, type = "character")
#'
#' # gzip-compressed, from Biostrings' example data
#' fa <- system.file("extdata", "dm3_upstream2000.fa.gz", package = "Biostrings")
#' readFasta(fa)
readFasta <- function(path, type = c("DNA", "RNA", "AA", "character")) {
  type <- match.arg(type)
  path <- py_path(path)
  records <- py_call(py_deepomics()$seq$read_fasta, path)
  sequences <- character_from_py(records$sequences)
  names(sequences) <- character_from_py(records$names)
  if (type == "character") {
    return(sequences)
  }
  constructor <- switch(type, DNA = Biostrings::DNAStringSet, RNA = Biostrings::RNAStringSet,
                        AA = Biostrings::AAStringSet)
  out <- tryCatch(constructor(sequences), error = function(e) {
    # the type whose letters these are: nucleotides (RNA when U and no T), else protein
    letters <- unique(toupper(strsplit(paste(utils::head(sequences, 1000), collapse = ""), "")[[1L]]))
    nucleotide <- all(letters %in% c(Biostrings::DNA_ALPHABET, "U"))
    other <- if (!nucleotide) "AA" else toupper(rna_if_u(list(sequences = sequences,
                                                                alphabet = "dna")))
    use <- if (other == type) "type = \"character\"" else
      sprintf("type = \"%s\" or \"character\"", other)
    stop(sprintf("%s holds letters that a %sStringSet cannot: %s\nUse %s.", path, type,
                 conditionMessage(e), use), call. = FALSE)
  })
  S4Vectors::mcols(out) <- S4Vectors::DataFrame(
    description = character_from_py(records$descriptions)
  )
  out
}
