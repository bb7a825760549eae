#' Train a model
#'
#' Trains a model on sequences or on an expression matrix and returns it fitted: the weights of
#' its best epoch (by `stopping_metric` on the validation data, or the validation loss), with
#' its task, classes and training history. The work is done by the Python package's
#' `train.fit()` (on Lightning); this function converts the data once and maps the arguments.
#'
#' @section Inputs (`x`):
#' * Sequences: a character vector, `DNAStringSet`, `RNAStringSet` or `AAStringSet` (one-hot
#'   encoded, or tokenised for an `rnn` with an embedding; sequences of different lengths are
#'   padded to the model's length or the longest). An `RNAStringSet` or `AAStringSet`, or a
#'   character vector with U and no T (RNA, as [oneHot()] reads it), sets the model's alphabet
#'   when the model does not. A one-hot array from [oneHot()] also works (its channel names,
#'   e.g. A, C, G, U, set the alphabet the same way; channels are read by name, so an array in
#'   another channel order is reordered to the model's, and one whose channels are other
#'   letters than the model's is refused). The same holds for a trained model's inputs in
#'   [predict()][predict.DeepomicsModel()], [mutagenesis()] and the other functions.
#' * Features, samples x features: a numeric matrix, a data.frame of numbers or a sparse
#'   `dgCMatrix` (kept sparse: Python densifies one batch at a time).
#' * A `SummarizedExperiment` or `SingleCellExperiment`, features x samples as Bioconductor
#'   has it (it is transposed, without a copy, on the way in): the assay `assay` (by default
#'   `"logcounts"` when a SingleCellExperiment has it, else the first assay), or with `dimred`
#'   a reducedDim (e.g. `"PCA"`). Sparse assays stay sparse. Data whose names say it is the
#'   wrong way round (samples named like Ensembl genes, features like cell barcodes) trains
#'   with a warning that says so.
#'
#' * Genomic intervals: a `GRanges` with `genome =` the genome's FASTA file (indexed; plain or
#'   bgzip); the ranges' sequences are read from it a batch at a time while the model trains,
#'   so memory stays bounded however many ranges there are (pass `num_workers = 2` in `...` to
#'   read in parallel). `y` may name a metadata column.
#'
#' @section Labels (`y`):
#' A factor (its levels, in order, are the model's classes, and predictions are named by
#' them), a character or logical vector (classes in sorted order), a numeric vector (two values:
#' binary; a few whole numbers: multiclass; otherwise regression), a numeric matrix (samples x
#' outputs: 0/1 for multilabel, else several regression targets) or, for a
#' SummarizedExperiment, the name of a `colData` column. Leave `y` out for an autoencoder.
#' Labels may not be `NA`: to transfer labels to unlabelled cells, train on the labelled ones
#' (`trainModel(model, sce[, !is.na(sce$cell_type)], "cell_type")`) and [predict()] them all.
#'
#' @section Early stopping:
#' As in H2O: training stops when `stopping_metric` on the validation data has not improved by
#' more than `stopping_tolerance` (an absolute amount) for `stopping_rounds` epochs; 0 rounds
#' (the default) trains all `epochs`. Either way, with validation data the model keeps the
#' weights of its best epoch by `stopping_metric` (by default the validation loss). Metrics:
#' `"loss"`, `"auroc"` (also `"AUC"`), `"auprc"` (`"AUCPR"`), `"accuracy"`, `"f1"`, `"mcc"`,
#' `"sensitivity"`, `"specificity"`, `"pearson"`, `"spearman"`, `"r2"`, `"mse"`, `"mae"`,
#' `"logloss"` (the log loss of the predictions; `"loss"` is the training objective, class
#' weights included) and `"deviance"` (the log loss, or the MSE for regression).
#'
#' @param model A model from [seqModel()], [mlpModel()], [autoencoderModel()], [dgexModel()] or
#'   [deepomicsModel()], an architecture's name (all defaults), or a config list. A model that
#'   is already trained is trained further (the original is left as it was).
#' @param x The training inputs (see Inputs).
#' @param y The labels (see Labels); `NULL` for an autoencoder.
#' @param ... Further arguments of Python's `train.fit()`, named: `optimizer` (`"adam"`,
#'   `"adamw"`, `"sgd"`, `"rmsprop"`), `weight_decay`, `class_weight` (`"balanced"` or a named
#'   vector of weights per class), `device` (`"auto"`, `"cpu"`, `"cuda"`), `deterministic`;
#'   `checkpoint_dir` (a folder where each epoch's Lightning checkpoint `last.ckpt` is kept) and
#'   `resume_from` (such a checkpoint: training continues from its epoch up to `epochs`, e.g.
#'   after the job was killed, as the uninterrupted run would have); `groups` (one group per
#'   sample, e.g. `seqnames(gr)`: the validation split then holds out whole groups, such as
#'   chromosomes); `augment = FALSE` (train without the model's `max_shift`, `mutation_rate`,
#'   `max_indel` and `strand = "augment"`, which it keeps: EvoAug's second stage, a few epochs
#'   at a low `lr` on the sequences as given); `callbacks` (a list of Python Lightning callbacks); `strategy = "ddp"` with `devices` (processes or GPUs) and
#'   `num_nodes` for data-parallel training, ...
#' @param epochs The most epochs to train.
#' @param batch_size Samples per batch.
#' @param lr The learning rate.
#' @param validation_split The fraction of the training data held out for validation (seeded;
#'   stratified by class for classification), or 0 for none.
#' @param validation_data Validation data instead: `list(x, y)`, or for a SummarizedExperiment
#'   `x`, another one (labels from the same colData column as `y`). With a
#'   SummarizedExperiment `x`, `list(x, y)` may also hold a samples x features matrix of the
#'   same features (matched by name).
#' @param stopping_rounds Epochs without improvement before training stops; 0: never stops
#'   early.
#' @param stopping_metric The validation metric to watch (see Early stopping); `NULL`: the loss.
#' @param stopping_tolerance The least improvement that counts.
#' @param task `"binary"`, `"multiclass"`, `"multilabel"` or `"regression"`; `NULL` infers it
#'   from `y`.
#' @param assay,dimred For a SummarizedExperiment `x`: the assay (name or number) or, for a
#'   SingleCellExperiment, the reducedDim to learn from. The model keeps the assay's name, also
#'   one given by number or chosen by default, and reads that assay after [loadModel()] too (an
#'   unnamed assay other than the first is refused: name the assays).
#' @param genome For a `GRanges` `x`: the path of the genome FASTA file (plain or bgzip).
#' @param seed The seed of the weights' initialisation, the shuffling and the validation split.
#' @param verbose `TRUE` shows a progress bar and the model's summary; `NULL` (the default)
#'   shows them only in an interactive session that is not running tests or knitting.
#' @return The trained [DeepomicsModel-class]; see [trainingHistory()] for its history.
#' @seealso [predict.DeepomicsModel()], [evaluateModel()], [saveModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' # sequences with a planted motif (label "yes") or without ("no")
#' set.seed(1)
#' random <- function(n, len) vapply(seq_len(n), function(i)
#'   paste(sample(c("A", "C", "G", "T"), len, TRUE), collapse = ""), "")
#' x <- random(200, 40)
#' y <- factor(rep(c("no", "yes"), 100))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 8), x, y,
#'                     epochs = 5, lr = 0.01, validation_split = 0.2,
#'                     stopping_rounds = 2, stopping_metric = "AUC")
#' model
#' head(predict(model, x))
trainModel <- function(model, x, y = NULL, ..., epochs = 20, batch_size = 64, lr = 1e-3,
                       validation_split = 0, validation_data = NULL, stopping_rounds = 0,
                       stopping_metric = NULL, stopping_tolerance = 0, task = NULL,
                       assay = NULL, dimred = NULL, genome = NULL, seed = 0, verbose = NULL) {
  model <- as_model(model)
  autoencoder <- identical(model@config$arch, "autoencoder")
  # a trained model reads x as it was trained: its features by name, its assay / reducedDim
  inputs <- if (is_fitted(model)) model_inputs(model, x, assay, dimred, "x", genome) else
    as_py_inputs(if (!is.null(model@config$alphabet)) model_channels(x, model@config$alphabet) else x,
                 assay = assay, dimred = dimred, genome = genome)
  check_orientation(x, inputs)
  check_assay_named(inputs)
  if (autoencoder && !is.null(y)) {
    stop("an autoencoder learns from x alone: leave y out", call. = FALSE)
  }
  if (!autoencoder && is.null(y)) {
    stop("y (the labels) is missing; only an autoencoder trains without labels", call. = FALSE)
  }
  labels <- as_py_labels(y, x, inputs$n, classes = model_classes(model))
  # (x, None) for an autoencoder: x alone could be taken apart (Python's fit takes a pair for
  # (x, y)) or measured with len(), which SciPy sparse matrices refuse.
  data <- reticulate::tuple(inputs$x, labels)

  valid <- NULL
  if (!is.null(validation_data)) {
    if (!identical(validation_split, 0) && !identical(validation_split, 0L)) {
      stop("give validation_split or validation_data, not both", call. = FALSE)
    }
    if (is(validation_data, "SummarizedExperiment")) {
      vx <- validation_data
      vy <- if (is.character(y) && length(y) == 1L) y else NULL
      if (is.null(vy) && !autoencoder) {
        stop("validation_data as a SummarizedExperiment takes its labels from the colData ",
             "column named by y; give y as a column name, or validation_data = list(x, y)",
             call. = FALSE)
      }
    } else if (is.list(validation_data) && length(validation_data) %in% 1:2 &&
               !is.data.frame(validation_data)) {
      vx <- validation_data[[1L]]
      vy <- if (length(validation_data) == 2L) validation_data[[2L]] else NULL
    } else {
      stop("validation_data must be list(x, y) (list(x) for an autoencoder) or a ",
           "SummarizedExperiment", call. = FALSE)
    }
    # a SummarizedExperiment is read as x was (its assay / reducedDim); a matrix as it is,
    # its features matched to x's by name
    vsource <- if (is(vx, "SummarizedExperiment")) inputs$source else list()
    vinputs <- as_py_inputs(vx, assay = vsource$assay, dimred = vsource$dimred,
                            features = inputs$features,
                            genome = if (is(vx, "GRanges")) genome, arg = "validation_data")
    vlabels <- as_py_labels(vy, vx, vinputs$n, arg = "the validation labels")
    if (!autoencoder && is.null(vlabels)) {
      stop("validation_data needs labels: list(x, y)", call. = FALSE)
    }
    valid <- reticulate::tuple(vinputs$x, vlabels)
  }
  valid_fraction <- validation_fraction(validation_split)
  has_valid <- !is.null(valid) || !is.null(valid_fraction)
  stopping <- early_stopping(stopping_rounds, stopping_metric, stopping_tolerance, epochs,
                             has_valid)

  py_net <- if (is_fitted(model)) {
    py_model_from_files(model@files)
  } else {
    config_to_py(fill_config(model@config, inputs))
  }
  fit_args <- c(
    list(py_net, data, valid),
    list(task = if (!is.null(task)) py_string(task, "task"),
         epochs = py_count(epochs, "epochs", null_ok = FALSE),
         batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
         lr = py_number(lr, "lr"),
         early_stopping = stopping,
         valid_fraction = valid_fraction,
         seed = py_count(seed, "seed", null_ok = FALSE),
         verbose = resolve_verbose(verbose)),
    fit_extras(..., model = model)
  )
  fit <- py_deepomics(torch = TRUE)$train$fit
  fitted <- py_call(function() do.call(fit, fit_args))
  # the assay by name, also when given by number or chosen by default (logcounts, ...), or the
  # reducedDim: a loaded model reads the same matrix
  source <- inputs$source
  chosen <- if (is.character(source$assay) || !is.null(source$dimred)) {
    list(layer = if (is.character(source$assay)) source$assay, use_rep = source$dimred)
  }
  model_from_py(fitted, input = c(list(kind = inputs$kind), inputs$source),
                features = inputs$features, source = chosen)
}

# The config with what R knows of the data and Python's fit does not: the alphabet an
# RNAStringSet or AAStringSet implies or a one-hot array's channel names say, and the length
# of a one-hot array (Python's fit fills seq_len from raw sequences only). A one-hot array
# whose channels the model's alphabet does not have is refused, saying which alphabet fits.
fill_config <- function(config, inputs) {
  keys <- arch_keys(config$arch)
  if ("alphabet" %in% keys && is.null(config$alphabet) && !is.null(inputs$alphabet) &&
      !identical(inputs$alphabet, "dna")) {
    config$alphabet <- inputs$alphabet
  }
  if (identical(inputs$kind, "onehot")) {
    defaults <- reticulate::py_to_r(py_deepomics(torch = TRUE)$models$defaults(config$arch))
    shape <- unlist(reticulate::py_to_r(inputs$x$shape))
    if ("seq_len" %in% keys && !"seq_len" %in% names(config) && !is.null(defaults$seq_len)) {
      config$seq_len <- shape[[3L]]
    }
    alphabet <- config$alphabet %||% defaults$alphabet
    if ("alphabet" %in% keys && !is.null(alphabet)) {
      check_channels(alphabet, shape)
    }
  }
  config
}

# Stops when a one-hot array's channels (`shape`: N, C, L) are not the letters of the model's
# `alphabet`.
check_channels <- function(alphabet, shape) {
  letters <- alphabet_letters(alphabet)
  n <- shape[[2L]]
  if (length(letters) %in% c(n, shape[[3L]])) {  # (channels-last: Python says how to turn it)
    return(invisible())
  }
  fits <- if (n == 20L) "alphabet = \"protein\"" else if (n == 4L) "alphabet = \"dna\" or \"rna\"" else
    sprintf("alphabet = the string of its %d channels' letters, in order,", n)
  stop(sprintf(paste0(
    "x is a one-hot array of %d channels, but the model's alphabet \"%s\" has %d (%s); pass %s ",
    "to seqModel(), or name the channels by their letters (dimnames(x)[[2]], as oneHot() does)"),
    n, alphabet, length(letters), paste(letters, collapse = ", "), fits), call. = FALSE)
}

validation_fraction <- function(split) {
  if (!is.numeric(split) || length(split) != 1L || is.na(split) || split < 0 || split >= 1) {
    stop("validation_split must be a number in [0, 1), not ", value_label(split), call. = FALSE)
  }
  if (split == 0) NULL else split
}

# H2O's names of metrics, and the metrics early stopping may watch (Python's table).
STOPPING_ALIASES <- c(auc = "auroc", aucpr = "auprc", pr_auc = "auprc",
                      misclassification = "accuracy")

early_stopping <- function(rounds, metric, tolerance, epochs, has_valid) {
  rounds <- py_count(rounds, "stopping_rounds", null_ok = FALSE)
  if (rounds < 0L) {
    stop("stopping_rounds must be 0 (no early stopping) or more, not ", rounds, call. = FALSE)
  }
  if (!is.numeric(tolerance) || length(tolerance) != 1L || is.na(tolerance) || tolerance < 0) {
    stop("stopping_tolerance must be a number >= 0, not ", value_label(tolerance), call. = FALSE)
  }
  if (is.null(metric) && rounds == 0L) {
    return(NULL)
  }
  if (!has_valid) {
    stop(if (rounds > 0L) "stopping_rounds" else "stopping_metric",
         " needs validation data: give validation_split or validation_data", call. = FALSE)
  }
  monitor <- "loss"
  if (!is.null(metric)) {
    metric <- tolower(sub("^valid_", "", py_string(metric, "stopping_metric"), ignore.case = TRUE))
    if (metric %in% names(STOPPING_ALIASES)) metric <- STOPPING_ALIASES[[metric]]
    known <- c(names(reticulate::py_to_r(py_deepomics(torch = TRUE)$train$metrics$HIGHER_IS_BETTER)),
               "deviance")  # (Python resolves it: the log loss, or the MSE for regression)
    if (!metric %in% known) {
      stop(sprintf("stopping_metric \"%s\" is not a metric; use one of %s (or AUC, AUCPR)",
                   metric, paste(known, collapse = ", ")), call. = FALSE)
    }
    monitor <- metric
  }
  # 0 rounds with a metric: never stop, but keep the best epoch by that metric.
  patience <- if (rounds == 0L) max(py_count(epochs, "epochs", null_ok = FALSE), 1L) else rounds
  reticulate::r_to_py(list(patience = patience, monitor = paste0("valid_", monitor),
                           min_delta = as.double(tolerance)))
}

# Further arguments of Python's fit, named; class_weight as a dict.
fit_extras <- function(..., model) {
  extras <- list(...)
  if (!length(extras)) {
    return(list())
  }
  if (is.null(names(extras)) || any(!nzchar(names(extras)))) {
    stop("arguments in ... must be named (they are passed to Python's train.fit)", call. = FALSE)
  }
  taken <- c(valid_data = "validation_data", valid_fraction = "validation_split",
             early_stopping = "stopping_rounds, stopping_metric and stopping_tolerance",
             train_data = "x and y", layer = "assay", use_rep = "dimred", model = "model")
  clash <- intersect(names(extras), names(taken))
  if (length(clash)) {
    stop(sprintf("%s: use %s instead", clash[[1L]], taken[[clash[[1L]]]]), call. = FALSE)
  }
  # a misspelt argument or a model setting would reach Python as a raw TypeError
  signature <- reticulate::import("inspect", convert = FALSE)$signature(
    py_deepomics(torch = TRUE)$train$fit)
  python <- reticulate::py_to_r(reticulate::import_builtins(convert = FALSE)$list(
    signature$parameters))
  unknown <- setdiff(names(extras), python)
  if (length(unknown)) {
    name <- unknown[[1L]]
    arch <- model@config$arch
    keys <- arch_keys(arch)
    aliases <- names(KEY_ALIASES)[vapply(KEY_ALIASES, function(k) any(k %in% keys), logical(1))]
    hint <- if (name %in% c(keys, aliases)) {
      sprintf("; it is a setting of the %s model: give it to seqModel() or deepomicsModel()", arch)
    } else {
      near <- closest(name, c(setdiff(python, names(taken)), names(formals(trainModel))))
      if (!is.null(near)) sprintf("; did you mean %s?", near) else ""
    }
    stop(sprintf("trainModel() has no argument %s%s", name, hint), call. = FALSE)
  }
  if (!is.null(extras$class_weight) && !is.character(extras$class_weight)) {
    extras$class_weight <- as.list(extras$class_weight)
  }
  if (!is.null(extras$groups)) {
    extras$groups <- as_py_groups(extras$groups)
  }
  extras
}

py_number <- function(x, arg) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x)) {
    stop(sprintf("%s must be a number, not %s", arg, value_label(x)), call. = FALSE)
  }
  as.double(x)
}

# verbose = NULL: progress only for a person at an interactive console, not under testthat, knitr,
# R CMD check or CI.
resolve_verbose <- function(verbose) {
  if (!is.null(verbose)) {
    return(py_flag(verbose, "verbose"))
  }
  interactive() && !identical(Sys.getenv("TESTTHAT"), "true") &&
    !isTRUE(getOption("knitr.in.progress")) && !nzchar(Sys.getenv("CI"))
}

# The closest of `candidates` to `name` (a few letters apart at most), or NULL.
closest <- function(name, candidates) {
  candidates <- setdiff(unique(candidates), c("...", name))
  distance <- utils::adist(name, candidates)[1L, ]
  if (length(distance) && min(distance) <= max(1L, nchar(name) %/% 3L)) {
    candidates[[which.min(distance)]]
  }
}
