"""The ablation's arms: which trial is ablated and what changes between the runs."""

from __future__ import annotations

import copy

import optuna
import pytest
from _analysis_studies import DISTRIBUTIONS, config_of

from graphreg.analysis import ablation_base, ablation_configs
from graphreg.training import TrainConfig

BASE = {
    "data": {"source": "planted", "seed": 3},
    "model": {"d_model": 8, "n_layers": 1, "n_heads": 2},
    "loss": {"lambda_graph": 0.25, "dist": "wasserstein", "lambda_dist": 0.05},
    "training": {"epochs": 2, "batch_size": 32, "seed": 11, "device": "cpu"},
}


def _flatten(config, prefix=""):
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_arms_differ_in_lambda_graph_and_seed_only():
    resolved = TrainConfig.from_dict(BASE).to_dict()
    configs, attrs = ablation_configs(resolved, [0, 1, 2], base_trial=7)
    assert [(a["arm"], a["seed"]) for a in attrs] == [
        ("graph", 0), ("no_graph", 0), ("graph", 1), ("no_graph", 1), ("graph", 2), ("no_graph", 2)]
    assert all(a["base_trial"] == 7 for a in attrs)
    flat_base = _flatten(resolved)
    for config, attr in zip(configs, attrs):
        # Every run is a valid training config, already resolved.
        assert TrainConfig.from_dict(config).to_dict() == config
        flat = _flatten(config)
        changed = {k for k in flat_base if flat[k] != flat_base[k]}
        expected = {"training.seed"} | ({"loss.lambda_graph"} if attr["arm"] == "no_graph" else set())
        assert changed == expected
        assert flat["training.seed"] == attr["seed"]
        assert flat["loss.lambda_graph"] == (0.25 if attr["arm"] == "graph" else 0.0)
    assert resolved == TrainConfig.from_dict(BASE).to_dict()  # the base is not modified


@pytest.mark.parametrize("seeds", [[0], [1, 1]])
def test_bad_seeds(seeds):
    with pytest.raises(ValueError, match="seeds"):
        ablation_configs(copy.deepcopy(BASE), seeds, base_trial=0)


def _trial(value, graph_reg):
    params = {"loss.graph_reg": graph_reg}
    if graph_reg:
        params["loss.lambda_graph"] = 0.5
    return optuna.trial.create_trial(params=params, distributions={k: DISTRIBUTIONS[k] for k in params},
                                     value=value, user_attrs={"config": config_of(params)})


@pytest.mark.parametrize(("direction", "expected"), [("maximize", 2), ("minimize", 1)])
def test_base_is_the_best_trial_with_graph_regularization(direction, expected):
    study = optuna.create_study(direction=direction)
    # Trial 0 (no graph regularization) is the best either way; it cannot be ablated.
    study.add_trials([_trial(0.9 if direction == "maximize" else -1.0, False), _trial(0.1, True), _trial(0.5, True)])
    assert ablation_base(study).number == expected


def test_pruned_trials_are_not_ablated():
    study = optuna.create_study(direction="maximize")
    pruned = _trial(0.9, True)
    study.add_trials([optuna.trial.create_trial(
        params=pruned.params, distributions=pruned.distributions, value=0.9, user_attrs=pruned.user_attrs,
        state=optuna.trial.TrialState.PRUNED), _trial(0.2, True)])
    assert ablation_base(study).number == 1


def test_no_trial_with_graph_regularization():
    study = optuna.create_study(study_name="off", direction="maximize")
    study.add_trials([_trial(0.1, False), _trial(0.2, False)])
    with pytest.raises(ValueError, match="no complete trial with λ_graph > 0"):
        ablation_base(study)
