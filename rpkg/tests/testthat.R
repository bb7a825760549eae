# Runs the package's tests: `Rscript testthat.R` from this folder, or R CMD check.
# Tests that need the Python backend skip without it, and fail instead when CI is "true" or
# DEEPOMICS_REQUIRE_BACKEND is 1 (see testthat/helper-backend.R).
library(testthat)
library(deepomics)

test_check("deepomics")
