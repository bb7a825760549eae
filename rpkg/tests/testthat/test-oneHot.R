test_that("one sequence of ACGT is the identity, channels named A, C, G, T", {
  skip_if_no_backend()
  x <- oneHot("ACGT")
  expect_identical(dim(x), c(1L, 4L, 4L))
  expect_identical(dimnames(x), list(NULL, c("A", "C", "G", "T"), NULL))
  expect_true(is.double(x))
  expect_identical(x[1, , ], matrix(diag(4), 4, 4, dimnames = list(c("A", "C", "G", "T"), NULL)))
})

test_that("x[n, c, l] is letter l of sequence n in channel c", {
  skip_if_no_backend()
  x <- oneHot(c("ACGT", "TTGA"))
  letters <- strsplit(c("ACGT", "TTGA"), "")
  for (n in 1:2) for (l in 1:4) {
    expected <- as.numeric(c("A", "C", "G", "T") == letters[[n]][[l]])
    expect_identical(unname(x[n, , l]), expected)
  }
})

test_that("sequence names become the first dimnames", {
  skip_if_no_backend()
  x <- oneHot(c(first = "ACGT", second = "acgt"))
  expect_identical(dimnames(x)[[1]], c("first", "second"))
  expect_identical(x["first", , ], x["second", , ])
})

test_that("a DNAStringSet gives what its character vector gives", {
  skip_if_no_backend()
  seqs <- c(s1 = "ACGTN", s2 = "GGCAT")
  expect_identical(oneHot(Biostrings::DNAStringSet(seqs)), oneHot(seqs))
  expect_identical(oneHot(Biostrings::DNAStringSet(seqs), iupac = TRUE), oneHot(seqs, iupac = TRUE))
})

test_that("RNA and protein sets take their own alphabet", {
  skip_if_no_backend()
  rna <- oneHot(Biostrings::RNAStringSet(c(r = "ACGU")))
  expect_identical(dimnames(rna)[[2]], c("A", "C", "G", "U"))
  expect_equal(unname(rna[1, , ]), diag(4))
  aa <- oneHot(Biostrings::AAStringSet(c(p = "MKV")))
  expect_identical(dim(aa), c(1L, 20L, 3L))
  expect_identical(dimnames(aa)[[2]], strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]])
  expect_equal(unname(aa[1, c("M", "K", "V"), ]), diag(3))
  expect_identical(unname(oneHot("MKV", alphabet = "protein")), unname(aa))
  # a custom alphabet, in the order given, upper-cased
  custom <- oneHot("ab", alphabet = "ba")
  expect_identical(dimnames(custom)[[2]], c("B", "A"))
  expect_equal(unname(custom[1, , ]), matrix(c(0, 1, 1, 0), 2))
})

test_that("a character vector of RNA (U, no T) is read as RNA, as sequenceTokens() reads it", {
  skip_if_no_backend()
  rna <- c(a = "ACGUU", b = "UUGCA")
  x <- oneHot(rna)
  expect_identical(dimnames(x)[[2]], c("A", "C", "G", "U"))
  expect_equal(unname(x["a", , ]), cbind(diag(4), c(0, 0, 0, 1)))  # no U zeroed
  expect_identical(x, oneHot(Biostrings::RNAStringSet(rna)))
  expect_identical(unname(sequenceTokens(rna)["a", ]), c(1L, 2L, 3L, 4L, 4L))
  # T and U together stay DNA (U unknown), as an alphabet given stays as given
  # (and say that each U is an unknown, all-zero position)
  expect_warning(x <- oneHot("ACGTU"), "hold 'U', which the 'dna' alphabet reads as an unknown")
  expect_identical(dimnames(x)[[2]], c("A", "C", "G", "T"))
  expect_warning(x <- oneHot(rna, alphabet = "dna"), "pass alphabet = \"rna\"|pass alphabet='rna'")
  expect_identical(dimnames(x)[[2]], c("A", "C", "G", "T"))
})

test_that("length pads with zero columns and trims, on the side pad says", {
  skip_if_no_backend()
  a <- c(A = 1, C = 0, G = 0, T = 0)
  right <- oneHot("AC", length = 4)[1, , ]
  expect_equal(colSums(right), c(1, 1, 0, 0))
  expect_equal(right[, 1], a)
  left <- oneHot("AC", length = 4, pad = "left")[1, , ]
  expect_equal(colSums(left), c(0, 0, 1, 1))
  expect_equal(left[, 3], a)
  center <- oneHot("AC", length = 4, pad = "center")[1, , ]
  expect_equal(colSums(center), c(0, 1, 1, 0))
  # trimming keeps the start (right), the end (left)
  expect_equal(oneHot("ACGT", length = 2)[1, , ], oneHot("AC")[1, , ])
  expect_equal(oneHot("ACGT", length = 2, pad = "left")[1, , ], oneHot("GT")[1, , ])
  # sequences of several lengths, padded to one
  mixed <- oneHot(c("A", "ACG"), length = 3)
  expect_identical(dim(mixed), c(2L, 4L, 3L))
  expect_equal(unname(apply(mixed, c(1, 3), sum)), matrix(c(1, 1, 0, 1, 0, 1), 2))
})

test_that("unknown letters: zero, uniform, or an error naming the place", {
  skip_if_no_backend()
  expect_equal(unname(oneHot("N")[1, , 1]), c(0, 0, 0, 0))
  expect_equal(unname(oneHot("N", unknown = "uniform")[1, , 1]), rep(0.25, 4))
  expect_equal(unname(oneHot("R", iupac = TRUE)[1, , 1]), c(0.5, 0, 0.5, 0))
  # counted as R counts: the second sequence's third letter; the hint in R's spelling
  expect_error(oneHot(c("ACGT", "ACNT"), unknown = "error"),
               paste0("sequence 2, position 3: 'N' is not in the 'dna' alphabet.*",
                      "unknown = \"zero\" or unknown = \"uniform\".*iupac = TRUE"),
               class = "deepomics_python_error")
})

test_that("bad arguments are errors that name them", {
  skip_if_no_backend()
  expect_error(oneHot(c("ACG", "AC")), "sequences differ in length: sequence 1 has 3 letters",
               class = "deepomics_python_error")
  expect_error(oneHot("ACGT", pad = "middle"), "pad must be 'right', 'left' or 'center'")
  expect_error(oneHot("ACGT", length = 0), "length must be a positive whole number")
  expect_error(oneHot("ACGT", length = 2.5), "length must be a whole number or NULL, not 2.5")
  expect_error(oneHot("ACGT", iupac = NA), "iupac must be TRUE or FALSE")
  expect_error(oneHot("ACGT", alphabet = "AAC"), "repeats .A.")
  expect_error(oneHot("ACGT", alphabet = "foo"), "is not a named alphabet .*repeats .O.")
  expect_error(oneHot(list("ACGT")), "x must be a character vector, a DNAStringSet")
  expect_error(oneHot("ACGT", lenght = 3), "unknown argument: lenght")
  expect_error(oneHot("ACGT", lenght = 3, foo = 1), "unknown arguments: lenght, foo")
  expect_error(oneHot("ACGT", "dna", NULL, "right", "zero", FALSE, NULL, "extra"),
               "unknown argument: an unnamed argument")
})

test_that("threads does not change the result", {
  skip_if_no_backend()
  seqs <- c("ACGTAC", "GGTTAA", "CATGCA")
  expect_identical(oneHot(seqs, threads = 1), oneHot(seqs))
})

test_that("sequenceTokens() of empty sequences says they are empty", {
  skip_if_no_backend()
  expect_error(sequenceTokens(c("", "")),
               "x's 2 sequences are all empty \\(no letters\\), so there is nothing to tokenise; remove empty sequences first")
  expect_error(sequenceTokens(""), "x's sequence is empty \\(no letters\\)")
  expect_error(sequenceTokens(c("", "AC")), "sequence 1 is empty")
})

test_that("a space or line end in a sequence is an error naming it, counted as R counts", {
  skip_if_no_backend()
  expect_error(oneHot(c("ACGT", "AC GT")),
               "sequence 2, position 3: ' ' \\(a space\\) is not a sequence letter.*readFasta\\(\\)",
               class = "deepomics_python_error")
  expect_error(kmerCounts(c("ACGT\r"), k = 2), "position 5: '\\\\r' \\(a carriage return",
               class = "deepomics_python_error")
})

test_that("decodeSequences() gives back the sequences of tokens and of one-hot arrays", {
  skip_if_no_backend()
  withr::local_seed(3)
  seqs <- vapply(sample(5:30, 20, TRUE), function(n) paste(sample(c("A", "C", "G", "T"), n, TRUE),
                                                          collapse = ""), "")
  names(seqs) <- sprintf("s%02d", seq_along(seqs))
  expect_identical(decodeSequences(sequenceTokens(seqs)), seqs)
  expect_identical(decodeSequences(oneHot(seqs, length = 30)), seqs)
  expect_identical(decodeSequences(oneHot(seqs, length = 40, pad = "center")), seqs)
  rna <- c(r = "ACGUUGCA")
  expect_identical(decodeSequences(oneHot(rna)), rna)     # the channel names say RNA
  expect_identical(decodeSequences(sequenceTokens(rna), alphabet = "rna"), rna)
  protein <- Biostrings::AAStringSet(c(p1 = "MKVLA", p2 = "WY"))
  expect_identical(decodeSequences(oneHot(protein, length = 5)), as.character(protein))
  # channels in another order are read by their names; unknown letters come back as N (an
  # all-zero position at either end is padding, as in Python)
  x <- oneHot(c(a = "ACNGT", b = "acgtt"))
  expect_identical(decodeSequences(x[, c("T", "G", "C", "A"), , drop = FALSE]),
                   c(a = "ACNGT", b = "ACGTT"))
  expect_identical(decodeSequences(x["a", , , drop = FALSE]), c(a = "ACNGT"))
  expect_error(decodeSequences(x["a", , ]), "x\\[i, , , drop = FALSE\\]")
  # tokens of sequences named by single letters are tokens still
  tokens <- sequenceTokens(c(a = "AAA", b = "A"), length = 3)
  expect_identical(decodeSequences(tokens), c(a = "AAA", b = "A"))
  expect_error(decodeSequences("ACGT"), "must be a token matrix from sequenceTokens\\(\\)")
})

test_that("reverseComplement() of a one-hot array is the one-hot of the reverse complements", {
  skip_if_no_backend()
  seqs <- c(s1 = "AACGTN", s2 = "GGCATT", s3 = "TTGCAA")
  rc <- as.character(Biostrings::reverseComplement(Biostrings::DNAStringSet(seqs)))
  x <- oneHot(seqs)
  expect_identical(reverseComplement(x), oneHot(rc))
  expect_identical(reverseComplement(reverseComplement(x)), x)
  # RNA; channels in another order; padding moves to the other end; fractional IUPAC columns
  rna <- c(r1 = "ACGUU", r2 = "GGAUC")
  rna_rc <- as.character(Biostrings::reverseComplement(Biostrings::RNAStringSet(rna)))
  expect_identical(reverseComplement(oneHot(rna)), oneHot(rna_rc))
  expect_identical(reverseComplement(oneHot(seqs, alphabet = "TGCA")),
                   oneHot(rc, alphabet = "TGCA"))
  padded <- reverseComplement(oneHot(c(a = "ACG"), length = 5))
  expect_identical(unname(padded[1, , 1:2]), matrix(0, 4, 2))
  expect_identical(padded[, , 3:5, drop = FALSE], oneHot(c(a = "CGT")))
  expect_identical(reverseComplement(oneHot("ARN", iupac = TRUE)), oneHot("NYT", iupac = TRUE))
  # one sequence's 4 x L slice: Biostrings' own matrix method does the same
  expect_identical(reverseComplement(x[1, , ]), reverseComplement(x)[1, , ])
})

test_that("reverseComplement() refuses arrays that are not nucleotide one-hot", {
  skip_if_no_backend()
  expect_error(reverseComplement(oneHot(Biostrings::AAStringSet(c(p = "MKV")))),
               "dim c\\(1, 20, 3\\) \\(protein: it has no complement\\)")
  expect_error(reverseComplement(oneHot("ACGT", alphabet = "ACGX")),
               "channels of a DNA or RNA one-hot array .*; x's channels are A, C, G, X")
  expect_error(reverseComplement(array("A", c(1, 4, 2))), "x is a character array of dim c\\(1, 4, 2\\)")
  expect_error(reverseComplement(oneHot("ACGT"), strand = "-"), "strand")
})
