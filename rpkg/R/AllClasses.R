# The package's S4 classes (this file is collated first: the methods in other files need them).

#' The training history of a model
#'
#' One row per epoch of training (epochs counted from 1): the training loss and, with
#' validation data, the validation loss and metrics. `trainingHistory()` returns it; it prints a
#' summary, [plot()][plot.DeepomicsHistory] draws it (ggplot2) and [as.data.frame()] gives the
#' table.
#'
#' @slot metrics A data.frame: `epoch`, `train_loss`, then `valid_loss`, `valid_auroc`, ...
#' @slot best_epoch The epoch whose weights the model kept (by `monitor`), or `NA`.
#' @slot monitor The validation metric that chose the best epoch, or `NA` when unknown.
#' @seealso [trainingHistory()], [plot.DeepomicsHistory()]
#' @export
setClass("DeepomicsHistory", slots = c(metrics = "data.frame", best_epoch = "integer",
                                       monitor = "character"),
         prototype = list(metrics = data.frame(), best_epoch = NA_integer_,
                          monitor = NA_character_))

#' A deepomics model
#'
#' An architecture and its settings, and after [trainModel()] its weights and what training
#' learnt (task, classes, the encoding of sequences, the history). Made by [seqModel()],
#' [mlpModel()], [autoencoderModel()], [dgexModel()] or [deepomicsModel()]; trained by
#' [trainModel()]; used by [predict()][predict.DeepomicsModel], [evaluateModel()] and
#' [embedModel()]; written and read by [saveModel()] and [loadModel()] in the files the Python
#' package uses. A fitted model can be kept with [saveRDS()] and used again in another R
#' session: it holds its saved files and rebuilds the Python model when first used.
#'
#' @slot config The model's config, a named list: `arch` and the Python keys (see
#'   [modelParameters()]). Before training only the keys that were set; after, all of them.
#' @slot task `"binary"`, `"multiclass"`, `"multilabel"` or `"regression"`; `NA` before training.
#' @slot classes The class labels in the order of the model's outputs (factor levels), or `NULL`.
#' @slot encoding How sequences are encoded for the model (a list: `input_kind`, `alphabet`,
#'   `length`, `pad`), empty for feature models.
#' @slot input Where the inputs came from: `kind` (`"sequences"`, `"features"`, `"onehot"`) and
#'   for SummarizedExperiments `assay` or `dimred`; predict uses the same by default.
#' @slot features The names of the input features the model was trained on, or `NULL`.
#' @slot history A [DeepomicsHistory-class].
#' @slot n_params The number of weights (`NA` before training).
#' @slot files The saved model folder's files as raw vectors (`config.json`,
#'   `weights.safetensors`), empty before training.
#' @slot cache An environment holding the live Python model.
#' @seealso [trainModel()], [modelInfo()]
#' @export
setClass("DeepomicsModel", slots = c(config = "list", task = "character", classes = "ANY",
                                     encoding = "list", input = "list", features = "ANY",
                                     history = "DeepomicsHistory", n_params = "numeric",
                                     files = "list", cache = "environment"))
