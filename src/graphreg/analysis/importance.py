"""Parameter importance over a study's finished trials, with bootstrap intervals.

Both evaluators run on one *flat derived study* built in memory from the finished trials, not
on the stored study itself, because the search space is conditional (λ_graph is sampled only
when graph regularization is on, λ_dist only with a distribution loss, ...):

- ``loss.lambda_graph`` takes its *effective* value from the trial's ``config`` user attr, so
  "off" is λ_graph = 0 rather than a missing parameter. On the derived study's log axis, 0 sits
  one decade below the smallest λ_graph of the search range (the same picture as the slice
  plot's "off" strip). A switch whose value is equivalent to "λ_graph > 0" (e.g.
  ``loss.graph_reg``) is then redundant and is folded into ``loss.lambda_graph``, so the two do
  not split one effect between them.
- Any other parameter missing from a trial (inactive) gets an "inactive" level: a value below
  its range for numbers, an extra ``"(inactive)"`` choice for categories.

Optuna's fANOVA would otherwise only see trials holding every named parameter (dropping all
graph-off trials when λ_graph is named), and its PED-ANOVA would score λ_graph only within the
graph-on regime. On the flat study both evaluators see every finished trial and every parameter,
so their numbers are comparable. PED-ANOVA's top set is Optuna's default 10% quantile, widened
so that it holds at least :data:`MIN_TOP_TRIALS` trials (Optuna's docs advise at least 5).

Finished trials are COMPLETE and PRUNED ones (see :func:`finished_trials`). Intervals: they
are resampled with replacement ``n_bootstrap`` times and the
importances recomputed; ``low``/``high`` are the 2.5/97.5 percentiles of importance and
``rank_low``/``rank_high`` those of the rank (1 = most important), so a reader sees whether
λ_graph's rank is stable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
import contextlib
import math
from typing import Any
import warnings

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.importance import (
    FanovaImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)
from optuna.trial import FrozenTrial, TrialState
import pandas as pd

#: The parameter the analysis is about.
LAMBDA_GRAPH = "loss.lambda_graph"
#: Fewest finished trials the importance evaluators are run on.
MIN_TRIALS = 10
#: Fewest trials in PED-ANOVA's top set.
MIN_TOP_TRIALS = 5
#: Level that stands for an inactive categorical parameter in the derived study.
INACTIVE = "(inactive)"
EVALUATORS = ("ped_anova", "fanova")
#: Trial states the analysis reads (see :func:`finished_trials`).
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
#: How the evaluators are named for readers.
EVALUATOR_NAMES = {"ped_anova": "PED-ANOVA", "fanova": "fANOVA"}


def config_value(config: Mapping[str, Any], dotted: str) -> Any:
    """The entry of a nested config at a dotted path (``"loss.lambda_graph"``); KeyError if absent."""
    node: Any = config
    for key in dotted.split("."):
        if not isinstance(node, Mapping) or key not in node:
            raise KeyError(dotted)
        node = node[key]
    return node


def effective_lambda_graph(trial: FrozenTrial) -> float:
    """λ_graph the trial actually trained with (0 when graph regularization was off).

    Read from the ``config`` user attr that every graphreg trial stores.
    """
    config = trial.user_attrs.get("config")
    if not isinstance(config, Mapping):
        raise ValueError(f"trial #{trial.number} has no 'config' user attr (not a graphreg trial?)")
    try:
        return float(config_value(config, LAMBDA_GRAPH))
    except KeyError:
        raise ValueError(f"trial #{trial.number}'s config has no '{LAMBDA_GRAPH}'") from None


def objective_name(study: optuna.Study) -> str | None:
    """The objective's metric name: the study's metric name, else the ``objective`` user attr
    the runner stores on each trial; None when neither says."""
    if study.metric_names:
        return study.metric_names[0]
    return next((t.user_attrs["objective"] for t in study.get_trials(deepcopy=False) if "objective" in t.user_attrs), None)


def finished_trials(study: optuna.Study, states: Sequence[TrialState] = FINISHED) -> list[FrozenTrial]:
    """Trials in ``states`` with a finite objective value, in trial order.

    By default COMPLETE and PRUNED trials: a trial stopped early by the scheduler is valued at
    its last reported objective, the value the scheduler judged it on. Leaving pruned trials out
    would keep only the survivors of early stopping (often a handful), a sample selected on the
    objective itself.
    """
    if len(study.directions) != 1:
        raise ValueError(f"study '{study.study_name}' is multi-objective; the analysis needs one objective")
    return [
        t
        for t in study.get_trials(deepcopy=False, states=tuple(states))
        if t.value is not None and math.isfinite(t.value)
    ]


def _merge(dists: Sequence[BaseDistribution], name: str) -> BaseDistribution:
    """One distribution covering all of a parameter's (possibly changed) distributions."""
    if all(isinstance(d, CategoricalDistribution) for d in dists):
        choices: list[Any] = []
        for d in dists:
            choices += [c for c in d.choices if c not in choices]
        return CategoricalDistribution(choices)
    if all(isinstance(d, (FloatDistribution, IntDistribution)) for d in dists):
        return FloatDistribution(
            min(float(d.low) for d in dists),
            max(float(d.high) for d in dists),
            log=all(d.log for d in dists),
        )
    raise ValueError(f"parameter '{name}' mixes categorical and numeric distributions")


def _below(dist: FloatDistribution) -> float:
    """A value just left of the range, standing for "inactive" (a decade below on log axes)."""
    if dist.log:
        return dist.low / 10.0
    width = dist.high - dist.low
    return dist.low - (0.1 * width if width > 0 else 1.0)


def _lambda_graph_axis(trials: Sequence[FrozenTrial], lam: np.ndarray) -> tuple[FloatDistribution, float]:
    """The derived λ_graph distribution (log axis) and the value that stands for λ_graph = 0.

    The range of λ_graph > 0 is the searched one when λ_graph is a parameter, widened to the
    values actually used; "off" sits a decade below it.
    """
    searched = [t.distributions[LAMBDA_GRAPH] for t in trials if LAMBDA_GRAPH in t.distributions]
    positive = lam[lam > 0]
    lows = [float(positive.min())] if positive.size else []
    highs = [float(positive.max())] if positive.size else []
    lows += [float(d.low) for d in searched if not isinstance(d, CategoricalDistribution) and d.low > 0]
    highs += [float(d.high) for d in searched if not isinstance(d, CategoricalDistribution)]
    if not lows:  # λ_graph = 0 everywhere: a single value, importance 0.
        return FloatDistribution(1.0, 1.0, log=True), 1.0
    on = FloatDistribution(min(lows), max(highs), log=True)
    off = _below(on)
    return FloatDistribution(off if np.any(lam == 0) else on.low, on.high, log=True), off


def _is_lambda_switch(values: Sequence[Any], on: np.ndarray) -> bool:
    """Whether a parameter's values and "λ_graph > 0" determine each other."""
    by_value: dict[Any, set[bool]] = {}
    for v, o in zip(values, on):
        by_value.setdefault(v, set()).add(bool(o))
    if not all(len(s) == 1 for s in by_value.values()):
        return False
    return len(by_value) == len({next(iter(s)) for s in by_value.values()})


def flat_study(trials: Sequence[FrozenTrial], direction: optuna.study.StudyDirection) -> tuple[optuna.Study, list[str]]:
    """The in-memory derived study described in the module docstring, and the switches folded.

    Every returned trial holds every parameter: the study's parameters plus ``loss.lambda_graph``
    (effective value), minus folded switches.
    """
    lam = np.array([effective_lambda_graph(t) for t in trials], dtype=np.float64)
    if np.any(lam < 0):
        raise ValueError("a trial has a negative λ_graph")
    names = sorted({n for t in trials for n in t.params} - {LAMBDA_GRAPH})
    folded = [
        n
        for n in names
        if all(n in t.params for t in trials)
        and 0 < lam.sum()
        and np.any(lam == 0)
        and _is_lambda_switch([t.params[n] for t in trials], lam > 0)
    ]
    dists: dict[str, BaseDistribution] = {}
    for n in names:
        if n in folded:
            continue
        merged = _merge([t.distributions[n] for t in trials if n in t.distributions], n)
        partial = any(n not in t.params for t in trials)
        if isinstance(merged, CategoricalDistribution):
            if partial and INACTIVE not in merged.choices:
                merged = CategoricalDistribution([*merged.choices, INACTIVE])
        elif partial:
            merged = FloatDistribution(_below(merged), merged.high, log=merged.log)
        dists[n] = merged
    dists[LAMBDA_GRAPH], lam_off = _lambda_graph_axis(trials, lam)

    flat = optuna.create_study(direction=direction)
    for t, lam_t in zip(trials, lam):
        params: dict[str, Any] = {}
        for n, d in dists.items():
            if n == LAMBDA_GRAPH:
                params[n] = float(lam_t) if lam_t > 0 else lam_off
            elif n in t.params:
                v = t.params[n]
                params[n] = float(v) if isinstance(d, FloatDistribution) else v
            else:
                params[n] = INACTIVE if isinstance(d, CategoricalDistribution) else d.low
        flat.add_trial(
            optuna.trial.create_trial(params=params, distributions=dists, value=t.value)
        )
    return flat, folded


def _evaluator(kind: str, n_trials: int, seed: int) -> optuna.importance.BaseImportanceEvaluator:
    if kind == "ped_anova":
        quantile = min(0.5, max(0.1, MIN_TOP_TRIALS / n_trials))
        return PedAnovaImportanceEvaluator(target_quantile=quantile)
    if kind == "fanova":
        return FanovaImportanceEvaluator(seed=seed)
    raise ValueError(f"unknown importance evaluator '{kind}' (expected one of {', '.join(EVALUATORS)})")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence Optuna while it works on the derived in-memory studies.

    Each bootstrap resample is a new in-memory study (Optuna logs each creation), and the
    evaluators warn per call about small regimes; the bootstrap interval is what tells the
    reader how (un)stable the numbers are.
    """
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)


def _importances(flat: optuna.Study, kind: str, seed: int) -> dict[str, float]:
    params = sorted(flat.trials[0].params)
    evaluator = _evaluator(kind, len(flat.trials), seed)
    return get_param_importances(flat, evaluator=evaluator, params=params)


def _resample(flat: optuna.Study, idx: np.ndarray) -> optuna.Study:
    boot = optuna.create_study(direction=flat.direction)
    boot.add_trials([flat.trials[i] for i in idx])
    return boot


def _ranks(values: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    """Rank of each name (1 = most important; ties share the better rank)."""
    v = np.array([values[n] for n in names])
    return np.array([1 + int(np.sum(v > x)) for x in v])


def param_importances(
    study: optuna.Study,
    *,
    n_bootstrap: int = 50,
    seed: int = 0,
    evaluators: Sequence[str] = EVALUATORS,
    min_trials: int = MIN_TRIALS,
) -> pd.DataFrame:
    """Importance of every parameter for the study's objective, with bootstrap intervals.

    Returns one row per (evaluator, parameter) with columns ``param, evaluator, importance, low,
    high, rank, rank_low, rank_high`` (importances normalized to sum to 1 per evaluator),
    sorted by evaluator then rank. See the module docstring for the method.
    """
    if n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be >= 0, got {n_bootstrap}")
    trials = finished_trials(study)
    if not trials:
        raise ValueError(f"study '{study.study_name}' has no finished trials")
    if len(trials) < min_trials:
        raise ValueError(
            f"study '{study.study_name}' has {len(trials)} finished trials; importance needs at least {min_trials}"
        )
    with _quiet():
        return _bootstrap_table(trials, study.direction, n_bootstrap, seed, evaluators)


def _bootstrap_table(
    trials: Sequence[FrozenTrial],
    direction: optuna.study.StudyDirection,
    n_bootstrap: int,
    seed: int,
    evaluators: Sequence[str],
) -> pd.DataFrame:
    flat, _ = flat_study(trials, direction)
    names = sorted(flat.trials[0].params)
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(trials), len(trials)) for _ in range(n_bootstrap)]
    rows = []
    for kind in evaluators:
        point = _importances(flat, kind, seed)
        boot = np.empty((n_bootstrap, len(names)))
        boot_rank = np.empty((n_bootstrap, len(names)))
        for b, idx in enumerate(draws):
            imp = _importances(_resample(flat, idx), kind, seed + 1 + b)
            boot[b] = [imp[n] for n in names]
            boot_rank[b] = _ranks(imp, names)
        rank = _ranks(point, names)
        for j, n in enumerate(names):
            low, high = (np.percentile(boot[:, j], [2.5, 97.5]) if n_bootstrap else (math.nan, math.nan))
            # Ranks are integers: take the order statistics just outside the 95% band.
            rlow, rhigh = (
                (np.quantile(boot_rank[:, j], 0.025, method="lower"), np.quantile(boot_rank[:, j], 0.975, method="higher"))
                if n_bootstrap else (math.nan, math.nan)
            )
            rows.append(
                dict(param=n, evaluator=kind, importance=float(point[n]), low=float(low), high=float(high),
                     rank=int(rank[j]), rank_low=float(rlow), rank_high=float(rhigh))
            )
    table = pd.DataFrame(rows)
    # Evaluators in the order asked for (PED-ANOVA, Optuna's default, first), then by rank.
    order = {kind: i for i, kind in enumerate(evaluators)}
    table = table.sort_values(["evaluator", "rank", "param"], key=lambda c: c.map(order) if c.name == "evaluator" else c)
    return table.reset_index(drop=True)
