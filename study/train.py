"""One training run from a config file, for trying a configuration by hand.

    python study/train.py --config search_spaces/train_example.yaml --workers 2
    python study/train.py --config search_spaces/train_example.yaml --set loss.lambda_graph=0

Prints one line per epoch and the final test metrics. ``--save-checkpoint DIR`` keeps the last
epoch's checkpoint; ``--resume-from DIR`` continues from one. Bad input: one line on stderr,
exit code 2; a diverged run (NaN/Inf loss): one line, exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from graphreg.training import ConsoleReport, NonFiniteLossError, TrainConfig, apply_overrides, launch_local


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True, help="YAML training config (data, model, loss, training)")
    parser.add_argument("--workers", type=int, default=1, help="local DDP worker processes (default 1)")
    parser.add_argument("--save-checkpoint", help="directory to keep the latest epoch's checkpoint in")
    parser.add_argument("--resume-from", help="checkpoint directory to continue from")
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE",
        help="override one config value by dotted path, e.g. --set loss.lambda_graph=0 (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        config = TrainConfig.from_dict(apply_overrides(_read_yaml(Path(args.config)), args.set))
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        launch_local(config, args.workers, ConsoleReport(args.save_checkpoint), args.resume_from)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except NonFiniteLossError as error:  # the run diverged: not bad input, but no traceback either
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ValueError(f"no such config file: {path}")
    try:
        values = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ValueError(f"invalid YAML in {path}: {str(error).splitlines()[0]}") from None
    return {} if values is None else values


if __name__ == "__main__":
    sys.exit(main())
