"""The live feed's status and its events as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import StreamingResponse

from tickercast.serving.deps import EventHubDep, FeedDep
from tickercast.serving.live_schemas import FeedStatusPublic
from tickercast.serving.problems import problem_responses

router = APIRouter(tags=["live"])

_HELLO = b": tickercast live events\nretry: 2000\n\n"  # reconnect after 2 s
_PING = b": ping\n\n"
_PING_S = 15.0


@router.get("/v1/feed", response_model=FeedStatusPublic, responses=problem_responses())
async def feed_status(feed: FeedDep) -> FeedStatusPublic:
    """What the live feed does now: kind, state, cursor and the newest event id (open the
    stream after it to miss nothing between this answer and the stream)."""
    return FeedStatusPublic(**feed.status())


@router.get(
    "/v1/stream/{ticker}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Event stream."},
        **problem_responses(422),
    },
)
async def stream(
    hub: EventHubDep,
    ticker: Annotated[str, Path(description="Ticker symbol", examples=["AMZN"])],
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="Resume after this event id.")
    ] = None,
    after: Annotated[
        int | None,
        Query(alias="last_event_id", description="Resume after this id (first connection)."),
    ] = None,
) -> StreamingResponse:
    """``bar``, ``prediction`` and ``score`` events of one ticker, and feed ``status``.

    Reconnecting with ``Last-Event-ID`` (browsers send it by themselves) replays what was
    missed, without gaps or duplicates; when that is no longer possible (a restart, or the
    client fell too far behind) a ``reset`` event says: reload history from the REST API.
    Events are encoded once and written as bytes, so many clients cost little each."""
    resume = _event_id(last_event_id) if last_event_id is not None else after

    async def body() -> AsyncIterator[bytes]:
        yield _HELLO
        async with aclosing(hub.batches(ticker.upper(), resume, ping_s=_PING_S)) as batches:
            async for batch in batches:
                yield b"".join(event.wire for event in batch) if batch else _PING

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _event_id(text: str) -> int:
    """An unreadable id resumes from nothing, which the hub answers with ``reset``."""
    return int(text) if text.strip().isdigit() else 0
