"""Does graph regularization help? Importance, a controlled ablation, plots and a report.

- :func:`param_importances`: PED-ANOVA and fANOVA importance of every parameter, with
  bootstrap intervals over trials (``importance``).
- :func:`compare_arms` and friends: the ablation's statistics on two arrays (``stats``).
- :func:`run_ablation` / :func:`summarize_ablation`: the best configuration with and without
  λ_graph over seeds, as DDP trials through :func:`graphreg.study.run_fixed_configs`
  (``ablation``).
- :func:`analyze`: all of it, written to a folder as report.md + PNGs + CSVs, and stored as
  the study's optuna-dashboard note (``pipeline``; CLI: ``study/analyze.py``).
"""

from graphreg.analysis.ablation import (
    AblationResult,
    ablation_base,
    ablation_configs,
    ablation_study_name,
    ablation_table,
    compare_ablation,
    run_ablation,
    summarize_ablation,
)
from graphreg.analysis.importance import (
    LAMBDA_GRAPH,
    MIN_TRIALS,
    effective_lambda_graph,
    finished_trials,
    flat_study,
    param_importances,
)
from graphreg.analysis.pipeline import Analysis, analyze, load_study, open_existing_storage, write_analysis
from graphreg.analysis.report import Findings, answer, learning, render_report
from graphreg.analysis.stats import (
    ArmComparison,
    ArmSummary,
    compare_arms,
    count_learned,
    hedges_g,
    mean_ci,
    summarize_arm,
)

__all__ = [
    "LAMBDA_GRAPH",
    "MIN_TRIALS",
    "AblationResult",
    "Analysis",
    "ArmComparison",
    "ArmSummary",
    "Findings",
    "ablation_base",
    "ablation_configs",
    "ablation_study_name",
    "ablation_table",
    "analyze",
    "answer",
    "compare_ablation",
    "compare_arms",
    "count_learned",
    "effective_lambda_graph",
    "finished_trials",
    "flat_study",
    "hedges_g",
    "learning",
    "load_study",
    "mean_ci",
    "open_existing_storage",
    "param_importances",
    "render_report",
    "run_ablation",
    "summarize_ablation",
    "summarize_arm",
    "write_analysis",
]
