# runDemo(): the main job from R, on a small FASTA file so that the test stays quick.

test_that("runDemo runs the main job and prints what the Python demo prints", {
  skip_if_no_backend()
  withr::local_seed(4)
  seqs <- random_sequences(120, 400)
  lines <- as.vector(rbind(sprintf(">s%d", seq_along(seqs)), seqs))
  fasta <- local_fasta(lines, ".fa.gz")
  out_dir <- withr::local_tempdir()
  out <- all_output(result <- runDemo(fasta, n_windows = 100, epochs = 1, out_dir = out_dir))
  expect_match(out, paste0("deepomics demo: ", fasta), fixed = TRUE)
  expect_match(out, "120 sequences, 400-400 bp", fixed = TRUE)
  expect_match(out, "1. What marks a promoter", fixed = TRUE)
  expect_match(out, "2. A DeepBind model finds a JASPAR motif", fixed = TRUE)
  expect_match(out, "reloaded model predicts identically: True", fixed = TRUE)
  expect_identical(result$n, 120L)
  expect_true(result$reload_identical)
  expect_named(result$auroc, c("deepbind", "kmer_linear"))
  expect_true(dir.exists(result$model_path))
  expect_identical(dirname(result$model_path), normalizePath(out_dir))
  expect_error(all_output(runDemo(file.path(out_dir, "missing.fa"))),
               class = "deepomics_python_error")
  # the model of this run is kept from the next unless overwrite = TRUE
  saved <- file.info(list.files(result$model_path, full.names = TRUE))$mtime
  expect_error(all_output(runDemo(fasta, n_windows = 100, epochs = 1, out_dir = out_dir)),
               "deepbind-MA0139.1 exists; pass overwrite = TRUE")
  expect_identical(file.info(list.files(result$model_path, full.names = TRUE))$mtime, saved)
  again <- all_output(runDemo(fasta, n_windows = 100, epochs = 1, out_dir = out_dir,
                              overwrite = TRUE))
  expect_match(again, "reloaded model predicts identically: True", fixed = TRUE)
})
