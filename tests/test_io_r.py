"""deepomics.io.read_r / write_r: Bioconductor objects in R files <-> AnnData, through rpy2."""
import os

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from deepomics import io
from deepomics.io import r as rio

ro = pytest.importorskip("rpy2.robjects", reason="rpy2 is part of the test extra; install .[test]")


@pytest.fixture(scope="module")
def sce_file(tmp_path_factory):
    """An SCE made in R: 6 genes x 4 cells, sparse counts, dense logcounts, a factor with
    levels out of alphabetical order, rowData, a PCA reducedDim and plain metadata."""
    path = str(tmp_path_factory.mktemp("r") / "sce.rds")
    rio._r()
    ro.r(f"""
    set.seed(1)
    counts <- Matrix::rsparsematrix(6, 4, density = 0.5, rand.x = function(n) rpois(n, 5) + 1)
    logcounts <- matrix(seq(0.5, 12, by = 0.5), 6, 4)
    dimnames(counts) <- dimnames(logcounts) <- list(paste0("gene", 1:6), paste0("cell", 1:4))
    sce <- SingleCellExperiment::SingleCellExperiment(
      assays = list(counts = counts, logcounts = logcounts),
      colData = S4Vectors::DataFrame(type = factor(c("T", "B", "T", "NK"), levels = c("T", "NK", "B")),
                                     depth = c(10.5, 20, 30, 40), batch = c("a", "a", "b", "b")),
      rowData = S4Vectors::DataFrame(symbol = paste0("SYM", 1:6)),
      reducedDims = list(PCA = matrix(1:8 / 2, 4, 2)),
      metadata = list(study = "test", n = 3L, params = list(k = 2.5)))
    saveRDS(sce, "{path}")
    """)
    return path


def r_matrix(expr: str) -> np.ndarray:
    return np.asarray(ro.r(f"as.matrix({expr})"))


def test_read_sce_keeps_every_slot_in_samples_x_features_orientation(sce_file):
    adata = io.read_r(sce_file)
    assert adata.shape == (4, 6)
    assert list(adata.obs_names) == [f"cell{i}" for i in range(1, 5)]
    assert list(adata.var_names) == [f"gene{i}" for i in range(1, 7)]
    logcounts = r_matrix(f'SummarizedExperiment::assay(readRDS("{sce_file}"), "logcounts")')
    counts = r_matrix(f'SummarizedExperiment::assay(readRDS("{sce_file}"), "counts")')
    np.testing.assert_array_equal(adata.X, logcounts.T)          # X is logcounts, transposed
    assert sp.issparse(adata.layers["counts"]) and adata.layers["counts"].format == "csr"
    np.testing.assert_array_equal(adata.layers["counts"].toarray(), counts.T)
    np.testing.assert_array_equal(adata.layers["logcounts"], logcounts.T)
    assert list(adata.obs["type"].cat.categories) == ["T", "NK", "B"]
    assert list(adata.obs["type"]) == ["T", "B", "T", "NK"]
    np.testing.assert_array_equal(adata.obs["depth"], [10.5, 20, 30, 40])
    assert list(adata.var["symbol"]) == [f"SYM{i}" for i in range(1, 7)]
    np.testing.assert_array_equal(adata.obsm["X_pca"], np.arange(1, 9).reshape(2, 4).T / 2)
    assert adata.uns["study"] == "test" and adata.uns["n"] == 3 and adata.uns["params"] == {"k": 2.5}
    assert adata.uns["deepomics_r"]["X_name"] == "logcounts"


def test_the_sce_and_its_anndata_give_the_model_the_same_inputs(sce_file):
    from deepomics.train import data as D

    adata = io.read_r(sce_file, X_name="counts")
    x, _ = D.as_inputs(adata)
    counts = r_matrix(f'SummarizedExperiment::assay(readRDS("{sce_file}"), "counts")')
    dense = x.toarray() if sp.issparse(x) else x
    np.testing.assert_array_equal(dense, counts.T)   # cell i, gene j = counts[j, i] in R
    assert D.feature_names(adata) == [f"gene{i}" for i in range(1, 7)]


def test_write_then_read_in_r_is_exact(sce_file, tmp_path):
    adata = io.read_r(sce_file)
    adata.obs["predicted"] = pd.Categorical(["x", "y", "x", "y"])
    adata.obsm["X_deepomics"] = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = io.write_r(adata, tmp_path / "back.rds")
    assert out == str(tmp_path / "back.rds")
    same = ro.r(f"""(function() {{
      a <- readRDS("{sce_file}"); b <- readRDS("{out}")
      c(is(b, "SingleCellExperiment"),
        identical(as.matrix(SummarizedExperiment::assay(a, "counts")),
                  as.matrix(SummarizedExperiment::assay(b, "counts"))),
        is(SummarizedExperiment::assay(b, "counts"), "dgCMatrix"),
        isTRUE(all.equal(SummarizedExperiment::assay(a, "logcounts"),
                         SummarizedExperiment::assay(b, "logcounts"))),
        identical(levels(b$type), c("T", "NK", "B")), identical(as.character(b$type), as.character(a$type)),
        identical(b$depth, a$depth), identical(SummarizedExperiment::rowData(b)$symbol, paste0("SYM", 1:6)),
        identical(dim(SingleCellExperiment::reducedDim(b, "DEEPOMICS")), c(4L, 3L)),
        SingleCellExperiment::reducedDim(b, "DEEPOMICS")[2, 3] == 5,
        identical(S4Vectors::metadata(b)$study, "test"),
        identical(as.character(b$predicted), c("x", "y", "x", "y")))
    }})()""")
    assert list(same) == [True] * 12
    again = io.read_r(out)
    np.testing.assert_array_equal(again.X, adata.X)
    np.testing.assert_array_equal(again.layers["counts"].toarray(), adata.layers["counts"].toarray())


def test_an_anndata_without_obs_or_var_columns_writes_and_reads_back(tmp_path):
    import anndata as ad

    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    adata = ad.AnnData(x, obs=pd.DataFrame(index=["c1", "c2", "c3"]),
                       var=pd.DataFrame(index=[f"g{i}" for i in range(4)]))
    again = io.read_r(io.write_r(adata, tmp_path / "bare.rds"))
    assert list(again.obs_names) == ["c1", "c2", "c3"] and list(again.var_names) == list(adata.var_names)
    assert again.obs.shape == (3, 0) and again.var.shape == (4, 0)
    np.testing.assert_array_equal(again.X, x)


def test_expression_set_from_an_rda_file():
    path = ro.r('system.file("data", "ALL.rda", package = "ALL")')[0]
    if not path:
        pytest.fail("Debian's r-bioc-all (the ALL data set) is part of the set-up; run make setup")
    adata = io.read_r(path)
    assert adata.shape == (128, 12625)
    first = float(ro.r(f'local({{load("{path}"); Biobase::exprs(ALL)[1, 2]}})')[0])
    assert adata.X[1, 0] == pytest.approx(first, abs=0)
    assert adata.uns["deepomics_r"]["class"] == "ExpressionSet"
    assert "sex" in adata.obs and isinstance(adata.obs["sex"].dtype, pd.CategoricalDtype)


def test_errors_say_what_is_wrong(sce_file, tmp_path):
    with pytest.raises(io.RObjectError, match="does not exist"):
        io.read_r(tmp_path / "missing.rds")
    numbers = str(tmp_path / "numbers.rds")
    ro.r(f'saveRDS(1:3, "{numbers}")')
    with pytest.raises(io.RObjectError, match="class integer; read_r reads SingleCellExperiment"):
        io.read_r(numbers)
    corrupt = tmp_path / "corrupt.rds"
    corrupt.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(io.RObjectError, match="R could not read"):
        io.read_r(corrupt)
    two = str(tmp_path / "two.rda")
    ro.r(f'local({{a <- readRDS("{sce_file}"); b <- a; save(a, b, file = "{two}")}})')
    with pytest.raises(io.RObjectError, match="holds 2 .* objects \\(a, b\\); pick one with name="):
        io.read_r(two)
    assert io.read_r(two, name="b").shape == (4, 6)
    with pytest.raises(io.RObjectError, match="X_name='tpm' is not an assay"):
        io.read_r(sce_file, X_name="tpm")
    text = tmp_path / "data.csv"
    text.write_text("a,b\n")
    with pytest.raises(io.RObjectError, match="reads .rds"):
        io.read_r(text)
    existing = tmp_path / "existing.rds"
    existing.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        io.write_r(io.read_r(sce_file), existing)
    assert existing.read_bytes() == b"keep me"   # nothing the user had is overwritten
    with pytest.raises(io.RObjectError, match=r"write_r writes an R object file, .rds \(saveRDS\); "
                                              r"name it so; an .h5ad file is adata.write_h5ad"):
        io.write_r(io.read_r(sce_file), tmp_path / "cells.h5ad")  # it wrote RDS under that name
    assert not (tmp_path / "cells.h5ad").exists()
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".deepomics-")]


def test_missing_values_stay_missing_both_ways(tmp_path):
    """R's NA (text, integer, logical, double, factor) reads as pandas' missing values, not as
    sentinels (-2147483648, "NA_character_") a model would train on; missing values written
    back are R's NA, not the text "None" / "nan"."""
    from deepomics import tl

    path = str(tmp_path / "na.rds")
    rio._r()
    ro.r(f"""
    m <- matrix(as.double(1:24), 4, 6, dimnames = list(paste0("g", 1:4), paste0("c", 1:6)))
    sce <- SingleCellExperiment::SingleCellExperiment(list(logcounts = m),
      colData = S4Vectors::DataFrame(cell_type = c(NA, "T", "B", "T", NA, "B"),
                                     n = c(1L, NA, 3L, 4L, 5L, 6L),
                                     ok = c(TRUE, NA, FALSE, TRUE, TRUE, FALSE),
                                     depth = c(1.5, NA, 2, 3, 4, 5),
                                     batch = factor(c("a", NA, "b", "a", "b", "a"))))
    saveRDS(sce, "{path}")
    """)
    adata = rio.read_r(path)
    obs = adata.obs
    assert obs["cell_type"].isna().tolist() == [True, False, False, False, True, False]
    assert obs["cell_type"].dropna().tolist() == ["T", "B", "T", "B"]
    assert obs["n"].dtype == "Int32" and obs["n"].isna().tolist() == [False, True] + [False] * 4
    assert obs["n"].dropna().tolist() == [1, 3, 4, 5, 6]
    assert obs["ok"].dtype == "boolean" and obs["ok"].isna().sum() == 1
    assert obs["depth"].isna().sum() == 1 and obs["batch"].isna().sum() == 1
    # the unlabelled cells are not a class
    fit = tl.classify(adata, "cell_type", model={"arch": "mlp", "hidden": [4]}, epochs=1,
                      valid_fraction=0)
    assert sorted(map(str, fit.classes)) == ["B", "T"]
    # and back to R: NA again, in every column
    obs["note"] = ["x", None, np.nan, "y", "z", "w"]
    out = rio.write_r(adata, tmp_path / "back.rds")
    nas = ro.r(f"""(function() {{
      b <- SummarizedExperiment::colData(readRDS("{out}"))
      vapply(c("cell_type", "n", "ok", "depth", "batch", "note"), function(k) sum(is.na(b[[k]])), 1L)
    }})()""")
    assert list(nas) == [2, 1, 1, 1, 1, 2]
    assert list(ro.r(f'as.character(readRDS("{out}")$cell_type)[2:4]')) == ["T", "B", "T"]


def test_categories_that_are_numbers_or_logicals_are_factors_in_r(tmp_path):
    """tl.classify keeps a 0 / 1 column's classes as numbers; R gets a factor whose levels
    are written the R way (1, not 1.0; TRUE), not a character vector (rpy2's default)."""
    import anndata as ad

    obs = pd.DataFrame({"n": pd.Categorical([0, 1, 1, 0]), "f": pd.Categorical([1.0, 0.0, 1.0, 1.0]),
                        "b": pd.Categorical([True, False, True, True])},
                       index=[f"c{i}" for i in range(4)])
    adata = ad.AnnData(np.ones((4, 2), np.float32), obs=obs,
                       var=pd.DataFrame(index=["g1", "g2"]))
    out = rio.write_r(adata, tmp_path / "cats.rds")
    got = ro.r(f"""(function() {{
      d <- SummarizedExperiment::colData(readRDS("{out}"))
      c(vapply(c("n", "f", "b"), function(k) is.factor(d[[k]]), TRUE),
        paste(levels(d$n), collapse = ","), paste(levels(d$f), collapse = ","),
        paste(levels(d$b), collapse = ","))
    }})()""")
    assert list(got) == ["TRUE", "TRUE", "TRUE", "0,1", "0,1", "FALSE,TRUE"]


def test_uns_lists_are_written_and_what_cannot_be_is_said(tmp_path):
    import anndata as ad

    adata = ad.AnnData(np.ones((2, 3)), obs=pd.DataFrame(index=["a", "b"]),
                       var=pd.DataFrame(index=["g1", "g2", "g3"]))
    adata.uns["genes"] = ["g1", "g3"]
    adata.uns["cutoffs"] = [0.5, 1]
    adata.uns["model"] = object()
    with pytest.warns(UserWarning, match="uns entry 'model' \\(object\\) is not a plain value"):
        out = rio.write_r(adata, tmp_path / "uns.rds")
    again = rio.read_r(out)
    assert list(again.uns["genes"]) == ["g1", "g3"]
    np.testing.assert_array_equal(again.uns["cutoffs"], [0.5, 1.0])
    assert "model" not in again.uns


def test_x_is_its_own_copy_and_an_edited_x_is_not_dropped_silently(sce_file, tmp_path):
    """scanpy normalises X in place: the layer X came from stays as R had it; writing back, an
    X that now differs from that layer is an error saying how to keep both."""
    adata = io.read_r(sce_file)
    before = adata.layers["logcounts"].copy()
    adata.X *= 10
    np.testing.assert_array_equal(adata.layers["logcounts"], before)
    with pytest.raises(rio.RObjectError, match=r"X differs from layers\['logcounts'\].*X_name="):
        io.write_r(adata, tmp_path / "edited.rds")
    io.write_r(adata, tmp_path / "both.rds", X_name="scaled")
    again = io.read_r(tmp_path / "both.rds", X_name="scaled")
    np.testing.assert_array_equal(again.X, before * 10)
    np.testing.assert_array_equal(again.layers["logcounts"], before)
    io.write_r(io.read_r(sce_file), tmp_path / "same.rds")  # an unedited X: written as before


def test_integer_na_slot_collisions_and_dropped_parts_are_said(tmp_path):
    path = str(tmp_path / "na.rds")
    ro.r(f"""
    counts <- matrix(1:12, 3, 4, dimnames = list(paste0("g", 1:3), paste0("c", 1:4)))
    counts[2, 3] <- NA_integer_
    sce <- SingleCellExperiment::SingleCellExperiment(list(counts = counts),
      colData = S4Vectors::DataFrame(tags = I(list(1, 2:3, "a", NULL)), n = 1:4),
      reducedDims = list(PCA = matrix(1, 4, 2), X_pca = matrix(2, 4, 2)))
    saveRDS(sce, "{path}")
    """)
    with pytest.raises(rio.RObjectError, match="reducedDims 'X_pca' and another one both become "
                                               "obsm 'X_pca'"):
        io.read_r(path)
    ro.r(f'x <- readRDS("{path}"); SingleCellExperiment::reducedDim(x, "X_pca") <- NULL; '
         f'SingleCellExperiment::reducedDim(x, "spatial") <- matrix(3, 4, 2); saveRDS(x, "{path}")')
    with pytest.warns(Warning, match="left out .*colData column tags"):
        adata = io.read_r(path)
    assert adata.X.dtype.kind == "f" and np.isnan(adata.X[2, 1])  # not -2147483648
    assert np.nansum(adata.X) == sum(range(1, 13)) - 8 and list(adata.obs.columns) == ["n"]
    assert sorted(adata.obsm.keys()) == ["X_pca", "spatial"]   # squidpy's key kept as it is
    dup = adata.copy()
    dup.obs_names = ["c1", "c2", "c1", "c4"]
    with pytest.raises(rio.RObjectError, match="obs_names are not unique \\('c1' repeats\\).*"
                                               "obs_names_make_unique"):
        io.write_r(dup, tmp_path / "dup.rds")
    both = adata.copy()
    both.obsm["PCA"] = both.obsm["X_pca"] + 1
    with pytest.raises(rio.RObjectError, match="obsm 'X_pca' and 'PCA' would both be the "
                                               "reducedDim 'PCA'"):
        io.write_r(both, tmp_path / "both.rds")
    graph = adata.copy()
    graph.obsp["connectivities"] = sp.identity(4, format="csr")
    with pytest.warns(Warning, match="obsp have no place in a SingleCellExperiment"):
        io.write_r(graph, tmp_path / "graph.rds")
