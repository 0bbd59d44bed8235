"""The ablation's statistics against scipy and textbook formulas on fixed numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from graphreg.analysis import compare_arms, count_learned, hedges_g, mean_ci, summarize_arm

WITH = [0.41, 0.44, 0.39, 0.43, 0.40]
WITHOUT = [0.02, -0.01, 0.05, 0.03, 0.00, 0.12]


def test_mean_ci_matches_scipy_t_interval():
    x = np.array(WITH)
    mean, low, high = mean_ci(x)
    ref = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert (low, high) == pytest.approx(ref, rel=1e-12)
    # Textbook: t_{0.975, 4} = 2.7764451...
    half = 2.7764451051977987 * x.std(ddof=1) / math.sqrt(5)
    assert high - mean == pytest.approx(half, rel=1e-9)


def test_mean_ci_of_one_value_has_no_interval():
    mean, low, high = mean_ci([0.3])
    assert mean == 0.3 and math.isnan(low) and math.isnan(high)


def test_compare_arms_matches_scipy_tests():
    c = compare_arms(WITH, WITHOUT, threshold=0.1)
    welch = stats.ttest_ind(WITH, WITHOUT, equal_var=False)
    mw = stats.mannwhitneyu(WITH, WITHOUT, alternative="two-sided")
    assert c.welch_t == pytest.approx(welch.statistic, rel=1e-12)
    assert c.welch_p == pytest.approx(welch.pvalue, rel=1e-12)
    assert c.welch_df == pytest.approx(welch.df, rel=1e-12)
    ci = welch.confidence_interval(0.95)
    assert (c.diff_low, c.diff_high) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert c.mannwhitney_u == mw.statistic == 30.0  # every "with" value beats every "without"
    assert c.mannwhitney_p == pytest.approx(mw.pvalue, rel=1e-12)
    assert c.diff == pytest.approx(np.mean(WITH) - np.mean(WITHOUT), rel=1e-12)
    assert (c.a.n, c.b.n) == (5, 6)
    assert (c.a.n_learned, c.b.n_learned) == (5, 1)  # 0.12 > 0.1 learned; the rest did not
    assert c.threshold == 0.1


def test_compare_arms_is_antisymmetric():
    ab = compare_arms(WITH, WITHOUT, threshold=0.1)
    ba = compare_arms(WITHOUT, WITH, threshold=0.1)
    assert ba.welch_t == pytest.approx(-ab.welch_t)
    assert ba.welch_p == pytest.approx(ab.welch_p)
    assert ba.hedges_g == pytest.approx(-ab.hedges_g)
    assert ba.mannwhitney_u == 0.0 and ba.mannwhitney_p == pytest.approx(ab.mannwhitney_p)


def test_mann_whitney_with_ties_matches_scipy():
    a, b = [1.0, 2.0, 2.0, 3.0], [2.0, 2.0, 0.5, 1.0, 1.0]
    c = compare_arms(a, b, threshold=1.5)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert c.mannwhitney_u == mw.statistic
    assert c.mannwhitney_p == pytest.approx(mw.pvalue, rel=1e-12)
    assert (c.a.n_learned, c.b.n_learned) == (3, 2)


def test_hedges_g_textbook_values():
    # d = (2 - 5) / 1 = -3 with pooled SD 1; J = 1 - 3 / (4 * 4 - 1) = 0.8.
    assert hedges_g([1, 2, 3], [4, 5, 6]) == pytest.approx(-2.4, rel=1e-12)
    # Unequal sizes and variances, against a float64 re-computation.
    a, b = np.array(WITH), np.array(WITHOUT)
    pooled = math.sqrt((4 * a.var(ddof=1) + 5 * b.var(ddof=1)) / 9)
    assert hedges_g(a, b) == pytest.approx((a.mean() - b.mean()) / pooled * (1 - 3 / (4 * 11 - 9)), rel=1e-12)


def test_constant_arms():
    same = compare_arms([0.2, 0.2], [0.2, 0.2], threshold=0.1)
    assert math.isnan(same.welch_p) and same.hedges_g == 0.0
    apart = compare_arms([0.5, 0.5], [0.1, 0.1], threshold=0.2)
    assert math.isnan(apart.welch_p) and apart.hedges_g == math.inf


def test_count_learned_is_strict():
    assert count_learned([0.1, 0.10001, -1.0, 0.5], 0.1) == 2
    s = summarize_arm([0.0, 0.2, 0.4], 0.1)
    assert (s.n, s.n_learned) == (3, 2)
    assert s.sd == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        ([0.1], [0.2, 0.3], "at least 2 runs"),
        ([], [0.2, 0.3], "empty"),
        ([0.1, float("nan")], [0.2, 0.3], "non-finite"),
    ],
)
def test_bad_samples_are_value_errors(a, b, message):
    with pytest.raises(ValueError, match=message):
        compare_arms(a, b, threshold=0.1)
