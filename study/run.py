"""Run (or resume) a hyperparameter study: Optuna sampling, Ray Tune scheduling, a Ray Train
DDP run per trial, everything recorded in an Optuna storage.

    python study/run.py                                   # search_spaces/default.yaml
    python study/run.py --search-space search_spaces/smoke.yaml --n-trials 4

Running the same command again continues the study. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys

from graphreg.study import DEFAULT_STORAGE, Resources, SearchSpace, redact_text, run_study


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage block
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--search-space", default="search_spaces/default.yaml", help="YAML search space")
    parser.add_argument("--storage", default=DEFAULT_STORAGE, help="SQLAlchemy URL or journal file path")
    parser.add_argument("--study-name", help="default: study.name in the search space")
    parser.add_argument("--n-trials", type=int, help="finished trials the study should have, earlier runs included")
    parser.add_argument("--workers-per-trial", type=int, help="DDP workers per trial")
    parser.add_argument("--max-concurrent-trials", type=int, help="trials running at once")
    parser.add_argument("--ray-address", help="join this Ray cluster (host:port or auto) instead of starting one")
    parser.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs per DDP worker (default 0)")
    parser.add_argument("--study-dir", help="folder for run.log and checkpoints (default studies/<name>)")
    args = parser.parse_args(argv)
    try:
        space = SearchSpace.from_yaml(args.search_space)
        settings = space.study
        resources = Resources(
            workers_per_trial=_given(args.workers_per_trial, settings.workers_per_trial),
            max_concurrent_trials=_given(args.max_concurrent_trials, settings.max_concurrent_trials),
            ray_address=args.ray_address,
            gpus_per_worker=args.gpus_per_worker,
            max_failures=settings.max_failures,
        )
        study = run_study(space, args.storage, args.study_name, args.n_trials, resources, args.study_dir)
    except ValueError as error:
        print(f"error: {redact_text(str(error), args.storage)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: rerun the same command to continue the study", file=sys.stderr)
        return 130
    _summary(study)
    return 0


def _given(value: int | None, default: int) -> int:
    return default if value is None else value


def _summary(study) -> None:
    states = [t.state.name for t in study.get_trials(deepcopy=False)]
    counts = ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states)))
    print(f"study {study.study_name!r}: {counts}")
    completed = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if completed:
        best = study.best_trial
        print(f"best trial {best.number}: {best.value:.4f} with {best.params}")


if __name__ == "__main__":
    sys.exit(main())
