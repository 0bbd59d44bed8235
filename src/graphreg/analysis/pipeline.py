"""``analyze``: importance, optional ablation, plots, report.md and the dashboard note."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import TrialState
import optuna_dashboard
import pandas as pd
import sqlalchemy

from graphreg.analysis import plots
from graphreg.analysis.ablation import (
    TEST_METRICS,
    AblationResult,
    run_ablation,
    summarize_ablation,
)
from graphreg.analysis.importance import (
    effective_lambda_graph,
    finished_trials,
    objective_name,
    param_importances,
)
from graphreg.analysis.report import (
    Findings,
    answer,
    contribution_shares,
    dashboard_note,
    group_by_lambda,
    learning,
    render_report,
)
from graphreg.study import open_storage
from graphreg.study.storage import check_storage_url


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` produced: the answer sentence, the learning statement, the findings
    and the files written."""

    answer: str
    learning: str
    findings: Findings
    report: Path
    files: tuple[Path, ...]


def open_existing_storage(url: str) -> optuna.storages.BaseStorage:
    """The Optuna storage at ``url`` (see :func:`graphreg.study.open_storage`), which must exist.

    Unlike opening a storage to run a study, analysis never creates one: a missing SQLite or
    journal file is an error, so a mistyped path cannot leave an empty database behind.
    """
    if "://" not in url:
        path = Path(url)
    else:
        check_storage_url(url)
        parsed = sqlalchemy.engine.make_url(url)
        path = Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None
    if path is not None and path.name != ":memory:" and not path.is_file():
        raise ValueError(f"storage file not found: {path}")
    return open_storage(url)


def load_study(storage: optuna.storages.BaseStorage, study_name: str) -> optuna.Study:
    """Load an existing study; unknown names are a ValueError listing the known ones."""
    names = optuna.get_all_study_names(storage)
    if study_name not in names:
        known = ", ".join(sorted(names)) or "none"
        raise ValueError(f"unknown study '{study_name}' (studies in this storage: {known})")
    return optuna.load_study(study_name=study_name, storage=storage)


def analyze(
    storage: str,
    study_name: str,
    out_dir: str | Path,
    *,
    ablate: bool = False,
    seeds: int = 5,
    workers_per_trial: int = 2,
    max_concurrent_trials: int = 1,
    ray_address: str | None = None,
    gpus_per_worker: float = 0.0,
    learned_threshold: float = 0.1,
    n_bootstrap: int = 50,
    seed: int = 0,
) -> Analysis:
    """Analyze study ``study_name`` of ``storage`` (URL): does graph regularization help?

    With ``ablate``, first runs (or resumes) the ablation with training seeds ``0 .. seeds-1``
    through the study runner, then writes everything as :func:`write_analysis` does. The
    study is checked (exists, enough finished trials) before anything runs.
    """
    if seeds < 2:
        raise ValueError(f"seeds must be at least 2, got {seeds}")
    if workers_per_trial < 1:
        raise ValueError(f"workers_per_trial must be >= 1, got {workers_per_trial}")
    study = load_study(open_existing_storage(storage), study_name)
    importance = param_importances(study, n_bootstrap=n_bootstrap, seed=seed)
    result: AblationResult | None = None
    if ablate:
        seed_list = list(range(seeds))
        base, ablation = run_ablation(
            study, storage, seed_list, workers_per_trial=workers_per_trial,
            max_concurrent_trials=max_concurrent_trials, ray_address=ray_address, gpus_per_worker=gpus_per_worker,
        )
        result = summarize_ablation(ablation, base, seed_list, learned_threshold)
    return write_analysis(study, out_dir, importance, result, learned_threshold=learned_threshold)


def write_analysis(
    study: optuna.Study,
    out_dir: str | Path,
    importance: pd.DataFrame,
    ablation: AblationResult | None,
    *,
    learned_threshold: float = 0.1,
) -> Analysis:
    """Write the analysis of ``study`` into ``out_dir`` and store it as its dashboard note.

    Files: ``importance.csv`` (from :func:`param_importances`), ``ablation.csv`` (one row per
    ablation run, when ``ablation`` is given), the PNG plots and ``report.md`` whose first
    lines carry the answer.
    """
    trials = finished_trials(study)
    maximize = study.direction == StudyDirection.MAXIMIZE
    objective = objective_name(study) or "objective"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    importance.to_csv(out / "importance.csv", index=False)
    files = [out / "importance.csv"]
    if ablation is not None:
        ablation.table.to_csv(out / "ablation.csv", index=False)
        files.append(out / "ablation.csv")

    contributions = contribution_shares(trials, maximize)
    figures = {
        "importance": plots.plot_importance(importance, out / "importance.png"),
        "lambda_slice": plots.plot_lambda_slice(
            np.array([effective_lambda_graph(t) for t in trials]), np.array([t.value for t in trials]),
            np.array([t.state == TrialState.PRUNED for t in trials]), objective, out / "lambda_graph_slice.png",
        ),
    }
    if not contributions.empty:
        figures["contributions"] = plots.plot_contributions(contributions, out / "contributions.png")
    if ablation is not None:
        figures["learning_curves"] = plots.plot_learning_curves(ablation.curves, objective, out / "ablation_curves.png")
        figures["arm_distributions"] = plots.plot_arm_distributions(
            ablation.table, TEST_METRICS, learned_threshold, out / "ablation_distribution.png"
        )
    files += figures.values()

    findings = Findings(
        study_name=study.study_name,
        objective=objective,
        maximize=maximize,
        state_counts=dict(Counter(t.state.name for t in study.get_trials(deepcopy=False))),
        groups=group_by_lambda(trials, maximize, learned_threshold),
        importance=importance,
        ablation=ablation,
        threshold=learned_threshold,
        contributions=contributions,
        plots=figures,
    )
    markdown = render_report(findings)
    report = out / "report.md"
    report.write_text(markdown, encoding="utf-8")
    optuna_dashboard.save_note(study, dashboard_note(markdown, out.resolve()))
    return Analysis(answer=answer(findings), learning=learning(findings), findings=findings, report=report, files=(*files, report))
