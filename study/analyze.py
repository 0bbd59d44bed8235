"""Does graph regularization help? Analyze a finished study: importance, ablation, report.

    python study/analyze.py --storage sqlite:///studies/graphreg.db --study-name default \
        --out reports/default [--ablate --seeds 5]

Writes report.md, PNG plots and CSVs into --out, stores the report as the study's
optuna-dashboard note, and prints the answer. With --ablate, first runs (or resumes) the best
configuration with and without λ_graph over --seeds training seeds, as DDP trials recorded in
study <name>-ablation. Bad input: one line on stderr, exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from graphreg.analysis import analyze
from graphreg.study import DEFAULT_STORAGE


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        print(f"analyze.py: {message}", file=sys.stderr)
        sys.exit(2)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = _Parser(description=__doc__.splitlines()[0])
    p.add_argument("--storage", default=DEFAULT_STORAGE, help=f"Optuna storage URL or journal file path (default {DEFAULT_STORAGE})")
    p.add_argument("--study-name", required=True, help="the study to analyze")
    p.add_argument("--out", required=True, help="folder for report.md, plots and CSVs")
    p.add_argument("--ablate", action="store_true", help="run (or resume) the λ_graph ablation first")
    p.add_argument("--seeds", type=int, default=5, help="training seeds per ablation arm (default 5)")
    p.add_argument("--workers-per-trial", type=int, default=2, help="DDP workers per ablation run")
    p.add_argument("--max-concurrent-trials", type=int, default=1, help="ablation runs at once")
    p.add_argument("--ray-address", default=None, help="join an existing Ray cluster for the ablation")
    p.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs per DDP worker")
    p.add_argument("--learned-threshold", type=float, default=0.1,
                   help="a run learned when its test Pearson exceeds this (default 0.1)")
    p.add_argument("--bootstrap", type=int, default=50, help="bootstrap resamples for importance intervals")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    try:
        result = analyze(
            args.storage,
            args.study_name,
            args.out,
            ablate=args.ablate,
            seeds=args.seeds,
            workers_per_trial=args.workers_per_trial,
            max_concurrent_trials=args.max_concurrent_trials,
            ray_address=args.ray_address,
            gpus_per_worker=args.gpus_per_worker,
            learned_threshold=args.learned_threshold,
            n_bootstrap=args.bootstrap,
        )
    except ValueError as e:
        print(f"analyze.py: {e}", file=sys.stderr)
        return 2
    print(f"report: {result.report}")
    print(result.learning)
    print(result.answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
