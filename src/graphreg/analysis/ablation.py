"""The controlled ablation: the best configuration with and without graph regularization.

The base is the best complete trial that trained with λ_graph > 0 (the study's best trial,
unless that one ran without graph regularization). For each seed, two full configurations are
run: arm ``"graph"`` with the tuned λ_graph and arm ``"no_graph"`` with λ_graph = 0. Only
``training.seed`` changes between seeds: data, split and every other setting stay those of the
base trial, so the arms differ in λ_graph alone and the spread within an arm is that of the
training randomness (initialization, batch order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import copy
from dataclasses import dataclass
import math
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState
import pandas as pd

from graphreg.analysis.importance import LAMBDA_GRAPH, effective_lambda_graph, finished_trials, objective_name
from graphreg.analysis.stats import ArmComparison, compare_arms
from graphreg.study import run_fixed_configs

GRAPH, NO_GRAPH = "graph", "no_graph"
ARMS = (GRAPH, NO_GRAPH)
#: Test metrics compared between the arms; the first one carries the verdict.
TEST_METRICS = ("test_pearson", "test_spearman", "test_mse", "test_tail_mae")
#: Correlation metrics (undefined, reported as NaN, when predictions are constant).
CORRELATIONS = frozenset({"test_pearson", "test_spearman"})
#: Metrics for which lower is better.
LOWER_IS_BETTER = frozenset({"test_mse", "test_tail_mae"})


@dataclass(frozen=True)
class AblationResult:
    """What the ablation of one base trial measured.

    ``table`` has one row per finished run (see :func:`ablation_table`), ``comparisons`` arm
    ``graph`` against ``no_graph`` per test metric, ``curves`` each arm's per-epoch objective
    per run, and ``missing`` the (arm, seed) runs requested that have not finished (failed or
    not run).
    """

    base_trial: int
    lambda_graph: float
    seeds: tuple[int, ...]
    table: pd.DataFrame
    comparisons: dict[str, ArmComparison]
    curves: dict[str, list[dict[int, float]]]
    missing: tuple[tuple[str, int], ...]


def run_metric(trial: FrozenTrial, name: str) -> float:
    """A test metric of a finished run; NaN when the run does not report it.

    A correlation the training reports as NaN (its predictions were constant, so the
    correlation is undefined) counts as 0: the run ranks nothing, it did not learn.
    """
    value = trial.user_attrs.get(name)
    if not isinstance(value, (int, float)):
        return math.nan
    if math.isnan(value) and name in CORRELATIONS:
        return 0.0
    return float(value)


def ablation_study_name(study_name: str) -> str:
    """Name of the study that records a study's ablation runs."""
    return f"{study_name}-ablation"


def ablation_base(study: optuna.Study) -> FrozenTrial:
    """Best COMPLETE trial that trained with λ_graph > 0 (what the ablation switches off).

    Pruned trials are left out: their values come from fewer epochs.
    """
    complete = finished_trials(study, states=(TrialState.COMPLETE,))
    trials = [t for t in complete if effective_lambda_graph(t) > 0]
    if not trials:
        raise ValueError(f"study '{study.study_name}' has no complete trial with λ_graph > 0; nothing to ablate")
    sign = 1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else -1.0
    return max(trials, key=lambda t: sign * t.value)


def ablation_configs(
    base_config: Mapping[str, Any], seeds: Sequence[int], base_trial: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Full configs of both arms for every seed, and the matching user attrs.

    User attrs are ``{"arm", "seed", "base_trial"}``; ``base_trial`` ties the runs to the trial
    they ablate, so runs of an earlier base (the study has grown since) are not mixed in.
    """
    if len(seeds) < 2:
        raise ValueError(f"the ablation needs at least 2 seeds, got {len(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError("ablation seeds must be distinct")
    configs, attrs = [], []
    for seed in seeds:
        for arm in ARMS:
            config = copy.deepcopy(dict(base_config))
            config["training"] = {**config["training"], "seed": int(seed)}
            if arm == NO_GRAPH:
                section, key = LAMBDA_GRAPH.split(".")
                config[section] = {**config[section], key: 0.0}
            configs.append(config)
            attrs.append({"arm": arm, "seed": int(seed), "base_trial": int(base_trial)})
    return configs, attrs


def ablation_trials(ablation: optuna.Study, base_trial: int, seeds: Sequence[int]) -> list[FrozenTrial]:
    """Finished ablation runs of ``base_trial`` with one of ``seeds`` (both arms), in trial order."""
    wanted = {int(s) for s in seeds}
    return [
        t
        for t in ablation.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.user_attrs.get("base_trial") == base_trial
        and t.user_attrs.get("arm") in ARMS
        and t.user_attrs.get("seed") in wanted
    ]


def ablation_table(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """One row per run: ``trial, arm, seed, lambda_graph`` and the test metrics."""
    rows = []
    for t in trials:
        row = {"trial": t.number, "arm": t.user_attrs["arm"], "seed": t.user_attrs.get("seed"),
               "lambda_graph": effective_lambda_graph(t)}
        row.update({m: run_metric(t, m) for m in TEST_METRICS})
        rows.append(row)
    columns = ["trial", "arm", "seed", "lambda_graph", *TEST_METRICS]
    return pd.DataFrame(rows, columns=columns)


def compare_ablation(table: pd.DataFrame, metric: str, threshold: float) -> ArmComparison:
    """Arm ``graph`` against arm ``no_graph`` on one metric (runs lacking it are left out)."""
    if metric not in table.columns:
        raise ValueError(f"unknown ablation metric '{metric}'")
    values = {arm: table.loc[table["arm"] == arm, metric].dropna().to_numpy() for arm in ARMS}
    return compare_arms(values[GRAPH], values[NO_GRAPH], threshold)


def summarize_ablation(
    ablation: optuna.Study, base: FrozenTrial, seeds: Sequence[int], threshold: float
) -> AblationResult:
    """Compare the arms of ``base``'s finished ablation runs on every test metric."""
    trials = ablation_trials(ablation, base.number, seeds)
    table = ablation_table(trials)
    comparisons = {
        m: compare_ablation(table, m, threshold)
        for m in TEST_METRICS
        if all(table.loc[table["arm"] == arm, m].notna().sum() >= 2 for arm in ARMS)
    }
    if TEST_METRICS[0] not in comparisons:
        counts = {arm: int((table["arm"] == arm).sum()) for arm in ARMS}
        raise ValueError(
            f"the ablation needs 2 finished runs with {TEST_METRICS[0]} per arm, got {counts} "
            f"(see study '{ablation.study_name}')"
        )
    curves = {arm: [dict(t.intermediate_values) for t in trials if t.user_attrs["arm"] == arm] for arm in ARMS}
    done = {(t.user_attrs["arm"], t.user_attrs["seed"]) for t in trials}
    missing = tuple((arm, int(s)) for s in seeds for arm in ARMS if (arm, int(s)) not in done)
    return AblationResult(
        base_trial=base.number,
        lambda_graph=effective_lambda_graph(base),
        seeds=tuple(int(s) for s in seeds),
        table=table,
        comparisons=comparisons,
        curves=curves,
        missing=missing,
    )


def run_ablation(
    study: optuna.Study,
    storage: str,
    seeds: Sequence[int],
    *,
    workers_per_trial: int = 2,
    max_concurrent_trials: int = 1,
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
) -> tuple[FrozenTrial, optuna.Study]:
    """Run (or resume) the ablation of ``study`` as DDP trials; returns its base and study.

    The runs go through :func:`graphreg.study.run_fixed_configs` into the study
    ``<name>-ablation`` of the same storage; runs already COMPLETE are skipped.
    """
    base = ablation_base(study)
    configs, attrs = ablation_configs(base.user_attrs["config"], seeds, base.number)
    metric = objective_name(study) or "val_pearson"
    ablation = run_fixed_configs(
        ablation_study_name(study.study_name),
        storage,
        configs,
        attrs,
        workers_per_trial=workers_per_trial,
        max_concurrent_trials=max_concurrent_trials,
        ray_address=ray_address,
        gpus_per_worker=gpus_per_worker,
        metric=metric,
        direction=study.direction.name.lower(),
    )
    return base, ablation
