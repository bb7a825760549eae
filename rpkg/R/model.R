# Models in R: the S4 classes, the constructors and the link to the live Python model.
#
# A DeepomicsModel holds, before training, the model's config (a named list, the same dict as in
# Python, with only what the user chose: the sizes that follow from the data are filled in by
# trainModel()). After training it also holds the bytes of the saved model folder (config.json
# and weights.safetensors, exactly what Python's io.save writes) and what R shows without
# Python: task, classes, encoding, history. The live Python model is kept in the `cache`
# environment; after saveRDS()/readRDS() its pointer is void and py_model() rebuilds it from the
# bytes, so a fitted model survives a new R session.

new_model <- function(config, task = NA_character_, classes = NULL, encoding = list(),
                      input = list(), features = NULL, history = methods::new("DeepomicsHistory"),
                      n_params = NA_real_, files = list(), py = NULL) {
  cache <- new.env(parent = emptyenv())
  cache$py <- py
  methods::new("DeepomicsModel", config = config, task = task, classes = classes,
               encoding = encoding, input = input, features = features, history = history,
               n_params = n_params, files = files, cache = cache)
}

is_fitted <- function(model) length(model@files) > 0L

# ---- constructors ----------------------------------------------------------------------------

# R argument names and the Python keys they stand for, in the order tried: the first that the
# architecture has is used. Python's own keys are always accepted too.
KEY_ALIASES <- list(
  length = "seq_len",
  outputs = "n_outputs",
  features = "n_features",
  filters = "n_filters",
  latent = "latent_dim",
  layers = "num_layers",
  embedding = "embedding_dim",
  hidden = c("hidden", "hidden_size"),
  units = "hidden_size"
)

SEQUENCE_ARCHS <- c("deepbind", "promoter_cnn", "basset", "deepsea", "rnn", "danq", "deeploc",
                    "kmer_linear")

# The Python keys of an architecture; an unknown one is an error of `call`.
arch_keys <- function(arch, call = entry_call()) {
  params <- py_call(py_deepomics(torch = TRUE)$models$parameters, arch, call = call)
  names(reticulate::py_to_r(params))
}

# A config from R arguments (aliases resolved; NULL arguments left out), checked by Python's
# registry with placeholders for the sizes that follow from the data.
make_config <- function(arch, args, caller) {
  arch <- py_string(arch, "arch")
  args <- args[!vapply(args, is.null, logical(1))]
  if (length(args) && (is.null(names(args)) || any(!nzchar(names(args))))) {
    stop(caller, "(): every model setting must be named, e.g. dropout = 0.2", call. = FALSE)
  }
  keys <- arch_keys(arch)
  config <- list(arch = arch)
  spelled <- character()  # Python key -> the R name the user gave it under
  for (name in names(args)) {
    key <- name
    if (!name %in% keys && name %in% names(KEY_ALIASES)) {
      key <- intersect(KEY_ALIASES[[name]], keys)[1L]
      if (is.na(key)) key <- name
    }
    if (!is.null(config[[key]]) || (key != name && key %in% names(args))) {
      stop(sprintf("%s(): %s is given twice (as %s and %s)", caller, key, name, key), call. = FALSE)
    }
    config[key] <- list(args[[name]])
    if (key != name) spelled[[key]] <- name
  }
  check_config(config, spelled)
  config
}

# Checks a (partial) config with Python's registry; the data-dependent required keys get a
# placeholder for the check only. `spelled` (Python key -> R name) names the settings in an
# error as the user wrote them (`latent`, not `latent_dim`).
check_config <- function(config, spelled = character()) {
  models <- py_deepomics(torch = TRUE)$models
  probe <- config
  defaults <- reticulate::py_to_r(py_call(models$defaults, config$arch))
  for (key in c("n_features", "n_outputs")) {
    if (key %in% names(defaults) && is.null(probe[[key]])) probe[[key]] <- 1L
  }
  tryCatch(
    py_call(models$check_config, config_to_py(probe)),
    deepomics_python_error = function(e) {
      for (key in names(spelled)) {
        e$message <- gsub(sprintf("\\b%s\\b", key), spelled[[key]], e$message, perl = TRUE)
      }
      stop(e)
    }
  )
  invisible(config)
}

#' Models for sequences
#'
#' Makes a model for DNA, RNA or protein sequences, of any of the sequence architectures:
#' `"deepbind"` (one convolution and global pooling), `"promoter_cnn"`, `"basset"`,
#' `"deepsea"` (stacked convolutions), `"rnn"` (an RNN, LSTM or GRU), `"danq"` (convolution and
#' a bidirectional LSTM), `"deeploc"` (convolutions, BiLSTM and attention, for proteins) and
#' `"kmer_linear"` (logistic regression on k-mer counts, the classic baseline; for protein,
#' `k = 1` is the amino-acid composition).
#'
#' Settings left out take the architecture's defaults, listed with their meaning by
#' [modelParameters()]. The sizes that follow from the data, the number of outputs and for the
#' fixed-length architectures (`basset`, `deepsea`, `promoter_cnn`, `danq`) the sequence
#' length, are set by [trainModel()] unless given. Settings take the Python package's names
#' (`n_filters`, `seq_len`, ...) or these R names: `filters` (`n_filters`), `length`
#' (`seq_len`), `outputs` (`n_outputs`), `hidden` (`hidden`, or `hidden_size` for `rnn`),
#' `layers` (`num_layers`), `embedding` (`embedding_dim`), `units` (`hidden_size`). `NA` stands
#' for Python's `None` (e.g. `length = NA`: any length). Python checks the settings here, and
#' an error names the one that is wrong.
#'
#' @param arch The architecture (see above).
#' @param ... Settings of the architecture, named (see [modelParameters()]).
#' @param alphabet `"dna"`, `"rna"`, `"protein"` or a string of letters. By default the
#'   architecture's (`"protein"` for `deeploc`, else `"dna"`), or what the training sequences'
#'   class implies (`RNAStringSet`, `AAStringSet`).
#' @param length The sequence length the model takes; `NULL` leaves it to the data.
#' @param strand `"forward"`, `"augment"` (random reverse complements in training) or
#'   `"average"` (the mean of both strands' outputs). The other augmentations are settings of
#'   the CNNs and `danq`: `max_shift`, in training each sequence moves by a random shift of up
#'   to that many positions either way; `mutation_rate`, in training each letter is replaced by
#'   a random one with that probability (EvoAug's random mutation); `max_indel`, in training
#'   each sequence gets an insertion of random letters or a deletion of up to that many letters
#'   at a random position, the rest moving along (EvoAug's random insertion and deletion).
#' @return An untrained [DeepomicsModel-class].
#' @seealso [trainModel()] to train it; [mlpModel()], [autoencoderModel()], [dgexModel()] for
#'   expression data; [deepomicsModel()] from a config list.
#' @export
#' @examplesIf deepomics:::backend_available()
#' seqModel("deepbind", filters = 8, filter_size = 12)
#' seqModel("danq", filters = 64, lstm_size = 32, hidden = 64)
#' seqModel("rnn", cell = "gru", hidden = 32, layers = 2)
#' seqModel("kmer_linear", k = 5, canonical = TRUE)
seqModel <- function(arch = c("deepbind", "promoter_cnn", "basset", "deepsea", "rnn", "danq",
                              "deeploc", "kmer_linear"),
                     ..., alphabet = NULL, length = NULL, strand = NULL) {
  arch <- match.arg(arch)
  args <- c(list(...), list(alphabet = alphabet, length = length, strand = strand))
  config <- make_config(arch, args, "seqModel")
  new_model(config)
}

#' Models for expression matrices and other features
#'
#' `mlpModel()` makes a fully connected network (classification or regression from features,
#' e.g. cell types from expression); `autoencoderModel()` an autoencoder (optionally
#' variational) whose latent space [embedModel()] returns; `dgexModel()` the D-GEX network
#' (regression of target genes from landmark genes).
#'
#' Settings left out (`NULL`) take the architecture's defaults (see [modelParameters()]): for
#' `mlp` `hidden = c(256, 128)`, `activation = "relu"`, `dropout = 0.1`; for `autoencoder`
#' `hidden = c(256, 128)`, `latent = 32`, `activation = "relu"`, `dropout = 0`; for `dgex`
#' `hidden = c(1000, 1000)`, `activation = "tanh"`, `dropout = 0.1`. The number of input
#' features and of outputs follow from the data in [trainModel()] unless given.
#'
#' @param hidden The hidden layers' widths (`integer(0)` for a linear model).
#' @param activation The hidden layers' activation: `"relu"`, `"leaky_relu"`,
#'   `"thresholded_relu"`, `"sigmoid"`, `"softmax"`, `"tanh"`, `"elu"` or `"selu"`
#'   (`"leaky_relu"`'s negative slope is PyTorch's 0.01, not Keras' 0.3).
#' @param dropout The dropout rate after each hidden layer, in \[0, 1).
#' @param batch_norm If `TRUE`, batch normalisation after each hidden layer.
#' @param ... Other settings, named: `threshold` (of `thresholded_relu`), `features`
#'   (`n_features`), `outputs` (`n_outputs`); see [modelParameters()].
#' @return An untrained [DeepomicsModel-class].
#' @seealso [trainModel()]; [seqModel()] for sequences.
#' @export
#' @examplesIf deepomics:::backend_available()
#' mlpModel(hidden = c(64, 32), activation = "elu", dropout = 0.2)
#' autoencoderModel(hidden = 128, latent = 10, variational = TRUE)
#' dgexModel(hidden = c(500, 500))
mlpModel <- function(hidden = NULL, activation = NULL, dropout = NULL, batch_norm = NULL, ...) {
  args <- c(list(hidden = hidden, activation = activation, dropout = dropout,
                 batch_norm = batch_norm), list(...))
  config <- make_config("mlp", args, "mlpModel")
  new_model(config)
}

#' @rdname mlpModel
#' @param latent The size of the latent representation.
#' @param variational If `TRUE`, a variational autoencoder (Gaussian latent space; `beta`
#'   weighs its KL term).
#' @export
autoencoderModel <- function(hidden = NULL, latent = NULL, activation = NULL, dropout = NULL,
                             variational = NULL, batch_norm = NULL, ...) {
  args <- c(list(hidden = hidden, latent = latent, activation = activation, dropout = dropout,
                 variational = variational, batch_norm = batch_norm), list(...))
  config <- make_config("autoencoder", args, "autoencoderModel")
  new_model(config)
}

#' @rdname mlpModel
#' @export
dgexModel <- function(hidden = NULL, activation = NULL, dropout = NULL, batch_norm = NULL, ...) {
  args <- c(list(hidden = hidden, activation = activation, dropout = dropout,
                 batch_norm = batch_norm), list(...))
  config <- make_config("dgex", args, "dgexModel")
  new_model(config)
}

#' A model from a config
#'
#' Makes a model of any registered architecture from its config: the same dict as the Python
#' package's `models.build()` and the command line's YAML files take, as a named list, or an
#' architecture's name with settings in `...`.
#'
#' @param config A named list with `arch` and settings (`list(arch = "deepbind", n_filters =
#'   16)`), or an architecture's name.
#' @param ... Settings (named), added to `config`; the R names of [seqModel()] work here too.
#' @return An untrained [DeepomicsModel-class].
#' @seealso [modelParameters()] for the settings of each architecture.
#' @export
#' @examplesIf deepomics:::backend_available()
#' deepomicsModel(list(arch = "basset", n_filters = c(64, 64, 64), hidden = 128))
#' deepomicsModel("deepsea", filters = c(32, 32, 32))
deepomicsModel <- function(config, ...) {
  if (is.character(config) && length(config) == 1L) {
    config <- list(arch = config)
  }
  if (!is.list(config) || is.null(config$arch)) {
    stop("config must be an architecture's name or a named list with 'arch', e.g. ",
         "list(arch = \"deepbind\", n_filters = 16)", call. = FALSE)
  }
  args <- c(config[names(config) != "arch"], list(...))
  config <- make_config(config$arch, args, "deepomicsModel")
  new_model(config)
}

# A model from what trainModel() was given: a DeepomicsModel, an architecture's name or a
# config list.
as_model <- function(model) {
  if (is(model, "DeepomicsModel")) {
    return(model)
  }
  if ((is.character(model) && length(model) == 1L) || is.list(model)) {
    return(deepomicsModel(model))
  }
  stop("model must be a DeepomicsModel (e.g. from seqModel() or mlpModel()), an architecture's ",
       "name or a config list; not ", class_label(model), call. = FALSE)
}

#' The settings of an architecture
#'
#' Lists every setting of an architecture with its type, default and meaning, as the Python
#' package's registry defines them, or the architectures there are.
#'
#' @param arch An architecture's name; `NULL` lists the architectures.
#' @return For an architecture, a data.frame with one row per setting: `name` (the Python
#'   key), `r_name` (the R name the constructors also take, where there is one), `type`,
#'   `default` (as text; `"required"` for keys that must be given, which trainModel() fills
#'   from the data) and `description`. Without `arch`, a data.frame of the architectures:
#'   `arch` and `input` (`"onehot"`, `"tokens"` or `"features"`).
#' @export
#' @examplesIf deepomics:::backend_available()
#' modelParameters()
#' modelParameters("deepbind")
modelParameters <- function(arch = NULL) {
  models <- py_deepomics(torch = TRUE)$models
  if (is.null(arch)) {
    archs <- character_from_py(models$ARCHITECTURES)
    input_kind <- if (reticulate::py_has_attr(models, "input_kind")) models$input_kind else
      reticulate::py_eval(  # deepomics before models.input_kind()
        "lambda a: __import__('deepomics.models.registry', fromlist=['_REGISTRY'])._REGISTRY[a].input_kind",
        convert = FALSE)
    kinds <- vapply(archs, function(a) {
      reticulate::py_to_r(reticulate::py_call(input_kind, a))
    }, character(1))
    return(data.frame(arch = archs, input = unname(kinds), stringsAsFactors = FALSE))
  }
  arch <- py_string(arch, "arch")
  params <- reticulate::py_to_r(py_call(models$parameters, arch))
  keys <- names(params)
  r_names <- vapply(keys, function(key) {
    alias <- names(KEY_ALIASES)[vapply(KEY_ALIASES, function(k) {
      hit <- intersect(k, keys)
      length(hit) > 0L && hit[[1L]] == key
    }, logical(1))]
    alias <- setdiff(alias, keys)
    if (length(alias)) alias[[1L]] else key
  }, character(1))
  describe <- function(p, what) reticulate::py_to_r(reticulate::py_get_attr(p, what))
  data.frame(
    name = keys,
    r_name = unname(r_names),
    type = vapply(params, function(p) describe(p, "type"), character(1), USE.NAMES = FALSE),
    default = vapply(params, function(p) {
      if (isTRUE(describe(p, "required"))) "required" else r_literal(describe(p, "default"))
    }, character(1), USE.NAMES = FALSE),
    description = vapply(params, function(p) describe(p, "doc"), character(1), USE.NAMES = FALSE),
    stringsAsFactors = FALSE
  )
}

#' What a model is and has learnt
#'
#' @param model A [DeepomicsModel-class].
#' @return A list: `arch`, `fitted` (`TRUE` after training), `config` (the full config after
#'   training, the settings chosen before), `task`, `classes`, `encoding`, `input`, `features`
#'   and `n_params`.
#' @seealso [trainingHistory()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' modelInfo(seqModel("deepbind", filters = 8))$config
modelInfo <- function(model) {
  check_model(model)
  list(arch = model@config$arch, fitted = is_fitted(model), config = model@config,
       task = model@task, classes = model@classes, encoding = model@encoding,
       input = model@input, features = model@features, n_params = model@n_params)
}

check_model <- function(model, fitted = FALSE, arg = "model") {
  if (!is(model, "DeepomicsModel")) {
    stop(sprintf("%s must be a DeepomicsModel, not %s", arg, class_label(model)), call. = FALSE)
  }
  if (fitted && !is_fitted(model)) {
    stop(sprintf("%s has not been trained: train it with trainModel() first", arg), call. = FALSE)
  }
  invisible(model)
}

# ---- the live Python model -------------------------------------------------------------------

# The Python model: the cached one, or rebuilt from the saved files (after readRDS()).
py_model <- function(model) {
  cached <- model@cache$py
  if (py_alive(cached)) {
    return(cached)
  }
  check_model(model, fitted = TRUE)
  py <- py_model_from_files(model@files)
  model@cache$py <- py
  py
}

# A new Python model loaded from the files' bytes (a fresh copy: training it leaves `files`'
# model as it was).
py_model_from_files <- function(files) {
  dir <- tempfile("deepomics-model-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  for (name in names(files)) {
    writeBin(files[[name]], file.path(dir, name))
  }
  py_call(py_deepomics(torch = TRUE)$io$load, dir)
}

# The bytes of the model folder Python's io.save writes.
files_from_py <- function(py) {
  dir <- tempfile("deepomics-model-")
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  py_call(py_deepomics(torch = TRUE)$io$save, py, dir)
  read_model_files(dir)
}

read_model_files <- function(dir) {
  names <- c("config.json", "weights.safetensors")
  files <- lapply(file.path(dir, names), function(path) readBin(path, "raw", file.size(path)))
  stats::setNames(files, names)
}

# A fitted DeepomicsModel around a Python model.
model_from_py <- function(py, input = list(), features = NULL, files = NULL, source = NULL) {
  if (!is.null(features)) {
    # saved with the model, so that predict matches features by name after loadModel()
    reticulate::py_set_attr(py, "feature_names", reticulate::r_to_py(as.list(features)))
  }
  if (!is.null(source)) {
    # the assay / reducedDim the user chose, saved too: loadModel() reads a SummarizedExperiment
    # the same way, and Python an AnnData's layer / obsm entry of that name
    reticulate::py_set_attr(py, "input_source", reticulate::r_to_py(source))
  }
  info <- model_info_from_py(py)
  features <- features %||% info$features
  history <- methods::new("DeepomicsHistory", metrics = info$history,
                          best_epoch = info$best_epoch, monitor = info$monitor)
  new_model(config = info$config, task = info$task, classes = info$classes,
            encoding = info$encoding, input = input, features = features, history = history,
            n_params = info$n_params, files = files %||% files_from_py(py), py = py)
}

# ---- show ------------------------------------------------------------------------------------

TASK_WORDS <- c(binary = "binary classification", multiclass = "multiclass classification",
                multilabel = "multilabel classification", regression = "regression")

format_config <- function(config) {
  config <- config[names(config) != "arch"]
  if (!length(config)) {
    return("defaults")
  }
  paste0(names(config), " = ", vapply(config, r_literal, character(1)))
}

# "  label: item, item, ..." wrapped between items at `width` characters.
wrap_items <- function(label, items, width = getOption("width", 80L)) {
  lines <- character()
  line <- paste0("  ", label, ":")
  for (i in seq_along(items)) {
    item <- paste0(" ", items[[i]], if (i < length(items)) ",")
    if (nchar(line) + nchar(item) > width && nchar(line) > 4L) {
      lines <- c(lines, line)
      line <- paste0("   ", item)
    } else {
      line <- paste0(line, item)
    }
  }
  c(lines, line)
}

# A config value as R code: "dna" as "\"dna\"", c(256, 128), TRUE; NULL / NA (Python's None) as NA.
r_literal <- function(v) {
  if (is.null(v) || (is.atomic(v) && length(v) == 1L && is.na(v))) {
    return("NA")
  }
  if (is.list(v)) {
    v <- unlist(v)
    if (is.null(v)) return("c()")
  }
  values <- if (is.character(v)) paste0("\"", v, "\"") else format(v, trim = TRUE)
  if (length(v) == 1L) values else paste0("c(", paste(values, collapse = ", "), ")")
}

format_classes <- function(classes, n = 6L) {
  shown <- paste(utils::head(classes, n), collapse = ", ")
  if (length(classes) > n) paste0(shown, ", ... (", length(classes), ")") else shown
}

#' @rdname DeepomicsModel-class
#' @param object The object to show.
#' @export
setMethod("show", "DeepomicsModel", function(object) {
  arch <- object@config$arch
  if (!is_fitted(object)) {
    cat("<DeepomicsModel> ", arch, ", not trained\n", sep = "")
    cat(wrap_items("settings", format_config(object@config)), sep = "\n")
    cat("  sizes that follow from the data are set by trainModel()\n")
    return(invisible(object))
  }
  task <- TASK_WORDS[object@task]
  if (identical(arch, "autoencoder")) task <- "autoencoder"
  if (is.na(task)) task <- "task unknown"
  classes <- if (length(object@classes) && object@task %in% c("binary", "multiclass", "multilabel")) {
    paste0(" (classes: ", format_classes(object@classes), ")")
  } else {
    ""
  }
  cat("<DeepomicsModel> ", arch, ", ", task, classes, "\n", sep = "")
  enc <- object@encoding
  input <- if (identical(enc$input_kind, "features") || is.null(enc$input_kind)) {
    n <- object@config$n_features %||% object@config$latent_dim
    source <- object@input$assay %||% object@input$dimred
    paste0(if (!is.null(n)) paste(n, "features") else "features",
           if (!is.null(source)) paste0(" (", if (!is.null(object@input$assay)) "assay " else "reducedDim ",
                                        source, ")") else "")
  } else {
    paste0(enc$alphabet %||% object@config$alphabet %||% "dna", " sequences, ", if (identical(enc$input_kind, "tokens")) "tokens" else "one-hot",
           if (!is.null(enc$length)) paste0(", length ", enc$length) else "")
  }
  cat("  input: ", input, "; ", format(object@n_params, big.mark = ","), " weights\n", sep = "")
  h <- object@history
  if (nrow(h@metrics)) {
    cat("  trained ", nrow(h@metrics), if (nrow(h@metrics) == 1L) " epoch" else " epochs", sep = "")
    if (!is.na(h@best_epoch)) {
      cat(", kept epoch ", h@best_epoch, sep = "")
      monitor <- if (!is.na(h@monitor)) h@monitor else "valid_loss"
      if (monitor %in% names(h@metrics)) {
        value <- h@metrics[[monitor]][h@metrics$epoch == h@best_epoch]
        if (length(value)) cat(" (", monitor, " ", format(value, digits = 4), ")", sep = "")
      }
    }
    cat("\n")
  }
  cat(wrap_items("config", format_config(object@config)), sep = "\n")
  invisible(object)
})
