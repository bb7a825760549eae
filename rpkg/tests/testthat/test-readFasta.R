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
  nameless <- local_fasta(c(">", "ACGT"))
  err <- expect_error(readFasta(nameless), class = "deepomics_python_error")
  expect_match(conditionMessage(err), "has no name")
  expect_match(conditionMessage(err), basename(nameless), fixed = TRUE)
  expect_error(readFasta(file.path(tempdir(), "no-such-file.fa")), "no-such-file.fa does not exist.*check the path")
  expect_error(readFasta(c("a.fa", "b.fa")), "path must be a single string")
})

test_that("a FASTA file's path given as sequences is refused, saying to read it with readFasta()", {
  skip_if_no_backend()
  path <- local_fasta(c(">a", "ACGTACGTAC", ">b", "TTGACCATGA"))
  fix <- sprintf("x is a file's path (\"%s\"), not a sequence; read the file first: readFasta(\"%s\")",
                 path, path)
  expect_error(oneHot(path), fix, fixed = TRUE)
  expect_error(kmerCounts(path, 2), fix, fixed = TRUE)
  expect_error(sequenceTokens(path), fix, fixed = TRUE)
  gz <- local_fasta(c(">a", "ACGT"), fileext = ".fa.gz")
  expect_error(oneHot(gz), "readFasta(", fixed = TRUE)
  expect_error(oneHot("missing.fasta"), "there is no such file here")
  # a path without a FASTA ending, that exists
  other <- withr::local_tempfile(fileext = ".txt")
  writeLines(c(">a", "ACGT"), other)
  expect_error(oneHot(other), "is a file's path", fixed = TRUE)
  expect_identical(dim(oneHot("ACGT")), c(1L, 4L, 4L))  # one sequence stays a sequence
  # a file named with letters and a dot, in the working folder, is a file (as in Python);
  # one named with sequence letters alone is still a sequence
  withr::local_dir(withr::local_tempdir())
  writeLines(c(">a", "ACGT"), "reads.txt")
  writeLines(c(">a", "ACGT"), "AC+GT")
  expect_error(oneHot("reads.txt"), "is a file's path", fixed = TRUE)
  expect_identical(dim(oneHot("AC+GT")), c(1L, 4L, 5L))
  withr::local_seed(36)
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3),
                      random_sequences(10, 10), rep(0:1, 5), epochs = 1)
  expect_error(predict(model, path), sprintf("newdata is a file's path (\"%s\")", path),
               fixed = TRUE)
  expect_error(mutagenesis(model, path), fix, fixed = TRUE)
  # Python's own advice is spelt in R
  expect_identical(deepomics:::r_spelling("read the file first: read_fasta(path).sequences"),
                   "read the file first: readFasta(path)")
})
