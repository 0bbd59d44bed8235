"""Training throughput and the cost of the graph regularizer, printed as tables.

    python bench/train.py                      # CPU: gloo, fp32
    python bench/train.py --device cuda --precision bf16   # GPU: nccl, bf16 autocast

1. Samples/s of whole DDP training runs (``search_spaces/train_example.yaml``, 500 genes) with
   1 and 2 local workers, λ_graph = 0 and 1: training pairs per second over the epochs after
   the first, from the epoch timestamps rank 0 reports (evaluation included, start-up not);
   one thread per worker.
2. One training step (encoder over all genes, a batch of 256 pairs, backward, AdamW) at 500,
   2,000 and 6,607 genes (the yeast genome), λ_graph = 0 (fused attention, no N x N matrix
   kept) against λ_graph = 1 (explicit log-attention and the KL): median step time and peak
   memory, each setting in a fresh single-threaded subprocess (CPU: peak RSS of the timed steps,
   ``VmHWM`` after resetting it past set-up and a warm-up step, and its growth over the RSS at
   that point; CUDA: ``max_memory_allocated``).
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GENE_COUNTS = (500, 2000, 6607)


class _EpochClock:
    """Report callback that appends rank 0's wall time at each epoch end to a file (a class in
    a module file, so that spawned workers can unpickle it)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, metrics: dict[str, float], checkpoint_dir: str | None) -> None:
        if checkpoint_dir is not None:
            with open(self.path, "a") as log:
                log.write(f"{time.perf_counter()}\n")


def throughput(base: dict, workers: int, lambda_graph: float, epochs: int) -> float:
    """Training pairs per second of a DDP run, over the epochs after the first."""
    from graphreg.data import build_dataset, split_pairs
    from graphreg.training import TrainConfig, launch_local

    config = copy.deepcopy(base)
    config["loss"]["lambda_graph"] = lambda_graph
    config["training"]["epochs"] = epochs
    parsed = TrainConfig.from_dict(config)
    data = build_dataset(parsed.data)
    n_train = len(split_pairs(data, parsed.data.split, parsed.data.val_fraction, parsed.data.test_fraction, parsed.data.seed).train)
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        launch_local(parsed, workers, _EpochClock(log.name))
        stamps = [float(line) for line in Path(log.name).read_text().split()]
    return n_train * (len(stamps) - 1) / (stamps[-1] - stamps[0])


def step_cost(n_genes: int, lambda_graph: float, device: str, precision: str, steps: int) -> dict[str, float]:
    """Median time and peak memory of a training step; run in a fresh process per setting."""
    import torch

    from graphreg.data import PLANTED_GRAPH, make_planted
    from graphreg.losses import PointDistGraphReg
    from graphreg.model import GeneAttentionModel, GraphHead

    # One thread: OpenMP threads spinning against other processes on a shared 2-core machine
    # make multi-threaded step times swing by an order of magnitude.
    torch.set_num_threads(1)
    data = make_planted({"n_genes": n_genes, "n_pairs": 20000, "density": 8.0}, seed=0)
    torch.manual_seed(0)
    model = GeneAttentionModel(
        n_genes, d_model=32, n_layers=1, n_heads=2, graphs=data.graphs, graph_heads=[GraphHead(0, 0, PLANTED_GRAPH)]
    ).to(device)
    loss_fn = PointDistGraphReg(lambda_graph=lambda_graph).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    pairs, scores = data.pairs[:256].to(device), data.scores[:256].to(device)
    autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda" and precision == "bf16")
    times = []
    for step in range(steps + 1):  # the first step warms up allocators and kernels
        if step == 1 and device == "cpu":
            baseline_rss = _reset_peak_rss()
        start = time.perf_counter()
        with autocast:
            out = model(pairs, with_graph_reg=lambda_graph > 0)
        total, _ = loss_fn(out.pred.float(), scores, None if out.graph_reg is None else out.graph_reg.float())
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if step:
            times.append(time.perf_counter() - start)
    result = {"step_ms": 1000 * statistics.median(times)}
    if device == "cuda":
        result["peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = _status_mib("VmHWM")
        result.update(peak_mib=peak, growth_mib=peak - baseline_rss)
    return result


def _status_mib(field: str) -> float:
    """A memory figure of this process from ``/proc/self/status`` (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak_rss() -> float:
    """Reset this process's peak RSS (``VmHWM``) to its current RSS and return that, so the
    peak measured afterwards belongs to the training steps alone, not to data generation."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mib("VmRSS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per throughput run")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per regularizer setting")
    parser.add_argument("--step-only", nargs=2, metavar=("GENES", "LAMBDA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step_only:  # the fresh subprocess of one regularizer setting
        genes, lam = int(args.step_only[0]), float(args.step_only[1])
        print(json.dumps(step_cost(genes, lam, args.device, args.precision, args.steps)))
        return 0

    import torch

    # One thread per worker process (what launch_local gives each of 2 workers on 2 cores), so
    # that 1 vs 2 workers compares processes, not thread pools fighting other load.
    torch.set_num_threads(1)
    print(f"device={args.device} precision={args.precision} torch={torch.__version__} threads_per_worker=1\n")
    base = yaml.safe_load((ROOT / "search_spaces" / "train_example.yaml").read_text())
    base["training"].update(device=args.device, precision=args.precision)
    print("## DDP training throughput (500 genes, batch 256, training pairs/s)\n")
    print("| workers | λ_graph = 0 | λ_graph = 1 |")
    print("|---|---|---|")
    for workers in (1, 2):
        rates = [throughput(base, workers, lam, args.epochs) for lam in (0.0, 1.0)]
        print(f"| {workers} | {rates[0]:,.0f} | {rates[1]:,.0f} |", flush=True)

    memory = "peak GPU memory (MiB)" if args.device == "cuda" else "peak RSS during steps (MiB) (+ growth over pre-step RSS)"
    print("\n## One training step, graph regularizer on vs off (batch 256, d_model 32, 2 heads, 1 thread)\n")
    print(f"| genes | step ms, λ=0 | step ms, λ=1 | {memory}, λ=0 | same, λ=1 |")
    print("|---|---|---|---|---|")
    for genes in GENE_COUNTS:
        cells = []
        for lam in (0.0, 1.0):
            command = [sys.executable, __file__, "--device", args.device, "--precision", args.precision]
            command += ["--steps", str(args.steps), "--step-only", str(genes), str(lam)]
            cells.append(json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout))
        mem = [f"{c['peak_mib']:,.0f}" + (f" (+{c['growth_mib']:,.0f})" if "growth_mib" in c else "") for c in cells]
        print(f"| {genes:,} | {cells[0]['step_ms']:,.1f} | {cells[1]['step_ms']:,.1f} | {mem[0]} | {mem[1]} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
