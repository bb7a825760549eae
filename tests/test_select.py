"""deepomics.select: search spaces, cross-validation, Optuna searches (grid, resumed after a kill,
two workers on one study), the leaderboard with baselines, refit."""
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pandas as pd
import optuna
import pytest

from deepomics import io, select, train
from deepomics.select import search as search_module
from deepomics.select import cv as CV
from deepomics.select import space as S
from helpers_planted import binary_motif

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def motif_data():
    return binary_motif(n=300, length=40, seed=0)


def _draws(space: dict, n: int) -> list[tuple[dict, dict]]:
    """n (config, fit arguments) drawn from a checked space by a seeded random sampler."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    draws = []
    for _ in range(n):
        trial = study.ask()
        draws.append(S.suggest(trial, space))
        study.tell(trial, 0.5)
    return draws


def test_space_checks_and_conditional_draws():
    with pytest.raises(ValueError, match="'n_filter' is neither a setting of deepbind nor a fit argument"):
        S.check_space({"arch": "deepbind", "n_filter": [8]})
    with pytest.raises(ValueError, match="unknown|not a registered|architecture"):
        S.check_space({"arch": ["deepbind", "deepbindd"]})
    with pytest.raises(ValueError, match="low .* must be below high"):
        S.check_space({"arch": "mlp", "lr": {"low": 1e-2, "high": 1e-4}})
    with pytest.raises(ValueError, match="a log range needs low > 0"):
        S.check_space({"arch": "mlp", "lr": {"low": 0, "high": 1, "log": True}})
    space = S.check_space({"arch": ["deepbind", "danq"], "dropout": [0.0, 0.25],
                           "hidden": [32, 64], "lr": {"low": 1e-4, "high": 1e-2, "log": True},
                           "batch_size": [16, 32]})
    draws = _draws(space, 12)
    for config, fit_args in draws:
        assert ("dropout" in config) == (config["arch"] == "deepbind")   # only deepbind has it
        assert 1e-4 <= fit_args["lr"] <= 1e-2 and fit_args["batch_size"] in (16, 32)
    assert {config["arch"] for config, _ in draws} == {"deepbind", "danq"}
    # lists as choices travel through Optuna as JSON and come back as lists
    trial = optuna.create_study().ask()
    config, _ = S.suggest(trial, {"arch": "mlp", "hidden": [[64, 32]]})
    assert config["hidden"] == [64, 32]


def test_whole_numbers_given_as_floats_are_drawn_as_ints():
    """R's numbers are doubles and YAML's 16.0 is a float: a range 4.0..12.0 of filters must draw
    whole numbers (it drew 6.195 and failed), and choices read 16, not 16.0."""
    space = S.check_space({"arch": ["deepbind", "mlp"], "n_filters": {"low": 4.0, "high": 12.0},
                           "hidden": [[16.0], 32.0], "epochs": [2.0], "dropout": [0.0, 1.0 / 4],
                           "lr": {"low": 1e-3, "high": 1.0}})
    assert space["n_filters"] == {"low": 4, "high": 12} and space["epochs"] == [2]
    assert space["hidden"] == [[16], 32] and space["dropout"] == [0.0, 0.25]   # hidden: int / int list
    assert space["lr"] == {"low": 1e-3, "high": 1.0}                         # a float setting stays
    draws = _draws(space, 8)
    for config, fit_args in draws:
        if config["arch"] == "deepbind":
            assert type(config["n_filters"]) is int and 4 <= config["n_filters"] <= 12
        assert type(fit_args["epochs"]) is int and type(fit_args["lr"]) is float
    assert "deepbind" in {config["arch"] for config, _ in draws}
    # a study stored before this normalisation (R's 16.0) is still the same search
    study = optuna.create_study()
    study.tell(study.ask(), 0.5)  # a finished trial: the settings now hold
    study.set_user_attr("search", json.dumps({"space": {"arch": "deepbind", "n_filters": [16.0]},
                                              "metric": "auroc", "cv": 3, "seed": 0}))
    settings = {"metric": "auroc", "cv": 3, "seed": 0, "strategy": "tpe", "task": "binary",
                "valid_fraction": None, "fit_args": {}}  # (the later settings: not compared)
    search_module._check_same_search(
        study, {"space": S.check_space({"arch": "deepbind", "n_filters": [16.0]}), **settings})
    with pytest.raises(ValueError, match="was run with another search \\(space differs\\)"):
        search_module._check_same_search(
            study, {"space": {"arch": "deepbind", "n_filters": [32]}, **settings})


def test_grid_search_ranks_the_planted_signal_models_above_the_baseline(motif_data, tmp_path,
                                                                       monkeypatch):
    seqs, y = motif_data
    search = select.grid_search(
        {"arch": ["deepbind", "danq"], "n_filters": [8, 16], "lr": [1e-2]}, (seqs, y),
        strategy="grid", n_trials=4, cv=3, metric="auroc", prune=False,
        fit_args={"epochs": 6, "early_stopping": {"patience": 2}}, seed=0)
    board = search.leaderboard()
    assert len(board) == 5 and list(board["rank"]) == [1, 2, 3, 4, 5]
    assert set(board.loc[board.kind == "trial", "params"].map(json.loads).map(
        lambda p: (p["arch"], p["n_filters"]))) == {("deepbind", 8), ("deepbind", 16),
                                                    ("danq", 8), ("danq", 16)}
    baseline = board[board.kind == "baseline"].iloc[0]
    assert baseline["model"] == "kmer_linear" and baseline["folds"] == 3
    top = board.iloc[0]
    assert top["kind"] == "trial" and top["model"] == "deepbind"
    assert top["mean"] > baseline["mean"] and top["mean"] >= 0.95
    assert board["mean"].is_monotonic_decreasing
    assert (board["folds"] == 3).all() and board["sd"].notna().all()
    config, fit_args = search.best_config
    assert config["arch"] == "deepbind" and fit_args["lr"] == 1e-2
    model = search.refit((seqs, y), tmp_path / "best")
    assert io.load(tmp_path / "best").config == model.config
    assert train.evaluate(model, (seqs, y)).query("metric == 'auroc'")["value"].iloc[0] > 0.95
    # the path is checked before training; overwrite goes to the save (it reached fit before)
    calls = []
    monkeypatch.setattr(train, "fit", lambda *a, **k: calls.append(1))
    with pytest.raises(FileExistsError, match="best exists; pass overwrite=True"):
        search.refit((seqs, y), tmp_path / "best")
    assert not calls  # nothing was trained in vain
    monkeypatch.undo()
    again = search.refit((seqs, y), tmp_path / "best", overwrite=True, epochs=1)
    assert len(io.load(tmp_path / "best").history) == len(again.history) == 1


def test_protein_search_gets_the_composition_baseline():
    """A space that fixes alphabet 'protein' gets the amino-acid composition baseline (k-mer
    logistic regression on one letter), which finds a planted charge difference."""
    rng = np.random.default_rng(0)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    y = np.arange(60) % 2
    x = ["".join(rng.choice(letters, 12)) + ("KKRRKK" if label else "DDEEDD") +
         "".join(rng.choice(letters, 12)) for label in y]
    search = select.grid_search({"arch": "deepbind", "alphabet": "protein", "n_filters": [4]},
                                (x, y), strategy="grid", cv=2, fit_args={"epochs": 40}, seed=0)
    board = search.leaderboard().set_index("kind")
    baseline = board.loc["baseline"]
    assert baseline["model"] == "kmer_linear"
    assert json.loads(baseline["config"]) == {"arch": "kmer_linear", "k": 1, "alphabet": "protein"}
    assert baseline["mean"] > 0.9  # the composition separates the planted charges


@pytest.mark.parametrize("form", ["onehot", "tensor"])
def test_one_hot_arrays_and_tensors_are_searched_with_the_kmer_baseline(motif_data, form):
    """Sequences held as one-hot (NumPy or torch) get the k-mer baseline, as text does (an MLP
    on a 3-D array cannot train), and folds take their rows."""
    import torch

    from deepomics import seq
    from deepomics.select import cv as CV

    seqs, y = motif_data
    x = seq.one_hot(seqs)
    x = torch.from_numpy(x) if form == "tensor" else x
    assert np.array_equal(np.asarray(CV.subset(x, np.array([5, 2]))), seq.one_hot([seqs[5], seqs[2]]))
    search = select.grid_search({"arch": ["deepbind"], "n_filters": [8], "lr": [1e-2]}, (x, y),
                                strategy="grid", n_trials=1, cv=2, metric="auroc",
                                fit_args={"epochs": 4}, seed=0)
    board = search.leaderboard()
    assert list(board["model"]) == ["deepbind", "kmer_linear"] and (board["folds"] == 2).all()
    assert board["mean"].iloc[0] > 0.9


def test_the_leaderboard_shows_list_choices_as_lists():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)).astype(np.float32), np.arange(40) % 2
    search = select.grid_search({"arch": ["mlp"], "hidden": [[4], [4, 2]]}, (x, y),
                                strategy="grid", n_trials=2, cv=2, baselines=False,
                                fit_args={"epochs": 1}, seed=0)
    params = search.leaderboard()["params"].map(json.loads)
    assert sorted(p["hidden"] for p in params) == [[4], [4, 2]]


def test_search_errors(motif_data):
    seqs, y = motif_data
    with pytest.raises(ValueError, match="fit_args checkpoint_dir: a search trains a model per "
                                         "trial and fold, which would all share it"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), fit_args={"checkpoint_dir": "ck"})
    with pytest.raises(TypeError, match="fit_args: fit has no argument 'epoch'; did you mean 'epochs'"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), fit_args={"epoch": 1})  # before baselines
    with pytest.raises(ValueError, match=r"fit_args seed: grid_search takes it itself.*grid_search\(seed=...\)"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), fit_args={"seed": 3})
    with pytest.raises(ValueError, match="strategy must be one of grid, random, tpe"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), strategy="bayes")
    with pytest.raises(ValueError, match="'grid' needs every searched key to be a list"):
        select.grid_search({"arch": "deepbind", "lr": {"low": 1e-3, "high": 1e-2}}, (seqs, y),
                           strategy="grid")
    with pytest.raises(ValueError, match="metric 'r2' is not a binary metric"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), metric="r2")
    with pytest.raises(ValueError, match="labels have 299 entries but there are 300 samples"):
        select.grid_search({"arch": "deepbind"}, (seqs, y[:-1]))
    with pytest.raises(ValueError, match="data must be \\(x, y\\)"):
        select.grid_search({"arch": "deepbind"}, seqs)
    with pytest.raises(ValueError, match="n_trials must be a positive whole number, not 0"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), n_trials=0)
    with pytest.raises(FileNotFoundError, match="the folder .*nowhere does not exist; create it"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), storage="/nowhere/search.db")
    with pytest.raises(TypeError, match="leaderboard takes a Search"):
        select.leaderboard([1, 2])


def test_a_storage_that_is_another_file_is_refused_and_left_alone(tmp_path, motif_data):
    seqs, y = motif_data
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(ValueError, match="notes.txt exists and is not a search database"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), storage=str(notes))
    assert notes.read_text() == "my notes"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        select.leaderboard(str(tmp_path / "none.db"))


def _separable(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def test_tpe_search_draws_ranges_and_ranks_the_learning_rates_that_learn_first():
    # in 5 epochs a learning rate of 1e-6 learns nothing and 1e-2 learns the rule: the best
    # trial must have a large rate, every draw must stay inside the (log) range
    x, y = _separable()
    search = select.grid_search(
        {"arch": "mlp", "hidden": [[8]], "lr": {"low": 1e-6, "high": 1e-1, "log": True}},
        (x, y), strategy="tpe", n_trials=10, cv=3, prune=False, fit_args={"epochs": 5}, seed=0)
    board = search.leaderboard()
    trials = board[board.kind == "trial"]
    rates = trials["params"].map(lambda p: json.loads(p)["lr"])
    assert len(trials) == 10 and rates.between(1e-6, 1e-1).all()
    assert rates.min() < 1e-4 and rates.max() > 1e-2     # the range is explored, log-uniformly
    assert rates.iloc[0] > 1e-3 and rates.iloc[-1] < 1e-3, rates.tolist()
    assert trials["mean"].iloc[0] > 0.9 > trials["mean"].iloc[-1]
    assert search.best_config[1]["lr"] == rates.iloc[0]


def test_a_search_ranked_by_logloss_puts_the_lowest_first():
    # H2O's leaderboard can sort by logloss: lower is better, so the rate that learns comes first
    x, y = _separable()
    search = select.grid_search({"arch": "mlp", "hidden": [[8]], "lr": [1e-6, 3e-2]}, (x, y),
                                strategy="grid", cv=2, metric="logloss", prune=False,
                                fit_args={"epochs": 5}, seed=0)
    assert search.direction == "minimize"
    board = search.leaderboard()
    assert board["mean"].is_monotonic_increasing
    trials = board[board.kind == "trial"]
    assert json.loads(trials["params"].iloc[0])["lr"] == 3e-2
    assert trials["mean"].iloc[0] < 0.4 < 0.6 < trials["mean"].iloc[-1]  # chance: log 2 = 0.69
    assert search.best_config[1]["lr"] == 3e-2
    # H2O's "deviance": the log loss for classification, the MSE for regression
    for labels, expected in ((y, "logloss"), (x[:, 0] + x[:, 1], "mse")):
        search = select.grid_search({"arch": "mlp", "hidden": [[2]]}, (x[:60], labels[:60]),
                                    strategy="grid", cv=2, metric="deviance", baselines=False,
                                    fit_args={"epochs": 1}, seed=0)
        assert search.metric == expected and search.direction == "minimize"


@pytest.mark.filterwarnings("error::UserWarning")  # one split: epochs alone report (no clash)
@pytest.mark.parametrize("cv", [3, None])
def test_pruning_stops_the_hopeless_trials_early(cv):
    # the first trials set the median; a learning rate of 1e-7 then falls below it and is pruned:
    # after its first fold (cv = 3) or its first epoch (one validation split)
    x, y = _separable()
    # (a range makes the random search draw independently, repeating the two rates; a weight
    # decay this small does not change the scores)
    search = select.grid_search(
        {"arch": "mlp", "hidden": [[8]], "lr": [1e-2, 1e-7],
         "weight_decay": {"low": 0.0, "high": 1e-12}}, (x, y), strategy="random",
        n_trials=10, cv=cv, prune=True, fit_args={"epochs": 5}, baselines=False, seed=2)
    board = search.leaderboard()
    rate = board["params"].map(lambda p: json.loads(p)["lr"])
    pruned = board[board.state == "pruned"]
    assert len(pruned) >= 1 and (rate[board.state == "pruned"] == 1e-7).all()
    assert (pruned["folds"] < (3 if cv else 1)).all()
    assert (board.loc[board.state == "complete", "folds"] == (3 if cv else 1)).all()
    assert list(board["state"]).index("pruned") > (board.state == "complete").sum() - 1
    assert rate.iloc[0] == 1e-2 and board["mean"].iloc[0] > 0.85


WORKER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from helpers_planted import binary_motif
    from deepomics import select
    from deepomics.select import cv as CV
    if {hang}:  # the second trial never ends, so the test kills the worker mid-trial
        run, calls = CV.cross_validate, []
        def cross_validate(*args, **kwargs):
            calls.append(1)
            while len(calls) > 1:
                time.sleep(1)
            return run(*args, **kwargs)
        CV.cross_validate = cross_validate
    seqs, y = binary_motif(n=200, length=30, seed=0)
    select.grid_search({{"arch": "deepbind", "n_filters": [4, 6, 8, 10, 12, 14]}},
                       (seqs, y), strategy="grid", n_trials={n_trials}, cv=2, baselines=False,
                       prune=False, fit_args={{"epochs": {epochs}}}, storage={storage!r},
                       study_name="shared", seed=0)
""")


def _worker(tmp_path, storage, n_trials, epochs, name, hang=False):
    script = tmp_path / f"{name}.py"
    script.write_text(WORKER.format(tests=HERE, n_trials=n_trials, epochs=epochs, storage=storage,
                                    hang=hang))
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def _finished(storage):
    study = optuna.load_study(study_name="shared", storage=search_module._storage(storage))
    states = [t.state for t in study.trials]
    return study, sum(s == optuna.trial.TrialState.COMPLETE for s in states)


def _has_heartbeat(storage, trial_id):
    with contextlib.closing(sqlite3.connect(storage)) as db:
        return db.execute("SELECT 1 FROM trial_heartbeats WHERE trial_id = ?",
                          (trial_id,)).fetchone() is not None


def test_a_search_resumes_after_its_process_is_killed(tmp_path):
    storage = str(tmp_path / "search.db")
    worker = _worker(tmp_path, storage, n_trials=6, epochs=2, name="killed", hang=True)
    while worker.poll() is None:  # the worker's second trial waits to be killed
        if os.path.exists(storage):
            try:
                study, done = _finished(storage)
                running = [t._trial_id for t in study.trials
                           if t.state == optuna.trial.TrialState.RUNNING]
                # Optuna fails a dead trial only once it has beaten its heartbeat at least once
                if done >= 1 and running and _has_heartbeat(storage, running[0]):
                    break
            except Exception:  # the database is still being created
                pass
        time.sleep(0.5)
    assert worker.poll() is None, "the worker finished before it could be killed:\n" + \
        worker.stdout.read().decode()
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _, done_before = _finished(storage)
    assert done_before == 1
    # the killed worker's last heartbeat, set long past (rather than waiting out the grace period)
    with contextlib.closing(sqlite3.connect(storage)) as db, db:
        db.execute("UPDATE trial_heartbeats SET heartbeat = '2000-01-01 00:00:00.000000'")
    seqs, y = binary_motif(n=200, length=30, seed=0)
    search = select.grid_search({"arch": "deepbind", "n_filters": [4, 6, 8, 10, 12, 14]},
                                (seqs, y), strategy="grid", n_trials=3, cv=2, baselines=False,
                                prune=False, fit_args={"epochs": 2}, storage=storage,
                                study_name="shared", seed=0)
    states = [t.state for t in search.study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 3
    assert optuna.trial.TrialState.FAIL in states            # the killed trial, failed by heartbeat
    assert len(search.leaderboard()) == 3
    # the board of a saved search, from its storage alone
    pd.testing.assert_frame_equal(select.leaderboard(storage, study_name="shared"),
                                  search.leaderboard())
    with pytest.raises(ValueError, match="has no study .deepomics. \\(it has: shared\\); name the one to read with study_name"):
        select.leaderboard(storage)
    with pytest.raises(ValueError, match="was run with another search"):
        select.grid_search({"arch": "deepbind", "n_filters": [4, 8]}, (seqs, y), strategy="grid",
                           n_trials=3, cv=2, storage=storage, study_name="shared", seed=0)
    # the same search on other data is not answered with this data's leaderboard
    other, other_y = binary_motif(n=200, length=30, seed=1)
    for data, said in (((other, other_y), "the same 200 samples, other labels, groups or inputs"),
                       ((seqs[:150], y[:150]), "200 samples; these are 150")):
        with pytest.raises(ValueError, match=f"was run on other data \\({said}\\)"):
            select.grid_search({"arch": "deepbind", "n_filters": [4, 6, 8, 10, 12, 14]}, data,
                               strategy="grid", n_trials=3, cv=2, baselines=False, prune=False,
                               fit_args={"epochs": 2}, storage=storage, study_name="shared",
                               seed=0)


def test_two_workers_share_one_study(tmp_path):
    storage = str(tmp_path / "shared.db")
    optuna.create_study(study_name="shared", storage=search_module._storage(storage),
                        direction="maximize")
    workers = [_worker(tmp_path, storage, n_trials=4, epochs=2, name=f"w{i}") for i in range(2)]
    for w in workers:
        out, _ = w.communicate(timeout=300)
        assert w.returncode == 0, out.decode()
    study, done = _finished(storage)
    assert 4 <= done <= 5                       # each worker stops once the study has 4
    workers_seen = {t.user_attrs["worker"] for t in study.trials
                    if t.state == optuna.trial.TrialState.COMPLETE}
    assert len(workers_seen) == 2


def test_a_point_another_worker_is_training_is_waited_for_and_not_trained_again(tmp_path,
                                                                              monkeypatch):
    """A second worker joins a one-point grid while the first trains it (Optuna's grid sampler
    then hands out the running point): it waits for that trial and takes over its scores."""
    storage = str(tmp_path / "twin.db")
    monkeypatch.setattr(search_module, "TWIN_POLL_SECONDS", 0.05)
    seqs, y = binary_motif(n=100, length=30, seed=0)
    trained, second = [], {}
    cross_validate = search_module.CV.cross_validate

    def search():
        return select.grid_search({"arch": "deepbind", "n_filters": [4]}, (seqs, y),
                                  strategy="grid", n_trials=1, cv=2, baselines=False, prune=False,
                                  fit_args={"epochs": 1}, storage=storage, study_name="shared",
                                  seed=0)

    def train_first_while_second_joins(config, *args, **kwargs):
        trained.append(config)
        if len(trained) == 1:
            second["worker"] = threading.Thread(target=lambda: second.update(search=search()))
            second["worker"].start()
            study = optuna.load_study(study_name="shared",
                                      storage=search_module._storage(storage))
            while len(study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) < 2:
                time.sleep(0.05)  # the second worker's trial has drawn the point
            time.sleep(0.5)       # (and would have trained it by now, were it not waiting)
        return cross_validate(config, *args, **kwargs)

    monkeypatch.setattr(search_module.CV, "cross_validate", train_first_while_second_joins)
    first = search()
    second["worker"].join(timeout=120)
    assert not second["worker"].is_alive()
    assert len(trained) == 1
    trials = second["search"].study.trials
    assert [t.state for t in trials] == [optuna.trial.TrialState.COMPLETE] * 2
    assert trials[1].params == trials[0].params and trials[1].user_attrs["repeat_of"] == 0
    assert trials[1].value == trials[0].value
    pd.testing.assert_frame_equal(second["search"].leaderboard(), first.leaderboard())
    assert len(first.leaderboard()) == 1


@pytest.mark.filterwarnings("ignore:Heartbeat of storage is supposed to be used")
def test_the_wait_for_a_killed_workers_point_ends_when_its_heartbeat_is_stale(tmp_path,
                                                                            monkeypatch):
    storage = str(tmp_path / "stale.db")
    monkeypatch.setattr(search_module, "TWIN_POLL_SECONDS", 0.05)
    study = optuna.create_study(study_name="s", storage=search_module._storage(storage))
    point = {"n_filters": optuna.distributions.CategoricalDistribution([4, 8])}
    killed = study.ask(point)
    with contextlib.closing(sqlite3.connect(storage)) as db, db:  # its last beat long past
        db.execute("INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES "
                   "(?, '2000-01-01 00:00:00.000000')", (killed._trial_id,))
    study.enqueue_trial({"n_filters": killed.params["n_filters"]})
    waiting = study.ask(point)
    assert waiting.params == killed.params
    search_module._wait_for_twin(waiting)  # returns (a stuck wait would hang the test)
    assert study.trials[killed.number].state == optuna.trial.TrialState.FAIL


def test_repeats_do_not_count_toward_the_pruners_start_up():
    """The pruner starts pruning after 3 trials that trained; two repeats of one of them (complete,
    with its scores) do not end the start-up early."""
    study = optuna.create_study(direction="maximize")
    for number in range(3):
        study.add_trial(optuna.trial.create_trial(
            state=optuna.trial.TrialState.COMPLETE, value=0.9, intermediate_values={0: 0.9},
            user_attrs={"repeat_of": 0} if number else {}))
    hopeless = study.ask()
    hopeless.report(0.1, step=0)
    pruner = search_module._median_pruner(n_startup_trials=3)
    assert not pruner.prune(study, study.trials[hopeless.number])  # one trial trained
    study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.COMPLETE, value=0.8,
                                              intermediate_values={0: 0.8}))
    assert not pruner.prune(study, study.trials[hopeless.number])  # two
    study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.COMPLETE, value=0.7,
                                              intermediate_values={0: 0.7}))
    assert pruner.prune(study, study.trials[hopeless.number])      # three: below their median
    assert optuna.pruners.MedianPruner(n_startup_trials=3).prune(
        study, study.trials[hopeless.number])


def test_folds_partition_the_samples_and_cross_validate_scores_each_held_out_fold(motif_data):
    from deepomics.select import cv as CV

    seqs, y = motif_data
    splits = CV.folds((seqs, y), cv=3, valid_fraction=0.2, task=None, seed=0)
    held = np.concatenate([h for _, h in splits])
    assert sorted(held.tolist()) == list(range(len(seqs)))        # every sample held out once
    for train_part, held_out in splits:
        assert not set(train_part) & set(held_out)
        assert abs(y[held_out].mean() - y.mean()) < 0.02             # stratified
    groups = np.arange(len(seqs)) % 10
    for train_part, held_out in CV.folds((seqs, y), cv=3, valid_fraction=0.2, task=None,
                                         groups=groups, seed=0):
        assert not set(groups[train_part]) & set(groups[held_out])   # a group stays together
    # groups that hold one class each: a fold that holds out one class cannot be scored
    by_class = np.where(y == 1, "pos", "neg").astype(object)
    by_class[:10] = "mixed"
    with pytest.raises(ValueError, match=r"with these groups, fold \d of 3 \(holding out groups "
                                         r"(neg|pos)\) (holds out class \d only|trains without)"):
        CV.folds((seqs, y), cv=3, valid_fraction=0.2, task=None, groups=by_class, seed=0)
    with pytest.raises(ValueError, match="with these groups, fold 1 of 1"):
        select.grid_search({"arch": "deepbind"}, (seqs, y), cv=None, valid_fraction=0.5,
                           groups=np.where(y == 1, "a", "b"))
    (one,) = CV.folds((seqs, y), cv=None, valid_fraction=0.25, task=None, seed=0)
    assert len(one[1]) == 75
    with pytest.raises(ValueError, match="cv must be 2 folds or more"):
        CV.folds((seqs, y), cv=1, valid_fraction=0.2, task=None)
    lonely = np.where(np.arange(len(seqs)) == 0, "rare", np.where(y == 1, "yes", "no"))
    with pytest.raises(ValueError, match=r"class; rare have 1: drop those samples"):
        CV.folds((seqs, lonely), cv=None, valid_fraction=0.2, task=None)
    with pytest.raises(ValueError, match=r"2 samples or more for 3-fold.*rare have 1"):
        CV.folds((seqs, lonely), cv=3, valid_fraction=0.2, task=None)
    scores = CV.cross_validate({"arch": "deepbind", "n_filters": 8}, (seqs, y), splits,
                               metric="auroc", fit_args={"epochs": 6, "lr": 1e-2}, seed=0)
    baseline = CV.cross_validate({"arch": "kmer_linear", "k": 3}, (seqs, y), splits,
                                 metric="auroc", fit_args={"epochs": 6, "lr": 1e-2}, seed=0)
    assert len(scores) == 3 and min(scores) > 0.9 and np.mean(scores) > np.mean(baseline)


def test_a_random_search_over_choices_draws_each_combination_once():
    """H2O's RandomDiscrete: over a finite grid, n_trials beyond its size stops at the grid
    (RandomSampler repeated combinations), and fewer trials are distinct combinations."""
    x, y = _separable(120)
    space = {"arch": "mlp", "hidden": [[4], [8]], "lr": [1e-2, 3e-2]}
    args = dict(strategy="random", cv=2, baselines=False, fit_args={"epochs": 1}, seed=3)
    board = select.grid_search(space, (x, y), n_trials=10, **args).leaderboard()
    assert len(board) == 4 and board["params"].is_unique
    assert select.grid_search(space, (x, y), n_trials=3, **args).leaderboard()["params"].is_unique


def test_early_stopping_inside_grouped_folds_splits_by_group_too(motif_data, monkeypatch):
    """With groups, each training part's inner validation split (early stopping) gets the
    part's groups, so a group is never both trained on and watched (trials and baseline)."""
    seqs, y = motif_data
    groups = np.arange(len(seqs)) % 12
    seen, real = [], train.fit

    def spy(config, data, **kwargs):
        seen.append((len(data[0]), kwargs.get("groups")))
        return real(config, data, **kwargs)

    monkeypatch.setattr(train, "fit", spy)
    select.grid_search({"arch": "deepbind", "n_filters": [4]}, (seqs, y), strategy="grid", cv=3,
                       groups=groups, fit_args={"epochs": 1, "early_stopping": {"patience": 1}},
                       seed=0)
    assert len(seen) == 6  # 3 folds: the trial and the baseline
    for n, inner in seen:
        assert inner is not None and len(inner) == n and len(set(inner)) == 8  # 8 of 12 groups


def test_a_failed_trial_raises_its_error_once_and_leaves_optunas_verbosity(capfd):
    """A trial that fails raises its error; Optuna does not also log it with a traceback (unless
    verbose), and the user's own Optuna verbosity is as it was."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 4)).astype(np.float32), np.arange(40) % 2
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        with pytest.raises(ValueError, match=r"mlp takes features of shape \(N, 7\); got shape"):
            select.grid_search({"arch": "mlp", "n_features": [7, 4]}, (x, y), strategy="grid",
                               n_trials=2, cv=2, fit_args={"epochs": 1}, baselines=False)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out
    assert "failed" not in printed.err + printed.out


def _matrix(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(int)


def test_refit_trains_the_searchs_task_with_its_trials_early_stopping(monkeypatch):
    """refit: the task the trials were scored as (not guessed again from the labels), and the
    early stopping the search added on one split, patience from the drawn epochs."""
    x, _ = _matrix()
    y = np.arange(40) % 6  # whole numbers: read as 6 classes unless told
    search = select.grid_search({"arch": "mlp", "hidden": [[8]], "epochs": [3]}, (x, y),
                                task="regression", strategy="grid", n_trials=1, cv=None,
                                baselines=False, metric="r2")
    config, fit_args = search.best_config
    assert fit_args["early_stopping"] == {"patience": 3, "monitor": "valid_r2"}
    model = search.refit((x, y))
    assert model.task == "regression" and model.classes is None
    assert model.monitor == "valid_r2"  # the best epoch by the search's metric is kept


def test_a_stored_search_is_not_resumed_with_other_settings_or_other_values(tmp_path):
    x, y = _matrix()
    kw = dict(strategy="grid", n_trials=1, cv=2, baselines=False, prune=False,
              storage=str(tmp_path / "s.db"))
    space = {"arch": "mlp", "hidden": [[4]]}
    select.grid_search(space, (x, y), fit_args={"epochs": 1, "lr": 1e-4}, **kw)
    with pytest.raises(ValueError, match="another search \\(fit_args differs\\)"):
        select.grid_search(space, (x, y), fit_args={"epochs": 3, "lr": 1e-2}, **kw)
    with pytest.raises(ValueError, match="another search \\(strategy differs\\)"):
        select.grid_search(space, (x, y), fit_args={"epochs": 1, "lr": 1e-4},
                           **{**kw, "strategy": "random"})
    with pytest.raises(ValueError, match="was run on other data \\(the same 40 samples"):
        select.grid_search(space, (np.log1p(np.abs(x)) * 7, y),
                           fit_args={"epochs": 1, "lr": 1e-4}, **kw)


@pytest.mark.parametrize("strategy", ["random", "tpe"])
def test_a_resumed_random_or_tpe_search_draws_anew(tmp_path, strategy):
    x, y = _matrix()
    space = {"arch": "mlp", "hidden": [[4]], "lr": {"low": 1e-4, "high": 1e-1, "log": True}}
    kw = dict(strategy=strategy, cv=2, baselines=False, prune=False, fit_args={"epochs": 1},
              storage=str(tmp_path / f"{strategy}.db"))
    first = select.grid_search(space, (x, y), n_trials=2, **kw)
    lrs = [t.params["lr"] for t in first.study.trials]
    resumed = select.grid_search(space, (x, y), n_trials=4, **kw)
    drawn = [t.params["lr"] for t in resumed.study.trials]
    assert drawn[:2] == lrs and len(set(drawn)) == 4  # not the first session's draws again
    fresh = select.grid_search(space, (x, y), n_trials=2, **{**kw, "storage": None})
    assert [t.params["lr"] for t in fresh.study.trials] == lrs  # a new search: as seeded


def test_trials_whose_metric_is_undefined_are_shown_and_explained():
    x, y = _matrix()
    x[:] = 1.0  # constant inputs: constant predictions, Pearson's r undefined
    search = select.grid_search({"arch": "mlp", "hidden": [[8], [4]]},
                                (x, y.astype(np.float32)), metric="pearson", task="regression",
                                strategy="grid",
                                n_trials=2, cv=2, baselines=False, fit_args={"epochs": 1})
    board = search.leaderboard()
    assert list(board["state"]) == ["undefined", "undefined"] and board["mean"].isna().all()
    with pytest.raises(ValueError, match="pearson was undefined \\(NaN\\) in trials 0, 1"):
        search.best_config


def test_an_undefined_metric_on_one_split_marks_the_trial_and_the_search_goes_on():
    x, y = _matrix()
    x[:] = 1.0
    search = select.grid_search({"arch": "mlp", "hidden": [[8], [4]]}, (x, y.astype(np.float32)),
                                metric="pearson", task="regression", strategy="grid",
                                n_trials=2, cv=None, baselines=False, fit_args={"epochs": 1})
    assert list(search.leaderboard()["state"]) == ["undefined", "undefined"]


def test_a_failed_first_run_does_not_lock_a_stored_search(tmp_path):
    x, y = _matrix()
    kw = dict(strategy="grid", n_trials=1, cv=2, baselines=False, prune=False,
              storage=str(tmp_path / "s.db"))
    space = {"arch": "mlp", "hidden": [[4]]}
    with pytest.raises(ValueError, match="inner_valid must be a fraction in \\(0, 1\\), not 1.5"):
        select.grid_search(space, (x, y), inner_valid=1.5, fit_args={"epochs": 1}, **kw)
    with pytest.raises(ValueError, match="hidden\\[0\\] must be >= 1"):
        select.grid_search({"arch": "mlp", "hidden": [[-1]]}, (x, y), fit_args={"epochs": 1}, **kw)
    fixed = select.grid_search(space, (x, y), fit_args={"epochs": 1}, **kw)  # not "another search"
    assert len(fixed.leaderboard()) == 1


def test_a_grid_point_whose_trial_raised_is_tried_again_when_the_search_resumes(tmp_path,
                                                                                monkeypatch):
    """Optuna's grid sampler counts a failed point as visited; the resumed search queues it."""
    x, y = _matrix()
    kw = dict(strategy="grid", n_trials=3, cv=2, baselines=False, prune=False,
              fit_args={"epochs": 1}, storage=str(tmp_path / "s.db"))
    space = {"arch": "mlp", "hidden": [[4], [6], [8]]}
    real = CV.cross_validate
    trained, failed = [], []

    def out_of_memory_in_the_second_trial(config, *args, **kwargs):
        if len(trained) != 1 or failed:
            trained.append(config["hidden"])
            return real(config, *args, **kwargs)
        failed.append(config["hidden"])
        raise MemoryError(f"planted: hidden {config['hidden']} ran out of memory")

    monkeypatch.setattr(CV, "cross_validate", out_of_memory_in_the_second_trial)
    with pytest.raises(MemoryError, match="planted"):
        select.grid_search(space, (x, y), **kw)
    first = select.leaderboard(kw["storage"])
    assert len(first) == 1 and json.loads(first["params"][0])["hidden"] != failed[0]
    monkeypatch.setattr(CV, "cross_validate", real)  # (the cause fixed)
    resumed = select.grid_search(space, (x, y), **kw)
    board = resumed.leaderboard()
    assert sorted(json.loads(p)["hidden"] for p in board["params"]) == [[4], [6], [8]]
    assert set(board["state"]) == {"complete"}
    states = [t.state for t in resumed.study.trials]
    assert states.count(optuna.trial.TrialState.FAIL) == 1  # the failed trial, kept as it was


def test_a_study_saved_before_values_were_fingerprinted_resumes(tmp_path):
    """Its data key holds the shape-only fingerprint: the same data still matches."""
    x, y = _matrix()
    kw = dict(strategy="grid", cv=2, baselines=False, prune=False, fit_args={"epochs": 1},
              storage=str(tmp_path / "old.db"))
    space = {"arch": "mlp", "hidden": [[4], [8]]}
    first = select.grid_search(space, (x, y), n_trials=1, **kw)
    first.study.set_user_attr("data", {"n": 40, "sha256": search_module._data_digest(
        x, y, None, values=False)})  # as an earlier deepomics saved it
    assert len(select.grid_search(space, (x, y), n_trials=2, **kw).leaderboard()) == 2
    with pytest.raises(ValueError, match="run on other data"):
        select.grid_search(space, (x, 1 - y), n_trials=2, **kw)


def test_a_resumed_search_seed_wraps_at_numpys_limit(tmp_path):
    x, y = _matrix()
    kw = dict(strategy="random", cv=2, baselines=False, prune=False, fit_args={"epochs": 1},
              storage=str(tmp_path / "w.db"), seed=2**32 - 2)
    space = {"arch": "mlp", "hidden": [[4]], "lr": {"low": 1e-4, "high": 1e-1, "log": True}}
    select.grid_search(space, (x, y), n_trials=2, **kw)
    assert len(select.grid_search(space, (x, y), n_trials=3, **kw).leaderboard()) == 3


def test_a_grid_over_architectures_trains_each_distinct_config_once():
    """Keys that apply to one architecture only do not multiply the others' points: deepbind
    was trained once per k of kmer_linear (12 trials for 5 configs)."""
    x = ["".join(np.random.default_rng(i).choice(list("ACGT"), 20)) for i in range(30)]
    y = np.arange(30) % 2
    search = select.grid_search({"arch": ["deepbind", "kmer_linear"], "k": [2, 3, 4],
                                 "n_filters": [4, 8]}, (x, y), strategy="grid", n_trials=20,
                                cv=None, fit_args={"epochs": 1}, baselines=False)
    board = select.leaderboard(search)
    configs = sorted(board["config"])
    assert len(configs) == 5 and len(set(configs)) == 5
    params = [json.loads(p) for p in board["params"]]
    assert {"arch": "kmer_linear", "k": 3} in params and {"arch": "deepbind", "n_filters": 8} in params


def test_a_grid_of_points_keeps_list_and_dict_choices_and_a_rerun_adds_nothing(tmp_path):
    """A point's list value (hidden [128, 64]) and dict value (class weights) are values, not
    choices or ranges; a search run again on its storage, with R's n_trials (the product of
    the choices, more than the distinct points), trains nothing twice."""
    rng = np.random.default_rng(0)
    x = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(40)]
    y = np.arange(40) % 2
    space = {"arch": ["deeploc", "kmer_linear"], "filter_sizes": [[3], [3, 5]], "alphabet": "dna",
             "class_weight": [{"0": 1, "1": 2}, None], "n_filters": 4}
    storage = str(tmp_path / "grid.db")
    for _ in range(2):
        search = select.grid_search(space, (x, y), strategy="grid", n_trials=8, cv=None,
                                    fit_args={"epochs": 1}, baselines=False, storage=storage)
    board = select.leaderboard(search)
    configs = [json.loads(c) for c in board["config"]]
    assert len(board) == 6  # deeploc: 2 x 2; kmer_linear: its 2 class weights
    sizes = sorted(json.dumps(c["filter_sizes"]) for c in configs if c["arch"] == "deeploc")
    assert sizes == ["[3, 5]", "[3, 5]", "[3]", "[3]"]
    assert all(c["n_filters"] == 4 for c in configs if c["arch"] == "deeploc")
    drawn = [json.loads(p) for p in board["params"]]
    assert {"arch": "deeploc", "filter_sizes": [3, 5], "class_weight": {"0": 1, "1": 2}} in drawn
    assert {"arch": "kmer_linear", "class_weight": None} in drawn


def test_ranges_and_choices_are_checked_against_what_the_settings_take():
    """A range written in whole numbers for a float setting draws floats (dropout 0..1 drew 0 or
    1); ends and choices a setting cannot take are refused before any trial trains."""
    space = S.check_space({"arch": "mlp", "dropout": {"low": 0, "high": 0.5}})
    assert space["dropout"] == {"low": 0.0, "high": 0.5}
    drawn = [config["dropout"] for config, _ in _draws(space, 6)]
    assert all(type(d) is float for d in drawn) and len(set(drawn)) == 6
    cases = [({"dropout": {"low": 0, "high": 1}}, r"'dropout': high 1.0 is not a value it takes "
                                                  r"\(mlp: .*< 1"),
             ({"lr": {"low": -1, "high": 1}}, r"'lr': low -1.0 .*\(fit: "),
             ({"epochs": {"low": 0, "high": 3}}, r"'epochs': low 0 "),
             ({"batch_size": [0, 16]}, r"'batch_size': choice 0 "),
             ({"activation": ["relu", "swish"]}, r"'activation': choice 'swish'"),
             ({"lr": {"low": 1e-4, "high": 1e-2, "log": True, "step": 1e-4}}, "either log or in steps")]
    for extra, message in cases:
        with pytest.raises(ValueError, match=message):
            S.check_space({"arch": "mlp", **extra})
    S.check_space({"arch": "mlp", "epochs": {"low": 1, "high": 10, "log": True, "step": 1}})


def test_groups_are_matched_to_the_samples_and_inner_splits_checked_before_training():
    import pandas as pd

    rng = np.random.default_rng(0)
    names = [f"s{i}" for i in range(40)]
    x = pd.DataFrame(rng.normal(size=(40, 3)), index=names)
    y = np.arange(40) % 2
    groups = pd.Series([f"chr{i % 4}" for i in range(40)], index=names)
    with pytest.raises(ValueError, match=r"the groups' index is not the data's index in order .*"
                                         r"groups.loc\[x.index\]"):
        CV.folds((x, y), cv=2, valid_fraction=0.2, task=None, groups=groups.sample(frac=1, random_state=1))
    assert len(CV.folds((x, y), cv=2, valid_fraction=0.2, task=None, groups=groups)) == 2
    with pytest.raises(ValueError, match="groups is the text 'chrom': a column name needs an AnnData"):
        CV.folds((x, y), cv=2, valid_fraction=0.2, task=None, groups="chrom")
    # a class with 2 samples: the fold holding one out trains on one, which early stopping's
    # stratified inner split cannot place; refused naming the fold, before anything trains
    y3 = np.array([0, 1] * 19 + [2, 2])
    with pytest.raises(ValueError, match=r"fold \d of 5 trains on one sample of class 2: early "
                                         r"stopping's inner validation split"):
        select.grid_search({"arch": "mlp", "hidden": [[4]]}, (x.to_numpy(np.float32), y3), cv=5,
                           fit_args={"epochs": 2, "early_stopping": {"patience": 1}},
                           baselines=False, n_trials=1)
    # 3 classes, 12 samples a training part: 10% is 2 for the inner validation split
    with pytest.raises(ValueError, match=r"fold 1 of 2: early stopping's inner split \(inner_valid"
                                         r"=0.1\) of its 12 training samples leaves 2 for "
                                         r"validation, fewer than the 3 classes; use inner_valid=0.25"):
        select.grid_search({"arch": "mlp", "hidden": [[4]]},
                           (x.to_numpy(np.float32)[:24], np.arange(24) % 3), cv=2,
                           fit_args={"epochs": 1, "early_stopping": {"patience": 1}},
                           baselines=False, n_trials=1)


def test_repeated_sequences_are_said_before_folds_put_copies_on_both_sides():
    from deepomics import DeepomicsWarning

    rng = np.random.default_rng(0)
    x = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(50)]
    y = np.arange(50) % 2
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeepomicsWarning)
        CV.folds((x, y), cv=5, valid_fraction=0.2, task=None)  # distinct: nothing said
    with pytest.warns(DeepomicsWarning, match="10 of the 60 sequences repeat another one.*groups="):
        CV.folds((x + [s.lower() for s in x[:10]], np.r_[y, y[:10]]), cv=5, valid_fraction=0.2,
                 task=None)


@pytest.mark.parametrize("space", [
    {"arch": "mlp", "hidden": [[8], [16]], "dropout": [0.0, 0.2]},
    # keys of one architecture only: the points are each architecture's own (2 + 1)
    {"arch": ["deepbind", "kmer_linear"], "n_filters": [4, 8], "k": [2]},
])
def test_tpe_over_choices_trains_each_point_once_and_every_point_at_most(space, monkeypatch):
    """TPE draws a point again once it has ranked the choices: such a repeat takes the earlier
    trial's scores without training, is not counted, and an untried point comes next, so that
    n_trials beyond the grid's size tries every point once."""
    from deepomics.select import search as search_module, space as S

    x, y = _matrix(60)
    if "kmer_linear" in space["arch"]:  # sequences, the label a letter's presence
        x = ["".join(row) for row in np.random.default_rng(1).choice(list("ACGT"), (60, 20))]
        y = np.array([int("GG" in s) for s in x])
    trained = []
    cross_validate = search_module.CV.cross_validate
    monkeypatch.setattr(search_module.CV, "cross_validate",
                        lambda config, *a, **k: trained.append(config) or cross_validate(
                            config, *a, **k))
    search = select.grid_search(space, (x, y), strategy="tpe", n_trials=20, cv=2,
                                baselines=False, prune=False, fit_args={"epochs": 1}, seed=0)
    n_points = len(S.grid_params(S.check_space(space)))
    board = search.leaderboard()
    assert len(board) == n_points == len(trained) and not board["params"].duplicated().any()
    assert len({json.dumps(c, sort_keys=True) for c in trained}) == n_points
    repeats = [t for t in search.study.trials if "repeat_of" in t.user_attrs]
    assert repeats and len(search.study.trials) == n_points + len(repeats)
    for t in repeats:  # the earlier trial's point and scores
        earlier = search.study.trials[t.user_attrs["repeat_of"]]
        assert t.params == earlier.params
        np.testing.assert_array_equal([t.value], [earlier.value])
        np.testing.assert_array_equal(t.user_attrs["fold_scores"],
                                      earlier.user_attrs["fold_scores"])


def test_a_search_over_a_nearly_exhausted_range_stops_and_says_so(monkeypatch):
    """Three widths in a range and n_trials=5: TPE soon draws only widths already tried; the
    search stops after a run of such repeats (not looping), having trained each width once."""
    from deepomics import DeepomicsWarning
    from deepomics.select import search as search_module

    x, y = _matrix(60)
    trained = []
    cross_validate = search_module.CV.cross_validate
    monkeypatch.setattr(search_module.CV, "cross_validate",
                        lambda config, *a, **k: trained.append(config["hidden"]) or
                        cross_validate(config, *a, **k))
    with pytest.warns(DeepomicsWarning,
                      match="stopped at 3 of the 5 distinct points asked \\(n_trials\\)"):
        search = select.grid_search({"arch": "mlp", "hidden": {"low": 4, "high": 6}}, (x, y),
                                    strategy="tpe", n_trials=5, cv=2, baselines=False,
                                    prune=False, fit_args={"epochs": 1}, seed=0)
    assert sorted(trained) == [4, 5, 6] and len(search.leaderboard()) == 3
