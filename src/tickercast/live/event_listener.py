"""Every replica's side of the shared event store: LISTEN on the deployment's channel and,
on each notification (it carries the newest id only), read the rows after the last one
seen, in id order, and hand them to the local hub.

Reading "after the last seen" rather than "the notified id" makes a missed or merged
notification harmless; a read every ``poll_s`` without one covers a notification lost with
a dropped connection, and after a reconnect the same read catches up. No gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql

from tickercast.live.event_store import EventStore
from tickercast.live.events import Event

__all__ = ["EventListener"]

log = logging.getLogger(__name__)

_READ_LIMIT = 5_000


class EventListener:
    def __init__(
        self,
        conninfo: str,
        store: EventStore,
        after_id: int,
        deliver: Callable[[list[Event]], None],
        *,
        poll_s: float = 2.0,
        retry_s: float = 1.0,
    ) -> None:
        self.conninfo = conninfo
        self.store = store
        self.last_id = after_id
        self.deliver = deliver
        self.poll_s = poll_s
        self.retry_s = retry_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-reader")
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live-event-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._executor.shutdown(wait=False, cancel_futures=True)  # a hung read: not waited

    async def catch_up(self) -> None:
        """Deliver every stored event after the last one delivered, in id order."""
        loop = asyncio.get_running_loop()
        while True:
            read = functools.partial(self.store.read_after, self.last_id, limit=_READ_LIMIT)
            events = await loop.run_in_executor(self._executor, read)
            if events:
                self.last_id = events[-1].id
                self.deliver(events)
            if len(events) < _READ_LIMIT:
                return

    async def _run(self) -> None:
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(self.store.deployment.channel))
        failing = False
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                async with conn:
                    await conn.execute(listen)
                    if failing:
                        log.info("live events: listening again; catching up")
                        failing = False
                    await self.catch_up()
                    while True:
                        newest = 0
                        async for note in conn.notifies(timeout=self.poll_s, stop_after=1):
                            newest = int(note.payload) if note.payload.isdigit() else 0
                        if newest == 0 or newest > self.last_id:
                            await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    log.warning("live events: lost the store (%s); reconnecting", first)
                failing = True
                await asyncio.sleep(self.retry_s)
