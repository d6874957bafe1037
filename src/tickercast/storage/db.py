"""Engine and session creation, with every wait on the database bounded.

SQLite gets WAL, foreign keys and a busy timeout. PostgreSQL gets a connect timeout, a
server-side ``statement_timeout`` and a client-side deadline (``StatementDeadline``) for the
case no server setting covers: a server or network that stops answering mid-statement.
Pool checkout waits at most ``pool_timeout_s``. Errors that mean "the database is not there
right now" become ``DatabaseUnavailable`` through ``database_unavailable()``.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from tickercast.config import Settings
from tickercast.errors import DatabaseUnavailable

__all__ = [
    "DatabaseTimeouts",
    "StatementDeadline",
    "database_unavailable",
    "engine_for",
    "is_sqlite",
    "make_engine",
    "session_scope",
]

log = logging.getLogger(__name__)

# SQLite messages that mean "try again later", not "your SQL or schema is wrong"
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
)


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Every bound on a database wait, in seconds (``None`` statement: unbounded)."""

    connect_s: float = 3.0
    statement_s: float | None = 10.0
    pool_s: float = 5.0
    sqlite_busy_s: float = 5.0
    retry_after_s: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> DatabaseTimeouts:
        return cls(
            connect_s=settings.db_connect_timeout_s,
            statement_s=settings.db_statement_timeout_s,
            pool_s=settings.db_pool_timeout_s,
            sqlite_busy_s=settings.sqlite_busy_timeout_s,
            retry_after_s=settings.db_retry_after_s,
        )


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """A new engine; for SQLite the parent folder is created and pragmas set per connection."""
    timeouts = timeouts or DatabaseTimeouts()
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": timeouts.sqlite_busy_s}, pool_timeout=timeouts.pool_s
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_timeout=timeouts.pool_s,
        connect_args={"connect_timeout": max(1, round(timeouts.connect_s))},
    )
    if timeouts.statement_s is not None:
        _bound_statements(engine, timeouts.statement_s)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _bound_statements(engine: Engine, limit_s: float) -> None:
    """Server-side statement_timeout, plus a client deadline a little past it."""
    milliseconds = int(limit_s * 1000)

    @event.listens_for(engine, "do_connect")
    def _statement_timeout(_dialect: Any, _record: Any, _cargs: Any, cparams: Any) -> None:
        # appended to any options the URL has (tests put search_path there)
        options = cparams.get("options", "")
        cparams["options"] = f"{options} -c statement_timeout={milliseconds}".strip()

    deadline = StatementDeadline(limit_s + 2.0)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn: Any, *_args: Any) -> None:
        deadline.start(conn.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _end(conn: Any, *_args: Any) -> None:
        deadline.end(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.connection is not None and not context.connection.closed:
            deadline.end(context.connection.connection.dbapi_connection)

    # pool_pre_ping runs below the events above; a ping to a hung server must end too
    ping: Callable[[Any], bool] = engine.dialect.do_ping

    def bounded_ping(dbapi_connection: Any) -> bool:
        deadline.start(dbapi_connection)
        try:
            return ping(dbapi_connection)
        finally:
            deadline.end(dbapi_connection)

    engine.dialect.do_ping = bounded_ping  # type: ignore[method-assign]


class StatementDeadline:
    """Shuts down the socket of a PostgreSQL connection whose statement outlives ``limit_s``.

    ``statement_timeout`` is enforced by the server, so it cannot fire when the server is
    frozen or the network drops packets; the blocked client would wait for ever and hold a
    worker thread. Shutting the socket down wakes it with a disconnect error, which the pool
    turns into a discarded connection and the API into a 503. One daemon thread per engine,
    started on first use.
    """

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self._running: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._running[id(dbapi_connection)] = (
                time.monotonic() + self.limit_s,
                dbapi_connection,
            )
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="db-statement-deadline", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def end(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._running.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                expired = [c for at, c in self._running.values() if at <= now]
                for connection in expired:
                    self._running.pop(id(connection), None)
                idle = not self._running
            for connection in expired:
                _shut_down(connection, self.limit_s)
            if idle:
                self._wake.wait()
                self._wake.clear()
            else:
                time.sleep(0.1)


def _shut_down(dbapi_connection: Any, limit_s: float) -> None:
    try:
        fd = dbapi_connection.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception as exc:  # already closed: nothing is waiting on it any more
        log.debug("could not shut down a hung database connection: %s", exc)
        return
    log.warning("a database statement ran past %.0f s; its connection was closed", limit_s)


def database_unavailable(exc: BaseException, retry_after: int = 5) -> DatabaseUnavailable | None:
    """``exc`` as DatabaseUnavailable when it means the database is down, hung or locked;
    None for errors that are bugs or bad data (those must stay loud). The message is a short
    reason, never the driver's text (which may hold host names and SQL)."""
    reason = _unavailable_reason(exc)
    if reason is None:
        return None
    return DatabaseUnavailable(
        f"the database is unavailable ({reason}); retry in {retry_after} s",
        retry_after=retry_after,
    )


def _unavailable_reason(exc: BaseException) -> str | None:
    if isinstance(exc, DatabaseUnavailable):
        return str(exc)
    if isinstance(exc, sa_exc.TimeoutError):
        return "no free connection in the pool"
    if not isinstance(exc, sa_exc.DBAPIError):
        return None
    orig = exc.orig
    text = str(orig).lower()
    if isinstance(orig, sqlite3.Error):
        return next((m for m in _SQLITE_UNAVAILABLE if m in text), None)
    if exc.connection_invalidated or "closed the connection" in text:
        return "connection lost"
    if "statement timeout" in text:
        return "statement timeout"
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        if "refused" in text:
            return "connection refused"
        if "timeout" in text or "timed out" in text:
            return "connect timeout"
        return "cannot connect"
    return None


@lru_cache(maxsize=8)
def engine_for(url: str, timeouts: DatabaseTimeouts | None = None) -> Engine:
    """One engine per URL and timeouts per process (CLI commands and services share it)."""
    return make_engine(url, timeouts)


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    engine = engine_for(settings.resolved_database_url, DatabaseTimeouts.from_settings(settings))
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
