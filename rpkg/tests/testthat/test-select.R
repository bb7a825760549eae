# gridSearch(), leaderboard(), bestModel(): H2O-style search through Python's select.grid_search.

test_that("a Cartesian grid ranks the planted-motif models above the k-mer baseline", {
  skip_if_no_backend()
  data <- planted_motif(n = 240, length = 40)
  grid <- gridSearch(data$x, data$y,
                     hyper_params = list(arch = "deepbind", filters = c(4, 8), lr = 0.01,
                                         filter_size = 10),
                     search_criteria = list(strategy = "Cartesian", seed = 1), nfolds = 2,
                     epochs = 8, stopping_rounds = 3, sort_by = "AUC")
  board <- leaderboard(grid)
  expect_s3_class(board, "data.frame")
  expect_identical(board$rank, 1:3)
  expect_identical(sort(board$kind), c("baseline", "trial", "trial"))
  n_filters <- as.numeric(sub('.*"n_filters": ([0-9.]+).*', "\\1", board$params[board$kind == "trial"]))
  expect_setequal(n_filters, c(4, 8))
  expect_identical(board$kind[[1L]], "trial")
  expect_gt(board$mean[[1L]], board$mean[board$kind == "baseline"])
  expect_gt(board$mean[[1L]], 0.9)
  expect_true(all(diff(board$mean) <= 0))
  expect_output(print(grid), "<DeepomicsGrid> grid search, 2 trials, ranked by auroc")
  best <- bestModel(grid)
  expect_s4_class(best, "DeepomicsModel")
  expect_identical(best@config$arch, "deepbind")
  expect_true(best@config$n_filters %in% c(4, 8))
  auc <- evaluateModel(best, data$x, data$y)
  expect_gt(auc$value[auc$metric == "auroc" & auc$output == "all"], 0.9)
})

test_that("a search saved in storage is resumed, not redone", {
  skip_if_no_backend()
  data <- planted_motif(n = 120, length = 30)
  db <- file.path(withr::local_tempdir(), "grid.db")
  args <- list(data$x, data$y, hyper_params = list(arch = "deepbind", filters = c(2, 3, 4)),
               search_criteria = list(strategy = "RandomDiscrete", max_models = 2, seed = 3),
               nfolds = 2, epochs = 2, baselines = FALSE, storage = db, grid_id = "g")
  first <- do.call(gridSearch, args)
  expect_identical(nrow(leaderboard(first)), 2L)
  args$search_criteria$max_models <- 3
  again <- do.call(gridSearch, args)
  board <- leaderboard(again)
  expect_identical(nrow(board), 3L)
  # the first two trials are the same ones, not trained again
  expect_setequal(intersect(board$trial, leaderboard(first)$trial), leaderboard(first)$trial)
  # the saved search's table, read from its file alone (as a new session would)
  expect_equal(leaderboard(db, grid_id = "g"), board)
  expect_error(leaderboard(db, grid_id = "other"),
               "has no study 'other' \\(it has: g\\); name the one to read with grid_id")
  text <- file.path(dirname(db), "notes.txt")
  writeLines("my notes", text)
  expect_error(leaderboard(text), "notes.txt")
  expect_identical(readLines(text), "my notes")  # the user's file is left alone
  # in a new R session, before anything else has started Python
  out <- run_r(sprintf("library(deepomics); print(nrow(leaderboard('%s', grid_id = 'g')))", db),
               env = paste0("DEEPOMICS_PYTHON=", backend_python_path()))
  expect_identical(attr(out, "status"), 0L, info = out)
  expect_match(out, "[1] 3", fixed = TRUE)
})

test_that("gridSearch() says what is wrong with its arguments", {
  skip_if_no_backend()
  data <- planted_motif(n = 40, length = 30)
  expect_error(gridSearch(data$x, data$y, hyper_params = list(c(1, 2))), "must be a named list")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"),
                          search_criteria = list(strategy = "Bayes")),
               "must be \"Cartesian\", \"RandomDiscrete\" or \"TPE\"")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"),
                          search_criteria = list(strategy = "Cartesian", budget = 3)),
               "unknown entries: budget")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"),
                          search_criteria = list(strategy = "RandomDiscrete", max_models = 0)),
               "max_models must be 1 or more, not 0")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind",
                                                             lr = list(low = 1e-3, high = 0.1))),
               "for a range \\(list\\(low = , high = \\)\\) use strategy = \"RandomDiscrete\" or \"TPE\"")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"), nfolds = 1),
               "nfolds must be 2 or more")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"), nfolds = 0,
                          validation_split = 2), "validation_split must be a number in \\[0, 1\\)")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind"),
                          storage = file.path(tempdir(), "no-such-folder", "grid.db")),
               "no-such-folder does not exist; create it", class = "deepomics_python_error")
  expect_error(gridSearch(data$x, data$y, hyper_params = list(arch = "deepbind", filterz = 3)),
               "'filterz' is neither a setting of deepbind nor a fit argument",
               class = "deepomics_python_error")
  expect_error(leaderboard(list()), "must be a DeepomicsGrid")
  expect_error(gridSearch(data$x[1:6], factor(rep(c("a", "b"), 3)),
                          hyper_params = list(arch = "deepbind"), nfolds = 5),
               "5 stratified folds need a class with 5 or more samples; the largest has 3: use fewer folds \\(at most 3\\)",
               class = "deepomics_python_error")
})

test_that("a TPE search draws a learning-rate range and ranks the rates that learn first", {
  skip_if_no_backend()
  withr::local_seed(4)
  x <- matrix(stats::rnorm(3000), 300, 10)
  y <- factor(ifelse(x[, 1] + x[, 2] > 0, "up", "down"))
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = 8,
                                               lr = list(low = 1e-6, high = 0.1, log = TRUE)),
                     search_criteria = list(strategy = "TPE", max_models = 10, seed = 0),
                     nfolds = 3, epochs = 5, stopping_rounds = 0)
  board <- leaderboard(grid)
  trials <- board[board$kind == "trial", ]
  rates <- as.numeric(sub('.*"lr": ([0-9.e-]+).*', "\\1", trials$params))
  expect_identical(nrow(trials), 10L)
  expect_true(all(rates >= 1e-6 & rates <= 0.1))
  expect_lt(min(rates), 1e-4)
  expect_gt(rates[[1L]], 1e-3)
  expect_lt(rates[[length(rates)]], 1e-3)
  expect_gt(trials$mean[[1L]], 0.9)
  expect_output(print(grid), "tpe search, 10 trials")
})

test_that("a range of a whole-number setting draws whole numbers from R's doubles", {
  skip_if_no_backend()
  withr::local_seed(5)
  x <- matrix(stats::rnorm(1000), 100, 10)
  y <- factor(ifelse(x[, 1] > 0, "up", "down"))
  # R's 4 and 16 are doubles: the widths must still be drawn as ints (they failed as 9.37)
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = list(low = 4, high = 16)),
                     search_criteria = list(strategy = "RandomDiscrete", max_models = 3, seed = 0),
                     epochs = 1, validation_split = 0.2, stopping_rounds = 0)
  trials <- leaderboard(grid)
  trials <- trials[trials$kind == "trial", ]
  # three widths, none twice (a repeated draw is not trained again, nor counted)
  expect_identical(nrow(trials), 3L)
  expect_identical(anyDuplicated(trials$params), 0L)
  expect_true(all(trials$state %in% c("complete", "pruned")))
  expect_match(trials$params, '^\\{"hidden": ([4-9]|1[0-6])\\}$')
})

test_that("the leaderboard shows list choices as the values drawn, not their encoding", {
  skip_if_no_backend()
  withr::local_seed(6)
  x <- matrix(stats::rnorm(400), 80, 5)
  y <- factor(ifelse(x[, 1] > 0, "up", "down"))
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = list(8, c(8, 4))),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  board <- leaderboard(grid)
  expect_setequal(board$params, c('{"hidden": 8}', '{"hidden": [8, 4]}'))
  expect_no_match(board$params, "json:", fixed = TRUE)
  expect_output(print(grid), '{"hidden": [8, 4]}', fixed = TRUE)
})

test_that("a search on proteins or RNA takes the alphabet from the data, baseline included", {
  skip_if_no_backend()
  withr::local_seed(7)
  letters20 <- strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]]
  random <- function(n) paste(sample(letters20, n, TRUE), collapse = "")
  y <- rep(c("acidic", "basic"), 30)
  x <- Biostrings::AAStringSet(vapply(y, function(label) paste0(
    random(12), if (label == "basic") "KKRRKK" else "DDEEDD", random(12)), ""))
  grid <- gridSearch(x, y, hyper_params = list(arch = "deepbind", filters = 4), nfolds = 2,
                     epochs = 40, stopping_rounds = 0)
  board <- leaderboard(grid)
  expect_identical(board$config[board$kind == "baseline"],
                   '{"arch": "kmer_linear", "k": 1, "alphabet": "protein"}')
  expect_gt(board$mean[board$kind == "baseline"], 0.8)  # the composition finds the charges
  expect_identical(bestModel(grid)@config$alphabet, "protein")
  # an RNA one-hot array: its channel names (A C G U) set the alphabet of trials and baseline
  rna <- oneHot(Biostrings::RNAStringSet(rep(c("ACGUACGUAA", "UUUUGGGGCC", "ACGUUUGGAA",
                                               "GGGGCCCCAU"), 10)))
  grid <- gridSearch(rna, rep(0:1, 20), hyper_params = list(arch = "deepbind", filters = 2,
                                                             filter_size = 3),
                     nfolds = NULL, validation_split = 0.5, epochs = 1, stopping_rounds = 0)
  board <- leaderboard(grid)
  expect_match(board$config, '"alphabet": "rna"', fixed = TRUE)
})

test_that("a model's vector settings stay fixed in a search, not searched as choices", {
  skip_if_no_backend()
  withr::local_seed(11)
  x <- matrix(stats::rnorm(200), 40, 5)
  y <- factor(rep(c("a", "b"), 20))
  # hidden = c(8, 4) is one setting (two layers), not the choices 8 and 4
  grid <- gridSearch(x, y, model = mlpModel(hidden = c(8, 4)), hyper_params = list(lr = 0.01),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  board <- leaderboard(grid)
  expect_identical(board$config, '{"arch": "mlp", "hidden": [8, 4]}')
  expect_identical(bestModel(grid, epochs = 1)@config$hidden, c(8L, 4L))
  # an empty vector (a linear model) is a fixed value too; the grid is lr's two values
  grid <- gridSearch(x, y, model = mlpModel(hidden = integer(0)),
                     hyper_params = list(lr = c(0.01, 0.1)), nfolds = 2, epochs = 1,
                     stopping_rounds = 0, baselines = FALSE)
  board <- leaderboard(grid)
  expect_identical(nrow(board), 2L)
  expect_identical(unique(board$config), '{"arch": "mlp", "hidden": []}')
  # in hyper_params, a list of one vector is fixed; an empty vector is refused, saying how
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = list(c(6, 3)),
                                               lr = c(0.01, 0.1)),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  expect_identical(unique(leaderboard(grid)$config), '{"arch": "mlp", "hidden": [6, 3]}')
  expect_identical(nrow(leaderboard(grid)), 2L)
  expect_error(gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = integer(0))),
               "hyper_params\\$hidden has no values to try; .* hidden = list\\(integer\\(0\\)\\)")
  # a sequence model's vector setting
  seqs <- random_sequences(16, 20)
  grid <- gridSearch(seqs, rep(c("a", "b"), 8),
                     model = seqModel("deeploc", alphabet = "dna", filters = 2, filter_sizes = c(3, 5)),
                     hyper_params = list(lr = 0.01), nfolds = 2, epochs = 1,
                     stopping_rounds = 0, baselines = FALSE)
  expect_match(leaderboard(grid)$config, '"filter_sizes": [3, 5]', fixed = TRUE)
  expect_identical(nrow(leaderboard(grid)), 1L)
})

test_that("bestModel() trains with the class_weight the best trial used", {
  skip_if_no_backend()
  withr::local_seed(12)
  x <- matrix(stats::rnorm(400), 80, 5)
  y <- factor(rep(c("a", "b"), 40))  # noise: without weights, about half and half
  # class b weighs nothing: a model trained with these weights calls everything a
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = 8, lr = 0.05,
                                               class_weight = list(list(a = 1, b = 0))),
                     nfolds = 2, epochs = 10, stopping_rounds = 0, baselines = FALSE)
  expect_match(leaderboard(grid)$params, '"class_weight": {"a": 1.0, "b": 0.0}', fixed = TRUE)
  best <- bestModel(grid)
  expect_gt(mean(predict(best, x)[, "a"]), 0.9)
})

test_that("a RandomDiscrete search runs at most the grid's combinations, each once", {
  skip_if_no_backend()
  withr::local_seed(13)
  x <- matrix(stats::rnorm(200), 40, 5)
  y <- factor(rep(c("a", "b"), 20))
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = c(4, 8)),
                     search_criteria = list(strategy = "RandomDiscrete", seed = 1), nfolds = 2,
                     epochs = 1, stopping_rounds = 0, baselines = FALSE)
  board <- leaderboard(grid)
  expect_identical(nrow(board), 2L)
  expect_setequal(board$params, c('{"hidden": 4}', '{"hidden": 8}'))
  expect_output(print(grid), "random search, 2 trials")
  # fewer than the grid: a sample without repeats
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = c(2, 4, 8),
                                               lr = c(0.01, 0.1)),
                     search_criteria = list(strategy = "RandomDiscrete", max_models = 4, seed = 2),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  expect_identical(anyDuplicated(leaderboard(grid)$params), 0L)
  expect_identical(nrow(leaderboard(grid)), 4L)
  # with a range the space is infinite: 20 trials by default, max_models as given
  range <- list(arch = "mlp", lr = list(low = 1e-3, high = 0.1))
  expect_identical(deepomics:::search_criteria_to_py(list(strategy = "RandomDiscrete"),
                                                     range)$n_trials, 20L)
  expect_identical(deepomics:::search_criteria_to_py(
    list(strategy = "RandomDiscrete", max_models = 30), range)$n_trials, 30L)
  expect_identical(deepomics:::search_criteria_to_py(
    list(strategy = "RandomDiscrete", max_models = 30), list(arch = "mlp", hidden = c(2, 4)))$n_trials,
    2L)
})

test_that("a TPE search over choices trains each combination once, however many max_models", {
  skip_if_no_backend()
  withr::local_seed(14)
  x <- matrix(stats::rnorm(300), 60, 5)
  y <- factor(ifelse(x[, 1] > 0, "up", "down"))
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = c(4, 8), dropout = c(0, 0.2)),
                     search_criteria = list(strategy = "TPE", max_models = 12, seed = 0),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  board <- leaderboard(grid)
  expect_identical(nrow(board), 4L)  # the grid's 4 combinations, none twice
  expect_identical(anyDuplicated(board$params), 0L)
  # a range of 3 widths and max_models 5: it stops at 3 and says so, in R's names
  expect_warning(
    grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = list(low = 4, high = 6)),
                       search_criteria = list(strategy = "TPE", max_models = 5, seed = 0),
                       nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE),
    "stopped at 3 of the 5 distinct points asked \\(max_models\\)",
    class = "deepomics_python_warning")
  expect_identical(nrow(leaderboard(grid)), 3L)
})

test_that("groups make the folds hold out whole groups", {
  skip_if_no_backend()
  withr::local_seed(14)
  # 40 groups of 5 near-identical samples, each group's label drawn at random: a model can only
  # learn the groups by heart, which scores well only when a fold holds out samples of groups it
  # trained on
  group <- rep(seq_len(40), each = 5)
  centres <- matrix(stats::rnorm(40 * 10), 40, 10)
  x <- centres[group, ] + matrix(stats::rnorm(200 * 10, sd = 0.01), 200, 10)
  y <- factor(c("a", "b")[sample(rep(1:2, 20))][group])
  args <- list(x, y, hyper_params = list(arch = "mlp", hidden = 32, lr = 0.05), nfolds = 2,
               epochs = 30, stopping_rounds = 0, baselines = FALSE)
  mixed <- do.call(gridSearch, args)
  held_out <- do.call(gridSearch, c(args, list(groups = paste0("g", group))))
  expect_gt(leaderboard(mixed)$mean, 0.9)
  expect_lt(leaderboard(held_out)$mean, 0.8)
  expect_error(do.call(gridSearch, c(args, list(groups = 1:3))),
               "groups has 3 values but there are 200 samples")
})

test_that("sort_by takes stopping_metric's names; logloss and deviance rank lowest first", {
  skip_if_no_backend()
  x <- matrix(stats::rnorm(200), 40, 5)
  y <- factor(rep(c("a", "b"), 20))
  expect_error(gridSearch(x, y, hyper_params = list(arch = "mlp"), sort_by = "loss"),
               "sort_by = \"loss\": .* use \"logloss\" \\(classification\\) or \"mse\"")
  grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = 2), sort_by = "valid_AUCPR",
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  expect_output(print(grid), "ranked by auprc")
  # a rate that learns the rule against one that learns nothing: the learner has the lower loss
  set.seed(4)
  x <- matrix(stats::rnorm(600), 300, 2)
  y <- factor(ifelse(x[, 1] + x[, 2] > 0, "up", "down"))
  for (sort_by in c("logloss", "deviance")) {
    grid <- gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = 8, lr = c(1e-6, 3e-2)),
                       sort_by = sort_by, nfolds = 2, epochs = 5, stopping_rounds = 0,
                       baselines = FALSE)
    board <- leaderboard(grid)
    expect_identical(grid$metric, "logloss")
    expect_false(is.unsorted(board$mean))
    expect_lt(board$mean[1], 0.4)
    expect_gt(board$mean[2], 0.6)  # chance: log(2) = 0.69
    expect_match(board$params[1], '"lr": 0.03')
  }
  z <- x[, 1] + x[, 2]
  grid <- gridSearch(x, z, hyper_params = list(arch = "mlp", hidden = 8), sort_by = "deviance",
                     nfolds = 2, epochs = 2, stopping_rounds = 0, baselines = FALSE)
  expect_identical(grid$metric, "mse")
})

test_that("the leaderboard of a search with no finished trials has every column", {
  skip_if_no_backend()
  x <- matrix(stats::rnorm(200), 40, 5)
  y <- factor(rep(c("a", "b"), 20))
  db <- file.path(withr::local_tempdir(), "grid.db")
  expect_error(gridSearch(x, y, hyper_params = list(arch = "mlp", hidden = 4, dropout = 1.5),
                          nfolds = 2, epochs = 1, baselines = FALSE, storage = db),
               "dropout must be >= 0 and < 1")
  board <- leaderboard(db)
  expect_identical(nrow(board), 0L)
  expect_identical(names(board), c("rank", "model", "kind", "trial", "mean", "sd", "folds",
                                   "state", "seconds", "params", "config"))
  expect_type(board$mean, "double")
  expect_type(board$rank, "integer")
})

test_that("task searches whole-number scores as regression, and bestModel keeps it", {
  skip_if_no_backend()
  set.seed(1)
  x <- matrix(stats::rnorm(240), 60, 4, dimnames = list(NULL, paste0("g", 1:4)))
  y <- pmin(3, round(pmax(0, x[, 1] + 1.5)))  # counts 0..3: classes unless told
  guessed <- gridSearch(x, y, list(arch = "mlp", hidden = 4), nfolds = 2, epochs = 1,
                        stopping_rounds = 0, baselines = FALSE)
  expect_identical(guessed$metric, "auroc")
  grid <- gridSearch(x, y, list(arch = "mlp", hidden = 4), nfolds = 2, epochs = 2,
                     stopping_rounds = 1, baselines = FALSE, task = "regression")
  expect_identical(grid$metric, "r2")
  model <- bestModel(grid)
  expect_identical(model@task, "regression")
  expect_true(is.numeric(predict(model, x)) && is.null(dim(predict(model, x))))
})

test_that("validation_split sets the part early stopping watches inside each fold", {
  skip_if_no_backend()
  set.seed(2)
  x <- matrix(stats::rnorm(240), 60, 4)
  y <- factor(rep(c("a", "b", "c", "d"), 15))
  args <- list(x, y, list(arch = "mlp", hidden = 4), nfolds = 2, epochs = 1, baselines = FALSE)
  # 30 samples per training fold: a tenth (3) cannot hold the 4 classes, 0.3 (9) can
  expect_error(do.call(gridSearch, args),
               "early stopping's inner split \\(validation_split=0.1\\) of its 30 training samples leaves 3 for validation, fewer than the 4 classes; use validation_split=0.14 or more")
  grid <- do.call(gridSearch, c(args, list(validation_split = 0.3)))
  expect_identical(grid$fit$inner_valid, 0.3)
  expect_s4_class(bestModel(grid), "DeepomicsModel")
})

test_that("search_criteria$max_runtime_secs stops starting trials, as H2O's does", {
  skip_if_no_backend()
  set.seed(3)
  x <- matrix(stats::rnorm(200), 40, 5)
  y <- factor(rep(c("a", "b"), 20))
  grid <- gridSearch(x, y, list(arch = "mlp", hidden = 4, lr = list(low = 1e-3, high = 1e-1)),
                     search_criteria = list(strategy = "RandomDiscrete", max_models = 200,
                                            max_runtime_secs = 1),
                     nfolds = 2, epochs = 1, stopping_rounds = 0, baselines = FALSE)
  expect_gte(nrow(leaderboard(grid)), 1)
  expect_lt(nrow(leaderboard(grid)), 200)
  expect_error(gridSearch(x, y, list(arch = "mlp", hidden = 4),
                          search_criteria = list(max_runtime_secs = -1)),
               "max_runtime_secs must be a number of seconds >= 0 \\(0: no limit\\)")
  expect_null(deepomics:::search_criteria_to_py(list(max_runtime_secs = 0),
                                                list(hidden = c(2, 4)))$timeout)
})
