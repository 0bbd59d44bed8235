"""Forward+backward time of each loss component and of the composite, by batch size.

    python bench/loss.py [--sizes 256 1024 4096 16384] [--repeats 30] [--device cpu cuda] [--threads N]

Prints, per device, the median time of forward + backward for each component, the ratio of the
composite to a point-only composite, and a growth check: the time ratio between consecutive
batch sizes and the exponent k of a power-law fit, each next to the same figure for B log B (a
cost growing no worse than B log B has k at or below B log B's).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import torch

from graphreg.losses import BufferedDistributionLoss, KDEDistLoss, LogCoshLoss, MSELoss, PointDistGraphReg, WassersteinLoss

_ALWAYS = {"min_samples_for_dist": 1, "min_samples_for_wasserstein": 1}


def _losses() -> dict[str, Callable[[], Callable]]:
    """Name -> factory of a callable (pred, target, graph_reg) -> scalar loss."""

    def plain(make: Callable[[], torch.nn.Module]) -> Callable[[], Callable]:
        return lambda: (lambda loss: lambda p, y, g: loss(p, y))(make())

    def composite(**kwargs) -> Callable[[], Callable]:
        return lambda: (lambda loss: lambda p, y, g: loss(p, y, g)[0])(PointDistGraphReg(**kwargs, **_ALWAYS))

    return {
        "logcosh": plain(LogCoshLoss),
        "mse": plain(MSELoss),
        "kde": plain(KDEDistLoss),
        "wasserstein(p=2)": plain(WassersteinLoss),
        "buffered wasserstein": plain(lambda: BufferedDistributionLoss(WassersteinLoss(), buffer_size=256)),
        "buffered kde": plain(lambda: BufferedDistributionLoss(KDEDistLoss(), buffer_size=256)),
        "point-only composite": composite(dist=None),
        "composite kde": composite(dist="dist"),
        "composite wasserstein": composite(dist="wasserstein"),
        "composite buffered wass.": composite(dist="wasserstein", buffered=True),
    }


def _inputs(batch: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(batch)
    pred = torch.randn(batch, generator=gen).to(device).requires_grad_()
    target = torch.randn(batch, generator=gen).to(device)
    return pred, target, torch.tensor(0.5, device=device, requires_grad=True)


def _table(device: torch.device, sizes: list[int], repeats: int) -> dict[str, list[float]]:
    """Median seconds of forward + backward per (component, batch size).

    The repeats are interleaved over all cells, so a burst of load from other processes spreads
    over every cell instead of spoiling one.
    """
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    cells = {(name, b): (make(), _inputs(b, device)) for name, make in _losses().items() for b in sizes}
    times: dict[tuple[str, int], list[float]] = {key: [] for key in cells}
    for i in range(repeats + 3):  # the first rounds fill buffers and warm up allocators
        for key, (fn, (pred, target, graph_reg)) in cells.items():
            pred.grad = None
            sync()
            start = time.perf_counter()
            fn(pred, target, graph_reg).backward()
            sync()
            if i >= 3:
                times[key].append(time.perf_counter() - start)
    return {name: [statistics.median(times[name, b]) for b in sizes] for name in _losses()}


def _report(device: torch.device, sizes: list[int], repeats: int) -> None:
    table = _table(device, sizes, repeats)
    width = max(map(len, table)) + 2
    print(f"\n== {device.type} ({torch.get_num_threads()} threads) — median forward+backward, ms ==")
    print("component".ljust(width) + "".join(f"{'B=' + str(b):>12}" for b in sizes))
    for name, row in table.items():
        print(name.ljust(width) + "".join(f"{1e3 * t:>12.3f}" for t in row))
    point = table["point-only composite"]
    print("\ncomposite / point-only composite")
    for name in ("composite kde", "composite wasserstein", "composite buffered wass."):
        print(name.ljust(width) + "".join(f"{t / p:>12.2f}" for t, p in zip(table[name], point)))
    # Growth: time ratio per step between consecutive sizes, and the exponent k of a fit
    # time ∝ B^k over all sizes but the smallest (where per-call overhead dominates), both next
    # to the same figures for B log B itself.
    steps = list(zip(sizes, sizes[1:]))
    fit_sizes = sizes[1:] if len(sizes) > 2 else sizes
    bound_k = _exponent(fit_sizes, [b * math.log(b) for b in fit_sizes])
    print("\ngrowth: time ratio per step, and exponent k of time ∝ B^k fitted for B >= " + str(fit_sizes[0]))
    print("".ljust(width) + "".join(f"{f'{a}->{b}':>13}" for a, b in steps) + f"{'k':>8}")
    print("B log B".ljust(width) + "".join(f"{b * math.log(b) / (a * math.log(a)):>13.2f}" for a, b in steps)
          + f"{bound_k:>8.2f}")
    for name, row in table.items():
        k = _exponent(fit_sizes, row[len(sizes) - len(fit_sizes):])
        verdict = "ok" if k <= bound_k else "grows faster than B log B"
        print(name.ljust(width) + "".join(f"{b / a:>13.2f}" for a, b in zip(row, row[1:])) + f"{k:>8.2f}  {verdict}")


def _exponent(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(B)."""
    xs, ys = [math.log(b) for b in sizes], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024, 4096, 16384])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--device", nargs="+", default=["cpu", "cuda"], choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    for name in args.device:
        if name == "cuda" and not torch.cuda.is_available():
            print("\n== cuda: not available, skipped ==")
            continue
        _report(torch.device(name), sorted(args.sizes), args.repeats)


if __name__ == "__main__":
    main()
