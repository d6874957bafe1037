"""Server-Sent Events clients on httpx's async client, for tests with many streams and
replicas: each follows one ticker and, when its connection breaks, resumes on the next
replica with ``Last-Event-ID`` the way a browser's EventSource does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

Event = dict[str, Any]


class EventParser:
    """text/event-stream, line by line: ``line(text)`` gives an event when one is complete
    (comments and ``retry`` lines skipped)."""

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}

    def line(self, text: str) -> Event | None:
        if text == "":
            fields, self._fields = self._fields, {}
            if "event" not in fields:
                return None
            return {
                "id": int(fields["id"]),
                "event": fields["event"],
                "data": json.loads(fields["data"]),
            }
        if not text.startswith(":"):
            name, _, value = text.partition(":")
            self._fields[name] = value.removeprefix(" ")
        return None


def finished(event: Event) -> bool:
    return event["event"] == "status" and event["data"]["state"] == "finished"


@dataclass
class Stream:
    """What one client received, and which replicas it read it from."""

    events: list[Event] = field(default_factory=list)
    served_by: list[str] = field(default_factory=list)

    @property
    def last_id(self) -> int | None:
        return self.events[-1]["id"] if self.events else None

    def bars(self) -> int:
        return sum(1 for e in self.events if e["event"] == "bar")

    def key(self) -> list[tuple[int, str, str]]:
        """Ids, kinds and data, to compare two clients' streams exactly."""
        return [(e["id"], e["event"], json.dumps(e["data"], sort_keys=True)) for e in self.events]


async def follow(
    client: httpx.AsyncClient,
    urls: Sequence[str],
    ticker: str,
    stream: Stream,
    *,
    until: Callable[[Event], bool] = finished,
    after: int = 0,
    max_connections: int = 10,
) -> Stream:
    """Read ``ticker``'s events after ``after`` until ``until(event)``; a connection that
    breaks is replaced by one to the next URL, resuming after the last id received."""
    for attempt in range(max_connections):
        url = urls[min(attempt, len(urls) - 1)]
        resume = stream.last_id if stream.last_id is not None else after
        try:
            if await _read(client, url, ticker, resume, stream, until):
                return stream
        except httpx.TransportError:
            await asyncio.sleep(0.1)  # EventSource waits `retry` ms; the test need not
    raise AssertionError(f"stream of {ticker} never reached its end: {stream.served_by}")


async def _read(
    client: httpx.AsyncClient,
    url: str,
    ticker: str,
    resume: int,
    stream: Stream,
    until: Callable[[Event], bool],
) -> bool:
    headers = {"Last-Event-ID": str(resume)}
    async with client.stream("GET", f"{url}/v1/stream/{ticker}", headers=headers) as response:
        assert response.status_code == 200
        stream.served_by.append(url)
        parser = EventParser()
        async for line in response.aiter_lines():
            event = parser.line(line)
            if event is not None:
                stream.events.append(event)
                if until(event):
                    return True
    return False
