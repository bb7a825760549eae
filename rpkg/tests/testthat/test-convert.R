# The R -> Python boundary (no Python needed) and the Python -> R conversions.

test_that("character vectors go in unnamed, their names kept aside", {
  x <- deepomics:::as_py_sequences(c(a = "ACGT", b = "GG"))
  expect_identical(x$sequences, c("ACGT", "GG"))
  expect_identical(x$names, c("a", "b"))
  expect_identical(x$alphabet, "dna")
  expect_null(deepomics:::as_py_sequences("ACGT")$names)
})

test_that("XStringSets go in as character, with names and their alphabet", {
  dna <- deepomics:::as_py_sequences(Biostrings::DNAStringSet(c(s1 = "ACGT", s2 = "TTNA")))
  expect_identical(dna$sequences, c("ACGT", "TTNA"))
  expect_identical(dna$names, c("s1", "s2"))
  expect_identical(dna$alphabet, "dna")
  expect_identical(deepomics:::as_py_sequences(Biostrings::RNAStringSet("ACGU"))$alphabet, "rna")
  expect_identical(deepomics:::as_py_sequences(Biostrings::AAStringSet("MKV"))$alphabet, "protein")
  expect_null(deepomics:::as_py_sequences(Biostrings::DNAStringSet("ACGT"))$names)
})

test_that("what is not a sequence is refused in R, saying what it was", {
  expect_error(deepomics:::as_py_sequences(factor("ACGT")),
               "x must be a character vector, a DNAStringSet.*not an object of class factor")
  expect_error(deepomics:::as_py_sequences(1:3), "not an object of class integer")
  expect_error(deepomics:::as_py_sequences(c("ACGT", NA, "GG")), "x\\[2\\] is NA")
})

test_that("scalar arguments are checked for what R allows and Python would misread", {
  expect_identical(deepomics:::py_flag(TRUE, "iupac"), TRUE)
  expect_error(deepomics:::py_flag(NA, "iupac"), "iupac must be TRUE or FALSE, not NA")
  expect_error(deepomics:::py_flag(c(TRUE, FALSE), "iupac"), "a logical vector of length 2")
  expect_identical(deepomics:::py_count(200, "length"), 200L)
  expect_null(deepomics:::py_count(NULL, "length"))
  expect_error(deepomics:::py_count(NULL, "k", null_ok = FALSE), "k must be a whole number, not NULL")
  expect_error(deepomics:::py_count(2.5, "k"), "k must be a whole number or NULL, not 2.5")
  expect_error(deepomics:::py_count(NA_integer_, "k"), "not NA")
  expect_error(deepomics:::py_count("3", "k"), "not \"3\"")
  expect_error(deepomics:::py_string(c("a", "b"), "pad"), "pad must be a single string")
  expect_identical(deepomics:::py_path("~/x.fa"), path.expand("~/x.fa"))
})

test_that("a C-ordered NumPy array keeps its index order in R", {
  skip_if_no_backend()
  np <- reticulate::import("numpy", convert = FALSE)
  a <- np$arange(24L)$reshape(c(2L, 3L, 4L))
  r <- deepomics:::array_from_py(a)
  expect_identical(dim(r), c(2L, 3L, 4L))
  # element [n, c, l] of the Python array is n * 12 + c * 4 + l
  expect_equal(r[2, 3, 4], 1 * 12 + 2 * 4 + 3)
  expect_equal(r[1, 2, 3], 0 * 12 + 1 * 4 + 2)
})

test_that("SciPy CSR and CSC matrices become the same dgCMatrix", {
  skip_if_no_backend()
  sp <- reticulate::import("scipy.sparse", convert = FALSE)
  np <- reticulate::import("numpy", convert = FALSE)
  dense <- matrix(c(0, 1, 0, 2, 0, 0, 3, 0, 4, 0, 0, 5), nrow = 3, byrow = TRUE)
  a <- np$array(dense)
  dn <- list(c("r1", "r2", "r3"), paste0("c", 1:4))
  from_csr <- deepomics:::sparse_from_py(sp$csr_matrix(a), dn)
  from_csc <- deepomics:::sparse_from_py(sp$csc_matrix(a), dn)
  expect_s4_class(from_csr, "dgCMatrix")
  expect_identical(from_csr, from_csc)
  expect_identical(as.matrix(from_csr), `dimnames<-`(dense, dn))
  expect_true(methods::validObject(from_csr))
})
