# Data with a planted signal, and models trained on it once per test run (training is the slow
# part; the tests that only use a trained model share these).

random_sequences <- function(n, length, letters = c("A", "C", "G", "T")) {
  vapply(seq_len(n), function(i) paste(sample(letters, length, TRUE), collapse = ""), "")
}

# Half the sequences carry `motif` at a random position ("present"), half do not ("absent").
# The factor's levels are in the order given, not sorted.
planted_motif <- function(n = 400, length = 50, motif = "TGACTCAG", seed = 1,
                          levels = c("present", "absent")) {
  withr::local_seed(seed)
  x <- random_sequences(n, length)
  y <- factor(rep(c("absent", "present"), length.out = n), levels = levels)
  for (i in which(y == "present")) {
    start <- sample.int(length - nchar(motif) + 1L, 1L)
    substr(x[[i]], start, start + nchar(motif) - 1L) <- motif
  }
  names(x) <- sprintf("seq%03d", seq_len(n))
  list(x = x, y = y)
}

# Samples x features with `k` well separated clusters; labels a factor whose levels are not in
# alphabetical order.
separable_clusters <- function(n = 300, p = 20, seed = 2,
                               levels = c("T cell", "B cell", "NK cell")) {
  withr::local_seed(seed)
  k <- length(levels)
  cluster <- rep(seq_len(k), length.out = n)
  centres <- matrix(stats::rnorm(k * p, sd = 3), k, p)
  x <- centres[cluster, ] + matrix(stats::rnorm(n * p), n, p)
  dimnames(x) <- list(sprintf("cell%03d", seq_len(n)), sprintf("gene%02d", seq_len(p)))
  list(x = x, y = factor(levels[cluster], levels = levels))
}

# A genes x cells SingleCellExperiment of the clusters: sparse counts, dense logcounts and
# the labels in colData$cell_type.
cluster_sce <- function(n = 300, p = 20, seed = 2) {
  data <- separable_clusters(n, p, seed)
  logcounts <- t(data$x)
  counts <- Matrix::Matrix(round(pmax(logcounts, 0)), sparse = TRUE)
  SingleCellExperiment::SingleCellExperiment(
    assays = list(counts = counts, logcounts = logcounts),
    colData = S4Vectors::DataFrame(cell_type = data$y)
  )
}

.fitted <- new.env(parent = emptyenv())

# A DeepBind model trained in R on the planted motif (first 300 sequences; 100 held out). Early
# stopping on the log loss: the AUC reaches 1 within a few epochs, and the epoch kept then is
# right in ranking but not yet confident (log-odds effects of about -1, not far below).
motif_model <- function() {
  if (is.null(.fitted$motif)) {
    data <- planted_motif()
    .fitted$motif <- trainModel(
      seqModel("deepbind", filters = 8, filter_size = 10, hidden = 0),
      data$x[1:300], data$y[1:300], epochs = 12, lr = 0.01, validation_split = 0.2,
      stopping_rounds = 4, stopping_metric = "logloss", seed = 0
    )
  }
  .fitted$motif
}

# An MLP trained on the clusters' SingleCellExperiment (logcounts, labels from colData).
cluster_model <- function() {
  if (is.null(.fitted$cluster)) {
    .fitted$cluster <- trainModel(mlpModel(hidden = 16, dropout = 0), cluster_sce(),
                                  "cell_type", epochs = 8, lr = 0.01, seed = 0)
  }
  .fitted$cluster
}

# An autoencoder trained on the clusters' matrix.
autoencoder_model <- function() {
  if (is.null(.fitted$autoencoder)) {
    .fitted$autoencoder <- trainModel(autoencoderModel(hidden = 16, latent = 3),
                                      separable_clusters()$x, epochs = 4, lr = 0.01, seed = 0)
  }
  .fitted$autoencoder
}

# The Python of the backend, for child processes.
backend_python_path <- function() reticulate::py_config()$python

# Runs Python code in a child process of the backend's Python; returns its output with the
# exit status as attribute "status".
run_python <- function(code) {
  script <- withr::local_tempfile(fileext = ".py")
  writeLines(code, script)
  out <- suppressWarnings(system2(backend_python_path(), script, stdout = TRUE, stderr = TRUE))
  structure(paste(out, collapse = "\n"), status = attr(out, "status") %||% 0L)
}

# Python's stdout and stderr while `expr` runs, with R's own output, as one string.
all_output <- function(expr) {
  r_output <- utils::capture.output(
    py_output <- reticulate::py_capture_output(force(expr), type = c("stdout", "stderr")),
    type = "output"
  )
  paste(c(r_output, py_output), collapse = "\n")
}
