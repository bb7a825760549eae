# GRanges with a genome FASTA: intervalSequences(), and GRanges as inputs of the model functions.

# A random genome written as FASTA (60 letters a line) and its sequences as a DNAStringSet.
local_genome <- function(env = parent.frame()) {
  withr::local_seed(3)
  chroms <- c(chr1 = 900L, chr2 = 250L)
  seqs <- vapply(chroms, function(n) paste(sample(c("A", "C", "G", "T"), n, TRUE), collapse = ""), "")
  lines <- unlist(lapply(names(seqs), function(name) {
    s <- seqs[[name]]
    c(paste0(">", name), substring(s, seq(1, nchar(s), 60), pmin(seq(60, nchar(s) + 59, 60), nchar(s))))
  }))
  path <- local_fasta(lines, env = env)
  list(path = path, seqs = Biostrings::DNAStringSet(seqs))
}

random_ranges <- function(n, genome) {
  chrom <- sample(names(genome$seqs), n, TRUE)
  len <- Biostrings::width(genome$seqs)[match(chrom, names(genome$seqs))]
  start <- vapply(len - 30L, function(m) sample.int(m, 1L), integer(1))
  GenomicRanges::GRanges(chrom, IRanges::IRanges(start, width = 30L),
                         strand = sample(c("+", "-", "*"), n, TRUE))
}

test_that("intervalSequences() equals Biostrings' subseq, minus strand reverse-complemented", {
  skip_if_no_backend()
  genome <- local_genome()
  withr::local_seed(4)
  ranges <- random_ranges(50, genome)
  got <- intervalSequences(ranges, genome$path)
  chrom <- as.character(GenomicRanges::seqnames(ranges))
  want <- Biostrings::subseq(genome$seqs[chrom], start = BiocGenerics::start(ranges),
                             end = BiocGenerics::end(ranges))
  minus <- as.character(BiocGenerics::strand(ranges)) == "-"
  want[minus] <- Biostrings::reverseComplement(want[minus])
  expect_s4_class(got, "DNAStringSet")
  expect_identical(unname(as.character(got)), unname(as.character(want)))
  expect_identical(names(got)[[1L]], sprintf("%s:%d-%d(%s)", chrom[[1L]],
                                             BiocGenerics::start(ranges)[[1L]],
                                             BiocGenerics::end(ranges)[[1L]],
                                             as.character(BiocGenerics::strand(ranges))[[1L]]))
  names(ranges) <- paste0("peak", seq_along(ranges))
  expect_identical(names(intervalSequences(ranges, genome$path)), names(ranges))
  # one range (reticulate would pass a length-1 vector as a scalar)
  expect_identical(unname(as.character(intervalSequences(ranges[1], genome$path))),
                   unname(as.character(got[1])))
})

test_that("oneHot() and kmerCounts() take a GRanges with its genome", {
  skip_if_no_backend()
  genome <- local_genome()
  withr::local_seed(5)
  ranges <- random_ranges(10, genome)
  seqs <- intervalSequences(ranges, genome$path)
  expect_identical(oneHot(ranges, genome = genome$path), oneHot(seqs))
  expect_identical(kmerCounts(ranges, k = 3, genome = genome$path), kmerCounts(seqs, k = 3))
})

test_that("a model trains on and predicts from a GRanges, labels from a metadata column", {
  skip_if_no_backend()
  genome <- local_genome()
  withr::local_seed(6)
  ranges <- random_ranges(80, genome)
  S4Vectors::mcols(ranges)$bound <- factor(rep(c("no", "yes"), 40))
  model <- trainModel(seqModel("deepbind", filters = 4, filter_size = 6), ranges, "bound",
                      genome = genome$path, epochs = 2, seed = 0)
  expect_identical(model@classes, c("no", "yes"))
  seqs <- intervalSequences(ranges, genome$path)
  expect_identical(predict(model, ranges, genome = genome$path), predict(model, seqs))
  expect_identical(evaluateModel(model, ranges, ranges$bound, genome = genome$path),
                   evaluateModel(model, seqs, ranges$bound))
})

test_that("GRanges errors say what is missing or wrong", {
  skip_if_no_backend()
  genome <- local_genome()
  ranges <- GenomicRanges::GRanges("chr1", IRanges::IRanges(c(1, 5), width = 10))
  expect_error(oneHot(ranges), "give genome = the path of the genome FASTA")
  expect_error(trainModel(seqModel("deepbind"), ranges, "y"), "give genome = the path")
  expect_error(trainModel(seqModel("deepbind"), ranges, "bound", genome = genome$path),
               "\"bound\" is not a metadata column of the GRanges")
  expect_error(oneHot(GenomicRanges::GRanges("1", IRanges::IRanges(1, 10)), genome = genome$path),
               "no sequence '1'", class = "deepomics_python_error")
  # the interval as GRanges shows it (1-based, end included), counted from 1
  expect_error(oneHot(GenomicRanges::GRanges(c("chr1", "chr2"), IRanges::IRanges(c(1, 200), c(10, 300))),
                      genome = genome$path),
               "interval 2 \\(chr2:200-300\\) lies outside chr2, which has 250 bases",
               class = "deepomics_python_error")
  expect_error(oneHot(ranges, genome = file.path(tempdir(), "no-such.fa")), "does not exist")
  expect_error(deepomics:::as_py_inputs("ACGT", genome = genome$path),
               "genome applies to genomic intervals")
  expect_error(intervalSequences("chr1:1-10", genome$path), "must be a GRanges")
  # a genome letter a DNAStringSet cannot hold: the range and the letter, not Biostrings' lookup
  odd <- local_fasta(c(">chr1", "ACGTXACGTA"))
  expect_error(intervalSequences(GenomicRanges::GRanges("chr1", IRanges::IRanges(c(1, 3), width = 5)),
                                 odd),
               "range 1 of x \\(chr1:1-5\\(\\*\\)\\) holds 'X' at position 5, which a DNAStringSet")
})

test_that("temporary genome indexes go into R's tempdir(), which R removes at exit", {
  skip_if_no_backend()
  # reticulate does not run Python's exit handlers: a FASTA in a read-only folder is indexed
  # into a folder of R's own, not one left in /tmp
  root <- reticulate::py_to_r(deepomics:::py_deepomics()$genome$TEMPORARY_ROOT)
  expect_identical(normalizePath(root), normalizePath(tempdir()))
})

test_that("a GRanges as the first call of a session starts deepomics' Python, not reticulate's", {
  skip_if_no_backend()
  skip_if(!nzchar(system.file(package = "deepomics")), "a fresh R process needs an installed copy")
  genome <- local_genome()
  backend <- backend_python_path()
  # reticulate's own choice pointed elsewhere: converting the ranges before deepomics starts
  # Python would start that one
  other <- python_without_deepomics()
  env <- c(paste0("DEEPOMICS_PYTHON=", backend),
           if (!is.null(other)) paste0("RETICULATE_PYTHON=", other))
  calls <- c("intervalSequences(gr, fa)", "oneHot(gr, genome = fa)",
             "kmerCounts(gr, k = 1, genome = fa)")
  for (call in calls) {
    out <- run_r(sprintf(paste(
      "suppressPackageStartupMessages(library(deepomics)); fa <- '%s';",
      "gr <- GenomicRanges::GRanges('chr1', IRanges::IRanges(1, width = 10));",
      "invisible(%s); cat('python:', reticulate::py_config()$python)"), genome$path, call),
      env = env)
    expect_match(out, paste("python:", backend), fixed = TRUE, info = call)
  }
})

test_that("plotMutationMap() reads a GRanges' letters from its genome, as mutagenesis() does", {
  skip_if_no_backend()
  skip_if_not_installed("ggseqlogo")
  genome <- local_genome()
  withr::local_seed(32)
  ranges <- random_ranges(3, genome)
  seqs <- intervalSequences(ranges, genome$path)
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3),
                      random_sequences(20, 30), rep(c("a", "b"), 10), epochs = 1)
  effects <- mutagenesis(model, ranges, genome = genome$path)
  built <- function(p) ggplot2::ggplot_build(p)$data
  expect_identical(built(plotMutationMap(effects, ranges, i = 3, genome = genome$path)),
                   built(plotMutationMap(effects, seqs, i = 3)))
  expect_error(plotMutationMap(effects, ranges), "genome")
})

test_that("sequenceTokens() and dinucleotideShuffle() take a GRanges with its genome", {
  skip_if_no_backend()
  genome <- local_genome()
  withr::local_seed(33)
  ranges <- random_ranges(5, genome)
  names(ranges) <- paste0("peak", 1:5)
  seqs <- intervalSequences(ranges, genome$path)
  expect_identical(sequenceTokens(ranges, genome = genome$path), sequenceTokens(seqs))
  expect_identical(rownames(sequenceTokens(ranges, genome = genome$path)), names(ranges))
  shuffled <- dinucleotideShuffle(ranges, n = 2, seed = 4, genome = genome$path)
  expect_s4_class(shuffled, "DNAStringSet")
  expect_identical(shuffled, dinucleotideShuffle(seqs, n = 2, seed = 4))
  expect_identical(names(shuffled)[1:2], c("peak1_shuffle1", "peak1_shuffle2"))
  expect_error(dinucleotideShuffle(ranges), "give genome = the path of the genome FASTA")
  expect_error(sequenceTokens(ranges), "give genome = the path of the genome FASTA")
  expect_error(dinucleotideShuffle("ACGT", genome = genome$path),
               "genome applies to genomic intervals \\(a GRanges\\); x is an object of class character")
})
