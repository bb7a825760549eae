# Backend discovery, lazy start, the missing-backend message and Python errors in R.

skip_if_not_installed_copy <- function() {
  if (!length(find.package("deepomics", lib.loc = .libPaths(), quiet = TRUE))) {
    skip("deepomics is not installed; tests in a fresh R process need an installed copy")
  }
}

# An empty virtualenv root, so that a real r-deepomics environment does not interfere.
local_no_virtualenvs <- function(env = parent.frame()) {
  root <- withr::local_tempdir(.local_envir = env)
  withr::local_envvar(WORKON_HOME = root, .local_envir = env)
  root
}

fake_virtualenv <- function(root, name) {
  dir.create(file.path(root, name, "bin"), recursive = TRUE)
  file.create(file.path(root, name, "pyvenv.cfg"), file.path(root, name, "bin", "python"))
  normalizePath(file.path(root, name, "bin", "python"))
}

test_that("the option deepomics.python comes first, then DEEPOMICS_PYTHON, then r-deepomics", {
  root <- local_no_virtualenvs()
  venv_python <- fake_virtualenv(root, "r-deepomics")
  from_option <- withr::local_tempfile()
  from_env <- withr::local_tempfile()
  file.create(from_option, from_env)

  withr::local_options(deepomics.python = from_option)
  withr::local_envvar(DEEPOMICS_PYTHON = from_env)
  expect_identical(deepomics:::backend_python(),
                   list(python = from_option, source = "option deepomics.python", force = TRUE))

  withr::local_options(deepomics.python = NULL)
  expect_identical(deepomics:::backend_python(),
                   list(python = from_env, source = "environment variable DEEPOMICS_PYTHON", force = TRUE))

  withr::local_envvar(DEEPOMICS_PYTHON = NA)
  choice <- deepomics:::backend_python()
  expect_identical(normalizePath(choice$python), venv_python)
  expect_identical(choice$source, "virtualenv 'r-deepomics'")
  expect_false(choice$force)
})

test_that("without any setting reticulate chooses", {
  local_no_virtualenvs()
  withr::local_options(deepomics.python = NULL)
  withr::local_envvar(DEEPOMICS_PYTHON = NA)
  expect_identical(deepomics:::backend_python(),
                   list(python = NULL, source = "reticulate's default", force = FALSE))
})

test_that("a setting may name an environment's folder", {
  root <- local_no_virtualenvs()
  python <- fake_virtualenv(root, "elsewhere")
  withr::local_envvar(DEEPOMICS_PYTHON = file.path(root, "elsewhere"))
  expect_identical(normalizePath(deepomics:::backend_python()$python), python)
})

test_that("a setting that names no Python is an error naming the setting", {
  withr::local_options(deepomics.python = NULL)
  withr::local_envvar(DEEPOMICS_PYTHON = "/no/such/python")
  expect_error(deepomics:::backend_python(),
               "environment variable DEEPOMICS_PYTHON is '/no/such/python', but there is no such file")
  withr::local_options(deepomics.python = c("a", "b"))
  expect_error(deepomics:::backend_python(), "option deepomics.python must be the path")
})

test_that("loading the package does not start Python", {
  skip_if_not_installed_copy()
  out <- run_r("library(deepomics); cat('started:', reticulate::py_available(initialize = FALSE))")
  expect_match(out, "started: FALSE", fixed = TRUE)
})

test_that("a Python without the package gives one message naming install_deepomics()", {
  skip_if_not_installed_copy()
  python <- python_without_deepomics()
  skip_if(is.null(python), "no Python without the deepomics package to try")
  out <- run_r(
    "library(deepomics); oneHot('ACGT')",
    env = c(paste0("DEEPOMICS_PYTHON=", python), "WORKON_HOME=/nonexistent")
  )
  expect_gt(attr(out, "status"), 0L)
  expect_match(out, "The deepomics Python package is not installed in the Python at", fixed = TRUE)
  expect_match(out, "environment variable DEEPOMICS_PYTHON", fixed = TRUE)
  expect_match(out, "Run install_deepomics()", fixed = TRUE)
  expect_no_match(out, "Traceback", fixed = TRUE)
})

test_that("a folder named deepomics in the working directory is not taken for the package", {
  skip_if_not_installed_copy()
  python <- python_without_deepomics()
  skip_if(is.null(python), "no Python without the deepomics package to try")
  dir <- withr::local_tempdir()
  dir.create(file.path(dir, "deepomics"))
  withr::local_dir(dir)
  out <- run_r("library(deepomics); oneHot('ACGT')",
               env = c(paste0("DEEPOMICS_PYTHON=", python), "WORKON_HOME=/nonexistent"))
  expect_gt(attr(out, "status"), 0L)
  expect_match(out, "'import deepomics' found the folder", fixed = TRUE)
  expect_match(out, "install_deepomics()", fixed = TRUE)
})

test_that("DEEPOMICS_PYTHON outranks RETICULATE_PYTHON, which is left as it was", {
  skip_if_no_backend()
  skip_if_not_installed_copy()
  other <- python_without_deepomics()
  skip_if(is.null(other), "no Python without the deepomics package to try")
  backend <- reticulate::py_config()$python
  out <- run_r(
    paste("library(deepomics); invisible(oneHot('ACGT'));",
          "cat('using', reticulate::py_config()$python, 'kept', Sys.getenv('RETICULATE_PYTHON'))"),
    env = c(paste0("DEEPOMICS_PYTHON=", backend), paste0("RETICULATE_PYTHON=", other))
  )
  expect_match(out, paste("using", backend, "kept", other), fixed = TRUE)
})

test_that("the r-deepomics virtualenv is used unless RETICULATE_PYTHON says otherwise", {
  skip_if_no_backend()
  skip_if_not_installed_copy()
  backend_env <- dirname(dirname(reticulate::py_config()$python))
  skip_if(!file.exists(file.path(backend_env, "pyvenv.cfg")), "the backend is not a virtualenv")
  root <- withr::local_tempdir()
  file.symlink(backend_env, file.path(root, "r-deepomics"))
  code <- paste("Sys.unsetenv('RETICULATE_PYTHON'); library(deepomics); invisible(oneHot('ACGT'));",
                "cat('using', deepomics:::backend_where(deepomics:::.backend$choice))")
  out <- run_r(code, env = c(paste0("WORKON_HOME=", root), "DEEPOMICS_PYTHON="))
  expect_match(out, "using the Python at .* \\(virtualenv 'r-deepomics'\\)")

  other <- python_without_deepomics()
  skip_if(is.null(other), "no Python without the deepomics package to try")
  code <- "library(deepomics); oneHot('ACGT')"
  out <- run_r(code, env = c(paste0("WORKON_HOME=", root), "DEEPOMICS_PYTHON=",
                             paste0("RETICULATE_PYTHON=", other)))
  expect_match(out, paste0("not installed in the Python at ", other,
                           " (reticulate's choice, by RETICULATE_PYTHON)"), fixed = TRUE)
})

test_that("the module is imported once and cached", {
  skip_if_no_backend()
  expect_true(deepomics:::backend_available())
  expect_identical(deepomics:::py_deepomics(), deepomics:::py_deepomics())
  expect_true(reticulate::py_has_attr(deepomics:::py_deepomics(), "seq"))
})

test_that("Python errors become R errors with Python's message and no traceback", {
  skip_if_no_backend()
  err <- expect_error(oneHot(c("ACG", "AC")), class = "deepomics_python_error")
  expect_match(conditionMessage(err),
               "^sequences differ in length: sequence 1 has 3 letters but sequence 2 has 2")  # counted from 1
  expect_no_match(conditionMessage(err), "Traceback|File \"")
  expect_identical(err$python_type, "ValueError")
  expect_match(err$python_traceback, "one_hot")
  expect_identical(err$call[[1L]], as.name("oneHot"))
  expect_s3_class(err, "deepomics_error")
})

test_that("R errors inside a Python call stay R errors", {
  skip_if_no_backend()
  seq <- deepomics:::py_deepomics()$seq
  expect_error(deepomics:::py_call(seq$one_hot, stop("an R problem")), "an R problem")
})

test_that("the R and Python packages have one version", {
  skip_if_no_backend()
  python_version <- reticulate::py_to_r(deepomics:::py_deepomics()$`__version__`)
  expect_identical(as.character(utils::packageVersion("deepomics")), python_version)
})

test_that("install_deepomics() names a package path that is not there before making anything", {
  envdir <- file.path(withr::local_tempdir(), "env")
  expect_error(install_deepomics(envdir, package = file.path(dirname(envdir), "no-such-checkout")),
               "package = .*no-such-checkout\" does not exist; give the path of a deepomics source")
  expect_error(install_deepomics(envdir, package = "deepomics-0.1.0-py3-none-any.whl"),
               "does not exist")
  expect_false(dir.exists(envdir))
})

test_that("Python's words in messages read as R's", {
  expect_identical(deepomics:::r_spelling("dropout must be a number, got None"),
                   "dropout must be a number, got NULL")
  expect_identical(deepomics:::r_spelling("batch_norm must be true or false (a bool), got True"),
                   "batch_norm must be true or false (a bool), got TRUE")
  expect_identical(deepomics:::r_spelling("pass length= to pad them"), "pass length = to pad them")
  expect_identical(deepomics:::r_spelling("None of the classes"), "None of the classes")
  expect_identical(deepomics:::r_spelling("n_filters must be an int, got [2, 3]"),
                   "n_filters must be an int, got c(2, 3)")
})
