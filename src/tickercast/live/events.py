"""Live events (bar, prediction, score, status) kept in memory for Server-Sent Events.

Alone (one process, SQLite), the hub numbers events itself: every event gets an id larger
than any before it, also across restarts: ids start at ``boot_second * 1_000_000``, so a
client that reconnects to a restarted service presents an id older than the buffer and is
told to ``reset`` (reload its history from the REST API) instead of silently missing events.

Beside a shared store (PostgreSQL replicas, ``live.replica``), the hub is a local cache of
the store: events arrive with the store's ids through ``add``, and a resume from an id the
ring no longer holds asks the store (``history``) before giving up with ``reset``.

The hub lives in the event loop: publish, add and follow from it, never from another thread.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import orjson

__all__ = ["Event", "EventHub", "EventSink", "History", "NewEvent", "encode"]

_IDS_PER_SECOND = 1_000_000

NewEvent = tuple[str, str | None, Mapping[str, Any]]
"""(kind, ticker or None for every stream, data) of an event not yet numbered."""

History = Callable[[int, str, int], Awaitable[list["Event"] | None]]
"""``history(after_id, ticker, until_id)``: the stored events of ``ticker`` (and broadcasts)
with ``after_id < id <= until_id``, oldest first; None when the store cannot tell them all
(pruned, or an id it never gave)."""


def encode(data: Mapping[str, Any]) -> str:
    """An event's data as JSON text (dates as ISO strings, numpy numbers as numbers)."""
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY).decode()


class EventSink(Protocol):
    """Where the live feed sends its events: the hub itself, or a shared store."""

    def publish_many(self, events: Sequence[NewEvent]) -> None: ...


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
    """An append-only ring of the last ``capacity`` events and a wake-up for followers.

    ``first_id``: the hub mirrors a store whose newest id was ``first_id`` when it started
    (events come through ``add``); ``history`` reads that store for older resumes."""

    def __init__(
        self,
        capacity: int = 20_000,
        *,
        boot_s: float | None = None,
        first_id: int | None = None,
        history: History | None = None,
    ) -> None:
        self.capacity = capacity
        self._events: list[Event] = []
        self._ids: list[int] = []
        if first_id is None:
            first_id = int(boot_s if boot_s is not None else time.time()) * _IDS_PER_SECOND
        self.first_id = first_id
        self._history = history
        self._last_id = self.first_id
        self._dropped = self.first_id  # every event after it is in the ring
        self._wake = asyncio.Event()
        self._closed = False
        self.followers = 0

    @property
    def last_id(self) -> int:
        """Id of the newest event (``first_id`` before any was published)."""
        return self._last_id

    def publish(self, kind: str, ticker: str | None, data: Mapping[str, Any]) -> Event:
        """Number the event (this hub alone gives ids) and wake the followers."""
        event = Event(self._last_id + 1, kind, ticker, encode(data))
        self.add([event])
        return event

    def publish_many(self, events: Sequence[NewEvent]) -> None:
        for kind, ticker, data in events:
            self.publish(kind, ticker, data)

    def add(self, events: Iterable[Event]) -> None:
        """Append events numbered elsewhere (the shared store), ids ascending."""
        added = False
        for event in events:
            if event.id <= self._last_id:
                continue  # already here (a catch-up read overlapping a notification)
            self._events.append(event)
            self._ids.append(event.id)
            self._last_id = event.id
            added = True
        if not added:
            return
        if len(self._events) > 2 * self.capacity:  # trim in bulk, not on every publish
            self._dropped = self._ids[-self.capacity - 1]
            del self._events[: -self.capacity]
            del self._ids[: -self.capacity]
        self._wake.set()
        self._wake = asyncio.Event()

    def close(self) -> None:
        """End every follower (at shutdown)."""
        self._closed = True
        self._wake.set()

    def _floor(self) -> int:
        """Every event with a larger id is among the last ``capacity`` here (ids given by a
        store may skip numbers: what counts is what left the ring, not the oldest id)."""
        if len(self._ids) > self.capacity:
            return self._ids[-self.capacity - 1]
        return self._dropped

    def can_resume(self, after_id: int) -> bool:
        """Whether every event after ``after_id`` is still here (no gap, same boot)."""
        return self.first_id <= after_id <= self._last_id and not self._trimmed_past(after_id)

    def _trimmed_past(self, after_id: int) -> bool:
        """Whether events after ``after_id`` have left the ring already."""
        return after_id < self._floor()

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
                    head = self._last_id
                    older = await self._stored(after_id, ticker, head)
                    if older is None:
                        yield [self._reset(ticker, "history gap")]
                    else:
                        if older:
                            yield older
                        last = max(head, after_id)  # ahead of this hub: wait for the rest
            while not self._closed:
                if self._trimmed_past(last):  # fell further behind than the buffer holds
                    yield [self._reset(ticker, "fell behind")]
                    last = self._last_id
                wake = self._wake
                head = self._last_id
                events = self.since(last, ticker)
                last = max(last, head)  # events published while yielding: next round
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

    async def _stored(self, after_id: int, ticker: str, until_id: int) -> list[Event] | None:
        """What the shared store has between ``after_id`` and this hub's head (None: no
        store, or it cannot tell all of it)."""
        if self._history is None:
            return None
        return await self._history(after_id, ticker, until_id)

    def _reset(self, ticker: str, reason: str) -> Event:
        return Event(self._last_id, "reset", ticker, orjson.dumps({"reason": reason}).decode())
