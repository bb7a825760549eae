# The R bridge's cost: the same work from R (deepomics' R package) and from Python (the
# deepomics Python package, called in the same process through reticulate, on data already in
# Python), timed in turns, medians of several runs. Target: R at most 1.10 x Python's time, and
# no dense copy of sparse data.
#
#   DEEPOMICS_PYTHON=.venv/bin/python Rscript benchmarks/bench_rbridge.R [repeats]
#
# 1. predicting 10,000 DNA sequences of 200 bp with a DeepBind model: R's predict() on a
#    character vector and on a DNAStringSet, against train.predict() on a Python list of str;
# 2. a 10,000 genes x 10,000 cells SingleCellExperiment, 1% non-zero (1,000,000 values) in a
#    sparse logcounts assay: the conversion alone (R: the assay to a SciPy cells x genes CSR
#    matrix; Python has nothing to do, so only R's absolute time and memory are shown), and
#    predict() of an MLP into the object (colData) against train.predict() on the same CSR
#    matrix held by Python.
# Exits with status 1 when a target is missed.

suppressPackageStartupMessages({
  library(deepomics)
  library(SingleCellExperiment)
})
args <- commandArgs(trailingOnly = TRUE)
repeats <- if (length(args)) as.integer(args[[1]]) else 15L
set.seed(1)

py <- deepomics:::py_deepomics(torch = TRUE)
main <- reticulate::import_main(convert = FALSE)
reticulate::py_run_string("import time, numpy as np, scipy.sparse as sp\nfrom deepomics import train")

# Seconds `expr` takes in R, and seconds the Python statement `stmt` takes in Python (timed in
# Python), alternately, `repeats` times each; medians.
time_pair <- function(expr, stmt) {
  expr <- substitute(expr)
  env <- parent.frame()
  r <- p <- numeric(repeats)
  for (i in seq_len(repeats)) {
    gc()
    start <- proc.time()[["elapsed"]]
    eval(expr, env)
    r[[i]] <- proc.time()[["elapsed"]] - start
    reticulate::py_run_string(paste0(
      "import gc; gc.collect()\n_t = time.perf_counter()\n", stmt,
      "\n_elapsed = time.perf_counter() - _t"))
    p[[i]] <- reticulate::py_to_r(main$`_elapsed`)
  }
  c(r = stats::median(r), python = stats::median(p))
}

rss_mb <- function() {
  status <- readLines("/proc/self/status")
  as.numeric(sub("[^0-9]*([0-9]+).*", "\\1", status[startsWith(status, "VmRSS")])) / 1024
}

rows <- list()
report <- function(task, times, note = "") {
  ratio <- times[["r"]] / times[["python"]]
  rows[[length(rows) + 1L]] <<- data.frame(
    task = task, R_s = round(times[["r"]], 4), Python_s = round(times[["python"]], 4),
    ratio = round(ratio, 3), target = "<= 1.10", ok = ratio <= 1.10, note = note)
}

# ---- 1. predicting 10,000 sequences ----------------------------------------------------------
cat("1. predicting 10,000 sequences of 200 bp (DeepBind)\n")
random_dna <- function(n, length) {
  letters <- matrix(sample(c("A", "C", "G", "T"), n * length, TRUE), n)
  apply(letters, 1L, paste, collapse = "")
}
seqs <- random_dna(10000, 200)
labels <- factor(rep(c("a", "b"), 250))
model <- trainModel(seqModel("deepbind"), seqs[1:500], labels, epochs = 1, verbose = FALSE)
dna <- Biostrings::DNAStringSet(seqs)
main$model <- deepomics:::py_model(model)
main$seqs <- reticulate::r_to_py(seqs)  # a Python list of str, made once, outside the timing
stopifnot(identical(unname(predict(model, seqs)[, "b"]),
                    as.vector(reticulate::py_to_r(py$train$predict(main$model, main$seqs)))))
report("predict 10,000 sequences (character)",
       time_pair(predict(model, seqs), "train.predict(model, seqs)"))
report("predict 10,000 sequences (DNAStringSet)",
       time_pair(predict(model, dna), "train.predict(model, seqs)"))

# ---- 2. a 10,000 x 10,000 sparse SingleCellExperiment ------------------------------------------
cat("2. a 10,000 genes x 10,000 cells SingleCellExperiment, 1% non-zero\n")
n <- 10000L
logcounts <- Matrix::rsparsematrix(n, n, density = 0.01, rand.x = function(k) log1p(stats::rexp(k)))
dimnames(logcounts) <- list(paste0("gene", seq_len(n)), paste0("cell", seq_len(n)))
cell_type <- factor(sample(c("T", "B", "NK"), n, TRUE))
sce <- SingleCellExperiment(list(logcounts = logcounts), colData = S4Vectors::DataFrame(cell_type))
dense_mb <- n * n * 8 / 2^20

before <- rss_mb()
times <- numeric(repeats)
for (i in seq_len(repeats)) {
  start <- proc.time()[["elapsed"]]
  inputs <- deepomics:::as_py_inputs(sce)
  times[[i]] <- proc.time()[["elapsed"]] - start
}
grown <- rss_mb() - before
x <- inputs$x
is_sparse <- reticulate::import("scipy.sparse")$issparse(x)
format <- reticulate::py_to_r(x$format)
shape <- unlist(reticulate::py_to_r(x$shape))
cat(sprintf(paste0("  conversion, R only: %.4f s (median of %d); SciPy %s %s, %d x %d, nnz %s; ",
                   "memory grew %.0f MB (a dense copy: %.0f MB)\n"),
            stats::median(times), repeats, if (is_sparse) "sparse" else "DENSE", format, shape[[1]],
            shape[[2]], format(reticulate::py_to_r(x$nnz), big.mark = ","), grown, dense_mb))
no_dense <- is_sparse && grown < dense_mb / 4

mlp <- trainModel(mlpModel(hidden = c(256, 64)), sce[, 1:1000], "cell_type", epochs = 1,
                  verbose = FALSE)
main$mlp <- deepomics:::py_model(mlp)
main$csr <- x$copy()  # a CSR matrix Python owns: what an AnnData would hold
before <- rss_mb()
stopifnot(identical(unname(predict(mlp, sce)$deepomics_prob_T),
                    as.vector(reticulate::py_to_r(py$train$predict(main$mlp, main$csr))[, 3])))
report("predict 10,000 cells into the SCE (MLP)",
       time_pair(predict(mlp, sce), "train.predict(mlp, csr)"))
report("predict 10,000 cells, t(assay) dgCMatrix",
       time_pair(predict(mlp, Matrix::t(logcounts)), "train.predict(mlp, csr)"),
       note = "includes R's own t() of the dgCMatrix")
grown <- rss_mb() - before
cat(sprintf("  memory grew %.0f MB while predicting (a dense copy: %.0f MB)\n", grown, dense_mb))
no_dense <- no_dense && grown < dense_mb / 4

table <- do.call(rbind, rows)
cat("\n")
print(table, row.names = FALSE)
cat(sprintf("\nno dense copy of the sparse data: %s\n", no_dense))
targets <- table$ok[!grepl("t\\(assay\\)", table$task)]
if (!all(targets) || !no_dense) {
  cat("a target was missed\n")
  quit(status = 1L)
}
