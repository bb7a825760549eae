"""Models on AnnData, scanpy style: each function trains, writes its result into the AnnData
under a documented key, says where, and returns the fitted model.

- ``autoencoder``: the latent to ``obsm[key_added]`` (default ``"X_deepomics"``), ready for
  ``sc.pp.neighbors(adata, use_rep="X_deepomics")`` and UMAP; optionally reconstructions to a layer.
- ``classify``: predicted labels to ``obs[key_added]``, probabilities (cells x classes) to
  ``obsm[key_added + "_proba"]``. Cells whose label is missing are not trained on but predicted:
  label transfer from annotated to unannotated cells.
- ``dgex``: D-GEX, a multi-output regressor from landmark genes to target genes;
  ``predict_targets`` gives the targets of new profiles as an AnnData (cells x targets).
- ``predict``: any fitted model on an AnnData, written the way the functions above write.

Each also records its settings and training history in ``uns[...]``. A key that already holds
something deepomics did not write (the labels themselves, scanpy's ``X_pca``, the raw counts'
layer) is refused before any training unless ``overwrite=True``; what deepomics wrote, it
replaces when run again (listed in ``uns["deepomics_written"]``). The matrix is ``X``,
``layer=`` or ``use_rep=`` (an ``obsm`` key); sparse matrices are densified a batch at a time,
and a backed AnnData (``anndata.read_h5ad(path, backed="r")``) is read from disk batch by batch.
Preprocessing is scanpy's (``sc.pp.normalize_total``, ``sc.pp.log1p``,
``sc.pp.highly_variable_genes``): call it first.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .train import data as D

__all__ = ["autoencoder", "classify", "dgex", "predict", "predict_targets"]


def autoencoder(adata, *, layer: str | None = None, use_rep: str | None = None,
                latent_dim: int = 10, hidden=(256, 64), variational: bool = False,
                dropout: float = 0.0, key_added: str = "X_deepomics",
                reconstruction_layer: str | None = None, epochs: int = 100,
                batch_size: int = 128, lr: float = 1e-3, valid_fraction: float = 0.1,
                patience: int = 10, seed: int = 0, verbose: bool | None = None,
                overwrite: bool = False, **fit_kwargs):
    """Trains an autoencoder on the cells' profiles; writes the latent ``(n_obs, latent_dim)`` to
    ``adata.obsm[key_added]`` and, with ``reconstruction_layer``, the reconstructions
    ``(n_obs, n_vars)`` to ``adata.layers[reconstruction_layer]``. Returns the model."""
    from .train import fit

    _check_genes(adata, layer, use_rep)
    if reconstruction_layer is not None and use_rep is not None:
        raise ValueError("reconstruction_layer needs the model to learn from X or a layer, "
                         "not use_rep (an obsm entry has no layer shape)")
    slots = [("obsm", key_added), ("uns", key_added.removeprefix("X_"))]
    if reconstruction_layer is not None:
        slots.append(("layers", reconstruction_layer))
    slots = _claim(adata, slots, overwrite)
    config = {"arch": "autoencoder", "hidden": list(hidden), "latent_dim": latent_dim,
              "variational": variational, "dropout": dropout}
    model = fit(config, (adata, None), **_fit_args(epochs, batch_size, lr, valid_fraction, patience,
                                                   seed, verbose, layer, use_rep, fit_kwargs))
    predict(adata, model, layer=layer, use_rep=use_rep, key_added=key_added, overwrite=True)
    if reconstruction_layer is not None:
        from .train import predict as predict_array

        adata.layers[reconstruction_layer] = predict_array(model, adata, layer=layer)
    _record(adata, key_added.removeprefix("X_"), model, layer, use_rep,
            {"latent_dim": latent_dim, "hidden": list(hidden), "variational": variational})
    _mark(adata, slots)
    return model


def classify(adata, label_key: str, *, layer: str | None = None, use_rep: str | None = None,
             model=None, key_added: str | None = None, epochs: int = 100, batch_size: int = 64,
             lr: float = 1e-3, valid_fraction: float = 0.1, patience: int = 10,
             class_weight=None, seed: int = 0, verbose: bool | None = None,
             overwrite: bool = False, **fit_kwargs):
    """Trains a classifier of ``obs[label_key]`` on the labelled cells and predicts every cell:
    labels to ``obs[key_added]`` (default ``label_key + "_deepomics"``), probabilities
    (n_obs x classes, a DataFrame) to ``obsm[key_added + "_proba"]``. ``model`` is a config dict,
    an architecture's name or a torch model (default: an MLP with hidden layers 128 and 64,
    dropout 0.2). Returns the model."""
    from .train import fit

    labels = D.labels_from(label_key, adata)
    _check_classes(labels, label_key)
    _check_genes(adata, layer, use_rep)
    key_added = key_added or f"{label_key}_deepomics"
    slots = _claim(adata, [("obs", key_added), ("obsm", key_added + "_proba"),
                           ("uns", key_added)], overwrite)
    labelled = np.asarray(labels.notna())
    if labelled.sum() < 2:
        raise ValueError(f"obs[{label_key!r}] has {int(labelled.sum())} labelled cells; a "
                         "classifier needs labelled examples of at least two classes")
    if labelled.all():
        train = adata
    elif adata.isbacked:
        raise ValueError(f"obs[{label_key!r}] has missing labels; with a backed AnnData, train "
                         "on the labelled cells: adata[labelled].to_memory() or a file of them")
    else:
        train = adata[labelled]
    if isinstance(labels.dtype, pd.CategoricalDtype):
        y = labels[labelled].cat.remove_unused_categories()
    else:  # classes as the column holds them (0 / 1 stay numbers, not '0.0' / '1.0')
        y = labels[labelled].astype("category")
    if model is None:
        config = {"arch": "mlp", "hidden": [128, 64], "dropout": 0.2}
    elif isinstance(model, str):  # an architecture's name: its defaults
        config = {"arch": model}
    elif isinstance(model, dict) or hasattr(model, "forward"):  # a config, or a torch model
        config = dict(model) if isinstance(model, dict) else model
    else:
        raise TypeError(f"model must be a config dict, an architecture's name or a torch model, "
                        f"not {type(model).__name__}")
    fitted = fit(config, (train, y.to_numpy() if not hasattr(y, "cat") else y.array),
                 class_weight=class_weight,
                 **_fit_args(epochs, batch_size, lr, valid_fraction, patience, seed, verbose, layer,
                             use_rep, fit_kwargs))
    predict(adata, fitted, layer=layer, use_rep=use_rep, key_added=key_added, overwrite=True)
    _record(adata, key_added, fitted, layer, use_rep,
            {"label_key": label_key, "n_labelled": int(labelled.sum()),
             "model": json.dumps(fitted.config)})
    _mark(adata, slots)
    return fitted


def dgex(adata, landmarks, targets, *, layer: str | None = None, hidden=(1000, 1000),
         activation: str = "tanh", dropout: float = 0.1, epochs: int = 200,
         batch_size: int = 64, lr: float = 1e-3, valid_fraction: float = 0.1, patience: int = 20,
         seed: int = 0, verbose: bool | None = None, key_added: str = "dgex",
         overwrite: bool = False, **fit_kwargs):
    """Trains D-GEX (Chen et al. 2016): the expression of ``targets`` (var names) from that of
    ``landmarks`` (var names), on every cell or sample of ``adata``. Returns the model; its
    ``feature_names`` are the landmarks and its ``classes`` the targets, so ``predict_targets``
    works on profiles that hold only the landmarks."""
    from .train import fit

    landmarks, targets = _var_names(adata, landmarks, "landmarks"), _var_names(adata, targets, "targets")
    overlap = set(landmarks) & set(targets)
    if overlap:
        raise ValueError(f"{len(overlap)} genes are both landmarks and targets (e.g. "
                         f"{', '.join(sorted(overlap)[:5])}); a target must not be an input")
    _check_genes(adata, layer, None, genes=landmarks + targets)
    slots = _claim(adata, [("uns", key_added)], overwrite)
    x = _columns(adata, landmarks, layer)
    y = pd.DataFrame(_dense(_columns(adata, targets, layer)), columns=targets,
                     index=adata.obs_names)
    config = {"arch": "dgex", "hidden": list(hidden), "activation": activation, "dropout": dropout}
    model = fit(config, (x, y), task="regression",
                **_fit_args(epochs, batch_size, lr, valid_fraction, patience, seed, verbose, None,
                            None, fit_kwargs))
    model.feature_names = landmarks
    # the layer it read, read again by predict_targets / tl.predict / train.predict (and saved)
    model.input_source = {"layer": layer, "use_rep": None} if layer is not None else None
    _record(adata, key_added, model, layer, None,
            {"n_landmarks": len(landmarks), "n_targets": len(targets)})
    _mark(adata, slots)
    return model


def predict_targets(adata, model, *, layer: str | None = None, batch_size: int = 256):
    """The targets a D-GEX model (from ``dgex``) predicts for the profiles of ``adata``, which
    must hold its landmark genes (matched by name, in any order) in the layer the model was
    trained on (or ``layer``): an AnnData, n_obs x targets, with ``adata``'s ``obs``."""
    import anndata as ad

    from .train import predict as predict_array

    landmarks = getattr(model, "feature_names", None)
    if not landmarks or getattr(model, "task", None) != "regression":
        raise ValueError("predict_targets needs a regression model from tl.dgex (it knows its "
                         f"landmark genes); this is a {getattr(model, 'task', None)} model: use "
                         "tl.predict for it")
    if layer is None:  # the layer the model was trained on (tl.dgex(layer=...))
        layer = (getattr(model, "input_source", None) or {}).get("layer")
    x = _columns(adata, _var_names(adata, landmarks, "landmarks of the model"), layer)
    values = predict_array(model, x, batch_size=batch_size)
    values = values.reshape(len(values), -1)
    names = model.classes or [f"target{j}" for j in range(values.shape[1])]  # (unnamed targets)
    var = pd.DataFrame(index=pd.Index([str(n) for n in names], name=None))
    return ad.AnnData(X=values.astype(np.float32), obs=adata.obs.copy(), var=var)


def predict(adata, model, *, layer: str | None = None, use_rep: str | None = None,
            key_added: str = "deepomics", batch_size: int = 256, overwrite: bool = False) -> None:
    """Writes a fitted model's outputs for every cell into ``adata``: an autoencoder's latent to
    ``obsm[key_added]``; a classifier's labels to ``obs[key_added]`` and probabilities to
    ``obsm[key_added + "_proba"]``; a regressor's values to ``obs[key_added]`` (one target) or
    ``obsm[key_added]`` (a DataFrame, one column per target)."""
    from .train import embed, predict as predict_array

    task, classes = getattr(model, "task", None), getattr(model, "classes", None)
    if callable(getattr(model, "encode", None)):
        slots = [("obsm", key_added)]
    elif task in ("binary", "multiclass"):
        slots = [("obs", key_added), ("obsm", key_added + "_proba")]
    else:  # one target to obs, several to obsm: both are claimed, one is written
        slots = [("obs", key_added), ("obsm", key_added)]
    mine = _claim(adata, slots, overwrite)
    if callable(getattr(model, "encode", None)):
        adata.obsm[key_added] = embed(model, adata, layer=layer, use_rep=use_rep,
                                      batch_size=batch_size)
        _mark(adata, mine)
        _said(f"latent ({adata.obsm[key_added].shape[1]} dimensions) in obsm[{key_added!r}]")
        return
    out = predict_array(model, adata, layer=layer, use_rep=use_rep, batch_size=batch_size)
    if task not in ("binary", "multiclass"):
        written = ("obs", key_added) if out.ndim == 1 else ("obsm", key_added)
        mine = [s for s in mine if s == written]
    _mark(adata, mine)
    if task in ("binary", "multiclass"):
        probs = np.column_stack([1 - out, out]) if task == "binary" else out
        labels = [str(c) for c in classes]  # (column names: text, as h5ad needs)
        # the classes as the labels held them (a 0 / 1 column's predictions equal to it)
        adata.obs[key_added] = pd.Categorical.from_codes(probs.argmax(1),
                                                         categories=pd.Index(list(classes)))
        adata.obsm[key_added + "_proba"] = pd.DataFrame(probs, index=adata.obs_names,
                                                        columns=labels)
        _said(f"labels in obs[{key_added!r}], probabilities in obsm[{key_added + '_proba'!r}]")
    elif out.ndim == 1:
        adata.obs[key_added] = out
        _said(f"predictions in obs[{key_added!r}]")
    else:
        columns = [str(c) for c in classes] if classes else [str(i) for i in range(out.shape[1])]
        adata.obsm[key_added] = pd.DataFrame(out, index=adata.obs_names, columns=columns)
        _said(f"predictions ({out.shape[1]} outputs) in obsm[{key_added!r}]")


# ---- helpers ---------------------------------------------------------------------------------


def _fit_args(epochs, batch_size, lr, valid_fraction, patience, seed, verbose, layer, use_rep,
              extra) -> dict:
    args = {"epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
            "verbose": verbose, "layer": layer, "use_rep": use_rep}
    if valid_fraction and "valid_data" not in extra:
        args["valid_fraction"] = valid_fraction
        args["early_stopping"] = {"patience": patience}
    args.update(extra)
    return args


def _var_names(adata, names, what: str) -> list[str]:
    if isinstance(names, str):
        names = [names]
    names = [str(n) for n in names]
    if not names:
        raise ValueError(f"{what} is empty; give gene names (adata.var_names)")
    known = set(map(str, adata.var_names))
    missing = [n for n in names if n not in known]
    if missing:
        raise KeyError(f"{len(missing)} of the {len(names)} {what} are not in adata.var_names "
                       f"(e.g. {', '.join(missing[:5])})")
    if len(set(names)) != len(names):
        raise ValueError(f"{what} name a gene twice")
    return names


def _gene_positions(adata, names) -> np.ndarray:
    """The var positions of ``names``; a repeated var name is refused only when it is one of
    ``names`` (as a model's features are matched, D._feature_columns)."""
    index = D._feature_columns([str(v) for v in adata.var_names], names)
    return np.arange(len(names)) if index is None else np.asarray(index)


def _columns(adata, names: list[str], layer: str | None):
    """The cells x ``names`` matrix of X or a layer (sparse stays sparse)."""
    matrix = D.anndata_matrix(adata, layer=layer)
    index = _gene_positions(adata, names)
    if adata.isbacked:
        return D.RowReader(matrix, cols=index)
    return matrix[:, index]


def _check_genes(adata, layer, use_rep, genes=None) -> None:
    """Refuses genes that are zero in every cell (nothing to learn from; after scaling they
    become NaN): names them and says how to drop them. A backed AnnData is not read for this."""
    if adata.n_obs == 0:  # else every gene would be "zero in every cell"
        raise ValueError("adata has no cells (0 observations); check the subsetting that made it")
    if use_rep is not None or adata.isbacked:
        return
    matrix = D.anndata_matrix(adata, layer=layer)
    if genes is not None:
        matrix = matrix[:, _gene_positions(adata, genes)]
    if sp.issparse(matrix):
        m = matrix.tocsr()
        nonzero = np.bincount(m.indices[m.data != 0], minlength=m.shape[1]) > 0
    else:
        nonzero = (np.asarray(matrix) != 0).any(axis=0)
    if not nonzero.all():
        names = np.asarray(genes if genes is not None else adata.var_names)[~nonzero]
        raise ValueError(
            f"{len(names)} genes are zero in every cell (e.g. {', '.join(map(str, names[:5]))}); "
            f"drop them first, e.g. sc.pp.filter_genes(adata, min_cells=1)")


def _dense(m) -> np.ndarray:
    if isinstance(m, D.RowReader):
        return m[np.arange(m.shape[0])]
    return m.toarray() if hasattr(m, "toarray") else np.asarray(m)


def _check_classes(labels: pd.Series, label_key: str) -> None:
    """Refuses an obs column of quantities for a classifier: fractions, or more than 50 distinct
    whole numbers (a count such as n_genes), which would each become a class."""
    if labels.dtype.kind not in "fiu":
        return
    values = labels.dropna().to_numpy()
    distinct = len(np.unique(values))
    if not np.all(values == np.round(values)) or distinct > 50:
        raise ValueError(f"obs[{label_key!r}] holds quantities ({distinct} distinct numbers), not "
                         "classes; classify needs a categorical column (e.g. cell types or "
                         "clusters); for a quantity train a regressor with deepomics.train.fit")


_WRITTEN = "deepomics_written"  # uns: the "slot/key" entries deepomics wrote, e.g. "obsm/X_deepomics"


def _claim(adata, slots: list[tuple[str, str]], overwrite: bool) -> list[tuple[str, str]]:
    """Refuses, before any work, to write where ``adata`` already holds something deepomics did
    not write (``slots``: (``"obs"``, ``"obsm"``, ``"layers"`` or ``"uns"``, key)), unless
    ``overwrite``: the user's labels, scanpy's ``X_pca`` or the raw counts are theirs. Returns
    the slots that are deepomics' own after this write (a replaced foreign one stays the user's,
    so a later write there asks again)."""
    ours = {str(v) for v in adata.uns.get(_WRITTEN, [])}
    if _WRITTEN not in adata.uns and _recorded(adata, slots):
        # written before uns["deepomics_written"] existed: the run's record in uns says whose
        ours |= {f"{slot}/{key}" for slot, key in slots}
    foreign = [(slot, key) for slot, key in slots
               if key in _keys(adata, slot) and f"{slot}/{key}" not in ours]
    if foreign and not overwrite:
        what = "reconstruction_layer" if foreign[0][0] == "layers" else "key_added"
        held = " and ".join(f"adata.{slot}[{key!r}]" for slot, key in foreign)
        raise ValueError(f"{held} already {'hold' if len(foreign) > 1 else 'holds'} data that "
                         f"deepomics did not write; choose another {what}, or pass overwrite=True "
                         "to replace it")
    return [s for s in slots if s not in foreign]


def _keys(adata, slot: str):
    holder = getattr(adata, slot)
    return holder.columns if slot == "obs" else holder.keys()


def _recorded(adata, slots) -> bool:
    """Whether one of ``slots`` is in uns with the shape ``_record`` gives it."""
    return any(slot == "uns" and isinstance(adata.uns.get(key), dict)
               and {"params", "history"} <= set(adata.uns[key]) for slot, key in slots)


def _mark(adata, slots: list[tuple[str, str]]) -> None:
    """Notes ``slots`` as deepomics' own, so that running again replaces them."""
    ours = [str(v) for v in adata.uns.get(_WRITTEN, [])]
    adata.uns[_WRITTEN] = ours + [f"{slot}/{key}" for slot, key in slots if f"{slot}/{key}" not in ours]


def _record(adata, key: str, model, layer, use_rep, params: dict) -> None:
    history = getattr(model, "history", None)
    adata.uns[key] = {
        "params": {**params, "layer": layer or "X", "use_rep": use_rep or ""},
        "history": {c: history[c].to_numpy() for c in history.columns} if history is not None else {},
    }


def _said(what: str) -> None:
    import logging

    logging.getLogger("deepomics").info("deepomics.tl: %s", what)
