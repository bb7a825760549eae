# Reading a trained sequence model: mutagenesis(), attribution(), filterMotifs(),
# variantEffect(), and their plots (ggplot2, logos drawn with ggseqlogo's letter outlines).
# The work is Python's deepomics.interpret; this file converts the inputs (through
# model_inputs() / as_py_inputs()) and the results (arrays [sequence, letter, position],
# data.frames), with R's 1-based filter and output indices.

utils::globalVariables(c("x", "y", "group_by", "letter", "position", "base", "effect",
                         "loss"))  # ggplot2::aes() columns

ATTRIBUTION_METHODS <- c("saliency", "input_x_gradient", "integrated_gradients", "deeplift",
                         "deepshap")

#' In-silico saturation mutagenesis
#'
#' Every single-letter substitution of every sequence, scored by the model: the change of the
#' model's output (its log-odds for a classifier) when position `l` of sequence `n` is replaced
#' by letter `c`, as DeepBind's mutation maps showed it. The substitution of the letter already
#' there is not run and scores 0. Plot one sequence with [plotMutationMap()].
#'
#' @param model A trained sequence [DeepomicsModel-class].
#' @param x Sequences of the model's training length (a model without a fixed length, such as
#'   `deepbind`, reads them as [predict.DeepomicsModel()] does: shorter ones padded, with no effects past
#'   their end): a character vector, a `DNAStringSet` / `RNAStringSet` / `AAStringSet`, a
#'   one-hot array from [oneHot()], or a `GRanges` with `genome`.
#' @param target The output to read: `NULL` for a model with one output (a binary model: the
#'   log-odds of its second class, as `predict()`'s second column), a class name (for a binary
#'   model either class; the first one's log-odds are minus the second's), or an output number
#'   (from 1; where the classes are numbers themselves, name the class as text, e.g. `"0"`).
#' @param batch_size Substitutions scored per batch.
#' @param genome For a `GRanges` `x`: the genome FASTA file ([intervalSequences()]).
#' @param device Where the model runs: `"auto"` (a CUDA GPU when there is one), `"cpu"` or
#'   `"cuda"`.
#' @param center `TRUE`: each position's effects minus their mean over the letters.
#' @param hypothetical With `center = TRUE`, `FALSE` keeps only the observed letters' values
#'   (the others 0).
#' @return A double array of dim `c(N, C, L)`, dimnames `list(names(x), letters, NULL)`.
#' @seealso [plotMutationMap()], [attribution()], [variantEffect()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' effects <- mutagenesis(model, x[2])
#' effects[1, , 10:17]
mutagenesis <- function(model, x, target = NULL, batch_size = 1024, genome = NULL,
                        device = "auto", center = FALSE, hypothetical = TRUE) {
  check_model(model, fitted = TRUE)
  inputs <- sequence_inputs(model, x, genome)
  out <- py_call(py_interpret()$ism, py_model(model), inputs$x,
                 target = py_target(model, target),
                 batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                 device = py_string(device, "device"), center = py_flag(center, "center"),
                 hypothetical = py_flag(hypothetical, "hypothetical"))
  array_from_py(out, list(inputs$names, model_letters(model), NULL))
}

#' Attributions: which letters the output rests on
#'
#' Gradient attributions through captum: `"saliency"` (the absolute gradient), `"input_x_gradient"`,
#' and against dinucleotide-shuffled copies of each sequence (`n_references` of them, drawn
#' with `seed`) `"integrated_gradients"`, `"deeplift"` and `"deepshap"` (DeepLIFT averaged over
#' the references). The baseline methods give each observed letter its contribution to the
#' output's difference from the references (`hypothetical = TRUE`: what every letter would
#' contribute at each position). Plot one sequence with [plotAttribution()].
#'
#' @inheritParams mutagenesis
#' @param method One of `"saliency"`, `"input_x_gradient"`, `"integrated_gradients"`,
#'   `"deeplift"`, `"deepshap"`.
#' @param n_references Shuffled references per sequence (`NULL`: 10 for integrated gradients,
#'   1 for deeplift, 20 for deepshap).
#' @param n_steps Integrated gradients' steps along the path.
#' @param hypothetical `TRUE`: the contributions of every letter, not only the observed ones.
#' @param batch_size Sequence-reference pairs per batch.
#' @param seed The seed of the shuffles.
#' @return A double array of dim `c(N, C, L)`, dimnames `list(names(x), letters, NULL)`.
#' @seealso [plotAttribution()], [mutagenesis()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' saliency <- attribution(model, x[2])
#' round(saliency[1, , 8:19], 3)  # the planted TGACTCAG sits at 10-17
#' deepshap <- attribution(model, x[2], method = "deepshap", n_references = 5)
#' plotAttribution(deepshap, start = 5, end = 22)
attribution <- function(model, x, method = "saliency", target = NULL, n_references = NULL,
                        n_steps = 50, hypothetical = FALSE, batch_size = 128, seed = 0,
                        genome = NULL, device = "auto") {
  check_model(model, fitted = TRUE)
  method <- py_string(method, "method")
  if (!method %in% ATTRIBUTION_METHODS) {
    stop(sprintf("unknown attribution method '%s'; choose one of %s", method,
                 paste(ATTRIBUTION_METHODS, collapse = ", ")), call. = FALSE)
  }
  inputs <- sequence_inputs(model, x, genome)
  out <- py_call(py_interpret()$attribute, py_model(model), inputs$x, method = method,
                 target = py_target(model, target),
                 n_references = py_count(n_references, "n_references"),
                 n_steps = py_count(n_steps, "n_steps", null_ok = FALSE),
                 hypothetical = py_flag(hypothetical, "hypothetical"),
                 batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                 seed = py_count(seed, "seed", null_ok = FALSE),
                 device = py_string(device, "device"))
  array_from_py(out, list(inputs$names, model_letters(model), NULL))
}

#' What the filters learned: motifs, and their JASPAR matches
#'
#' The first convolution's filters read as DeepBind and Basset did: the subsequences of `x`
#' (filter-wide) where a filter's activation exceeds `threshold` times its maximum over `x`
#' are stacked into a position weight matrix. Each filter's influence is the mean change of
#' the model's output when the filter is silenced (its activation replaced by its mean). With
#' `match = TRUE` each PWM is compared with JASPAR (pyjaspar's offline database) by Tomtom
#' (memelite).
#'
#' @inheritParams mutagenesis
#' @param threshold The fraction of a filter's maximum activation a position must exceed.
#' @param pseudocount Added to every letter count of a PWM.
#' @param match Compare the PWMs with JASPAR, which holds DNA motifs; `NULL` (the default):
#'   `TRUE` for a model of DNA or RNA (4 letters), `FALSE` for others (protein).
#' @param n_matches Matches kept per filter, best first.
#' @param min_sites Filters with fewer activating subsequences are not matched.
#' @param collection,tax_group The JASPAR matrices to compare with (latest versions).
#' @param target The output whose change measures a filter's influence (see [mutagenesis()]).
#' @param layer The name of another convolution on the input to read (a module name of the
#'   Python model); `NULL`: the first.
#' @param batch_size Sequences per batch.
#' @return A `DeepomicsFilterMotifs` list: `pwms`, an array `[filter, letter, position]` of
#'   probabilities; `filters`, a data.frame (`filter` from 1, `n_sites`, `max_activation`,
#'   `information` in bits, `influence` on `target`; for a model of several outputs and no
#'   `target`, one column per output instead, `influence_<class>`, e.g. `influence_B cell`, or
#'   `influence_1`, ... where the outputs have no class names), ordered by filter; `matches`, a data.frame
#'   (`filter`, `jaspar_id`, `name`, `p_value`, `e_value`, `q_value`, `offset`, `overlap`,
#'   `orientation`, `n_sites`) sorted by filter then p-value (empty when `match = FALSE`);
#'   `letters`. It prints a summary; [plotFilterMotifs()] draws the logos.
#' @seealso [plotFilterMotifs()]
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' motifs <- filterMotifs(model, x[y == "yes"], match = FALSE)
#' motifs
#' plotFilterMotifs(motifs, filters = motifs$filters$filter[which.max(motifs$filters$influence)])
filterMotifs <- function(model, x, threshold = 0.5, pseudocount = 0.1, match = NULL,
                         n_matches = 1, min_sites = 10, collection = "CORE",
                         tax_group = "vertebrates", target = NULL, batch_size = 256,
                         genome = NULL, device = "auto", layer = NULL) {
  check_model(model, fitted = TRUE)
  letters <- model_letters(model)
  # JASPAR holds DNA motifs: matched by default for a model of 4 letters (DNA, RNA), refused
  # up front, before the work, for others
  nucleotides <- length(letters) == 4L
  match <- if (is.null(match)) nucleotides else py_flag(match, "match")
  if (match && !nucleotides) {
    stop(sprintf(paste0(
      "match = TRUE compares the filters with JASPAR, which holds DNA motifs, but this model ",
      "reads the \"%s\" alphabet (%d letters); use match = FALSE"),
      model@encoding$alphabet %||% model@config$alphabet %||% paste(letters, collapse = ""),
      length(letters)), call. = FALSE)
  }
  inputs <- sequence_inputs(model, x, genome)
  interp <- py_interpret()
  found <- py_call(interp$filter_motifs, py_model(model), inputs$x,
                   threshold = py_number(threshold, "threshold"),
                   pseudocount = py_number(pseudocount, "pseudocount"),
                   target = py_target(model, target),
                   batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                   device = py_string(device, "device"),
                   layer = if (!is.null(layer)) py_string(layer, "layer"))
  pwms <- array_from_py(found$pwms)
  dimnames(pwms) <- list(paste0("filter", seq_len(dim(pwms)[[1L]])), letters, NULL)
  filters <- table_from_py(found$to_frame())
  filters$filter <- as.integer(filters$filter) + 1L
  filters$n_sites <- as.integer(filters$n_sites)
  # several outputs and no target: Python's influence_0, influence_1, ... named by the classes
  # (or outputs from 1), as R names outputs
  outputs <- grep("^influence_[0-9]+$", names(filters))
  if (length(outputs)) {
    k <- as.integer(sub("^influence_", "", names(filters)[outputs])) + 1L
    labels <- as.character(model@classes)
    names(filters)[outputs] <- paste0("influence_", if (length(labels) == length(outputs) &&
                                                        !anyDuplicated(labels)) labels[k] else k)
  }
  matches <- empty_matches()
  if (match) {
    table <- py_call(interp$match_motifs, found,
                     n_matches = py_count(n_matches, "n_matches", null_ok = FALSE),
                     min_sites = py_count(min_sites, "min_sites", null_ok = FALSE),
                     collection = py_string(collection, "collection"),
                     tax_group = if (is.null(tax_group)) NULL else py_string(tax_group, "tax_group"))
    if (reticulate::py_len(table) > 0L) {
      matches <- table_from_py(table)
      matches$filter <- as.integer(matches$filter) + 1L
      matches$n_sites <- as.integer(matches$n_sites)
    }
  }
  structure(list(pwms = pwms, filters = filters, matches = matches, letters = letters),
            class = "DeepomicsFilterMotifs")
}

# The influence columns of a filterMotifs() table on several outputs (influence_<class>).
influence_columns <- function(f) grep("^influence_", names(f), value = TRUE)

# Each filter's influence as the filters are ranked by, as Python ranks them: on the target
# output (`influence`), else the largest over the outputs (influence_<class>); NULL without.
filter_influence <- function(f) {
  if ("influence" %in% names(f)) {
    return(f$influence)
  }
  columns <- influence_columns(f)
  if (length(columns)) do.call(pmax, unname(as.list(f[columns]))) else NULL
}

empty_matches <- function() {
  data.frame(filter = integer(), jaspar_id = character(), name = character(),
             p_value = double(), e_value = double(), q_value = double(), offset = integer(),
             overlap = integer(), orientation = character(), n_sites = integer(),
             stringsAsFactors = FALSE)
}

#' @export
print.DeepomicsFilterMotifs <- function(x, n = 10, ...) {
  f <- x$filters
  cat(sprintf("%d filters of width %d", nrow(f), dim(x$pwms)[[3L]]))
  if (nrow(x$matches)) cat(sprintf(", %d JASPAR matches", nrow(x$matches)))
  cat("\n")
  influence <- filter_influence(f)
  order <- if (!is.null(influence)) order(-influence) else order(-f$n_sites)
  best <- x$matches[!duplicated(x$matches$filter), , drop = FALSE]
  shown <- f[utils::head(order, n), c(intersect(c("filter", "n_sites", "information", "influence"),
                                                names(f)), influence_columns(f)), drop = FALSE]
  shown$best_match <- ifelse(shown$filter %in% best$filter,
                             with(best[match(shown$filter, best$filter), ],
                                  sprintf("%s %s (p = %.1e)", jaspar_id, name, p_value)), "")
  print(shown, row.names = FALSE, digits = 3)
  invisible(x)
}

#' Variant effects
#'
#' The model's prediction for the reference and the alternative sequence of each variant:
#' `ref_pred`, `alt_pred` (probabilities of the `target` class for a classifier), their
#' `difference` (alt minus ref) and, for a classifier, `log_odds_ratio` (negative: the variant
#' lowers the prediction; a damaging variant for a binding model).
#'
#' @inheritParams mutagenesis
#' @param ref The reference sequences (like `x` of [mutagenesis()]), or the path of a VCF file
#'   (with `genome`): SNVs and small indels, each scored on a window of the model's length
#'   centred on it, cut from the genome (the VCF's REF must match it).
#' @param alt The alternative sequences, one per reference, in the same order (alt named as ref
#'   but in another order is refused).
#' @param genome The genome FASTA file, for a VCF `ref` or a `GRanges` `ref` / `alt`.
#' @param batch_size Sequences per batch.
#' @return A data.frame, one row per variant (per ALT allele of a VCF line; then with the
#'   columns `chrom`, `pos`, `id`, `ref`, `alt`, `line` first), row names from `names(ref)`
#'   (when names repeat, e.g. two alleles of one rs ID, a first column `variant` instead).
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' broken <- x[2]
#' substr(broken, 13, 13) <- "A"  # TGACTCAG -> TGAATCAG
#' variantEffect(model, ref = x[2], alt = broken)
variantEffect <- function(model, ref, alt = NULL, genome = NULL, target = NULL,
                          batch_size = 256, device = "auto") {
  check_model(model, fitted = TRUE)
  interp <- py_interpret()
  batch_size <- py_count(batch_size, "batch_size", null_ok = FALSE)
  target <- py_target(model, target)
  device <- py_string(device, "device")
  if (is.character(ref) && length(ref) == 1L && grepl("\\.vcf(\\.b?gz)?$", ref, ignore.case = TRUE)) {
    if (is.null(genome)) {
      stop("a VCF needs genome = the reference FASTA file its windows are cut from",
           call. = FALSE)
    }
    if (!is.null(alt)) {
      stop("give ref and alt sequences, or a VCF file with genome, not both", call. = FALSE)
    }
    table <- py_call(interp$variant_effect, py_model(model), py_path(ref, "ref"),
                     genome = py_path(genome, "genome"), target = target,
                     batch_size = batch_size, device = device)
    out <- table_from_py(table)
    out$pos <- as.integer(out$pos)
    out$line <- as.integer(out$line)
    return(out)
  }
  if (is.null(alt)) {
    stop("give the alternative sequences (alt), one per reference, or a VCF file as ref with ",
         "genome", call. = FALSE)
  }
  if (!is.null(genome) && !is(ref, "GRanges") && !is(alt, "GRanges")) {
    stop("genome applies to a VCF file or GRanges as ref (or alt); ref and alt here are ",
         "sequences: leave genome out", call. = FALSE)
  }
  # the genome for whichever is a GRanges (sequences given with it would be refused)
  ref_inputs <- sequence_inputs(model, ref, if (is(ref, "GRanges")) genome, "ref")
  alt_inputs <- sequence_inputs(model, alt, if (is(alt, "GRanges")) genome, "alt")
  if (ref_inputs$n != alt_inputs$n) {
    stop(sprintf("ref has %d sequences but alt has %d; give one alternative per reference",
                 ref_inputs$n, alt_inputs$n), call. = FALSE)
  }
  names <- ref_inputs$names
  if (!is.null(names) && !is.null(alt_inputs$names) && !identical(names, alt_inputs$names) &&
      setequal(names, alt_inputs$names)) {  # the same variants in another order
    first <- which(names != alt_inputs$names)[[1L]]
    stop(sprintf(paste0(
      "alt's names are not ref's in the same order (at %d: ref %s, alt %s); pairs are taken by ",
      "position: put alt in ref's order, or unname one of them"), first, names[[first]],
      alt_inputs$names[[first]]), call. = FALSE)
  }
  table <- py_call(interp$variant_effect, py_model(model), ref_inputs$x, alt_inputs$x,
                   target = target, batch_size = batch_size, device = device)
  out <- table_from_py(table)
  if (!is.null(names) && anyDuplicated(names)) {  # e.g. two alleles of one rs ID
    out <- cbind(variant = names, out, stringsAsFactors = FALSE)
  } else if (!is.null(names)) {
    rownames(out) <- names
  }
  out
}

#' Attention weights of a DeepLoc model
#'
#' Where a model with an attention layer (`seqModel("deeploc")`) looks along each sequence: one
#' weight per position, summing to 1 over the sequence's letters, 0 on padding.
#'
#' @inheritParams mutagenesis
#' @param batch_size Sequences per batch.
#' @return A double matrix `[sequence, position]`, rownames `names(x)`.
#' @seealso [attribution()] for models without attention.
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' aa <- strsplit("ACDEFGHIKLMNPQRSTVWY", "")[[1]]
#' x <- vapply(1:120, function(i) paste(sample(aa, 30, TRUE), collapse = ""), "")
#' y <- factor(rep(c("cytoplasm", "membrane"), 60))
#' substr(x[y == "membrane"], 5, 10) <- "WHCMKY"
#' model <- trainModel(seqModel("deeploc", alphabet = "protein", filter_sizes = c(3, 5),
#'                              filters = 8), x, y, epochs = 10, lr = 0.01)
#' weights <- attentionWeights(model, x[2])
#' which.max(weights[1, ])  # near the planted WHCMKY at 5-10
attentionWeights <- function(model, x, batch_size = 256, genome = NULL, device = "auto") {
  check_model(model, fitted = TRUE)
  inputs <- sequence_inputs(model, x, genome)
  out <- py_call(py_interpret()$attention, py_model(model), inputs$x,
                 batch_size = py_count(batch_size, "batch_size", null_ok = FALSE),
                 device = py_string(device, "device"))
  weights <- array_from_py(out)
  rownames(weights) <- inputs$names
  weights
}

# ---- plots -------------------------------------------------------------------------------------

#' Logos of the filters' motifs
#'
#' One sequence logo per filter (ggplot2; letters from ggseqlogo), titled with the filter, its
#' number of sites and its best JASPAR match.
#'
#' @param motifs The result of [filterMotifs()].
#' @param filters The filters to draw (numbers from 1); by default all, most influential first
#'   (on the target; with several outputs and no target, by the largest influence over them).
#' @param method `"bits"` (letters scaled by the column's information) or `"probability"`.
#' @param ncol Logos per row.
#' @return A ggplot.
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' plotFilterMotifs(filterMotifs(model, x[y == "yes"], match = FALSE), method = "probability")
plotFilterMotifs <- function(motifs, filters = NULL, method = c("bits", "probability"),
                             ncol = 2) {
  if (!inherits(motifs, "DeepomicsFilterMotifs")) {
    stop(sprintf("motifs must be the result of filterMotifs(), not %s", class_label(motifs)),
         call. = FALSE)
  }
  method <- match.arg(method)
  f <- motifs$filters
  if (is.null(filters)) {
    influence <- filter_influence(f)
    filters <- if (!is.null(influence)) f$filter[order(-influence)] else f$filter
  }
  bad <- setdiff(filters, f$filter)
  if (length(bad)) {
    stop(sprintf("filter %s does not exist: there are %d (1 to %d)", bad[[1L]], nrow(f), nrow(f)),
         call. = FALSE)
  }
  best <- motifs$matches[!duplicated(motifs$matches$filter), , drop = FALSE]
  titles <- vapply(filters, function(k) {
    title <- sprintf("filter %d: %d sites", k, f$n_sites[f$filter == k])
    if (k %in% best$filter) {
      b <- best[best$filter == k, ]
      title <- sprintf("%s\n%s %s (p = %.1e)", title, b$jaspar_id, b$name, b$p_value)
    }
    title
  }, "")
  polygons <- do.call(rbind, lapply(seq_along(filters), function(i) {
    d <- logo_polygons(motifs$pwms[filters[[i]], , ], method, motifs$letters)
    d$panel <- titles[[i]]
    d
  }))
  polygons$panel <- factor(polygons$panel, levels = titles)
  logo_plot(polygons, motifs$letters) +
    ggplot2::facet_wrap(~panel, ncol = ncol) +
    ggplot2::labs(x = "position", y = if (method == "bits") "bits" else "probability")
}

#' A logo of one sequence's attributions
#'
#' @param attributions An array from [attribution()] (or [mutagenesis()]).
#' @param i The sequence to draw (a number or a name).
#' @param start,end The positions to draw (from 1).
#' @return A ggplot: letters above the axis raise the output, below it lower it.
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' plotAttribution(attribution(model, x[2], method = "input_x_gradient"), start = 5, end = 22)
plotAttribution <- function(attributions, i = 1, start = 1, end = NULL) {
  m <- one_sequence(attributions, i, "attributions")
  end <- end %||% ncol(m)
  window <- check_window(start, end, ncol(m))
  polygons <- logo_polygons(m[, window, drop = FALSE], "custom", rownames(m))
  polygons$x <- polygons$x + start - 1
  logo_plot(polygons, rownames(m)) +
    ggplot2::geom_hline(yintercept = 0, colour = "grey50", linewidth = 0.3) +
    ggplot2::labs(x = "position", y = "attribution")
}

#' A DeepBind mutation map
#'
#' One sequence's mutagenesis: on top its letters, each as tall as the largest loss a
#' substitution there causes; below, a heatmap of every substitution's effect (blue lowers the
#' output, red raises it).
#'
#' @param effects An array from [mutagenesis()].
#' @param x The sequences `effects` was computed on, as [mutagenesis()] took them (character,
#'   XStringSet, a one-hot array, whose letters are read from its channels, or a `GRanges` with
#'   `genome`), or `NULL` to read the letters from the zero effects.
#' @param i The sequence to draw (a number or a name).
#' @param start,end The positions to draw (from 1).
#' @param genome For a `GRanges` `x`: the genome FASTA file ([intervalSequences()]).
#' @return A ggplot.
#' @export
#' @examplesIf deepomics:::backend_available()
#' set.seed(1)
#' x <- vapply(1:200, function(i) paste(sample(c("A", "C", "G", "T"), 40, TRUE), collapse = ""), "")
#' y <- factor(rep(c("no", "yes"), 100), levels = c("no", "yes"))
#' substr(x[y == "yes"], 10, 17) <- "TGACTCAG"
#' model <- trainModel(seqModel("deepbind", filters = 8, filter_size = 10), x, y, epochs = 10,
#'                     lr = 0.01)
#' plotMutationMap(mutagenesis(model, x[2]), x[2], start = 5, end = 22)
plotMutationMap <- function(effects, x = NULL, i = 1, start = 1, end = NULL, genome = NULL) {
  i <- sequence_number(effects, i, "effects")
  m <- one_sequence(effects, i, "effects")
  letters <- rownames(m)
  end <- end %||% ncol(m)
  window <- check_window(start, end, ncol(m))
  observed <- observed_letters(m, x, i, dim(effects)[[1L]], genome)
  m <- m[, window, drop = FALSE]
  observed <- observed[window]
  loss <- pmax(-apply(m, 2, min), 0)
  heights <- matrix(0, nrow(m), ncol(m), dimnames = dimnames(m))
  known <- !is.na(observed)  # an unknown letter (N) gets no letter drawn
  heights[cbind(match(observed[known], letters), which(known))] <- loss[known]
  tiles <- data.frame(position = rep(window, each = nrow(m)),
                      base = factor(rep(letters, ncol(m)), levels = rev(letters)),
                      effect = as.vector(m))
  n <- length(letters)
  polygons <- logo_polygons(heights, "custom", letters)
  top <- max(loss, 1e-12)
  polygons$x <- polygons$x + start - 1
  polygons$y <- n + 0.7 + polygons$y / top * 2.5  # the logo above the heatmap, 2.5 rows high
  limit <- max(abs(m), 1e-12)
  ggplot2::ggplot() +
    ggplot2::geom_tile(data = tiles, ggplot2::aes(x = position, y = as.integer(base),
                                                  fill = effect)) +
    ggplot2::scale_fill_gradient2(low = "#2166AC", mid = "white", high = "#B2182B",
                                  limits = c(-limit, limit), name = "effect") +
    ggplot2::geom_polygon(data = polygons, ggplot2::aes(x = x, y = y, group = group_by),
                          fill = unname(letter_colours(letters)[as.character(polygons$letter)])) +
    ggplot2::scale_y_continuous(breaks = seq_len(n), labels = rev(letters)) +
    ggplot2::labs(x = "position", y = NULL,
                  subtitle = sprintf("letters: largest loss a substitution causes (max %.3g)", top)) +
    ggplot2::theme_minimal() +
    ggplot2::theme(panel.grid = ggplot2::element_blank())
}

# ---- helpers -----------------------------------------------------------------------------------

py_interpret <- function() py_deepomics(torch = TRUE)$interpret

# The inputs of a sequence model: sequences or a one-hot array (a feature matrix is an error).
sequence_inputs <- function(model, x, genome, arg = "x") {
  takes_sequences <- isTRUE(model@encoding$input_kind %in% c("onehot", "tokens"))
  if (!takes_sequences) {
    stop(sprintf("this %s model takes a feature matrix; interpretation reads sequence models",
                 model@config$arch), call. = FALSE)
  }
  model_inputs(model, x, NULL, NULL, arg, genome)
}

# `target` for Python: NULL, a class name, or an output number from 1 (Python counts from 0).
py_target <- function(model, target) {
  if (is.null(target)) {
    return(NULL)
  }
  if (is.factor(target)) target <- as.character(target)
  if (is.character(target) && length(target) == 1L && !is.na(target)) {
    return(target)
  }
  if (is.numeric(target) && length(target) == 1L && !is.na(target) && target == round(target) &&
      target >= 1) {
    return(as.integer(target) - 1L)
  }
  stop(sprintf("target must be NULL, a class name or an output number (from 1), not %s",
               value_label(target)), call. = FALSE)
}

model_letters <- function(model) {
  alphabet_letters(model@encoding$alphabet %||% model@config$alphabet %||% "dna")
}

# The (C, L) matrix of sequence i of an array [sequence, letter, position].
# The number of sequence `i` (a number or a name) of a [sequence, letter, position] array.
sequence_number <- function(values, i, arg) {
  if (!is.array(values) || length(dim(values)) != 3L || is.null(dimnames(values)[[2L]])) {
    stop(sprintf("%s must be an array [sequence, letter, position] from mutagenesis() or ",
                 arg), "attribution()", call. = FALSE)
  }
  n <- dim(values)[[1L]]
  if (is.character(i) && length(i) == 1L) {
    index <- match(i, dimnames(values)[[1L]])
    if (is.na(index)) stop(sprintf("there is no sequence named '%s' in %s", i, arg), call. = FALSE)
    i <- index
  }
  if (!is.numeric(i) || length(i) != 1L || is.na(i) || i < 1 || i > n || i != round(i)) {
    stop(sprintf("i must be a sequence number from 1 to %d or a name", n), call. = FALSE)
  }
  as.integer(i)
}

one_sequence <- function(values, i, arg) {
  i <- sequence_number(values, i, arg)
  m <- values[i, , , drop = TRUE]
  if (is.null(dim(m))) m <- matrix(m, ncol = 1L, dimnames = list(dimnames(values)[[2L]], NULL))
  m
}

check_window <- function(start, end, length) {
  ok <- function(v) is.numeric(v) && length(v) == 1L && !is.na(v) && v == round(v)
  if (!ok(start) || !ok(end) || start < 1 || end > length || start > end) {
    stop(sprintf("start and end must be positions with 1 <= start <= end <= %d; got %s and %s",
                 length, value_label(start), value_label(end)), call. = FALSE)
  }
  seq.int(start, end)
}

# The letter at each position of sequence `i` (of `n`): from the sequences given (checked
# against the effects; a GRanges read from `genome`, a one-hot array by its channels), else the
# letter whose effect is 0; NA where neither tells (an N).
observed_letters <- function(m, x, i, n, genome = NULL) {
  letters <- rownames(m)
  zero <- apply(m, 2, function(column) {
    at <- which(column == 0)
    if (length(at) == 1L) at else NA_integer_
  })
  from_effects <- letters[zero]
  if (is.null(x)) {
    if (all(is.na(zero))) {
      stop("these effects have no position with one zero effect (the observed letter), so they ",
           "are not mutagenesis() output; give the sequences as x, or draw attributions with ",
           "plotAttribution()", call. = FALSE)
    }
    return(from_effects)
  }
  if (is(x, "GRanges")) {
    x <- intervalSequences(x, genome)
  } else if (!is.null(genome)) {
    stop(sprintf("genome applies to genomic intervals (a GRanges); x is %s", class_label(x)),
         call. = FALSE)
  }
  onehot <- is.array(x) && length(dim(x)) == 3L && (is.numeric(x) || is.logical(x))
  if (is(x, "XStringSet")) x <- as.character(x)
  if (!is.character(x) && !onehot) {
    stop(sprintf(paste0(
      "x must be the sequences the effects were computed on (character, XStringSet, a one-hot ",
      "array, or a GRanges with genome), not %s"), class_label(x)), call. = FALSE)
  }
  count <- if (onehot) dim(x)[[1L]] else length(x)
  if (count != n) {
    stop(sprintf("x has %d sequence%s but the effects have %d; give the sequences the effects ",
                 count, if (count == 1L) "" else "s", n),
         "were computed on", call. = FALSE)
  }
  out <- if (onehot) onehot_letters(x, i, letters) else strsplit(toupper(x[[i]]), "")[[1L]]
  if (length(out) != ncol(m)) {
    stop(sprintf("sequence %s has %d letters but its effects cover %d positions", i,
                 length(out), ncol(m)), call. = FALSE)
  }
  differ <- which(!is.na(from_effects) & out %in% letters & out != from_effects)
  if (length(differ)) {
    stop(sprintf(paste0(
      "x[%d] is not the sequence the effects were computed on: at position %d it has %s, the ",
      "effects %s (%d positions differ)"), i, differ[[1L]], out[[differ[[1L]]]],
      from_effects[[differ[[1L]]]], length(differ)), call. = FALSE)
  }
  out[!out %in% letters] <- NA
  out
}

# The letters of sequence `i` of a one-hot array [sequence, channel, position]: at each position
# the channel that holds the one (by the channels' names, else taken to be `letters` in order);
# NA for a position with no single largest channel (padding, an N).
onehot_letters <- function(x, i, letters) {
  channels <- onehot_channels(x)
  if (is.null(channels)) {
    if (dim(x)[[2L]] != length(letters)) {
      stop(sprintf(paste0(
        "x is a one-hot array of %d channels without letter names, and the effects have %d ",
        "letters (%s); name its channels (dimnames(x)[[2]]) or give the sequences"),
        dim(x)[[2L]], length(letters), paste(letters, collapse = ", ")), call. = FALSE)
    }
    channels <- letters
  }
  m <- matrix(x[i, , ], nrow = dim(x)[[2L]])
  vapply(seq_len(ncol(m)), function(l) {
    top <- which(m[, l] == max(m[, l]))
    if (length(top) == 1L && m[top, l] > 0) channels[[top]] else NA_character_
  }, character(1))
}

# ggseqlogo's letter outlines of a (C, W) matrix (rows named by the letters), as polygons:
# x, y, letter, position, group_by (one group per drawn letter).
logo_polygons <- function(m, method, letters) {
  if (!requireNamespace("ggseqlogo", quietly = TRUE)) {
    stop("the logos need the ggseqlogo package: install.packages(\"ggseqlogo\")", call. = FALSE)
  }
  m <- as.matrix(m)
  rownames(m) <- letters
  seq_type <- if (identical(sort(letters), c("A", "C", "G", "T"))) "dna" else
    if (identical(sort(letters), c("A", "C", "G", "U"))) "rna" else "aa"
  d <- ggseqlogo::geom_logo(m, method = method, seq_type = seq_type, plot = FALSE)
  d$group_by <- interaction(d$letter, d$position, drop = TRUE)
  d <- d[order(d$group_by, d$order), , drop = FALSE]  # each outline's points in drawing order
  # ggseqlogo adds flat placeholder letters at the ends to fix the range: not glyphs
  height <- stats::ave(d$y, d$group_by, FUN = function(v) diff(range(v)))
  d[height > 0, , drop = FALSE]
}

logo_plot <- function(polygons, letters) {
  colours <- letter_colours(letters)
  ggplot2::ggplot(polygons, ggplot2::aes(x = x, y = y, group = group_by, fill = letter)) +
    ggplot2::geom_polygon() +
    ggplot2::scale_fill_manual(values = colours, guide = "none") +
    ggplot2::theme_minimal() +
    ggplot2::theme(panel.grid.minor = ggplot2::element_blank())
}

letter_colours <- function(letters) {
  dna <- c(A = "#109648", C = "#255C99", G = "#F7B32B", T = "#D62839", U = "#D62839")
  if (all(letters %in% names(dna))) {
    return(dna[letters])
  }
  stats::setNames(grDevices::hcl.colors(length(letters), "Dark 3"), letters)
}
