# predict(), evaluateModel(), embedModel(), and results written into SE / SCE objects.

test_that("probabilities: one column per class, named by the levels, rows by the samples", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  p <- predict(model, data$x[301:310])
  expect_true(is.matrix(p))
  expect_identical(dimnames(p), list(names(data$x)[301:310], c("present", "absent")))
  expect_equal(unname(rowSums(p)), rep(1, 10), tolerance = 1e-6)
  # the second column is Python's probability of classes[2]
  python <- reticulate::py_to_r(deepomics:::py_deepomics()$train$predict(
    deepomics:::py_model(model), as.list(unname(data$x[301:310]))))
  expect_identical(unname(p[, "absent"]), as.vector(python))
  classes <- predict(model, data$x[301:310], type = "class")
  expect_s3_class(classes, "factor")
  expect_identical(levels(classes), c("present", "absent"))
  expect_identical(names(classes), names(data$x)[301:310])
  expect_identical(as.character(classes), colnames(p)[max.col(p, ties.method = "first")])
  # a DNAStringSet predicts as its character vector does
  expect_identical(predict(model, Biostrings::DNAStringSet(data$x[301:310])), p)
})

test_that("predicting into a SingleCellExperiment adds colData columns", {
  skip_if_no_backend()
  model <- cluster_model()
  sce <- cluster_sce()
  out <- predict(model, sce)
  expect_s4_class(out, "SingleCellExperiment")
  expect_identical(SummarizedExperiment::assay(out, "logcounts"),
                   SummarizedExperiment::assay(sce, "logcounts"))
  expect_s3_class(out$deepomics_class, "factor")
  expect_identical(levels(out$deepomics_class), levels(sce$cell_type))
  expect_gt(mean(out$deepomics_class == sce$cell_type), 0.95)
  probs <- predict(model, t(SummarizedExperiment::assay(sce, "logcounts")))
  expect_identical(out[["deepomics_prob_B cell"]], unname(probs[, "B cell"]))
  # the same predictions from the transposed matrix, and with the genes in another order
  shuffled <- sce[rev(seq_len(nrow(sce))), ]
  expect_identical(predict(model, shuffled)$deepomics_prob_NK, NULL)
  expect_identical(predict(model, shuffled)[["deepomics_prob_NK cell"]],
                   out[["deepomics_prob_NK cell"]])
  expect_error(predict(model, sce[1:5, ]), "newdata lacks 15 of the 20 features")
  named <- predict(model, sce, name = "mlp")
  expect_true(all(c("mlp_class", "mlp_prob_T cell") %in% names(SummarizedExperiment::colData(named))))
  # what deepomics wrote is listed, and predicting again replaces it
  expect_setequal(S4Vectors::metadata(out)$deepomics_written,
                  paste0("colData/deepomics_", c("class", paste0("prob_", levels(sce$cell_type)))))
  expect_identical(predict(model, out), out)
  # a column of that name the user made is theirs: refused, replaced only with overwrite = TRUE
  mine <- sce
  mine$mlp_class <- mine$cell_type
  expect_error(predict(model, mine, name = "mlp"),
               "the colData column \"mlp_class\" already holds data that deepomics did not write; choose another name, or pass overwrite = TRUE")
  replaced <- predict(model, mine, name = "mlp", overwrite = TRUE)
  expect_identical(replaced$mlp_class, named$mlp_class)
  expect_false("colData/mlp_class" %in% S4Vectors::metadata(replaced)$deepomics_written)
  expect_error(predict(model, t(SummarizedExperiment::assay(sce, "logcounts")), overwrite = TRUE),
               "overwrite applies to a SummarizedExperiment newdata")
  # arguments that would do nothing are named
  expect_error(predict(model, sce, type = "class"), "type applies to sequences and matrices")
  expect_error(predict(model, t(SummarizedExperiment::assay(sce, "logcounts")), name = "mlp"),
               "name applies to a SummarizedExperiment newdata")
  expect_error(predict(model, sce, batch_size = 0), "batch_size must be a positive whole number")
  # features without names are taken in order, with a warning; repeated names are refused
  unnamed <- sce
  rownames(unnamed) <- NULL
  expect_warning(same <- predict(model, unnamed), "newdata has no feature names, so its columns are taken")
  expect_identical(same[["deepomics_prob_T cell"]], out[["deepomics_prob_T cell"]])
  twice <- sce
  rownames(twice)[2] <- rownames(twice)[1]
  expect_error(predict(model, twice), "newdata has features of the same name \\(e.g. ")
  expect_s4_class(trainModel(mlpModel(hidden = 2), twice, "cell_type", epochs = 1),
                  "DeepomicsModel")  # repeated gene symbols train: nothing to match
})

test_that("numbers stand for a model's classes that are their text; errors name the user's call", {
  skip_if_no_backend()
  data <- separable_clusters(n = 150, p = 10)
  codes <- c(`B cell` = 10, `NK cell` = 2, `T cell` = 3)[as.character(data$y)]
  model <- trainModel(mlpModel(hidden = 8, dropout = 0), data$x, factor(codes), epochs = 20,
                      lr = 0.05)
  expect_identical(model@classes, c("2", "3", "10"))
  by_number <- evaluateModel(model, data$x, unname(codes))
  expect_equal(by_number, evaluateModel(model, data$x, factor(codes)))
  expect_gt(by_number$value[by_number$metric == "accuracy" & by_number$output == "all"], 0.9)
  se <- SummarizedExperiment::SummarizedExperiment(list(x = t(data$x)),
                                                   colData = S4Vectors::DataFrame(code = unname(codes)))
  expect_equal(evaluateModel(model, se, "code"), by_number)  # numbers from a colData column
  # the error's call is the user's, not an internal helper's
  error <- tryCatch(modelParameters("foo"), error = identity)
  expect_identical(conditionCall(error)[[1L]], as.name("modelParameters"))
  error <- tryCatch(gridSearch(data$x, data$y, hyper_params = list(arch = "nope")),
                    error = identity)  # (it used to name lapply(archs, arch_keys))
  expect_identical(conditionCall(error)[[1L]], as.name("gridSearch"))
  error <- tryCatch(predict(model, data$x, batch_size = 0), error = identity)
  expect_true(as.character(conditionCall(error)[[1L]]) %in% c("predict", "predict.DeepomicsModel"))
})

test_that("text or logical labels stand for a model's classes that are numbers", {
  skip_if_no_backend()
  data <- separable_clusters(n = 90, p = 4, levels = c("a", "b"))
  y01 <- as.numeric(data$y == "b")
  model <- trainModel(mlpModel(hidden = 4), data$x, y01, epochs = 2)
  expect_identical(model@task, "binary")
  expect_true(is.numeric(model@classes))
  by_number <- evaluateModel(model, data$x, y01)
  expect_identical(evaluateModel(model, data$x, factor(y01)), by_number)
  expect_identical(evaluateModel(model, data$x, as.character(y01)), by_number)
  expect_identical(evaluateModel(model, data$x, y01 == 1), by_number)
  expect_s4_class(trainModel(model, data$x, factor(y01), epochs = 1), "DeepomicsModel")
  # text that is no class: refused; Python's conversion hints are spelled in R
  expect_error(evaluateModel(model, data$x, ifelse(y01 == 1, "2", "0")),
               "labels 0, 2 are not among the classes \\(0, 1\\)")
  expect_identical(deepomics:::r_spelling("convert them, e.g. np.asarray(y, dtype=int)"),
                   "convert them, e.g. as.numeric(as.character(y))")
})

test_that("an autoencoder's embedding goes into reducedDims (SCE) or colData (SE)", {
  skip_if_no_backend()
  model <- autoencoder_model()
  data <- separable_clusters()
  embedding <- embedModel(model, data$x)
  expect_identical(dimnames(embedding), list(rownames(data$x), paste0("latent", 1:3)))
  sce <- SingleCellExperiment::SingleCellExperiment(list(logcounts = t(data$x)))
  out <- predict(model, sce)
  expect_identical(SingleCellExperiment::reducedDim(out, "DEEPOMICS"), embedding)
  expect_identical(embedModel(model, sce, name = "AE"), {
    SingleCellExperiment::reducedDim(sce, "AE") <- embedding
    S4Vectors::metadata(sce)$deepomics_written <- "reducedDim/AE"
    sce
  })
  # a reducedDim deepomics did not write (e.g. scater's PCA) is kept unless overwrite = TRUE
  SingleCellExperiment::reducedDim(sce, "PCA") <- data$x[, 1:2]
  expect_error(embedModel(model, sce, name = "PCA"),
               "the reducedDim \"PCA\" already holds data that deepomics did not write")
  expect_identical(SingleCellExperiment::reducedDim(
    embedModel(model, sce, name = "PCA", overwrite = TRUE), "PCA"), embedding)
  expect_identical(embedModel(model, out), out)  # its own: replaced when run again
  se <- SummarizedExperiment::SummarizedExperiment(list(x = t(data$x)))
  expect_identical(SummarizedExperiment::colData(embedModel(model, se))$DEEPOMICS, embedding)
  reconstruction <- predict(model, data$x)
  expect_identical(dim(reconstruction), dim(data$x))
  expect_identical(colnames(reconstruction), colnames(data$x))
  expect_error(predict(model, data$x, type = "class"), "applies to classification models")
  expect_error(embedModel(motif_model(), "ACGT"), "needs an autoencoder")
  expect_error(evaluateModel(model, data$x, data$y), "an autoencoder has none")
})

test_that("a genes x cells matrix is refused with the hint to transpose it", {
  skip_if_no_backend()
  model <- cluster_model()
  sce <- cluster_sce()
  logcounts <- SummarizedExperiment::assay(sce, "logcounts")
  colnames(logcounts) <- paste0("cell", seq_len(ncol(logcounts)))
  hint <- "lacks 20 of the 20 features .*; they are its rows: a matrix is samples x features, so pass t\\(%s\\), or the SummarizedExperiment itself"
  expect_error(predict(model, logcounts), sprintf(hint, "newdata"))
  expect_error(predict(model, SummarizedExperiment::assay(sce, "counts")), "features, so pass t\\(newdata\\)")
  expect_error(evaluateModel(model, logcounts, sce$cell_type), sprintf(hint, "x"))
  colnames(logcounts) <- NULL
  expect_error(predict(model, logcounts),
               "newdata has no feature names but its rows are named by the model's features.*pass t\\(newdata\\)")
  expect_identical(unname(predict(model, t(logcounts))),
                   unname(predict(model, t(SummarizedExperiment::assay(sce, "logcounts")))))
})

test_that("repeated feature names the model does not use do not stop predictions", {
  skip_if_no_backend()
  model <- cluster_model()
  sce <- cluster_sce()
  extra <- sce[1:3, ]
  rownames(extra) <- c("MATR3", "MATR3", "gene01")  # 10x's repeated symbols, and a needed one
  full <- rbind(sce[20:1, ], extra[1:2, ])
  expect_identical(predict(model, full)[["deepomics_prob_B cell"]],
                   predict(model, sce)[["deepomics_prob_B cell"]])
  expect_error(predict(model, rbind(sce, extra[3, ])),
               "newdata has features of the same name \\(e.g. gene01\\)")
})

test_that("predicting again under a name drops what another model wrote there before", {
  skip_if_no_backend()
  sce <- cluster_sce(90, 6)
  three <- trainModel(mlpModel(hidden = 4), sce, "cell_type", epochs = 1)
  sce$pair <- factor(ifelse(sce$cell_type == "T cell", "T", "other"))
  sce$score <- seq_len(ncol(sce)) / 10
  two <- trainModel(mlpModel(hidden = 4), sce, "pair", epochs = 1)
  regressor <- trainModel(mlpModel(hidden = 4), sce, "score", epochs = 1)
  columns <- function(x) grep("^deepomics", names(SummarizedExperiment::colData(x)), value = TRUE)
  # a name that starts like the default is another set: left alone
  out <- predict(three, predict(three, sce), name = "deepomics_three")
  out <- predict(two, out)
  expect_setequal(columns(out), c("deepomics_class", "deepomics_prob_other", "deepomics_prob_T",
                                  paste0("deepomics_three_", c("class", paste0("prob_", levels(sce$cell_type))))))
  expect_identical(out$deepomics_class, predict(two, sce)$deepomics_class)
  out <- predict(regressor, out)
  expect_setequal(setdiff(columns(out), grep("^deepomics_three", columns(out), value = TRUE)),
                  "deepomics")
  expect_setequal(S4Vectors::metadata(out)$deepomics_written,
                  paste0("colData/", columns(out)))
  # the user's own column under the name is still refused, and kept with overwrite = TRUE
  mine <- out
  mine$deepomics_class <- mine$cell_type
  expect_error(predict(two, predict(regressor, mine)), "\"deepomics_class\" already holds data")
  kept <- predict(two, mine, overwrite = TRUE)
  expect_false("deepomics" %in% names(SummarizedExperiment::colData(kept)))
  expect_false("colData/deepomics_class" %in% S4Vectors::metadata(kept)$deepomics_written)
  again <- predict(regressor, kept)
  expect_identical(again$deepomics_class, kept$deepomics_class)  # the user's: not dropped
})

test_that("regression predicts a vector, or a matrix for several targets, into colData too", {
  skip_if_no_backend()
  data <- separable_clusters(n = 60, p = 4)
  y <- data$x[, 1] * 2 + 1
  model <- trainModel(mlpModel(hidden = 4), data$x, y, epochs = 2)
  expect_identical(model@task, "regression")
  p <- predict(model, data$x)
  expect_true(is.numeric(p) && is.null(dim(p)))
  expect_identical(names(p), rownames(data$x))
  se <- SummarizedExperiment::SummarizedExperiment(list(x = t(data$x)))
  expect_identical(predict(model, se)$deepomics, unname(p))
  se$deepomics <- y  # the user's truth under the default name: not overwritten
  expect_error(predict(model, se), "colData column \"deepomics\" already holds data")
  expect_identical(predict(model, se, name = "pred")$pred, unname(p))
  metrics <- evaluateModel(model, data$x, y)
  expect_true(all(c("pearson", "mse", "r2") %in% metrics$metric))
  # a one-column label table is matched by name too: another column of the table is refused
  named <- trainModel(mlpModel(hidden = 4), data$x, data.frame(age = y), epochs = 2)
  expect_identical(named@classes, "age")
  expect_equal(evaluateModel(named, data$x, data.frame(age = y)), evaluateModel(named, data$x, y))
  expect_error(evaluateModel(named, data$x, data.frame(weight = y)),
               "the label columns \\(weight\\) are not the model's outputs \\(age\\)")
})

test_that("evaluateModel returns a data.frame of metrics, labels from colData for SEs", {
  skip_if_no_backend()
  model <- cluster_model()
  sce <- cluster_sce()
  metrics <- evaluateModel(model, sce, "cell_type")
  expect_s3_class(metrics, "data.frame")
  expect_named(metrics, c("metric", "output", "value"))
  expect_true(is.character(metrics$metric) && is.numeric(metrics$value))
  expect_gt(metrics$value[metrics$metric == "accuracy" & metrics$output == "all"], 0.95)
  expect_true(all(levels(sce$cell_type) %in% metrics$output))
  expect_identical(metrics, evaluateModel(model, t(SummarizedExperiment::assay(sce, "logcounts")),
                                          sce$cell_type))
  # the log loss: the mean of -log(probability of the true class), in nats
  p <- predict(model, t(SummarizedExperiment::assay(sce, "logcounts")))
  truth <- cbind(seq_len(ncol(sce)), match(as.character(sce$cell_type), colnames(p)))
  expect_equal(metrics$value[metrics$metric == "logloss"], mean(-log(pmax(p[truth], 1e-7))),
               tolerance = 1e-3)
})

test_that("bad arguments to predict are errors naming them", {
  skip_if_no_backend()
  model <- motif_model()
  expect_error(predict(model, "ACGT", type = "raw"), "should be one of")
  expect_error(predict(model, "ACGT", typo = 1), "unknown argument: typo")
  expect_error(predict(model, matrix(1, 2, 2)),
               "this deepbind model takes sequences, but newdata is a feature matrix")
  onehot <- oneHot(planted_motif(n = 2)$x)
  expect_error(predict(model, onehot[1, , ]), "x[i, , , drop = FALSE]", fixed = TRUE)
  expect_identical(dim(predict(model, onehot[1, , , drop = FALSE])), c(1L, 2L))
  expect_error(predict(cluster_model(), "ACGT"),
               "this mlp model takes a feature matrix, but newdata holds sequences")
})

test_that("sequences shorter than a fixed-length model was trained on are padded with N, with a warning", {
  skip_if_no_backend()
  data <- planted_motif()
  fixed <- trainModel(seqModel("promoter_cnn", filters = 2, filter_size = 5, hidden = 2),
                      data$x[1:60], data$y[1:60], epochs = 1, seed = 0)
  short <- substr(data$x[61], 1, 30)
  expect_warning(p <- predict(fixed, c(data$x[62], short)),
                 "1 of 2 sequences are shorter than it was trained on \\(the model reads 50 letters; sequence 2 has 30\\)",
                 class = "deepomics_python_warning")
  padded <- paste0(short, strrep("N", 20))
  expect_identical(p[2, ], predict(fixed, padded)[1, ])  # as if the N were written out
  expect_silent(predict(fixed, data$x[61:62]))
})

test_that("unlabelled cells: the error gives the label-transfer recipe, and the recipe works", {
  skip_if_no_backend()
  sce <- cluster_sce()
  truth <- sce$cell_type
  sce$cell_type[seq(1, 300, by = 4)] <- NA          # a quarter of the cells unlabelled
  expect_error(trainModel(mlpModel(hidden = 16), sce, "cell_type"),
               paste0("x$cell_type[1] is NA (75 of 300 labels are); train on the labelled ",
                      "samples, e.g. trainModel(model, x[, !is.na(x$cell_type)], \"cell_type\", ...), ",
                      "then predict(model, x) predicts every sample"), fixed = TRUE)
  expect_error(trainModel(mlpModel(hidden = 16), t(SummarizedExperiment::assay(sce, "logcounts")),
                          sce$cell_type), "labelled <- !is.na(y); trainModel(model, x[labelled], y[labelled]",
               fixed = TRUE)
  model <- trainModel(mlpModel(hidden = 16), sce[, !is.na(sce$cell_type)], "cell_type",
                      epochs = 20, lr = 0.01, seed = 0)
  sce <- predict(model, sce)
  unlabelled <- is.na(sce$cell_type)
  expect_gt(mean(as.character(sce$deepomics_class[unlabelled]) == truth[unlabelled]), 0.9)
  expect_identical(levels(sce$deepomics_class), levels(truth))
})
