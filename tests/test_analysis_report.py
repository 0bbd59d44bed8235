"""report.md, the PNG plots, the answer's wording and the dashboard note."""

from __future__ import annotations

import copy
import struct

import matplotlib.image
import numpy as np
import optuna
import optuna_dashboard
import pytest
from _analysis_studies import add_trials, lambda_effect
from scipy import stats

from graphreg.analysis import (
    LAMBDA_GRAPH,
    ablation_base,
    ablation_configs,
    ablation_study_name,
    param_importances,
    summarize_ablation,
    write_analysis,
)

from graphreg.analysis.report import ablation_answer, ablation_learning

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")  # set_metric_names

SEEDS = [0, 1, 2, 3, 4]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _study(tmp_path, objective=lambda_effect, n=24):
    storage = f"sqlite:///{tmp_path / 'studies.db'}"
    study = optuna.create_study(study_name="demo", storage=storage, direction="maximize")
    study.set_metric_names(["val_pearson"])
    add_trials(study, n, objective)
    return study, storage


def _ablation(study, storage, graph_values, no_graph_values):
    """Record ablation runs of the study's base as the study runner would, with given test Pearson."""
    base = ablation_base(study)
    seeds = SEEDS[: max(len(graph_values), len(no_graph_values))]
    configs, attrs = ablation_configs(base.user_attrs["config"], seeds, base.number)
    ablation = optuna.create_study(study_name=ablation_study_name(study.study_name), storage=storage,
                                   direction="maximize")
    values = {"graph": list(graph_values), "no_graph": list(no_graph_values)}
    for config, attr in zip(configs, attrs):
        if not values[attr["arm"]]:
            continue  # this run failed or never ran
        v = values[attr["arm"]].pop(0)
        user_attrs = dict(attr, config=config, test_pearson=v, test_spearman=0.9 * v, test_mse=1.0 - v,
                          test_tail_mae=1.5 - v, val_pearson=v)
        objective = v if np.isfinite(v) else 0.0  # Optuna values cannot be NaN
        ablation.add_trial(optuna.trial.create_trial(
            params={}, distributions={}, value=objective, user_attrs=user_attrs,
            intermediate_values={e: objective * (e + 1) / 4 for e in range(4)}))
    return summarize_ablation(ablation, base, seeds, threshold=0.1)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    study, storage = _study(tmp)
    result = _ablation(study, storage, [0.41, 0.44, 0.39, 0.43, 0.40], [0.02, -0.01, 0.05, 0.03, 0.00])
    importance = param_importances(study, n_bootstrap=3)
    analysis = write_analysis(study, tmp / "out", importance, result, learned_threshold=0.1)
    return study, storage, analysis, tmp / "out"


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])  # IHDR width, height


def test_files_are_written(written):
    _, _, analysis, out = written
    names = {p.name for p in analysis.files}
    assert names == {"importance.csv", "ablation.csv", "importance.png", "lambda_graph_slice.png",
                     "contributions.png", "ablation_curves.png", "ablation_distribution.png", "report.md"}
    for png in out.glob("*.png"):
        width, height = _png_size(png)
        assert width >= 400 and height >= 300
        assert png.stat().st_size > 10_000
        pixels = matplotlib.image.imread(png)
        assert pixels.std() > 0.05  # not a blank canvas
    importance = (out / "importance.csv").read_text().splitlines()
    assert importance[0].startswith("param,evaluator,importance,low,high,rank")
    ablation = (out / "ablation.csv").read_text().splitlines()
    assert len(ablation) == 1 + 2 * len(SEEDS)


def test_report_leads_with_the_answer(written):
    _, _, analysis, out = written
    text = (out / "report.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("# Does graph regularization help?")
    assert lines[2] == f"**Answer:** {analysis.answer}"
    assert analysis.answer.startswith("graph regularization helps: test Pearson 0.41 [0.39, 0.44] with λ_graph = ")
    assert "vs 0.02 [-0.01, 0.05] without" in analysis.answer
    p = stats.ttest_ind([0.41, 0.44, 0.39, 0.43, 0.40], [0.02, -0.01, 0.05, 0.03, 0.00], equal_var=False).pvalue
    assert f"Welch p = {p:.1e}" in analysis.answer
    assert "5 seeds each" in analysis.answer
    assert lines[4] == f"**Learning:** {analysis.learning}"
    assert "0/5 runs learned (test Pearson > 0.1) with λ_graph = 0 vs 5/5" in analysis.learning
    for image in ("importance.png", "lambda_graph_slice.png", "ablation_curves.png",
                  "ablation_distribution.png", "contributions.png"):
        assert f"]({image})" in text
    assert f"**{LAMBDA_GRAPH}**" in text


def test_dashboard_note_is_stored(written):
    study, storage, analysis, out = written
    reloaded = optuna.load_study(study_name=study.study_name, storage=storage)
    note = optuna_dashboard.get_note(reloaded)
    assert analysis.answer in note
    assert "![" not in note and str(out.resolve()) in note
    rdb = optuna.storages.RDBStorage(storage)
    assert rdb.get_study_system_attrs(rdb.get_study_id_from_name(study.study_name))["dashboard:note_ver"] >= 1


def test_rewriting_replaces_the_note(tmp_path):
    study, storage = _study(tmp_path)
    importance = param_importances(study, n_bootstrap=0)
    first = write_analysis(study, tmp_path / "a", importance, None)
    study.add_trial(optuna.trial.create_trial(
        params=study.trials[0].params, distributions=study.trials[0].distributions, value=0.99,
        user_attrs=copy.deepcopy(study.trials[0].user_attrs) | {"config": _with_lambda(study.trials[0], 5.0)}))
    second = write_analysis(study, tmp_path / "b", importance, None)
    note = optuna_dashboard.get_note(optuna.load_study(study_name="demo", storage=storage))
    assert second.answer in note and first.answer not in note


def _with_lambda(trial, lam):
    config = copy.deepcopy(trial.user_attrs["config"])
    config["loss"]["lambda_graph"] = lam
    return config


def test_observational_answer_without_ablation(tmp_path):
    study, _ = _study(tmp_path)
    analysis = write_analysis(study, tmp_path / "out", param_importances(study, n_bootstrap=0), None)
    assert analysis.answer.startswith("the trials suggest graph regularization helps (observational evidence only")
    assert "Run with --ablate" in analysis.answer
    assert "λ_graph ranks 1/5 by PED-ANOVA" in analysis.answer
    assert "with λ_graph = 0" in analysis.learning
    assert not (tmp_path / "out" / "ablation.csv").exists()
    assert "Not run: rerun with `--ablate`" in analysis.report.read_text(encoding="utf-8")


def test_observational_answer_without_off_trials(tmp_path):
    study, _ = _study(tmp_path, n=0)
    source = optuna.create_study(direction="maximize")
    add_trials(source, 40, lambda_effect)
    for t in source.trials:
        if t.params["loss.graph_reg"]:
            study.add_trial(t)
    analysis = write_analysis(study, tmp_path / "out", param_importances(study, n_bootstrap=0), None)
    assert analysis.answer.startswith("cannot tell from this study: no finished trial ran with λ_graph = 0")


def _answer_for(tmp_path, graph, no_graph):
    study, storage = _study(tmp_path)
    result = _ablation(study, storage, graph, no_graph)
    return result, (ablation_answer(result), ablation_learning(result))


def test_inconclusive_wording(tmp_path):
    graph, no_graph = [0.30, 0.10, 0.25, 0.05], [0.20, 0.15, 0.02, 0.22]
    assert stats.ttest_ind(graph, no_graph, equal_var=False).pvalue >= 0.05
    _, (text, learned) = _answer_for(tmp_path, graph, no_graph)
    assert text.startswith("no clear effect of graph regularization (inconclusive: p >= 0.05): test Pearson ")
    assert "4 seeds each" in text
    assert learned.startswith("Without graph regularization the model learns only sometimes: 3/4")


def test_weak_wording_when_intervals_overlap(tmp_path):
    # Significant by Welch, yet the two 95% intervals overlap.
    graph, no_graph = [0.50, 0.62, 0.55, 0.66, 0.58], [0.45, 0.52, 0.40, 0.55, 0.47]
    p = stats.ttest_ind(graph, no_graph, equal_var=False).pvalue
    ci_g = stats.t.interval(0.95, 4, loc=np.mean(graph), scale=stats.sem(graph))
    ci_n = stats.t.interval(0.95, 4, loc=np.mean(no_graph), scale=stats.sem(no_graph))
    assert p < 0.05 and ci_g[0] <= ci_n[1]
    _, (text, learned) = _answer_for(tmp_path, graph, no_graph)
    assert text.startswith("graph regularization probably helps (weak evidence: the 95% intervals overlap)")
    assert learned.startswith("The model learns without graph regularization too: 5/5")


def test_hurts_wording(tmp_path):
    _, (text, _) = _answer_for(tmp_path, [0.10, 0.12, 0.11], [0.40, 0.42, 0.41])
    assert text.startswith("graph regularization hurts: ")


def test_missing_runs_are_reported(tmp_path):
    result, (text, _) = _answer_for(tmp_path, [0.40, 0.42, 0.41], [0.01, 0.02])
    assert result.missing == (("no_graph", 2),)
    assert "3 and 2 seeds" in text


def test_undefined_correlation_counts_as_not_learned(tmp_path):
    # A run with constant predictions reports test Pearson NaN: it ranks nothing (0), not dropped.
    result, (_, learned) = _answer_for(tmp_path, [0.40, 0.42, 0.41], [float("nan"), 0.02, 0.30])
    c = result.comparisons["test_pearson"]
    assert c.b.n == 3 and c.b.mean == pytest.approx(0.32 / 3)
    assert (c.a.n_learned, c.b.n_learned) == (3, 1)
    assert result.comparisons["test_mse"].b.n == 2  # an error metric is not invented
    assert "1/3 runs learned" in learned


def test_ablation_needs_two_runs_per_arm(tmp_path):
    study, storage = _study(tmp_path)
    with pytest.raises(ValueError, match="needs 2 finished runs"):
        _ablation(study, storage, [0.4, 0.41], [0.0])
