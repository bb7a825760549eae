test_that("names, sequences and descriptions come back in file order", {
  skip_if_no_backend()
  path <- local_fasta(c(">seq1 first record", "ACGT", "ttga", "", ">seq2", "GGCC"))
  x <- readFasta(path, type = "character")
  expect_identical(x, c(seq1 = "ACGTttga", seq2 = "GGCC"))
  dna <- readFasta(path)
  expect_s4_class(dna, "DNAStringSet")
  expect_identical(names(dna), c("seq1", "seq2"))
  expect_identical(as.character(dna), c(seq1 = "ACGTTTGA", seq2 = "GGCC"))
  expect_identical(S4Vectors::mcols(dna)$description, c("first record", ""))
})

test_that("type chooses the XStringSet class", {
  skip_if_no_backend()
  rna <- readFasta(local_fasta(c(">r", "ACGU")), type = "RNA")
  expect_s4_class(rna, "RNAStringSet")
  aa <- readFasta(local_fasta(c(">p", "MKVLE")), type = "AA")
  expect_s4_class(aa, "AAStringSet")
  expect_identical(as.character(aa), c(p = "MKVLE"))
  expect_error(readFasta(local_fasta(c(">p", "MKVLE")), type = "DNA"),
               "holds letters that a DNAStringSet cannot.*type = \"AA\"")
  expect_error(readFasta(local_fasta(c(">r", "ACGUU")), type = "DNA"),
               "holds letters that a DNAStringSet cannot.*type = \"RNA\"")
  expect_error(readFasta(local_fasta(c(">d", "ACGTT")), type = "RNA"),
               "holds letters that a RNAStringSet cannot.*type = \"DNA\"")
  expect_error(readFasta(local_fasta(c(">p", "MKVLE")), type = "protein"), "should be one of")
})

test_that("gzip files read the same as plain ones", {
  skip_if_no_backend()
  lines <- c(">a", "ACGT", ">b", "GG")
  expect_identical(readFasta(local_fasta(lines, ".fa.gz")), readFasta(local_fasta(lines)))
})

test_that("Biostrings' example file reads as readDNAStringSet reads it", {
  skip_if_no_backend()
  path <- system.file("extdata", "dm3_upstream2000.fa.gz", package = "Biostrings")
  ours <- readFasta(path)
  theirs <- Biostrings::readDNAStringSet(path)
  expect_identical(length(ours), length(theirs))
  expect_identical(as.character(ours), stats::setNames(as.character(theirs), sub(" .*", "", names(theirs))))
  expect_identical(paste(names(ours), S4Vectors::mcols(ours)$description), names(theirs))
})

test_that("the result goes straight into oneHot and kmerCounts", {
  skip_if_no_backend()
  x <- readFasta(local_fasta(c(">a", "ACGT", ">b", "GGCC")))
  expect_identical(dimnames(oneHot(x))[[1]], c("a", "b"))
  expect_identical(rownames(kmerCounts(x, k = 2)), c("a", "b"))
})

test_that("a malformed file or a missing one is an error saying where", {
  skip_if_no_backend()
  bad <- local_fasta(c("ACGT", ">a", "ACGT"))
  err <- expect_error(readFasta(bad), class = "deepomics_python_error")
  expect_match(conditionMessage(err), basename(bad), fixed = TRUE)
  expect_match(conditionMessage(err), "line 1")
  expect_identical(err$python_type, "FastaFormatError")
  expect_error(readFasta(file.path(tempdir(), "no-such-file.fa")), "no-such-file.fa does not exist.*check the path")
  expect_error(readFasta(c("a.fa", "b.fa")), "path must be a single string")
})
