#!/usr/bin/env python
"""Expression models on real data that installed packages ship, against the classic baselines on
the same splits (accuracy and error, not speed).

1. scanpy's pbmc68k_reduced (700 cells x 765 genes, scaled; obs["bulk_labels"], 10 cell types):
   a. cell-type classification, ``deepomics.tl.classify`` (an MLP) vs scikit-learn's logistic
      regression, on the same stratified 70/30 splits (5 seeds): accuracy, mean and sd;
   b. k-NN (k = 15, 5-fold cross-validated) label accuracy in the latent space of
      ``deepomics.tl.autoencoder`` vs PCA with the same number of dimensions (10).
2. Bioconductor's ALL expression set (128 patients x 12,625 probes, RMA log2; Debian's
   r-bioc-all), read through ``deepomics.io.read_r``: D-GEX-style inference of held-out "target"
   probes from "landmark" probes (the 1,000 most variable probes; targets the next 4,000), 5-fold
   cross-validation over patients. Mean absolute error (log2 units) of ``deepomics.tl.dgex`` vs
   linear regression (ordinary least squares, minimum-norm as n < p; and ridge, alpha chosen by
   inner cross-validation) vs k-NN regression (k = 10, as D-GEX's KNN-GE) vs predicting each
   target's training mean. D-GEX reported a 15% lower error than linear regression on 111k GEO
   profiles; 128 patients are another matter, and the figures say what they say.

    .venv/bin/python benchmarks/bench_expression.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd


def pbmc(seeds: list[int], epochs: int) -> None:
    import scanpy as sc
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    from deepomics import tl

    adata = sc.datasets.pbmc68k_reduced()
    x = np.asarray(adata.X, dtype=np.float32)
    labels = adata.obs["bulk_labels"].astype(str).to_numpy()
    print(f"1. pbmc68k_reduced: {adata.n_obs} cells x {adata.n_vars} genes, "
          f"{len(set(labels))} cell types (bulk_labels)")

    rows = []
    for seed in seeds:
        train, test = train_test_split(np.arange(adata.n_obs), test_size=0.3, stratify=labels,
                                       random_state=seed)
        held = adata.copy()
        held.obs["label"] = pd.Categorical(np.where(np.isin(np.arange(adata.n_obs), train),
                                                    labels, None))
        start = time.perf_counter()
        tl.classify(held, "label", epochs=epochs, seed=seed, verbose=False)
        mlp_s = time.perf_counter() - start
        mlp = float((held.obs["label_deepomics"].to_numpy()[test] == labels[test]).mean())
        start = time.perf_counter()
        logistic = LogisticRegression(max_iter=5000).fit(x[train], labels[train])
        lr_s = time.perf_counter() - start
        lr = float((logistic.predict(x[test]) == labels[test]).mean())
        rows.append({"seed": seed, "mlp": mlp, "logistic": lr, "mlp_s": mlp_s, "logistic_s": lr_s})
    table = pd.DataFrame(rows)
    print("  a. classification accuracy on held-out cells (stratified 70/30 splits)")
    print(f"     {'model':<34}{'accuracy':>10}{'sd':>8}{'fit s':>8}")
    print(f"     {'deepomics tl.classify (MLP)':<34}{table.mlp.mean():>10.3f}{table.mlp.std():>8.3f}"
          f"{table.mlp_s.mean():>8.1f}")
    print(f"     {'logistic regression (sklearn)':<34}{table.logistic.mean():>10.3f}"
          f"{table.logistic.std():>8.3f}{table.logistic_s.mean():>8.1f}")
    print(f"     per seed: {', '.join(f'{r.mlp:.3f} vs {r.logistic:.3f}' for r in table.itertuples())}")

    dims = 10
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    knn = KNeighborsClassifier(15)
    pca = PCA(dims, random_state=0).fit_transform(x)
    pca_acc = cross_val_score(knn, pca, labels, cv=folds)
    latent_acc = []
    for seed in seeds:
        ae = adata.copy()
        tl.autoencoder(ae, latent_dim=dims, epochs=epochs, seed=seed, verbose=False)
        latent_acc.append(cross_val_score(knn, ae.obsm["X_deepomics"], labels, cv=folds).mean())
    latent_acc = np.array(latent_acc)
    print(f"  b. k-NN (k = 15) label accuracy, 5-fold CV, in {dims} dimensions")
    print(f"     {'deepomics tl.autoencoder latent':<34}{latent_acc.mean():>10.3f}{latent_acc.std():>8.3f}"
          f"   (over {len(seeds)} training seeds)")
    print(f"     {'PCA':<34}{pca_acc.mean():>10.3f}{pca_acc.std():>8.3f}   (over the 5 folds)")


def all_dgex(n_landmarks: int, n_targets: int, epochs: int) -> None:
    import anndata as ad
    from sklearn.linear_model import LinearRegression, RidgeCV
    from sklearn.model_selection import KFold
    from sklearn.neighbors import KNeighborsRegressor

    from deepomics import io, tl

    path = os.path.join(os.popen("Rscript -e 'cat(system.file(package=\"ALL\"))'").read().strip(),
                        "data", "ALL.rda")
    if not os.path.exists(path):
        raise SystemExit(f"the ALL data set is not installed ({path}); run make setup")
    start = time.perf_counter()
    adata = io.read_r(path)
    print(f"\n2. ALL (Bioconductor): {adata.n_obs} patients x {adata.n_vars} probes, read through "
          f"io.read_r in {time.perf_counter() - start:.1f} s")
    x = np.asarray(adata.X, dtype=np.float32)
    order = np.argsort(x.var(axis=0))[::-1]
    landmarks = adata.var_names[order[:n_landmarks]].tolist()
    targets = adata.var_names[order[n_landmarks:n_landmarks + n_targets]].tolist()
    data = ad.AnnData(x, var=pd.DataFrame(index=adata.var_names))
    xl, xt = x[:, order[:n_landmarks]], x[:, order[n_landmarks:n_landmarks + n_targets]]
    print(f"   landmarks: the {n_landmarks:,} most variable probes; targets: the next {n_targets:,}; "
          f"5-fold CV over patients; MAE in log2 expression units")
    errors = {k: [] for k in ("dgex", "ols", "ridge", "knn", "mean")}
    seconds = {k: 0.0 for k in errors}
    for fold, (train, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(x)):
        def timed(name, fn):
            t = time.perf_counter()
            predicted = fn()
            seconds[name] += time.perf_counter() - t
            errors[name].append(float(np.abs(predicted - xt[test]).mean()))

        def dgex():
            model = tl.dgex(data[train].copy(), landmarks, targets, hidden=(1000,), epochs=epochs,
                            lr=1e-3, batch_size=16, dropout=0.1, seed=fold, verbose=False)
            return tl.predict_targets(data[test].copy(), model).X

        timed("dgex", dgex)
        timed("ols", lambda: LinearRegression().fit(xl[train], xt[train]).predict(xl[test]))
        timed("ridge", lambda: RidgeCV(alphas=np.logspace(-1, 4, 11)).fit(xl[train], xt[train])
              .predict(xl[test]))
        timed("knn", lambda: KNeighborsRegressor(10).fit(xl[train], xt[train]).predict(xl[test]))
        timed("mean", lambda: np.broadcast_to(xt[train].mean(0), xt[test].shape))
    names = {"dgex": "deepomics tl.dgex (MLP, 1 x 1000 tanh)", "ols": "linear regression (OLS)",
             "ridge": "linear regression (ridge, CV alpha)", "knn": "k-NN regression (k = 10)",
             "mean": "training mean of each target"}
    ridge = np.mean(errors["ridge"])
    print(f"   {'model':<40}{'MAE':>8}{'sd':>8}{'vs ridge':>10}{'fit s':>8}")
    for key, label in names.items():
        e = np.array(errors[key])
        print(f"   {label:<40}{e.mean():>8.4f}{e.std():>8.4f}{e.mean() / ridge - 1:>+10.1%}"
              f"{seconds[key] / 5:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and epochs (a smoke test)")
    args = parser.parse_args()
    import torch

    from deepomics import __version__

    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; python "
          f"{platform.python_version()}, deepomics {__version__}, torch {torch.__version__}\n")
    start = time.perf_counter()
    pbmc([0] if args.quick else [0, 1, 2, 3, 4], epochs=10 if args.quick else 100)
    all_dgex(1000, 400 if args.quick else 4000, epochs=10 if args.quick else 200)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
