"""optuna-dashboard on a study storage, bound to loopback unless asked otherwise."""

from __future__ import annotations

import optuna_dashboard

from graphreg.study.storage import open_storage


def serve_dashboard(storage: str, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve optuna-dashboard for ``storage`` until interrupted. The storage is opened like the
    runner opens it (SQLite in WAL mode with a busy timeout), so it reads while a study writes."""
    if not 0 < port < 65536:
        raise ValueError(f"port must be in 1..65535, got {port}")
    optuna_dashboard.run_server(open_storage(storage), host=host, port=port)
