# mutagenesis(), attribution(), filterMotifs(), variantEffect() and their plots, on the DeepBind
# model trained on the planted TGACTCAG (helper-models.R: sequences 1-300 trained, 301-400 held
# out; the factor's levels are c("present", "absent"), so "present" is the model's first class).

MOTIF <- "TGACTCAG"

held_out_positives <- function() {
  data <- planted_motif()
  keep <- 301:400
  keep <- keep[data$y[keep] == "present"]
  x <- data$x[keep]
  list(x = x, start = as.vector(regexpr(MOTIF, x)))
}

inside_site <- function(scores, start) {
  best <- apply(scores, 1, which.max)
  mean(best >= start & best < start + nchar(MOTIF))
}

test_that("mutagenesis: effects [sequence, letter, position], strongest losses in the site", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  effects <- mutagenesis(model, pos$x, target = "present")
  expect_identical(dim(effects), c(length(pos$x), 4L, 50L))
  expect_identical(dimnames(effects), list(names(pos$x), c("A", "C", "G", "T"), NULL))
  onehot <- oneHot(pos$x)
  expect_true(all(effects[onehot == 1] == 0))  # the letter already there is not substituted
  loss <- apply(effects, c(1, 3), function(v) max(0, -min(v)))
  expect_gte(inside_site(loss, pos$start), 0.9)
  # the same as Python's, and from a DNAStringSet or a one-hot array
  python <- reticulate::py_to_r(deepomics:::py_deepomics()$interpret$ism(
    deepomics:::py_model(model), as.list(unname(pos$x[1:3])), target = "present"))
  expect_equal(unname(effects[1:3, , ]), python, tolerance = 1e-6)
  expect_equal(mutagenesis(model, Biostrings::DNAStringSet(pos$x[1:3]), target = "present"),
               effects[1:3, , ], tolerance = 1e-6)
  expect_equal(unname(mutagenesis(model, onehot[1:3, , ], target = "present")),
               unname(effects[1:3, , ]), tolerance = 1e-6)
  # genomic ranges read from a FASTA file
  genome <- local_fasta(c(">chr1", paste0("AC", pos$x[[1]], "GT"), ">chr2", pos$x[[2]]))
  ranges <- GenomicRanges::GRanges(c("chr1", "chr2"), IRanges::IRanges(c(3, 1), width = 50))
  expect_equal(unname(mutagenesis(model, ranges, genome = genome, target = "present")),
               unname(effects[1:2, , ]), tolerance = 1e-6)
  # the other class's log-odds are minus these
  expect_equal(mutagenesis(model, pos$x[1:3], target = "absent"), -effects[1:3, , ],
               tolerance = 1e-6)
})

test_that("attribution: integrated gradients put the strongest position inside the site", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  a <- attribution(model, pos$x, method = "integrated_gradients", target = "present",
                   n_references = 1, n_steps = 32)
  expect_identical(dim(a), c(length(pos$x), 4L, 50L))
  expect_gte(inside_site(apply(a, c(1, 3), sum), pos$start), 0.9)
  shap <- attribution(model, pos$x[1:4], method = "deepshap", target = "present",
                      n_references = 3, seed = 1)
  expect_identical(shap, attribution(model, pos$x[1:4], method = "deepshap", target = "present",
                                     n_references = 3, seed = 1))
  expect_true(all(shap[oneHot(pos$x[1:4]) == 0] == 0))
})

test_that("attribution: DeepLIFT through an LSTM warns in R that the sums do not add up", {
  skip_if_no_backend()
  data <- planted_motif()
  model <- trainModel(seqModel("danq", filters = 8, filter_size = 9, lstm_size = 8, hidden = 8),
                      data$x[1:100], data$y[1:100], epochs = 1, seed = 0)
  expect_warning(a <- attribution(model, data$x[301:303], method = "deeplift", target = "present"),
                 "without a DeepLIFT rule", class = "deepomics_python_warning")
  expect_identical(dim(a), c(3L, 4L, 50L))
})

test_that("bad input: an unknown method, another length, a feature model, a bad target", {
  skip_if_no_backend()
  model <- motif_model()
  x <- planted_motif()$x[301:303]
  expect_error(attribution(model, x, method = "gradcam"),
               "unknown attribution method 'gradcam'; choose one of saliency, input_x_gradient")
  short <- c(x, short = "ACGTACGTAC")
  # deepbind reads any length: a shorter sequence is padded as predict() pads it, no effects past it
  effects <- mutagenesis(model, short)
  expect_identical(dim(effects), c(4L, 4L, 50L))
  expect_true(all(effects[4, , 11:50] == 0))
  expect_true(any(effects[4, , 1:10] != 0))
  # a fixed-length model reads its own length only
  data <- planted_motif()
  fixed <- trainModel(seqModel("promoter_cnn", filters = 2, filter_size = 5, hidden = 2),
                      data$x[1:60], data$y[1:60], epochs = 1)
  expect_error(mutagenesis(fixed, short), "sequence 4 has 10 letters but the model was trained on 50")
  expect_error(attribution(fixed, short), "sequence 4 has 10 letters")
  expect_error(variantEffect(fixed, short, short), "sequence 4 has 10 letters")
  expect_error(mutagenesis(model, x, target = "maybe"),
               "target = \"maybe\" is not one of the model's classes \\(present, absent\\)")
  expect_error(mutagenesis(model, x, target = 0), "target must be NULL, a class name or an output number")
  # output numbers as R counts them
  expect_error(mutagenesis(model, x, target = 2), "target=2 is out of range: the model has 1 output\\(s\\), 1 to 1")
  expect_error(mutagenesis(cluster_model(), separable_clusters()$x),
               "takes a feature matrix; interpretation reads sequence models")
  # classes that are numbers themselves: an output number could be read as a class
  data <- planted_motif()
  numeric <- trainModel(seqModel("deepbind", filters = 2, filter_size = 5), data$x[1:60],
                        as.numeric(data$y[1:60] == "present"), epochs = 1)  # R doubles: 0.0, 1.0
  expect_error(mutagenesis(numeric, x, target = 1),
               "target is a number but so are this model's classes.*name the class as text \\('0', '1'\\)")
  expect_identical(dim(mutagenesis(numeric, x, target = "0")), c(3L, 4L, 50L))
})

test_that("filterMotifs: PWMs per filter, a filter table, JASPAR matches as a data.frame", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif()
  motifs <- filterMotifs(model, data$x[1:300], target = "present", n_matches = 3)
  expect_s3_class(motifs, "DeepomicsFilterMotifs")
  expect_identical(dim(motifs$pwms), c(8L, 4L, 10L))
  expect_equal(apply(motifs$pwms, c(1, 3), sum), matrix(1, 8, 10, dimnames = list(
    paste0("filter", 1:8), NULL)))
  expect_identical(motifs$filters$filter, 1:8)
  expect_named(motifs$filters, c("filter", "n_sites", "max_activation", "information", "influence"))
  m <- motifs$matches
  expect_s3_class(m, "data.frame")
  expect_named(m, c("filter", "jaspar_id", "name", "p_value", "e_value", "q_value", "offset",
                    "overlap", "orientation", "n_sites"))
  expect_true(all(m$filter %in% 1:8) && all(m$orientation %in% c("+", "-")))
  # the most influential filter reads the planted TGACTCAG, an AP-1 site; JASPAR agrees
  top <- motifs$filters$filter[which.max(motifs$filters$influence)]
  consensus <- paste(c("A", "C", "G", "T")[apply(motifs$pwms[top, , ], 2, which.max)], collapse = "")
  expect_true(grepl("GACTCA", consensus) || grepl("TGAGTC", consensus), info = consensus)
  best <- m[m$filter == top, ][1, ]
  expect_match(toupper(best$name), "FOS|JUN|ATF|BATF|BACH|NFE2|MAF|BNC")
  expect_lt(best$p_value, 1e-4)
  expect_output(print(motifs), "8 filters of width 10")
  expect_error(filterMotifs(model, data$x[1:100], threshold = c(0.1, 0.5)),
               "threshold must be a number")
  expect_error(filterMotifs(model, data$x[1:100], threshold = NA), "threshold must be a number")
  unmatched <- filterMotifs(model, data$x[1:100], match = FALSE)
  expect_identical(nrow(unmatched$matches), 0L)
})

test_that("variantEffect: breaking the site is damaging, a change outside it is not", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  at <- pos$start + 3L  # the CT of TGACTCAG become AG: TGAAGCAG
  broken <- pos$x
  substr(broken, at, at + 1L) <- "AG"
  far <- ifelse(pos$start > 25, 2L, 49L)
  neutral <- pos$x
  substr(neutral, far, far) <- ifelse(substr(pos$x, far, far) == "A", "C", "A")
  damaging <- variantEffect(model, pos$x, broken, target = "present")
  harmless <- variantEffect(model, pos$x, neutral, target = "present")
  expect_named(damaging, c("ref_pred", "alt_pred", "difference", "log_odds_ratio"))
  expect_identical(rownames(damaging), names(pos$x))
  expect_lt(median(damaging$log_odds_ratio), -1)
  expect_lt(median(abs(harmless$log_odds_ratio)), 0.25)
  expect_equal(damaging$ref_pred, unname(predict(model, pos$x)[, "present"]), tolerance = 1e-6)
})

test_that("variantEffect reads a VCF and cuts the windows from the genome", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  s <- pos$x[[1]]
  flank <- strrep("ACGT", 10)
  genome <- local_fasta(c(">chr1", paste0(flank, s, flank)))
  at <- 40L + pos$start[[1]] + 3L  # 1-based position of the motif's CT in chr1
  vcf <- withr::local_tempfile(fileext = ".vcf")
  writeLines(c("##fileformat=VCFv4.2", "#CHROM\tPOS\tID\tREF\tALT",
               sprintf("chr1\t%d\tbreak\tCT\tAG", at)), vcf)
  out <- variantEffect(model, vcf, genome = genome, target = "present")
  expect_identical(out$id, "break")
  expect_identical(out$pos, at)
  expect_lt(out$log_odds_ratio, -1)
  # a gVCF's <NON_REF> and a spanning deletion '*' have no sequence: skipped, with a count
  writeLines(c("#CHROM\tPOS\tID\tREF\tALT", sprintf("chr1\t%d\tbreak\tCT\tAG,<NON_REF>", at),
               sprintf("chr1\t%d\tspan\tC\t*", at)), vcf)
  expect_warning(again <- variantEffect(model, vcf, genome = genome, target = "present"),
                 "1 allele\\(s\\) '\\*' \\(spanning deletions\\); 1 symbolic allele",
                 class = "deepomics_python_warning")
  expect_identical(again$log_odds_ratio, out$log_odds_ratio)
  writeLines(c("#CHROM\tPOS\tID\tREF\tALT", sprintf("chr1\t%d\tbad\tG\tA", at)), vcf)
  expect_error(variantEffect(model, vcf, genome = genome), "REF 'G' does not match the genome")
})

test_that("variantEffect takes ref as a GRanges with its genome", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  s <- pos$x[[1]]
  flank <- strrep("ACGT", 10)
  genome <- local_fasta(c(">chr1", paste0(flank, s, flank)))
  ref <- GenomicRanges::GRanges("chr1", IRanges::IRanges(41, width = nchar(s)))
  names(ref) <- "v1"
  alt <- s
  substr(alt, pos$start[[1]] + 3L, pos$start[[1]] + 4L) <- "AG"
  out <- variantEffect(model, ref, alt = c(v1 = alt), genome = genome, target = "present")
  expect_identical(out, variantEffect(model, c(v1 = s), c(v1 = alt), target = "present"))
  expect_lt(out$log_odds_ratio, -1)
  expect_error(variantEffect(model, ref, alt = c(v1 = alt)), "give genome = the path")
  expect_error(variantEffect(model, c(v1 = s), c(v1 = alt), genome = genome),
               "genome applies to a VCF file or GRanges as ref")
})

test_that("plots: logos with one glyph per drawn letter, a heatmap of every substitution", {
  skip_if_no_backend()
  skip_if_not_installed("ggseqlogo")
  model <- motif_model()
  data <- planted_motif()
  motifs <- filterMotifs(model, data$x[1:300], match = FALSE, target = "present")
  p <- plotFilterMotifs(motifs, filters = c(2, 5), method = "probability")
  expect_s3_class(p, "ggplot")
  built <- ggplot2::ggplot_build(p)$data[[1]]
  # a glyph per letter taller than ggseqlogo's gap (0.4% of the tallest stack)
  expect_identical(length(unique(paste(built$PANEL, built$group))),
                   sum(motifs$pwms[c(2, 5), , ] > 0.004))
  expect_gt(sum(motifs$pwms[c(2, 5), , ] > 0.004), 60)
  expect_identical(length(unique(built$PANEL)), 2L)
  expect_error(plotFilterMotifs(motifs, filters = 9), "filter 9 does not exist")

  x <- data$x[[302]]
  a <- attribution(model, x, method = "input_x_gradient", target = "present")
  p <- plotAttribution(a, start = 5, end = 30)
  built <- ggplot2::ggplot_build(p)$data[[1]]
  v <- a[1, , 5:30]
  expect_identical(length(unique(built$group)), sum(abs(v) > 0.004 * max(0, v)))
  expect_gt(length(unique(built$group)), 10)
  expect_true(all(built$x > 4 & built$x < 31))

  effects <- mutagenesis(model, x, target = "present")
  p <- plotMutationMap(effects, x)
  layers <- ggplot2::ggplot_build(p)$data
  expect_identical(nrow(layers[[1]]), 4L * 50L)  # a tile per letter and position
  strongest <- which.min(effects[1, , ])  # the tiles follow the array's order
  expect_identical(layers[[1]]$fill[strongest], "#2166AC")  # the largest loss: full blue
  loss <- apply(effects[1, , ], 2, function(v) max(0, -min(v)))
  expect_identical(length(unique(layers[[2]]$group)), sum(loss > 0.004 * max(loss)))
  expect_error(plotMutationMap(effects, x, i = 2), "i must be a sequence number from 1 to 1")

  # an N is drawn without a letter; sequences that are not the effects' are named
  with_n <- x
  substr(with_n, 3, 3) <- "N"
  n_effects <- mutagenesis(model, with_n, target = "present")
  for (given in list(NULL, with_n)) {
    logo <- ggplot2::ggplot_build(plotMutationMap(n_effects, given))$data[[2]]
    expect_false(any(logo$x > 2.5 & logo$x < 3.5))
  }
  two <- mutagenesis(model, c(first = x, second = data$x[[303]]), target = "present")
  expect_s3_class(plotMutationMap(two, c(x, data$x[[303]]), i = "second"), "ggplot")
  expect_error(plotMutationMap(two, x, i = 2),
               "x has 1 sequence but the effects have 2; give the sequences the effects were")
  expect_error(plotMutationMap(two, c(data$x[[303]], x)),
               "x\\[1\\] is not the sequence the effects were computed on: at position")
  expect_error(plotMutationMap(a), "not mutagenesis\\(\\) output; .* plotAttribution\\(\\)")
})

test_that("variantEffect pairs named variants by name and keeps repeated names", {
  skip_if_no_backend()
  model <- motif_model()
  pos <- held_out_positives()
  ref <- stats::setNames(pos$x[1:3], c("rs1", "rs1", "rs2"))  # two alleles of rs1
  alt <- ref
  substr(alt, 1, 1) <- ifelse(substr(ref, 1, 1) == "A", "C", "A")
  out <- variantEffect(model, ref, alt, target = "present")
  expect_identical(out$variant, c("rs1", "rs1", "rs2"))
  expect_identical(names(out)[[1L]], "variant")
  expect_error(variantEffect(model, ref, rev(alt)),
               "alt's names are not ref's in the same order \\(at 1: ref rs1, alt rs2\\)")
  expect_identical(nrow(variantEffect(model, ref, unname(alt))), 3L)
  expect_identical(nrow(variantEffect(model, ref, stats::setNames(alt, c("a", "b", "c")))), 3L)
})

test_that("attentionWeights shows where a deeploc model looks; other models are refused", {
  skip_if_no_backend()
  withr::local_seed(5)
  aa <- strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]]
  x <- vapply(1:200, function(i) paste(sample(aa, 30, TRUE), collapse = ""), "")
  names(x) <- sprintf("p%03d", seq_along(x))
  y <- factor(rep(c("cytoplasm", "membrane"), 100))
  substr(x[y == "membrane"], 5, 10) <- "WHCMKY"
  model <- trainModel(seqModel("deeploc", alphabet = "protein", filter_sizes = c(3, 5),
                               filters = 8), x, y, epochs = 10, lr = 0.01)
  short <- substr(x[2:3], 1, 20)
  names(short) <- c("short1", "short2")
  weights <- attentionWeights(model, c(x[2:3], short))   # lengths may differ: padded
  expect_identical(dim(weights), c(4L, 30L))
  expect_identical(rownames(weights), names(c(x[2:3], short)))
  expect_equal(unname(rowSums(weights)), rep(1, 4), tolerance = 1e-5)
  expect_identical(unname(weights[3:4, 21:30] == 0), matrix(TRUE, 2, 10))   # padding
  expect_equal(attentionWeights(model, x[2:3], device = "cpu"), weights[1:2, ])
  site <- vapply(which(y == "membrane")[1:20], function(i)
    sum(attentionWeights(model, x[i])[1, 5:10]), 0)
  expect_gt(mean(site), 6 / 30 * 1.5)        # more than its share of the attention
  expect_error(attentionWeights(trainModel(seqModel("deepbind", filters = 2, filter_size = 4),
                                           planted_motif(40, 30)$x, planted_motif(40, 30)$y,
                                           epochs = 1), planted_motif(4, 30)$x),
               "attention weights need a model with an attention layer", class = "deepomics_python_error")
})

test_that("plotMutationMap() takes the one-hot array mutagenesis() took, letters by channel name", {
  skip_if_no_backend()
  skip_if_not_installed("ggseqlogo")
  withr::local_seed(31)
  x <- random_sequences(20, 12)
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3), x,
                      rep(c("a", "b"), 10), epochs = 1)
  seqs <- c(x[1:2], "ACGTNACGTACG")
  onehot <- oneHot(seqs, alphabet = "TGCA")  # another channel order, an N (all zero)
  effects <- mutagenesis(model, onehot)
  expect_equal(effects, mutagenesis(model, seqs), tolerance = 1e-6)
  built <- function(p) ggplot2::ggplot_build(p)$data
  for (i in 1:3) {
    expect_identical(built(plotMutationMap(effects, onehot, i = i)),
                     built(plotMutationMap(effects, seqs, i = i)))
  }
  unnamed <- oneHot(seqs)
  dimnames(unnamed) <- NULL  # channels taken in the effects' order
  expect_identical(built(plotMutationMap(effects, unnamed, i = 2)),
                   built(plotMutationMap(effects, seqs, i = 2)))
  expect_error(plotMutationMap(effects, oneHot(rev(seqs))),
               "x\\[1\\] is not the sequence the effects were computed on")
  expect_error(plotMutationMap(effects, onehot[1:2, , ]),
               "x has 2 sequences but the effects have 3")
  expect_error(plotMutationMap(effects, seqs, genome = "g.fa"),
               "genome applies to genomic intervals")
  expect_error(plotMutationMap(effects, list(seqs)),
               "x must be the sequences the effects were computed on \\(character, XStringSet, a one-hot array, or a GRanges with genome\\)")
})

test_that("filterMotifs() of a multiclass model names its influences by class and ranks by them", {
  skip_if_no_backend()
  skip_if_not_installed("ggseqlogo")
  withr::local_seed(34)
  x <- random_sequences(30, 20)
  y <- factor(rep(c("low", "mid", "high"), 10), levels = c("low", "mid", "high"))
  model <- trainModel(seqModel("deepbind", filters = 4, filter_size = 4), x, y, epochs = 2,
                      lr = 0.05)
  motifs <- filterMotifs(model, x, match = FALSE)
  f <- motifs$filters
  columns <- c("influence_low", "influence_mid", "influence_high")
  expect_true(all(columns %in% names(f)))
  expect_false(any(grepl("^influence_[0-9]", names(f))))
  largest <- do.call(pmax, unname(as.list(f[columns])))
  ranked <- f$filter[order(-largest)]
  # print and plot rank by the largest influence over the classes, as Python ranks them
  out <- utils::capture.output(print(motifs))
  expect_match(out[[2L]], "influence_low")
  expect_match(out[[3L]], sprintf("^ *%d ", ranked[[1L]]))
  panels <- levels(ggplot2::ggplot_build(plotFilterMotifs(motifs))$plot$data$panel)
  expect_identical(as.integer(sub("^filter ([0-9]+):.*", "\\1", panels)), ranked)
  # with a target, one influence column, on that class
  one <- filterMotifs(model, x, match = FALSE, target = "mid")$filters
  expect_equal(one$influence, f$influence_mid)
})

test_that("filterMotifs() of a protein model leaves JASPAR out by default and refuses it up front", {
  skip_if_no_backend()
  withr::local_seed(35)
  aa <- strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]]
  x <- Biostrings::AAStringSet(random_sequences(20, 15, aa))
  model <- trainModel(seqModel("deepbind", filters = 2, filter_size = 3), x, rep(0:1, 10),
                      epochs = 1)
  motifs <- filterMotifs(model, x, min_sites = 1)
  expect_s3_class(motifs, "DeepomicsFilterMotifs")
  expect_identical(nrow(motifs$matches), 0L)
  expect_identical(dim(motifs$pwms)[[2L]], 20L)
  expect_error(filterMotifs(model, x, match = TRUE),
               "match = TRUE compares the filters with JASPAR, which holds DNA motifs, but this model reads the \"protein\" alphabet \\(20 letters\\); use match = FALSE")
})

test_that("device chooses where prediction and interpretation run, as trainModel's does", {
  skip_if_no_backend()
  model <- motif_model()
  data <- planted_motif(n = 20)
  x <- data$x[1:4]
  expect_equal(predict(model, x, device = "cpu"), predict(model, x))
  expect_equal(evaluateModel(model, x, data$y[1:4], device = "cpu"),
               evaluateModel(model, x, data$y[1:4]))
  expect_equal(mutagenesis(model, x[1], device = "cpu"), mutagenesis(model, x[1]))
  expect_equal(attribution(model, x[1], device = "cpu"), attribution(model, x[1]))
  expect_equal(variantEffect(model, x[1], x[2], device = "cpu"), variantEffect(model, x[1], x[2]))
  expect_equal(filterMotifs(model, data$x, match = FALSE, device = "cpu")$pwms,
               filterMotifs(model, data$x, match = FALSE)$pwms)
  expect_error(predict(model, x, device = "tpu"),
               "device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', not 'tpu'")
  expect_error(mutagenesis(model, x[1], device = "tpu"), "device must be")
  encoder <- autoencoder_model()
  m <- separable_clusters()$x[1:5, ]
  expect_equal(embedModel(encoder, m, device = "cpu"), embedModel(encoder, m))
})

test_that("mutagenesis centres per position; filterMotifs reads a named convolution", {
  skip_if_no_backend()
  model <- motif_model()
  x <- planted_motif(n = 4)$x[2]
  raw <- mutagenesis(model, x)
  centred <- mutagenesis(model, x, center = TRUE)
  expect_equal(centred[1, , ], sweep(raw[1, , ], 2, colMeans(raw[1, , ])), tolerance = 1e-5)
  observed <- mutagenesis(model, x, center = TRUE, hypothetical = FALSE)
  letters <- strsplit(x, "")[[1]]
  at <- cbind(match(letters, dimnames(raw)[[2]]), seq_along(letters))
  expect_equal(sum(observed[1, , ] != 0), sum(centred[1, , ][at] != 0))
  expect_equal(observed[1, , ][at], centred[1, , ][at])
  data <- planted_motif(n = 60)
  expect_equal(filterMotifs(model, data$x, match = FALSE, layer = "conv")$pwms,
               filterMotifs(model, data$x, match = FALSE)$pwms)
  expect_error(filterMotifs(model, data$x, match = FALSE, layer = "nope"), "nope")
})
