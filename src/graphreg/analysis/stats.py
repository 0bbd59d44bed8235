"""Statistics for the ablation: per-arm summaries and a two-arm comparison.

The ablation runs the same configuration with and without graph regularization over a few
seeds, so each arm holds a handful of numbers (e.g. test Pearson per seed). With so few runs we
report intervals from the t distribution, both a parametric (Welch) and a rank-based
(Mann-Whitney) test, and an effect size with its small-sample correction (Hedges' g), so a
reader can see how much a verdict rests on distributional assumptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import math

import numpy as np
from scipy import stats as _scipy_stats

#: Confidence level of every interval in the analysis.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ArmSummary:
    """One arm's values: count, mean with its 95% t interval, SD and how many runs learned."""

    n: int
    mean: float
    low: float
    high: float
    sd: float
    n_learned: int


@dataclass(frozen=True)
class ArmComparison:
    """Arm ``a`` against arm ``b`` (differences are ``a - b``).

    ``welch_*`` is Welch's unequal-variance t-test, ``mannwhitney_*`` the two-sided
    Mann-Whitney U test (``mannwhitney_u`` is U of arm ``a``), ``hedges_g`` the standardized
    mean difference with the small-sample correction, and ``diff_low``/``diff_high`` the 95%
    Welch interval of the mean difference.
    """

    a: ArmSummary
    b: ArmSummary
    diff: float
    diff_low: float
    diff_high: float
    welch_t: float
    welch_df: float
    welch_p: float
    mannwhitney_u: float
    mannwhitney_p: float
    hedges_g: float
    threshold: float


def _as_sample(values: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} holds non-finite values")
    return x


def mean_ci(values: Sequence[float] | np.ndarray, level: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and its two-sided t interval ``(mean, low, high)``; the interval is NaN for n = 1."""
    x = _as_sample(values, "values")
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan
    half = _scipy_stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return mean, mean - float(half), mean + float(half)


def count_learned(values: Sequence[float] | np.ndarray, threshold: float) -> int:
    """How many runs learned at all: values strictly above ``threshold`` (e.g. test Pearson)."""
    return int(np.sum(_as_sample(values, "values") > threshold))


def summarize_arm(values: Sequence[float] | np.ndarray, threshold: float) -> ArmSummary:
    """Summary of one arm's values (see :class:`ArmSummary`)."""
    x = _as_sample(values, "values")
    mean, low, high = mean_ci(x)
    sd = float(x.std(ddof=1)) if x.size > 1 else math.nan
    return ArmSummary(int(x.size), mean, low, high, sd, count_learned(x, threshold))


def hedges_g(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Hedges' g of ``a - b``: Cohen's d with pooled SD times ``1 - 3 / (4 (n_a + n_b) - 9)``.

    Infinite (signed) when both arms are constant but differ, 0 when they are identical.
    """
    x, y = _as_sample(a, "a"), _as_sample(b, "b")
    if x.size < 2 or y.size < 2:
        raise ValueError("Hedges' g needs at least 2 values per arm")
    df = x.size + y.size - 2
    pooled = math.sqrt(((x.size - 1) * x.var(ddof=1) + (y.size - 1) * y.var(ddof=1)) / df)
    diff = float(x.mean() - y.mean())
    if pooled == 0.0:
        return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return diff / pooled * (1.0 - 3.0 / (4.0 * df - 1.0))


def compare_arms(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, threshold: float
) -> ArmComparison:
    """Compare two arms' values (e.g. test Pearson with and without graph regularization).

    ``threshold`` is the "learned at all" cut for :func:`count_learned`. Each arm needs at
    least two values; a test whose statistic is undefined (both arms constant) gives NaN.
    """
    x, y = _as_sample(a, "arm a"), _as_sample(b, "arm b")
    if x.size < 2 or y.size < 2:
        raise ValueError(f"each arm needs at least 2 runs, got {x.size} and {y.size}")
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    diff = float(x.mean() - y.mean())
    if va + vb > 0.0:
        welch = _scipy_stats.ttest_ind(x, y, equal_var=False)
        welch_t, welch_p = float(welch.statistic), float(welch.pvalue)
        # Welch-Satterthwaite degrees of freedom.
        df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))
        half = float(_scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(va + vb)
    else:
        welch_t = welch_p = df = half = math.nan
    mw = _scipy_stats.mannwhitneyu(x, y, alternative="two-sided")
    return ArmComparison(
        a=summarize_arm(x, threshold),
        b=summarize_arm(y, threshold),
        diff=diff,
        diff_low=diff - half,
        diff_high=diff + half,
        welch_t=welch_t,
        welch_df=float(df),
        welch_p=welch_p,
        mannwhitney_u=float(mw.statistic),
        mannwhitney_p=float(mw.pvalue),
        hedges_g=hedges_g(x, y),
        threshold=float(threshold),
    )
