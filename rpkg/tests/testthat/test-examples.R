# Every exported function has an example in its help page, and every example runs: the
# documentation's code is code that works.

rd_sections <- function(rd, tag) rd[vapply(rd, function(s) identical(attr(s, "Rd_tag"), tag), TRUE)]

test_that("every exported function's help page has an example, and every example runs", {
  skip_if_no_backend()
  db <- tools::Rd_db("deepomics")
  pages <- names(db)[vapply(db, function(rd) length(rd_sections(rd, "\\examples")) > 0L, TRUE)]
  with_examples <- unlist(lapply(db[pages], function(rd)
    vapply(rd_sections(rd, "\\alias"), function(a) as.character(a[[1L]]), "")))
  exported <- getNamespaceExports("deepomics")
  ours <- function(name) {  # a function of the package (not a generic it adds methods to)
    f <- getExportedValue("deepomics", name)
    is.function(f) && !(methods::is(f, "genericFunction") && f@package != "deepomics")
  }
  functions <- Filter(ours, exported)
  expect_identical(sort(setdiff(functions, with_examples)), character(0),
                   info = "exported functions whose help page has no example")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  for (page in pages) {
    code <- withr::local_tempfile(fileext = ".R")
    tools::Rd2ex(db[[page]], code, commentDontrun = TRUE)
    failure <- tryCatch({
      withr::with_seed(1, suppressMessages(suppressWarnings(utils::capture.output(
        source(code, local = new.env(parent = globalenv()))))))
      NULL
    }, error = conditionMessage)
    expect_null(failure, label = paste("the examples of", page))
  }
})

test_that("the vignette's code runs (and its search and motifs find the planted GATA site)", {
  skip_if_no_backend()
  source_rmd <- test_path("..", "..", "vignettes", "deepomics.Rmd")
  skip_if_not(file.exists(source_rmd), "the vignette's source is not beside the tests")
  code <- withr::local_tempfile(fileext = ".R")
  knitr::purl(source_rmd, output = code, quiet = TRUE)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  env <- new.env(parent = globalenv())
  withr::with_dir(withr::local_tempdir(), suppressMessages(utils::capture.output(
    source(code, local = env))))
  expect_true("GATA" %in% substr(env$motifs$matches$name, 1, 4))
  board <- leaderboard(env$grid)
  expect_identical(board$kind[[1L]], "trial")
  auc <- evaluateModel(env$fitted, env$windows[env$test], env$label[env$test])
  expect_gt(auc$value[auc$metric == "auroc" & auc$output == "all"], 0.95)
  # the AnnData file holds the cells as they were, and the model reads them from it
  expect_identical(as.matrix(SingleCellExperiment::logcounts(env$from_python)),
                   as.matrix(SingleCellExperiment::logcounts(env$sce)))
  expect_identical(env$from_python$cell_type, env$sce$cell_type)
})
