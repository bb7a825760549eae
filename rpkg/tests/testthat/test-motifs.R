# jasparMotif() and plantMotif(): motifs offline and planted signals, as Python's.

test_that("jasparMotif reads a JASPAR matrix offline as A/C/G/T probabilities", {
  skip_if_no_backend()
  ctcf <- jasparMotif("MA0139.1")
  expect_identical(attr(ctcf, "name"), "CTCF")
  expect_identical(dim(ctcf), c(4L, 19L))
  expect_identical(rownames(ctcf), c("A", "C", "G", "T"))
  expect_equal(unname(colSums(ctcf)), rep(1, 19), tolerance = 1e-12)
  python <- reticulate::py_to_r(deepomics:::py_deepomics()$motifs$jaspar_pwm("MA0139.1"))[[2L]]
  expect_identical(unname(ctcf[, , drop = FALSE]), {
    attr(python, "name") <- NULL
    python
  })
  latest <- jasparMotif("MA0139")  # the latest version (MA0139.2 in pyjaspar's database)
  expect_identical(attr(latest, "name"), "CTCF")
  expect_false(identical(dim(latest), dim(ctcf)))
  expect_error(jasparMotif("MA9999.9"), "JASPAR has no matrix 'MA9999.9'")
  expect_error(jasparMotif(c("MA0139.1", "MA0139.2")), "id must be a single string")
})

test_that("plantMotif writes one sampled site per sequence at its recorded start", {
  skip_if_no_backend()
  set.seed(3)
  background <- vapply(1:30, function(i) paste(sample(c("A", "C", "G", "T"), 50, TRUE),
                                               collapse = ""), "")
  names(background) <- paste0("s", 1:30)
  ctcf <- jasparMotif("MA0139.1")
  planted <- plantMotif(background, ctcf, seed = 2)
  starts <- attr(planted, "start")
  expect_identical(names(planted), names(background))
  expect_true(all(starts >= 1L & starts <= 50L - 19L + 1L))
  sites <- substr(planted, starts, starts + 18L)
  for (i in seq_along(planted)) {
    letters <- strsplit(sites[[i]], "")[[1L]]
    # every letter of a site is one the motif allows at its position
    expect_true(all(ctcf[cbind(match(letters, rownames(ctcf)), seq_along(letters))] > 0))
    # the rest of the sequence is untouched
    expect_identical(substr(planted[[i]], 1L, starts[[i]] - 1L),
                     substr(background[[i]], 1L, starts[[i]] - 1L))
    expect_identical(substring(planted[[i]], starts[[i]] + 19L),
                     substring(background[[i]], starts[[i]] + 19L))
  }
  # the sites follow the motif: the most likely letter of each position is the commonest
  consensus <- rownames(ctcf)[apply(ctcf, 2L, which.max)]
  commonest <- apply(do.call(rbind, strsplit(sites, "")), 2L,
                     function(col) names(which.max(table(col))))
  expect_gt(mean(commonest == consensus), 0.8)
  # seeded; a JASPAR ID works as the matrix does; a DNAStringSet stays one
  expect_identical(plantMotif(background, "MA0139.1", seed = 2), planted)
  expect_false(identical(plantMotif(background, ctcf, seed = 3), planted))
  dna <- plantMotif(Biostrings::DNAStringSet(background), ctcf, seed = 2)
  expect_s4_class(dna, "DNAStringSet")
  expect_identical(as.character(dna), unclass(planted)[seq_along(planted)])
  one <- plantMotif(c(one = strrep("A", 30)), ctcf, seed = 0)  # one sequence stays one string
  expect_identical(names(one), "one")
  expect_identical(nchar(unclass(one)[[1L]]), 30L)
  # what cannot be planted is said so
  expect_error(plantMotif(c(a = "ACGTACGT"), ctcf), "site 1 \\(19 bp\\) is longer than sequence 1 \\(8 bp\\)")
  # counts or percentages are probabilities; a log-odds matrix is refused, naming the columns
  expect_identical(plantMotif(background, ctcf * 100, seed = 2), planted)
  expect_error(plantMotif(background, log(ctcf[, 1:3] + 0.01)),
               "the motif has negative, missing or infinite values or sums to 0 in column\\(s\\) 1, 2, 3")
  expect_error(plantMotif(background, t(ctcf)),
               "motif is a 19 x 4 matrix \\(positions x letters\\); it must be 4 x W, rows A, C, G, T: transpose it with t\\(motif\\)")
  expect_error(plantMotif(background, ctcf[1:3, ]),
               "a 4 x W matrix of probabilities or counts \\(rows A, C, G, T\\), not a 3 x 19 double matrix")
  expect_error(plantMotif(background, ctcf[c(2, 1, 3, 4), ]), "rows must be A, C, G, T in that order")
  expect_error(plantMotif(Biostrings::AAStringSet("MKVLAWHC"), ctcf), "plants DNA motifs")
  expect_error(plantMotif(character(0), ctcf), "x holds no sequences")
})

test_that("plantMotif() keeps a DNAStringSet's mcols() and metadata()", {
  skip_if_no_backend()
  withr::local_seed(37)
  x <- Biostrings::DNAStringSet(c(a = strrep("A", 30), b = strrep("C", 30)))
  S4Vectors::mcols(x) <- S4Vectors::DataFrame(label = c("yes", "no"), score = c(1.5, 2))
  S4Vectors::metadata(x) <- list(source = "test")
  planted <- plantMotif(x, "MA0139.1", seed = 1)
  expect_identical(S4Vectors::mcols(planted), S4Vectors::mcols(x))
  expect_identical(S4Vectors::metadata(planted), list(source = "test"))
  expect_false(identical(as.character(planted), as.character(x)))
})
