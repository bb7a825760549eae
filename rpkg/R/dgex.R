#' Train D-GEX: target genes from landmark genes
#'
#' Trains a D-GEX network (Chen et al. 2016, "Gene expression inference with deep learning"):
#' a multi-output regression of the expression of `targets` from that of `landmarks`, both
#' rownames of a SummarizedExperiment (genes x samples). The trained model predicts the
#' targets of new samples that hold the landmarks only: `predict(model, newdata)` returns a
#' SummarizedExperiment of the predicted targets (targets x samples) with `newdata`'s colData.
#' The same as `deepomics.tl.dgex()` in Python.
#'
#' @param x A SummarizedExperiment (or SingleCellExperiment) holding both gene sets.
#' @param landmarks,targets Rownames of `x`: the input genes and the genes to predict (no gene
#'   in both).
#' @param model A [dgexModel()] (its settings: `hidden`, `activation`, `dropout`).
#' @param assay The assay to learn from (name or number); `NULL`: as [trainModel()] chooses.
#' @param ... Passed to [trainModel()]: `epochs`, `lr`, `batch_size`, `validation_split`,
#'   `stopping_rounds`, `seed`, ...
#' @return The trained [DeepomicsModel-class]: its features are the landmarks, its outputs
#'   the targets.
#' @seealso [dgexModel()], [predict.DeepomicsModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' landmarks <- matrix(rnorm(20 * 300), 20, dimnames = list(paste0("L", 1:20), NULL))
#' targets <- tanh(crossprod(matrix(rnorm(20 * 5), 20), landmarks) / 4)
#' rownames(targets) <- paste0("T", 1:5)
#' se <- SummarizedExperiment::SummarizedExperiment(list(logexpr = rbind(landmarks, targets)))
#' model <- trainDgex(se[, 1:200], rownames(landmarks), rownames(targets),
#'                    dgexModel(hidden = 32), epochs = 20, lr = 0.01)
#' predicted <- predict(model, se[rownames(landmarks), 201:300])
#' predicted
#' cor(as.vector(SummarizedExperiment::assay(predicted)), as.vector(targets[, 201:300]))
trainDgex <- function(x, landmarks, targets, model = dgexModel(), assay = NULL, ...) {
  if (!is(x, "SummarizedExperiment")) {
    stop("x must be a SummarizedExperiment (genes x samples) holding the landmark and target ",
         "genes; not ", class_label(x), call. = FALSE)
  }
  check_model(model)
  if (!identical(model@config$arch, "dgex")) {
    stop("model must be a dgexModel(), not a ", model@config$arch, " model", call. = FALSE)
  }
  landmarks <- gene_names(x, landmarks, "landmarks")
  targets <- gene_names(x, targets, "targets")
  both <- intersect(landmarks, targets)
  if (length(both)) {
    stop(sprintf("%d genes are both landmarks and targets (e.g. %s); a target must not be an input",
                 length(both), paste(utils::head(both, 5), collapse = ", ")), call. = FALSE)
  }
  assay <- assay_name(x, assay, "x")
  y <- t(as.matrix(SummarizedExperiment::assay(x[targets, ], assay, withDimnames = FALSE)))
  colnames(y) <- targets
  trainModel(model, x[landmarks, ], y, assay = assay, task = "regression", ...)
}

# `genes` after checking that they are distinct rownames of `x`.
gene_names <- function(x, genes, what) {
  if (!is.character(genes) || !length(genes) || anyNA(genes)) {
    stop(sprintf("%s must be gene names (rownames of x)", what), call. = FALSE)
  }
  missing <- setdiff(genes, rownames(x))
  if (length(missing)) {
    stop(sprintf("%d of the %d %s are not rownames of x (e.g. %s)", length(missing), length(genes),
                 what, paste(utils::head(missing, 5), collapse = ", ")), call. = FALSE)
  }
  if (anyDuplicated(genes)) {
    stop(sprintf("%s name a gene twice (%s)", what, genes[anyDuplicated(genes)]), call. = FALSE)
  }
  genes
}
