"""Hyperparameter search on Optuna, H2O style: a grid (or random / TPE search) over model and
training settings, cross-validated, with a leaderboard that includes the classic baselines.

>>> search = grid_search({"arch": ["deepbind", "danq"], "n_filters": [16, 32],
...                       "lr": {"low": 1e-4, "high": 1e-2, "log": True}},
...                      (sequences, labels), strategy="tpe", n_trials=12, metric="auroc", cv=3,
...                      storage="search.db")                                   # doctest: +SKIP
>>> search.leaderboard()                                                      # doctest: +SKIP

- ``strategy``: ``"grid"`` (every combination of the listed choices, Optuna's GridSampler),
  ``"random"`` (over choices only: the grid in a seeded random order, no combination twice,
  as H2O's RandomDiscrete; with ranges: independent draws) or ``"tpe"`` (Bayesian), seeded.
- A draw of a point already tried (TPE does this over choices) is not trained again: the trial
  takes the earlier one's scores, is marked ``repeat_of`` and is neither on the leaderboard nor
  counted in ``n_trials``; over a space of choices only, an untried point is queued for the
  next trial, so that the search goes on to new points. ``n_trials`` is at most the number of
  points such a space has. A draw of a point that another worker is training waits for that
  trial to end and then takes its scores (or trains the point itself, if that trial failed). A
  search whose sampler draws only points already tried (``REPEATS_IN_A_ROW`` in a row: a small
  range, nearly exhausted) stops there, with a warning.
- Pruning: a trial reports its score after each fold (with ``cv``) or each epoch (one split);
  Optuna's median pruner stops trials that cannot win (once 3 trials have trained; repeats do
  not count).
- ``storage``: a file path (an SQLite database) or a database URL. The study is saved there:
  running the same call again resumes it (trials of a killed process are failed by their
  missing heartbeat and tried again; a point whose trial raised an error is tried again when
  the search is resumed), and several processes or machines that share the file
  system or database work on one study at once, together stopping at ``n_trials``.
- Baselines (``baselines=True``): k-mer logistic / linear regression for sequences (protein:
  the amino-acid composition, in the space's fixed ``alphabet``), a linear
  model (an MLP without hidden layers) for feature matrices, cross-validated on the same folds;
  they appear in the leaderboard beside the trials.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
import warnings

import numpy as np
import pandas as pd

from ..args import count, non_negative_number, user_path
from .. import seq
from ..messages import listing
from ..train import data as D
from ..train.engine import DEFAULT_EPOCHS, UndefinedMetricError, check_fit_arguments
from ..train import metrics as M
from . import cv as CV
from . import space as S

STRATEGIES = ("grid", "random", "tpe")
#: A running trial beats its heartbeat this often; one silent for GRACE_SECONDS is failed (its
#: process was killed) and tried again by the next process that works on the study.
HEARTBEAT_SECONDS, GRACE_SECONDS = 5, 20
#: A trial that drew a point another worker is training looks this often whether it has ended.
TWIN_POLL_SECONDS = HEARTBEAT_SECONDS
#: A search stops when its sampler draws only points already tried this many times in a row
#: (a small space of ranges, nearly exhausted).
REPEATS_IN_A_ROW = 20


class Search:
    """A search's Optuna study with what the search needs to score and refit: ``study``,
    ``metric``, ``direction``; ``leaderboard()``, ``best_config``, ``refit()``."""

    def __init__(self, study, metric: str, task: str | None, inner_valid: float = 0.1):
        self.study, self.metric, self.task = study, metric, task
        self.inner_valid = inner_valid  # the fraction early stopping holds out
        self.direction = "maximize" if M.HIGHER_IS_BETTER[metric] else "minimize"

    def leaderboard(self) -> pd.DataFrame:
        return leaderboard(self.study)

    @property
    def best_config(self) -> tuple[dict, dict]:
        """(model config, fit arguments) of the best completed trial: the arguments its folds
        were trained with (early stopping too, when the search added it)."""
        import optuna

        if not any(t.state == optuna.trial.TrialState.COMPLETE for t in self.study.trials):
            undefined = [t.number for t in self.study.trials if t.user_attrs.get("undefined")
                         and "repeat_of" not in t.user_attrs]
            raise ValueError(
                "no trial of the search has a score" + (
                    f": {self.metric} was undefined (NaN) in trials {listing(undefined)} (e.g. "
                    "a correlation of constant predictions); search with another metric"
                    if undefined else "; run more trials"))
        best = self.study.best_trial
        return best.user_attrs["config"], best.user_attrs["fit_args"]

    def refit(self, data, path: str | os.PathLike | None = None, *, seed: int = 0,
              overwrite: bool = False, **fit_kwargs):
        """The best trial's model trained on all of ``data``, for the search's task (early
        stopping on a seeded split of ``inner_valid`` when the search used it; pass ``groups=``
        to hold out whole groups there); saved to ``path`` when given (checked before training;
        ``overwrite`` as ``io.save``). Returns the model."""
        from ..io import save
        from ..io.models import check_save_path
        from ..train import fit

        if path is not None:
            check_save_path(path, overwrite)
        config, fit_args = self.best_config
        args = {"task": self.task, **fit_args, **fit_kwargs}
        if args.get("early_stopping"):
            args.setdefault("valid_fraction", self.inner_valid)
        model = fit(dict(config), data, seed=seed, **args)
        if path is not None:
            save(model, path, overwrite=overwrite)
        return model


def grid_search(space: dict, data, *, strategy: str = "tpe", n_trials: int = 20,
                metric: str | None = None, cv: int | None = 3, valid_fraction: float = 0.2,
                inner_valid: float = 0.1, groups=None, task: str | None = None,
                fit_args: dict | None = None, baselines: bool = True, prune: bool = True, storage: str | None = None,
                study_name: str = "deepomics", seed: int = 0, timeout: float | None = None,
                verbose: bool | None = None) -> Search:
    """Searches ``space`` (see ``deepomics.select.space``) on ``data`` = ``(x, y)`` (anything
    ``fit`` takes) and returns the ``Search``. ``metric``: a summary metric of the task
    (default AUROC for classification, R^2 for regression; ``"logloss"``, or H2O's
    ``"deviance"``, ranks by the held-out log loss, or MSE for regression); ``cv`` folds (None:
    one split of ``valid_fraction``); ``inner_valid``: the fraction of each training part that
    early stopping holds out (when ``fit_args`` has it, or with one split and pruning).
    ``fit_args``: fixed arguments of ``fit`` (``epochs``, ``early_stopping``, ...). ``n_trials`` counts finished trials of the whole study, whoever ran
    them, so a resumed or shared study stops at the same total; a draw of a point already tried
    is not trained again and does not count (over choices only, at most every point once)."""
    with _optuna_verbosity(verbose):
        return _grid_search(**locals())


@contextlib.contextmanager
def _optuna_verbosity(verbose):
    """Optuna quiet unless ``verbose``: a failed trial's error is raised (once) rather than also
    logged with its traceback. The user's own Optuna verbosity is restored after."""
    import optuna

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(before if verbose else optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)


def _grid_search(space, data, *, strategy, n_trials, metric, cv, valid_fraction, inner_valid,
                 groups, task, fit_args, baselines, prune, storage, study_name, seed, timeout,
                 verbose):
    import optuna

    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    n_trials = count(n_trials, "n_trials")  # 0 would return an empty search silently
    if not isinstance(data, tuple) or len(data) != 2:
        raise ValueError("data must be (x, y): a search compares models on labelled data")
    space = S.check_space(space)
    x, y = data
    x = D.fasta_sequences(x)  # a FASTA path or read_fasta's records: their sequences
    y_values = D.labels_from(y, x)
    D.check_lengths(x, y_values)
    task = task or D.infer_task(y_values)
    metric = (metric or ("r2" if task == "regression" else "auroc")).lower()
    if metric == "deviance":  # H2O's name: ranks as the log loss, or as the MSE for regression
        metric = "mse" if task == "regression" else "logloss"
    if metric not in M.SUMMARY.get(task, []):
        raise ValueError(f"metric {metric!r} is not a {task} metric; use one of "
                         f"{', '.join(M.SUMMARY.get(task, []))}")
    if not 0 < non_negative_number(inner_valid, "inner_valid") < 1:
        raise ValueError(f"inner_valid must be a fraction in (0, 1), not {inner_valid}")
    check_fit_arguments(fit_args or {}, "fit_args")
    own = sorted({"seed", "task", "valid_fraction", "groups"} & set(fit_args or {}))
    if own:
        raise ValueError(f"fit_args {listing(own)}: grid_search takes "
                         f"{'it' if len(own) == 1 else 'them'} itself, for the folds and every "
                         f"trial; pass grid_search({own[0]}=...)")
    shared = sorted({"checkpoint_dir", "resume_from"} & set(fit_args or {}))
    if shared:
        raise ValueError(f"fit_args {listing(shared)}: a search trains a model per trial and fold, "
                         "which would all share it; give storage= to keep a search and resume it")
    fit_args = {"verbose": False, **(fit_args or {})}
    groups = D.groups_from(groups, x)
    splits = CV.folds((x, y_values), cv=cv, valid_fraction=valid_fraction, task=task,
                      groups=groups, seed=seed)
    direction = "maximize" if M.HIGHER_IS_BETTER[metric] else "minimize"
    _sampler(strategy, space, seed)  # (checks the strategy against the space first)
    pruner = _median_pruner(n_startup_trials=3) if prune else optuna.pruners.NopPruner()
    opened = _storage(storage)
    study = optuna.create_study(study_name=study_name, storage=opened, pruner=pruner,
                                direction=direction, load_if_exists=True)
    if study.trials and all(t.state == optuna.trial.TrialState.FAIL and not _finished(t)
                            for t in study.trials):
        # every trial failed (a first run with a mistake): start the study over, so that the
        # corrected search (another space too) is not held to it
        optuna.delete_study(study_name=study_name, storage=opened)
        study = optuna.create_study(study_name=study_name, storage=opened, pruner=pruner,
                                    direction=direction)
    # A resumed study (or a worker that joins one) draws anew: seeded by the trials so far, not
    # replaying the first session's draws. (A grid sampler skips the points already tried.)
    study.sampler = _sampler(strategy, space,
                             (seed + (0 if strategy == "grid" else len(study.trials))) % 2**32)
    _check_same_search(study, {"space": space, "metric": metric, "cv": cv, "seed": seed,
                               "strategy": strategy, "task": task,
                               "valid_fraction": valid_fraction if cv is None else None,
                               "inner_valid": inner_valid,
                               "fit_args": {k: v for k, v in fit_args.items() if k != "verbose"}})
    _check_same_data(study, x, y_values, groups)
    _queue_failed_points(study)

    # a grid of distinct points (architectures with keys of their own) is drawn point by point
    points = isinstance(study.sampler, optuna.samplers.GridSampler) and S.POINT in S.grid(space)
    every_point = S.grid_params(space) if S.is_grid(space) else None
    if every_point is not None:  # (more would repeat points)
        n_trials = min(n_trials, len(every_point))
    # untried points are queued for TPE; a grid sampler keeps its own list of them
    untried_from = None if isinstance(study.sampler, optuna.samplers.GridSampler) else every_point

    def objective(trial):
        config, drawn = S.suggest(trial, space, points)
        _wait_for_twin(trial)
        earlier = _tried_before(trial)
        if earlier is not None:
            return _repeat(trial, earlier, untried_from, seed)
        trial.set_user_attr("config", config)
        trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        args = {**fit_args, **drawn, "task": task}
        if len(splits) == 1 and prune:  # keeps the best epoch by the metric (never stops early)
            args.setdefault("early_stopping", {"patience": args.get("epochs", DEFAULT_EPOCHS),
                                               "monitor": f"valid_{metric}"})
        # what the folds train with, for best_config and refit
        trial.set_user_attr("fit_args", {k: v for k, v in args.items()
                                         if k not in ("verbose", "task")})
        start = time.perf_counter()

        def report(i, scores):
            if len(splits) == 1:  # one split: the epoch callback reports (steps are epochs)
                return
            trial.report(float(np.mean(scores)), step=i)
            if i < len(splits) - 1 and trial.should_prune():
                trial.set_user_attr("fold_scores", list(map(float, scores)))
                raise optuna.TrialPruned()

        if len(splits) == 1 and prune:
            args["callbacks"] = [_EpochPruning(trial, f"valid_{metric}")]
        try:
            scores = CV.cross_validate(config, (x, y_values), splits, metric=metric,
                                       fit_args=args, seed=seed, inner_valid=inner_valid,
                                       groups=groups, on_fold=report)
        except UndefinedMetricError:  # (early stopping's metric, NaN on an inner split)
            scores = [float("nan")]
        trial.set_user_attr("fold_scores", list(map(float, scores)))
        trial.set_user_attr("seconds", time.perf_counter() - start)
        if np.isnan(scores).any():  # Optuna fails the trial; the leaderboard shows it as such
            trial.set_user_attr("undefined", True)
        return float(np.mean(scores))

    if baselines and "baselines" not in study.user_attrs:
        alphabet = space.get("alphabet")  # a fixed one (protein, RNA): the baseline's too
        alphabet = alphabet if isinstance(alphabet, str) else None
        study.set_user_attr("baselines", _baselines(x, y_values, splits, task, metric, seed,
                                                    fit_args, alphabet, groups, inner_valid))
    if _count(study.trials) < n_trials:
        start = time.monotonic()
        study.optimize(objective, n_trials=None, timeout=timeout, gc_after_trial=True,
                       callbacks=[_stop_at(n_trials)], catch=())
        counted = _count(study.trials)
        if counted < n_trials and (timeout is None or time.monotonic() - start < timeout):
            from .. import DeepomicsWarning

            warnings.warn(f"the search stopped at {counted} of the {n_trials} distinct points "
                          "asked (n_trials): its sampler drew only points already tried (a space "
                          "with few more points than that: widen its ranges or choices)",
                          DeepomicsWarning, stacklevel=3)
    return Search(study, metric, task, inner_valid)


def leaderboard(study, study_name: str = "deepomics") -> pd.DataFrame:
    """Every finished trial and every baseline of a study (a ``Search``, an Optuna study, or the
    ``storage`` a search was saved to, with its ``study_name``), best first by the study's
    metric: ``rank``, ``model`` (arch), ``kind`` (``trial`` / ``baseline``), ``trial``,
    ``mean`` and ``sd`` of the metric over the folds, ``folds``, ``state`` (pruned trials list
    the folds they finished; ``undefined``: the metric was NaN in a fold, e.g. a correlation of
    constant predictions, so the mean is NaN and the trial ranks last), ``seconds``, ``params``
    (what the trial drew, as JSON) and ``config`` (the model dict)."""
    import optuna

    if isinstance(study, (str, os.PathLike)):
        study = _saved_study(study, study_name)
    study = getattr(study, "study", study)
    if not hasattr(study, "trials"):
        raise TypeError("leaderboard takes a Search (from grid_search), an Optuna study, or the "
                        f"storage a search was saved to; not {type(study).__name__}")
    rows = []
    for t in study.trials:
        if not _finished(t) or "repeat_of" in t.user_attrs:
            continue
        scores = t.user_attrs.get("fold_scores", [])
        rows.append({"model": t.user_attrs.get("config", {}).get("arch"), "kind": "trial",
                     "trial": t.number, **_mean_sd(scores), "folds": len(scores),
                     "state": ("undefined" if t.state == optuna.trial.TrialState.FAIL
                               else t.state.name.lower()),
                     "seconds": t.user_attrs.get("seconds"),
                     "params": json.dumps(_drawn(t.params)),
                     "config": json.dumps(t.user_attrs.get("config"))})
    for b in study.user_attrs.get("baselines", []):
        rows.append({"model": b["config"]["arch"], "kind": "baseline", "trial": None,
                     **_mean_sd(b["fold_scores"]), "folds": len(b["fold_scores"]),
                     "state": "complete", "seconds": b["seconds"], "params": "{}",
                     "config": json.dumps(b["config"])})
    table = pd.DataFrame(rows, columns=["model", "kind", "trial", "mean", "sd", "folds", "state",
                                        "seconds", "params", "config"])
    higher = study.direction == optuna.study.StudyDirection.MAXIMIZE
    # complete trials first: a pruned trial's mean covers only its first folds
    table["_complete"] = table["state"] == "complete"
    table = table.sort_values(["_complete", "mean"], ascending=[False, not higher],
                              kind="stable", na_position="last").drop(columns="_complete")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["trial"] = table["trial"].astype("Int64")
    return table.reset_index(drop=True)


# ---- helpers ---------------------------------------------------------------------------------


def _drawn(params: dict) -> dict:
    """What a trial drew, by key (a grid's point spelt out)."""
    drawn = {k: S.decode(v) for k, v in params.items()}
    return {**drawn.pop(S.POINT, {}), **drawn}


def _sampler(strategy: str, space: dict, seed: int):
    import optuna

    if strategy == "grid":
        if not S.is_grid(space):
            raise ValueError("strategy='grid' needs every searched key to be a list of choices; "
                             "use 'random' or 'tpe' for ranges")
        return optuna.samplers.GridSampler(S.grid(space), seed=seed)
    if strategy == "random":
        if S.is_grid(space):  # choices only: a random order of the grid, no combination twice
            return optuna.samplers.GridSampler(S.grid(space), seed=seed)
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)


def _saved_study(storage, study_name: str):
    """The study ``study_name`` of a search's storage (a file path or database URL)."""
    import optuna

    url = os.fspath(storage)
    if "://" not in url and not os.path.isfile(user_path(url)):
        raise FileNotFoundError(f"search storage {url} does not exist")
    opened = _storage(storage)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        names = optuna.study.get_all_study_names(storage=opened)
        if study_name not in names:
            raise ValueError(f"search storage {url} has no study {study_name!r} (it has: "
                             f"{', '.join(names) or 'none'}); name the one to read with study_name")
        return optuna.load_study(study_name=study_name, storage=opened)


def _storage(storage):
    """None (in memory), an Optuna storage, or an RDB storage for a path / URL with heartbeats,
    so that the trials of a killed process are failed and tried again."""
    import optuna

    if storage is None or not isinstance(storage, (str, os.PathLike)):
        return storage
    url = os.fspath(storage)
    if "://" not in url:
        url = user_path(url, "storage")
        folder = os.path.dirname(os.path.abspath(url))
        if not os.path.isdir(folder):  # sqlite's own error is "unable to open database file"
            raise FileNotFoundError(f"search storage {url}: the folder {folder} does not exist; "
                                    "create it or give another path")
        if os.path.isfile(url) and os.path.getsize(url) > 0:
            with open(url, "rb") as handle:
                if handle.read(16) != b"SQLite format 3\x00":  # left as it is
                    raise ValueError(f"search storage {url} exists and is not a search database "
                                     "(SQLite); give a new path or the database of a search")
        url = "sqlite:///" + os.path.abspath(url)
    with warnings.catch_warnings():  # heartbeats and retries are marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url, engine_kwargs={"connect_args": {"timeout": 60}} if url.startswith("sqlite") else None,
            heartbeat_interval=HEARTBEAT_SECONDS, grace_period=GRACE_SECONDS,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=2))


def _finished(trial) -> bool:
    """Whether a trial has a result: complete, pruned, or failed by an undefined (NaN) metric,
    which the leaderboard shows and ``n_trials`` counts."""
    import optuna

    return (trial.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
            or bool(trial.user_attrs.get("undefined")))


def _count(trials) -> int:
    """The trials that ``n_trials`` counts: finished ones that are no repeat of an earlier."""
    return sum(_finished(t) and "repeat_of" not in t.user_attrs for t in trials)


def _stop_at(n_trials: int):
    """An Optuna callback that stops the study (every process working on it) once ``n_trials``
    trials count (``_count``), or once the last ``REPEATS_IN_A_ROW`` finished trials were all
    repeats (a space with no untried point the sampler finds)."""
    def stop(study, trial):
        trials = study.get_trials(deepcopy=False)
        last = [t for t in trials if _finished(t)][-REPEATS_IN_A_ROW:]
        if (_count(trials) >= n_trials or len(last) == REPEATS_IN_A_ROW
                and all("repeat_of" in t.user_attrs for t in last)):
            study.stop()
    return stop


def _tried_before(trial):
    """The first finished trial of the study that drew the same parameters as ``trial``, if
    any (not itself a repeat)."""
    for t in trial.study.get_trials(deepcopy=False):
        if (t.number != trial.number and t.params == trial.params and _finished(t)
                and "repeat_of" not in t.user_attrs):
            return t
    return None


def _median_pruner(n_startup_trials: int):
    """Optuna's median pruner whose start-up counts the trials that trained: a repeat (which
    took over an earlier trial's scores) is complete too, but adds no second score to the
    median and should not end the start-up early either."""
    import optuna

    class MedianOfTrained(optuna.pruners.MedianPruner):
        def prune(self, study, trial) -> bool:
            trained = sum(t.state == optuna.trial.TrialState.COMPLETE
                          and "repeat_of" not in t.user_attrs
                          for t in study.get_trials(deepcopy=False))
            return trained >= n_startup_trials and super().prune(study, trial)

    return MedianOfTrained(n_startup_trials=n_startup_trials, n_warmup_steps=0)


def _wait_for_twin(trial) -> None:
    """Waits while an earlier trial of the study (another worker's) trains ``trial``'s point, so
    that the point is trained once. Only earlier trials are waited for, so two workers never wait
    for each other; a twin whose worker was killed is failed by its heartbeat (checked here, as
    Optuna checks it before each trial), ending the wait."""
    import optuna

    while any(t.number < trial.number and t.params == trial.params
              for t in trial.study.get_trials(deepcopy=False,
                                              states=(optuna.trial.TrialState.RUNNING,))):
        time.sleep(TWIN_POLL_SECONDS)
        with warnings.catch_warnings():  # (marked experimental)
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(trial.study)


def _repeat(trial, earlier, every_point: list[dict] | None, seed: int):
    """``trial`` drew ``earlier``'s point: its result is taken over, not trained again; over a
    space of choices only (``every_point``), a point not drawn yet (seeded) is queued for the
    next trial."""
    import optuna

    for key in ("config", "fit_args", "fold_scores", "undefined"):
        if key in earlier.user_attrs:
            trial.set_user_attr(key, earlier.user_attrs[key])
    trial.set_user_attr("repeat_of", earlier.number)
    if every_point:
        drawn = _taken_points(trial.study)
        untried = [p for p in every_point if p not in drawn]
        if untried:
            pick = np.random.default_rng([seed, trial.number]).integers(len(untried))
            trial.study.enqueue_trial(untried[pick])
    if earlier.state == optuna.trial.TrialState.PRUNED:
        raise optuna.TrialPruned()
    return earlier.value if earlier.value is not None else float("nan")


def _taken_points(study) -> list[dict]:
    """The parameters of the study's trials that are finished, running or queued (a point whose
    trial failed is not taken: it may be tried again)."""
    import optuna

    state = optuna.trial.TrialState
    return [t.params if t.state != state.WAITING else t.system_attrs.get("fixed_params", {})
            for t in study.get_trials(deepcopy=False)
            if _finished(t) or t.state in (state.RUNNING, state.WAITING)]


def _queue_failed_points(study) -> None:
    """Queues again each point whose trial raised an error (a config that ran out of memory)
    and that no other trial has finished, runs or waits for: the resumed search tries it
    (Optuna's grid sampler counts a failed point as visited and would never return to it). A
    killed process's trial is still running here; Optuna's heartbeat fails and queues it."""
    import optuna

    taken = _taken_points(study)
    for t in study.get_trials(deepcopy=False):
        if (t.state == optuna.trial.TrialState.FAIL and not _finished(t) and t.params
                and t.params not in taken):
            study.enqueue_trial(t.params)
            taken.append(t.params)


def _has_finished(study) -> bool:
    """Whether a trial of the study has a result (a study without one can be started over)."""
    return any(map(_finished, study.trials))


def _check_same_search(study, settings: dict) -> None:
    """A stored study is resumed only with the same settings: space, metric, folds, seed,
    strategy, task and fit arguments (its leaderboard would not be this search's)."""
    key = json.dumps(settings, sort_keys=True, default=str)
    saved = study.user_attrs.get("search")
    if saved is None or not _has_finished(study):  # (a first run that failed: redone)
        study.set_user_attr("search", key)
        return
    # parsed: a study saved with 16.0 matches 16; only the settings a study saved are compared
    # (one saved by an earlier deepomics lacks the later ones)
    before, now = json.loads(saved), json.loads(key)
    differ = [name for name in before if before[name] != now.get(name)]
    if differ:
        verb = "differs" if len(differ) == 1 else "differ"
        raise ValueError(f"the study {study.study_name!r} in this storage was run with another "
                         f"search ({listing(differ)} {verb}); use a new study_name (grid_id in "
                         f"R) or storage. It was: {saved}")


def _check_same_data(study, x, y, groups) -> None:
    """A stored study is resumed only on the same data: its number of samples and a
    fingerprint of the labels, groups and inputs (sequences' text, a file's path and size, an
    array's values), so that a search run again on other data is not answered with the
    leaderboard of the first. (A study saved before values were fingerprinted has
    ``values`` unset: its fingerprint is compared with the one of shapes it holds.)"""
    key = {"n": int(len(y)), "sha256": _data_digest(x, y, groups, values=True), "values": True}
    saved = study.user_attrs.get("data")
    if saved is None or not _has_finished(study):
        study.set_user_attr("data", key)
        return
    same = saved == key if saved.get("values") else saved == {
        "n": key["n"], "sha256": _data_digest(x, y, groups, values=False)}
    if not same:
        differ = (f"{saved['n']} samples; these are {key['n']}" if saved["n"] != key["n"]
                  else f"the same {key['n']} samples, other labels, groups or inputs")
        raise ValueError(f"the study {study.study_name!r} in this storage was run on other data "
                         f"({differ}); its leaderboard would not be this data's: use a new "
                         "study_name (grid_id in R) or storage")


def _data_digest(x, y, groups, values: bool) -> str:
    """SHA-256 of the labels, groups and inputs; an input matrix by its values (``values``)
    or, as studies saved before, by its shape alone."""
    import hashlib

    digest = hashlib.sha256()
    for part in (y, groups):
        if part is not None:
            digest.update(np.ascontiguousarray(np.asarray(part).astype(str)).tobytes())
    if isinstance(x, (str, os.PathLike)):
        digest.update(f"{os.fspath(x)}:{os.path.getsize(x) if os.path.isfile(x) else ''}".encode())
    elif D._is_sequences(x):
        for item in (x.tolist() if hasattr(x, "tolist") else x):
            digest.update(str(item).encode() + b"\n")
    elif values:
        _digest_values(digest, x)
    else:
        digest.update(repr(getattr(x, "shape", None)).encode())
    return digest.hexdigest()


def _digest_values(digest, x) -> None:
    """Adds an input matrix's shape and values (an array, a sparse matrix, an AnnData's X and
    obsm) to ``digest``, a block of rows at a time; other inputs (a backed reader) by shape."""
    import scipy.sparse

    digest.update(repr(getattr(x, "shape", None)).encode())
    matrices = [x]
    if D.is_anndata(x):
        if getattr(x, "isbacked", False):
            return  # (reading a backed file through would cost as much as a trial)
        matrices = [x.X, *(x.obsm[k] for k in sorted(x.obsm.keys()))]
    for m in matrices:
        if scipy.sparse.issparse(m):
            m = m.tocsr()
            for part in (m.data, m.indices, m.indptr):
                digest.update(np.ascontiguousarray(part).tobytes())
        elif hasattr(m, "__array__"):  # (NumPy, and the arrays that convert to it)
            m = np.asarray(m)
            for start in range(0, max(len(m), 1), 4096):
                digest.update(np.ascontiguousarray(m[start:start + 4096]).tobytes())


def _mean_sd(scores) -> dict:
    scores = np.asarray(scores, dtype=float)
    return {"mean": float(scores.mean()) if scores.size else np.nan,
            "sd": float(scores.std(ddof=1)) if scores.size > 1 else np.nan}


def _baselines(x, y, splits, task, metric, seed, fit_args, alphabet=None,
               groups=None, inner_valid: float = 0.1) -> list[dict]:
    """The classic baselines on the same folds: k-mer logistic / linear regression for
    sequences (as text, a FASTA file, one-hot arrays or genomic intervals; in the space's
    ``alphabet`` when it fixes one), a linear model on the features otherwise."""
    if (D._is_sequences(x) or isinstance(x, (str, os.PathLike)) or D._is_genome_intervals(x)
            or getattr(x, "ndim", None) == 3):
        # 4-mers of nucleotides; one letter of other alphabets (protein: the composition)
        k = 4 if len(seq.alphabet_letters(alphabet or "dna")) == 4 else 1
        configs = [{"arch": "kmer_linear", "k": k, **({"alphabet": alphabet} if alphabet else {})}]
    else:
        configs = [{"arch": "mlp", "hidden": []}]
    # the trials' epochs and early stopping (none when they have none), at a linear model's rate
    args = {"epochs": fit_args.get("epochs", DEFAULT_EPOCHS), "verbose": False, "task": task,
            "lr": 0.01,
            **({"early_stopping": fit_args["early_stopping"]} if "early_stopping" in fit_args
               else {})}
    out = []
    for config in configs:
        start = time.perf_counter()
        scores = CV.cross_validate(config, (x, y), splits, metric=metric, fit_args=args, seed=seed,
                                   inner_valid=inner_valid, groups=groups)
        out.append({"config": config, "fold_scores": list(map(float, scores)),
                    "seconds": time.perf_counter() - start})
        logging.getLogger("deepomics").info("baseline %s: %s %.4f", config["arch"], metric,
                                            float(np.mean(scores)))
    return out


class _EpochPruning:
    """A Lightning callback that reports the validation metric after each epoch and stops the
    trial when Optuna's pruner says so."""

    def __new__(cls, trial, monitor: str):
        import lightning as L
        import optuna

        class EpochPruning(L.pytorch.callbacks.Callback):
            def on_validation_end(self, trainer, module):
                value = trainer.callback_metrics.get(monitor)
                if value is None:
                    return
                trial.report(float(value), step=trainer.current_epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at epoch {trainer.current_epoch}")

        return EpochPruning()
