# Using a trained model: predict(), evaluateModel(), embedModel().

#' Predict with a trained model
#'
#' Predictions for new data, which may be anything [trainModel()] takes as `x`. Sequences are
#' encoded as in training (alphabet, length, padding); a matrix or SummarizedExperiment whose
#' features are named is matched to the training features by name.
#'
#' @param object A trained [DeepomicsModel-class].
#' @param newdata The inputs: sequences, a samples x features matrix or `dgCMatrix`, a one-hot
#'   array, a SummarizedExperiment / SingleCellExperiment (features x samples), or a `GRanges`
#'   with `genome`.
#' @param type `"prob"`: class probabilities (for regression the predicted values, for an
#'   autoencoder the reconstruction); `"class"`: the predicted class, a factor whose levels are
#'   the model's classes (for multilabel, a logical matrix: probability above 0.5). Not for a
#'   SummarizedExperiment, which gets both.
#' @param batch_size Samples per batch.
#' @param assay,dimred For a SummarizedExperiment: the assay or reducedDim to use; by default
#'   the one the model was trained on.
#' @param genome For a `GRanges` `newdata`: the path of the genome FASTA file its ranges'
#'   sequences are read from ([intervalSequences()]).
#' @param device Where the model runs: `"auto"` (a CUDA GPU when there is one), `"cpu"` or
#'   `"cuda"`.
#' @param name The prefix of the colData columns written into a SummarizedExperiment
#'   (default `"deepomics"`), the reducedDim of an autoencoder's embedding (default
#'   `"DEEPOMICS"`), or the assay of a D-GEX model's predicted targets (default `"predicted"`).
#' @param overwrite For a SummarizedExperiment: whether the predictions may replace colData
#'   columns of the same names that deepomics did not write (the columns it wrote, listed in
#'   `metadata(newdata)$deepomics_written`, are replaced when it runs again; those an earlier
#'   prediction wrote under the same `name` that this one does not write, such as another
#'   model's `<name>_prob_<class>`, are dropped).
#' @param ... Not used: an error when given.
#' @return For sequences and matrices: with `type = "prob"` a matrix, samples x classes, of
#'   probabilities, columns named by the classes (the levels of the training factor, in
#'   order; both columns for binary), or for regression a numeric vector (a matrix for several
#'   targets); with `type = "class"` a factor. Rows or elements are named by the samples.
#'
#'   For a SummarizedExperiment / SingleCellExperiment, `newdata` with the predictions added:
#'   in `colData`, `<name>_class` (a factor) and `<name>_prob_<class>` for each class (for
#'   regression `<name>`, or `<name>_<target>` for several targets); for an autoencoder the
#'   embedding ([embedModel()]) as the reducedDim `<name>` of a SingleCellExperiment (in the
#'   colData of a SummarizedExperiment, as a matrix column). For a D-GEX model ([trainDgex()]),
#'   a new SummarizedExperiment of the predicted targets (targets x samples, assay `<name>`)
#'   with the colData of `newdata`.
#' @seealso [evaluateModel()], [embedModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(300 * 10), 300, dimnames = list(NULL, paste0("g", 1:10)))
#' y <- factor(ifelse(x[, 1] + x[, 2] > 0, "up", "down"), levels = c("up", "down"))
#' model <- trainModel(mlpModel(hidden = 16), x, y, epochs = 5)
#' head(predict(model, x))
#' table(predicted = predict(model, x, type = "class"), truth = y)
predict.DeepomicsModel <- function(object, newdata, type = c("prob", "class"), batch_size = 256,
                                   assay = NULL, dimred = NULL, name = NULL, genome = NULL,
                                   overwrite = FALSE, device = "auto", ...) {
  check_dots_empty(...)
  check_model(object, fitted = TRUE, arg = "object")
  into_se <- is(newdata, "SummarizedExperiment")
  if (into_se && !missing(type)) {
    stop("type applies to sequences and matrices; for a SummarizedExperiment the predicted ",
         "class and the probabilities are both written into its colData", call. = FALSE)
  }
  type <- match.arg(type)
  if (!is.null(name)) {
    if (!into_se) {
      stop("name applies to a SummarizedExperiment newdata (the colData columns it writes); ",
           "predictions for sequences and matrices are returned as they are", call. = FALSE)
    }
    name <- py_string(name, "name")
  }
  if (into_se) {
    return(predict_into_se(object, newdata, batch_size, assay, dimred, name,
                           py_flag(overwrite, "overwrite"), device))
  }
  if (!missing(overwrite)) {
    stop("overwrite applies to a SummarizedExperiment newdata (the colData columns it writes); ",
         "predictions for sequences and matrices are returned as they are", call. = FALSE)
  }
  inputs <- model_inputs(object, newdata, assay, dimred, "newdata", genome)
  probs <- run_predict(object, inputs, batch_size, device)
  if (type == "class") {
    return(as_classes(object, probs))
  }
  probs
}

# The inputs for a trained model, with its training assay / reducedDim by default.
model_inputs <- function(model, x, assay, dimred, arg, genome = NULL) {
  if (is(x, "SummarizedExperiment") && is.null(assay) && is.null(dimred)) {
    assay <- model@input$assay
    dimred <- model@input$dimred
  }
  if (isTRUE(model@encoding$input_kind %in% c("onehot", "tokens"))) {
    # a one-hot array's channels by name, in the model's order
    x <- model_channels(x, model@encoding$alphabet %||% model@config$alphabet %||% "dna", arg)
  }
  inputs <- as_py_inputs(x, assay = assay, dimred = dimred, features = model@features,
                         genome = genome, arg = arg)
  takes_sequences <- isTRUE(model@encoding$input_kind %in% c("onehot", "tokens"))
  if (takes_sequences && identical(inputs$kind, "features")) {
    stop(sprintf(paste0("this %s model takes sequences, but %s is a feature matrix; give ",
                        "sequences (character, DNAStringSet) or a one-hot array (samples x ",
                        "channels x positions: one sequence's slice keeps its first dimension ",
                        "with x[i, , , drop = FALSE])"), model@config$arch, arg), call. = FALSE)
  }
  if (!takes_sequences && identical(inputs$kind, "sequences")) {
    stop(sprintf("this %s model takes a feature matrix, but %s holds sequences",
                 model@config$arch, arg), call. = FALSE)
  }
  inputs
}

run_predict <- function(model, inputs, batch_size, device = "auto") {
  py <- py_model(model)
  out <- py_call(py_deepomics(torch = TRUE)$train$predict, py, inputs$x,
                 batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                 device = py_string(device, "device"))
  predictions_from_py(out, model, inputs$names, inputs$features)
}

# Class predictions from probabilities.
as_classes <- function(model, probs) {
  task <- model@task
  if (identical(task, "multilabel")) {
    return(probs > 0.5)
  }
  if (!task %in% c("binary", "multiclass")) {
    stop("type = \"class\" applies to classification models; this one does ",
         if (identical(model@config$arch, "autoencoder")) "reconstruction" else task, call. = FALSE)
  }
  classes <- as.character(model@classes)
  out <- factor(classes[max.col(probs, ties.method = "first")], levels = classes)
  names(out) <- rownames(probs)
  out
}

predict_into_se <- function(model, x, batch_size, assay, dimred, name, overwrite,
                            device = "auto") {
  arch <- model@config$arch
  if (identical(arch, "autoencoder")) {
    return(embedModel(model, x, batch_size = batch_size, assay = assay, dimred = dimred,
                      name = name %||% "DEEPOMICS", overwrite = overwrite, device = device))
  }
  inputs <- model_inputs(model, x, assay, dimred, "newdata")
  probs <- run_predict(model, inputs, batch_size, device)
  if (identical(arch, "dgex")) {
    predicted <- t(as.matrix(probs))
    rownames(predicted) <- as.character(model@classes) %||% rownames(predicted)
    colnames(predicted) <- colnames(x)
    return(SummarizedExperiment::SummarizedExperiment(
      assays = stats::setNames(list(predicted), name %||% "predicted"),
      colData = SummarizedExperiment::colData(x)))
  }
  name <- name %||% "deepomics"
  task <- model@task
  columns <- list()
  if (task %in% c("binary", "multiclass")) {
    columns[[paste0(name, "_class")]] <- unname(as_classes(model, probs))
  }
  if (is.null(dim(probs))) {
    columns[[name]] <- unname(probs)
  } else {
    labels <- colnames(probs) %||% as.character(seq_len(ncol(probs)))
    infix <- if (task %in% c("binary", "multiclass", "multilabel")) "_prob_" else "_"
    for (j in seq_len(ncol(probs))) {
      columns[[paste0(name, infix, labels[[j]])]] <- unname(probs[, j])
    }
  }
  write_results(x, columns, "colData", overwrite, group = name)
}

# Writes `values` (a named list) into x's colData columns or reducedDims (`slot`). What
# deepomics wrote is listed in metadata(x)$deepomics_written ("colData/<column>",
# "reducedDim/<name>"), as Python lists it in uns["deepomics_written"], so running again
# replaces it. A column or reducedDim of that name that deepomics did not write is the user's
# (their labels, scater's PCA) and is replaced only with overwrite = TRUE; it stays the user's.
# `group` (predict's prefix) names the set written together: metadata(x)$deepomics_groups
# lists each set's entries, and what the last write of a group wrote and this one does not
# (another model's prob_NK next to prob_B / prob_T) is dropped.
write_results <- function(x, values, slot, overwrite, group = NULL) {
  ours <- as.character(S4Vectors::metadata(x)$deepomics_written)
  groups <- as.list(S4Vectors::metadata(x)$deepomics_groups)
  group <- if (!is.null(group)) paste0(slot, "/", group)
  held <- if (slot == "colData") names(SummarizedExperiment::colData(x)) else
    SingleCellExperiment::reducedDimNames(x)
  keys <- paste0(slot, "/", names(values))
  foreign <- names(values) %in% held & !keys %in% ours
  if (any(foreign) && !overwrite) {
    what <- if (slot == "colData") "colData column" else "reducedDim"
    taken <- names(values)[foreign]
    stop(sprintf("the %s%s %s already %s data that deepomics did not write; choose ",
                 what, if (length(taken) > 1) "s" else "", paste(dQuote(taken, FALSE), collapse = ", "),
                 if (length(taken) > 1) "hold" else "holds"),
         "another name, or pass overwrite = TRUE to replace ",
         if (length(taken) > 1) "them" else "it", call. = FALSE)
  }
  # the group's earlier entries that are still deepomics' own and not written now
  stale <- if (!is.null(group)) setdiff(intersect(as.character(groups[[group]]), ours), keys) else
    character()
  stale <- sub(paste0("^", slot, "/"), "", stale[startsWith(stale, paste0(slot, "/"))])
  if (slot == "colData") {
    cd <- SummarizedExperiment::colData(x)
    for (key in stale) cd[[key]] <- NULL
    for (key in names(values)) cd[[key]] <- values[[key]]
    SummarizedExperiment::colData(x) <- cd
  } else {
    for (key in stale) SingleCellExperiment::reducedDim(x, key) <- NULL
    for (key in names(values)) SingleCellExperiment::reducedDim(x, key) <- values[[key]]
  }
  S4Vectors::metadata(x)$deepomics_written <- setdiff(union(ours, keys[!foreign]),
                                                      paste0(slot, "/", stale))
  if (!is.null(group)) {
    groups[[group]] <- keys[!foreign]
    S4Vectors::metadata(x)$deepomics_groups <- groups
  }
  x
}

#' Evaluate a trained model
#'
#' The model's metrics on labelled data: for binary classification AUROC, AUPRC, accuracy, F1,
#' MCC, sensitivity, specificity and log loss; for multiclass accuracy, F1, MCC, AUROC and log
#' loss overall, and AUROC, sensitivity, specificity and F1 per class; for multilabel per label
#' and averaged; for regression Pearson, Spearman, MSE, MAE and R^2 (computed by the Python
#' package with torchmetrics; log loss in nats, as scikit-learn's log_loss).
#'
#' @inheritParams predict.DeepomicsModel
#' @param model A trained [DeepomicsModel-class].
#' @param x The inputs, as for [predict()][predict.DeepomicsModel].
#' @param y The labels, as for [trainModel()] (for a SummarizedExperiment, may name a colData
#'   column).
#' @return A data.frame with columns `metric`, `output` (`"all"` for the summary, else the
#'   class, label or target) and `value`.
#' @seealso [trainModel()], [predict.DeepomicsModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(300 * 10), 300)
#' y <- factor(ifelse(x[, 1] > 0, "up", "down"))
#' model <- trainModel(mlpModel(hidden = 16), x[1:200, ], y[1:200], epochs = 5)
#' evaluateModel(model, x[201:300, ], y[201:300])
evaluateModel <- function(model, x, y, batch_size = 256, assay = NULL, dimred = NULL,
                          genome = NULL, device = "auto") {
  check_model(model, fitted = TRUE)
  if (identical(model@config$arch, "autoencoder")) {
    stop("evaluateModel() needs a model with labels; an autoencoder has none", call. = FALSE)
  }
  inputs <- model_inputs(model, x, assay, dimred, "x", genome)
  labels <- as_py_labels(y, x, inputs$n, classes = model_classes(model))
  table <- py_call(py_deepomics(torch = TRUE)$train$evaluate, py_model(model),
                   reticulate::tuple(inputs$x, labels),
                   batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                   device = py_string(device, "device"))
  table_from_py(table)
}

#' Embed data with an autoencoder
#'
#' The latent representation of each sample by a trained autoencoder ([autoencoderModel()];
#' the mean of the latent distribution for a variational one).
#'
#' @inheritParams predict.DeepomicsModel
#' @param model A trained autoencoder.
#' @param x The inputs: a samples x features matrix or `dgCMatrix`, or a
#'   SummarizedExperiment / SingleCellExperiment.
#' @param name For a SingleCellExperiment, the name of the reducedDim, `"DEEPOMICS"` by
#'   default (for a SummarizedExperiment, of the colData matrix column).
#' @param overwrite Whether the embedding may replace a reducedDim / colData column of that
#'   name that deepomics did not write (one it wrote is replaced when it runs again).
#' @return A matrix, samples x latent dimensions (columns `latent1`, `latent2`, ...), or `x`
#'   with the embedding added as the reducedDim `name` (SingleCellExperiment) or the colData
#'   column `name` (SummarizedExperiment).
#' @seealso [autoencoderModel()], [trainModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(200 * 20), 200)
#' model <- trainModel(autoencoderModel(hidden = 16, latent = 2), x, epochs = 3)
#' head(embedModel(model, x))
embedModel <- function(model, x, batch_size = 256, assay = NULL, dimred = NULL,
                       name = "DEEPOMICS", overwrite = FALSE, device = "auto") {
  check_model(model, fitted = TRUE)
  name <- py_string(name, "name")
  overwrite_given <- !missing(overwrite)
  overwrite <- py_flag(overwrite, "overwrite")
  if (!identical(model@config$arch, "autoencoder")) {
    stop("embedModel() needs an autoencoder (autoencoderModel()); this model is a ",
         model@config$arch, call. = FALSE)
  }
  inputs <- model_inputs(model, x, assay, dimred, "x")
  out <- py_call(py_deepomics(torch = TRUE)$train$embed, py_model(model), inputs$x,
                 batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                 device = py_string(device, "device"))
  embedding <- array_from_py(out)
  dimnames(embedding) <- list(inputs$names, paste0("latent", seq_len(ncol(embedding))))
  if (!is(x, "SummarizedExperiment")) {
    if (overwrite_given) {
      stop("overwrite applies to a SummarizedExperiment x (where the embedding is written); ",
           "the embedding of a matrix is returned as it is", call. = FALSE)
    }
    return(embedding)
  }
  slot <- if (is(x, "SingleCellExperiment")) "reducedDim" else "colData"
  write_results(x, stats::setNames(list(embedding), name), slot, overwrite)
}
