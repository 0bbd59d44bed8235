"""The live view of a study: one progress bar (trials done/total, best value, the running
trials' epochs) and one line per finished trial, while everything else goes to a log file."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from tqdm import tqdm


class Progress:
    """A tqdm bar over the study's trials; fed by the searcher as results arrive.

    ``done`` trials finished in earlier runs, so a resumed study shows e.g. 10/24, not 0/14.
    """

    def __init__(self, done: int, total: int, best: float | None, metric: str, maximize: bool, stream: TextIO) -> None:
        self._metric, self._maximize, self._stream = metric, maximize, stream
        self._best = best
        self._running: dict[int, tuple[int, int]] = {}  # trial number -> (epoch, epochs)
        self._bar = tqdm(total=total, initial=done, file=stream, unit="trial", dynamic_ncols=True, leave=True)
        self._refresh()

    def started(self, number: int, epochs: int) -> None:
        self._running[number] = (0, epochs)
        self._refresh()

    def epoch(self, number: int, epoch: int) -> None:
        self._running[number] = (epoch, self._running.get(number, (0, 0))[1])
        self._refresh()

    def finished(self, number: int, state: str, value: float | None, detail: str, wall_time_s: float) -> None:
        """Count a trial as done and print one line about it above the bar."""
        self._running.pop(number, None)
        shown = f" {self._metric}={value:.4f}" if value is not None and math.isfinite(value) else ""
        self._bar.write(f"trial {number} {state}{shown} ({wall_time_s:.1f} s){' ' + detail if detail else ''}", file=self._stream)
        if state == "COMPLETE" and value is not None and math.isfinite(value):
            if self._best is None or (value > self._best if self._maximize else value < self._best):
                self._best = value
        self._bar.update(1)
        self._refresh()

    def close(self) -> None:
        self._bar.close()

    def _refresh(self) -> None:
        best = "-" if self._best is None else f"{self._best:.4f}"
        running = ", ".join(f"trial {n} epoch {e}/{total}" for n, (e, total) in sorted(self._running.items()))
        self._bar.set_description_str(f"best {self._metric} {best}")
        self._bar.set_postfix_str(running or "idle", refresh=True)


@contextlib.contextmanager
def output_to_log(log_path: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so Ray's and the
    workers' output too) to ``log_path``; yields a stream to the original terminal."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(2), "w", buffering=1)
    with open(log_path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()
