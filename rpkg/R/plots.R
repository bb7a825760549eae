# plotEmbedding() and plotPredicted(): the plots of Python's pl.latent and
# pl.predicted_vs_observed, as ggplots.

utils::globalVariables(c("dim_x", "dim_y", "group", "observed", "predicted"))  # aes() columns

#' Plot cells in two dimensions of an embedding
#'
#' Cells of a SingleCellExperiment in two dimensions of a reducedDim, such as the autoencoder
#' embedding [predict()] writes (`"DEEPOMICS"`, or the `name` given), coloured by a `colData`
#' column: Python's `pl.latent()`.
#'
#' @param x A SingleCellExperiment.
#' @param dimred The reducedDim to plot.
#' @param colour_by A `colData` column to colour the cells by, or `NULL`.
#' @param dims The two dimensions (columns of the reducedDim) to plot, counted from 1.
#' @return A ggplot.
#' @seealso [embedModel()], [autoencoderModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' sce <- SingleCellExperiment::SingleCellExperiment(
#'   list(logcounts = matrix(rnorm(2000), 20, 100, dimnames = list(paste0("g", 1:20), NULL))),
#'   colData = S4Vectors::DataFrame(batch = rep(c("a", "b"), 50)))
#' ae <- trainModel(autoencoderModel(hidden = 8, latent = 2), sce, epochs = 5, seed = 1)
#' sce <- predict(ae, sce)
#' plotEmbedding(sce, "DEEPOMICS", colour_by = "batch")
plotEmbedding <- function(x, dimred = "DEEPOMICS", colour_by = NULL, dims = c(1, 2)) {
  if (!is(x, "SingleCellExperiment")) {
    stop(sprintf("x must be a SingleCellExperiment; not %s", class_label(x)), call. = FALSE)
  }
  available <- SingleCellExperiment::reducedDimNames(x)
  if (!(is.character(dimred) && length(dimred) == 1L && dimred %in% available)) {
    stop(sprintf("dimred = %s is not a reducedDim of x (it has: %s)%s", value_label(dimred),
                 if (length(available)) paste(available, collapse = ", ") else "none",
                 if (identical(dimred, "DEEPOMICS")) "; predict(autoencoder, x) writes it" else ""),
         call. = FALSE)
  }
  m <- as.matrix(SingleCellExperiment::reducedDim(x, dimred))
  if (!(is.numeric(dims) && length(dims) == 2L && all(dims == round(dims)) &&
        all(dims >= 1) && all(dims <= ncol(m)) && dims[[1]] != dims[[2]])) {
    stop(sprintf("dims must be two different columns of %s, from 1 to %d; not %s", dimred,
                 ncol(m), paste(format(dims), collapse = ", ")), call. = FALSE)
  }
  labels <- colnames(m)[dims] %||% paste(dimred, dims)
  data <- data.frame(dim_x = m[, dims[[1]]], dim_y = m[, dims[[2]]])
  mapping <- ggplot2::aes(x = dim_x, y = dim_y)
  if (!is.null(colour_by)) {
    columns <- colnames(SummarizedExperiment::colData(x))
    if (!(is.character(colour_by) && length(colour_by) == 1L && colour_by %in% columns)) {
      stop(sprintf("colour_by = %s is not a colData column of x (they are: %s)",
                   value_label(colour_by), paste(utils::head(columns, 20), collapse = ", ")),
           call. = FALSE)
    }
    data$group <- x[[colour_by]]
    mapping <- ggplot2::aes(x = dim_x, y = dim_y, colour = group)
  }
  ggplot2::ggplot(data, mapping) +
    ggplot2::geom_point(size = 0.8, alpha = 0.7) +
    ggplot2::labs(x = labels[[1]], y = labels[[2]], colour = colour_by) +
    ggplot2::theme_minimal()
}

#' Plot predictions against observed values
#'
#' A scatter of a regression model's predictions against the observed values, the identity
#' line, and Pearson's r and R^2 (1 - residual / total sum of squares) in the title: Python's
#' `pl.predicted_vs_observed()`. Matrices (samples x targets, as [predict()] gives for several
#' targets) are matched by their dimnames when both have them, else by position.
#'
#' @param predicted,observed Numeric vectors or matrices of one shape.
#' @param title A title to put before the figures, or `NULL`.
#' @return A ggplot.
#' @seealso [trainDgex()], [evaluateModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' x <- matrix(rnorm(400), 100, 4, dimnames = list(NULL, paste0("f", 1:4)))
#' y <- x %*% c(1, -1, 0.5, 0) + rnorm(100, sd = 0.1)
#' model <- trainModel(mlpModel(hidden = 8), x, y[, 1], epochs = 30, lr = 0.01, seed = 1)
#' plotPredicted(predict(model, x), y[, 1], title = "training data")
plotPredicted <- function(predicted, observed, title = NULL) {
  if (!is.null(dimnames(predicted)) && !is.null(dimnames(observed)) &&
      !any(vapply(c(dimnames(predicted), dimnames(observed)), is.null, logical(1)))) {
    if (!setequal(rownames(predicted), rownames(observed)) ||
        !setequal(colnames(predicted), colnames(observed))) {
      stop("predicted and observed are matrices of other samples or targets (their dimnames ",
           "differ); give the same ones", call. = FALSE)
    }
    observed <- observed[rownames(predicted), colnames(predicted), drop = FALSE]
  }
  if (!(is.numeric(predicted) && is.numeric(observed))) {
    stop("predicted and observed must be numbers", call. = FALSE)
  }
  p <- as.numeric(predicted)
  o <- as.numeric(observed)
  if (length(p) != length(o)) {
    stop(sprintf(paste0("predicted has %d values but observed %d; give the same samples and ",
                        "targets in the same order"), length(p), length(o)), call. = FALSE)
  }
  for (what in c("predicted", "observed")) {
    values <- if (what == "predicted") p else o
    if (!all(is.finite(values))) {
      stop(sprintf("%s holds NA, NaN or infinite values (%d, the first at position %d); drop those samples first",
                   what, sum(!is.finite(values)), which(!is.finite(values))[[1L]]), call. = FALSE)
    }
  }
  r <- stats::cor(o, p)
  r2 <- 1 - sum((o - p)^2) / sum((o - mean(o))^2)
  label <- sprintf("%sr = %.3f, R\u00b2 = %.3f", if (is.null(title)) "" else paste0(title, ": "), r, r2)
  ggplot2::ggplot(data.frame(observed = o, predicted = p), ggplot2::aes(x = observed, y = predicted)) +
    ggplot2::geom_abline(slope = 1, intercept = 0, colour = "grey50") +
    ggplot2::geom_point(size = 0.8, alpha = 0.4) +
    ggplot2::labs(title = label) +
    ggplot2::theme_minimal()
}
