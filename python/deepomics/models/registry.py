"""The architecture registry: a model is a plain dict, checked here and built into a torch module.

``build({"arch": "deepbind", "n_filters": 16})`` looks the architecture up, checks every key
against the architecture's parameter table (``parameters(arch)``), fills in the defaults and calls
the architecture's builder. Whatever is wrong comes back as one ``ConfigError`` (a ``ValueError``)
that names the key and says how to fix it: an unknown key (with the nearest valid key and the full
list), a wrong type, a value out of range, a missing required key or an unknown architecture.

Values arrive from Python, from R through reticulate and from YAML files, so the checks accept what
those send: ``16.0`` for an int (R's numbers are doubles), NumPy scalars, tuples or NumPy arrays
for lists, and one number where a list is expected (a one-element list). The built module's
``.config`` holds the normalised dict with every default filled in (plain ints, floats, lists),
so ``build(model.config)`` rebuilds the same architecture and the dict can be written as JSON.

Users add architectures with the ``register`` decorator on a class or function that takes the
parameters as keyword arguments and returns an ``nn.Module``. Without an explicit ``params`` table
the parameters are read from the signature: annotations ``int``, ``float``, ``bool``, ``str``,
``list[int]``, ``list[float]`` (optionally ``| None``) give the checks; a parameter without a default
is required.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import inspect
import math
import numbers
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..messages import as_written, nth

__all__ = [
    "ARCHITECTURES",
    "INPUT_KINDS",
    "REQUIRED",
    "ConfigError",
    "Param",
    "build",
    "defaults",
    "parameters",
    "register",
]

#: What a model's forward takes: float32 one-hot (N, C, L), int64 tokens (N, L) with 0 = padding,
#: float32 features (N, F).
INPUT_KINDS = ("onehot", "tokens", "features")

_TYPES = ("int", "float", "bool", "str", "int_list", "float_list", "any")
_TYPE_WORDS = {
    "int": "an int",
    "float": "a number",
    "bool": "true or false (a bool)",
    "str": "a string",
    "int_list": "a list of ints",
    "float_list": "a list of numbers",
    "any": "a JSON value",
}


class _Required:
    """The default of a parameter that has none: the key must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"

    def __deepcopy__(self, memo):
        return self


REQUIRED = _Required()


class ConfigError(ValueError):
    """A model config that cannot be built; ``key`` is the offending key (None for the whole
    dict); ``shortest``, where ``seq_len`` is too short for the layers, the least that fits."""

    def __init__(self, message: str, key: str | None = None, shortest: int | None = None):
        super().__init__(message)
        self.key = key
        self.shortest = shortest  # for seq_len too short for the layers: the least that fits


@dataclass(frozen=True)
class Param:
    """One key of an architecture's config.

    ``type`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"str"``, ``"int_list"``,
    ``"float_list"``, ``"any"``; ``default`` is ``REQUIRED`` when the key must be given;
    ``nullable`` lets the value be None; ``choices`` limits a value (or a list's items) to a set;
    ``ge`` / ``gt`` / ``le`` / ``lt`` bound a number (or a list's items); ``min_items`` bounds a
    list's length. ``doc`` is the one-line description shown by ``parameters``.
    """

    type: str
    default: Any = REQUIRED
    doc: str = ""
    choices: tuple | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    nullable: bool = False
    min_items: int = 0

    def __post_init__(self):
        if self.type not in _TYPES:
            raise ValueError(f"Param type must be one of {', '.join(_TYPES)}, not {self.type!r}")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def describe(self) -> str:
        """'int >= 1, default 16: the number of filters' — for help texts and error messages."""
        words = {"int_list": "list of ints", "float_list": "list of numbers"}.get(self.type,
                                                                                   self.type)
        limits = self._limits()
        if self.choices is not None:
            limits = "one of " + ", ".join(repr(c) for c in self.choices)
        if self.nullable:
            words += " or None"
        default = "required" if self.required else f"default {self.default!r}"
        text = f"{words}{' ' + limits if limits else ''}, {default}"
        return f"{text}: {self.doc}" if self.doc else text

    def _limits(self) -> str:
        parts = []
        for op, bound in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt)):
            if bound is not None:
                parts.append(f"{op} {as_written(bound)}")
        return " and ".join(parts)

    # -- checking ------------------------------------------------------------------------------

    def check(self, name: str, value: Any) -> Any:
        """The value in canonical JSON form (int, float, bool, str, list, None), or ConfigError."""
        if value is None:
            if self.nullable:
                return None
            if self.required:
                raise ConfigError(f"{name} is required{self._doc_suffix()}; got None", name)
            raise ConfigError(
                f"{name} must be {_TYPE_WORDS[self.type]}, got None (leave the key out for the "
                f"default {self.default!r})", name)
        if self.type in ("int_list", "float_list"):
            return self._check_list(name, value)
        if self.type == "any":
            return _json_value(name, value)
        out = _scalar(name, value, self.type)
        self._check_value(name, out)
        return out

    def _check_list(self, name: str, value: Any) -> list:
        item_type = self.type[: -len("_list")]
        if isinstance(value, np.ndarray):
            value = value.tolist()
        if isinstance(value, (list, tuple)):
            items = list(value)
        elif _is_number(value):
            items = [value]  # one number is a one-element list (R has no scalars)
        else:
            raise ConfigError(
                f"{name} must be {_TYPE_WORDS[self.type]}, got {_show(value)}", name)
        out = []
        for i, item in enumerate(items):
            try:
                checked = _scalar(f"{name}[{nth(i)}]", item, item_type)
            except ConfigError as err:
                raise ConfigError(
                    f"{name} must be {_TYPE_WORDS[self.type]}; {err}", name) from None
            self._check_value(f"{name}[{nth(i)}]", checked, key=name)
            out.append(checked)
        if len(out) < self.min_items:
            raise ConfigError(
                f"{name} needs at least {self.min_items} item{'s' * (self.min_items != 1)}, "
                f"got {out!r}", name)
        return out

    def _check_value(self, where: str, value: Any, key: str | None = None) -> None:
        key = key or where
        if self.choices is not None and value not in self.choices:
            close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{where} must be one of {', '.join(repr(c) for c in self.choices)}, "
                f"got {value!r}{hint}", key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ok = ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                  and (self.le is None or value <= self.le) and (self.lt is None or value < self.lt))
            if not ok:
                raise ConfigError(f"{where} must be {self._limits()}, got {as_written(value)}", key)

    def _doc_suffix(self) -> str:
        return f" ({self.doc})" if self.doc else ""


def _show(value: Any) -> str:
    """A value in a message: numbers as written (R's 2 arrives as 2.0), lists of them too."""
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    else:
        text = as_written(value) if _is_number(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _scalar(name: str, value: Any, kind: str) -> Any:
    if kind == "int":
        if _is_number(value) and math.isfinite(value) and float(value).is_integer():
            return int(value)
        raise ConfigError(f"{name} must be an int, got {_show(value)}", name)
    if kind == "float":
        if _is_number(value):
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}", name)
            return float(value)
        raise ConfigError(f"{name} must be a number, got {_show(value)}", name)
    if kind == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise ConfigError(f"{name} must be true or false (a bool), got {_show(value)}", name)
    if kind == "str":
        if isinstance(value, (str, np.str_)):
            return str(value)
        raise ConfigError(f"{name} must be a string, got {_show(value)}", name)
    raise AssertionError(kind)


def _json_value(name: str, value: Any) -> Any:
    """Any JSON value, NumPy scalars and arrays turned into Python ones."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {value!r}", name)
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(f"{name}[{nth(i)}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _json_value(f"{name}.{k}", v) for k, v in value.items()}
    raise ConfigError(
        f"{name} must be a JSON value (number, string, bool, list, dict or None), "
        f"got {type(value).__name__}", name)


# ---- the registry ------------------------------------------------------------------------------


@dataclass
class _Entry:
    name: str
    input_kind: str
    builder: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)


_REGISTRY: dict[str, _Entry] = {}

#: The registered architecture names, sorted; kept up to date by ``register``.
ARCHITECTURES: list[str] = []


def register(name: str, input_kind: str, *, params: dict[str, Param] | None = None,
             replace: bool = False):
    """Decorator: registers a builder (a class or function returning an ``nn.Module``) as ``name``.

    ``input_kind`` ("onehot", "tokens" or "features") is what the built module's forward takes,
    unless the module sets ``input_kind`` itself (``rnn`` switches to "tokens" when given an
    embedding). ``params`` maps every keyword of the builder to a ``Param``; when left out it is
    read from the builder's signature (see the module docstring); when given, it may list only the
    keys whose checks the signature cannot express — the rest is still read from the signature.
    ``replace=True`` lets a name be registered again.

    Example::

        @register("tiny_cnn", "onehot")
        def tiny_cnn(n_filters: int = 8, n_outputs: int = 1, alphabet: str = "dna"):
            return nn.Sequential(nn.Conv1d(4, n_filters, 5), nn.AdaptiveMaxPool1d(1),
                                 nn.Flatten(), nn.Linear(n_filters, n_outputs))
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"an architecture name must be a non-empty string, not {name!r}")
    if input_kind not in INPUT_KINDS:
        raise ValueError(f"input_kind must be one of {', '.join(INPUT_KINDS)}, not {input_kind!r}")
    if name == "arch":
        raise ValueError("'arch' is the key that names the architecture; choose another name")

    def decorator(builder):
        if name in _REGISTRY and not replace:
            raise ValueError(
                f"an architecture named {name!r} is already registered; pass replace=True to "
                "register it again")
        table = _params_from_signature(name, builder)
        if params is not None:
            unknown = set(params) - set(table)
            if unknown and not _takes_var_keyword(builder):
                raise ValueError(
                    f"register({name!r}): params {sorted(unknown)} are not arguments of "
                    f"{getattr(builder, '__name__', builder)!r}")
            table.update(params)
        if "arch" in table:
            raise ValueError(f"register({name!r}): a builder may not take an argument named 'arch'")
        for key, p in list(table.items()):
            if not p.required and p.default is not None:
                try:  # defaults in canonical form (tuples become lists), and valid themselves
                    table[key] = dataclasses.replace(p, default=p.check(key, p.default))
                except ConfigError as err:
                    raise ValueError(f"register({name!r}): the default of {key!r} fails its own "
                                     f"check: {err}") from None
        _REGISTRY[name] = _Entry(name, input_kind, builder, table)
        if name not in ARCHITECTURES:
            ARCHITECTURES.append(name)
            ARCHITECTURES.sort()
        return builder

    return decorator


def _takes_var_keyword(builder) -> bool:
    try:
        sig = inspect.signature(builder)
    except (TypeError, ValueError):
        return False
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())


def _params_from_signature(name: str, builder) -> dict[str, Param]:
    try:
        sig = inspect.signature(builder)
    except (TypeError, ValueError) as err:
        raise ValueError(f"register({name!r}): cannot read the builder's signature ({err})") from None
    target = builder.__init__ if inspect.isclass(builder) else builder
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # unresolvable string annotations: fall back to the defaults' types
        hints = {}
    table = {}
    for pname, p in sig.parameters.items():
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise ValueError(f"register({name!r}): argument {pname!r} is positional-only; "
                             "the builder is called with keywords")
        default = REQUIRED if p.default is inspect.Parameter.empty else p.default
        kind, nullable = _kind_from_annotation(hints.get(pname, p.annotation), default)
        table[pname] = Param(kind, copy.deepcopy(default), nullable=nullable)
    return table


def _kind_from_annotation(ann, default) -> tuple[str, bool]:
    nullable = default is None
    if ann is not inspect.Parameter.empty and not isinstance(ann, str):
        args = typing.get_args(ann)
        origin = typing.get_origin(ann)
        if origin is typing.Union or type(ann).__name__ == "UnionType":
            rest = [a for a in args if a is not type(None)]
            nullable = nullable or len(rest) < len(args)
            if len(rest) == 1:
                ann = rest[0]
                args, origin = typing.get_args(ann), typing.get_origin(ann)
        simple = {int: "int", float: "float", bool: "bool", str: "str"}
        if ann in simple:
            return simple[ann], nullable
        if origin in (list, tuple) and args and args[0] in (int, float):
            return ("int_list" if args[0] is int else "float_list"), nullable
        return "any", nullable
    if isinstance(default, bool):
        return "bool", nullable
    if isinstance(default, int):
        return "int", nullable
    if isinstance(default, float):
        return "float", nullable
    if isinstance(default, str):
        return "str", nullable
    if isinstance(default, (list, tuple)) and default:
        if all(isinstance(v, int) and not isinstance(v, bool) for v in default):
            return "int_list", nullable
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in default):
            return "float_list", nullable
    return "any", nullable


def _entry(arch: Any) -> _Entry:
    if not isinstance(arch, str):
        raise ConfigError(f"arch must be a string naming an architecture, got {_show(arch)}; "
                          f"known architectures: {', '.join(ARCHITECTURES)}", "arch")
    if arch not in _REGISTRY:
        close = difflib.get_close_matches(arch, ARCHITECTURES, n=1)
        if not close:
            close = [a for a in ARCHITECTURES if a.lower() == arch.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ConfigError(f"unknown arch {arch!r}{hint} Known architectures: "
                          f"{', '.join(ARCHITECTURES)}", "arch")
    return _REGISTRY[arch]


def parameters(arch: str) -> dict[str, Param]:
    """The parameter table of an architecture: key -> ``Param`` (type, default, checks, doc)."""
    return dict(_entry(arch).params)


def input_kind(arch: str) -> str:
    """What the architecture registered as its input: "onehot", "tokens" or "features" (a built
    ``rnn`` with an embedding switches to "tokens")."""
    return _entry(arch).input_kind


def defaults(arch: str) -> dict:
    """The full default config of ``arch``, "arch" included; required keys hold None."""
    entry = _entry(arch)
    out = {"arch": arch}
    for key, p in entry.params.items():
        out[key] = None if p.required else copy.deepcopy(p.default)
    return out


def check_config(config: dict | str) -> dict:
    """The config checked and completed with defaults, as ``build`` would use it (nothing built)."""
    if isinstance(config, str):
        config = {"arch": config}
    if not isinstance(config, dict):
        raise TypeError(f"a model config is a dict like {{'arch': 'deepbind', ...}}, "
                        f"not {type(config).__name__}")
    if "arch" not in config:
        raise ConfigError("the config has no 'arch' key naming the architecture; known "
                          f"architectures: {', '.join(ARCHITECTURES)}", "arch")
    entry = _entry(config["arch"])
    arch = entry.name
    valid = sorted(entry.params)
    out = {"arch": arch}
    for key in config:
        if key == "arch":
            continue
        if key not in entry.params:
            close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            raise ConfigError(f"{arch} config: unknown key {key!r}{hint} Valid keys: "
                              f"{', '.join(valid)}", str(key))
    for key, p in entry.params.items():
        if key not in config:
            if p.required:
                raise ConfigError(f"{arch} config: missing required key {key!r}"
                                  f"{p._doc_suffix()}", key)
            out[key] = copy.deepcopy(p.default)
            continue
        try:
            out[key] = p.check(key, config[key])
        except ConfigError as err:
            raise ConfigError(f"{arch} config: {err}", err.key, err.shortest) from None
    return out


def build(config: dict | str, *, seed: int | None = None):
    """Builds the torch module a config dict describes (a bare arch name uses all defaults).

    The dict is checked first (``ConfigError``, a ``ValueError``, names the bad key). The module
    gets ``.config`` (the complete, JSON-able dict: ``build(model.config)`` rebuilds the same
    architecture) and ``.input_kind``; sequence models also carry ``.alphabet`` and ``.seq_len``.
    ``seed`` makes the initial weights reproducible without touching the global random state;
    without it they come from torch's global generator (``fit(config_dict, seed=...)`` seeds
    that itself; a model built here and then given to ``fit`` keeps the weights built here).
    """
    full = check_config(config)
    entry = _REGISTRY[full["arch"]]
    kwargs = {k: copy.deepcopy(v) for k, v in full.items() if k != "arch"}
    try:
        if seed is None:
            model = entry.builder(**kwargs)
        else:
            import torch

            # (the CPU generator alone: manual_seed would also reseed every GPU's, which
            # fork_rng(devices=[]) does not restore)
            with torch.random.fork_rng(devices=[]):
                torch.default_generator.manual_seed(int(seed))
                model = entry.builder(**kwargs)
    except ConfigError as err:
        message = str(err)
        if not message.startswith(f"{entry.name} config:"):
            message = f"{entry.name} config: {message}"
        raise ConfigError(message, err.key, err.shortest) from None
    _finish(model, entry, full)
    return model


def _finish(model, entry: _Entry, full: dict) -> None:
    import torch.nn as nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"the builder of {entry.name!r} returned {type(model).__name__}, "
                        "not a torch.nn.Module")
    kind = getattr(model, "input_kind", None) or entry.input_kind
    if kind not in INPUT_KINDS:
        raise TypeError(f"{entry.name}: input_kind must be one of {', '.join(INPUT_KINDS)}, "
                        f"not {kind!r}")
    model.input_kind = kind
    model.config = copy.deepcopy(full)
    if kind in ("onehot", "tokens"):
        if getattr(model, "alphabet", None) is None:
            model.alphabet = full.get("alphabet", "dna")
        if not hasattr(model, "seq_len"):
            model.seq_len = full.get("seq_len")
