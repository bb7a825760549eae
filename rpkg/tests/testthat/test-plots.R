# plotEmbedding() and plotPredicted().

test_that("plotEmbedding draws the chosen dimensions of a reducedDim, coloured by a colData column", {
  skip_if_no_backend()
  sce <- cluster_sce(n = 30, p = 4)
  SingleCellExperiment::reducedDim(sce, "AE") <- matrix(1:90 / 10, 30, 3,
                                                         dimnames = list(NULL, paste0("latent", 1:3)))
  plot <- plotEmbedding(sce, "AE", colour_by = "cell_type", dims = c(3, 1))
  expect_s3_class(plot, "ggplot")
  built <- ggplot2::ggplot_build(plot)$data[[1]]
  expect_equal(built$x, 61:90 / 10)
  expect_equal(built$y, 1:30 / 10)
  expect_identical(length(unique(built$colour)), 3L)        # one colour per cell type
  expect_identical(plot$labels$x, "latent3")
  expect_error(plotEmbedding(sce), "dimred = \"DEEPOMICS\" is not a reducedDim of x \\(it has: AE\\); predict\\(autoencoder, x\\) writes it")
  expect_error(plotEmbedding(sce, "AE", dims = c(1, 4)), "dims must be two different columns of AE, from 1 to 3")
  expect_error(plotEmbedding(sce, "AE", colour_by = "cluster"), "colour_by = \"cluster\" is not a colData column of x \\(they are: cell_type\\)")
  expect_error(plotEmbedding(matrix(1)), "x must be a SingleCellExperiment")
})

test_that("plotPredicted gives Pearson's r and R^2 in its title, matching matrices by name", {
  skip_if_no_backend()
  observed <- as.numeric(1:10)
  expect_identical(plotPredicted(observed, observed)$labels$title, "r = 1.000, R\u00b2 = 1.000")
  # off by one everywhere: r stays 1, R^2 = 1 - 10 / 82.5
  expect_identical(plotPredicted(observed + 1, observed, title = "shifted")$labels$title,
                   "shifted: r = 1.000, R\u00b2 = 0.879")
  o <- matrix(c(1:6, 6:1), 6, 2, dimnames = list(paste0("s", 1:6), c("a", "b")))
  p <- o + c(0.5, -0.5)
  shuffled <- p[6:1, 2:1]
  expect_identical(plotPredicted(shuffled, o)$labels$title, plotPredicted(p, o)$labels$title)
  expect_error(plotPredicted(p[, "a"], o), "predicted has 6 values but observed 12")
  expect_error(plotPredicted(c(1, NA, 3), 1:3), "predicted holds NA, NaN or infinite values \\(1, the first at position 2\\)")
  renamed <- p
  rownames(renamed)[1] <- "other"
  expect_error(plotPredicted(renamed, o), "other samples or targets")
})
