test_that("the default source is the checkout that holds the working directory", {
  root <- withr::local_tempdir()
  dir.create(file.path(root, "python", "deepomics"), recursive = TRUE)
  file.create(file.path(root, "pyproject.toml"))
  dir.create(file.path(root, "rpkg", "R"), recursive = TRUE)
  expect_identical(deepomics:::find_python_source(file.path(root, "rpkg", "R")),
                   normalizePath(root))
  expect_identical(deepomics:::find_python_source(root), normalizePath(root))
})

test_that("without a checkout the default source is an error saying what to pass", {
  elsewhere <- withr::local_tempdir()
  expect_error(deepomics:::find_python_source(elsewhere), "pass package = the path of one")
})

# Slow and needs the network (pip fetches NumPy, SciPy and the build tools): runs only with
# DEEPOMICS_TEST_INSTALL set to the path of a deepomics source checkout.
test_that("install_deepomics() makes an environment that deepomics then uses", {
  source <- Sys.getenv("DEEPOMICS_TEST_INSTALL")
  skip_if(!nzchar(source), "set DEEPOMICS_TEST_INSTALL to a source checkout to test installing")
  envdir <- file.path(withr::local_tempdir(), "env")
  python <- suppressMessages(install_deepomics(envdir, package = source))
  expect_true(file.exists(python))
  out <- run_r("library(deepomics); print(dim(oneHot('ACGT')))",
               env = c(paste0("DEEPOMICS_PYTHON=", python)))
  expect_match(out, "[1] 1 4 4", fixed = TRUE)
})
