# readH5AD() / writeH5AD(): AnnData files to and from SingleCellExperiment.

test_that("a SingleCellExperiment comes back from its .h5ad file as it was", {
  skip_if_no_backend()
  withr::local_seed(1)
  counts <- Matrix::rsparsematrix(30, 12, density = 0.3, rand.x = function(n) rpois(n, 5) + 1)
  dimnames(counts) <- list(sprintf("gene%02d", 1:30), sprintf("cell%02d", 1:12))
  logcounts <- as.matrix(log1p(counts))
  sce <- SingleCellExperiment::SingleCellExperiment(
    list(counts = counts, logcounts = logcounts),
    colData = S4Vectors::DataFrame(
      cluster = factor(rep(c("T", "B", "NK"), 4), levels = c("T", "B", "NK")),
      depth = c(1.5, NA, 3:12), n_genes = c(NA, 2:12), donor = c("d1", NA, rep("d2", 10)),
      treated = c(TRUE, NA, rep(FALSE, 10)), row.names = colnames(counts)),
    rowData = S4Vectors::DataFrame(symbol = toupper(rownames(counts)), row.names = rownames(counts)),
    reducedDims = list(PCA = matrix(rnorm(24), 12, 2, dimnames = list(colnames(counts), NULL))),
    metadata = list(study = "pbmc", genes_kept = 30L, cutoffs = c(0.5, 1)))
  path <- file.path(withr::local_tempdir(), "cells.h5ad")
  expect_identical(writeH5AD(sce, path), normalizePath(path))
  back <- readH5AD(path)
  expect_s4_class(back, "SingleCellExperiment")
  expect_identical(SummarizedExperiment::assayNames(back), c("counts", "logcounts"))
  expect_identical(SummarizedExperiment::assay(back, "counts"), counts)   # sparse stays sparse
  expect_identical(SummarizedExperiment::assay(back, "logcounts"), logcounts)
  expect_identical(as.data.frame(SummarizedExperiment::colData(back)),
                   as.data.frame(SummarizedExperiment::colData(sce)))
  expect_identical(as.data.frame(SummarizedExperiment::rowData(back)),
                   as.data.frame(SummarizedExperiment::rowData(sce)))
  expect_identical(SingleCellExperiment::reducedDimNames(back), "PCA")
  expect_identical(SingleCellExperiment::reducedDim(back, "PCA"), SingleCellExperiment::reducedDim(sce, "PCA"))
  expect_identical(S4Vectors::metadata(back), S4Vectors::metadata(sce))
  # Python reads the same file cells x genes, X the logcounts, the clusters categorical
  anndata <- reticulate::import("anndata", convert = FALSE)
  adata <- anndata$read_h5ad(path)
  expect_identical(unlist(reticulate::py_to_r(adata$shape)), c(12L, 30L))
  expect_equal(reticulate::py_to_r(adata$X), t(unname(logcounts)))
  expect_identical(reticulate::py_to_r(adata$obs$cluster$cat$categories$tolist()), c("T", "B", "NK"))
  expect_identical(reticulate::py_to_r(adata$uns$`__getitem__`("deepomics_r")$`__getitem__`("X_name")),
                   "logcounts")
})

test_that("a scanpy AnnData file trains a model in R and takes its predictions back", {
  skip_if_no_backend()
  sc <- reticulate::import("scanpy", convert = FALSE)
  adata <- sc$datasets$pbmc68k_reduced()   # 700 cells x 765 genes, shipped with scanpy
  path <- file.path(withr::local_tempdir(), "pbmc.h5ad")
  adata$write_h5ad(path)
  said <- character()
  sce <- withCallingHandlers(readH5AD(path), warning = function(w) {
    said <<- c(said, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  expect_length(said, 2L)
  expect_match(said, "uns 'rank_genes_groups' is not plain values .* left out of the metadata",
               all = FALSE)  # a structured array
  expect_match(said, "pbmc.h5ad: varm, obsp, raw have no place in a SingleCellExperiment and were left out",
               all = FALSE)
  expect_identical(dim(sce), c(765L, 700L))
  expect_true(is.factor(sce$louvain))
  expect_identical(levels(sce$louvain),
                   reticulate::py_to_r(adata$obs$louvain$cat$categories$astype("str")$tolist()))
  expect_true(all(c("PCA", "UMAP") %in% SingleCellExperiment::reducedDimNames(sce)))
  expect_equal(unname(SingleCellExperiment::reducedDim(sce, "PCA")),
               reticulate::py_to_r(adata$obsm$`__getitem__`("X_pca")), tolerance = 1e-6)
  expect_equal(SummarizedExperiment::assay(sce, "X"), t(reticulate::py_to_r(adata$X)),
               tolerance = 1e-6, ignore_attr = TRUE)
  # the clusters from the PCA, held-out accuracy well above the largest cluster's share
  train <- seq(1, 700, by = 2)
  model <- trainModel(mlpModel(hidden = 32), sce[, train], "louvain", dimred = "PCA", epochs = 30,
                      lr = 0.01, seed = 0)
  test <- sce[, -train]
  test <- predict(model, test)
  accuracy <- mean(test$deepomics_class == test$louvain)
  expect_gt(accuracy, 0.8)
  expect_gt(accuracy, 2 * max(table(test$louvain)) / ncol(test))
})

test_that("writing refuses to replace a file without overwrite, and bad input says what to do", {
  skip_if_no_backend()
  sce <- SingleCellExperiment::SingleCellExperiment(
    list(counts = matrix(1:6, 2, 3, dimnames = list(c("a", "b"), c("x", "y", "z")))))
  folder <- withr::local_tempdir()
  path <- file.path(folder, "cells.h5ad")
  writeLines("keep me", path)
  expect_error(writeH5AD(sce, path), "exists; pass overwrite = TRUE")
  expect_identical(readLines(path), "keep me")
  writeH5AD(sce, path, overwrite = TRUE)
  expect_identical(SummarizedExperiment::assay(readH5AD(path), "counts"),
                   SummarizedExperiment::assay(sce, "counts"))   # integers stay integers
  expect_identical(list.files(folder, all.files = TRUE, no.. = TRUE), "cells.h5ad")  # no temp file left
  expect_error(writeH5AD(sce, file.path(folder, "cells.rds")), "an .rds file is saveRDS")
  expect_error(writeH5AD(sce, file.path(folder, "b.h5ad"), X_name = "logcounts"),
               "X_name = \"logcounts\" is not an assay of x \\(it has: counts\\)")
  expect_error(writeH5AD(matrix(1), file.path(folder, "b.h5ad")), "must be a SummarizedExperiment")
  twice <- sce
  colnames(twice) <- c("x", "x", "z")
  expect_error(writeH5AD(twice, file.path(folder, "b.h5ad")), "colnames of x repeat \\(\"x\"\\)")
  expect_error(readH5AD(file.path(folder, "none.h5ad")), "none.h5ad does not exist")
  text <- file.path(folder, "text.h5ad")
  writeLines("not hdf5", text)
  expect_error(readH5AD(text), "text.h5ad could not be read as an AnnData file")
  # a path given where sequences go says which reader to use
  expect_error(oneHot(path), sprintf("read the file first: readH5AD(\"%s\")", path), fixed = TRUE)
  expect_error(oneHot("cells.rds"), "readRDS(\"cells.rds\")", fixed = TRUE)
  expect_error(oneHot("counts.tsv.gz"), "read.delim(\"counts.tsv.gz\")", fixed = TRUE)
})

test_that("what predict() wrote is listed in Python's terms in the file, and in R's when read back", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 60, p = 5)
  model <- trainModel(mlpModel(hidden = 4), sce, "cell_type", epochs = 1, seed = 0)
  ae <- trainModel(autoencoderModel(hidden = 4, latent = 2), sce, epochs = 1, seed = 0)
  sce <- predict(ae, predict(ae, predict(model, sce), name = "AE"), name = "latent")
  path <- file.path(withr::local_tempdir(), "cells.h5ad")
  writeH5AD(sce, path)
  adata <- reticulate::import("anndata", convert = FALSE)$read_h5ad(path)
  uns <- adata$uns
  written <- unlist(reticulate::py_to_r(uns$`__getitem__`("deepomics_written")))
  expect_true(all(c("obs/deepomics_class", "obsm/X_ae", "obsm/latent") %in% written))
  expect_true(all(c("X_ae", "latent") %in% deepomics:::py_keys(adata$obsm)))  # the same keys
  expect_false(reticulate::py_to_r(uns$`__contains__`("deepomics_groups")))  # R's own, path-keyed
  back <- readH5AD(path)
  expect_setequal(S4Vectors::metadata(back)$deepomics_written,
                  S4Vectors::metadata(sce)$deepomics_written)
  expect_identical(SingleCellExperiment::reducedDim(back, "AE"), SingleCellExperiment::reducedDim(sce, "AE"))
  # predicting again into the object read back replaces deepomics' own columns, as before
  again <- predict(model, back)
  expect_identical(again$deepomics_class, sce$deepomics_class)
})

test_that("readH5AD or writeH5AD as a session's first call starts deepomics' Python", {
  skip_if_no_backend()
  folder <- withr::local_tempdir()
  code <- sprintf(paste(
    "library(deepomics)",
    "se <- SummarizedExperiment::SummarizedExperiment(list(counts = matrix(1:6, 2, 3, dimnames = list(c('a', 'b'), c('x', 'y', 'z')))))",
    "path <- writeH5AD(se, '%s')",
    "cat('read:', dim(readH5AD(path)), '\\n')",
    "cat('python:', reticulate::py_config()$python == Sys.getenv('DEEPOMICS_PYTHON'), dim(oneHot('ACGT')), '\\n')",
    sep = "; "), file.path(folder, "first.h5ad"))
  out <- run_r(code, env = c(paste0("DEEPOMICS_PYTHON=", backend_python_path()),
                             paste0("R_LIBS=", paste(.libPaths(), collapse = ":"))))
  expect_identical(attr(out, "status"), 0L, info = out)
  expect_match(out, "read: 2 3")
  expect_match(out, "python: TRUE 1 4 4")
})

test_that("scanpy's obsm and obs kinds read as R holds them; the slots R has no place for are named", {
  skip_if_no_backend()
  ad <- reticulate::import("anndata", convert = FALSE)
  np <- reticulate::import("numpy", convert = FALSE)
  pd <- reticulate::import("pandas", convert = FALSE)
  sp <- reticulate::import("scipy.sparse", convert = FALSE)
  reticulate::py_run_string(paste(
    "import numpy as np, pandas as pd, scipy.sparse as sp, anndata as ad",
    "obs = pd.DataFrame({'stage': pd.Categorical(['early', 'late', 'mid', 'late'], ['early', 'mid', 'late'], ordered=True),",
    "                    'ok': [True, False, True, True], 'n': pd.array([1, None, 3, 4], dtype='Int64')},",
    "                   index=['c1', 'c2', 'c3', 'c4'])",
    "a = ad.AnnData(X=np.arange(12, dtype=np.float32).reshape(4, 3), obs=obs)",
    "a.obsm['spatial'] = np.arange(8.0).reshape(4, 2)",
    "a.obsm['X_sparse'] = sp.csr_matrix(np.eye(4)[:, :3])",
    "a.obsm['scores'] = pd.DataFrame({'s1': [1.0, 2, 3, 4], 's2': [0, 1, 0, 1]}, index=obs.index)",
    "a.obsm['labels'] = pd.DataFrame({'who': list('abcd')}, index=obs.index)",
    "a.obsp['distances'] = sp.csr_matrix((4, 4))",
    sep = "\n"))
  path <- file.path(withr::local_tempdir(), "scanpy.h5ad")
  reticulate::py_eval("a", convert = FALSE)$write_h5ad(path)
  expect_warning(sce <- readH5AD(path),
                 "obsm 'labels' \\(not a numeric cells x k matrix\\), obsp have no place")
  expect_identical(sce$stage, factor(c("early", "late", "mid", "late"), c("early", "mid", "late"),
                                     ordered = TRUE))
  expect_identical(sce$ok, c(TRUE, FALSE, TRUE, TRUE))
  expect_identical(sce$n, c(1L, NA, 3L, 4L))
  expect_setequal(SingleCellExperiment::reducedDimNames(sce), c("spatial", "SPARSE", "scores"))
  expect_identical(unname(SingleCellExperiment::reducedDim(sce, "SPARSE")), diag(4)[, 1:3])
  expect_identical(colnames(SingleCellExperiment::reducedDim(sce, "scores")), c("s1", "s2"))
  # written back, squidpy's "spatial" is still "spatial" and X is stored once
  again <- file.path(dirname(path), "again.h5ad")
  writeH5AD(sce, again)
  back <- ad$read_h5ad(again)
  expect_setequal(deepomics:::py_keys(back$obsm), c("spatial", "X_sparse", "scores"))
  expect_length(deepomics:::py_keys(back$layers), 0L)
  expect_identical(reticulate::py_to_r(back$obs$stage$cat$ordered), TRUE)
})

test_that("writing keeps text NA, writes dates as text, and leaves out what uns cannot hold, saying so", {
  skip_if_no_backend()
  sce <- SingleCellExperiment::SingleCellExperiment(
    list(counts = matrix(1, 2, 3, dimnames = list(c("a", "b"), c("x", "y", "z")))),
    colData = S4Vectors::DataFrame(empty = rep(NA_character_, 3), when = as.Date("2026-12-05") + 0:2),
    metadata = list(ok = c(1, NA), flags = c(TRUE, NA), text = c("a", NA), 5))
  path <- file.path(withr::local_tempdir(), "cells.h5ad")
  said <- character()
  withCallingHandlers(writeH5AD(sce, path), warning = function(w) {
    said <<- c(said, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  expect_match(said, "colData columns 'when' \\(dates or times\\) were written as text", all = FALSE)
  expect_match(said, "metadata 'flags', 'text', '\\[\\[4\\]\\] \\(unnamed\\)' are not plain", all = FALSE)
  back <- readH5AD(path)
  expect_identical(back$empty, rep(NA_character_, 3))
  expect_identical(back$when, c("2026-12-05", "2026-12-06", "2026-12-07"))
  expect_identical(S4Vectors::metadata(back), list(ok = c(1, NA)))
})
