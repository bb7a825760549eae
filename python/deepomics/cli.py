"""The `deepomics` command line: train, predict, evaluate, and the demo.

    deepomics train config.yaml [--out MODEL_DIR]
    deepomics predict MODEL_DIR input.fa [--out predictions.tsv]
    deepomics evaluate MODEL_DIR data.yaml | --fasta pos.fa neg.fa --labels 1 0
    deepomics demo --fasta dm3_upstream2000.fa.gz

A training config (YAML or JSON) names the model dict, the data and fit's arguments:

    model: {arch: deepbind, n_filters: 16}
    train:                       # FASTA files with one label each ...
      fasta: [promoters.fa, non_promoters.fa]
      labels: [1, 0]
    valid_fraction: 0.1          # ... or valid: {fasta: valid.fa, labels: valid_labels.tsv}
    fit: {epochs: 20, batch_size: 64, lr: 0.001, early_stopping: {patience: 3}}
    output: promoter_model

``model`` may also be a saved model's folder (``model: promoter_model``): that model is trained
further, e.g. fine-tuned on new data or, with ``fit: {augment: false}``, on the sequences as given
(EvoAug's second stage); the folder itself is replaced only with ``--overwrite`` and ``output``
naming it.

A labels file (TSV or CSV with a header) has columns ``name`` and ``label``, matched to the FASTA
records by name. Quote labels that YAML reads as true / false (``['yes', 'no']``).

``predict`` writes a TSV: ``name`` and, for a binary model, the probability of the second class
(classes sorted; the column is headed by that class), for a multiclass model one column per
class, for regression ``prediction``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepomics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model from a YAML / JSON config")
    train.add_argument("config")
    train.add_argument("--out", help="model folder (overrides the config's output)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing model folder")

    predict = commands.add_parser("predict", help="predict for the sequences of a FASTA file")
    predict.add_argument("model")
    predict.add_argument("fasta")
    predict.add_argument("--out", help="TSV file to write (default: standard output)")
    predict.add_argument("--overwrite", action="store_true", help="replace an existing --out file")

    evaluate = commands.add_parser("evaluate", help="metrics of a model on labelled data")
    evaluate.add_argument("model")
    evaluate.add_argument("data", nargs="?", help="YAML / JSON data spec (fasta, labels)")
    evaluate.add_argument("--fasta", nargs="+", help="FASTA files")
    evaluate.add_argument("--labels", nargs="+", help="one label per FASTA file, or a labels file")

    demo = commands.add_parser("demo", help="the main job: the engine and a DeepBind model on real promoters")
    demo.add_argument("--fasta", required=True,
                      help="Biostrings' extdata/dm3_upstream2000.fa.gz, or any DNA FASTA")
    demo.add_argument("--out", default=None, help="folder for the trained model (default: a temporary one)")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace a demo model already in --out")

    args = parser.parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "predict":
            return _predict(args)
        if args.command == "evaluate":
            return _evaluate(args)
        from . import demo as demo_module

        demo_module.run(args.fasta, out_dir=args.out, overwrite=args.overwrite)
        return 0
    except (ValueError, TypeError, KeyError, OSError, FloatingPointError) as err:
        # the library's advice in the command line's words
        print(f"deepomics {args.command}: {str(err).replace('overwrite=True', '--overwrite')}",
              file=sys.stderr)
        return 2


def read_config(path: str) -> dict:
    """A YAML or JSON file as a dict. A key given twice is an error (the last would win
    silently: a pasted ``fit: {epochs: 1}`` under the real one)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config file {path} does not exist" if not os.path.exists(path)
                                else f"config file {path} is a folder; give the YAML / JSON file")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        def unique(pairs):
            keys = [k for k, _ in pairs]
            twice = next((k for k in keys if keys.count(k) > 1), None)
            if twice is not None:
                raise ValueError(f"{path}: key {twice!r} is given twice; keep one")
            return dict(pairs)

        try:
            config = json.loads(text, object_pairs_hook=unique)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
    else:
        import yaml

        try:
            config = yaml.load(text, Loader=_unique_key_loader())
        except yaml.YAMLError as err:
            raise ValueError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the config must be a mapping (key: value lines)")
    return config


def _unique_key_loader():
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """YAML's safe loader that refuses a key given twice in one mapping, naming its line."""

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":  # '<<: *base' merges, not a key
                    continue
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} is given twice; keep one", key_node.start_mark)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def labelled_data(spec: dict, where: str) -> tuple[list[str], object, list[str]]:
    """(sequences, labels, names) from {fasta: file or [files], labels: [one per file] or a file}."""
    from .seq import read_fasta

    if not isinstance(spec, dict) or "fasta" not in spec:
        raise ValueError(f"{where} needs 'fasta' (a FASTA file or a list of them) and 'labels'")
    files = spec["fasta"] if isinstance(spec["fasta"], list) else [spec["fasta"]]
    for i, path in enumerate(files):
        if not isinstance(path, str) or not path:
            raise ValueError(f"{where}: 'fasta' entry {i + 1} is {path!r}; give the path of a "
                             "FASTA file")
    labels = spec.get("labels")
    if any(isinstance(v, bool) for v in (labels if isinstance(labels, list) else [labels])):
        raise ValueError(f"{where}: labels {labels} are read as true / false (YAML reads yes, no, "
                         "on, off, true and false so); quote them (labels: ['yes', 'no']) to keep "
                         "the words, or use 1 / 0")
    if labels is not None and not isinstance(labels, (list, str)):
        raise ValueError(f"{where}: 'labels' must be a list, one label per FASTA file (e.g. "
                         f"labels: [{labels}]), or a labels file; got {labels!r}")
    names, sequences, per_file = [], [], []
    for i, path in enumerate(files):
        records = read_fasta(path)
        names += records.names
        sequences += records.sequences
        per_file.append(len(records))
    one = labels if isinstance(labels, str) else \
        labels[0] if isinstance(labels, list) and len(labels) == 1 else None
    labels_file = isinstance(one, str) and os.path.isfile(one)
    if isinstance(one, str) and not labels_file and _looks_like_file(one):
        raise FileNotFoundError(f"{where}: the labels file {one} does not exist")
    if isinstance(labels, list) and len(labels) == len(files) and not labels_file:
        y = np.repeat(np.asarray(labels), per_file)
    elif labels_file:
        y = _labels_file(one, names)
    elif labels is None:
        raise ValueError(f"{where} needs 'labels': one label per FASTA file, or a labels file")
    elif isinstance(labels, str):
        raise FileNotFoundError(f"{where}: the labels file {one} does not exist")
    else:
        raise ValueError(f"{where}: 'labels' must be one label per FASTA file ({len(files)} files, "
                         f"{len(labels) if isinstance(labels, list) else 1} labels given) or an "
                         "existing labels file with columns name and label")
    return sequences, y, names


def _looks_like_file(text: str) -> bool:
    """A label that names a file (a path, or a table's extension), not a class."""
    return os.sep in text or text.lower().endswith((".tsv", ".csv", ".txt", ".tab"))


def _labels_file(path: str, names: list[str]) -> np.ndarray:
    """Labels matched to the FASTA records by name. Names are read as text as written (001,
    NA); labels too, then as numbers when every one is a plain number (01 stays a class)."""
    import csv

    import pandas as pd

    sep = "," if path.lower().endswith(".csv") else "\t" if path.lower().endswith(
        (".tsv", ".tab")) else None  # (anything else, .txt too: told by its first lines)
    try:
        table = pd.read_csv(path, sep=sep, engine="python", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read it as a table with columns name and label ("
                         f"{' '.join(str(err).split())}); save it as tab-separated text") from None
    if not {"name", "label"} <= set(table.columns):
        raise ValueError(f"{path}: a labels file needs columns 'name' and 'label' (it has "
                         f"{', '.join(map(str, table.columns))})")
    repeated = _repeated(table["name"])
    if repeated:
        raise ValueError(f"{path} gives {len(repeated)} names more than once (e.g. "
                         f"{repeated[:3]}); keep one label per name")
    twice = _repeated(names)
    if twice:
        raise ValueError(f"labels in {path} are matched to the FASTA records by name, but "
                         f"{len(twice)} record names occur more than once (e.g. {twice[:3]}); "
                         "give each record its own name, or give one label per FASTA file")
    by_name = dict(zip(table["name"], table["label"]))
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(f"{path} has no label for {len(missing)} records, e.g. {missing[:3]}")
    labels = [by_name[n] for n in names]
    empty = next((n for n, v in zip(names, labels) if v.strip() in ("", "NA", "NaN", "nan")), None)
    if empty is not None:
        raise ValueError(f"{path}: the label of {empty} is missing ({by_name[empty]!r}); give "
                         "every record a label, or leave the record out of the FASTA")
    numbers = all(_is_number(v) and not re.match(r"[-+]?0[0-9]", v.strip()) for v in labels)
    return np.asarray([_number(v) for v in labels] if numbers else labels)


def _is_number(text: str) -> bool:
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False


def _repeated(names) -> list[str]:
    """The names that occur more than once, sorted."""
    import pandas as pd

    names = pd.Series(list(names), dtype=str)
    return sorted(set(names[names.duplicated()]))


def _train(args) -> int:
    from . import io
    from .io.models import check_save_path
    from .train import fit
    from .train.engine import check_fit_arguments

    config = read_config(args.config)
    unknown = set(config) - {"model", "train", "valid", "valid_fraction", "fit", "output"}
    if unknown:
        raise ValueError(f"{args.config}: unknown keys {sorted(unknown)}; valid keys: model, "
                         "train, valid, valid_fraction, fit, output")
    if "model" not in config or "train" not in config:
        raise ValueError(f"{args.config} needs 'model' (an architecture dict) and 'train' (data)")
    output = args.out or config.get("output")
    if not output:
        raise ValueError("say where to save the model: 'output' in the config or --out")
    if not isinstance(output, str):
        raise ValueError(f"{args.config}: 'output' is {output!r}; give the model folder's path")
    check_save_path(output, overwrite=args.overwrite)  # before training, not after
    if not isinstance(config.get("fit") or {}, dict):
        raise ValueError(f"{args.config}: 'fit' must be a mapping of fit arguments (e.g. "
                         f"'fit: {{epochs: 20, lr: 0.001}}'), not {config['fit']!r}")
    check_fit_arguments(config.get("fit") or {}, f"{args.config}: fit")
    if "valid" in config and config.get("valid_fraction"):
        raise ValueError(f"{args.config}: give 'valid' (data of its own) or 'valid_fraction' (a "
                         "part of train), not both")
    x, y, _ = labelled_data(config["train"], "train")
    valid = None
    if "valid" in config:
        vx, vy, _ = labelled_data(config["valid"], "valid")
        valid = (vx, vy)
    options = dict(config.get("fit") or {})
    if config.get("valid_fraction"):
        options["valid_fraction"] = config["valid_fraction"]
    if options.get("early_stopping") and valid is None and not options.get("valid_fraction"):
        raise ValueError(f"{args.config}: early stopping needs validation data; add "
                         "'valid_fraction:' or 'valid:' to it")
    model = fit(_model_to_train(config["model"], args.config), (x, y), valid, **options)
    path = io.save(model, output, overwrite=args.overwrite)
    print(model.history.tail(3).to_string(index=False))
    print(f"saved to {path}")
    return 0


def _model_to_train(spec, where: str):
    """The config's ``model``: an architecture dict or name to build, or the folder of a saved
    model to train further."""
    from . import io, models

    if isinstance(spec, str) and os.path.isdir(spec):
        return io.load(spec)
    if isinstance(spec, str) and _looks_like_path(spec):
        raise FileNotFoundError(f"{where}: model {spec} is not a saved model folder (it does not "
                                "exist); give an architecture dict, e.g. 'model: {arch: deepbind}', "
                                "or the folder io.save / deepomics train wrote")
    return spec if isinstance(spec, dict) else models.build(spec)


def _looks_like_path(text: str) -> bool:
    """A model given as a path (a separator or a leading dot), not an architecture name."""
    return os.sep in text or "/" in text or text.startswith(".")


def _predict(args) -> int:
    from . import io
    from .seq import read_fasta
    from .train import predict

    model = io.load(args.model)
    records = read_fasta(args.fasta)
    probs = predict(model, records.sequences)
    classes = getattr(model, "classes", None)
    columns = ([str(c) for c in classes] if probs.ndim == 2 and classes
               else [f"output_{j}" for j in range(probs.shape[1])] if probs.ndim == 2
               else [str(classes[1])] if model.task == "binary" and classes  # P(second class)
               else ["prediction"])
    rows = probs.reshape(len(probs), -1)
    lines = ["name\t" + "\t".join(columns) + "\n"]
    lines += [name + "\t" + "\t".join(f"{v:.6g}" for v in row) + "\n"
              for name, row in zip(records.names, rows)]
    if args.out:
        _write_new(args.out, "".join(lines), args.overwrite, inputs=(args.model, args.fasta))
    else:
        sys.stdout.write("".join(lines))
    return 0


def _write_new(path: str, text: str, overwrite: bool, inputs=()) -> None:
    """Writes ``text`` to ``path`` through a temporary file in the same folder (so a failure
    leaves any old file whole); refuses an input file always and an existing file unless
    ``overwrite``."""
    import tempfile

    from .io.models import chmod_as_created

    target = os.path.abspath(path)
    if not os.path.isdir(os.path.dirname(target)):
        raise FileNotFoundError(f"--out {path}: the folder {os.path.dirname(target)} does not "
                                "exist; create it first")
    if any(os.path.exists(i) and os.path.samefile(target, i) for i in inputs
           if os.path.exists(target)):
        raise FileExistsError(f"--out {path} is one of the inputs; write the predictions to "
                              "another file")
    if any(os.path.isdir(i) and os.path.dirname(target) == os.path.abspath(i)
           and os.path.basename(target) in ("config.json", "weights.safetensors") for i in inputs):
        raise FileExistsError(f"--out {path} is a file of the model; write the predictions to "
                              "another file")
    if os.path.isdir(target):
        raise FileExistsError(f"--out {path} is a folder; give a file name (e.g. {path}/predictions.tsv)")
    if os.path.exists(target) and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite to replace it, or choose another --out")
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".deepomics-", suffix=".tsv")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        chmod_as_created(temporary)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def _evaluate(args) -> int:
    from . import io
    from .train import evaluate

    if args.data:
        spec = read_config(args.data)
    elif args.fasta:
        spec = {"fasta": args.fasta, "labels": args.labels}
    else:
        raise ValueError("give a data spec file, or --fasta files with --labels")
    model = io.load(args.model)
    labels = spec.get("labels")
    numeric = getattr(model, "task", None) == "regression" or (
        model.classes and not isinstance(model.classes[0], str))
    if isinstance(labels, list) and numeric:
        spec["labels"] = [_number(v) for v in labels]  # labels from the command line are text
    x, y, _ = labelled_data(spec, "data")
    print(evaluate(model, (x, y)).to_string(index=False))
    return 0


def _number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return text
    return int(value) if value.is_integer() else value


if __name__ == "__main__":
    sys.exit(main())
