# trainModel(): learning planted signals, labels, early stopping, verbosity, arguments.

test_that("a DeepBind model trained in R finds a planted motif", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  expect_true(methods::is(model, "DeepomicsModel"))
  expect_identical(model@task, "binary")
  expect_identical(model@classes, c("present", "absent"))
  metrics <- evaluateModel(model, data$x[301:400], data$y[301:400])
  auroc <- metrics$value[metrics$metric == "auroc"]
  expect_gt(auroc, 0.95)
  expect_identical(model@encoding$input_kind, "onehot")
  expect_identical(model@encoding$alphabet, "dna")
  expect_identical(model@input$kind, "sequences")
})

test_that("an MLP trained on a SingleCellExperiment separates clusters; levels are kept", {
  skip_if_no_backend()
  model <- cluster_model()
  sce <- cluster_sce()
  expect_identical(model@task, "multiclass")
  expect_identical(model@classes, levels(sce$cell_type))   # T cell, B cell, NK cell: not sorted
  expect_identical(model@input, list(kind = "features", assay = "logcounts"))
  expect_identical(model@features, rownames(sce))
  predicted <- predict(model, t(SummarizedExperiment::assay(sce, "logcounts")), type = "class")
  expect_identical(levels(predicted), levels(sce$cell_type))
  expect_gt(mean(predicted == sce$cell_type), 0.95)
})

test_that("H2O-style stopping arguments become Python's early_stopping", {
  skip_if_no_backend()
  expect_null(deepomics:::early_stopping(0, NULL, 0, 10, FALSE))
  s <- reticulate::py_to_r(deepomics:::early_stopping(3, "AUC", 0.01, 10, TRUE))
  expect_identical(s, list(patience = 3L, monitor = "valid_auroc", min_delta = 0.01))
  s <- reticulate::py_to_r(deepomics:::early_stopping(2, "logloss", 0, 10, TRUE))
  expect_identical(s$monitor, "valid_logloss")  # the predictions' log loss, not the objective
  s <- reticulate::py_to_r(deepomics:::early_stopping(2, "deviance", 0, 10, TRUE))
  expect_identical(s$monitor, "valid_deviance")  # (fit resolves it by the task)
  s <- reticulate::py_to_r(deepomics:::early_stopping(0, "valid_mcc", 0, 7, TRUE))
  expect_identical(s, list(patience = 7L, monitor = "valid_mcc", min_delta = 0))
  expect_error(deepomics:::early_stopping(2, NULL, 0, 10, FALSE),
               "stopping_rounds needs validation data: give validation_split or validation_data")
  expect_error(deepomics:::early_stopping(2, "auc_roc", 0, 10, TRUE),
               "stopping_metric \"auc_roc\" is not a metric")
  expect_error(deepomics:::early_stopping(-1, NULL, 0, 10, TRUE), "stopping_rounds must be 0")
  expect_error(deepomics:::early_stopping(1, NULL, -1, 10, TRUE), "stopping_tolerance must be")
  # a metric the task does not measure: the names stopping_metric takes
  data <- planted_motif(n = 40, length = 30)
  expect_error(trainModel(seqModel("deepbind", filters = 2), data$x, data$y, epochs = 1,
                          validation_split = 0.25, stopping_rounds = 1, stopping_metric = "r2"),
               "early stopping cannot watch 'r2': a binary task measures loss, auroc",
               class = "deepomics_python_error")
})

test_that("training stops after stopping_rounds epochs without improvement", {
  skip_if_no_backend()
  data <- separable_clusters(n = 60, p = 5)
  # a learning rate of ~0 never improves the loss by the tolerance
  model <- trainModel(mlpModel(hidden = 4), data$x, data$y, epochs = 20, lr = 1e-9,
                      validation_split = 0.25, stopping_rounds = 2, stopping_tolerance = 0.1)
  history <- as.data.frame(trainingHistory(model))
  expect_lt(nrow(history), 20L)
  expect_identical(trainingHistory(model)@monitor, "valid_loss")
  valid <- list(data$x[1:20, ], data$y[1:20])
  model <- trainModel(mlpModel(hidden = 4), data$x, data$y, epochs = 2, validation_data = valid,
                      stopping_metric = "accuracy")
  expect_true("valid_accuracy" %in% names(as.data.frame(trainingHistory(model))))
  expect_identical(trainingHistory(model)@monitor, "valid_accuracy")
  expect_error(trainModel(mlpModel(), data$x, data$y, validation_data = valid,
                          validation_split = 0.2), "not both")
  expect_error(trainModel(mlpModel(), data$x, data$y, validation_split = 1),
               "validation_split must be a number in \\[0, 1\\)")
})

test_that("a SummarizedExperiment trains with a samples x features matrix as validation data", {
  skip_if_no_backend()
  sce <- cluster_sce(120, 6)
  train <- sce[, 1:90]
  valid <- sce[, 91:120]
  matrix <- t(SummarizedExperiment::assay(valid, "logcounts"))
  model <- trainModel(mlpModel(hidden = 4), train, "cell_type", epochs = 2,
                      validation_data = list(matrix[, 6:1], valid$cell_type))  # by name
  expect_true("valid_loss" %in% names(as.data.frame(trainingHistory(model))))
  same <- trainModel(mlpModel(hidden = 4), train, "cell_type", epochs = 2,
                     validation_data = list(valid, valid$cell_type))
  expect_equal(as.data.frame(trainingHistory(model))$valid_loss,
               as.data.frame(trainingHistory(same))$valid_loss)
  expect_error(trainModel(mlpModel(hidden = 4), train, "cell_type", epochs = 1,
                          validation_data = list(matrix[, 1:3], valid$cell_type)),
               "validation_data lacks 3 of the 6 features")
})

test_that("training is quiet under testthat and in non-interactive sessions", {
  skip_if_no_backend()
  expect_false(deepomics:::resolve_verbose(NULL))
  expect_true(deepomics:::resolve_verbose(TRUE))
  expect_error(deepomics:::resolve_verbose(NA), "verbose must be TRUE or FALSE")
  data <- separable_clusters(n = 40, p = 4)
  out <- all_output(trainModel(mlpModel(hidden = 4), data$x, data$y, epochs = 2,
                               validation_split = 0.25))
  expect_identical(out, "")
  # in a child R session run by Rscript (not interactive) as well
  code <- paste(
    "library(deepomics); x <- matrix(rnorm(80), 20);",
    "m <- trainModel(mlpModel(hidden = 2), x, factor(x[, 1] > 0), epochs = 1); cat('done')")
  out <- run_r(code, env = paste0("DEEPOMICS_PYTHON=", backend_python_path()))
  expect_identical(out, "done", ignore_attr = TRUE)
})

test_that("training a trained model again leaves the original as it was", {
  skip_if_no_backend()
  data <- separable_clusters(n = 40, p = 4)
  first <- trainModel(mlpModel(hidden = 4), data$x, data$y, epochs = 1, seed = 1)
  before <- predict(first, data$x)
  files <- first@files
  second <- trainModel(first, data$x, data$y, epochs = 2, lr = 0.05)
  expect_identical(first@files, files)
  expect_identical(predict(first, data$x), before)
  expect_false(identical(predict(second, data$x), before))
})

test_that("a config list or an architecture's name may stand for the model", {
  skip_if_no_backend()
  data <- separable_clusters(n = 30, p = 4)
  m <- trainModel(list(arch = "mlp", hidden = 4), data$x, data$y, epochs = 1)
  expect_identical(m@config$hidden, 4L)
  m <- trainModel("kmer_linear", planted_motif(20)$x, planted_motif(20)$y, epochs = 1)
  expect_identical(m@config$arch, "kmer_linear")
  expect_error(trainModel(42, data$x, data$y), "model must be a DeepomicsModel")
})

test_that("one-hot arrays, RNA and protein sets, and Python's own fit arguments", {
  skip_if_no_backend()
  data <- planted_motif(n = 40, length = 30)
  onehot <- oneHot(data$x)
  m <- trainModel(seqModel("promoter_cnn", filters = 4, filter_size = 5, hidden = 4), onehot,
                  data$y, epochs = 1)
  expect_identical(m@config$seq_len, 30L)
  expect_identical(m@input$kind, "onehot")
  expect_identical(dim(predict(m, onehot)), c(40L, 2L))
  rna <- Biostrings::RNAStringSet(chartr("T", "U", data$x))
  m <- trainModel(seqModel("deepbind", filters = 2, filter_size = 4), rna, data$y, epochs = 1,
                  optimizer = "sgd", class_weight = c(present = 2, absent = 1), device = "cpu")
  expect_identical(m@config$alphabet, "rna")
  expect_identical(m@encoding$alphabet, "rna")
  expect_error(trainModel(seqModel(), data$x, data$y, epochs = 1, valid_fraction = 0.2),
               "valid_fraction: use validation_split instead")
  expect_error(trainModel(seqModel(), data$x, data$y, epochs = 1, 0.2), "must be named")
  # a misspelt argument, or a model setting given to trainModel(), is named before Python
  expect_error(trainModel(seqModel(), data$x, data$y, epochs = 1, optimiser = "sgd"),
               "trainModel\\(\\) has no argument optimiser; did you mean optimizer\\?")
  expect_error(trainModel(seqModel(), data$x, data$y, epochs = 1, batchsize = 8),
               "has no argument batchsize; did you mean batch_size\\?")
  expect_error(trainModel("deepbind", data$x, data$y, epochs = 1, n_filters = 2),
               "has no argument n_filters; it is a setting of the deepbind model: give it to seqModel")
  expect_error(trainModel(seqModel(), data$x, data$y, epochs = 1, filters = 2),
               "has no argument filters; it is a setting of the deepbind model")  # R's alias
  expect_error(trainModel(seqModel(), data$x, data$y, ep = 1), "has no argument ep$")  # no guess
})

test_that("a one-hot array's channel names set the alphabet; other channel counts get a hint", {
  skip_if_no_backend()
  data <- planted_motif(n = 40, length = 20)
  rna <- Biostrings::RNAStringSet(chartr("T", "U", data$x))
  m <- trainModel(seqModel("deepbind", filters = 2, filter_size = 4), oneHot(rna), data$y, epochs = 1)
  expect_identical(m@config$alphabet, "rna")
  expect_identical(predict(m, oneHot(rna)), predict(m, rna))  # sequences read as RNA too
  withr::local_seed(1)
  aa <- strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]]
  protein <- oneHot(Biostrings::AAStringSet(random_sequences(40, 20, aa)))
  m <- trainModel(seqModel("deepbind", filters = 2, filter_size = 4), protein, data$y, epochs = 1)
  expect_identical(m@config$alphabet, "protein")
  custom <- oneHot(data$x, alphabet = "ACGTN")
  m <- trainModel(seqModel("deepbind", filters = 2, filter_size = 4), custom, data$y, epochs = 1)
  expect_identical(m@config$alphabet, "ACGTN")
  # without channel names, a count the alphabet does not have is refused with the fix
  unnamed <- protein
  dimnames(unnamed) <- NULL
  expect_error(trainModel(seqModel("deepbind", filters = 2, filter_size = 4), unnamed, data$y, epochs = 1),
               "x is a one-hot array of 20 channels, but the model's alphabet \"dna\" has 4 \\(A, C, G, T\\); pass alphabet = \"protein\" to seqModel\\(\\)")
  expect_identical(trainModel(seqModel("deepbind", filters = 2, filter_size = 4, alphabet = "protein"),
                              unnamed, data$y, epochs = 1)@config$alphabet, "protein")
})

test_that("a GPU the machine does not have is named before training", {
  skip_if_no_backend()
  data <- separable_clusters(n = 20, p = 4)
  expect_error(trainModel(mlpModel(), data$x, data$y, epochs = 1, device = "cuda:9"),
               "device = \"cuda:9\" but this machine has .*use device = \"auto\"")
})

test_that("labels that do not fit the model are errors saying so", {
  skip_if_no_backend()
  data <- separable_clusters(n = 20, p = 4)
  expect_error(trainModel(autoencoderModel(), data$x, data$y), "leave y out")
  expect_error(trainModel(mlpModel(), data$x), "y \\(the labels\\) is missing")
  expect_error(trainModel(mlpModel(), data$x, data$y[1:10]), "y has 10 labels but there are 20")
  expect_error(trainModel(mlpModel(), cluster_sce(20), "celltype"), "not a colData column")
})

test_that("data that looks transposed is named in a warning or in the labels' error", {
  skip_if_no_backend()
  set.seed(3)
  cells <- vapply(1:12, function(i) paste(c(sample(c("A", "C", "G", "T"), 16, TRUE), "-1"),
                                          collapse = ""), "")
  genes <- sprintf("ENSG%011d", 1:30)
  counts <- matrix(rpois(30 * 12, 2), 30, 12, dimnames = list(genes, cells))  # genes x cells
  ae <- autoencoderModel(hidden = 4, latent = 2)
  # an SCE built cells x genes: nothing else could tell, an autoencoder has no labels to count
  wrong <- SingleCellExperiment::SingleCellExperiment(assays = list(counts = t(counts)))
  expect_warning(trainModel(ae, wrong, epochs = 1), paste0(
    "x looks transposed: its samples are named like Ensembl genes \\(ENSG00000000001, ...\\); ",
    "a SummarizedExperiment is genes x cells.*silence this warning \\(suppressWarnings\\(..., ",
    "classes = \"deepomics_orientation_warning\"\\)\\)"), class = "deepomics_orientation_warning")
  # genes as samples on purpose: the class the message names silences it, and only it
  expect_no_warning(suppressWarnings(trainModel(ae, wrong, epochs = 1),
                                     classes = "deepomics_orientation_warning"))
  right <- SingleCellExperiment::SingleCellExperiment(assays = list(counts = counts))
  expect_no_warning(trainModel(ae, right, epochs = 1))
  # a matrix is samples x features; genes by symbol: the cells' barcodes as features say it
  symbols <- counts
  rownames(symbols) <- paste0("GENE", 1:30)
  expect_warning(trainModel(ae, symbols, epochs = 1),
                 "x looks transposed: its features are named like cell barcodes .*pass t\\(x\\)")
  expect_no_warning(trainModel(ae, t(symbols), epochs = 1))
  # labels one per column of a matrix, or one per row of an SE
  y <- factor(rep(c("a", "b"), 6))
  unnamed <- unname(counts)
  expect_error(trainModel(mlpModel(), unnamed, y),
               "y has 12 labels but there are 30 samples.*the data has 12 columns: .*transpose it with t\\(\\)")
  expect_error(trainModel(mlpModel(), SummarizedExperiment::SummarizedExperiment(t(unnamed)), y),
               "the data has 12 rows: a SummarizedExperiment is genes x samples")
})

test_that("a channels-last one-hot array is an error saying how R turns it", {
  skip_if_no_backend()
  x <- oneHot(rep(c("ACGTACGTAC", "TTTTACGTAA"), 10))
  y <- factor(rep(c("a", "b"), 10))
  model <- seqModel("deepbind", filters = 2, filter_size = 3)
  expect_error(trainModel(model, aperm(x, c(1, 3, 2)), y, epochs = 1),
               "got shape \\(20, 10, 4\\); it looks channels-last \\(N, L, C\\): pass aperm\\(x, c\\(1, 3, 2\\)\\)")
  fitted <- trainModel(model, aperm(aperm(x, c(1, 3, 2)), c(1, 3, 2)), y, epochs = 1)
  expect_s4_class(fitted, "DeepomicsModel")  # the hint, followed, trains
  # interpretation says it the same way
  expect_error(attribution(fitted, aperm(x[1:2, , ], c(1, 3, 2))),
               "channels-last \\(N, L, C\\): pass aperm\\(x, c\\(1, 3, 2\\)\\)")
})

test_that("max_shift, mutation_rate and max_indel train on altered sequences, predict as given", {
  skip_if_no_backend()
  data <- planted_motif()
  held_out <- data$x[301:400]
  for (setting in list(list(max_shift = 3), list(mutation_rate = 0.05), list(max_indel = 2))) {
    model <- trainModel(
      do.call(seqModel, c(list("deepbind", filters = 8, filter_size = 10, hidden = 0), setting)),
      data$x[1:300], data$y[1:300], epochs = 12, lr = 0.01, seed = 0
    )
    expect_equal(model@config[[names(setting)]], setting[[1L]])
    expect_identical(predict(model, held_out), predict(model, held_out))  # eval: as given
    metrics <- evaluateModel(model, held_out, data$y[301:400])
    expect_gt(metrics$value[metrics$metric == "auroc"], 0.9)
  }
  expect_error(seqModel("deeploc", max_shift = 2), "unknown key 'max_shift'")
  expect_error(seqModel("deepbind", mutation_rate = 1), "mutation_rate must be >= 0 and < 1")
  expect_error(seqModel("danq", max_indel = -1), "max_indel must be >= 0")
})

test_that("augment = FALSE trains on the sequences as given and keeps the model's settings", {
  skip_if_no_backend()
  # mutation_rate 0.95: nearly every training letter is random and the motif cannot be learnt;
  # augment = FALSE (EvoAug's second stage) reads the sequences as given and learns it
  data <- planted_motif()
  held_out <- data$x[301:400]
  auroc <- function(model) {
    metrics <- evaluateModel(model, held_out, data$y[301:400])
    metrics$value[metrics$metric == "auroc"]
  }
  spec <- seqModel("deepbind", filters = 8, filter_size = 8, hidden = 0, mutation_rate = 0.95)
  noisy <- trainModel(spec, data$x[1:300], data$y[1:300], epochs = 12, lr = 0.01, seed = 0)
  plain <- trainModel(spec, data$x[1:300], data$y[1:300], augment = FALSE, epochs = 12,
                      lr = 0.01, seed = 0)
  expect_lt(auroc(noisy), 0.75)
  expect_gt(auroc(plain), 0.95)
  expect_equal(plain@config$mutation_rate, 0.95)  # kept for later training
  expect_error(trainModel(spec, data$x[1:300], data$y[1:300], augment = "no", epochs = 1),
               "augment must be True or False")
})

test_that("class weights make the model call the weighted (rare) class far more often", {
  skip_if_no_backend()
  withr::local_seed(3)
  x <- matrix(stats::rnorm(4000), 400, 10)
  y <- factor(ifelse(x[, 1] + stats::rnorm(400, sd = 1.5) > 1.3, "rare", "common"),
              levels = c("common", "rare"))
  calls <- function(...) {
    m <- trainModel(mlpModel(hidden = 8), x, y, epochs = 20, ...)
    mean(predict(m, x)[, "rare"] > 0.5)
  }
  plain <- calls()
  weighted <- calls(class_weight = c(rare = 5))
  expect_gt(weighted, plain + 0.3)
  expect_error(calls(class_weight = c(unknown = 5)), "names classes the labels do not have: unknown \\(the classes are ",
               class = "deepomics_python_error")
})

test_that("checkpoint_dir keeps last.ckpt and resume_from continues from its epoch, as the uninterrupted run", {
  skip_if_no_backend()
  data <- planted_motif(n = 120, length = 30)
  dir <- withr::local_tempdir()
  model <- seqModel("deepbind", filters = 2, filter_size = 4, dropout = 0.3)
  first <- trainModel(model, data$x, data$y, epochs = 2, validation_split = 0.2,
                      checkpoint_dir = dir)
  expect_true(file.exists(file.path(dir, "last.ckpt")))
  resumed <- trainModel(model, data$x, data$y, epochs = 4, validation_split = 0.2,
                        resume_from = file.path(dir, "last.ckpt"))
  history <- as.data.frame(trainingHistory(resumed))
  expect_identical(history$epoch, 1:4)
  expect_equal(history[1:2, ], as.data.frame(trainingHistory(first)), ignore_attr = TRUE)
  straight <- trainModel(model, data$x, data$y, epochs = 4, validation_split = 0.2)
  expect_identical(history$train_loss, as.data.frame(trainingHistory(straight))$train_loss)
  expect_identical(predict(resumed, data$x), predict(straight, data$x))
})

test_that("a factor level without samples is left out of a binary model", {
  skip_if_no_backend()
  data <- planted_motif(n = 40, length = 30)
  y <- factor(as.character(data$y), levels = c("absent", "present", "maybe"))
  expect_warning(
    model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 4), data$x, y, epochs = 1),
    "levels maybe have no samples and are left out.*droplevels",
    class = "deepomics_python_warning")
  expect_identical(unlist(model@classes), c("absent", "present"))
  expect_warning(evaluateModel(model, data$x[data$y == "present"], data$y[data$y == "present"]),
                 "one class only, so AUROC and AUPRC .* are undefined", class = "deepomics_python_warning")
  expect_identical(colnames(predict(model, data$x)), c("absent", "present"))
  # one class present (e.g. the first sample of a three-level factor): said so
  expect_error(trainModel(seqModel("deepbind", filters = 2, filter_size = 4), data$x[1:5],
                          factor(rep("present", 5), levels = levels(y)), epochs = 1),
               "one class only \\(present\\); the levels absent, maybe have no samples")
})

test_that("groups hold out whole groups; NA groups and non-callbacks are named", {
  skip_if_no_backend()
  data <- planted_motif(n = 40, length = 30)
  model <- seqModel("deepbind", filters = 2, filter_size = 4)
  chroms <- factor(rep(c("chr1", "chr2", "chr3", "chr4"), 10))
  for (groups in list(chroms, S4Vectors::Rle(chroms))) {
    m <- trainModel(model, data$x, data$y, epochs = 1, validation_split = 0.25, groups = groups)
    expect_true("valid_loss" %in% colnames(trainingHistory(m)@metrics))
  }
  chroms[5] <- NA  # reticulate would hand this on as the text "NA", a group of its own
  expect_error(trainModel(model, data$x, data$y, epochs = 1, validation_split = 0.25,
                          groups = chroms),
               "groups\\[5\\] is NA; 1 of the groups are missing in all: drop those samples")
  expect_error(trainModel(model, data$x, data$y, epochs = 1, callbacks = function() 1),
               "callbacks takes a list of Lightning callbacks .* not a function")
  expect_error(trainModel(model, data$x, data$y, epochs = 1, callbacks = list("stop")),
               "callbacks\\[1\\] is a str, not a Lightning callback")
})

test_that("a trained model trains further on its own features and classes, by name", {
  skip_if_no_backend()
  data <- separable_clusters(n = 150, p = 10)
  model <- trainModel(mlpModel(hidden = 4, dropout = 0), data$x, data$y, epochs = 5, lr = 0.05)
  accuracy <- function(m) mean(predict(m, data$x, type = "class") == data$y)
  expect_gt(accuracy(model), 0.95)
  # genes in another order and levels in another order: matched by name, not position (this
  # left a third of the cells right, without a word)
  again <- trainModel(model, data$x[, 10:1], factor(data$y, levels = rev(levels(data$y))),
                      epochs = 1, lr = 1e-9)
  expect_identical(again@classes, model@classes)
  expect_gt(accuracy(again), 0.95)
  expect_gt(accuracy(trainModel(model, data$x, as.character(data$y), epochs = 1, lr = 1e-9)), 0.95)
  expect_error(trainModel(model, data$x, factor(rep(c("a", "b", "c"), 50)), epochs = 1),
               "labels a, b, c are not among the classes .* trains further on its own classes only")
  expect_error(trainModel(model, random_sequences(20, 20), data$y[1:20], epochs = 1),
               "this mlp model takes a feature matrix, but x holds sequences")
})

test_that("label matrix columns are matched to a model's outputs by name", {
  skip_if_no_backend()
  data <- separable_clusters(n = 150, p = 10)
  labels <- cbind(a = data$x[, 1] > 0, b = data$x[, 2] > 0, c = data$x[, 3] > 0) * 1
  model <- trainModel(mlpModel(hidden = 8, dropout = 0), data$x, labels, epochs = 20, lr = 0.05)
  right <- evaluateModel(model, data$x, labels)
  expect_equal(evaluateModel(model, data$x, labels[, c("c", "a", "b")]), right)
  expect_equal(evaluateModel(model, data$x, unname(labels)), right)  # unnamed: in order
  expect_gt(min(right$value[right$metric == "auroc"]), 0.9)
  wrong <- labels
  colnames(wrong) <- c("x", "b", "c")
  expect_error(evaluateModel(model, data$x, wrong),
               "the label columns \\(x, b, c\\) are not the model's outputs \\(a, b, c\\)")
})

test_that("labels named by the samples in another order are refused, not misaligned", {
  skip_if_no_backend()
  set.seed(5)
  x <- matrix(stats::rnorm(120), 40, 3, dimnames = list(paste0("s", 1:40), c("a", "b", "c")))
  y <- stats::setNames(factor(ifelse(x[, 1] > 0, "up", "down")), rownames(x))
  expect_error(trainModel(mlpModel(hidden = 4), x, rev(y), epochs = 1),
               "y's names are the samples' names in another order \\(at 1: y s40, the data s1\\)")
  expect_error(trainModel(mlpModel(hidden = 4), x, data.frame(t = x[40:1, 1], row.names = paste0("s", 40:1)),
                          epochs = 1), "y's rownames are the samples' names in another order")
  model <- trainModel(mlpModel(hidden = 4), x, rev(y)[rownames(x)], epochs = 1)  # aligned: fine
  expect_s4_class(model, "DeepomicsModel")
  expect_error(evaluateModel(model, x, rev(y)), "y's names are the samples' names")
  expect_s3_class(evaluateModel(model, x, unname(y)), "data.frame")  # unnamed: by position
  # a one-hot array names its samples in dimnames(x)[[1]]
  seqs <- Biostrings::DNAStringSet(stats::setNames(
    vapply(1:12, function(i) paste(sample(c("A", "C", "G", "T"), 20, TRUE), collapse = ""), ""),
    paste0("q", 1:12)))
  labels <- stats::setNames(factor(rep(c("n", "p"), 6)), names(seqs))
  expect_error(trainModel(seqModel("deepbind", filters = 2, filter_size = 5), oneHot(seqs),
                          rev(labels), epochs = 1),
               "y's names are the samples' names in another order \\(at 1: y q12, the data q1\\).*y\\[dimnames\\(x\\)\\[\\[1\\]\\]\\]")
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 5), oneHot(seqs), labels,
                      epochs = 1)
  expect_match(paste(capture.output(show(model)), collapse = "\n"), "input: dna sequences, one-hot")
})

test_that("several targets can be colData columns (an S4 DataFrame)", {
  skip_if_no_backend()
  set.seed(6)
  counts <- matrix(stats::rnorm(5 * 60), 5, dimnames = list(paste0("g", 1:5), paste0("c", 1:60)))
  se <- SummarizedExperiment::SummarizedExperiment(list(logcounts = counts))
  se$a <- counts[1, ] * 2
  se$b <- counts[2, ] - counts[3, ]
  model <- trainModel(mlpModel(hidden = 8), se, SummarizedExperiment::colData(se)[, c("a", "b")],
                      epochs = 100, lr = 0.01, seed = 0)
  expect_identical(model@task, "regression")
  expect_identical(as.character(model@classes), c("a", "b"))
  predicted <- predict(model, t(counts))
  expect_gt(stats::cor(predicted[, "a"], se$a), 0.8)
  expect_gt(stats::cor(predicted[, "b"], se$b), 0.8)
})
