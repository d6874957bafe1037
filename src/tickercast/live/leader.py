"""Which replica runs the live feed: the one holding a PostgreSQL advisory lock.

Each replica keeps a connection of its own (outside the pool) and tries
``pg_try_advisory_lock`` on it every ``retry_s``; the one that gets it is the leader for as
long as that session lives. The lock is a session lock, so it goes the moment the leader's
session ends: a clean stop, a crash or ``kill -9`` (the server sees the socket close), or,
for a host that vanished, the TCP keepalives this session asks the server for. The leader
checks its connection every ``check_s``; when that fails it steps down at once (the lock
may already be someone else's) and tries again like any follower.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from tickercast.live.feed import replica_name

__all__ = ["LeaderElection"]

log = logging.getLogger(__name__)

# a vanished leader host: the server drops its session (and lock) after ~5 + 3 * 2 s
_KEEPALIVES = (
    "SELECT set_config('tcp_keepalives_idle', '5', false),"
    " set_config('tcp_keepalives_interval', '2', false),"
    " set_config('tcp_keepalives_count', '3', false)"
)


class LeaderElection:
    def __init__(
        self,
        conninfo: str,
        key: int,
        *,
        on_elected: Callable[[], Awaitable[None]],
        on_demoted: Callable[[], Awaitable[None]],
        retry_s: float = 1.0,
        check_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.conninfo = conninfo
        self.key = key
        self.on_elected = on_elected
        self.on_demoted = on_demoted
        self.retry_s = retry_s
        self.check_s = check_s
        self.timeout_s = timeout_s
        self.is_leader = False
        self.backend_pid: int | None = None  # the lock session's, while leader
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unreachable = False

    async def start(self) -> None:
        """Try once now (a lone replica leads before it serves), then keep trying."""
        await self._attempt()
        self._task = asyncio.create_task(self._loop(), name="feed-leader-election")

    async def stop(self) -> None:
        """Step down (the feed stops first), then end the session: the lock is free."""
        self._stopping.set()
        if self._task is not None:
            await self._task
        if self.is_leader:
            await self._step_down("this replica is stopping")
        await self._close()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                wait = self.check_s if self.is_leader else self.retry_s
                await asyncio.wait_for(self._stopping.wait(), wait)
            if not self._stopping.is_set():
                await self._attempt()

    async def _attempt(self) -> None:
        """One round: a follower tries the lock, the leader checks its session is alive."""
        try:
            async with asyncio.timeout(self.timeout_s):
                conn = await self._connection()
                if self.is_leader:
                    await conn.execute("SELECT 1")
                    return
                cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                row = await cursor.fetchone()
        except Exception as exc:
            await self._connection_failed(exc)
            return
        if row is not None and row[0]:
            await self._take_lead(conn)

    async def _take_lead(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.is_leader = True
        self.backend_pid = conn.info.backend_pid
        log.info("live feed role: leader (replica %s holds the feed lock)", replica_name())
        try:
            await self.on_elected()
        except Exception:  # let another replica try rather than hold a lock and do nothing
            log.exception("could not start leading; releasing the feed lock")
            await self._step_down("starting the feed failed")
            await self._close()

    async def _connection_failed(self, exc: BaseException) -> None:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        await self._close()
        if self.is_leader:
            await self._step_down(f"its lock connection failed: {first}")
        elif not self._unreachable:
            log.warning("live feed election cannot reach the database: %s; retrying", first)
        self._unreachable = True

    async def _step_down(self, why: str) -> None:
        self.is_leader = False
        self.backend_pid = None
        log.warning("live feed role: follower (replica %s stepped down: %s)", replica_name(), why)
        try:
            await self.on_demoted()
        except Exception:
            log.exception("stopping the feed after stepping down failed")

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            await self._conn.execute(_KEEPALIVES)
            if self._unreachable:
                log.info("live feed election reached the database again")
                self._unreachable = False
        return self._conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
