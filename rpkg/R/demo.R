#' The main job: deepomics on real Drosophila promoter sequences
#'
#' Runs the Python package's demo (`deepomics.demo.run`, what `make demo` runs) from R and
#' prints what it prints: it reads Biostrings' `dm3_upstream2000.fa.gz` (26,454 upstream
#' sequences), one-hot encodes it, finds the k-mers that mark the 200 bp next to the
#' transcription start (the DRE TATCGATA and GAGA repeats), then trains a DeepBind model on
#' real 200 bp windows with a JASPAR motif planted in half and compares it with the k-mer
#' logistic-regression baseline; the model is saved, reloaded and predicts identically.
#'
#' @param fasta The FASTA file; by default Biostrings' `extdata/dm3_upstream2000.fa.gz`.
#' @param n_windows,epochs The number of 200 bp windows and the most epochs to train.
#' @param out_dir The folder for the trained model; `NULL`: a temporary one.
#' @param overwrite If `TRUE`, a demo model already in `out_dir` is replaced (checked before
#'   any work; otherwise it is kept and the demo stops).
#' @param seed The seed.
#' @return The figures the demo prints, invisibly: a list with `n` (sequences), `top_kmers`,
#'   `auroc` (held-out AUROC of `deepbind` and `kmer_linear`), `model_path` and
#'   `reload_identical`.
#' @export
#' @examples
#' \dontrun{
#' runDemo()
#' }
runDemo <- function(fasta = NULL, n_windows = 8000, epochs = 12, out_dir = NULL, seed = 0,
                    overwrite = FALSE) {
  fasta <- fasta %||% system.file("extdata", "dm3_upstream2000.fa.gz", package = "Biostrings")
  if (!nzchar(fasta)) {
    stop("Biostrings' dm3_upstream2000.fa.gz is not installed; give fasta = a FASTA file",
         call. = FALSE)
  }
  py_deepomics(torch = TRUE)
  demo <- reticulate::import("deepomics.demo", convert = FALSE)
  result <- py_call(demo$run, py_path(fasta),
                    n_windows = py_count(n_windows, "n_windows", null_ok = FALSE),
                    epochs = py_count(epochs, "epochs", null_ok = FALSE),
                    out_dir = if (!is.null(out_dir)) py_path(out_dir, "out_dir"),
                    seed = py_count(seed, "seed", null_ok = FALSE),
                    overwrite = py_flag(overwrite, "overwrite"))
  invisible(plain_from_py(result))
}
