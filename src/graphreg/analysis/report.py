"""The answer sentence, report.md and the optuna-dashboard note.

The answer leads with a verdict and its numbers. Its wording follows fixed rules, so that weak
evidence is never dressed up:

- With the ablation (controlled): "helps"/"hurts" only when the Welch test gives p < 0.05 *and*
  the arms' 95% intervals do not overlap; "probably helps/hurts (weak evidence ...)" when
  p < 0.05 but the intervals overlap; otherwise "no clear effect ... (inconclusive)".
- Without it, the study's own trials are compared (best objective with λ_graph > 0 against
  λ_graph = 0, and λ_graph's importance rank), and the sentence says the evidence is
  observational.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math
from pathlib import Path

from optuna.trial import FrozenTrial
import pandas as pd

from graphreg.analysis.ablation import (
    LOWER_IS_BETTER,
    TEST_METRICS,
    AblationResult,
    ablation_study_name,
    run_metric,
)
from graphreg.analysis.importance import EVALUATOR_NAMES, LAMBDA_GRAPH, effective_lambda_graph
from graphreg.analysis.stats import count_learned

#: Significance level of the verdicts.
ALPHA = 0.05
#: The metric that carries the verdict and decides whether a run "learned at all".
LEARNED_METRIC = TEST_METRICS[0]


@dataclass(frozen=True)
class TrialGroup:
    """The study's finished trials with λ_graph > 0 (``on``) or λ_graph = 0 (off).

    ``best`` is the best objective value (per the study's direction) and ``best_trial`` its
    trial; ``n_learned`` counts trials whose test Pearson exceeds the threshold, out of
    ``n_with_test`` trials that report one.
    """

    on: bool
    n: int
    best: float
    best_trial: int | None
    best_lambda: float
    mean: float
    n_learned: int
    n_with_test: int


@dataclass(frozen=True)
class Findings:
    """Everything the report states about one study."""

    study_name: str
    objective: str
    maximize: bool
    state_counts: dict[str, int]
    groups: tuple[TrialGroup, TrialGroup]
    importance: pd.DataFrame
    ablation: AblationResult | None
    threshold: float
    contributions: pd.DataFrame
    plots: dict[str, Path]


def group_by_lambda(trials: Sequence[FrozenTrial], maximize: bool, threshold: float) -> tuple[TrialGroup, TrialGroup]:
    """Split finished trials by λ_graph > 0 / = 0 and summarize each side."""
    groups = []
    for on in (True, False):
        members = [t for t in trials if (effective_lambda_graph(t) > 0) == on]
        tests = [v for v in (run_metric(t, LEARNED_METRIC) for t in members) if math.isfinite(v)]
        best = (max if maximize else min)(members, key=lambda t: t.value) if members else None
        groups.append(
            TrialGroup(
                on=on,
                n=len(members),
                best=best.value if best else math.nan,
                best_trial=best.number if best else None,
                best_lambda=effective_lambda_graph(best) if best else math.nan,
                mean=sum(t.value for t in members) / len(members) if members else math.nan,
                n_learned=count_learned(tests, threshold) if tests else 0,
                n_with_test=len(tests),
            )
        )
    return groups[0], groups[1]


def _num(x: float, digits: int = 2) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return f"{p:.1e}" if p < 1e-3 else f"{p:.3f}"


def _ci(mean: float, low: float, high: float) -> str:
    return f"{_num(mean)} [{_num(low)}, {_num(high)}]"


def _lam(x: float) -> str:
    return f"{x:.3g}"


def _rank_text(importance: pd.DataFrame) -> str:
    """E.g. "λ_graph ranks 1/5 by PED-ANOVA (bootstrap 1-2) and 2/5 by fANOVA (bootstrap 1-3)"."""
    parts = []
    for kind, rows in importance.groupby("evaluator", sort=False):
        row = rows[rows["param"] == LAMBDA_GRAPH]
        if row.empty:
            continue
        r = row.iloc[0]
        spread = "" if not math.isfinite(r["rank_low"]) else f" (bootstrap {r['rank_low']:.0f}-{r['rank_high']:.0f})"
        parts.append(f"{r['rank']}/{len(rows)} by {EVALUATOR_NAMES.get(kind, kind)}{spread}")
    return "λ_graph ranks " + " and ".join(parts) if parts else "λ_graph was not ranked"


def ablation_answer(result: AblationResult) -> str:
    """The one-sentence answer from the controlled ablation (see the module docstring)."""
    c = result.comparisons[LEARNED_METRIC]  # test Pearson: higher is better
    overlap = c.a.low <= c.b.high and c.b.low <= c.a.high
    direction = "helps" if c.diff > 0 else "hurts"
    if math.isfinite(c.welch_p) and c.welch_p < ALPHA and not overlap:
        verdict = f"graph regularization {direction}"
    elif math.isfinite(c.welch_p) and c.welch_p < ALPHA:
        verdict = f"graph regularization probably {direction} (weak evidence: the 95% intervals overlap)"
    else:
        verdict = f"no clear effect of graph regularization (inconclusive: p >= {ALPHA})"
    n = f"{c.a.n} seeds each" if c.a.n == c.b.n else f"{c.a.n} and {c.b.n} seeds"
    return (
        f"{verdict}: test Pearson {_ci(c.a.mean, c.a.low, c.a.high)} with λ_graph = {_lam(result.lambda_graph)} vs "
        f"{_ci(c.b.mean, c.b.low, c.b.high)} without (Welch p = {_p(c.welch_p)}, "
        f"Mann-Whitney p = {_p(c.mannwhitney_p)}, Hedges' g = {_num(c.hedges_g)}, {n})."
    )


def ablation_learning(result: AblationResult) -> str:
    """When λ_graph = 0 keeps the model from learning, from the ablation's learned counts."""
    c = result.comparisons[LEARNED_METRIC]
    counts = (f"{c.b.n_learned}/{c.b.n} runs learned (test Pearson > {c.threshold:g}) with λ_graph = 0 "
              f"vs {c.a.n_learned}/{c.a.n} with λ_graph = {_lam(result.lambda_graph)}")
    if c.b.n_learned == 0 and c.a.n_learned > 0:
        return f"λ_graph = 0 keeps the model from learning here: {counts}."
    if c.b.n_learned == 0:
        return f"Neither arm learned: {counts}."
    if c.b.n_learned == c.b.n:
        return f"The model learns without graph regularization too: {counts}."
    return f"Without graph regularization the model learns only sometimes: {counts}."


def observational_answer(findings: Findings) -> str:
    """The answer from the study's trials alone (no ablation run)."""
    on, off = findings.groups
    ranks = _rank_text(findings.importance)
    if on.n == 0 or off.n == 0:
        missing = "λ_graph > 0" if on.n == 0 else "λ_graph = 0"
        return (f"cannot tell from this study: no finished trial ran with {missing} "
                f"({on.n} with λ_graph > 0, {off.n} without); {ranks}.")
    better = on.best > off.best if findings.maximize else on.best < off.best
    verdict = "the trials suggest graph regularization helps" if better else (
        "the trials do not suggest graph regularization helps")
    return (
        f"{verdict} (observational evidence only, no ablation run: weak): best {findings.objective} "
        f"{_num(on.best)} with λ_graph > 0 (trial #{on.best_trial}, λ_graph = {_lam(on.best_lambda)}; "
        f"{on.n} trials) vs {_num(off.best)} with λ_graph = 0 ({off.n} trials); {ranks}. "
        f"Run with --ablate for a controlled test."
    )


def observational_learning(findings: Findings) -> str:
    """Learned counts among the study's trials with and without graph regularization."""
    on, off = findings.groups
    if on.n_with_test == 0 and off.n_with_test == 0:
        return f"No trial reports {LEARNED_METRIC}, so learning cannot be counted."
    return (f"Trials that learned ({LEARNED_METRIC} > {findings.threshold:g}): "
            f"{_learned(off)} with λ_graph = 0 vs {_learned(on)} with λ_graph > 0.")


def _learned(group: TrialGroup) -> str:
    """Learned count "k/n" over the group's trials that report the test metric (pruned ones stop before it)."""
    return f"{group.n_learned}/{group.n_with_test}" if group.n_with_test else "n/a (no trial reports test metrics)"


def answer(findings: Findings) -> str:
    """The one-sentence answer: from the ablation when it ran, else from the trials."""
    return ablation_answer(findings.ablation) if findings.ablation else observational_answer(findings)


def learning(findings: Findings) -> str:
    """When λ_graph = 0 keeps the model from learning: from the ablation when it ran."""
    return ablation_learning(findings.ablation) if findings.ablation else observational_learning(findings)


def _importance_table(importance: pd.DataFrame) -> list[str]:
    kinds = list(dict.fromkeys(importance["evaluator"]))
    head = "| parameter | " + " | ".join(f"{EVALUATOR_NAMES.get(k, k)}: importance [95% CI], rank [CI]" for k in kinds) + " |"
    lines = [head, "|---" * (len(kinds) + 1) + "|"]
    first = importance[importance["evaluator"] == kinds[0]]["param"]
    for param in first:
        cells = []
        for k in kinds:
            r = importance[(importance["evaluator"] == k) & (importance["param"] == param)].iloc[0]
            rank_ci = "" if not math.isfinite(r["rank_low"]) else f" [{r['rank_low']:.0f}-{r['rank_high']:.0f}]"
            cells.append(f"{r['importance']:.3f} [{_num(r['low'], 3)}, {_num(r['high'], 3)}], {r['rank']}{rank_ci}")
        name = f"**{param}**" if param == LAMBDA_GRAPH else param
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _comparison_table(result: AblationResult) -> list[str]:
    lines = [
        f"| metric | with λ_graph = {_lam(result.lambda_graph)}: mean [95% CI] | λ_graph = 0: mean [95% CI] "
        "| difference [95% CI] | Welch t (df), p | Mann-Whitney U, p | Hedges' g |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric, c in result.comparisons.items():
        lines.append(
            f"| {metric}{' (lower is better)' if metric in LOWER_IS_BETTER else ''} "
            f"| {_ci(c.a.mean, c.a.low, c.a.high)} | {_ci(c.b.mean, c.b.low, c.b.high)} "
            f"| {_ci(c.diff, c.diff_low, c.diff_high)} | {_num(c.welch_t)} ({_num(c.welch_df, 1)}), {_p(c.welch_p)} "
            f"| {c.mannwhitney_u:g}, {_p(c.mannwhitney_p)} | {_num(c.hedges_g)} |"
        )
    return lines


def _image(findings: Findings, key: str, caption: str) -> list[str]:
    path = findings.plots.get(key)
    return [f"![{caption}]({path.name})", ""] if path else []


def render_report(findings: Findings) -> str:
    """report.md: the answer in its first lines, then the evidence and the method."""
    f = findings
    on, off = f.groups
    states = ", ".join(f"{n} {s.lower()}" for s, n in f.state_counts.items() if n)
    lines = [
        f"# Does graph regularization help? Study `{f.study_name}`",
        "",
        f"**Answer:** {answer(f)}",
        "",
        f"**Learning:** {learning(f)}",
        "",
        "## The study",
        "",
        f"Objective: {f.objective} ({'maximize' if f.maximize else 'minimize'}). Trials: {states}.",
        "",
        "| | trials | best objective (trial, λ_graph) | mean objective | learned (of trials with test metrics) |",
        "|---|---|---|---|---|",
    ]
    for g in (on, off):
        label = "λ_graph > 0" if g.on else "λ_graph = 0"
        best = f"{_num(g.best)} (#{g.best_trial}, {_lam(g.best_lambda)})" if g.best_trial is not None else "n/a"
        lines.append(f"| {label} | {g.n} | {best} | {_num(g.mean)} | {_learned(g)} |")
    lines += ["", "## Parameter importance", ""]
    lines += _importance_table(f.importance)
    lines += [""] + _image(f, "importance", "Parameter importance")
    lines += ["## Objective against λ_graph", ""] + _image(f, "lambda_slice", "Objective against λ_graph")
    lines += ["## Ablation", ""]
    if f.ablation is None:
        lines += ["Not run: rerun with `--ablate` for the controlled comparison.", ""]
    else:
        a = f.ablation
        lines += [
            f"Base: trial #{a.base_trial} (best complete trial with λ_graph > 0), run with its tuned "
            f"λ_graph = {_lam(a.lambda_graph)} and with λ_graph = 0, training seeds {', '.join(map(str, a.seeds))}; "
            f"nothing else changes. Runs are stored in study `{ablation_study_name(f.study_name)}`.",
            "",
        ]
        if a.missing:
            lines += [f"Missing runs (failed or not run): {', '.join(f'{arm} seed {s}' for arm, s in a.missing)}.", ""]
        lines += _comparison_table(a) + [""]
        lines += _image(f, "learning_curves", "Ablation learning curves")
        lines += _image(f, "arm_distributions", "Ablation test metrics per arm")
    lines += ["## Loss contributions", ""]
    if f.contributions.empty:
        lines += ["No trial reports `norm_weighted_*`.", ""]
    else:
        lines += ["Mean share of each weighted term λ·L in the total loss at the last epoch:", "",
                  "| trials | point | dist | graph |", "|---|---|---|---|"]
        for label, on_side in (("λ_graph > 0", True), ("λ_graph = 0", False)):
            rows = f.contributions[f.contributions["lambda_on"] == on_side]
            if len(rows):
                lines.append(f"| {label} ({len(rows)}) | " + " | ".join(_num(rows[p].mean()) for p in ("point", "dist", "graph")) + " |")
        lines += [""] + _image(f, "contributions", "Loss contributions")
    lines += [
        "## Method",
        "",
        "- Finished trials are complete ones and pruned ones; a pruned trial is valued at its last reported "
        "objective (what the scheduler judged it on), so early stopping does not leave only its survivors.",
        "- Importance: Optuna's PED-ANOVA and fANOVA on a flat copy of the finished trials in which "
        "λ_graph takes its effective value (0 when off, placed a decade below its search range), a switch "
        "equivalent to λ_graph > 0 is folded into λ_graph, and inactive parameters get an \"inactive\" level; "
        "intervals are 2.5/97.5 percentiles over bootstrap resamples of the trials.",
        f"- Ablation statistics: t-distribution 95% intervals, Welch's t-test, two-sided Mann-Whitney U, "
        f"Hedges' g; a run learned when its test Pearson > {f.threshold:g} (a correlation left undefined by "
        f"constant predictions counts as 0). Verdicts need p < {ALPHA} and non-overlapping intervals.",
        "",
    ]
    return "\n".join(lines)


def dashboard_note(markdown: str, out_dir: Path) -> str:
    """The report as a dashboard note: images are local files, so they are listed, not shown."""
    kept = [line for line in markdown.splitlines() if not line.startswith("![")]
    return "\n".join(kept) + f"\n\nPlots: `{out_dir}`\n"


def contribution_shares(trials: Sequence[FrozenTrial], maximize: bool) -> pd.DataFrame:
    """Shares of point/dist/graph in the weighted loss per trial, sorted worst to best.

    ``norm_weighted_k = λ_k L_k / total`` (the loss contract); the shares are rescaled to sum
    to 1 per trial. Trials without these metrics are left out.
    """
    rows = {}
    for t in sorted(trials, key=lambda t: t.value, reverse=not maximize):
        vals = [t.user_attrs.get(f"norm_weighted_{p}") for p in ("point", "dist", "graph")]
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals) or sum(vals) <= 0:
            continue
        total = sum(vals)
        rows[t.number] = {"point": vals[0] / total, "dist": vals[1] / total, "graph": vals[2] / total,
                          "lambda_on": effective_lambda_graph(t) > 0}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["point", "dist", "graph", "lambda_on"])

