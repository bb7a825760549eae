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
  expect_warning(sce <- readH5AD(path),  # a structured array
                 "uns 'rank_genes_groups' is not plain values .* left out of the metadata")
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
})

test_that("what predict() wrote is listed in Python's terms in the file, and in R's when read back", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 60, p = 5)
  model <- trainModel(mlpModel(hidden = 4), sce, "cell_type", epochs = 1, seed = 0)
  ae <- trainModel(autoencoderModel(hidden = 4, latent = 2), sce, epochs = 1, seed = 0)
  sce <- predict(ae, predict(model, sce), name = "AE")
  path <- file.path(withr::local_tempdir(), "cells.h5ad")
  writeH5AD(sce, path)
  adata <- reticulate::import("anndata", convert = FALSE)$read_h5ad(path)
  uns <- adata$uns
  written <- unlist(reticulate::py_to_r(uns$`__getitem__`("deepomics_written")))
  expect_true(all(c("obs/deepomics_class", "obsm/X_ae") %in% written))
  expect_false(reticulate::py_to_r(uns$`__contains__`("deepomics_groups")))  # R's own, path-keyed
  back <- readH5AD(path)
  expect_setequal(S4Vectors::metadata(back)$deepomics_written,
                  S4Vectors::metadata(sce)$deepomics_written)
  expect_identical(SingleCellExperiment::reducedDim(back, "AE"), SingleCellExperiment::reducedDim(sce, "AE"))
  # predicting again into the object read back replaces deepomics' own columns, as before
  again <- predict(model, back)
  expect_identical(again$deepomics_class, sce$deepomics_class)
})
