"""The `deepomics` command line: train from a config, predict, evaluate, and clear failures."""
import json

import numpy as np
import pytest

from deepomics import cli, motifs


@pytest.fixture(scope="module")
def fasta_files(tmp_path_factory):
    """Random 100 bp background; a strong planted site in the positives."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)

    def background(n):
        return ["".join(rng.choice(list("ACGT"), 100)) for _ in range(n)]

    positives, _ = motifs.plant(background(300), ["TGACTCATGACTCA"] * 300, seed=1)
    for name, seqs in (("pos", positives), ("neg", background(300))):
        (folder / f"{name}.fa").write_text("".join(f">{name}{i}\n{s}\n" for i, s in enumerate(seqs)))
    return folder


def test_train_predict_evaluate(fasta_files, capsys):
    config = {
        "model": {"arch": "deepbind", "n_filters": 8},
        "train": {"fasta": [str(fasta_files / "pos.fa"), str(fasta_files / "neg.fa")],
                  "labels": [1, 0]},
        "valid_fraction": 0.2,
        "fit": {"epochs": 8, "lr": 0.01, "seed": 1},
        "output": str(fasta_files / "model"),
    }
    (fasta_files / "config.json").write_text(json.dumps(config))
    assert cli.main(["train", str(fasta_files / "config.json")]) == 0
    assert (fasta_files / "model" / "config.json").exists()

    out = fasta_files / "pred.tsv"
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files / "pos.fa"),
                     "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "name\t1" and len(lines) == 301   # the probability of class 1
    assert np.mean([float(line.split("\t")[1]) for line in lines[1:]]) > 0.8
    # nothing the user has is overwritten: not the input FASTA, not an old table (unless asked)
    fasta = (fasta_files / "pos.fa").read_bytes()
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files / "pos.fa"),
                     "--out", str(fasta_files / "pos.fa"), "--overwrite"]) == 2
    assert "is one of the inputs" in capsys.readouterr().err
    assert (fasta_files / "pos.fa").read_bytes() == fasta
    out.write_text("my notes\n")
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files / "pos.fa"),
                     "--out", str(out)]) == 2
    assert "pred.tsv exists; pass --overwrite" in capsys.readouterr().err
    assert out.read_text() == "my notes\n"
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files / "pos.fa"),
                     "--out", str(out), "--overwrite"]) == 0
    assert out.read_text().splitlines() == lines
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files)]) == 2
    assert "is a folder, not a FASTA file" in capsys.readouterr().err
    # the model's own files are never an --out (a model folder may hold other files)
    config_json = (fasta_files / "model" / "config.json").read_bytes()
    assert cli.main(["predict", str(fasta_files / "model"), str(fasta_files / "pos.fa"), "--out",
                     str(fasta_files / "model" / "config.json"), "--overwrite"]) == 2
    assert "is a file of the model" in capsys.readouterr().err
    assert (fasta_files / "model" / "config.json").read_bytes() == config_json
    assert [p.name for p in fasta_files.iterdir() if p.name.startswith(".deepomics-")] == []

    capsys.readouterr()
    assert cli.main(["evaluate", str(fasta_files / "model"), "--fasta", str(fasta_files / "pos.fa"),
                     str(fasta_files / "neg.fa"), "--labels", "1", "0"]) == 0
    table = capsys.readouterr().out
    auroc = [line.split() for line in table.splitlines() if line.split()[:1] == ["auroc"]]
    assert float(auroc[0][2]) > 0.95


def test_labels_file_matched_by_name(fasta_files, tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("name\tlabel\n" + "".join(f"pos{i}\t{i % 3}\n" for i in range(300)))
    seqs, y, names = cli.labelled_data({"fasta": str(fasta_files / "pos.fa"), "labels": str(labels)}, "t")
    assert len(seqs) == 300 and list(y[:4]) == [0, 1, 2, 0] and names[2] == "pos2"
    labels.write_text("name\tlabel\npos0\t1\npos1\t0\npos0\t0\n")
    with pytest.raises(ValueError, match=r"gives 1 names more than once \(e.g. \['pos0'\]\)"):
        cli.labelled_data({"fasta": str(fasta_files / "pos.fa"), "labels": str(labels)}, "t")
    labels.write_text("name\tlabel\npos0\t1\n")
    with pytest.raises(ValueError, match="no label for 299 records"):
        cli.labelled_data({"fasta": str(fasta_files / "pos.fa"), "labels": str(labels)}, "t")
    # a name given twice across the FASTA files cannot be matched to one label
    labels.write_text("name\tlabel\n" + "".join(f"pos{i}\t1\n" for i in range(300)))
    with pytest.raises(ValueError, match=r"300 record names occur more than once \(e.g. \['pos0', "):
        cli.labelled_data({"fasta": [str(fasta_files / "pos.fa")] * 2, "labels": str(labels)}, "t")


def test_labels_files_are_read_as_written(tmp_path):
    """Names and labels are text as written: 001 and NA are names, 01 / 02 / 10 classes (type
    guessing made them 1 / NaN and 1 / 2 / 10); plain numbers are numbers. Tables that do not
    read, and a mistyped file name, are said so."""
    fasta = tmp_path / "z.fa"
    fasta.write_text(">001\nACGT\n>NA\nACGA\n>002\nTTGA\n")
    labels = tmp_path / "labels.tsv"
    labels.write_text("name\tlabel\n001\t01\nNA\t10\n002\t02\n")
    _, y, names = cli.labelled_data({"fasta": str(fasta), "labels": str(labels)}, "t")
    assert names == ["001", "NA", "002"] and list(y) == ["01", "10", "02"]
    labels.write_text("name\tlabel\n001\t1\nNA\t0\n002\t1.5\n")
    assert list(cli.labelled_data({"fasta": str(fasta), "labels": str(labels)}, "t")[1]) == [1, 0, 1.5]
    labels.write_text("name\tlabel\n001\t.5\nNA\t+1\n002\t2.\n")  # numbers as pandas read them
    assert list(cli.labelled_data({"fasta": str(fasta), "labels": str(labels)}, "t")[1]) == [0.5, 1, 2]
    text = tmp_path / "labels.txt"  # a .txt is told by its lines: commas here
    text.write_text("name,label\n001,a\nNA,b\n002,a\n")
    assert list(cli.labelled_data({"fasta": str(fasta), "labels": str(text)}, "t")[1]) == ["a", "b", "a"]
    labels.write_text("name\tlabel\n001\t1\nNA\tNA\n002\t0\n")
    with pytest.raises(ValueError, match="the label of NA is missing"):
        cli.labelled_data({"fasta": str(fasta), "labels": str(labels)}, "t")
    labels.write_text("")
    with pytest.raises(ValueError, match="labels.tsv: cannot read it as a table with columns name "
                                         "and label"):
        cli.labelled_data({"fasta": str(fasta), "labels": str(labels)}, "t")
    with pytest.raises(FileNotFoundError, match="the labels file labls.tsv does not exist"):
        cli.labelled_data({"fasta": str(fasta), "labels": ["labls.tsv"]}, "t")
    with pytest.raises(ValueError, match="'fasta' entry 2 is None; give the path"):
        cli.labelled_data({"fasta": [str(fasta), None], "labels": [1, 0]}, "t")


def test_a_key_given_twice_in_a_config_is_refused(tmp_path):
    """The last one would win silently (a pasted 'fit: {epochs: 1}' under the real one)."""
    config = tmp_path / "c.yaml"
    config.write_text("model: {arch: deepbind}\nfit: {epochs: 20}\noutput: m\nfit: {epochs: 1}\n")
    with pytest.raises(ValueError, match=r"c.yaml is not valid YAML: key 'fit' is given twice; "
                                         r"keep one\s+in .*line 4"):
        cli.read_config(str(config))
    # YAML's merge key is not a key given twice: '<<: *base' then an override is fine
    config.write_text("base: &b {epochs: 1, lr: 0.01}\nfit: {<<: *b, epochs: 5}\n")
    assert cli.read_config(str(config))["fit"] == {"epochs": 5, "lr": 0.01}
    config = tmp_path / "c.json"
    config.write_text('{"fit": {"epochs": 20, "epochs": 1}}')
    with pytest.raises(ValueError, match="c.json: key 'epochs' is given twice"):
        cli.read_config(str(config))
    config.write_text('{"fit": {"epochs": 20,}}')
    with pytest.raises(ValueError, match="c.json is not valid JSON: Expecting property name"):
        cli.read_config(str(config))
    with pytest.raises(FileNotFoundError, match="config file .*nowhere.yaml does not exist"):
        cli.read_config(str(tmp_path / "nowhere.yaml"))


def test_failures_exit_non_zero_with_a_message(fasta_files, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: {arch: deepbind}\ntrain: {fasta: nowhere.fa, labels: [1]}\noutput: x\nepochs: 3\n")
    assert cli.main(["train", str(bad)]) == 2
    assert "unknown keys ['epochs']" in capsys.readouterr().err
    bad.write_text(f"model: {{arch: deepbind}}\ntrain: {{fasta: nowhere.fa, labels: [1]}}\n"
                   f"output: {tmp_path / 'm'}\nfit: {{epoch: 3}}\n")
    assert cli.main(["train", str(bad)]) == 2  # said before the data is read
    assert "bad.yaml: fit: fit has no argument 'epoch'; did you mean 'epochs'?" in capsys.readouterr().err
    bad.write_text(f"model: {{arch: deepbnd}}\ntrain: {{fasta: {fasta_files / 'pos.fa'}, labels: [1]}}\n"
                   f"output: {tmp_path / 'm'}\n")
    assert cli.main(["train", str(bad)]) == 2
    assert "deepbind" in capsys.readouterr().err  # the registry suggests the right name
    bad.write_text(f"model: {{arch: deepbind}}\n"
                   f"train: {{fasta: [{fasta_files / 'pos.fa'}, {fasta_files / 'neg.fa'}], labels: [1, 0]}}\n"
                   f"output: {tmp_path / 'm'}\nfit: {{epochs: 1, early_stopping: true}}\n")
    assert cli.main(["train", str(bad)]) == 2  # the hint in the config's words
    assert "add 'valid_fraction:' or 'valid:' to " in capsys.readouterr().err
    assert cli.main(["predict", str(tmp_path / "missing"), str(fasta_files / "pos.fa")]) == 2
    assert "not a deepomics model folder" in capsys.readouterr().err
    bad.write_text("model: {arch: deepbind\n")
    assert cli.main(["train", str(bad)]) == 2
    assert "is not valid YAML" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"one label per FASTA file \(2 files, 1 labels given\)"):
        cli.labelled_data({"fasta": [str(fasta_files / "pos.fa"), str(fasta_files / "neg.fa")],
                           "labels": [1]}, "data")


def test_binary_predictions_are_headed_by_the_class_they_are_the_probability_of(fasta_files,
                                                                               tmp_path):
    config = (f"model: {{arch: deepbind, n_filters: 4}}\n"
              f"train: {{fasta: [{fasta_files / 'pos.fa'}, {fasta_files / 'neg.fa'}], "
              f"labels: [bound, unbound]}}\nfit: {{epochs: 1}}\noutput: {tmp_path / 'm'}\n")
    (tmp_path / "c.yaml").write_text(config)
    assert cli.main(["train", str(tmp_path / "c.yaml")]) == 0
    out = tmp_path / "p.tsv"
    assert cli.main(["predict", str(tmp_path / "m"), str(fasta_files / "pos.fa"), "--out", str(out)]) == 0
    assert out.read_text().splitlines()[0] == "name\tunbound"   # classes sorted: P(unbound)


def test_train_refuses_an_unusable_output_before_training(fasta_files, tmp_path, capsys,
                                                          monkeypatch):
    import deepomics.train

    calls = []
    monkeypatch.setattr(deepomics.train, "fit", lambda *a, **k: calls.append(1))
    results = tmp_path / "results"
    results.mkdir()
    (results / "important.txt").write_text("mine")
    (tmp_path / "afile").write_text("mine too")
    spec = f"train: {{fasta: [{fasta_files / 'pos.fa'}, {fasta_files / 'neg.fa'}], labels: [1, 0]}}\n"
    (tmp_path / "c.yaml").write_text(f"model: {{arch: deepbind}}\n{spec}output: {results}\n")
    assert cli.main(["train", str(tmp_path / "c.yaml"), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "results exists and is not a deepomics model; save replaces only a saved model" in err
    assert cli.main(["train", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "afile" / "m")]) == 2
    assert "afile is a file, not a folder" in capsys.readouterr().err
    assert not calls and (results / "important.txt").read_text() == "mine"


@pytest.mark.parametrize("section, says", [
    ("fit: epochs", "'fit' must be a mapping of fit arguments"),
    ("fit: [epochs, 2]", "'fit' must be a mapping of fit arguments"),
    ("fit: {seed: 1.5}", "seed must be a whole number >= 0, not 1.5"),
    ("fit: {seed: '1'}", "seed must be a whole number >= 0, not '1'"),
    ("fit: {num_workers: '2'}", "num_workers must be a whole number >= 0"),
    ("fit: {optimizer: null}", "optimizer must be the name of one (adam"),
    ("fit: {valid_fraction: 5e-1}", "valid_fraction must be a number >= 0, not '5e-1' (text that reads"),
    ("fit: {early_stopping: {monitor: 5}}", "early_stopping monitor must be a metric's name"),
    ("fit: {early_stopping: {patience: -1}}", "early_stopping patience must be a whole number >= 0"),
    ("fit: {class_weight: {0: 1, 1: -2}}", "class_weight of 1 must be a number >= 0"),
])
def test_wrongly_typed_fit_arguments_are_named_without_a_traceback(fasta_files, tmp_path, capsys,
                                                                   section, says):
    spec = f"train: {{fasta: [{fasta_files / 'pos.fa'}, {fasta_files / 'neg.fa'}], labels: [1, 0]}}\n"
    valid = "" if "valid_fraction" in section else "valid_fraction: 0.2\n"
    (tmp_path / "c.yaml").write_text(f"model: {{arch: deepbind}}\n{spec}{valid}"
                                     f"output: {tmp_path / 'm'}\n{section}\n")
    assert cli.main(["train", str(tmp_path / "c.yaml")]) == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_yaml_booleans_and_a_bare_label_are_said_so(fasta_files):
    import yaml

    files = [str(fasta_files / "pos.fa"), str(fasta_files / "neg.fa")]
    with pytest.raises(ValueError, match=r"read as true / false .* quote them \(labels: \['yes'"):
        cli.labelled_data({"fasta": files, "labels": yaml.safe_load("[yes, no]")}, "train")
    with pytest.raises(ValueError, match=r"'labels' must be a list, one label per FASTA file \(e.g. labels: \[1\]\)"):
        cli.labelled_data({"fasta": files[0], "labels": 1}, "train")
    seqs, y, _ = cli.labelled_data({"fasta": files, "labels": yaml.safe_load("['yes', 'no']")}, "t")
    assert set(y) == {"yes", "no"}


def test_python_dash_m_runs_the_same_command_line():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "deepomics", "train", "missing.yaml"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "missing.yaml" in out.stderr


def test_evaluate_a_regression_model_from_labels_and_a_folder_as_config(fasta_files, tmp_path,
                                                                        capsys):
    """Labels from the command line are numbers for a regression model too (it has no classes),
    and a folder given as a config file is a message with exit 2, not a traceback."""
    from deepomics import io, seq, train

    pos = seq.read_fasta(str(fasta_files / "pos.fa")).sequences[:40]
    neg = seq.read_fasta(str(fasta_files / "neg.fa")).sequences[:40]
    model = train.fit({"arch": "deepbind", "n_filters": 4}, (pos + neg, [1.5] * 40 + [0.2] * 40),
                      task="regression", epochs=1, seed=0)
    io.save(model, tmp_path / "reg")
    assert cli.main(["evaluate", str(tmp_path / "reg"), "--fasta", str(fasta_files / "pos.fa"),
                     str(fasta_files / "neg.fa"), "--labels", "1.5", "0.2"]) == 0
    assert "r2" in capsys.readouterr().out
    assert cli.main(["train", str(tmp_path)]) == 2
    assert "is a folder; give the YAML / JSON file" in capsys.readouterr().err


def test_train_continues_a_saved_model_and_keeps_the_first(fasta_files, tmp_path, capsys):
    data = {"fasta": [str(fasta_files / "pos.fa"), str(fasta_files / "neg.fa")], "labels": [1, 0]}

    def train(model, fit, output):
        path = tmp_path / f"{output}.json"
        path.write_text(json.dumps({"model": model, "train": data, "fit": fit,
                                    "output": str(tmp_path / output)}))
        return cli.main(["train", str(path)])

    def auroc(model):
        capsys.readouterr()
        assert cli.main(["evaluate", str(model), "--fasta", str(fasta_files / "pos.fa"),
                         str(fasta_files / "neg.fa"), "--labels", "1", "0"]) == 0
        return float(next(line.split()[2] for line in capsys.readouterr().out.splitlines()
                          if line.split()[:1] == ["auroc"]))

    # one small step: the planted site is not found yet
    assert train({"arch": "deepbind", "n_filters": 8}, {"epochs": 1, "lr": 1e-5, "seed": 1},
                 "first") == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    assert auroc(tmp_path / "first") < 0.8
    # trained further into its own folder only with --overwrite
    assert train(str(tmp_path / "first"), {"epochs": 1}, "first") == 2
    assert "exists" in capsys.readouterr().err
    # the saved folder as the model: trained further, saved elsewhere, the first left as it was
    assert train(str(tmp_path / "first"), {"epochs": 8, "lr": 0.01, "seed": 1}, "second") == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()} == first
    assert json.loads((tmp_path / "second" / "config.json").read_text())["model"]["n_filters"] == 8
    assert auroc(tmp_path / "second") > 0.95
    # a path that is not there is said so, not read as an architecture name
    assert train(str(tmp_path / "nowhere" / "model"), {"epochs": 1}, "third") == 2
    assert "is not a saved model folder" in capsys.readouterr().err
    assert not (tmp_path / "third").exists()
