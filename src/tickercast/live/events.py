"""Live events (bar, prediction, score, status) kept in memory for Server-Sent Events.

Every event gets an id larger than any before it, also across restarts: ids start at
``boot_second * 1_000_000``, so a client that reconnects to a restarted service presents an
id older than the buffer and is told to ``reset`` (reload its history from the REST API)
instead of silently missing events. The hub lives in the event loop: publish and follow
from it (the live feed does), never from another thread.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import orjson

__all__ = ["Event", "EventHub"]

_IDS_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class Event:
    """One published event; ``data`` is its JSON text and ``wire`` its text/event-stream
    bytes, both encoded once for every client. ``ticker`` None: every stream gets it."""

    id: int
    kind: str  # bar | prediction | score | status | reset
    ticker: str | None
    data: str

    @cached_property
    def wire(self) -> bytes:
        return f"id: {self.id}\nevent: {self.kind}\ndata: {self.data}\n\n".encode()


class EventHub:
    """An append-only ring of the last ``capacity`` events and a wake-up for followers."""

    def __init__(self, capacity: int = 20_000, *, boot_s: float | None = None) -> None:
        self.capacity = capacity
        self._events: list[Event] = []
        self._ids: list[int] = []
        self.first_id = int(boot_s if boot_s is not None else time.time()) * _IDS_PER_SECOND
        self._last_id = self.first_id
        self._wake = asyncio.Event()
        self._closed = False
        self.followers = 0

    @property
    def last_id(self) -> int:
        """Id of the newest event (``first_id`` before any was published)."""
        return self._last_id

    def publish(self, kind: str, ticker: str | None, data: Mapping[str, Any]) -> Event:
        self._last_id += 1
        text = orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()
        event = Event(self._last_id, kind, ticker, text)
        self._events.append(event)
        self._ids.append(event.id)
        if len(self._events) > 2 * self.capacity:  # trim in bulk, not on every publish
            del self._events[: -self.capacity]
            del self._ids[: -self.capacity]
        self._wake.set()
        self._wake = asyncio.Event()
        return event

    def close(self) -> None:
        """End every follower (at shutdown)."""
        self._closed = True
        self._wake.set()

    def _oldest_kept(self) -> int:
        if len(self._ids) > self.capacity:
            return self._ids[-self.capacity]
        return self._ids[0] if self._ids else self._last_id + 1

    def can_resume(self, after_id: int) -> bool:
        """Whether every event after ``after_id`` is still here (no gap, same boot)."""
        return self.first_id <= after_id <= self._last_id and after_id >= self._oldest_kept() - 1

    def since(self, after_id: int, ticker: str | None = None) -> list[Event]:
        """Kept events with id > ``after_id`` for ``ticker`` (plus broadcasts), oldest first."""
        start = bisect.bisect_right(self._ids, after_id)
        start = max(start, len(self._ids) - self.capacity)
        return [e for e in self._events[start:] if e.ticker is None or e.ticker == ticker]

    async def batches(
        self, ticker: str, after_id: int | None, *, ping_s: float | None = None
    ) -> AsyncGenerator[list[Event], None]:
        """Events for ``ticker`` after ``after_id`` (None: from now on), then live ones, in
        batches (a client that fell behind gets one write). With ``ping_s``, an empty batch
        after that many idle seconds (keep-alive). An ``after_id`` this hub cannot resume
        from gives a ``reset`` event first."""
        self.followers += 1
        try:
            last = self._last_id
            if after_id is not None:
                if self.can_resume(after_id):
                    last = after_id
                else:
                    yield [self._reset(ticker, "history gap")]
            while not self._closed:
                if not self.can_resume(last):  # fell further behind than the buffer holds
                    yield [self._reset(ticker, "fell behind")]
                    last = self._last_id
                wake = self._wake
                head = self._last_id
                events = self.since(last, ticker)
                last = head  # events published while yielding have larger ids: next round
                if events:
                    yield events
                if self._last_id != head:
                    continue
                if ping_s is None:
                    await wake.wait()
                    continue
                try:
                    async with asyncio.timeout(ping_s):
                        await wake.wait()
                except TimeoutError:
                    yield []
        finally:
            self.followers -= 1

    async def follow(self, ticker: str, after_id: int | None) -> AsyncGenerator[Event, None]:
        """The events of ``batches``, one by one."""
        async with aclosing(self.batches(ticker, after_id)) as batches:
            async for batch in batches:
                for event in batch:
                    yield event

    def _reset(self, ticker: str, reason: str) -> Event:
        return Event(self._last_id, "reset", ticker, orjson.dumps({"reason": reason}).decode())
