# The training history: trainingHistory(), show, plot (ggplot2), as.data.frame.

utils::globalVariables(c("epoch", "value", "split"))  # ggplot2::aes() columns

#' The training history of a model
#'
#' @param model A trained [DeepomicsModel-class].
#' @return A [DeepomicsHistory-class]: print it for a summary, [plot()][plot.DeepomicsHistory]
#'   it for curves, [as.data.frame()][as.data.frame.DeepomicsHistory] for the table (one row
#'   per epoch, counted from 1).
#' @seealso [trainModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(200 * 5), 200)
#' y <- factor(x[, 1] > 0)
#' model <- trainModel(mlpModel(hidden = 8), x, y, epochs = 4, validation_split = 0.25)
#' h <- trainingHistory(model)
#' h
#' as.data.frame(h)
#' plot(h)
trainingHistory <- function(model) {
  check_model(model, fitted = TRUE)
  model@history
}

#' @rdname DeepomicsHistory-class
#' @param object The history to show.
#' @export
setMethod("show", "DeepomicsHistory", function(object) {
  m <- object@metrics
  cat("<DeepomicsHistory> ", nrow(m), " epoch", if (nrow(m) != 1L) "s", sep = "")
  if (!is.na(object@best_epoch)) {
    cat(", kept epoch ", object@best_epoch,
        if (!is.na(object@monitor)) paste0(" (best ", object@monitor, ")"), sep = "")
  }
  cat("\n")
  if (nrow(m)) {
    columns <- intersect(unique(c("epoch", "train_loss", "valid_loss", object@monitor)), names(m))
    rows <- if (nrow(m) > 8L) c(1:3, (nrow(m) - 2L):nrow(m)) else seq_len(nrow(m))
    print(format(m[rows, columns, drop = FALSE], digits = 4), row.names = FALSE)
    if (length(columns) < ncol(m)) {
      cat("(", ncol(m) - length(columns), " more columns: as.data.frame() has them all)\n", sep = "")
    }
  }
  invisible(object)
})

#' The history as a data.frame, and as a plot
#'
#' @param x A [DeepomicsHistory-class] (from [trainingHistory()]); `plot()` also takes a
#'   trained model.
#' @param row.names,optional Not used (there for [as.data.frame()]'s sake).
#' @param metrics For `plot()`, the metrics to draw (e.g. `c("loss", "auroc")`); `NULL`: all.
#' @param ... Not used.
#' @return `as.data.frame()`: one row per epoch: `epoch` (from 1), `train_loss`, and with
#'   validation data `valid_loss` and the validation metrics. `plot()`: a ggplot, one panel
#'   per metric, training and validation as colours, the kept epoch as a dashed line.
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(200 * 5), 200)
#' model <- trainModel(mlpModel(hidden = 8), x, factor(x[, 1] > 0), epochs = 4,
#'                     validation_split = 0.25)
#' plot(trainingHistory(model), metrics = c("loss", "auroc"))
as.data.frame.DeepomicsHistory <- function(x, row.names = NULL, optional = FALSE, ...) {
  x@metrics
}

#' @rdname as.data.frame.DeepomicsHistory
#' @export
plot.DeepomicsHistory <- function(x, metrics = NULL, ...) {
  m <- x@metrics
  if (!nrow(m)) {
    stop("the history is empty: the model has not been trained", call. = FALSE)
  }
  columns <- setdiff(names(m), "epoch")
  long <- data.frame(
    epoch = rep(m$epoch, length(columns)),
    split = rep(ifelse(startsWith(columns, "train_"), "train", "validation"), each = nrow(m)),
    metric = rep(sub("^(train|valid)_", "", columns), each = nrow(m)),
    value = unlist(m[columns], use.names = FALSE),
    stringsAsFactors = FALSE
  )
  if (!is.null(metrics)) {
    unknown <- setdiff(metrics, long$metric)
    if (length(unknown)) {
      stop(sprintf("the history has no metric %s (it has: %s)", paste(unknown, collapse = ", "),
                   paste(unique(long$metric), collapse = ", ")), call. = FALSE)
    }
    long <- long[long$metric %in% metrics, , drop = FALSE]
  }
  long$metric <- factor(long$metric, levels = unique(long$metric))
  long <- long[!is.na(long$value), , drop = FALSE]
  plot <- ggplot2::ggplot(long, ggplot2::aes(x = epoch, y = value, colour = split)) +
    ggplot2::geom_line() +
    ggplot2::geom_point(size = 1) +
    ggplot2::facet_wrap(~metric, scales = "free_y") +
    ggplot2::labs(x = "epoch", y = NULL, colour = NULL) +
    ggplot2::theme_bw()
  if (!is.na(x@best_epoch)) {
    plot <- plot + ggplot2::geom_vline(xintercept = x@best_epoch, linetype = "dashed",
                                       colour = "grey40")
  }
  plot
}

#' @rdname as.data.frame.DeepomicsHistory
#' @export
plot.DeepomicsModel <- function(x, metrics = NULL, ...) {
  plot.DeepomicsHistory(trainingHistory(x), metrics = metrics, ...)
}
