#' Search hyperparameters, H2O style
#'
#' Trains and cross-validates models over a grid (or a random or Bayesian search) of settings and
#' ranks them in a leaderboard beside the classic baselines (k-mer logistic / linear regression
#' for sequences, a linear model for feature matrices). The work is done by the Python package's
#' `select.grid_search()` on Optuna: trials that cannot win are stopped early (pruning), and with
#' `storage` the search is saved, resumes where it stopped when run again, and can be shared by
#' several R or Python processes (or machines sharing the file system or a database).
#'
#' @param x,y The data and labels, as for [trainModel()] (sequences, matrices,
#'   SummarizedExperiment with `y` a colData column, GRanges with `genome`, ...). An
#'   RNAStringSet, AAStringSet or a one-hot array's channel names set the alphabet of every trial
#'   and of the baseline (for protein: the amino-acid composition) unless `hyper_params` gives
#'   `alphabet`.
#' @param hyper_params A named list, as `h2o.grid()` takes it: each element a vector (or list)
#'   of the values to try, e.g. `list(arch = c("deepbind", "danq"), filters = c(16, 32),
#'   lr = c(1e-3, 1e-2))`; one value is fixed; `list(low = , high = , log = TRUE)` is a range
#'   (random and TPE searches only). A setting that takes a vector is fixed as a list of one
#'   (`hidden = list(c(64, 32))`) and searched as a list of vectors (`hidden = list(64, c(64,
#'   32))`). Names are model settings (the Python keys or the R names of [seqModel()]:
#'   `filters`, `hidden`, ...; a setting applies only to the architectures that have it) or
#'   training settings (`epochs`, `batch_size`, `lr`, `optimizer`, `weight_decay`,
#'   `class_weight`: `"balanced"` or weights named by class). `arch` may be left out when
#'   `model` gives it.
#' @param search_criteria A list: `strategy` (`"Cartesian"`: every combination; `"RandomDiscrete"`:
#'   a random sample; `"TPE"`: Bayesian), `max_models` (the number of trials; for Cartesian,
#'   by default the size of the grid; otherwise 20), `max_runtime_secs` (no new trial starts
#'   after this many seconds; a trial running then finishes; 0, the default, no limit) and
#'   `seed`. As in H2O, a
#'   RandomDiscrete search over choices only (no range) draws each combination at most once, so
#'   it runs at most the grid's size of trials; so does TPE: a draw of a combination already tried
#'   is not trained again nor counted (it takes that trial's score), and an untried one comes next.
#'   A combination that another process sharing `storage` is training is not trained twice
#'   either: the later trial waits for that one to end and takes its score.
#' @param model A model whose architecture and settings the search starts from (its settings
#'   stay fixed, vectors such as `hidden = c(64, 32)` included, unless `hyper_params` searches
#'   them), or `NULL` when `hyper_params` gives `arch`.
#' @param nfolds Cross-validation folds (stratified for classification); `NULL` or 0 scores each
#'   trial on one held-out split of `validation_split`.
#' @param sort_by The metric models are ranked by: `"AUC"` (`"auroc"`), `"AUCPR"`, `"accuracy"`,
#'   `"mcc"`, `"r2"`, `"mae"`, ...; `NULL`: AUROC for classification, R^2 for regression. As in
#'   H2O, `"logloss"` ranks by the held-out (unweighted) log loss, `"deviance"` by it too (by
#'   the MSE for regression), lowest first; the training loss (`"loss"`) is not measured there.
#' @param epochs,batch_size,stopping_rounds Training settings shared by every trial (unless
#'   searched): the most epochs, the batch size, and early stopping's patience on an inner
#'   validation split of each training fold (0: none).
#' @param validation_split The held-out fraction: with `nfolds = NULL` the split each trial is
#'   scored on (`NULL`: 0.2); with `nfolds`, the part of each training fold that early stopping
#'   watches (`NULL`: 0.1), also in [bestModel()].
#' @param task `NULL` (inferred from `y`) or `"binary"`, `"multiclass"`, `"multilabel"`,
#'   `"regression"`, as for [trainModel()]: e.g. counts or scores of whole numbers searched as
#'   regression, not as classes.
#' @param baselines If `TRUE`, the baselines are cross-validated on the same folds.
#' @param storage `NULL` (the search lives in this session) or a file path (an SQLite database)
#'   or database URL where the search is saved, resumed and shared.
#' @param grid_id The name of the search within `storage`.
#' @param assay,dimred,genome As for [trainModel()].
#' @param groups One group per sample (e.g. `seqnames(gr)`, the chromosomes): the folds (or the
#'   validation split) then hold out whole groups, so that no group is in both the training and
#'   the held-out data. [bestModel()] holds out whole groups too when it stops early.
#' @param verbose `TRUE` shows Optuna's progress.
#' @return A `DeepomicsGrid`: print it, get its table with [leaderboard()], train its best
#'   model on all the data with [bestModel()].
#' @seealso [leaderboard()], [bestModel()], [trainModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' random <- function(n, len) vapply(seq_len(n), function(i)
#'   paste(sample(c("A", "C", "G", "T"), len, TRUE), collapse = ""), "")
#' x <- random(200, 30)
#' y <- factor(rep(c("no", "yes"), 100))
#' substr(x[y == "yes"], 5, 12) <- "TGACTCAG"
#' grid <- gridSearch(x, y, hyper_params = list(arch = "deepbind", filters = c(4, 8),
#'                                              lr = c(0.01)),
#'                    search_criteria = list(strategy = "Cartesian"), nfolds = 2, epochs = 5)
#' grid
#' leaderboard(grid)
gridSearch <- function(x, y, hyper_params, search_criteria = list(strategy = "Cartesian"),
                       model = NULL, nfolds = 3, sort_by = NULL, epochs = 20, batch_size = 64,
                       stopping_rounds = 3, validation_split = NULL, baselines = TRUE,
                       storage = NULL, grid_id = "deepomics", assay = NULL, dimred = NULL,
                       genome = NULL, groups = NULL, task = NULL, verbose = FALSE) {
  if (!is.list(hyper_params) || is.null(names(hyper_params)) || any(!nzchar(names(hyper_params)))) {
    stop("hyper_params must be a named list, e.g. list(arch = c(\"deepbind\", \"danq\"), ",
         "filters = c(16, 32))", call. = FALSE)
  }
  criteria <- search_criteria_to_py(search_criteria, hyper_params)
  fixed <- list()
  if (!is.null(model)) {
    model <- as_model(model)
    fixed <- model@config
  }
  inputs <- as_py_inputs(x, assay = assay, dimred = dimred, genome = genome)
  space <- space_to_py(hyper_params, fixed, alphabet = inputs$alphabet)
  check_orientation(x, inputs)
  check_assay_named(inputs)  # before the search: bestModel() trains on it
  labels <- as_py_labels(y, x, inputs$n)
  if (is.null(labels)) {
    stop("y (the labels) is missing: a search ranks models by how well they predict y",
         call. = FALSE)
  }
  metric <- sort_metric(sort_by)
  py_groups <- if (!is.null(groups)) {
    if (length(groups) != inputs$n) {
      stop(sprintf("groups has %d values but there are %d samples; give one group per sample",
                   length(groups), inputs$n), call. = FALSE)
    }
    as_py_groups(groups)
  }
  rounds <- py_count(stopping_rounds, "stopping_rounds", null_ok = FALSE)
  fit_args <- list(epochs = py_count(epochs, "epochs", null_ok = FALSE),
                   batch_size = py_count(batch_size, "batch_size", null_ok = FALSE))
  if (rounds > 0L) fit_args$early_stopping <- list(patience = rounds)
  nfolds <- if (is.null(nfolds) || identical(as.numeric(nfolds), 0)) NULL else
    py_count(nfolds, "nfolds", null_ok = FALSE)
  if (!is.null(nfolds) && nfolds < 2L) {
    stop("nfolds must be 2 or more (or 0 / NULL for one validation split), not ", nfolds,
         call. = FALSE)
  }
  split <- validation_split %||% if (is.null(nfolds)) 0.2 else 0.1
  if (is.null(validation_fraction(split))) {
    stop(if (is.null(nfolds)) "with nfolds = 0 / NULL the trials are scored on one split: " else
           "", "give validation_split in (0, 1)", call. = FALSE)
  }
  select <- reticulate::import("deepomics.select", convert = FALSE)
  py_deepomics(torch = TRUE)
  search <- py_call(select$grid_search, space, reticulate::tuple(inputs$x, labels),
                    strategy = criteria$sampler, n_trials = criteria$n_trials, metric = metric,
                    cv = nfolds, valid_fraction = if (is.null(nfolds)) as.double(split) else 0.2,
                    inner_valid = if (is.null(nfolds)) 0.1 else as.double(split),
                    task = if (!is.null(task)) py_string(task, "task"), groups = py_groups,
                    fit_args = reticulate::r_to_py(fit_args), baselines = py_flag(baselines, "baselines"),
                    storage = if (!is.null(storage)) py_path(storage, "storage"),
                    study_name = py_string(grid_id, "grid_id"), seed = criteria$seed,
                    timeout = criteria$timeout,
                    verbose = py_flag(verbose, "verbose"))
  grid <- new.env(parent = emptyenv())
  grid$search <- search
  grid$leaderboard <- leaderboard_from_py(search$leaderboard())
  grid$metric <- reticulate::py_to_r(search$metric)
  grid$strategy <- criteria$strategy
  grid$storage <- storage
  grid$grid_id <- grid_id
  grid$fit <- list(x = x, y = y, assay = assay, dimred = dimred, genome = genome, groups = groups,
                   task = reticulate::py_to_r(search$task),
                   inner_valid = reticulate::py_to_r(search$inner_valid))
  structure(grid, class = "DeepomicsGrid")
}

#' The leaderboard of a search
#'
#' @param grid A `DeepomicsGrid` from [gridSearch()], or the `storage` a search was saved to
#'   (an SQLite file path or a database URL): reads the search's table, e.g. in a new R session
#'   or while another process is still searching, without the data.
#' @param grid_id With a `storage`, the name of the search within it (`gridSearch()`'s `grid_id`).
#' @return A data.frame, best first by the search's metric: `rank`, `model` (the
#'   architecture), `kind` (`"trial"` or `"baseline"`), `trial`, `mean` and `sd` of the metric
#'   over the folds, `folds`, `state` (`"complete"`, or `"pruned"`: stopped early, its mean
#'   over the folds it finished), `seconds`, `params` (the settings the trial drew, JSON) and
#'   `config` (the model's config, JSON).
#' @seealso [gridSearch()], [bestModel()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' random <- function(n, len) vapply(seq_len(n), function(i)
#'   paste(sample(c("A", "C", "G", "T"), len, TRUE), collapse = ""), "")
#' x <- random(200, 30)
#' y <- factor(rep(c("no", "yes"), 100))
#' substr(x[y == "yes"], 5, 12) <- "TGACTCAG"
#' grid <- gridSearch(x, y, hyper_params = list(arch = "deepbind", filters = c(4, 8)),
#'                    nfolds = 2, epochs = 5)
#' board <- leaderboard(grid)
#' board[, c("rank", "model", "kind", "mean", "sd", "state")]
#' # a search saved to storage, read back by its file and grid_id
#' db <- tempfile(fileext = ".db")
#' saved <- gridSearch(x, y, hyper_params = list(arch = "deepbind", filters = 4), nfolds = 2,
#'                     epochs = 2, baselines = FALSE, storage = db, grid_id = "motifs")
#' leaderboard(db, grid_id = "motifs")[, c("rank", "model", "mean")]
leaderboard <- function(grid, grid_id = "deepomics") {
  if (is.character(grid)) {
    storage <- py_string(grid, "grid")
    if (!grepl("://", storage, fixed = TRUE)) storage <- path.expand(storage)
    select <- py_deepomics(torch = TRUE)$select  # deepomics' Python, also in a new session
    return(leaderboard_from_py(py_call(select$leaderboard, storage,
                                       study_name = py_string(grid_id, "grid_id"))))
  }
  check_grid(grid, python = FALSE)
  grid$leaderboard
}

#' Train the best model of a search on all the data
#'
#' @param grid A `DeepomicsGrid` from [gridSearch()].
#' @param x,y The data, by default what the search was given.
#' @param ... Passed to [trainModel()] (e.g. `seed`, `validation_split`).
#' @return The trained [DeepomicsModel-class] with the best trial's settings.
#' @seealso [gridSearch()], [leaderboard()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' random <- function(n, len) vapply(seq_len(n), function(i)
#'   paste(sample(c("A", "C", "G", "T"), len, TRUE), collapse = ""), "")
#' x <- random(200, 30)
#' y <- factor(rep(c("no", "yes"), 100))
#' substr(x[y == "yes"], 5, 12) <- "TGACTCAG"
#' grid <- gridSearch(x, y, hyper_params = list(arch = "deepbind",
#'                                              lr = list(low = 1e-3, high = 3e-2, log = TRUE)),
#'                    search_criteria = list(strategy = "TPE", max_models = 4, seed = 1),
#'                    nfolds = 2, epochs = 5)
#' model <- bestModel(grid)
#' evaluateModel(model, x, y)
bestModel <- function(grid, x = NULL, y = NULL, ...) {
  check_grid(grid)
  best <- reticulate::py_to_r(py_call(function() grid$search$best_config))
  config <- plain_from_py(best[[1L]])
  fit <- plain_from_py(best[[2L]])
  data <- grid$fit
  args <- list(...)
  model <- new_model(config)
  stopping <- fit$early_stopping
  call_args <- c(
    list(model = model, x = x %||% data$x, y = y %||% data$y, assay = data$assay,
         dimred = data$dimred, genome = data$genome),
    list(task = data$task),  # the search's, not guessed again from the labels
    fit[intersect(names(fit), fit_keys())],
    # early stopping as the trials had it: patience, metric, and the part held out for it
    if (!is.null(stopping)) list(stopping_rounds = stopping$patience,
                                 stopping_metric = stopping$monitor,
                                 validation_split = data$inner_valid %||% 0.1),
    # the validation split holds out whole groups, as the search's folds did
    if (!is.null(stopping) && !is.null(data$groups) && is.null(x)) list(groups = data$groups),
    args)
  call_args <- call_args[!duplicated(names(call_args), fromLast = TRUE)]
  do.call(trainModel, call_args)
}

#' @export
print.DeepomicsGrid <- function(x, ...) {
  board <- x$leaderboard
  trials <- sum(board$kind == "trial")
  cat("<DeepomicsGrid> ", x$strategy, " search, ", trials, " trial", if (trials != 1L) "s",
      ", ranked by ", x$metric, if (!is.null(x$storage)) paste0(" (saved in ", x$storage, ")"),
      "\n", sep = "")
  shown <- board[seq_len(min(nrow(board), 10L)), c("rank", "model", "kind", "mean", "sd",
                                                    "state", "params"), drop = FALSE]
  names(shown)[names(shown) %in% c("mean", "sd")] <- paste0(x$metric, c("_mean", "_sd"))
  print(format(shown, digits = 4), row.names = FALSE)
  invisible(x)
}

# sort_by as Python's metric name: H2O's names (AUC, AUCPR, logloss, deviance) and a "valid_"
# prefix as trainModel()'s stopping_metric takes them. logloss ranks by the held-out log loss;
# deviance by it too, or by the MSE for regression (Python resolves it, knowing the task). The
# training loss itself is refused, naming those: a search scores each fold's predictions.
sort_metric <- function(sort_by) {
  if (is.null(sort_by)) {
    return(NULL)
  }
  metric <- tolower(sub("^valid_", "", py_string(sort_by, "sort_by"), ignore.case = TRUE))
  if (metric %in% c("logloss", "deviance")) {
    return(metric)
  }
  if (metric %in% names(STOPPING_ALIASES)) metric <- STOPPING_ALIASES[[metric]]
  if (identical(metric, "loss")) {
    stop(sprintf(paste0(
      "sort_by = \"%s\": a search ranks models by a metric of their held-out predictions; ",
      "for the loss use \"logloss\" (classification) or \"mse\" (regression), or \"deviance\" ",
      "for either"), sort_by), call. = FALSE)
  }
  metric
}

check_grid <- function(grid, python = TRUE) {
  if (!inherits(grid, "DeepomicsGrid")) {
    stop("grid must be a DeepomicsGrid from gridSearch(), not ", class_label(grid), call. = FALSE)
  }
  if (python && !py_alive(grid$search)) {
    stop("this grid's Python search is gone (a new R session); run gridSearch() again with the ",
         "same storage to reload it", call. = FALSE)
  }
}

# The training settings a search may change (Python's select.space.FIT_KEYS): what bestModel()
# passes to trainModel() as the best trial drew them.
fit_keys <- function() {
  character_from_py(py_deepomics(torch = TRUE)$select$space$FIT_KEYS)
}

# H2O's search_criteria as Python's strategy, number of trials and seed. A Cartesian search
# runs the whole grid by default. A RandomDiscrete search over a finite grid (every
# hyper-parameter a set of choices) draws, as H2O's does, combinations it has not drawn yet,
# at most the grid's size (by default 20, fewer when the grid is smaller): Optuna's grid
# sampler, which visits the grid in a seeded random order, does that (its random sampler would
# draw the same combination again). With a range the grid is infinite: max_models, by default
# 20, counts the random (or TPE) trials.
search_criteria_to_py <- function(criteria, hyper_params) {
  if (!is.list(criteria)) {
    stop("search_criteria must be a list(strategy = , max_models = , seed = )", call. = FALSE)
  }
  unknown <- setdiff(names(criteria), c("strategy", "max_models", "max_runtime_secs", "seed"))
  if (length(unknown)) {
    stop("search_criteria has unknown entries: ", paste(unknown, collapse = ", "),
         " (it takes strategy, max_models, max_runtime_secs and seed)", call. = FALSE)
  }
  timeout <- criteria$max_runtime_secs
  if (!is.null(timeout) && (py_number(timeout, "search_criteria$max_runtime_secs") < 0)) {
    stop("search_criteria$max_runtime_secs must be a number of seconds >= 0 (0: no limit), ",
         "not ", timeout, call. = FALSE)
  }
  if (identical(as.numeric(timeout), 0)) timeout <- NULL  # as in H2O: no limit
  strategies <- c(cartesian = "grid", grid = "grid", randomdiscrete = "random", random = "random",
                  tpe = "tpe")
  strategy <- tolower(criteria$strategy %||% "Cartesian")
  if (!strategy %in% names(strategies)) {
    stop("search_criteria$strategy must be \"Cartesian\", \"RandomDiscrete\" or \"TPE\", not \"",
         criteria$strategy, "\"", call. = FALSE)
  }
  strategy <- strategies[[strategy]]
  size <- grid_size(hyper_params)
  if (strategy == "grid" && is.na(size)) {
    stop("a Cartesian search takes every hyper-parameter as a vector of values; for a range ",
         "(list(low = , high = )) use strategy = \"RandomDiscrete\" or \"TPE\"", call. = FALSE)
  }
  n <- py_count(criteria$max_models %||% (if (strategy == "grid") size else 20),
                "search_criteria$max_models", null_ok = FALSE)
  if (n < 1L) {  # 0 trials would return an empty grid without a word
    stop("search_criteria$max_models must be 1 or more, not ", n, call. = FALSE)
  }
  sampler <- strategy
  if (strategy == "random" && !is.na(size)) {
    n <- as.integer(min(n, size))
    sampler <- "grid"
  }
  list(strategy = strategy, sampler = sampler, n_trials = n,
       timeout = if (!is.null(timeout)) as.double(timeout),
       seed = py_count(criteria$seed %||% 0, "search_criteria$seed", null_ok = FALSE))
}

# The number of combinations hyper_params holds (a fixed value counts once), NA with a range.
grid_size <- function(hyper_params) {
  sizes <- vapply(names(hyper_params), function(name) {
    value <- hyper_value(hyper_params[[name]], name)
    if (value$kind == "choices") length(value$value) else if (value$kind == "range") NA_real_ else 1
  }, numeric(1))
  prod(sizes)
}

# One entry of hyper_params: list(kind = "choices", value = a list of the choices), "range"
# (list(low = , high = , ...)) or "fixed" (one value). A vector of several values or an unnamed
# list is the choices, so a setting that takes a vector (hidden = c(8, 4)) is fixed as a list
# of one (list(c(8, 4))) and searched as a list of vectors (list(8, c(8, 4))); class_weight as
# weights named by class (c(a = 1, b = 2)) is one value.
hyper_value <- function(value, name) {
  if (is.list(value) && !is.null(value$low)) {
    return(list(kind = "range", value = value))
  }
  if (!length(value)) {
    stop(sprintf(paste0(
      "hyper_params$%s has no values to try; to fix a setting at an empty vector (e.g. hidden = ",
      "integer(0), a linear model) give it as a list of one: %s = list(integer(0))"), name, name),
      call. = FALSE)
  }
  if (identical(name, "class_weight") && !is.null(names(value))) {
    return(list(kind = "fixed", value = value))  # weights named by class: one value
  }
  if (is.list(value) || length(value) > 1L) {
    return(list(kind = "choices", value = unname(as.list(value))))
  }
  list(kind = "fixed", value = value)
}

# One value of a search space as Python takes it: NA is None (as in config_to_py()), a vector
# of several values (or none) a Python list, a named one a dict.
space_value <- function(value) {
  if (is.atomic(value) && length(value) == 1L && is.na(value)) {
    return(NULL)
  }
  if (is.atomic(value) && (length(value) != 1L || !is.null(names(value)))) {
    return(if (is.null(names(value))) as.list(unname(value)) else as.list(value))
  }
  value
}

# hyper_params (R names resolved to Python keys) as Python's search space: choices as a list,
# a range as a dict with low / high, a fixed value as itself, or, when it is a vector (which
# Python would take for choices) or a named one (a range's dict), as the one choice of a list.
# `fixed` (a model's config) fills what hyper_params leaves out the same way, then the
# `alphabet` the data implies (an RNAStringSet, AAStringSet or a one-hot array's channel
# names), as trainModel() fills it.
space_to_py <- function(hyper_params, fixed = list(), alphabet = NULL) {
  archs <- unique(c(as.character(unlist(hyper_params$arch %||% fixed$arch))))
  if (!length(archs)) {
    stop("hyper_params needs arch (or give model =)", call. = FALSE)
  }
  keys <- unique(unlist(lapply(archs, arch_keys)))
  as_fixed <- function(value) {
    value <- space_value(value)
    if (is.list(value)) list(value) else value  # a vector (or dict) as one choice
  }
  space <- list()
  for (name in names(hyper_params)) {
    key <- name
    if (!name %in% c(keys, "arch") && name %in% names(KEY_ALIASES)) {
      hit <- intersect(KEY_ALIASES[[name]], keys)
      if (length(hit)) key <- hit[[1L]]
    }
    value <- hyper_value(hyper_params[[name]], name)
    space[key] <- list(switch(value$kind,
      range = value$value,
      choices = lapply(value$value, space_value),
      fixed = as_fixed(value$value)))
  }
  for (key in setdiff(names(fixed), names(space))) {
    space[key] <- list(as_fixed(fixed[[key]]))
  }
  if ("alphabet" %in% keys && is.null(space$alphabet) && !is.null(alphabet) &&
      !identical(alphabet, "dna")) {
    space$alphabet <- alphabet
  }
  reticulate::r_to_py(space)
}

# A Python leaderboard (pandas) as R's data.frame, with every column also when it has no rows
# (a search none of whose trials finished): pandas' empty columns come back as NULL.
leaderboard_from_py <- function(table) {
  board <- table_from_py(table)
  columns <- list(rank = integer(), model = character(), kind = character(), trial = integer(),
                  mean = double(), sd = double(), folds = integer(), state = character(),
                  seconds = double(), params = character(), config = character())
  for (name in setdiff(names(columns), names(board))) {
    board[[name]] <- if (nrow(board)) rep(columns[[name]][NA_integer_], nrow(board)) else
      columns[[name]]
  }
  board <- board[c(names(columns), setdiff(names(board), names(columns)))]
  board$rank <- as.integer(board$rank)
  board$trial <- as.integer(board$trial)
  board$folds <- as.integer(board$folds)
  for (name in c("mean", "sd", "seconds")) board[[name]] <- as.double(board[[name]])
  board
}
