"""deepomics.tl and deepomics.pl on AnnData; backed (on-disk) AnnData; features matched by name."""
import tracemalloc

import anndata as ad
import matplotlib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from deepomics import pl, tl, train

matplotlib.use("Agg")


def clusters(n: int = 600, p: int = 40, k: int = 3, seed: int = 0, sparse: bool = False):
    """Cells in k clusters, each with its own 5 marker genes; obs["cell_type"] with categories
    in a non-alphabetical order."""
    rng = np.random.default_rng(seed)
    kind = rng.integers(0, k, size=n)
    x = rng.gamma(1.0, 0.5, size=(n, p)).astype(np.float32)
    for c in range(k):
        x[kind == c, c * 5:(c + 1) * 5] += 3.0
    x[x < 0.3] = 0.0
    names = np.array(["T", "B", "NK", "DC"])[:k]
    obs = pd.DataFrame({"cell_type": pd.Categorical(names[kind], categories=list(names))},
                       index=[f"cell{i}" for i in range(n)])
    var = pd.DataFrame(index=[f"gene{j}" for j in range(p)])
    return ad.AnnData(sp.csr_matrix(x) if sparse else x, obs=obs, var=var)


def knn_accuracy(x: np.ndarray, labels, k: int = 10) -> float:
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    return float(cross_val_score(KNeighborsClassifier(k), x, labels, cv=5).mean())


def test_classify_transfers_labels_to_unlabelled_cells():
    adata = clusters(sparse=True)
    truth = adata.obs["cell_type"].copy()
    hidden = np.arange(adata.n_obs) % 3 == 0                       # a third unlabelled
    adata.obs.loc[hidden, "cell_type"] = np.nan
    model = tl.classify(adata, "cell_type", epochs=30, seed=0)
    assert model.classes == ["T", "B", "NK"]                         # the categories' order
    predicted = adata.obs["cell_type_deepomics"]
    assert list(predicted.cat.categories) == ["T", "B", "NK"]
    assert (predicted[hidden] == truth[hidden]).mean() >= 0.95
    proba = adata.obsm["cell_type_deepomics_proba"]
    assert list(proba.columns) == ["T", "B", "NK"] and list(proba.index) == list(adata.obs_names)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert adata.uns["cell_type_deepomics"]["params"]["n_labelled"] == int((~hidden).sum())
    with pytest.raises(KeyError, match="label column 'celltype' is not in adata.obs"):
        tl.classify(adata, "celltype")
    transposed = adata.T.copy()          # genes x cells: the labels are now in var
    with pytest.raises(KeyError, match="it is in adata.var, so the AnnData looks transposed"):
        tl.classify(transposed, "cell_type")
    with pytest.raises(ValueError, match="needs a regression model from tl.dgex.*this is a "
                                         "multiclass model: use tl.predict"):
        tl.predict_targets(adata, model)


def test_autoencoder_latent_under_the_documented_key_and_usable_by_scanpy():
    import scanpy as sc

    adata = clusters()
    model = tl.autoencoder(adata, latent_dim=4, hidden=(32,), epochs=60, seed=0,
                           reconstruction_layer="reconstructed")
    latent = adata.obsm["X_deepomics"]
    assert latent.shape == (adata.n_obs, 4)
    assert knn_accuracy(latent, adata.obs["cell_type"]) >= 0.95      # the clusters survive
    assert adata.layers["reconstructed"].shape == adata.shape
    recon_error = np.mean((adata.layers["reconstructed"] - adata.X) ** 2)
    assert recon_error < np.var(adata.X)                              # better than the mean
    np.testing.assert_allclose(latent, train.embed(model, adata), rtol=1e-6)
    assert "train_loss" in adata.uns["deepomics"]["history"]
    sc.pp.neighbors(adata, use_rep="X_deepomics", n_neighbors=10)
    assert adata.obsp["connectivities"].shape == (adata.n_obs, adata.n_obs)
    tl.autoencoder(adata, latent_dim=2, hidden=(8,), epochs=2, key_added="X_small")
    assert adata.obsm["X_small"].shape == (adata.n_obs, 2)


def test_dgex_predicts_targets_of_profiles_that_hold_only_landmarks():
    rng = np.random.default_rng(3)
    n, n_land, n_target = 800, 30, 12
    z = rng.normal(size=(n, n_land))
    weights = rng.normal(size=(n_land, n_target)) / np.sqrt(n_land)
    # log2-expression-like units: genes far from 0 and of their own spread (D-GEX standardises)
    landmarks = 6 + rng.uniform(0.5, 3, size=n_land) * z
    targets = 8 + 3 * np.tanh(z @ weights) + 0.1 * rng.normal(size=(n, n_target))
    genes = [f"L{i}" for i in range(n_land)] + [f"T{i}" for i in range(n_target)]
    adata = ad.AnnData(np.hstack([landmarks, targets]).astype(np.float32),
                       var=pd.DataFrame(index=genes))
    train_cells, test_cells = adata[:600].copy(), adata[600:].copy()
    model = tl.dgex(train_cells, genes[:n_land], genes[n_land:], hidden=(32,), epochs=40,
                    lr=1e-2, batch_size=32, seed=0)
    assert model.feature_names == genes[:n_land] and model.classes == genes[n_land:]
    only_landmarks = test_cells[:, genes[:n_land][::-1]].copy()         # reordered, no targets
    predicted = tl.predict_targets(only_landmarks, model)
    assert list(predicted.var_names) == genes[n_land:]
    observed = test_cells[:, genes[n_land:]].X
    r2 = 1 - ((predicted.X - observed) ** 2).sum() / ((observed - observed.mean(0)) ** 2).sum()
    assert r2 >= 0.8
    with pytest.raises(ValueError, match="both landmarks and targets"):
        tl.dgex(train_cells, genes[:5], genes[4:8])
    with pytest.raises(KeyError, match="1 of the 2 landmarks are not in adata.var_names.*nope"):
        tl.dgex(train_cells, ["L0", "nope"], ["T0"])
    with pytest.raises(KeyError, match=r"1 of the \d+ landmarks of the model are not in"):
        tl.predict_targets(test_cells[:, genes[1:]].copy(), model)



def test_dgex_with_a_repeated_gene_name_it_does_not_use(tmp_path):
    """Repeated var names (after ad.concat) matter only when they are landmarks or targets."""
    rng = np.random.default_rng(5)
    adata = ad.AnnData(rng.normal(3, 1, size=(60, 4)).astype(np.float32),
                       var=pd.DataFrame(index=["A", "B", "C", "C"]))
    model = tl.dgex(adata, ["A"], ["B"], hidden=(4,), epochs=1)
    assert tl.predict_targets(adata, model).shape == (60, 1)
    with pytest.raises(ValueError, match="occurs more than once \\(e.g. 'C'\\).*var_names_make_unique"):
        tl.dgex(adata, ["A"], ["C"], hidden=(4,), epochs=1)


def test_dgex_on_a_layer_reads_that_layer_again(tmp_path):
    """tl.dgex(layer=) remembers its layer: predict_targets, tl.predict and a loaded model read
    it, not X (a counts model was fed log values without a word)."""
    from deepomics import io

    rng = np.random.default_rng(4)
    counts = rng.poisson(20, size=(120, 6)).astype(np.float32)
    adata = ad.AnnData(np.log1p(counts), var=pd.DataFrame(index=[f"g{i}" for i in range(6)]),
                       layers={"counts": counts})
    model = tl.dgex(adata, ["g0", "g1", "g2", "g3"], ["g4", "g5"], layer="counts", hidden=(8,),
                    epochs=2, seed=0)
    expected = tl.predict_targets(adata, model, layer="counts").X
    np.testing.assert_array_equal(tl.predict_targets(adata, model).X, expected)
    assert not np.allclose(tl.predict_targets(adata, model, layer="X").X, expected)
    io.save(model, tmp_path / "dgex")
    np.testing.assert_array_equal(tl.predict_targets(adata, io.load(tmp_path / "dgex")).X, expected)


def test_bad_expression_data_gets_clear_errors():
    adata = clusters(100)
    adata.X[:, 7] = 0
    adata.X[:, 9] = 0
    with pytest.raises(ValueError, match="2 genes are zero in every cell \\(e.g. gene7, gene9\\).*filter_genes"):
        tl.autoencoder(adata, epochs=1)
    with pytest.raises(ValueError, match=r"adata has no cells \(0 observations\)"):
        tl.classify(clusters(100)[:0].copy(), "cell_type", epochs=1)
    adata = clusters(100)
    adata.X[5, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        tl.classify(adata, "cell_type", epochs=1)
    with pytest.raises(ValueError, match="labels have 99 entries but there are 100 samples"):
        train.fit({"arch": "mlp"}, (clusters(100), np.zeros(99)), epochs=1)


def test_features_are_matched_by_name_at_predict_time(tmp_path):
    from deepomics import io

    adata = clusters(200)
    model = train.fit({"arch": "mlp", "hidden": [16]}, (adata, "cell_type"), epochs=3, seed=0)
    assert model.feature_names == list(adata.var_names)
    expected = train.predict(model, adata)
    shuffled = adata[:, adata.var_names[::-1]].copy()
    shuffled.var_names_make_unique()
    np.testing.assert_array_equal(train.predict(model, shuffled), expected)
    frame = adata.to_df()[adata.var_names[::-1]]
    np.testing.assert_array_equal(train.predict(model, frame), expected)
    with pytest.raises(ValueError, match="lacks 1 of the 40 features.*gene3"):
        train.predict(model, adata[:, [g for g in adata.var_names if g != "gene3"]].copy())
    loaded = io.load(io.save(model, tmp_path / "m"))
    assert loaded.feature_names == model.feature_names
    np.testing.assert_array_equal(train.predict(loaded, shuffled), expected)


@pytest.mark.parametrize("sparse", [False, True])
def test_backed_anndata_trains_without_loading_x(tmp_path, sparse):
    adata = clusters(10000, 400, sparse=sparse)
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    backed = ad.read_h5ad(path, backed="r")
    size = adata.X.data.nbytes + adata.X.indices.nbytes if sparse else adata.X.nbytes
    config = {"arch": "mlp", "hidden": [16]}
    tracemalloc.start()
    on_disk = train.fit(config, (backed, "cell_type"), epochs=2, batch_size=128, seed=0,
                        valid_fraction=0.2)
    p_disk = train.predict(on_disk, backed, batch_size=256)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < size / 4, f"{peak / 2**20:.1f} MiB allocated at the peak for {size / 2**20:.1f} MiB of X"
    in_memory = train.fit(config, (adata, "cell_type"), epochs=2, batch_size=128, seed=0,
                          valid_fraction=0.2)
    pd.testing.assert_frame_equal(on_disk.history, in_memory.history)
    np.testing.assert_allclose(p_disk, train.predict(in_memory, adata), rtol=1e-6)
    backed.file.close()


def test_plots_draw_what_they_say(tmp_path):
    adata = clusters(200)
    model = tl.classify(adata, "cell_type", epochs=5, patience=10, seed=0)
    axes = pl.history(model, ["loss", "accuracy"])
    assert [ax.get_title() for ax in axes] == ["loss", "accuracy"]
    assert len(axes[0].get_lines()) == 3                       # training, validation, kept epoch
    assert len(axes[1].get_lines()[0].get_xdata()) == len(model.history)
    with pytest.raises(ValueError, match="no metric auprcc"):
        pl.history(model, ["auprcc"])
    assert [ax.get_title() for ax in pl.history(model, "loss")] == ["loss"]  # one by name
    tl.autoencoder(adata, latent_dim=2, hidden=(8,), epochs=3)
    ax = pl.latent(adata, "cell_type")
    assert ax.collections[0].get_offsets().shape == (200, 2)
    with pytest.raises(KeyError, match="run deepomics.tl.autoencoder first"):
        pl.latent(adata, "cell_type", key="X_missing")
    with pytest.raises(KeyError, match="color 'celltype' is neither an obs column nor a gene "
                                       r"\(obs has: cell_type"):
        pl.latent(adata, "celltype")
    with pytest.raises(ValueError, match=r"dims must be two latent dimensions between 0 and 1 "
                                         r"\(obsm\['X_deepomics'\] has 2\), not \(0, 5\)"):
        pl.latent(adata, "cell_type", dims=(0, 5))
    axes = pl.latent(adata, "cell_type", dims=[(0, 1), (1, 0)])  # two panels, as scanpy draws them
    assert len(axes) == 2
    adata.raw = adata.copy()
    small = adata[:, 1:].copy()  # gene0 now only in .raw, which scanpy colours by
    assert pl.latent(small, "gene0").collections[0].get_offsets().shape == (200, 2)
    obs = np.linspace(0, 1, 50)
    ax = pl.predicted_vs_observed(obs * 2, obs)
    assert "r = 1.000" in ax.get_title()
    assert ax.collections[0].get_offsets().shape == (50, 2)
    with pytest.raises(ValueError, match="predicted has 3 values but observed 2"):
        pl.predicted_vs_observed([1, 2, 3], [1, 2])
    # tables matched by name (reordered targets gave r = 0.34), sparse read, NaN named
    table = pd.DataFrame({"a": obs, "b": obs[::-1] ** 2}, index=[f"c{i}" for i in range(50)])
    shuffled = table.iloc[::-1][["b", "a"]]
    assert "r = 1.000, R² = 1.000" in pl.predicted_vs_observed(table, shuffled).get_title()
    with pytest.raises(ValueError, match="other targets or cells"):
        pl.predicted_vs_observed(table, table.rename(columns={"a": "z"}))
    import scipy.sparse as sp
    assert "r = 1.000" in pl.predicted_vs_observed(obs, sp.csr_matrix(obs[:, None])).get_title()
    with pytest.raises(ValueError, match="observed holds NaN or infinite values \\(1, the first "
                                         "at flat position 3\\)"):
        pl.predicted_vs_observed(obs[:5], np.array([0, 1, 2, np.nan, 4.0]))
    # obsm["X_deepomics"] is plotted even when obsm["deepomics"] is there too (scanpy's lookup
    # of basis "deepomics" finds that one first)
    adata.obsm["deepomics"] = np.full((200, 2), -7.0)
    plotted = pl.latent(adata, "cell_type").collections[0].get_offsets()
    np.testing.assert_allclose(plotted, adata.obsm["X_deepomics"][:, :2], rtol=1e-6)


def test_predict_writes_a_regressors_values_under_the_documented_keys():
    adata = clusters(n=300, p=10)
    x = np.asarray(adata.X)
    one = train.fit({"arch": "mlp", "hidden": [16]}, (x, x[:, 0] * 2 + 1), epochs=60, lr=0.01)
    tl.predict(adata, one, key_added="score")
    assert adata.obs["score"].dtype.kind == "f"
    assert np.corrcoef(adata.obs["score"], x[:, 0])[0, 1] > 0.95
    targets = pd.DataFrame({"double": x[:, 1] * 2, "negated": -x[:, 2]})
    two = train.fit({"arch": "mlp", "hidden": [16]}, (x, targets), epochs=60, lr=0.01)
    tl.predict(adata, two, key_added="targets")
    out = adata.obsm["targets"]
    assert list(out.columns) == ["double", "negated"] and list(out.index) == list(adata.obs_names)
    assert np.corrcoef(out["double"], x[:, 1])[0, 1] > 0.95
    assert np.corrcoef(out["negated"], x[:, 2])[0, 1] < -0.95


def test_what_the_user_had_is_not_overwritten_unless_asked(tmp_path):
    """A key_added that names the user's own data (the labels, scanpy's X_pca, the raw counts'
    layer) is refused before any training; overwrite=True replaces it; what deepomics wrote
    itself it replaces when run again, also after a round trip through h5ad."""
    adata = clusters(n=120, p=10)
    labels = adata.obs["cell_type"].copy()
    pca = np.ones((adata.n_obs, 2))
    adata.obsm["X_pca"] = pca.copy()
    adata.uns["pca"] = {"variance_ratio": np.array([0.5, 0.2])}
    adata.layers["counts"] = np.asarray(adata.X).copy()
    counts = adata.layers["counts"].copy()
    with pytest.raises(ValueError, match=r"adata.obs\['cell_type'\] already holds data that "
                                         r"deepomics did not write; choose another key_added, or "
                                         r"pass overwrite=True"):
        tl.classify(adata, "cell_type", key_added="cell_type", epochs=1)
    pd.testing.assert_series_equal(adata.obs["cell_type"], labels)
    with pytest.raises(ValueError, match=r"adata.obsm\['X_pca'\] and adata.uns\['pca'\] already"):
        tl.autoencoder(adata, key_added="X_pca", epochs=1)
    with pytest.raises(ValueError, match=r"adata.layers\['counts'\] already holds .* another "
                                         r"reconstruction_layer"):
        tl.autoencoder(adata, reconstruction_layer="counts", epochs=1)
    assert "X_deepomics" not in adata.obsm  # refused before anything was written
    np.testing.assert_array_equal(adata.obsm["X_pca"], pca)
    np.testing.assert_array_equal(adata.uns["pca"]["variance_ratio"], [0.5, 0.2])
    np.testing.assert_array_equal(adata.layers["counts"], counts)

    tl.autoencoder(adata, latent_dim=2, hidden=(4,), epochs=1)
    first = adata.obsm["X_deepomics"].copy()
    tl.autoencoder(adata, latent_dim=3, hidden=(4,), epochs=1)  # its own key: replaced
    assert adata.obsm["X_deepomics"].shape == (adata.n_obs, 3) and first.shape[1] == 2
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    again = ad.read_h5ad(path)
    tl.autoencoder(again, latent_dim=2, hidden=(4,), epochs=1)
    assert again.obsm["X_deepomics"].shape == (again.n_obs, 2)

    with pytest.raises(ValueError, match=r"adata.obsm\['X_pca'\] and adata.uns\['pca'\] already "
                                         r"hold data"):
        tl.autoencoder(adata, key_added="X_pca", epochs=1)
    tl.autoencoder(adata, latent_dim=2, hidden=(4,), epochs=1, key_added="X_pca", overwrite=True)
    assert adata.obsm["X_pca"].shape == (adata.n_obs, 2) and not np.array_equal(adata.obsm["X_pca"], pca)
    assert "obsm/X_pca" not in adata.uns["deepomics_written"]  # replaced, yet still the user's key
    with pytest.raises(ValueError, match=r"adata.obsm\['X_pca'\] .*already hold"):
        tl.autoencoder(adata, key_added="X_pca", epochs=1)  # asks again
    # a file written before uns['deepomics_written'] existed: its uns record says whose it is
    tl.classify(adata, "cell_type", epochs=1)
    del adata.uns["deepomics_written"]
    tl.classify(adata, "cell_type", epochs=1)
    assert "cell_type_deepomics" in adata.obs
    model = train.fit({"arch": "mlp", "hidden": [4]}, (adata, "cell_type"), epochs=1)
    with pytest.raises(ValueError, match=r"adata.obs\['cell_type'\] already holds"):
        tl.predict(adata, model, key_added="cell_type")


def test_classify_takes_an_architecture_name_or_a_built_model():
    from deepomics import models

    adata = clusters(150)
    by_name = tl.classify(adata, "cell_type", model="mlp", epochs=2, seed=0, key_added="a")
    assert by_name.config["arch"] == "mlp" and by_name.config["hidden"] == [256, 128]
    built = models.build({"arch": "mlp", "hidden": [6], "n_features": adata.n_vars,
                          "n_outputs": 3}, seed=0)
    fitted = tl.classify(adata, "cell_type", model=built, epochs=2, seed=0, key_added="b")
    assert fitted is built and fitted.classes == ["T", "B", "NK"]
    # a regression model without target names (one obs column) still gets a table of targets
    adata.obs["depth"] = np.asarray(adata.X).sum(axis=1)
    from deepomics import train

    depth = train.fit({"arch": "mlp", "hidden": [4]}, (adata, "depth"), epochs=1, seed=0)
    assert list(tl.predict_targets(adata, depth).var_names) == ["target0"]
    with pytest.raises(TypeError, match="model must be a config dict, an architecture's name or "
                                        "a torch model, not int"):
        tl.classify(adata, "cell_type", model=3, key_added="c")


def test_classify_refuses_a_column_of_quantities():
    adata = clusters(n=120, p=10)
    adata.obs["n_genes"] = np.arange(adata.n_obs) + 100        # a count: 120 distinct numbers
    adata.obs["score"] = np.linspace(0, 1, adata.n_obs)         # fractions
    for key, distinct in (("n_genes", 120), ("score", 120)):
        with pytest.raises(ValueError, match=rf"obs\['{key}'\] holds quantities \({distinct} "
                                             r"distinct numbers\), not classes"):
            tl.classify(adata, key, epochs=1)
    adata.obs["cluster"] = np.arange(adata.n_obs) % 3          # clusters coded as numbers: fine
    tl.classify(adata, "cluster", epochs=1)
    # classes as the column holds them: compared with it, a right prediction is equal (as
    # text, '1.0' never equalled 1.0 of a float column with missing labels)
    assert set(adata.obs["cluster_deepomics"].cat.categories) == {0, 1, 2}
    adata.obs["B"] = (adata.obs["cell_type"] == "B").astype(float)
    adata.obs.loc[adata.obs_names[::4], "B"] = np.nan   # a float column: 0.0, 1.0 and NaN
    model = tl.classify(adata, "B", epochs=30, seed=0)
    assert model.classes == [0.0, 1.0]
    labelled = adata.obs["B"].notna()
    agree = adata.obs["B_deepomics"].astype(float) == adata.obs["B"]
    assert agree[labelled].mean() >= 0.95
