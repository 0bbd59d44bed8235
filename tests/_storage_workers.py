"""Worker for the storage tests: open SQLite storages at the same moment as other processes."""

from __future__ import annotations

from typing import Any


def open_in_rounds(paths: list[str], barrier: Any, results: Any) -> None:
    """For each path, wait for every process at ``barrier``, then ``open_storage`` it; put
    ``(path, "ok" or the error)`` on ``results``."""
    from graphreg.study import open_storage

    for path in paths:
        barrier.wait(timeout=120)
        try:
            open_storage(f"sqlite:///{path}")
            results.put((path, "ok"))
        except Exception as error:  # noqa: BLE001 - the test reports every outcome
            results.put((path, f"{type(error).__name__}: {error}"))
