test_that("AAAA has three AA 2-mers", {
  skip_if_no_backend()
  x <- kmerCounts("AAAA", k = 2)
  expect_true(is.matrix(x))
  expect_identical(dim(x), c(1L, 16L))
  expect_identical(x[[1, "AA"]], 3L)
  expect_identical(sum(x), 3L)
})

test_that("columns are the k-mers in lexicographic order, rows the sequence names", {
  skip_if_no_backend()
  x <- kmerCounts(c(s1 = "ACGT", s2 = "TTTT"), k = 2)
  expect_identical(colnames(x), as.vector(outer(c("A", "C", "G", "T"), c("A", "C", "G", "T"),
                                                function(a, b) paste0(b, a))))
  expect_identical(rownames(x), c("s1", "s2"))
  expect_identical(x["s1", c("AC", "CG", "GT")], c(AC = 1L, CG = 1L, GT = 1L))
  expect_identical(x["s2", "TT"], 3L)
  expect_identical(ncol(kmerCounts("ACGT", k = 3)), 64L)
  expect_null(rownames(kmerCounts("ACGT", k = 1)))
})

test_that("N skips k-mers, U reads as T, lower case counts", {
  skip_if_no_backend()
  expect_identical(sum(kmerCounts("AANAA", k = 2)), 2L)
  rna <- kmerCounts("acgu", k = 2)
  expect_identical(unname(rna), unname(kmerCounts("ACGT", k = 2)))
  # RNA's k-mers are named with U, as its letters are
  expect_identical(colnames(rna), chartr("T", "U", colnames(kmerCounts("ACGT", k = 2))))
  expect_identical(kmerCounts(Biostrings::RNAStringSet("ACGU"), k = 2), rna)
  # protein given as text would be all (or nearly all) zeros without a word
  expect_warning(kmerCounts("MKVLLQQEW", k = 2), "over a quarter of the letters are not nucleotides",
                 class = "deepomics_python_warning")
})

test_that("canonical counts a k-mer with its reverse complement", {
  skip_if_no_backend()
  x <- kmerCounts(c("AAAA", "TTTT"), k = 2, canonical = TRUE)
  expect_identical(unname(x[, "AA"]), c(3L, 3L))
  expect_identical(unname(x[, "TT"]), c(0L, 0L))
})

test_that("normalize gives frequencies that sum to one", {
  skip_if_no_backend()
  x <- kmerCounts(c("ACGTTGCA", "AAAAC", "NN"), k = 2, normalize = TRUE)
  expect_true(is.double(x))
  expect_equal(unname(rowSums(x)), c(1, 1, 0), tolerance = 1e-6)
  expect_equal(x[[2, "AA"]], 0.75, tolerance = 1e-6)
})

test_that("a sparse result is a dgCMatrix with the dense result's values and names", {
  skip_if_no_backend()
  seqs <- c(a = "ACGTACGTNNACGT", b = "GGGGCCCC", c = "TTAGGCAT")
  for (normalize in c(FALSE, TRUE)) {
    dense <- kmerCounts(seqs, k = 3, normalize = normalize, sparse = FALSE)
    sparse <- kmerCounts(seqs, k = 3, normalize = normalize, sparse = TRUE)
    expect_s4_class(sparse, "dgCMatrix")
    expect_true(methods::validObject(sparse))
    expect_identical(dimnames(sparse), dimnames(dense))
    expect_equal(as.matrix(sparse), dense * 1, tolerance = 1e-7)
    expect_identical(Matrix::nnzero(sparse), sum(dense != 0))
  }
})

test_that("a DNAStringSet gives what its character vector gives", {
  skip_if_no_backend()
  seqs <- c(s1 = "ACGTN", s2 = "GGCATT")
  expect_identical(kmerCounts(Biostrings::DNAStringSet(seqs), k = 2), kmerCounts(seqs, k = 2))
  expect_identical(kmerCounts(Biostrings::RNAStringSet(c(r = "ACGU")), k = 2),
                   kmerCounts(c(r = "ACGU"), k = 2))
  # a protein's A, C, G and T are not nucleotides
  expect_error(kmerCounts(Biostrings::AAStringSet("MKVLACGT"), k = 2), "x is an AAStringSet")
})

test_that("bad k is an error naming k", {
  skip_if_no_backend()
  expect_error(kmerCounts("ACGT", k = 0), "k must be a positive whole number, not 0",
               class = "deepomics_python_error")
  expect_error(kmerCounts("ACGT", k = NA), "k must be a whole number, not NA")
  expect_error(kmerCounts("ACGT"), 'argument "k" is missing')
  expect_error(kmerCounts("ACGT", k = 2, canonical = NA), "canonical must be TRUE or FALSE")
  expect_error(kmerCounts(factor("ACGT"), k = 2), "x must be a character vector")
  expect_error(kmerCounts("ACGT", k = 2, normalise = TRUE), "unknown argument: normalise")
})
