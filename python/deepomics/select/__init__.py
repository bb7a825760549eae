"""Model selection: hyperparameter search on Optuna with cross-validation, pruning, shared and
resumable studies, and an H2O-style leaderboard with the classic baselines.

``grid_search(space, (x, y), strategy=..., n_trials=..., metric=..., cv=...)`` returns a
``Search``; ``leaderboard(search)`` the table of every trial and baseline, best first;
``search.refit(data, path)`` the best model trained on all the data. ``cross_validate`` scores
one config on given folds.
"""
from .cv import cross_validate, folds
from .search import STRATEGIES, Search, grid_search, leaderboard
from .space import FIT_KEYS

__all__ = ["grid_search", "leaderboard", "Search", "cross_validate", "folds", "FIT_KEYS",
           "STRATEGIES"]
