# Tests that need the Python backend start with skip_if_no_backend(). Without a backend they
# skip, unless the environment says the backend must be there (CI=true, as CI services set it,
# or DEEPOMICS_REQUIRE_BACKEND=1): then they fail with the reason, so that a CI run whose
# Python is broken cannot pass by skipping everything.

backend_required <- function() {
  identical(tolower(Sys.getenv("CI")), "true") ||
    identical(Sys.getenv("DEEPOMICS_REQUIRE_BACKEND"), "1")
}

skip_if_no_backend <- function() {
  why <- tryCatch({
    # torch = TRUE: PyTorch imported as the package imports it, whichever test runs first
    deepomics:::py_deepomics(torch = TRUE)
    NULL
  }, error = conditionMessage)
  if (is.null(why)) {
    return(invisible(TRUE))
  }
  if (backend_required()) {
    stop("the deepomics Python backend is required here (CI=true or ",
         "DEEPOMICS_REQUIRE_BACKEND=1) but it is missing:\n", why, call. = FALSE)
  }
  testthat::skip(paste0(
    "the deepomics Python backend is not available (set DEEPOMICS_PYTHON to a Python that ",
    "has it to run this test): ", strsplit(why, "\n", fixed = TRUE)[[1L]][[1L]]
  ))
}

# Runs R code in a fresh R process with `env` ("NAME=value" strings) and returns its output
# (stdout and stderr together) with the exit status as attribute "status".
run_r <- function(code, env = character()) {
  rscript <- file.path(R.home("bin"), "Rscript")
  out <- suppressWarnings(system2(rscript, c("--vanilla", "-e", shQuote(code)),
                                  stdout = TRUE, stderr = TRUE, env = env))
  structure(paste(out, collapse = "\n"), status = attr(out, "status") %||% 0L)
}

`%||%` <- function(x, y) if (is.null(x)) y else x

# A Python that reticulate can start but that lacks the deepomics package, or NULL. Looked for
# once, when the helpers load: once Python runs, reticulate has put its folder first in PATH.
find_python_without_deepomics <- function() {
  candidates <- unique(c(Sys.which(c("python3", "python")), "/usr/bin/python3"))
  for (python in candidates[nzchar(candidates) & file.exists(candidates)]) {
    status <- suppressWarnings(system2(python, c("-c", shQuote("import deepomics")),
                                       stdout = FALSE, stderr = FALSE))
    if (status != 0L) return(unname(python))
  }
  NULL
}
python_without <- find_python_without_deepomics()
python_without_deepomics <- function() python_without

# Writes `lines` to a temporary FASTA file that is removed when the calling test ends.
local_fasta <- function(lines, fileext = ".fa", env = parent.frame()) {
  path <- withr::local_tempfile(fileext = fileext, .local_envir = env)
  if (grepl("\\.gz$", fileext)) {
    con <- gzfile(path, "w")
    writeLines(lines, con)
    close(con)
  } else {
    writeLines(lines, path)
  }
  path
}
