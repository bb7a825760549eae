# trainDgex(): target genes from landmark genes on a SummarizedExperiment; predict() gives a
# SummarizedExperiment of the targets; the landmarks are matched by name, also after loading.

dgex_data <- function(n = 400, n_land = 20, n_target = 6, seed = 5) {
  withr::local_seed(seed)
  landmarks <- matrix(stats::rnorm(n_land * n), n_land,
                      dimnames = list(paste0("L", seq_len(n_land)), paste0("s", seq_len(n))))
  weights <- matrix(stats::rnorm(n_land * n_target), n_land) / sqrt(n_land)
  targets <- tanh(crossprod(weights, landmarks)) + matrix(stats::rnorm(n_target * n, sd = 0.05), n_target)
  rownames(targets) <- paste0("T", seq_len(n_target))
  SummarizedExperiment::SummarizedExperiment(
    list(logexpr = rbind(landmarks, targets)),
    colData = S4Vectors::DataFrame(batch = rep(c("a", "b"), length.out = n)))
}

test_that("trainDgex() learns targets from landmarks and predicts them into a new SE", {
  skip_if_no_backend()
  se <- dgex_data()
  landmarks <- paste0("L", 1:20)
  targets <- paste0("T", 1:6)
  model <- trainDgex(se[, 1:300], landmarks, targets, dgexModel(hidden = 32), epochs = 40,
                     lr = 0.01, batch_size = 32, seed = 0)
  expect_identical(model@features, landmarks)
  expect_identical(as.character(model@classes), targets)
  # new samples that hold the landmarks only, in another order
  new <- se[rev(landmarks), 301:400]
  predicted <- predict(model, new)
  expect_s4_class(predicted, "SummarizedExperiment")
  expect_identical(dimnames(predicted), list(targets, colnames(new)))
  expect_identical(predicted$batch, new$batch)
  observed <- SummarizedExperiment::assay(se[targets, 301:400])
  values <- SummarizedExperiment::assay(predicted, "predicted")
  r2 <- 1 - sum((values - observed)^2) / sum((observed - rowMeans(observed))^2)
  expect_gt(r2, 0.8)
  # the landmarks are saved with the model
  path <- file.path(withr::local_tempdir(), "dgex")
  saveModel(model, path)
  loaded <- loadModel(path)
  expect_identical(loaded@features, landmarks)
  expect_equal(SummarizedExperiment::assay(predict(loaded, new, assay = "logexpr")), values)
  expect_error(predict(model, se[landmarks[-1], 301:400]),
               "lacks 1 of the 20 features the model was trained on \\(e.g. L1\\)")
})

test_that("trainDgex() says what is wrong with its genes", {
  skip_if_no_backend()
  se <- dgex_data(n = 20)
  expect_error(trainDgex(se, c("L1", "L2"), c("L2", "T1")), "1 genes are both landmarks and targets")
  expect_error(trainDgex(se, c("L1", "nope"), "T1"), "1 of the 2 landmarks are not rownames of x \\(e.g. nope\\)")
  expect_error(trainDgex(se, c("L1", "L1"), "T1"), "landmarks name a gene twice")
  expect_error(trainDgex(SummarizedExperiment::assay(se), "L1", "T1"), "must be a SummarizedExperiment")
  expect_error(trainDgex(se, "L1", "T1", model = mlpModel()), "must be a dgexModel")
})
