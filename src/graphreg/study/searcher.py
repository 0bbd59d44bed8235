"""The glue between Ray Tune and Optuna: a Tune ``Searcher`` that asks Optuna for each trial
and tells it the true outcome.

The stock ``OptunaSearch`` stores scheduler-stopped trials as COMPLETE and leaves trials whose
last result is NaN RUNNING; here a trial is COMPLETE only when it trained every epoch, PRUNED
when the scheduler stopped it, and FAIL (user attr ``fail_reason``) otherwise. Only this
driver-side object writes to the storage, so workers never need its URL.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import optuna
from optuna.trial import TrialState
from ray.tune.result import AUTO_RESULT_KEYS
from ray.tune.search import Searcher

from graphreg.study.progress import Progress
from graphreg.study.trial import FAIL_REASON
from graphreg.training import TrainConfig

# Keys Tune adds to every result; everything else a trial reports is stored as a user attr.
_TUNE_KEYS = set(AUTO_RESULT_KEYS) | {"trial_id", "done", "experiment_tag", "checkpoint_path", "should_checkpoint"}

# Makes the next Optuna trial and its nested training config (sampling or a fixed config).
TrialFactory = Callable[[optuna.Study], tuple[optuna.Trial, dict[str, Any]]]


class OptunaAskTellSearcher(Searcher):
    """Tune searcher over one Optuna study, via ask/tell."""

    def __init__(
        self,
        study: optuna.Study,
        make_trial: TrialFactory,
        run: Mapping[str, Any],
        progress: Progress | None = None,
    ) -> None:
        super().__init__(metric=run["metric"], mode=run["mode"])
        self._study, self._make_trial, self._run = study, make_trial, dict(run)
        self._progress = progress
        self._live: dict[str, tuple[optuna.Trial, int, float]] = {}
        self._last: dict[str, dict[str, Any]] = {}

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        trial, config = self._make_trial(self._study)
        resolved = TrainConfig.from_dict(config).to_dict()
        trial.set_user_attr("config", resolved)
        # The objective's name, for the analysis (a study-level attribute written while
        # optuna-dashboard already runs keeps the dashboard from listing the study).
        trial.set_user_attr("objective", self._run["metric"])
        self._live[trial_id] = (trial, int(resolved["training"]["epochs"]), time.monotonic())
        if self._progress is not None:
            self._progress.started(trial.number, int(resolved["training"]["epochs"]))
        return {"train": resolved, "run": self._run, "number": trial.number}

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        if trial_id not in self._live or FAIL_REASON in result:
            return
        trial = self._live[trial_id][0]
        self._last[trial_id] = result
        value = result.get(self.metric)
        if value is not None and math.isfinite(value):
            trial.report(float(value), step=int(result["epoch"]))
        if self._progress is not None:
            self._progress.epoch(trial.number, int(result["epoch"]))

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        if trial_id not in self._live:
            return
        last_epoch = self._last.get(trial_id, {}).get("epoch", 0)
        if result is not None and FAIL_REASON not in result and result.get("epoch", 0) > last_epoch:
            # Tune may hand a trial's final result only to on_trial_complete.
            self.on_trial_result(trial_id, result)
        trial, epochs, started = self._live.pop(trial_id)
        last = self._last.pop(trial_id, None)
        wall_time_s = time.monotonic() - started
        for key, value in _user_attrs(last or {}).items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("wall_time_s", wall_time_s)
        state, value, reason = self._outcome(last, result, error, epochs)
        if reason:
            trial.set_user_attr(FAIL_REASON, reason)
        if state == TrialState.COMPLETE:
            self._study.tell(trial, value)
        else:
            self._study.tell(trial, state=state)
        if self._progress is not None:
            self._progress.finished(trial.number, state.name, value, reason or "", wall_time_s)

    def _outcome(
        self, last: dict | None, final: dict | None, error: bool, epochs: int
    ) -> tuple[TrialState, float | None, str | None]:
        """COMPLETE only after every epoch with a finite objective; PRUNED when stopped early."""
        if final is not None and FAIL_REASON in final:
            return TrialState.FAIL, None, str(final[FAIL_REASON])
        if error:
            return TrialState.FAIL, None, "the trial's process failed (see run.log)"
        if last is None:
            return TrialState.FAIL, None, "the trial reported no results"
        value = last.get(self.metric)
        if int(last.get("epoch", 0)) < epochs:
            return TrialState.PRUNED, None, None
        if value is None or not math.isfinite(value):
            return TrialState.FAIL, None, f"final {self.metric} is {value}"
        return TrialState.COMPLETE, float(value), None

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles its search algorithm into the experiment folder: keep the live study
        (whose storage holds the URL and its password) and the terminal out of it."""
        live = {"_study", "_make_trial", "_progress", "_live", "_last"}
        return {k: v for k, v in self.__dict__.items() if k not in live}

    def save(self, checkpoint_path: str) -> None:
        """Nothing to save: the Optuna storage is the state (runs are resumed from it)."""

    def restore(self, checkpoint_path: str) -> None:
        """Nothing to restore: see :meth:`save`."""


def _user_attrs(result: Mapping[str, Any]) -> dict[str, Any]:
    """The trial's own reported values (metrics, world size, device, nodes). Non-finite floats
    are stored as strings: NaN is not valid JSON for the dashboard."""
    return {
        k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in result.items()
        if k not in _TUNE_KEYS and not k.startswith("config")
    }
