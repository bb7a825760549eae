#' deepomics: deep learning for biological sequences and expression data
#'
#' The R interface to the deepomics Python package. Sequences go in as character vectors or
#' Biostrings XStringSet objects (or GRanges with a genome FASTA), expression data as matrices, sparse `dgCMatrix` objects,
#' SummarizedExperiment or SingleCellExperiment objects; models of the field's architectures
#' are trained, evaluated, saved and used, and predictions come back as R matrices and factors
#' or inside the user's own SummarizedExperiment / SingleCellExperiment.
#'
#' Python is not started when the package is loaded, only by the first function that needs it.
#' The interpreter is, in this order: the option `deepomics.python`, the environment variable
#' `DEEPOMICS_PYTHON`, reticulate's explicit settings (`RETICULATE_PYTHON`,
#' `reticulate::use_python(required = TRUE)`), the virtualenv `"r-deepomics"` (made by
#' [install_deepomics()]), then reticulate's default search. Python errors reach R as errors of
#' class `deepomics_python_error` with Python's message; a missing Python package gives an
#' error of class `deepomics_backend_error` that names [install_deepomics()].
#'
#' @section Functions:
#' * [readFasta()]: read a FASTA file (plain or gzip).
#' * [oneHot()]: one-hot arrays, sequences x channels x positions.
#' * [kmerCounts()]: k-mer count matrices, dense or sparse.
#' * [sequenceTokens()]: integer tokens for embeddings; [dinucleotideShuffle()]: shuffles that
#'   keep dinucleotide counts.
#' * [intervalSequences()]: the sequences of a `GRanges` in a genome FASTA file.
#' * [jasparMotif()]: JASPAR motifs offline; [plantMotif()]: sequences with sampled sites.
#' * [seqModel()], [mlpModel()], [autoencoderModel()], [dgexModel()], [deepomicsModel()]:
#'   models; [modelParameters()] lists their settings.
#' * [trainModel()]: train a model; [trainingHistory()] its history.
#' * [predict()][predict.DeepomicsModel], [evaluateModel()], [embedModel()]: use it.
#' * [saveModel()], [loadModel()]: model files shared with Python; [modelInfo()].
#' * [gridSearch()], [leaderboard()], [bestModel()]: H2O-style model selection.
#' * [mutagenesis()], [attribution()], [filterMotifs()], [variantEffect()],
#'   [attentionWeights()] and their plots: what a model learned.
#' * [runDemo()]: the main job.
#' * [install_deepomics()]: set up the Python backend.
#'
#' @keywords internal
#' @importFrom methods is new setGeneric setMethod setClass show
#' @importFrom stats predict
#' @importClassesFrom Biostrings XStringSet
#' @importClassesFrom Matrix dgCMatrix
#' @importClassesFrom GenomicRanges GRanges
"_PACKAGE"
