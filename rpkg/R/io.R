# Model files: saveModel() and loadModel(), in the Python package's format.

#' Save and load models
#'
#' `saveModel()` writes a trained model to a folder in the Python package's format:
#' `config.json` (architecture, task, classes, encoding, history, versions, the weights'
#' checksum and its own) and `weights.safetensors`. `loadModel()` reads such a folder, written by R or by
#' Python (`deepomics.io.save`); Python's `deepomics.io.load` reads what `saveModel()` wrote.
#' The folder is written atomically (a temporary folder, then a rename), and loading never
#' unpickles: a truncated or altered file, weights or `config.json`, fails its checksum.
#'
#' A trained model also survives [saveRDS()] / [readRDS()], into another R session: it holds
#' these files and rebuilds the Python model when it is first used.
#'
#' @param model A trained [DeepomicsModel-class].
#' @param path The model folder.
#' @param overwrite If `TRUE`, replace a model saved at `path` (or an empty folder there); other
#'   files in the folder are kept. A folder that holds no model is never written over.
#' @return `saveModel()`: the folder's absolute path, invisibly. `loadModel()`: the
#'   [DeepomicsModel-class].
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- matrix(rnorm(100 * 5), 100)
#' model <- trainModel(mlpModel(hidden = 8), x, factor(x[, 1] > 0), epochs = 2)
#' path <- file.path(tempdir(), "my-model")
#' saveModel(model, path, overwrite = TRUE)
#' same <- loadModel(path)
#' all.equal(predict(model, x), predict(same, x))
saveModel <- function(model, path, overwrite = FALSE) {
  check_model(model, fitted = TRUE)
  path <- py_path(path)
  out <- py_call(py_deepomics(torch = TRUE)$io$save, py_model(model), path,
                 overwrite = py_flag(overwrite, "overwrite"))
  invisible(reticulate::py_to_r(out))
}

#' @rdname saveModel
#' @export
loadModel <- function(path) {
  path <- py_path(path)
  py <- py_call(py_deepomics(torch = TRUE)$io$load, path)
  encoding <- reticulate::py_get_attr(py, "encoding", silent = TRUE)
  kind <- if (is.null(encoding) || is_py_none(encoding)) "features" else
    reticulate::py_to_r(encoding$input_kind)
  kind <- if (kind %in% c("onehot", "tokens")) "sequences" else kind
  source <- reticulate::py_to_r(reticulate::py_get_attr(py, "input_source", silent = TRUE))
  input <- list(kind = kind, assay = source$layer, dimred = source$use_rep)
  model_from_py(py, input = input[!vapply(input, is.null, logical(1))],
                files = read_model_files(path))
}
