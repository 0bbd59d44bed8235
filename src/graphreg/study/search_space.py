"""Search spaces as YAML: fixed training settings, the study's settings and the parameters
Optuna samples, with conditions, turned into define-by-run sampling.

A search space file has three sections::

    study:            # how the study runs (all optional)
      metric: val_pearson
      direction: maximize
      n_trials: 20
      seed: 0
      sampler: {type: tpe, n_startup_trials: 8}        # tpe | random
      scheduler: {type: asha, grace_period: 2, reduction_factor: 2}   # or {type: none}
      workers_per_trial: 2
      max_concurrent_trials: 1
      max_failures: 1   # DDP worker-group restarts (from the last checkpoint) per trial
    fixed:            # a full training config (data, model, loss, training)
      ...
    params:           # dotted config paths, sampled in this order
      loss.dist: {type: categorical, choices: [null, dist, wasserstein]}
      loss.lambda_dist: {type: float, low: 0.001, high: 1.0, log: true,
                         when: {loss.dist: [dist, wasserstein]}}
      loss.graph_reg: {type: categorical, choices: [false, true], switch: true}
      loss.lambda_graph: {type: float, low: 0.01, high: 10, log: true,
                          when: {loss.graph_reg: true}, otherwise: 0.0}

A parameter with ``when`` is sampled only if every named earlier parameter took one of the
listed values; otherwise the config gets its ``otherwise`` value (or keeps the fixed one).
A ``switch`` parameter only gates others and is not written into the config, so
``loss.graph_reg: false`` reaches λ_graph = 0 exactly while λ_graph itself stays log-scale.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
import yaml

from graphreg.training import TrainConfig, set_config_value

_SECTIONS = ("study", "fixed", "params")
_STUDY_KEYS = (
    "name",
    "metric",
    "direction",
    "n_trials",
    "seed",
    "sampler",
    "scheduler",
    "workers_per_trial",
    "max_concurrent_trials",
    "max_failures",
)
_DISTRIBUTIONS = ("float", "int", "categorical")
_PARAM_KEYS = {
    "float": {"type", "low", "high", "log", "step", "when", "otherwise", "switch"},
    "int": {"type", "low", "high", "log", "step", "when", "otherwise", "switch"},
    "categorical": {"type", "choices", "when", "otherwise", "switch"},
}
_SAMPLERS = ("tpe", "random")
_SAMPLER_OPTIONS = {"tpe": {"n_startup_trials", "n_ei_candidates", "multivariate", "group", "consider_endpoints"}, "random": set()}
_SCHEDULERS = ("asha", "none")


@dataclass(frozen=True)
class ParamSpec:
    """One sampled parameter: its dotted config path, distribution and condition."""

    name: str
    distribution: optuna.distributions.BaseDistribution
    when: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    otherwise: Any = None
    has_otherwise: bool = False
    switch: bool = False

    def active(self, values: Mapping[str, Any]) -> bool:
        """Whether the condition holds for the values sampled so far in this trial."""
        return all(name in values and values[name] in allowed for name, allowed in self.when.items())

    def suggest(self, trial: optuna.Trial) -> Any:
        """Sample this parameter on ``trial`` (define-by-run)."""
        d = self.distribution
        if isinstance(d, optuna.distributions.CategoricalDistribution):
            return trial.suggest_categorical(self.name, d.choices)
        if isinstance(d, optuna.distributions.IntDistribution):
            return trial.suggest_int(self.name, d.low, d.high, step=d.step, log=d.log)
        return trial.suggest_float(self.name, d.low, d.high, step=d.step, log=d.log)

    def candidates(self) -> list[Any]:
        """Values that span the distribution (its ends or every choice), for validation."""
        d = self.distribution
        values = list(d.choices) if isinstance(d, optuna.distributions.CategoricalDistribution) else [d.low, d.high]
        return values + ([self.otherwise] if self.has_otherwise else [])


@dataclass(frozen=True)
class StudySettings:
    """The ``study`` section, with defaults."""

    name: str | None = None
    metric: str = "val_pearson"
    direction: str = "maximize"
    n_trials: int = 20
    seed: int = 0
    sampler: dict[str, Any] = field(default_factory=lambda: {"type": "tpe"})
    scheduler: dict[str, Any] = field(default_factory=lambda: {"type": "none"})
    workers_per_trial: int = 2
    max_concurrent_trials: int = 1
    max_failures: int = 1


@dataclass(frozen=True)
class SearchSpace:
    """A validated search space: study settings, the fixed config and the sampled params."""

    study: StudySettings
    fixed: dict[str, Any]
    params: tuple[ParamSpec, ...]

    @classmethod
    def from_yaml(cls, path: str | Path) -> "SearchSpace":
        """Load and validate a search space file (``yaml.safe_load``: no object construction)."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"search space file not found: {path}")
        try:
            values = yaml.safe_load(path.read_text())
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ValueError(f"malformed YAML in {path}{where}: {getattr(error, 'problem', None) or error}") from None
        return cls.from_dict(values, source=str(path))

    @classmethod
    def from_dict(cls, values: Any, source: str = "search space") -> "SearchSpace":
        """Validate a parsed search space; any problem is a one-line ``ValueError``."""
        if not isinstance(values, Mapping):
            raise ValueError(f"{source}: a search space must be a mapping with sections {', '.join(_SECTIONS)}")
        for key in values:
            if key not in _SECTIONS:
                raise ValueError(f"{source}: unknown section {key!r}; known: {', '.join(_SECTIONS)}")
        study = _parse_study(values.get("study") or {}, source)
        fixed = values.get("fixed") or {}
        if not isinstance(fixed, Mapping):
            raise ValueError(f"{source}: section 'fixed' must be a mapping (a training config)")
        raw_params = values.get("params") or {}
        if not isinstance(raw_params, Mapping):
            raise ValueError(f"{source}: section 'params' must be a mapping of dotted config paths")
        params: list[ParamSpec] = []
        for name, spec in raw_params.items():
            params.append(_parse_param(str(name), spec, params, source))
        space = cls(study=study, fixed=copy.deepcopy(dict(fixed)), params=tuple(params))
        space._validate_configs(source)
        return space

    def sample(self, trial: optuna.Trial) -> dict[str, Any]:
        """Sample one trial's parameters and return its nested training config."""
        config = copy.deepcopy(self.fixed)
        values: dict[str, Any] = {}
        for param in self.params:
            if param.active(values):
                values[param.name] = param.suggest(trial)
                if not param.switch:
                    set_config_value(config, param.name, values[param.name])
            elif param.has_otherwise:
                set_config_value(config, param.name, param.otherwise)
        return config

    def epochs(self) -> int:
        """Epochs of every trial (the fixed ``training.epochs``)."""
        return TrainConfig.from_dict(self.fixed).training.epochs

    def _validate_configs(self, source: str) -> None:
        """Every value a parameter can take must give a valid training config, so a typo in a
        path or an out-of-range bound fails here, before anything is stored."""
        try:
            TrainConfig.from_dict(self.fixed)
        except ValueError as error:
            raise ValueError(f"{source}: fixed config: {error}") from None
        for param in self.params:
            if param.switch:
                continue
            for value in param.candidates():
                config = copy.deepcopy(self.fixed)
                try:
                    set_config_value(config, param.name, value)
                    TrainConfig.from_dict(config)
                except ValueError as error:
                    raise ValueError(f"{source}: param {param.name!r} = {value!r}: {error}") from None


def _parse_study(values: Any, source: str) -> StudySettings:
    if not isinstance(values, Mapping):
        raise ValueError(f"{source}: section 'study' must be a mapping")
    for key in values:
        if key not in _STUDY_KEYS:
            raise ValueError(f"{source}: unknown study setting {key!r}; known: {', '.join(_STUDY_KEYS)}")
    settings = StudySettings(**values)
    if settings.direction not in ("maximize", "minimize"):
        raise ValueError(f"{source}: study.direction must be maximize or minimize, got {settings.direction!r}")
    for name in ("n_trials", "workers_per_trial", "max_concurrent_trials"):
        if not isinstance(getattr(settings, name), int) or getattr(settings, name) < 1:
            raise ValueError(f"{source}: study.{name} must be an integer >= 1, got {getattr(settings, name)!r}")
    if not isinstance(settings.max_failures, int) or settings.max_failures < 0:
        raise ValueError(f"{source}: study.max_failures must be an integer >= 0, got {settings.max_failures!r}")
    sampler = settings.sampler if isinstance(settings.sampler, Mapping) else {}
    if sampler.get("type") not in _SAMPLERS:
        raise ValueError(f"{source}: study.sampler.type must be one of {', '.join(_SAMPLERS)}, got {sampler.get('type')!r}")
    allowed = _SAMPLER_OPTIONS[sampler["type"]]
    unknown = set(sampler) - allowed - {"type"}
    if unknown:
        raise ValueError(f"{source}: unknown study.sampler option {sorted(unknown)[0]!r}; known: {', '.join(sorted(allowed))}")
    scheduler = settings.scheduler if isinstance(settings.scheduler, Mapping) else {}
    if scheduler.get("type") not in _SCHEDULERS:
        raise ValueError(
            f"{source}: study.scheduler.type must be one of {', '.join(_SCHEDULERS)}, got {scheduler.get('type')!r}"
        )
    unknown = set(scheduler) - {"type", "grace_period", "reduction_factor"}
    if unknown:
        raise ValueError(f"{source}: unknown study.scheduler option {sorted(unknown)[0]!r}")
    return settings


def _parse_param(name: str, spec: Any, earlier: list[ParamSpec], source: str) -> ParamSpec:
    where = f"{source}: param {name!r}"
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where} must be a mapping with a 'type'")
    kind = spec.get("type")
    if kind not in _DISTRIBUTIONS:
        raise ValueError(f"{where}: unknown distribution {kind!r}; expected one of {', '.join(_DISTRIBUTIONS)}")
    unknown = set(spec) - _PARAM_KEYS[kind]
    if unknown:
        raise ValueError(f"{where}: unknown key {sorted(unknown)[0]!r} for a {kind} parameter")
    distribution = _distribution(kind, spec, where)
    by_name = {p.name: p for p in earlier}
    when: dict[str, tuple[Any, ...]] = {}
    raw_when = spec.get("when") or {}
    if not isinstance(raw_when, Mapping):
        raise ValueError(f"{where}: 'when' must map earlier parameter names to values")
    for parent, allowed in raw_when.items():
        if parent not in by_name:
            raise ValueError(f"{where}: condition on unknown parameter {parent!r} (conditions name earlier params)")
        allowed = tuple(allowed) if isinstance(allowed, list) else (allowed,)
        parent_dist = by_name[parent].distribution
        if isinstance(parent_dist, optuna.distributions.CategoricalDistribution):
            for value in allowed:
                if value not in parent_dist.choices:
                    raise ValueError(f"{where}: condition value {value!r} is not a choice of {parent!r}")
        when[parent] = allowed
    switch = spec.get("switch", False)
    if not isinstance(switch, bool):
        raise ValueError(f"{where}: 'switch' must be true or false")
    return ParamSpec(
        name=name,
        distribution=distribution,
        when=when,
        otherwise=spec.get("otherwise"),
        has_otherwise="otherwise" in spec,
        switch=switch,
    )


def _distribution(kind: str, spec: Mapping[str, Any], where: str) -> optuna.distributions.BaseDistribution:
    if kind == "categorical":
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ValueError(f"{where}: 'choices' must be a non-empty list")
        return optuna.distributions.CategoricalDistribution(choices)
    number = int if kind == "int" else float
    bounds = {}
    for key in ("low", "high"):
        if key not in spec:
            raise ValueError(f"{where}: missing {key!r}")
        try:
            # YAML 1.1 reads 1e-3 as a string; accept it as a number.
            bounds[key] = number(spec[key]) if kind == "float" or isinstance(spec[key], int) else None
        except (TypeError, ValueError):
            bounds[key] = None
        if bounds[key] is None or (kind == "float" and not math.isfinite(bounds[key])):
            raise ValueError(f"{where}: {key} must be a finite {kind}, got {spec[key]!r}")
    low, high = bounds["low"], bounds["high"]
    if low > high:
        raise ValueError(f"{where}: low ({low}) > high ({high})")
    log = spec.get("log", False)
    if not isinstance(log, bool):
        raise ValueError(f"{where}: 'log' must be true or false")
    if log and low <= 0:
        raise ValueError(f"{where}: a log-scale parameter needs low > 0, got {low}")
    step = spec.get("step")
    if step is not None and (log or float(step) <= 0):
        raise ValueError(f"{where}: 'step' must be > 0 and cannot be combined with log")
    if kind == "int":
        return optuna.distributions.IntDistribution(low, high, log=log, step=int(step or 1))
    return optuna.distributions.FloatDistribution(low, high, log=log, step=None if step is None else float(step))

