# The Python backend: which Python, importing it once, and calling into it.
#
# Nothing here runs at load time: the package has no .onLoad, so library(deepomics) never starts
# Python. The first function that needs Python calls py_deepomics(), which picks the interpreter
# (backend_python()), imports the `deepomics` module once and caches it in `.backend`.
# Every call into Python goes through py_call(), which turns a Python exception into an R error
# carrying Python's message.

.backend <- new.env(parent = emptyenv())

# The Python to use: `python` (NULL to leave the choice to reticulate), `source` (why, for
# messages) and `force` (TRUE: outranks even RETICULATE_PYTHON; FALSE: a preference that
# reticulate's explicit settings, RETICULATE_PYTHON and use_python(required = TRUE), outrank).
backend_python <- function() {
  option <- getOption("deepomics.python")
  if (!is.null(option)) {
    if (!is.character(option) || length(option) != 1L || is.na(option) || !nzchar(option)) {
      stop("option deepomics.python must be the path of a Python executable or environment",
           call. = FALSE)
    }
    return(list(python = python_executable(option, "option deepomics.python"),
                source = "option deepomics.python", force = TRUE))
  }
  env <- Sys.getenv("DEEPOMICS_PYTHON", unset = "")
  if (nzchar(env)) {
    return(list(python = python_executable(env, "environment variable DEEPOMICS_PYTHON"),
                source = "environment variable DEEPOMICS_PYTHON", force = TRUE))
  }
  if (reticulate::virtualenv_exists("r-deepomics")) {
    return(list(python = reticulate::virtualenv_python("r-deepomics"),
                source = "virtualenv 'r-deepomics'", force = FALSE))
  }
  list(python = NULL, source = "reticulate's default", force = FALSE)
}

# A Python executable from a path to one or to an environment's folder.
python_executable <- function(path, what) {
  path <- path.expand(path)
  if (dir.exists(path)) {
    candidates <- file.path(path, c("bin/python", "bin/python3", "python.exe", "Scripts/python.exe"))
    found <- candidates[file.exists(candidates)]
    if (!length(found)) {
      stop(what, " is '", path, "', a folder with no Python in bin/ or Scripts/", call. = FALSE)
    }
    return(found[[1L]])
  }
  if (!file.exists(path)) {
    stop(what, " is '", path, "', but there is no such file; ",
         "set it to a Python executable that has the deepomics package", call. = FALSE)
  }
  path
}

# The `deepomics` Python module (imported with convert = FALSE: convert.R converts results).
# `torch = TRUE` for what uses models (models, train, io): PyTorch is then imported first, the
# way it must be inside R (see import_torch()).
py_deepomics <- function(torch = FALSE) {
  if (!is.null(.backend$module)) {
    if (torch && !isTRUE(.backend$torch)) {
      import_torch()
    }
    return(.backend$module)
  }
  if (reticulate::py_available(initialize = FALSE)) {
    # Started by an earlier attempt of ours (keep its reason) or by someone else.
    choice <- .backend$choice %||%
      list(python = NULL, source = "Python was already running in this R session")
    choice$python <- NULL
  } else {
    choice <- .backend$choice <- backend_python()
  }
  if (!is.null(choice$python) && isTRUE(choice$force)) {
    # RETICULATE_PYTHON is the one setting reticulate honours before all others; it is set only
    # while Python starts, so that the user's own value does not outrank deepomics' setting.
    old <- Sys.getenv("RETICULATE_PYTHON", unset = NA)
    Sys.setenv(RETICULATE_PYTHON = choice$python)
    on.exit(if (is.na(old)) Sys.unsetenv("RETICULATE_PYTHON") else Sys.setenv(RETICULATE_PYTHON = old),
            add = TRUE)
  } else if (!is.null(choice$python)) {
    # A preference: reticulate takes it unless RETICULATE_PYTHON or use_python(required = TRUE)
    # says otherwise.
    reticulate::use_python(choice$python, required = FALSE)
  }
  reticulate::py_clear_last_error()
  module <- tryCatch(
    reticulate::import("deepomics", convert = FALSE),
    error = function(e) stop(backend_error(e, choice))
  )
  check_backend(module, choice)
  # Python's messages then count sequences, positions, rows and intervals from 1, as R does
  reticulate::py_set_attr(reticulate::import("deepomics.messages", convert = FALSE),
                          "INDEX_BASE", 1L)
  # temporary genome indexes (for a FASTA in a read-only folder) go where R removes them at exit:
  # reticulate does not run Python's exit handlers
  reticulate::py_set_attr(reticulate::import("deepomics.genome", convert = FALSE),
                          "TEMPORARY_ROOT", tempdir())
  .backend$module <- module
  if (torch) {
    import_torch()
  }
  module
}

# Imports PyTorch so that it uses its own BLAS. R loads its BLAS (libblas.so.3: the reference
# BLAS unless the system chose another) with global symbols before Python starts, and the
# dynamic linker then binds torch's BLAS calls (sgemm_, ...) to R's library instead of the MKL
# torch carries: matrix products 10 to 20 times slower than in Python, and results that differ
# from Python's in the last bits. RTLD_DEEPBIND (Linux) makes torch's libraries look up their
# own symbols first. Nothing is done when torch was imported already (by the user, through
# reticulate) or where the flag does not exist.
import_torch <- function() {
  reticulate::py_run_string(paste(
    "import os as _os, sys as _sys",
    "if 'torch' not in _sys.modules and hasattr(_os, 'RTLD_DEEPBIND'):",
    "    _flags = _sys.getdlopenflags()",
    "    _sys.setdlopenflags(_flags | _os.RTLD_DEEPBIND)",
    "    try:",
    "        import torch",
    "    finally:",
    "        _sys.setdlopenflags(_flags)",
    sep = "\n"), local = TRUE, convert = FALSE)
  .backend$torch <- TRUE
  invisible(TRUE)
}

# Stops when what imported as `deepomics` cannot serve: a folder of that name that Python took
# for a namespace package (Python looks in the working directory first), or NumPy 2 under a
# reticulate older than 1.38, which then passes NumPy arrays to R unconverted.
check_backend <- function(module, choice) {
  fail <- function(problem) {
    stop(structure(
      class = c("deepomics_backend_error", "deepomics_error", "error", "condition"),
      list(message = paste0(problem, "\n", backend_fix()), call = NULL)
    ))
  }
  where <- backend_where(choice)
  file <- reticulate::py_eval("getattr(__import__('deepomics'), '__file__', None)")
  if (is.null(file) || !reticulate::py_has_attr(module, "seq")) {
    path <- tryCatch(
      paste(reticulate::py_eval("list(getattr(__import__('deepomics'), '__path__', []))"),
            collapse = ", "),
      error = function(e) "an unknown folder"
    )
    fail(sprintf(paste0(
      "The deepomics Python package is not installed in %s: 'import deepomics' found the ",
      "folder %s instead, which is not the package (Python looks in the working directory ",
      "first; start R elsewhere if that is where it is)."), where, path))
  }
  if (utils::packageVersion("reticulate") < "1.38") {
    numpy <- reticulate::py_to_r(reticulate::import("numpy", convert = FALSE)$`__version__`)
    if (numeric_version(numpy) >= "2") {
      fail(sprintf(paste0(
        "NumPy %s is installed in %s, but reticulate %s converts NumPy arrays only from ",
        "NumPy 1.x (reticulate 1.38 added NumPy 2). Install NumPy 1.x there ",
        "(pip install \"numpy<2\") or update reticulate."),
        numpy, where, utils::packageVersion("reticulate")))
    }
  }
  invisible(module)
}

# The error py_deepomics() gives when the module cannot be imported: what, where, how to fix it.
backend_error <- function(e, choice) {
  where <- backend_where(choice)
  fix <- backend_fix()
  err <- reticulate::py_last_error()
  msg <- if (is.null(err)) {
    sprintf("deepomics could not start %s: %s\n%s", where, conditionMessage(e), fix)
  } else if (identical(err$type, "ModuleNotFoundError") &&
             grepl("No module named 'deepomics'", err$value, fixed = TRUE)) {
    sprintf("The deepomics Python package is not installed in %s.\n%s", where, fix)
  } else {
    sprintf("The deepomics Python package failed to import in %s: %s: %s\n%s",
            where, err$type, err$value, fix)
  }
  structure(class = c("deepomics_backend_error", "deepomics_error", "error", "condition"),
            list(message = msg, call = NULL))
}

# "the Python at PATH (why that one)", for messages.
backend_where <- function(choice) {
  if (!reticulate::py_available(initialize = FALSE)) {
    return(sprintf("the Python at %s (%s)", choice$python %||% "an unknown path", choice$source))
  }
  config <- tryCatch(reticulate::py_config(), error = function(e) list())
  python <- config$python %||% "an unknown path"
  source <- if (is.null(choice$python) || same_file(python, choice$python)) {
    choice$source
  } else if (!is.null(config$forced)) {
    paste("reticulate's choice, by", config$forced)
  } else {
    "reticulate's choice"
  }
  sprintf("the Python at %s (%s)", python, source)
}

# The same path, up to ~ and symlinked folders (not the executable's own symlink: a
# virtualenv's python links to the base interpreter).
same_file <- function(a, b) {
  a <- path.expand(a)
  b <- path.expand(b)
  identical(a, b) || (identical(basename(a), basename(b)) &&
    identical(normalizePath(dirname(a), mustWork = FALSE), normalizePath(dirname(b), mustWork = FALSE)))
}

backend_fix <- function() {
  paste0(
    "Run install_deepomics() to create the virtualenv 'r-deepomics' with it, or point ",
    "options(deepomics.python = ...) or the DEEPOMICS_PYTHON environment variable at a Python ",
    "that has it, then restart R."
  )
}

# TRUE when the Python backend imports (this starts Python); for tests and examples.
backend_available <- function() {
  !inherits(tryCatch(py_deepomics(), error = identity), "error")
}

# Calls a Python function; a Python exception becomes an R error of class
# "deepomics_python_error" whose message is the exception's message (no traceback; the
# traceback and the exception's type are kept in the condition as `python_traceback` and
# `python_type`). `call` is the R call the error names, by default the user's call into
# deepomics (not the internal helper that reached Python).
py_call <- function(fun, ..., call = entry_call()) {
  force(fun)
  force(call)
  reticulate::py_clear_last_error()
  caught <- python_warnings_caught()
  on.exit(python_warnings_raised(caught, call), add = TRUE)
  tryCatch(fun(...), error = function(e) {
    err <- reticulate::py_last_error()
    if (is.null(err)) {
      stop(e)
    }
    message <- if (nzchar(err$value)) err$value else err$type
    if (identical(err$type, "KeyError")) {  # str(KeyError) quotes its message
      message <- sub('^(["\'])(.*)\\1$', "\\2", message)
    }
    message <- r_spelling(message)
    stop(structure(
      class = c("deepomics_python_error", "deepomics_error", "error", "condition"),
      list(message = message, call = call, python_type = err$type,
           python_traceback = err$traceback)
    ))
  })
}

# The call by which the user entered deepomics: the outermost frame running a function of this
# package (an exported function or an S3 method such as predict.DeepomicsModel), or NULL.
entry_call <- function() {
  namespace <- asNamespace("deepomics")
  frames <- sys.nframe() - 1L
  for (i in seq_len(max(frames, 0L))) {
    if (identical(environment(sys.function(i)), namespace)) {
      return(sys.call(i))
    }
  }
  NULL
}

# Python's warnings during a call: deepomics' own (DeepomicsWarning: about the user's data or
# results) become R warnings of class deepomics_python_warning; the others are shown as Python
# shows them.
python_warnings_caught <- function() {
  warnings <- reticulate::import("warnings", convert = FALSE)
  context <- warnings$catch_warnings(record = TRUE)
  list(module = warnings, context = context, log = context$`__enter__`())
}

python_warnings_raised <- function(caught, call) {
  caught$context$`__exit__`(NULL, NULL, NULL)
  builtins <- reticulate::import_builtins(convert = FALSE)
  records <- reticulate::py_to_r(builtins$list(caught$log))
  if (!length(records)) return(invisible())
  # the loaded module only: looking deepomics up here must never fail or mask an error
  ours <- if (!is.null(.backend$module)) .backend$module$DeepomicsWarning
  for (w in records) {
    if (!is.null(ours) && reticulate::py_to_r(builtins$issubclass(w$category, ours))) {
      message <- r_spelling(reticulate::py_to_r(builtins$str(w$message)))
      category <- reticulate::py_to_r(builtins$getattr(w$category, "__name__"))
      own <- if (category != "DeepomicsWarning") warning_class(category)
      warning(structure(class = c(own, "deepomics_python_warning", "warning", "condition"),
                        list(message = message, call = call)))
    } else {
      caught$module$showwarning(w$message, w$category, w$filename, w$lineno)
    }
  }
}

# The R condition class of a Python warning category: OrientationWarning becomes
# deepomics_orientation_warning (what suppressWarnings(classes =) and withCallingHandlers() take).
warning_class <- function(category) {
  paste0("deepomics_", tolower(gsub("(?<=[a-z])(?=[A-Z])", "_", category, perl = TRUE)))
}

`%||%` <- function(x, y) if (is.null(x)) y else x

# A Python message's hints as R spells them: "pass overwrite=True" becomes "pass overwrite =
# TRUE", "use task='multiclass'" becomes 'use task = "multiclass"' (the R functions take the
# same argument names), fit's names for validation data become trainModel()'s, a channels-last
# array is turned with aperm(), labels are converted as R does it (as.numeric(as.character(y)))
# and a warning's Python category is named by its R class. Numbers
# in messages already count from 1 (deepomics.messages.INDEX_BASE, set when the backend loads).
r_spelling <- function(message) {
  message <- gsub("np.asarray(y, dtype=int)", "as.numeric(as.character(y))", message, fixed = TRUE)
  message <- gsub("np.asarray(y).astype(str)", "as.character(y)", message, fixed = TRUE)
  message <- gsub("read_fasta(path).sequences", "readFasta(path)", message, fixed = TRUE)
  message <- gsub("(read FASTA files with read_fasta)", "(read FASTA files with readFasta())",
                  message, fixed = TRUE)
  words <- c(True = "TRUE", False = "FALSE", None = "NULL")
  for (python in names(words)) {
    message <- gsub(sprintf("(\\w)=%s\\b", python), paste0("\\1 = ", words[[python]]),
                    message, perl = TRUE)
    message <- gsub(sprintf("\\b(got|not) %s\\b", python), paste0("\\1 ", words[[python]]),
                    message, perl = TRUE)  # "must be a bool, got None"
  }
  message <- gsub("(\\w)='([^']*)'", '\\1 = "\\2"', message, perl = TRUE)
  message <- gsub("\\b([a-z_]+)= ", "\\1 = ", message, perl = TRUE)  # "pass length= to pad"
  message <- gsub("\\bgot \\[([^]]*)\\]", "got c(\\1)", message, perl = TRUE)  # a list
  message <- gsub("\\bvalid_fraction\\b", "validation_split", message, perl = TRUE)
  # (gridSearch's validation_split is the inner split under nfolds)
  message <- gsub("\\binner_valid\\b", "validation_split", message, perl = TRUE)
  message <- gsub("\\bstudy_name\\b", "grid_id", message, perl = TRUE)
  message <- gsub("\\bn_trials\\b", "max_models", message, perl = TRUE)  # (search_criteria's)
  message <- gsub("\\bx\\.swapaxes\\(1, 2\\)", "aperm(x, c(1, 3, 2))", message, perl = TRUE)
  category <- regmatches(message, regexpr("\\(category \\w+Warning\\)", message))
  if (length(category)) {
    class <- warning_class(gsub("^\\(category |\\)$", "", category))
    message <- sub(category, sprintf("(suppressWarnings(..., classes = \"%s\"))", class), message,
                   fixed = TRUE)
  }
  gsub("\\bvalid_data\\b", "validation_data", message, perl = TRUE)
}

# Whether `x` is a Python object of this R session. After readRDS() in a new session nothing of
# deepomics' Python is loaded yet: asking reticulate about the pointer would start its default
# Python instead of deepomics' choice, so the answer is FALSE without asking.
py_alive <- function(x) {
  !is.null(x) && !is.null(.backend$module) && !reticulate::py_is_null_xptr(x)
}

#' Install the deepomics Python backend
#'
#' Creates a Python virtual environment (by default the one named `"r-deepomics"`, which
#' deepomics finds on its own) and installs the deepomics Python package into it with pip,
#' together with its dependencies (NumPy, SciPy). Modelled on `keras3::install_keras()`.
#' With reticulate older than 1.38, which cannot convert NumPy 2 arrays, NumPy is held below 2.
#'
#' The package builds its C++ extension when installed from source, so a C++17 compiler and the
#' Python headers must be present (on Debian: `g++` and `python3-dev`; the virtualenv needs
#' `python3-venv`).
#'
#' deepomics looks for Python in this order: the option `deepomics.python`, the environment
#' variable `DEEPOMICS_PYTHON` (each the path of a Python executable or of an environment's
#' folder; these outrank reticulate's own settings), the environment variable
#' `RETICULATE_PYTHON` or a call to `reticulate::use_python(required = TRUE)`, the virtualenv
#' `"r-deepomics"`, then reticulate's default search. Python starts on the first call that needs
#' it, not when the package is loaded, and cannot be changed afterwards without restarting R.
#'
#' @param envname Name of the virtualenv (under reticulate's virtualenv root, usually
#'   `~/.virtualenvs`) or a path to one.
#' @param package What pip installs: the path of a deepomics source checkout (the folder holding
#'   `pyproject.toml`), a wheel or sdist file, or a pip requirement such as
#'   `"git+https://host/deepomics.git"`. By default the source checkout that holds the working
#'   directory, found by walking up from it to a folder with `pyproject.toml` and
#'   `python/deepomics/`; an error when there is none.
#' @param ... Passed to [reticulate::virtualenv_install()], e.g. `pip_options`.
#' @param python The Python interpreter the virtualenv is created from; `NULL` lets reticulate
#'   choose (Python 3.10 or later is needed).
#' @param new_env If `TRUE`, an existing virtualenv `envname` is removed first. The default is
#'   `TRUE` for the package's own `"r-deepomics"` and `FALSE` for any other.
#' @return The path of the virtualenv's Python, invisibly.
#' @seealso [oneHot()], [kmerCounts()] and [readFasta()], which use the backend.
#' @export
#' @examples
#' \dontrun{
#' # from within a deepomics source checkout
#' install_deepomics()
#' # or from a given checkout or URL, into another environment
#' install_deepomics("~/envs/deepomics", package = "path/to/deepomics")
#' }
install_deepomics <- function(envname = "r-deepomics", package = NULL, ..., python = NULL,
                              new_env = identical(envname, "r-deepomics")) {
  package <- py_string(package %||% find_python_source(), "package")
  if (file.exists(package)) {
    package <- normalizePath(package)
  } else if (!grepl("://| @ ", package) &&
             (grepl("^(~|\\.{1,2}/|/)", package) || grepl("\\.(whl|tar\\.gz|zip)$", package))) {
    # a path that is not there: said before a virtualenv is made (pip would fail only after)
    stop("package = \"", package, "\" does not exist; give the path of a deepomics source ",
         "checkout (the folder holding pyproject.toml), a wheel, or a pip requirement",
         call. = FALSE)
  }
  if (isTRUE(new_env) && reticulate::virtualenv_exists(envname)) {
    reticulate::virtualenv_remove(envname, confirm = FALSE)
  }
  reticulate::virtualenv_create(envname, python = python, packages = character())
  # reticulate before 1.38 cannot convert NumPy 2 arrays (see check_backend()).
  numpy <- if (utils::packageVersion("reticulate") < "1.38") "numpy<2"
  reticulate::virtualenv_install(envname, packages = c(package, numpy), ...)
  python_path <- reticulate::virtualenv_python(envname)
  if (reticulate::py_available(initialize = FALSE)) {
    message("Python is already running in this R session; restart R to use ", python_path, ".")
  }
  if (!identical(envname, "r-deepomics")) {
    message("deepomics finds this environment when you set ",
            "options(deepomics.python = \"", python_path, "\") or DEEPOMICS_PYTHON.")
  }
  invisible(python_path)
}

# The deepomics source checkout that holds the working directory.
find_python_source <- function(start = getwd()) {
  dir <- normalizePath(start, mustWork = FALSE)
  repeat {
    if (file.exists(file.path(dir, "pyproject.toml")) &&
        dir.exists(file.path(dir, "python", "deepomics"))) {
      return(dir)
    }
    parent <- dirname(dir)
    if (identical(parent, dir)) {
      break
    }
    dir <- parent
  }
  stop("install_deepomics() found no deepomics source checkout at or above ", start,
       "; pass package = the path of one, a wheel, or a pip URL", call. = FALSE)
}
