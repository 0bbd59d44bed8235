"""PNG plots of the analysis (matplotlib, Agg backend: no display or browser needed).

Each function draws one figure, writes it to ``path`` and returns the path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.ticker import MaxNLocator  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from graphreg.analysis.importance import EVALUATOR_NAMES, LAMBDA_GRAPH  # noqa: E402

_ARM_COLORS = {"graph": "tab:blue", "no_graph": "tab:orange"}
_ARM_LABELS = {"graph": "with λ_graph", "no_graph": "λ_graph = 0"}
_PARTS = ("point", "dist", "graph")
_PART_COLORS = {"point": "tab:gray", "dist": "tab:green", "graph": "tab:blue"}
_DPI = 120


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.savefig(path, dpi=_DPI)
    plt.close(fig)
    return path


def plot_importance(table: pd.DataFrame, path: Path) -> Path:
    """Importance per parameter with its bootstrap interval, one panel per evaluator.

    λ_graph is drawn in a distinct color so its rank stands out.
    """
    evaluators = list(dict.fromkeys(table["evaluator"]))
    n_params = table["param"].nunique()
    fig, axes = plt.subplots(1, len(evaluators), figsize=(5.5 * len(evaluators), 0.45 * n_params + 1.5),
                             squeeze=False, layout="constrained")
    for ax, kind in zip(axes[0], evaluators):
        rows = table[table["evaluator"] == kind].sort_values("importance")
        y = np.arange(len(rows))
        colors = ["tab:red" if p == LAMBDA_GRAPH else "tab:gray" for p in rows["param"]]
        ax.barh(y, rows["importance"], color=colors)
        # The interval is drawn as a line of its own, not as error arms around the bar: a
        # percentile bootstrap interval need not contain a (biased) point estimate.
        ax.hlines(y, rows["low"], rows["high"], color="black")
        ax.scatter(rows["low"], y, marker="|", s=80, color="black")
        ax.scatter(rows["high"], y, marker="|", s=80, color="black")
        ax.set_yticks(y, rows["param"])
        ax.set_xlabel("importance (normalized); line: 95% bootstrap interval")
        ax.set_title(EVALUATOR_NAMES.get(kind, kind))
    return _save(fig, path)


def plot_lambda_slice(
    lam: np.ndarray, value: np.ndarray, pruned: np.ndarray, objective: str, path: Path
) -> Path:
    """Objective against λ_graph: λ_graph = 0 in its own strip, λ_graph > 0 on a log axis.

    Pruned trials (valued at the epoch they were stopped) are drawn hollow.
    """
    lam, value = np.asarray(lam, dtype=float), np.asarray(value, dtype=float)
    pruned = np.asarray(pruned, dtype=bool)
    off, on = lam == 0, lam > 0
    fig, (ax0, ax1) = plt.subplots(1, 2, sharey=True, figsize=(7.5, 4),
                                   gridspec_kw={"width_ratios": [1, 5]}, layout="constrained")
    x_off = np.random.default_rng(0).uniform(-0.25, 0.25, len(lam))
    for ax, side, x, color in ((ax0, off, x_off, "tab:orange"), (ax1, on, lam, "tab:blue")):
        for is_pruned, label in ((False, "complete"), (True, "pruned")):
            m = side & (pruned == is_pruned)
            ax.scatter(x[m], value[m], alpha=0.8, label=label if ax is ax1 else None,
                       facecolors="none" if is_pruned else color, edgecolors=color)
    ax0.set_xlim(-0.6, 0.6)
    ax0.set_xticks([0], ["0 (off)"])
    ax0.set_xlabel(f"n = {int(off.sum())}")
    ax0.set_ylabel(objective)
    if on.any():
        ax1.set_xscale("log")
        ax1.legend(loc="best", fontsize="small")
    ax1.set_xlabel(f"λ_graph (log axis; n = {int(on.sum())})")
    fig.suptitle(f"{objective} against λ_graph over finished trials")
    return _save(fig, path)


def plot_learning_curves(curves: Mapping[str, Sequence[Mapping[int, float]]], metric: str, path: Path) -> Path:
    """Per-epoch objective of every ablation run (thin) and each arm's mean (thick)."""
    fig, ax = plt.subplots(figsize=(6.5, 4), layout="constrained")
    for arm, runs in curves.items():
        color = _ARM_COLORS.get(arm)
        steps = sorted({s for run in runs for s in run})
        for run in runs:
            xs = sorted(run)
            ax.plot(xs, [run[s] for s in xs], color=color, alpha=0.3, linewidth=1)
        mean = [np.mean([run[s] for run in runs if s in run]) for s in steps]
        ax.plot(steps, mean, color=color, linewidth=2.5, label=f"{_ARM_LABELS.get(arm, arm)} (mean of {len(runs)})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    ax.set_title("Ablation learning curves")
    return _save(fig, path)


def plot_arm_distributions(table: pd.DataFrame, metrics: Sequence[str], threshold: float, path: Path) -> Path:
    """Box and points per arm for each test metric; the "learned" threshold on the first one."""
    arms = [a for a in _ARM_COLORS if a in set(table["arm"])]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 4), squeeze=False, layout="constrained")
    rng = np.random.default_rng(0)
    for i, (ax, metric) in enumerate(zip(axes[0], metrics)):
        data = [table.loc[table["arm"] == a, metric].dropna().to_numpy() for a in arms]
        ax.boxplot(data, widths=0.5, showfliers=False)
        for j, (arm, values) in enumerate(zip(arms, data), start=1):
            ax.scatter(j + rng.uniform(-0.12, 0.12, len(values)), values, color=_ARM_COLORS[arm], zorder=3)
        ax.set_xticks(range(1, len(arms) + 1), [_ARM_LABELS[a] for a in arms])
        if i == 0:
            ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"learned > {threshold:g}")
            ax.legend(loc="best", fontsize="small")
        ax.set_title(metric)
    fig.suptitle("Ablation: test metrics per arm")
    return _save(fig, path)


def plot_contributions(shares: pd.DataFrame, path: Path) -> Path:
    """Stacked shares of λ·L for point/dist/graph per trial (columns ``point, dist, graph``).

    Rows are trials in the order given (the caller sorts them, e.g. by objective).
    """
    fig, ax = plt.subplots(figsize=(max(6.0, 0.18 * len(shares) + 2), 4), layout="constrained")
    x = np.arange(len(shares))
    bottom = np.zeros(len(shares))
    for part in _PARTS:
        ax.bar(x, shares[part], bottom=bottom, color=_PART_COLORS[part], label=part, width=0.9)
        bottom += shares[part].to_numpy()
    ax.set_xticks(x, [str(i) for i in shares.index], rotation=90, fontsize="x-small")
    ax.set_xlabel("trial (sorted by objective, best on the right)")
    ax.set_ylabel("share of the weighted loss λ·L")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Normalized contributions of the loss terms (last epoch)")
    return _save(fig, path)
