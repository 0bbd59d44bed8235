"""Parameter importance on synthetic studies whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from _analysis_studies import DISTRIBUTIONS, add_trials, config_of, lambda_effect, lr_effect

from graphreg.analysis import LAMBDA_GRAPH, finished_trials, flat_study, param_importances
from graphreg.analysis.importance import INACTIVE

N_TRIALS = 40
N_PARAMS = 5  # graph_reg is folded into lambda_graph


def _study(tmp_path, objective, n=N_TRIALS, name="s"):
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    add_trials(study, n, objective)
    return study


@pytest.fixture(scope="module")
def lambda_table(tmp_path_factory):
    return param_importances(_study(tmp_path_factory.mktemp("lam"), lambda_effect), n_bootstrap=10)


@pytest.fixture(scope="module")
def lr_table(tmp_path_factory):
    return param_importances(_study(tmp_path_factory.mktemp("lr"), lr_effect), n_bootstrap=10)


def _row(table, evaluator, param):
    rows = table[(table["evaluator"] == evaluator) & (table["param"] == param)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("evaluator", ["ped_anova", "fanova"])
def test_lambda_graph_ranks_first_when_only_it_matters(lambda_table, evaluator):
    row = _row(lambda_table, evaluator, LAMBDA_GRAPH)
    assert row["rank"] == 1
    assert row["importance"] > 0.5
    assert row["rank_low"] == 1


@pytest.mark.parametrize("evaluator", ["ped_anova", "fanova"])
def test_lambda_graph_ranks_low_when_it_does_not_matter(lr_table, evaluator):
    assert _row(lr_table, evaluator, "training.lr")["rank"] == 1
    row = _row(lr_table, evaluator, LAMBDA_GRAPH)
    assert row["rank"] >= 3
    assert row["importance"] < 0.1


def test_table_shape_and_intervals(lambda_table):
    assert list(lambda_table.columns) == [
        "param", "evaluator", "importance", "low", "high", "rank", "rank_low", "rank_high"
    ]
    assert list(dict.fromkeys(lambda_table["evaluator"])) == ["ped_anova", "fanova"]
    for _, rows in lambda_table.groupby("evaluator"):
        assert len(rows) == N_PARAMS
        assert rows["importance"].sum() == pytest.approx(1.0)
        assert list(rows["rank"]) == sorted(rows["rank"])
    assert (lambda_table["low"] <= lambda_table["high"]).all()
    assert (lambda_table["rank_low"] <= lambda_table["rank_high"]).all()
    assert lambda_table[["low", "high"]].ge(0).all().all()


def test_bootstrap_is_seeded(tmp_path):
    study = _study(tmp_path, lambda_effect, n=12)
    a = param_importances(study, n_bootstrap=3, seed=7)
    b = param_importances(study, n_bootstrap=3, seed=7)
    assert a.equals(b)


def test_flat_study_uses_effective_values(tmp_path):
    study = _study(tmp_path, lambda_effect, n=20)
    trials = finished_trials(study)
    flat, folded = flat_study(trials, study.direction)
    assert folded == ["loss.graph_reg"]
    low = DISTRIBUTIONS[LAMBDA_GRAPH].low
    assert flat.trials[0].distributions[LAMBDA_GRAPH].low == pytest.approx(low / 10)
    for original, derived in zip(trials, flat.trials):
        assert set(derived.params) == {LAMBDA_GRAPH, "loss.dist", "loss.lambda_dist", "loss.point", "training.lr"}
        assert derived.value == original.value
        lam = original.user_attrs["config"]["loss"]["lambda_graph"]
        if original.params["loss.graph_reg"]:
            assert derived.params[LAMBDA_GRAPH] == pytest.approx(lam) and lam > 0
        else:
            assert lam == 0 and derived.params[LAMBDA_GRAPH] == pytest.approx(low / 10)
        if "loss.lambda_dist" not in original.params:  # inactive: below the range
            assert derived.params["loss.lambda_dist"] < DISTRIBUTIONS["loss.lambda_dist"].low
        assert derived.params["loss.dist"] == original.params["loss.dist"] != INACTIVE


def test_lambda_graph_that_never_varies_scores_zero(tmp_path):
    # Graph regularization always off: λ_graph is constant, hence unimportant.
    study = _study(tmp_path, lr_effect, n=0)
    base = optuna.create_study(direction="maximize")
    add_trials(base, 60, lr_effect)
    for t in base.trials:
        if not t.params["loss.graph_reg"]:
            study.add_trial(t)
    table = param_importances(study, n_bootstrap=2)
    for evaluator in ("ped_anova", "fanova"):
        assert _row(table, evaluator, LAMBDA_GRAPH)["importance"] == 0.0


def test_fixed_lambda_graph_behind_a_switch_is_ranked_first(tmp_path):
    # λ_graph is not searched (fixed at 0.3 in the YAML) but a switch turns it on and off: the
    # effective λ_graph carries the switch's effect, and the switch is folded into it.
    study = optuna.create_study(direction="maximize")
    rng = np.random.default_rng(0)
    dists = {k: DISTRIBUTIONS[k] for k in ("loss.graph_reg", "training.lr")}
    for _ in range(30):
        params = {"loss.graph_reg": bool(rng.integers(2)), "training.lr": float(10 ** rng.uniform(-4, -2))}
        config = config_of({"training.lr": params["training.lr"]})
        config["loss"]["lambda_graph"] = 0.3 if params["loss.graph_reg"] else 0.0
        value = (0.4 if params["loss.graph_reg"] else 0.0) + 0.01 * rng.standard_normal()
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=value,
                                                  user_attrs={"config": config}))
    flat, folded = flat_study(finished_trials(study), study.direction)
    assert folded == ["loss.graph_reg"]
    assert sorted({t.params[LAMBDA_GRAPH] for t in flat.trials}) == pytest.approx([0.03, 0.3])
    table = param_importances(study, n_bootstrap=0)
    assert list(table["param"][table["rank"] == 1]) == [LAMBDA_GRAPH, LAMBDA_GRAPH]
    assert list(table.columns[-2:]) == ["rank_low", "rank_high"] and table["low"].isna().all()


def test_too_few_trials(tmp_path):
    study = _study(tmp_path, lr_effect, n=4)
    with pytest.raises(ValueError, match="has 4 finished trials; importance needs at least 10"):
        param_importances(study)


def test_trials_without_config_are_rejected(tmp_path):
    study = optuna.create_study(direction="maximize")
    for i in range(12):
        study.add_trial(optuna.trial.create_trial(
            params={"x": float(i)}, distributions={"x": optuna.distributions.FloatDistribution(0, 20)}, value=i))
    with pytest.raises(ValueError, match="no 'config' user attr"):
        param_importances(study)


def test_pruned_trials_count_with_their_last_value(tmp_path):
    study = _study(tmp_path, lambda_effect, n=6)
    for i in range(6):  # stopped by a scheduler after two epochs, told as the runner does
        study.enqueue_trial({"loss.graph_reg": False, "training.lr": 1e-3})
        trial = study.ask({k: DISTRIBUTIONS[k] for k in ("loss.graph_reg", "training.lr")})
        trial.set_user_attr("config", config_of(trial.params))
        trial.report(0.1 * i, 0)
        trial.report(0.05 * i, 1)
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    never_reported = study.ask()
    study.tell(never_reported, state=optuna.trial.TrialState.PRUNED)
    trials = finished_trials(study)
    assert len(trials) == 12
    assert [t.value for t in trials[6:]] == pytest.approx([0.05 * i for i in range(6)])
    assert len(param_importances(study, n_bootstrap=0)) == 2 * N_PARAMS


def test_nonfinite_and_unfinished_trials_are_left_out(tmp_path):
    study = _study(tmp_path, lambda_effect, n=12)
    template = study.trials[0]
    study.add_trial(optuna.trial.create_trial(
        params=template.params, distributions=template.distributions, value=math.inf,
        user_attrs=template.user_attrs))
    study.add_trial(optuna.trial.create_trial(
        params=template.params, distributions=template.distributions, state=optuna.trial.TrialState.FAIL,
        user_attrs=template.user_attrs))
    assert len(finished_trials(study)) == 12
