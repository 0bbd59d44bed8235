"""Resuming a study from its Optuna storage (the source of truth, not Ray's experiment state).

A run that was killed leaves its in-flight trials RUNNING. On start, those orphans become FAIL
(user attr ``fail_reason``) and their params are enqueued once more (user attr ``retry_of``);
the study then needs only ``n_trials - finished`` new trials.
"""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

ORPHAN_REASON = "orphaned: the run executing this trial stopped before it finished"


def recover_orphans(study: optuna.Study, requeue: bool = True) -> list[int]:
    """Mark RUNNING trials FAIL and (with ``requeue``) enqueue each one's params once; returns
    their numbers. Fixed-config studies pass ``requeue=False``: they rerun whatever config has
    no COMPLETE trial.

    Only one runner may drive a study at a time: every RUNNING trial is taken to be an orphan.
    """
    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs.get("retry_of") for t in trials}
    orphans = [t for t in trials if t.state == TrialState.RUNNING]
    for trial in orphans:
        study._storage.set_trial_user_attr(trial._trial_id, "fail_reason", ORPHAN_REASON)
        study._storage.set_trial_user_attr(trial._trial_id, "orphaned", True)
        study._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        if requeue and trial.number not in retried:
            study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
    return [t.number for t in orphans]


def count_finished(study: optuna.Study) -> int:
    """Trials that ran to an outcome: COMPLETE, PRUNED, or FAIL by their own doing (orphans,
    which were retried, do not count)."""
    return sum(
        1
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))
        if not t.user_attrs.get("orphaned")
    )

