"""Search spaces: which settings a search may change, and how a trial draws them.

A space is a plain dict, the same from Python, R and YAML. Each key is a model setting (any key
of a model dict, ``arch`` included) or a training setting (an argument of ``fit``:
``FIT_KEYS``); each value is

- a list: the choices (categorical), e.g. ``{"arch": ["deepbind", "danq"], "n_filters": [16, 32]}``;
- a dict with ``low`` and ``high`` (and optionally ``log``, ``step``): a range, integer when both
  ends are whole numbers, e.g. ``{"lr": {"low": 1e-4, "high": 1e-2, "log": True}}``;
- anything else: a fixed value.

A model key applies only to the architectures that have it: with ``arch`` searched, a trial
draws ``pooling`` only when its arch is one with a ``pooling`` setting (a conditional space).
"""
from __future__ import annotations

import itertools
import json

from .. import models

#: fit() arguments a search may change.
FIT_KEYS = ("epochs", "batch_size", "lr", "optimizer", "weight_decay", "class_weight")


def check_space(space: dict, default_arch: str | None = None) -> dict:
    """The space after checking it: every key is a fit argument or a setting of at least one
    architecture the space can draw; ranges are well formed. Returns a normalised copy."""
    if not isinstance(space, dict) or not space:
        raise ValueError("the search space must be a non-empty dict {setting: choices}")
    space = dict(space)
    if "arch" not in space:
        if default_arch is None:
            raise ValueError("the search space needs 'arch' (an architecture or a list of them)")
        space["arch"] = default_arch
    archs = space["arch"] if isinstance(space["arch"], list) else [space["arch"]]
    for arch in archs:
        models.input_kind(arch)  # an unknown arch is an error naming the known ones
    known = {key for arch in archs for key in models.parameters(arch)}
    whole = _whole_keys(archs)
    for key, value in space.items():
        if key != "arch" and key not in FIT_KEYS and key not in known:
            raise ValueError(
                f"search space key {key!r} is neither a setting of {', '.join(archs)} nor a fit "
                f"argument ({', '.join(FIT_KEYS)})")
        if isinstance(value, list) and not value:
            raise ValueError(f"search space key {key!r} has no choices")
        if isinstance(value, dict):
            _check_range(key, value)
            if key not in whole:  # a float setting's range written in whole numbers (0 to 1)
                value = {k: float(v) if k in ("low", "high", "step") and v is not None else v
                         for k, v in value.items()}
        space[key] = value = _as_whole(value) if key in whole else value
        if key != "arch" and isinstance(value, (dict, list)):
            _check_values(key, value, archs)
    return space


#: fit() settings' bounds, as the model settings' (ge, gt): checked for a range's ends.
FIT_BOUNDS = {"epochs": (1, None), "batch_size": (1, None), "lr": (None, 0), "weight_decay": (0, None)}


def _check_values(key: str, spec, archs: list[str]) -> None:
    """A range's ends and each choice must be values the setting takes, or trials would fail
    one by one after the search began (dropout up to 1, a negative lr, batch size 0)."""
    from ..models.registry import ConfigError, Param

    params = [(arch, models.parameters(arch)[key]) for arch in archs
              if key in models.parameters(arch)]
    if key in FIT_BOUNDS:
        ge, gt = FIT_BOUNDS[key]
        params.append(("fit", Param("int" if key in ("epochs", "batch_size") else "float",
                                    ge=ge, gt=gt)))
    if isinstance(spec, dict):
        params = [(owner, p) for owner, p in params if p.type in ("int", "float")]
    values = ([("low", spec["low"]), ("high", spec["high"])] if isinstance(spec, dict)
              else [("choice", choice) for choice in spec])
    for end, value in values:  # (taken by one architecture that has the key is enough)
        refusals = []
        for owner, param in params:
            try:
                param.check(key, value)
                break
            except ConfigError as e:
                refusals.append(f"{owner}: {e}")
        else:
            if refusals:
                raise ValueError(f"search space key {key!r}: {end} {value!r} is not a value it "
                                 f"takes ({'; '.join(refusals)})")


def _whole_keys(archs: list[str]) -> set[str]:
    """Keys that take whole numbers: settings that are ints (or int lists) in every architecture
    that has them, and fit's epochs and batch size."""
    types: dict[str, set] = {}
    for arch in archs:
        for key, param in models.parameters(arch).items():
            types.setdefault(key, set()).add(param.type)
    return {k for k, t in types.items() if t <= {"int", "int_list"}} | {"epochs", "batch_size"}


def _as_whole(value):
    """A value, list of choices or range with whole floats as ints: R's numbers are doubles and
    YAML's 16.0 is a float, but a range of ints must be drawn as ints (8.0..64.0 would draw
    23.7 filters) and the leaderboard should read 16, not 16.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_as_whole(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_whole(v) if k in ("low", "high", "step") else v for k, v in value.items()}
    return value


def _check_range(key: str, spec: dict) -> None:
    extra = set(spec) - {"low", "high", "log", "step"}
    if "low" not in spec or "high" not in spec or extra:
        raise ValueError(f"search space key {key!r}: a range is {{'low': ..., 'high': ..., 'log': "
                         f"False, 'step': None}}; got keys {sorted(spec)}")
    if not spec["low"] < spec["high"]:
        raise ValueError(f"search space key {key!r}: low ({spec['low']}) must be below high "
                         f"({spec['high']})")
    if spec.get("log") and spec["low"] <= 0:
        raise ValueError(f"search space key {key!r}: a log range needs low > 0")
    if spec.get("log") and spec.get("step") not in (None, 1):
        raise ValueError(f"search space key {key!r}: a range is either log or in steps (other "
                         f"than 1), not both")


def is_grid(space: dict) -> bool:
    """True when every searched key is a list of choices (what a full grid needs)."""
    return not any(isinstance(v, dict) for v in space.values())


#: The one parameter of a grid whose keys apply to some of its architectures only.
POINT = "point"


def grid(space: dict) -> dict[str, list]:
    """The choices of each searched key, encoded for Optuna's GridSampler. When a searched key
    does not apply to every architecture drawn, the product of all keys would repeat each
    architecture's points (deepbind once per k of kmer_linear): the grid is then one parameter,
    ``POINT``, whose choices are the distinct points, each a JSON dict of what it sets."""
    if not _points_needed(space):
        return {key: [_encode(c) for c in value] for key, value in space.items()
                if isinstance(value, list)}
    points = {}
    for arch in space["arch"]:
        applies = set(models.parameters(arch)) | set(FIT_KEYS)
        keys = [k for k, v in space.items() if k != "arch" and k in applies and isinstance(v, list)]
        for values in itertools.product(*(space[k] for k in keys)):
            point = {"arch": arch, **dict(zip(keys, values))}
            points.setdefault(json.dumps(point), point)
    return {POINT: [_encode(p) for p in points.values()]}


def grid_params(space: dict) -> list[dict]:
    """Every point of a space of choices only (``is_grid``), as the Optuna parameters that
    ``suggest`` draws for it (encoded, keyed by the searched keys): what a trial of any sampler
    could have drawn, to find the points not tried yet."""
    if _points_needed(space):
        points = [{k: _encode(v) for k, v in decode(p).items()} for p in grid(space)[POINT]]
    else:
        choices = grid(space)
        points = [dict(zip(choices, v)) for v in itertools.product(*choices.values())]
    # (a choice listed twice is one point)
    return list({json.dumps(p, sort_keys=True): p for p in points}.values())


def _points_needed(space: dict) -> bool:
    archs = space["arch"] if isinstance(space["arch"], list) else [space["arch"]]
    return len(archs) > 1 and any(
        key != "arch" and key not in FIT_KEYS and isinstance(value, list)
        and not all(key in models.parameters(a) for a in archs)
        for key, value in space.items())


def suggest(trial, space: dict, points: bool = False) -> tuple[dict, dict]:
    """(model config, fit arguments) for one trial: draws what the space searches; with
    ``points`` (a grid sampler over ``grid``'s ``POINT``), one point."""
    if points:
        point = decode(trial.suggest_categorical(POINT, grid(space)[POINT]))
        fixed = {k: v for k, v in space.items() if k not in point and not isinstance(v, list)}
        config = {"arch": point["arch"]}
        applies = set(models.parameters(point["arch"]))
        fit_args = {}
        for key, value in {**fixed, **point}.items():
            if key != "arch" and key in applies:
                config[key] = value
            elif key in FIT_KEYS:
                fit_args[key] = value
        return config, fit_args
    arch = _draw(trial, "arch", space["arch"])
    applies = set(models.parameters(arch))
    config, fit_args = {"arch": arch}, {}
    for key, value in space.items():
        if key == "arch":
            continue
        if key in applies:
            config[key] = _draw(trial, key, value)
        elif key in FIT_KEYS:
            fit_args[key] = _draw(trial, key, value)
    return config, fit_args


def _draw(trial, key: str, value):
    if isinstance(value, list):
        return decode(trial.suggest_categorical(key, [_encode(c) for c in value]))
    if isinstance(value, dict):
        low, high = value["low"], value["high"]
        if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
            return trial.suggest_int(key, low, high, step=value.get("step") or 1,
                                     log=bool(value.get("log")))
        return trial.suggest_float(key, float(low), float(high), step=value.get("step"),
                                   log=bool(value.get("log")))
    return value


# Optuna's categorical choices must be None, bool, int, float or str: lists ("hidden": [[64],
# [128, 64]]) and dicts travel as JSON text, marked so that plain strings stay strings.
_JSON = "json:"


def _encode(choice):
    if choice is None or isinstance(choice, (bool, int, float, str)):
        return choice
    return _JSON + json.dumps(choice)


def decode(choice):
    """A choice as drawn by Optuna, back as the user wrote it (lists and dicts from JSON)."""
    if isinstance(choice, str) and choice.startswith(_JSON):
        return json.loads(choice[len(_JSON):])
    return choice
