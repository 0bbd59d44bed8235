"""The loss components against independent float64 numpy/scipy computations, gradcheck, the
buffer's bookkeeping, the composite's parts, and the ValueErrors for bad input."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.stats
import torch

from graphreg.losses import (
    BufferedDistributionLoss,
    GatheredDistributionLoss,
    KDEDistLoss,
    LogCoshLoss,
    MSELoss,
    PointDistGraphReg,
    WassersteinLoss,
)

# ---------------------------------------------------------------- numpy float64 references


def ref_logcosh(x: np.ndarray) -> np.ndarray:
    """log cosh x = log((e^x + e^-x) / 2), via numpy's overflow-safe logaddexp."""
    return np.logaddexp(x, -x) - math.log(2.0)


def ref_kde_pseudo_labels(y: np.ndarray, h: float, grid_size: int, num: int) -> np.ndarray:
    """The issue's definition, step by step, with scipy's cumulative trapezoid and np.interp."""
    grid = np.linspace(y.min() - 3 * h, y.max() + 3 * h, grid_size)
    density = np.exp(-0.5 * ((grid[:, None] - y[None, :]) / h) ** 2).mean(axis=1)
    cdf = scipy.integrate.cumulative_trapezoid(density, grid, initial=0.0)
    cdf /= cdf[-1]
    levels = (np.arange(1, num + 1) - 0.5) / num
    return np.interp(levels, cdf, grid)


def ref_kde_loss(pred: np.ndarray, y: np.ndarray, h: float, grid_size: int = 64) -> float:
    return float(np.mean((np.sort(pred) - ref_kde_pseudo_labels(y, h, grid_size, pred.size)) ** 2))


def ref_wasserstein(u: np.ndarray, v: np.ndarray, p: float) -> float:
    """W_p of two empirical distributions: repeating every u sample len(v) times and every v
    sample len(u) times gives two equally large samples of the same distributions, whose optimal
    coupling matches sorted values."""
    a = np.sort(np.repeat(u, v.size))
    b = np.sort(np.repeat(v, u.size))
    return float(np.mean(np.abs(a - b) ** p) ** (1.0 / p))


def t64(x: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# ---------------------------------------------------------------- point losses


def test_logcosh_matches_reference_up_to_large_errors_in_float32() -> None:
    errors = torch.tensor([-1e4, -3e3, -100.0, -89.5, -3.0, -1.0, -1e-3, 0.0, 1e-6, 2e-4, 0.5, 0.999, 20.0, 95.0, 1e4])
    with mpmath.workdps(50):  # 50-digit reference
        exact = [float(mpmath.log(mpmath.cosh(mpmath.mpf(float(e))))) for e in errors]
    for e, expected in zip(errors, exact):  # each sample alone is the mean of one
        pred = e.reshape(1).clone().requires_grad_()
        loss = LogCoshLoss()(pred, torch.zeros(1))
        loss.backward()
        assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()
        np.testing.assert_allclose(loss.item(), expected, rtol=2e-7, atol=1e-30)
        np.testing.assert_allclose(pred.grad.item(), math.tanh(float(e)), rtol=3e-7, atol=1e-30)
    # The mean over samples, and its gradient tanh(x) / B.
    pred = errors.clone().requires_grad_()
    loss = LogCoshLoss()(pred, torch.zeros_like(errors))
    loss.backward()
    np.testing.assert_allclose(loss.item(), np.mean(exact), rtol=1e-6)
    np.testing.assert_allclose(pred.grad.numpy(), np.tanh(errors.double().numpy()) / errors.numel(), rtol=1e-6, atol=1e-12)


def test_point_losses_match_numpy(rng: np.random.Generator) -> None:
    pred, target = rng.normal(size=50), rng.normal(size=50) * 3
    np.testing.assert_allclose(LogCoshLoss()(t64(pred), t64(target)).item(), ref_logcosh(pred - target).mean(), rtol=1e-12)
    np.testing.assert_allclose(MSELoss()(t64(pred), t64(target)).item(), np.mean((pred - target) ** 2), rtol=1e-12)
    # (B, 1) and (B,) are the same samples.
    np.testing.assert_allclose(MSELoss()(t64(pred)[:, None], t64(target)).item(), np.mean((pred - target) ** 2), rtol=1e-12)


# ---------------------------------------------------------------- KDE distribution loss


@pytest.mark.parametrize(
    "targets",
    [
        lambda rng: rng.normal(size=200),
        lambda rng: rng.exponential(size=123) * 4.0,
        # two far clusters: the density underflows to exactly 0 between them, the CDF is flat there
        lambda rng: np.concatenate([rng.normal(0, 0.1, 60), rng.normal(100, 0.1, 40)]),
    ],
    ids=["normal", "skewed", "far-clusters"],
)
@pytest.mark.parametrize("num", [7, 100, 257])
def test_kde_pseudo_labels_match_reference(targets, num: int, rng: np.random.Generator) -> None:
    y = targets(rng)
    loss = KDEDistLoss(bandwidth=0.5, grid_size=64)
    got = loss.pseudo_labels(t64(y), num).numpy()
    np.testing.assert_allclose(got, ref_kde_pseudo_labels(y, 0.5, 64, num), rtol=1e-10, atol=1e-10)
    assert np.all(np.diff(got) >= 0)


def test_kde_loss_matches_reference_for_equal_and_unequal_sizes(rng: np.random.Generator) -> None:
    y = rng.gamma(2.0, size=300)
    for n, h, grid in [(300, 0.5, 64), (77, 0.2, 128), (500, 1.5, 16)]:
        pred = rng.normal(size=n) * 2
        got = KDEDistLoss(bandwidth=h, grid_size=grid)(t64(pred), t64(y)).item()
        np.testing.assert_allclose(got, ref_kde_loss(pred, y, h, grid), rtol=1e-10)


def test_kde_loss_in_float32_is_close_to_float64(rng: np.random.Generator) -> None:
    pred, y = rng.normal(size=1000), rng.normal(size=1000) * 2 + 1
    got = KDEDistLoss()(torch.tensor(pred, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)).item()
    np.testing.assert_allclose(got, ref_kde_loss(pred, y, 0.5), rtol=1e-4)


# ---------------------------------------------------------------- Wasserstein


@pytest.mark.parametrize("sizes", [(64, 64), (37, 101), (1, 9), (250, 17)])
def test_wasserstein_p1_equals_scipy(sizes: tuple[int, int], rng: np.random.Generator) -> None:
    u, v = rng.normal(size=sizes[0]), rng.standard_t(3, size=sizes[1]) + 0.5
    got = WassersteinLoss(p=1)(t64(u), t64(v)).item()
    assert abs(got - scipy.stats.wasserstein_distance(u, v)) < 1e-6


@pytest.mark.parametrize("p", [2, 1.5, 3])
@pytest.mark.parametrize("sizes", [(40, 40), (37, 23), (5, 64)])
def test_wasserstein_p_matches_reference(p: float, sizes: tuple[int, int], rng: np.random.Generator) -> None:
    u, v = rng.normal(size=sizes[0]), rng.exponential(size=sizes[1])
    got = WassersteinLoss(p=p)(t64(u), t64(v)).item()
    np.testing.assert_allclose(got, ref_wasserstein(u, v, p), rtol=1e-10)
    if sizes[0] == sizes[1]:  # equal sizes: sorted matching
        np.testing.assert_allclose(got, np.mean(np.abs(np.sort(u) - np.sort(v)) ** p) ** (1 / p), rtol=1e-10)


@pytest.mark.parametrize("p", [1, 2, 1.5])
def test_wasserstein_gradient_is_finite_at_zero_distance(p: float, rng: np.random.Generator) -> None:
    y = rng.normal(size=30)
    pred = t64(rng.permutation(y), grad=True)  # same distribution, different order: W_p = 0
    loss = WassersteinLoss(p=p)(pred, t64(y))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(pred.grad).all() and (pred.grad == 0).all()


# ---------------------------------------------------------------- gradcheck


def _pair(rng: np.random.Generator, n: int, m: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    return t64(rng.normal(size=n), grad=True), t64(rng.normal(size=m or n) * 1.5)


@pytest.mark.parametrize(
    "make, m",
    [
        (LogCoshLoss, None),
        (MSELoss, None),
        (lambda: KDEDistLoss(bandwidth=0.3), 40),
        (lambda: WassersteinLoss(p=1), 17),
        (lambda: WassersteinLoss(p=2), 17),
        (lambda: WassersteinLoss(p=2), None),
        (lambda: GatheredDistributionLoss(WassersteinLoss(p=2), min_samples=4), None),
    ],
    ids=["logcosh", "mse", "kde", "wasserstein1", "wasserstein2-unequal", "wasserstein2", "gathered"],
)
def test_gradcheck_components(make, m, rng: np.random.Generator) -> None:
    pred, target = _pair(rng, 25, m)
    assert torch.autograd.gradcheck(lambda x: make()(x, target), (pred,))


@pytest.mark.parametrize("base", [lambda: KDEDistLoss(0.4), lambda: WassersteinLoss(2)], ids=["kde", "wasserstein"])
def test_gradcheck_buffered_with_history(base, rng: np.random.Generator) -> None:
    loss = BufferedDistributionLoss(base(), buffer_size=30, alpha=0.3).double()
    loss(t64(rng.normal(size=20)), t64(rng.normal(size=20)))  # fill part of the buffer
    loss.eval()  # keep the buffer fixed while gradcheck calls the loss many times
    pred, target = _pair(rng, 12)
    assert torch.autograd.gradcheck(lambda x: loss(x, target), (pred,))


@pytest.mark.parametrize("dist", [None, "dist", "wasserstein"])
def test_gradcheck_composite(dist: str | None, rng: np.random.Generator) -> None:
    loss = PointDistGraphReg(lambda_point=0.7, lambda_dist=0.4, lambda_graph=2.0, dist=dist,
                             min_samples_for_dist=1, min_samples_for_wasserstein=1)
    pred, target = _pair(rng, 20)
    graph_reg = t64(np.array(0.8), grad=True)
    assert torch.autograd.gradcheck(lambda x, g: loss(x, target, g)[0], (pred, graph_reg))


# ---------------------------------------------------------------- buffer


def test_buffer_is_fifo_and_wraps_around() -> None:
    loss = BufferedDistributionLoss(WassersteinLoss(1), buffer_size=5)
    seen: list[float] = []
    for start, n in [(0, 2), (2, 2), (4, 3), (7, 1), (8, 9), (17, 4)]:  # 9 > buffer_size
        values = torch.arange(start, start + n, dtype=torch.float32)
        loss(values, -values)
        seen += values.tolist()
        pred, target = loss.buffer_contents()
        assert pred.tolist() == seen[-5:]
        assert target.tolist() == [-v for v in seen[-5:]]


def test_eval_mode_leaves_buffer_alone() -> None:
    loss = BufferedDistributionLoss(WassersteinLoss(1), buffer_size=4)
    loss(torch.ones(3), torch.zeros(3))
    loss.eval()
    loss(torch.full((3,), 7.0), torch.zeros(3))
    assert loss.buffer_contents()[0].tolist() == [1.0, 1.0, 1.0]


def test_alpha_mixing_against_reference(rng: np.random.Generator) -> None:
    alpha, p, size = 0.3, 2, 50
    loss = BufferedDistributionLoss(WassersteinLoss(p), buffer_size=size, alpha=alpha).double()
    seen_p, seen_t = np.empty(0), np.empty(0)
    for n in [20, 20, 20, 20]:  # the buffer fills (60 > 50) and wraps
        pred, target = rng.normal(size=n), rng.normal(size=n) * 2
        got = loss(t64(pred), t64(target)).item()
        union_p, union_t = np.concatenate([pred, seen_p[-size:]]), np.concatenate([target, seen_t[-size:]])
        expected = alpha * ref_wasserstein(pred, target, p) + (1 - alpha) * ref_wasserstein(union_p, union_t, p)
        np.testing.assert_allclose(got, expected, rtol=1e-10)
        seen_p, seen_t = np.concatenate([seen_p, pred]), np.concatenate([seen_t, target])


def test_thresholds_drop_terms_and_renormalize(rng: np.random.Generator) -> None:
    loss = BufferedDistributionLoss(WassersteinLoss(1), buffer_size=100, alpha=0.25, min_samples=30).double()
    a_p, a_t = rng.normal(size=20), rng.normal(size=20)
    # 20 < 30 and the buffer is empty: neither term is eligible.
    out = loss(t64(a_p, grad=True), t64(a_t))
    assert not loss.active and out.item() == 0.0
    out.backward()  # the inactive zero is still connected to pred
    # 20 < 30 but 20 + 20 buffered >= 30: only the union term, with weight 1.
    b_p, b_t = rng.normal(size=20), rng.normal(size=20)
    got = loss(t64(b_p), t64(b_t)).item()
    assert loss.active
    expected = scipy.stats.wasserstein_distance(np.concatenate([b_p, a_p]), np.concatenate([b_t, a_t]))
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # 35 >= 30: both terms with α and 1 − α.
    c_p, c_t = rng.normal(size=35), rng.normal(size=35)
    got = loss(t64(c_p), t64(c_t)).item()
    expected = 0.25 * scipy.stats.wasserstein_distance(c_p, c_t) + 0.75 * scipy.stats.wasserstein_distance(
        np.concatenate([c_p, a_p, b_p]), np.concatenate([c_t, a_t, b_t]))
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_current_batch_sends_gradient_through_both_terms(rng: np.random.Generator) -> None:
    """α = 0 keeps only the union term; the batch's gradient must still be nonzero."""
    loss = BufferedDistributionLoss(WassersteinLoss(2), buffer_size=40, alpha=0.0).double()
    loss(t64(rng.normal(size=40)), t64(rng.normal(size=40)))
    pred = t64(rng.normal(size=10) + 3, grad=True)
    loss(pred, t64(rng.normal(size=10))).backward()
    assert pred.grad.abs().sum() > 0


def test_state_dict_round_trip_restores_buffer(rng: np.random.Generator) -> None:
    make = lambda: PointDistGraphReg(dist="wasserstein", buffered=True, buffer_size=16, min_samples_for_wasserstein=1)
    first = make()
    for _ in range(3):
        first(torch.randn(7), torch.randn(7))
    second = make()
    second.load_state_dict(first.state_dict())
    for a, b in zip(first.dist_loss.buffer_contents(), second.dist_loss.buffer_contents()):
        assert torch.equal(a, b) and a.numel() == 16
    pred, target = torch.randn(7), torch.randn(7)
    assert first(pred, target)[0].item() == second(pred, target)[0].item()
    assert all(torch.equal(a, b) for a, b in zip(first.dist_loss.buffer_contents(), second.dist_loss.buffer_contents()))


# ---------------------------------------------------------------- composite


@pytest.mark.parametrize(
    "kwargs, dist_ref",
    [
        (dict(point="logcosh", dist="wasserstein", wasserstein_p=2), lambda p, y: ref_wasserstein(p, y, 2)),
        (dict(point="mse", dist="dist", bandwidth=0.7), lambda p, y: ref_kde_loss(p, y, 0.7)),
        (dict(point="mse", dist="wasserstein", wasserstein_p=1), lambda p, y: scipy.stats.wasserstein_distance(p, y)),
    ],
    ids=["logcosh-w2", "mse-kde", "mse-w1"],
)
def test_composite_total_and_parts_against_reference(kwargs, dist_ref, rng: np.random.Generator) -> None:
    lambdas = {"point": 0.8, "dist": 0.3, "graph": 2.5}
    loss = PointDistGraphReg(lambda_point=lambdas["point"], lambda_dist=lambdas["dist"], lambda_graph=lambdas["graph"],
                             min_samples_for_dist=64, min_samples_for_wasserstein=64, **kwargs)
    pred, target, graph = rng.normal(size=(100, 1)), rng.normal(size=100) * 2, 0.37
    total, parts = loss(t64(pred), t64(target), t64(np.array(graph)))
    point = ref_logcosh(pred[:, 0] - target).mean() if kwargs["point"] == "logcosh" else np.mean((pred[:, 0] - target) ** 2)
    raw = {"point": point, "dist": dist_ref(pred[:, 0], target), "graph": graph}
    weighted = {k: lambdas[k] * raw[k] for k in raw}
    np.testing.assert_allclose(total.item(), sum(weighted.values()), rtol=1e-10)
    for k in raw:
        np.testing.assert_allclose(parts[k], raw[k], rtol=1e-10)
        np.testing.assert_allclose(parts[f"weighted_{k}"], weighted[k], rtol=1e-10)
        np.testing.assert_allclose(parts[f"norm_weighted_{k}"], weighted[k] / sum(weighted.values()), rtol=1e-10)
        np.testing.assert_allclose(parts[f"norm_unweighted_{k}"], raw[k] / sum(raw.values()), rtol=1e-10)
    for kind in ("norm_weighted", "norm_unweighted"):
        assert math.isclose(sum(parts[f"{kind}_{k}"] for k in raw), 1.0, rel_tol=1e-12)
    assert all(type(v) is float for v in parts.values())
    assert set(parts) == {f"{pre}{k}" for k in raw for pre in ("", "weighted_", "norm_weighted_", "norm_unweighted_")}


def test_composite_inactive_terms_count_zero(rng: np.random.Generator) -> None:
    # dist below its threshold (50 < 64) and no graph term: only the point term remains.
    loss = PointDistGraphReg(lambda_point=2.0, dist="dist")
    pred, target = rng.normal(size=50), rng.normal(size=50)
    total, parts = loss(t64(pred), t64(target))
    np.testing.assert_allclose(total.item(), 2.0 * ref_logcosh(pred - target).mean(), rtol=1e-12)
    assert parts["dist"] == parts["graph"] == parts["norm_weighted_dist"] == parts["norm_unweighted_graph"] == 0.0
    assert parts["norm_weighted_point"] == parts["norm_unweighted_point"] == 1.0
    # All weights zero: the total is 0 and every normalized share is 0, not NaN.
    total, parts = PointDistGraphReg(lambda_point=0.0)(t64(pred), t64(target))
    assert total.item() == 0.0 and parts["norm_weighted_point"] == 0.0 and parts["norm_unweighted_point"] == 1.0


def test_composite_applies_each_lambda_once(rng: np.random.Generator) -> None:
    pred, target = t64(rng.normal(size=30)), t64(rng.normal(size=30))
    graph = t64(np.array(1.0), grad=True)
    total, _ = PointDistGraphReg(lambda_point=0.0, lambda_graph=3.0)(pred, target, graph)
    total.backward()
    assert graph.grad.item() == 3.0


def test_unbuffered_composite_keeps_no_history(rng: np.random.Generator) -> None:
    loss = PointDistGraphReg(dist="wasserstein", lambda_point=0.0, lambda_dist=1.0, min_samples_for_wasserstein=1)
    pred, target = rng.normal(size=40), rng.normal(size=40)
    loss(t64(rng.normal(size=40)), t64(rng.normal(size=40)))
    np.testing.assert_allclose(loss(t64(pred), t64(target))[0].item(), ref_wasserstein(pred, target, 2), rtol=1e-10)
    assert not loss.state_dict()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "pred_shape, target_shape, message",
    [((5,), (4,), "same number of samples"), ((5, 2), (5,), "pred must have shape"), ((5,), (5, 1, 1), "target must have shape"),
     ((), (1,), "pred must have shape"), ((0,), (0,), "pred is empty")],
)
def test_shape_mismatch_is_value_error(pred_shape, target_shape, message) -> None:
    for loss in (PointDistGraphReg(), LogCoshLoss(), BufferedDistributionLoss(KDEDistLoss())):
        with pytest.raises(ValueError, match=message):
            loss(torch.zeros(pred_shape), torch.zeros(target_shape))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_targets_are_value_error(bad: float) -> None:
    target = torch.tensor([0.0, bad, 1.0])
    for loss in (PointDistGraphReg(), WassersteinLoss(), KDEDistLoss()):
        with pytest.raises(ValueError, match="target contains NaN or Inf"):
            loss(torch.zeros(3), target)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(point="huber"), r"unknown point loss 'huber'; valid: 'logcosh', 'mse'"),
        (dict(dist="kl"), r"unknown dist loss 'kl'; valid: None, 'dist', 'wasserstein'"),
        (dict(alpha=1.5), "alpha must be a number in \\[0, 1\\]"),
        (dict(alpha=-0.1), "alpha must be"),
        (dict(buffer_size=0), "buffer_size must be an integer >= 1"),
        (dict(buffer_size=-3), "buffer_size"),
        (dict(bandwidth=0.0), "bandwidth must be a finite number > 0"),
        (dict(bandwidth=-1.0), "bandwidth"),
        (dict(wasserstein_p=0.5), "wasserstein p must be a finite number >= 1"),
        (dict(lambda_graph=-1.0), "lambda_graph must be a finite number >= 0"),
        (dict(lambda_dist=float("nan")), "lambda_dist"),
        (dict(min_samples_for_dist=-1), "min_samples must be an integer >= 0"),
        (dict(buffered="yes"), "buffered must be True or False"),
    ],
)
def test_bad_arguments_are_value_errors(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        PointDistGraphReg(**kwargs)


def test_bad_graph_reg_is_value_error() -> None:
    with pytest.raises(ValueError, match="graph_reg must be a tensor holding one value"):
        PointDistGraphReg()(torch.zeros(3), torch.zeros(3), torch.zeros(2))
