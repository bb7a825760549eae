# The R -> Python boundary for models: inputs, orientation, sparse matrices, labels.

np <- function() reticulate::import("numpy", convert = FALSE)
sparse <- function() reticulate::import("scipy.sparse", convert = FALSE)
py_value <- function(x) reticulate::py_to_r(x)

test_that("a genes x cells SingleCellExperiment gives the inputs of the transposed matrix", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 30, p = 8)
  logcounts <- SummarizedExperiment::assay(sce, "logcounts")
  from_sce <- deepomics:::as_py_inputs(sce)
  from_matrix <- deepomics:::as_py_inputs(t(logcounts))
  expect_identical(unlist(py_value(from_sce$x$shape)), c(30L, 8L))
  expect_true(py_value(np()$array_equal(from_sce$x, from_matrix$x)))
  expect_identical(from_sce$source, list(assay = "logcounts"))
  expect_identical(from_sce$names, colnames(sce))
  expect_identical(from_sce$features, rownames(sce))
  # a view of R's memory, transposed without a copy: C-ordered and not owning its data
  expect_false(py_value(from_sce$x$flags$owndata))
  expect_true(py_value(from_sce$x$flags$c_contiguous))
  # element [cell, gene] in Python is assay[gene, cell] in R
  expect_equal(py_value(from_sce$x$`__getitem__`(reticulate::tuple(4L, 2L))), logcounts[3, 5])
})

test_that("a sparse assay stays sparse: CSC over R's vectors, transposed to CSR without a copy", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 30, p = 8)
  counts <- SummarizedExperiment::assay(sce, "counts")
  expect_s4_class(counts, "dgCMatrix")
  inputs <- deepomics:::as_py_inputs(sce, assay = "counts")
  expect_true(py_value(sparse()$issparse(inputs$x)))
  expect_identical(py_value(inputs$x$format), "csr")
  expect_identical(unlist(py_value(inputs$x$shape)), c(30L, 8L))
  expect_identical(py_value(inputs$x$nnz), length(counts@x))
  expect_false(py_value(inputs$x$data$flags$owndata))
  expect_equal(py_value(inputs$x$toarray()), unname(t(as.matrix(counts))))
  # the CSC matrix and its transpose share their arrays
  csc <- deepomics:::csc_to_py(counts)
  expect_true(py_value(np()$shares_memory(csc$data, csc$T$data)))
  expect_true(py_value(np()$shares_memory(csc$indices, csc$T$indices)))
})

test_that("a sparse SingleCellExperiment reaches Python's fit and predict as a SciPy sparse matrix", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 60, p = 8)
  main <- reticulate::py_run_string(paste(
    "import deepomics.train.data as _data",
    "_seen, _original = [], _data.as_inputs",
    "def _recording(x, *args, **kwargs):",
    "    _seen.append((type(x).__module__, getattr(x, 'format', None)))",
    "    return _original(x, *args, **kwargs)",
    "_data.as_inputs = _recording", sep = "\n"), convert = FALSE)
  withr::defer(reticulate::py_run_string("_data.as_inputs = _original"))
  model <- trainModel(mlpModel(hidden = 4), sce, "cell_type", assay = "counts", epochs = 1)
  predict(model, sce)
  kinds <- py_value(main$`_seen`)
  expect_gte(length(kinds), 2L)
  for (kind in kinds) {
    expect_match(kind[[1]], "^scipy\\.sparse")
    expect_identical(kind[[2]], "csr")
  }
})

test_that("a dgCMatrix or data.frame of samples x features goes in as it is", {
  skip_if_no_backend()
  data <- separable_clusters(n = 20, p = 5)
  m <- Matrix::Matrix(data$x * (abs(data$x) > 1), sparse = TRUE)
  inputs <- deepomics:::as_py_inputs(m)
  expect_true(py_value(sparse()$issparse(inputs$x)))
  expect_identical(unlist(py_value(inputs$x$shape)), c(20L, 5L))
  expect_identical(inputs$names, rownames(data$x))
  expect_identical(inputs$features, colnames(data$x))
  triplet <- methods::as(m, "TsparseMatrix")
  expect_true(py_value(sparse()$issparse(deepomics:::as_py_inputs(triplet)$x)))
  df <- as.data.frame(data$x)
  expect_true(py_value(np()$array_equal(deepomics:::as_py_inputs(df)$x,
                                        deepomics:::as_py_inputs(data$x)$x)))
  expect_error(deepomics:::as_py_inputs(data.frame(a = 1, b = "x")), "non-numeric columns \\(b\\)")
})

test_that("inputs the models cannot take are refused, saying what to do", {
  skip_if_no_backend()
  m <- matrix(c(1, NA, 3, 4), 2)
  expect_error(deepomics:::as_py_inputs(m), "x holds NA values \\(first at \\[2, 1\\]\\)")
  # Inf is told in the user's orientation (an assay is features x samples), dense or sparse
  counts <- matrix(1, 5, 30, dimnames = list(paste0("g", 1:5), paste0("c", 1:30)))
  counts[2, 7] <- Inf
  se <- SummarizedExperiment::SummarizedExperiment(list(logcounts = counts))
  expect_error(deepomics:::as_py_inputs(se, arg = "newdata"),
               "newdata holds infinite values \\(or beyond float32's 3.4e38\\) \\(first at \\[2, 7\\]\\)")
  sparse <- Matrix::Matrix(0, 5, 30, sparse = TRUE)
  sparse[4, 9] <- 1
  sparse[3, 12] <- -Inf
  SummarizedExperiment::assay(se, withDimnames = FALSE) <- as(sparse, "CsparseMatrix")
  expect_error(deepomics:::as_py_inputs(se), "first at \\[3, 12\\]")
  sparse[3, 12] <- NA
  expect_error(deepomics:::as_py_inputs(Matrix::t(as(sparse, "CsparseMatrix"))), "x holds NA values \\(first at \\[12, 3\\]\\)")
  expect_error(deepomics:::as_py_inputs(list(1, 2)), "x must be sequences")
  expect_error(deepomics:::as_py_inputs(character()), "x holds no sequences")
  gr <- GenomicRanges::GRanges("chr1", IRanges::IRanges(1, 10))
  expect_error(deepomics:::as_py_inputs(gr), "x is a GRanges: give genome = the path")
  sce <- cluster_sce(n = 10, p = 4)
  expect_error(deepomics:::as_py_inputs(sce, assay = "tpm"),
               "assay = \"tpm\" is not an assay of x \\(it has: counts, logcounts\\)")
  expect_error(deepomics:::as_py_inputs(sce, dimred = "PCA"), "dimred = \"PCA\" is not a reducedDim")
  expect_error(deepomics:::as_py_inputs(m, assay = "counts"), "assay and dimred apply to")
  se <- SummarizedExperiment::SummarizedExperiment(list(counts = matrix(1:4, 2)))
  expect_error(deepomics:::as_py_inputs(se, dimred = "PCA"), "dimred needs a SingleCellExperiment")
})

test_that("the assay defaults to logcounts, then the first; a reducedDim goes in as it is", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 10, p = 4)
  expect_identical(deepomics:::as_py_inputs(sce)$source$assay, "logcounts")
  se <- SummarizedExperiment::SummarizedExperiment(list(a = matrix(1, 2, 3), b = matrix(2, 2, 3)))
  expect_identical(deepomics:::as_py_inputs(se)$source$assay, "a")
  pca <- matrix(stats::rnorm(20), 10, 2, dimnames = list(NULL, c("PC1", "PC2")))
  SingleCellExperiment::reducedDim(sce, "PCA") <- pca
  inputs <- deepomics:::as_py_inputs(sce, dimred = "PCA")
  expect_identical(unlist(py_value(inputs$x$shape)), c(10L, 2L))
  expect_equal(py_value(inputs$x), unname(pca))
  expect_identical(inputs$features, c("PC1", "PC2"))
})

test_that("features are matched to the training features by name", {
  skip_if_no_backend()
  x <- matrix(1:6, 2, dimnames = list(NULL, c("a", "b", "c")))
  shuffled <- deepomics:::as_py_inputs(x[, c("c", "a", "b")], features = c("a", "b", "c"))
  expect_equal(py_value(shuffled$x), unname(x) * 1)
  expect_identical(shuffled$features, c("a", "b", "c"))
  expect_error(deepomics:::as_py_inputs(x[, c("a", "b")], features = c("a", "b", "c")),
               "x lacks 1 of the 3 features the model was trained on \\(e.g. c\\)")
})

test_that("a factor goes in as a pandas Categorical with its levels in order", {
  skip_if_no_backend()
  y <- factor(c("b", "a", "c", "a"), levels = c("c", "b", "a"))
  cat <- deepomics:::as_py_labels(y, NULL, 4L)
  expect_identical(unlist(py_value(cat$categories$tolist())), c("c", "b", "a"))
  expect_identical(unlist(py_value(cat$tolist())), c("b", "a", "c", "a"))
  encoded <- reticulate::import("deepomics.train.data")$encode_labels(cat, "multiclass")
  expect_identical(unlist(encoded[[2]]), c("c", "b", "a"))
  expect_equal(as.vector(encoded[[1]]), c(1, 2, 0, 2))
  # unused levels stay classes; ordered factors stay ordered
  unused <- deepomics:::as_py_labels(factor("a", levels = c("a", "z")), NULL, 1L)
  expect_identical(unlist(py_value(unused$categories$tolist())), c("a", "z"))
  expect_true(py_value(deepomics:::as_py_labels(factor("a", ordered = TRUE), NULL, 1L)$ordered))
})

test_that("character, logical, numeric and matrix labels; colData columns for SEs", {
  skip_if_no_backend()
  chars <- deepomics:::as_py_labels(c("x", "y", "x"), NULL, 3L)
  expect_identical(unlist(py_value(chars$categories$tolist())), c("x", "y"))
  logicals <- deepomics:::as_py_labels(c(TRUE, FALSE), NULL, 2L)
  expect_identical(unlist(py_value(logicals$categories$tolist())), c("FALSE", "TRUE"))
  numbers <- deepomics:::as_py_labels(c(0.5, 1.5), NULL, 2L)
  expect_identical(py_value(numbers$dtype$name), "float64")
  targets <- deepomics:::as_py_labels(matrix(1:4, 2, dimnames = list(NULL, c("t1", "t2"))), NULL, 2L)
  expect_identical(unlist(py_value(targets$columns$tolist())), c("t1", "t2"))
  sce <- cluster_sce(n = 10, p = 4)
  from_coldata <- deepomics:::as_py_labels("cell_type", sce, 10L)
  expect_identical(unlist(py_value(from_coldata$categories$tolist())), levels(sce$cell_type))
  expect_error(deepomics:::as_py_labels("celltype", sce, 10L),
               "y = \"celltype\" is not a colData column \\(they are: cell_type\\)")
  expect_error(deepomics:::as_py_labels(c("a", NA), NULL, 2L), "y\\[2\\] is NA")
  expect_error(deepomics:::as_py_labels(1:3, NULL, 2L), "y has 3 labels but there are 2 samples")
  expect_error(deepomics:::as_py_labels(list(1, 2), NULL, 2L), "y must be a factor")
})

test_that("model configs go to Python with NA as None", {
  skip_if_no_backend()
  config <- deepomics:::config_to_py(list(arch = "danq", seq_len = NA, hidden = c(8, 4), flag = TRUE))
  expect_identical(py_value(reticulate::import_builtins(convert = FALSE)$repr(config)),
                   "{'arch': 'danq', 'seq_len': None, 'hidden': [8.0, 4.0], 'flag': True}")
})

test_that("a one-hot array's channels are read by name, in whatever order they come", {
  skip_if_no_backend()
  withr::local_seed(21)
  x <- random_sequences(24, 12)
  y <- rep(c("a", "b"), 12)
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3), x, y, epochs = 1)
  shuffled <- oneHot(x, alphabet = "TGCA")
  expect_identical(dimnames(shuffled)[[2L]], c("T", "G", "C", "A"))
  expect_equal(predict(model, shuffled), predict(model, x), tolerance = 1e-6)
  expect_equal(mutagenesis(model, shuffled[1:2, , ]), mutagenesis(model, x[1:2]),
               tolerance = 1e-6)
  # training on it is training on the sequences
  on_array <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3), shuffled, y,
                         epochs = 1)
  expect_identical(on_array@config$alphabet, "dna")
  expect_equal(predict(on_array, x), predict(model, x), tolerance = 1e-5)
  # a model given its alphabet reorders too; so does a trained model trained further
  dna <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3, alphabet = "dna"),
                    shuffled, y, epochs = 1)
  expect_equal(predict(dna, x), predict(model, x), tolerance = 1e-5)
  # channels that are not the model's letters are refused, naming both
  expect_error(predict(model, oneHot(gsub("T", "U", x))),
               "newdata is a one-hot array whose channels are A, C, G, U, but the model reads A, C, G, T \\(its \"dna\" alphabet\\)")
  expect_error(mutagenesis(model, oneHot(x, alphabet = "ACGTN")),
               "channels are A, C, G, T, N, but the model reads A, C, G, T")
  expect_error(trainModel(seqModel("deepbind", alphabet = "dna"), oneHot(x, alphabet = "ACGTN"), y),
               "x is a one-hot array whose channels are A, C, G, T, N, but the model reads A, C, G, T")
})

test_that("a character vector of RNA trains and predicts as RNA, as an RNAStringSet does", {
  skip_if_no_backend()
  withr::local_seed(22)
  x <- random_sequences(24, 12, letters = c("A", "C", "G", "U"))
  y <- rep(c("a", "b"), 12)
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3), x, y, epochs = 1)
  expect_identical(model@config$alphabet, "rna")
  from_set <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3),
                         Biostrings::RNAStringSet(x), y, epochs = 1)
  expect_equal(predict(model, x), predict(from_set, x), tolerance = 1e-6)
  expect_identical(deepomics:::as_py_inputs(x)$alphabet, "rna")
  expect_null(deepomics:::as_py_inputs(gsub("U", "T", x))$alphabet)
})
