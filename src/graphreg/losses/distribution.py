"""Distribution losses: how far the distribution of predictions is from that of the targets.

Both compare two samples as sets (the order of samples does not matter) and both run on the
samples they are given; :class:`~graphreg.losses.BufferedDistributionLoss` and
:class:`~graphreg.losses.PointDistGraphReg` are the ones that gather samples across DDP ranks.
"""

from __future__ import annotations

import torch
from torch import Tensor

from graphreg.losses._checks import PairLoss, check_positive

_KDE_BLOCK = 4096  # targets per block of the KDE's kernel matrix: 64 x 4096 floats = 1 MiB


class KDEDistLoss(PairLoss):
    """Squared distance of the sorted predictions to quantiles of a kernel density of the targets.

    With ``h = bandwidth`` (in target units) and B predictions:

    1. a grid of ``grid_size`` evenly spaced points g on [min(y) − 3h, max(y) + 3h];
    2. the Gaussian KDE of the targets on it, f(g) = mean_i exp(−((g − y_i)/h)² / 2);
    3. its CDF by the cumulative trapezoid rule, divided by its last value so it runs 0 → 1;
    4. pseudo-labels q_k = CDF⁻¹((k − 0.5)/B), k = 1..B, interpolating linearly between grid points;
    5. loss = mean_k (sort(ŷ)_k − q_k)².

    The pseudo-labels are a function of the targets only and carry no gradient. Cost is
    O(grid_size · n_targets) for the density plus O(B log B) for the sort.
    """

    paired = False

    def __init__(self, bandwidth: float = 0.5, grid_size: int = 64) -> None:
        super().__init__()
        check_positive("bandwidth", bandwidth)
        if not isinstance(grid_size, int) or isinstance(grid_size, bool) or grid_size < 2:
            raise ValueError(f"grid_size must be an integer >= 2, got {grid_size!r}")
        self.bandwidth = float(bandwidth)
        self.grid_size = grid_size

    def extra_repr(self) -> str:
        return f"bandwidth={self.bandwidth}, grid_size={self.grid_size}"

    @torch.no_grad()
    def pseudo_labels(self, target: Tensor, num: int) -> Tensor:
        """The ``num`` pseudo-labels q_1..q_num (ascending) of steps 1-4 for 1-D ``target``."""
        h = self.bandwidth
        lo, hi = target.min() - 3.0 * h, target.max() + 3.0 * h
        grid = lo + (hi - lo) * torch.linspace(0.0, 1.0, self.grid_size, dtype=target.dtype, device=target.device)
        # The (grid_size, n_targets) kernel matrix, in blocks of _KDE_BLOCK targets that stay in
        # cache, each transformed in place (a loop over a few blocks, never over samples).
        scaled_grid, scaled_target = (grid / h)[:, None], target / h
        density = sum(
            torch.sub(scaled_grid, block[None, :]).square_().mul_(-0.5).exp_().sum(dim=1)
            for block in scaled_target.split(_KDE_BLOCK)
        ) / target.numel()
        steps = 0.5 * (density[1:] + density[:-1]) * (grid[1:] - grid[:-1])
        cdf = torch.cat([steps.new_zeros(1), steps.cumsum(0)])
        cdf = cdf / cdf[-1]
        levels = (torch.arange(1, num + 1, dtype=target.dtype, device=target.device) - 0.5) / num
        # right=True picks the segment with cdf[j-1] <= level < cdf[j]: never a flat one, so the
        # interpolation never divides by zero where the density underflows between far clusters.
        j = torch.searchsorted(cdf, levels, right=True).clamp_(1, self.grid_size - 1)
        c0, c1, g0, g1 = cdf[j - 1], cdf[j], grid[j - 1], grid[j]
        return g0 + (levels - c0) / (c1 - c0) * (g1 - g0)

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        q = self.pseudo_labels(target, pred.numel())
        return (pred.sort().values - q).square().mean()


class WassersteinLoss(PairLoss):
    """The exact 1-D p-Wasserstein distance W_p (not W_p^p) between predictions and targets.

    W_p^p = ∫₀¹ |F⁻¹(u) − G⁻¹(u)|^p du for the empirical quantile functions F⁻¹ (n predictions)
    and G⁻¹ (m targets). Both are step functions that jump only at u = i/n and u = j/m, so the
    integral is an exact finite sum over the merged breakpoints; for n = m it reduces to matching
    sorted values. Cost O((n + m) log(n + m)).

    The gradient is finite everywhere: where W_p = 0 it is 0 (the root is taken in a form that
    never differentiates s^(1/p) at s = 0).
    """

    paired = False

    def __init__(self, p: float = 2) -> None:
        super().__init__()
        if not (isinstance(p, (int, float)) and not isinstance(p, bool) and 1 <= p < float("inf")):
            raise ValueError(f"wasserstein p must be a finite number >= 1, got {p!r}")
        self.p = float(p)

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def compute(self, pred: Tensor, target: Tensor) -> Tensor:
        n, m = pred.numel(), target.numel()
        x, y = pred.sort().values, target.sort().values
        if n == m:  # the common case (paired samples): every breakpoint is shared, widths are 1/n
            return _safe_root(_power(x - y, self.p).mean(), self.p)
        # Breakpoints u = t / (n·m) with integer t, so the interval bookkeeping is exact.
        ticks = torch.cat([
            torch.arange(1, n + 1, device=pred.device) * m,
            torch.arange(1, m + 1, device=pred.device) * n,
        ]).sort().values
        widths = torch.diff(ticks, prepend=ticks.new_zeros(1)).to(pred.dtype) / (n * m)
        # On (t_{k-1}, t_k] the quantile functions take the value at t_k: F⁻¹(u) = x[ceil(u·n) − 1].
        ix = torch.div(ticks + (m - 1), m, rounding_mode="floor") - 1
        iy = torch.div(ticks + (n - 1), n, rounding_mode="floor") - 1
        return _safe_root((widths * _power(x[ix] - y[iy], self.p)).sum(), self.p)


def _power(d: Tensor, p: float) -> Tensor:
    """|d|^p, with the exact cheap forms for p = 1 and p = 2."""
    if p == 2:
        return d.square()
    return d.abs() if p == 1 else d.abs().pow(p)


def _safe_root(s: Tensor, p: float) -> Tensor:
    """s^(1/p) for s >= 0 whose gradient at s = 0 is 0 instead of inf·0 = NaN."""
    if p == 1:
        return s
    positive = s > 0
    root = torch.where(positive, s, torch.ones_like(s)).pow(1.0 / p)
    return torch.where(positive, root, torch.zeros_like(s))
