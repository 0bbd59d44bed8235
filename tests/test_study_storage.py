"""Opening a new SQLite storage from several processes at once, as a study and the
optuna-dashboard watching it do when started together."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import optuna
from _storage_workers import open_in_rounds

from graphreg.study import open_storage

PROCESSES, ROUNDS = 3, 6


def test_processes_opening_a_new_sqlite_storage_at_once_all_succeed(tmp_path: Path) -> None:
    # Every round is a fresh database that all processes open the same instant: each one races
    # for the switch to WAL and for creating the schema and its version rows.
    paths = [str(tmp_path / f"round{i}" / "studies.db") for i in range(ROUNDS)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=open_in_rounds, args=(paths, barrier, results)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in range(PROCESSES * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert [outcome for outcome in outcomes if outcome[1] != "ok"] == []

    for path in paths:
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert connection.execute("SELECT count(*) FROM version_info").fetchone()[0] == 1
            assert connection.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        connection.close()
        study = optuna.create_study(study_name="s", storage=open_storage(f"sqlite:///{path}"))
        study.add_trial(optuna.trial.create_trial(value=1.0))
        assert len(optuna.load_study(study_name="s", storage=f"sqlite:///{path}").trials) == 1
