"""Per-trial orchestration overhead of a study: the same tiny training N times bare (local
``torch.multiprocessing`` DDP via :func:`graphreg.training.launch_local`) and as N study trials
(Ray Tune + Ray Train DDP via :func:`graphreg.study.run_fixed_configs`), in one run.

    python bench/study_overhead.py --n 4                 # with the study's settings
    python bench/study_overhead.py --n 4 --ray-defaults  # Ray's defaults (the "before")

The last line is ``study/bare ratio: X``.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Ray's own defaults for the knobs the runner changes (see graphreg.study.runner._RAY_ENV).
RAY_DEFAULTS = {"RAY_TRAIN_HEALTH_CHECK_INTERVAL_S": "2.0", "RAY_TRAIN_ENABLE_PREEMPTION_WATCHER": "1"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4, help="trainings of each kind")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ray-defaults", action="store_true", help="measure with Ray's default Train settings")
    args = parser.parse_args()
    if args.ray_defaults:
        os.environ.update(RAY_DEFAULTS)

    from graphreg.study import run_fixed_configs
    from graphreg.training import launch_local

    config = yaml.safe_load((ROOT / "search_spaces" / "smoke.yaml").read_text())["fixed"]
    configs = []
    for seed in range(args.n):
        c = copy.deepcopy(config)
        c["training"]["seed"] = seed  # distinct configs, identical work
        configs.append(c)

    bare = []
    for c in configs:
        start = time.perf_counter()
        launch_local(c, workers=args.workers)
        bare.append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory(prefix="rg_bench") as scratch:
        start = time.perf_counter()
        study = run_fixed_configs(
            "bench", f"sqlite:///{scratch}/bench.db", configs, workers_per_trial=args.workers, study_dir=f"{scratch}/study"
        )
        study_total = time.perf_counter() - start
        trial_walls = [t.user_attrs["wall_time_s"] for t in study.trials]
        states = {t.state.name for t in study.trials}

    bare_total = sum(bare)
    print(f"machine: {os.cpu_count()} CPUs; {args.n} trainings x {args.workers} DDP workers; "
          f"Ray settings: {'Ray defaults' if args.ray_defaults else 'study settings'}; trial states: {sorted(states)}")
    print(f"bare launch_local per training: mean {statistics.mean(bare):.2f} s (min {min(bare):.2f}, max {max(bare):.2f})")
    print(f"study trial wall time (suggest -> told): mean {statistics.mean(trial_walls):.2f} s "
          f"(min {min(trial_walls):.2f}, max {max(trial_walls):.2f})")
    print(f"study total incl. Ray start/stop: {study_total:.2f} s; bare total {bare_total:.2f} s")
    print(f"per-trial orchestration overhead: {statistics.mean(trial_walls) - statistics.mean(bare):.2f} s "
          f"(amortized incl. Ray start: {(study_total - bare_total) / args.n:.2f} s)")
    print(f"study/bare ratio: {study_total / bare_total:.2f}")


if __name__ == "__main__":
    main()
