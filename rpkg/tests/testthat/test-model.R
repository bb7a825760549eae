# Model constructors, modelParameters(), modelInfo() and show().

test_that("seqModel maps R names to the Python keys of each architecture", {
  skip_if_no_backend()
  m <- seqModel("deepbind", filters = 8, filter_size = 10, length = 50, outputs = 2)
  expect_s4_class(m, "DeepomicsModel")
  expect_identical(m@config, list(arch = "deepbind", n_filters = 8, filter_size = 10,
                                  n_outputs = 2, seq_len = 50))
  rnn <- seqModel("rnn", hidden = 32, layers = 2, cell = "gru", embedding = 8)
  expect_identical(rnn@config[c("hidden_size", "num_layers", "cell", "embedding_dim")],
                   list(hidden_size = 32, num_layers = 2, cell = "gru", embedding_dim = 8))
  danq <- seqModel("danq", hidden = 64, lstm_size = 16)
  expect_identical(danq@config$hidden, 64)
  expect_identical(seqModel("kmer_linear", k = 3, canonical = TRUE)@config,
                   list(arch = "kmer_linear", k = 3, canonical = TRUE))
  expect_identical(seqModel()@config, list(arch = "deepbind"))
  expect_identical(seqModel("danq", length = NA)@config$seq_len, NA)
})

test_that("the feature models take hidden, activation, dropout and friends", {
  skip_if_no_backend()
  expect_identical(mlpModel(hidden = c(64, 32), activation = "elu", dropout = 0.2)@config,
                   list(arch = "mlp", hidden = c(64, 32), activation = "elu", dropout = 0.2))
  expect_identical(mlpModel(hidden = integer(0))@config$hidden, integer(0))
  ae <- autoencoderModel(hidden = 128, latent = 10, variational = TRUE, beta = 0.5)
  expect_identical(ae@config, list(arch = "autoencoder", hidden = 128, latent_dim = 10,
                                   variational = TRUE, beta = 0.5))
  expect_identical(dgexModel(hidden = c(100, 100), activation = "tanh")@config,
                   list(arch = "dgex", hidden = c(100, 100), activation = "tanh"))
  expect_identical(mlpModel(features = 5, outputs = 3)@config,
                   list(arch = "mlp", n_features = 5, n_outputs = 3))
})

test_that("deepomicsModel takes a config list or a name, as Python's models.build does", {
  skip_if_no_backend()
  m <- deepomicsModel(list(arch = "basset", n_filters = c(16, 16, 16), hidden = 32))
  expect_identical(m@config, list(arch = "basset", n_filters = c(16, 16, 16), hidden = 32))
  expect_identical(deepomicsModel("deepsea", filters = c(8, 8, 8))@config,
                   list(arch = "deepsea", n_filters = c(8, 8, 8)))
  expect_error(deepomicsModel(list(n_filters = 3)), "named list with 'arch'")
  err <- expect_error(deepomicsModel("deepbnd"), "unknown arch 'deepbnd'; did you mean 'deepbind'",
                      class = "deepomics_python_error")
  expect_identical(err$call[[1L]], as.name("deepomicsModel"))  # the user's call, not an internal one
})

test_that("a bad setting is an error naming it, before any training", {
  skip_if_no_backend()
  err <- expect_error(seqModel("deepbind", filterz = 8), class = "deepomics_python_error")
  expect_match(conditionMessage(err), "unknown key 'filterz'")
  expect_identical(err$call[[1L]], as.name("seqModel"))
  expect_error(mlpModel(dropout = 1.5), "dropout must be >= 0 and < 1, got 1.5")
  expect_error(mlpModel(dropout = 2), "dropout must be >= 0 and < 1, got 2$")  # not 2.0
  expect_error(mlpModel(activation = "rleu"), "did you mean 'relu'")
  expect_error(seqModel("deepbind", filters = 8, n_filters = 4), "n_filters is given twice")
  # a list setting's items are numbered as R numbers them
  expect_error(seqModel("basset", filters = c(64, 0, 64)), "config: filters\\[2\\] must be >= 1, got 0")
  # a setting given under its R name is named so (Python's key otherwise)
  expect_error(autoencoderModel(latent = 0), "latent must be >= 1")
  expect_error(autoencoderModel(latent_dim = 0), "latent_dim must be >= 1")
  expect_error(seqModel("deepbind", length = 0), "deepbind config: length must be >= 1")
  expect_error(seqModel("deepbind", length = 10, seq_len = 20), "given twice \\(as length and seq_len\\)")
  expect_error(seqModel("deepbind", 8), "every model setting must be named")
  expect_error(seqModel("transformer"), "should be one of")
})

test_that("modelParameters lists the architectures and their settings with R names", {
  skip_if_no_backend()
  archs <- modelParameters()
  expect_identical(sort(archs$arch), sort(c("mlp", "deepbind", "promoter_cnn", "basset", "deepsea",
                                            "rnn", "danq", "deeploc", "autoencoder", "dgex",
                                            "kmer_linear")))
  expect_identical(archs$input[archs$arch == "mlp"], "features")
  expect_identical(archs$input[archs$arch == "danq"], "onehot")
  p <- modelParameters("deepbind")
  expect_named(p, c("name", "r_name", "type", "default", "description"))
  expect_identical(p$r_name[p$name == "n_filters"], "filters")
  expect_identical(p$r_name[p$name == "seq_len"], "length")
  expect_identical(p$default[p$name == "n_filters"], "16")
  expect_identical(p$default[p$name == "alphabet"], "\"dna\"")
  expect_identical(p$default[p$name == "seq_len"], "NA")
  rnn <- modelParameters("rnn")
  expect_identical(rnn$r_name[rnn$name == "hidden_size"], "hidden")
  expect_identical(modelParameters("mlp")$default[1], "required")
  expect_error(modelParameters("nope"), "unknown arch")
})

test_that("an untrained model shows its settings and says training sets the rest", {
  skip_if_no_backend()
  m <- seqModel("danq", filters = 32, hidden = 16)
  out <- capture.output(show(m))
  expect_match(out[[1]], "<DeepomicsModel> danq, not trained", fixed = TRUE)
  expect_match(paste(out, collapse = " "), "n_filters = 32, hidden = 16")
  expect_match(paste(out, collapse = " "), "set by trainModel()", fixed = TRUE)
  info <- modelInfo(m)
  expect_false(info$fitted)
  expect_identical(info$arch, "danq")
  expect_identical(info$task, NA_character_)
  expect_error(modelInfo("danq"), "model must be a DeepomicsModel")
  expect_error(trainingHistory(m), "has not been trained")
  expect_error(predict(m, "ACGT"), "has not been trained")
})

test_that("every architecture trains from R and fills in the sizes that follow from the data", {
  skip_if_no_backend()
  withr::local_seed(3)
  seqs <- random_sequences(24, 120)
  y <- factor(rep(c("a", "b", "c"), 8))
  small <- list(
    deepbind = seqModel("deepbind", filters = 4, filter_size = 6, hidden = 0),
    promoter_cnn = seqModel("promoter_cnn", filters = 4, filter_size = 6, hidden = 8),
    basset = seqModel("basset", filters = c(4, 4, 4), filter_sizes = c(5, 3, 3), hidden = c(8, 8)),
    deepsea = seqModel("deepsea", filters = c(4, 4, 4), filter_sizes = 5, hidden = 8),
    rnn = seqModel("rnn", hidden = 4),
    danq = seqModel("danq", filters = 4, filter_size = 6, pool_size = 4, lstm_size = 4, hidden = 8),
    kmer_linear = seqModel("kmer_linear", k = 2)
  )
  for (arch in names(small)) {
    m <- trainModel(small[[arch]], seqs, y, epochs = 1, batch_size = 12)
    expect_identical(m@task, "multiclass", info = arch)
    expect_identical(m@config$n_outputs, 3L, info = arch)
    if (arch %in% c("promoter_cnn", "basset", "deepsea", "danq")) {
      expect_identical(m@config$seq_len, 120L, info = arch)
    }
    p <- predict(m, seqs[1:5])
    expect_identical(dim(p), c(5L, 3L), info = arch)
    expect_equal(unname(rowSums(p)), rep(1, 5), tolerance = 1e-5, info = arch)
  }
  proteins <- Biostrings::AAStringSet(random_sequences(24, 30, Biostrings::AA_STANDARD))
  deeploc <- trainModel(seqModel("deeploc", filters = 2, filter_sizes = c(1, 3), conv2_filters = 4,
                                 lstm_size = 4, attention_size = 4, hidden = 4),
                        proteins, y, epochs = 1)
  expect_identical(deeploc@config$alphabet, "protein")
  expect_identical(dim(predict(deeploc, proteins[1:2])), c(2L, 3L))

  x <- matrix(stats::rnorm(24 * 6), 24)
  mlp <- trainModel(mlpModel(hidden = 4), x, y, epochs = 1)
  expect_identical(mlp@config$n_features, 6L)
  targets <- matrix(stats::rnorm(24 * 2), 24, dimnames = list(NULL, c("t1", "t2")))
  dgex <- trainModel(dgexModel(hidden = 4), x, targets, epochs = 1)
  expect_identical(dgex@task, "regression")
  expect_identical(dgex@config[c("n_features", "n_outputs")], list(n_features = 6L, n_outputs = 2L))
  expect_identical(colnames(predict(dgex, x)), c("t1", "t2"))
  ae <- trainModel(autoencoderModel(hidden = 4, latent = 2), x, epochs = 1)
  expect_identical(dim(embedModel(ae, x)), c(24L, 2L))
})

test_that("every activation, a VAE, GRU and token RNNs and strand averaging train from R", {
  skip_if_no_backend()
  data <- separable_clusters(n = 240, p = 10)
  for (activation in c("relu", "leaky_relu", "thresholded_relu", "sigmoid", "softmax", "tanh",
                       "elu", "selu")) {
    m <- trainModel(mlpModel(hidden = 16, activation = activation), data$x, data$y, epochs = 15,
                    lr = 0.01)
    expect_identical(m@config$activation, activation)
    called <- colnames(predict(m, data$x))[max.col(predict(m, data$x))]
    expect_gt(mean(called == data$y), 0.9, label = paste("training accuracy with", activation))
  }
  vae <- trainModel(autoencoderModel(hidden = 16, latent = 2, variational = TRUE), data$x,
                    epochs = 30, lr = 0.01)
  latent <- embedModel(vae, data$x)
  expect_identical(dim(latent), c(240L, 2L))
  centres <- apply(latent, 2, function(v) tapply(v, data$y, mean))   # cluster x latent
  nearest <- apply(latent, 1, function(z) which.min(colSums((t(centres) - z)^2)))
  expect_gt(mean(rownames(centres)[nearest] == data$y), 0.9)   # the clusters stay apart

  motif <- planted_motif(n = 300, length = 30)
  for (model in list(seqModel("rnn", cell = "gru", hidden = 16),
                     seqModel("rnn", cell = "lstm", hidden = 16, embedding = 8),
                     seqModel("deepbind", filters = 8, filter_size = 8, strand = "average"))) {
    m <- trainModel(model, motif$x, motif$y, epochs = 25, lr = 0.01)
    auc <- evaluateModel(m, motif$x, motif$y)
    expect_gt(auc$value[auc$metric == "auroc" & auc$output == "all"], 0.85,
              label = paste(m@config$arch, m@config$cell %||% m@config$strand))
  }
  expect_identical(m@config$strand, "average")
})

test_that("sequenceTokens and dinucleotideShuffle are Python's tokens and shuffles", {
  skip_if_no_backend()
  tokens <- sequenceTokens(c(a = "ACGTN", b = "GG"), length = 5)
  expect_identical(tokens, matrix(c(1L, 3L, 2L, 3L, 3L, 0L, 4L, 0L, 5L, 0L), 2,
                                  dimnames = list(c("a", "b"), NULL)))
  expect_identical(sequenceTokens(Biostrings::RNAStringSet("ACGU"))[1, ], 1:4)
  seqs <- planted_motif(n = 6, length = 40)$x
  seqs[[3L]] <- substr(seqs[[3L]], 1, 25)                 # lengths may differ
  shuffled <- dinucleotideShuffle(seqs, n = 3, seed = 2)
  expect_length(shuffled, 18L)
  expect_identical(names(shuffled)[1:3], paste0(names(seqs)[1], "_shuffle", 1:3))
  for (i in seq_along(seqs)) {
    for (j in 1:3) {
      s <- shuffled[[(i - 1L) * 3L + j]]
      expect_identical(kmerCounts(s, k = 2)[1, ], kmerCounts(seqs[[i]], k = 2)[1, ])
      expect_identical(substr(s, 1, 1), substr(seqs[[i]], 1, 1))   # the ends are kept
    }
  }
  expect_false(any(shuffled == rep(seqs, each = 3)))
  expect_identical(dinucleotideShuffle(seqs, n = 3, seed = 2), shuffled)
  # RNA as text keeps its U (it was read as DNA, every U an unknown letter)
  rna <- dinucleotideShuffle("ACGUACGUUA", n = 2, seed = 1)
  expect_false(any(grepl("N", rna)))
  expect_identical(sort(strsplit(rna[[1L]], "")[[1L]]), sort(strsplit("ACGUACGUUA", "")[[1L]]))
  dna <- dinucleotideShuffle(Biostrings::DNAStringSet(seqs[1:2]))
  expect_s4_class(dna, "DNAStringSet")
  # unknown letters (also at the ends), ambiguity codes, RNA and protein keep their letters,
  # pairs and lengths; the shuffles are Python's
  odd <- c(n_ends = "NACGTNNACGTRYAN", rna = "ACGUUAGCUAGUCC")
  mixed <- dinucleotideShuffle(odd[1], n = 4, seed = 3)
  pairs <- function(s) table(substring(s, 1:(nchar(s) - 1L), 2:nchar(s)))
  for (s in mixed) expect_identical(pairs(s), pairs(odd[[1L]]))
  expect_identical(unname(mixed), unlist(reticulate::py_to_r(
    deepomics:::py_deepomics()$interpret$dinucleotide_shuffle(list(odd[[1L]]), n = 4L, seed = 3L))))
  rna <- dinucleotideShuffle(odd[2], n = 2)
  expect_true(all(nchar(rna) == 14L) && !any(grepl("[NT]", rna)))
  expect_identical(dinucleotideShuffle(Biostrings::RNAStringSet(odd[2]), n = 2)[[1L]],
                   Biostrings::RNAString(rna[[1L]]))
  protein <- dinucleotideShuffle(Biostrings::AAStringSet(c(p = "MKVLAWHCMKVLAWHC")))
  expect_identical(sort(strsplit(as.character(protein), "")[[1L]]),
                   sort(strsplit("MKVLAWHCMKVLAWHC", "")[[1L]]))
  expect_error(dinucleotideShuffle(c("ACGT", "")), "sequence 2 is empty")
})
