"""Optuna storages from a URL, safe to read while a study writes, and password redaction.

- ``sqlite:///path.db``: an RDB storage in WAL mode with a 30 s busy timeout, so that
  optuna-dashboard can read while the study writes without "database is locked".
- any other SQLAlchemy URL (``postgresql://user:pw@host/db``): an RDB storage.
- a file path ending in ``.journal`` or ``.log`` (``studies/graphreg.journal``): a journal
  file storage (no database server, safe for several processes on one file system).

Passwords never leave this module in clear text: :func:`redact_url` renders a URL with
``***`` for the password and :func:`redact_text` scrubs it from any message.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import optuna
import sqlalchemy
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

SQLITE_TIMEOUT_S = 30
JOURNAL_SUFFIXES = (".journal", ".log")


def redact_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url if "://" not in url else "<unparseable storage URL>"
    return parsed.render_as_string(hide_password=True)


def redact_text(text: str, url: str) -> str:
    """``text`` with the password of ``url`` (and the raw URL) replaced."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    text = text.replace(url, redact_url(url))
    if password:
        text = text.replace(str(password), "***")
    return text


def check_storage_url(url: str) -> None:
    """Check a storage URL's syntax and that its database driver is installed, without
    connecting or creating anything."""
    if "://" not in url:
        if not url.endswith(JOURNAL_SUFFIXES):
            raise ValueError(
                f"bad storage URL {url!r}: expected a SQLAlchemy URL (sqlite:///studies/graphreg.db) "
                f"or a journal file ending in {' or '.join(JOURNAL_SUFFIXES)}"
            )
        return
    try:
        make_url(url).get_dialect()
    except (ArgumentError, ValueError):
        raise ValueError(f"bad storage URL {redact_url(url)!r}: expected e.g. sqlite:///studies/graphreg.db") from None
    except (sqlalchemy.exc.NoSuchModuleError, ImportError) as error:
        raise ValueError(f"bad storage URL {redact_url(url)!r}: {redact_text(str(error), url)}") from None


def open_storage(url: str) -> optuna.storages.BaseStorage:
    """Open (creating if needed) the Optuna storage ``url``; a bad URL or an unreachable
    database is a one-line ``ValueError`` without the password."""
    check_storage_url(url)
    if "://" not in url:
        return _journal(Path(url))
    parsed = _with_installed_driver(make_url(url))
    engine_kwargs = {}
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ValueError(f"bad storage URL {redact_url(url)!r}: SQLite needs a file path")
        _prepare_sqlite(Path(parsed.database))
        engine_kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
    attempts = 10
    for attempt in range(1, attempts + 1):
        try:
            return optuna.storages.RDBStorage(parsed.render_as_string(hide_password=False), engine_kwargs=engine_kwargs)
        except (sqlalchemy.exc.SQLAlchemyError, ImportError, ValueError) as error:
            # Two processes creating the schema at once (a study and its dashboard): the
            # loser sees a table that "already exists" or a duplicate version row, and finds
            # the schema complete once the winner is done, a moment later on a busy machine.
            if _lost_creation_race(error) and attempt < attempts:
                time.sleep(0.5)
                continue
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f"cannot open storage {redact_url(url)!r}: {redact_text(message, url)}") from None
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lost_creation_race(error: Exception) -> bool:
    return isinstance(error, sqlalchemy.exc.IntegrityError) or "already exists" in str(error)


def _with_installed_driver(parsed: URL) -> URL:
    """``postgresql://`` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when only it is
    installed (the project's test extra), so the plain URL works either way."""
    if parsed.drivername == "postgresql" and importlib.util.find_spec("psycopg") is None:
        if importlib.util.find_spec("psycopg2") is not None:
            return parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _prepare_sqlite(path: Path) -> None:
    """Create the database's folder and switch it to WAL (a persistent property of the file),
    so readers never block the writer.

    Two processes opening a new database at once (a study and its dashboard) both try the
    switch, and SQLite answers the loser "database is locked" at once, without waiting for its
    busy timeout; the loser retries until the winner is done.
    """
    deadline = time.monotonic() + SQLITE_TIMEOUT_S
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                with closing(sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S)) as connection:
                    connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    except (OSError, sqlite3.Error) as error:
        raise ValueError(f"cannot open SQLite storage {path}: {error}") from None


def _journal(path: Path) -> optuna.storages.BaseStorage:
    from optuna.storages.journal import JournalFileBackend

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    except OSError as error:
        raise ValueError(f"cannot open journal storage {path}: {error}") from None
