# saveModel() / loadModel() in Python's format, both ways; saveRDS() / readRDS() into a new
# R session.

test_that("a saved model loads and predicts identically; overwrite is explicit", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  path <- file.path(withr::local_tempdir(), "motif model")
  expect_identical(saveModel(model, path), normalizePath(path))
  expect_setequal(list.files(path), c("config.json", "weights.safetensors"))
  loaded <- loadModel(path)
  expect_identical(predict(loaded, data$x[301:400]), predict(model, data$x[301:400]))
  expect_identical(loaded@classes, model@classes)
  expect_identical(loaded@config, model@config)
  expect_identical(as.data.frame(trainingHistory(loaded)), as.data.frame(trainingHistory(model)))
  expect_identical(trainingHistory(loaded)@best_epoch, trainingHistory(model)@best_epoch)
  expect_identical(trainingHistory(loaded)@monitor, "valid_logloss")  # what chose the kept epoch
  expect_error(saveModel(model, path), "exists; pass overwrite = TRUE",  # R's spelling
               class = "deepomics_python_error")
  saveModel(model, path, overwrite = TRUE)
  expect_error(saveModel(seqModel(), path), "has not been trained")
  expect_error(loadModel(file.path(path, "nothing")), "is not a deepomics model folder",
               class = "deepomics_python_error")
})

test_that("a damaged model folder is refused, saying which file and why, and is left as it was", {
  skip_if_no_backend()
  path <- file.path(withr::local_tempdir(), "model")
  saveModel(motif_model(), path)
  weights <- file.path(path, "weights.safetensors")
  config <- file.path(path, "config.json")
  bytes <- readBin(weights, "raw", file.size(weights))
  flipped <- bytes
  flipped[length(bytes) - 10] <- as.raw(bitwXor(as.integer(bytes[length(bytes) - 10]), 255L))
  writeBin(flipped, weights)
  err <- expect_error(loadModel(path), class = "deepomics_python_error")
  expect_match(conditionMessage(err), "weights.safetensors does not match the checksum in config.json")
  expect_identical(readBin(weights, "raw", file.size(weights)), flipped)  # not repaired, not removed
  writeBin(bytes[seq_len(length(bytes) %/% 2)], weights)  # truncated
  expect_error(loadModel(path), "does not match the checksum", class = "deepomics_python_error")
  writeBin(bytes, weights)
  expect_s4_class(loadModel(path), "DeepomicsModel")
  writeLines("{bad", config)
  expect_error(loadModel(path), "config.json is corrupt \\(not valid JSON",
               class = "deepomics_python_error")
  expect_identical(readLines(config), "{bad")
})

test_that("a model trained in R predicts identically in Python, and the reverse", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  dir <- withr::local_tempdir()
  saveModel(model, file.path(dir, "from_r"))
  seqs <- unname(data$x[301:400])
  writeLines(seqs, file.path(dir, "seqs.txt"))
  out <- run_python(sprintf(r"(
import numpy as np
from deepomics import io, models, train
seqs = open(%s).read().split()
# the R model, in Python
model = io.load(%s)
assert model.classes == ["present", "absent"], model.classes
np.savetxt(%s, train.predict(model, seqs), fmt="%%.9g")
# a model made and trained in Python, for R
labels = ["yes" if "TGACTCAG" in s else "no" for s in seqs]
python_model = train.fit({"arch": "deepbind", "n_filters": 4, "filter_size": 8}, (seqs, labels),
                         epochs=2, seed=0, verbose=False)
io.save(python_model, %s)
np.savetxt(%s, train.predict(python_model, seqs), fmt="%%.9g")
print("ok")
)", encodeString(file.path(dir, "seqs.txt"), quote = "'"),
    encodeString(file.path(dir, "from_r"), quote = "'"),
    encodeString(file.path(dir, "r_model_in_python.txt"), quote = "'"),
    encodeString(file.path(dir, "from_python"), quote = "'"),
    encodeString(file.path(dir, "python_model_in_python.txt"), quote = "'")))
  expect_identical(attr(out, "status"), 0L, info = out)
  # float32 probabilities, written with 9 significant digits: exact
  in_python <- scan(file.path(dir, "r_model_in_python.txt"), quiet = TRUE)
  expect_identical(as.double(unname(predict(model, seqs)[, "absent"])),
                   as.double(as.vector(reticulate::np_array(in_python, dtype = "float32"))))
  from_python <- loadModel(file.path(dir, "from_python"))
  expect_identical(from_python@classes, c("no", "yes"))
  expect_identical(from_python@task, "binary")
  python_said <- scan(file.path(dir, "python_model_in_python.txt"), quiet = TRUE)
  expect_identical(as.double(unname(predict(from_python, seqs)[, "yes"])),
                   as.double(as.vector(reticulate::np_array(python_said, dtype = "float32"))))
})

test_that("readRDS() gives a model that rebuilds itself and predicts identically", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  expected <- predict(model, data$x[301:400])
  rds <- withr::local_tempfile(fileext = ".rds")
  saveRDS(model, rds)
  # in this session: the Python pointer does not survive serialisation
  again <- readRDS(rds)
  expect_true(reticulate::py_is_null_xptr(again@cache$py))
  expect_identical(predict(again, data$x[301:400]), expected)
  # in a new R session
  seqs_rds <- withr::local_tempfile(fileext = ".rds")
  out_rds <- withr::local_tempfile(fileext = ".rds")
  saveRDS(data$x[301:400], seqs_rds)
  code <- sprintf(paste(
    "library(deepomics); model <- readRDS('%s');",  # predict first: it must start Python
    "saveRDS(predict(model, readRDS('%s')), '%s'); show(model);",
    "cat('python:', reticulate::py_available())"),
    rds, seqs_rds, out_rds)
  out <- run_r(code, env = paste0("DEEPOMICS_PYTHON=", backend_python_path()))
  expect_identical(attr(out, "status"), 0L, info = out)
  expect_match(out, "<DeepomicsModel> deepbind, binary classification", fixed = TRUE)
  expect_match(out, "python: TRUE", fixed = TRUE)
  expect_identical(readRDS(out_rds), expected)
})

test_that("a loaded model reads a SummarizedExperiment from the assay it was trained on", {
  skip_if_no_backend()
  sce <- cluster_sce(150, 10)
  model <- trainModel(mlpModel(hidden = 4), sce, "cell_type", assay = "counts", epochs = 2)
  path <- file.path(withr::local_tempdir(), "counts model")
  saveModel(model, path)
  loaded <- loadModel(path)
  expect_identical(loaded@input$assay, "counts")
  expect_identical(predict(loaded, sce), predict(model, sce))  # not from logcounts
  expect_false(isTRUE(all.equal(predict(loaded, sce, assay = "logcounts"), predict(model, sce))))
  expect_output(show(loaded), "assay counts")
  # Python reads the same: the AnnData layer of that name
  python <- reticulate::import("deepomics.io")$load(path)
  expect_identical(python$input_source$layer, "counts")
  ad <- reticulate::import("anndata")
  counts <- t(as.matrix(SummarizedExperiment::assay(sce, "counts")))
  pd <- reticulate::import("pandas", convert = FALSE)  # (converting its empty frames back to R warns)
  adata <- ad$AnnData(X = counts * 0, layers = list(counts = counts),
                      obs = pd$DataFrame(index = paste0("cell", seq_len(nrow(counts)))),
                      var = pd$DataFrame(index = rownames(sce)))
  expect_equal(unname(reticulate::import("deepomics.train")$predict(python, adata)),
               unname(predict(model, counts)), tolerance = 1e-6)
  # the default assay (logcounts) is recorded by name too: Python then reads that layer
  default <- trainModel(mlpModel(hidden = 4), sce, "cell_type", epochs = 1)
  saveModel(default, file.path(dirname(path), "default"))
  expect_identical(reticulate::import("deepomics.io")$load(file.path(dirname(path), "default"))$input_source$layer,
                   "logcounts")
  expect_identical(predict(loadModel(file.path(dirname(path), "default")), sce), predict(default, sce))
})

test_that("a loaded model reads the assay chosen by number or by default, by its name", {
  skip_if_no_backend()
  sce <- cluster_sce(150, 10)
  # a plain SummarizedExperiment of the same assays: its default would be the first, counts
  se <- SummarizedExperiment::SummarizedExperiment(SummarizedExperiment::assays(sce),
                                                   colData = SummarizedExperiment::colData(sce))
  dir <- withr::local_tempdir()
  by_number <- trainModel(mlpModel(hidden = 4), se, "cell_type", assay = 2, epochs = 1)
  by_default <- trainModel(mlpModel(hidden = 4), sce, "cell_type", epochs = 1)
  for (model in list(by_number, by_default)) {
    expect_identical(model@input$assay, "logcounts")
    path <- tempfile(tmpdir = dir)
    saveModel(model, path)
    loaded <- loadModel(path)
    expect_identical(loaded@input$assay, "logcounts")
    expect_identical(predict(loaded, se), predict(model, se))
    expect_identical(predict(loaded, se)[["deepomics_prob_B cell"]],
                     predict(model, se, assay = "logcounts")[["deepomics_prob_B cell"]])
  }
  # an unnamed assay other than the first could not be found again: refused, with the fix
  unnamed <- SummarizedExperiment::SummarizedExperiment(
    unname(as.list(SummarizedExperiment::assays(sce))), colData = SummarizedExperiment::colData(sce))
  expect_error(trainModel(mlpModel(hidden = 4), unnamed, "cell_type", assay = 2, epochs = 1),
               "assay 2 of x has no name.*assayNames\\(x\\) <-")
  expect_identical(trainModel(mlpModel(hidden = 4), unnamed, "cell_type", epochs = 1)@input$assay, 1L)
})
