"""The live feed's status and its events as Server-Sent Events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from tickercast.serving.deps import EventHubDep, FeedDep
from tickercast.serving.live_schemas import FeedStatusPublic

router = APIRouter(tags=["live"])

_RETRY_MS = 2000


@router.get("/v1/feed", response_model=FeedStatusPublic)
async def feed_status(feed: FeedDep) -> FeedStatusPublic:
    """What the live feed does now: kind, state, cursor and the newest event id (open the
    stream after it to miss nothing between this answer and the stream)."""
    return FeedStatusPublic(**feed.status())


@router.get("/v1/stream/{ticker}", response_class=EventSourceResponse)
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
) -> AsyncIterator[ServerSentEvent]:
    """``bar``, ``prediction`` and ``score`` events of one ticker, and feed ``status``.

    Reconnecting with ``Last-Event-ID`` (browsers send it by themselves) replays what was
    missed, without gaps or duplicates; when that is no longer possible (a restart, or the
    client fell too far behind) a ``reset`` event says: reload history from the REST API."""
    resume = _event_id(last_event_id) if last_event_id is not None else after
    yield ServerSentEvent(comment="tickercast live events", retry=_RETRY_MS)
    async for event in hub.follow(ticker.upper(), resume):
        yield ServerSentEvent(raw_data=event.data, event=event.kind, id=str(event.id))


def _event_id(text: str) -> int:
    """An unreadable id resumes from nothing, which the hub answers with ``reset``."""
    return int(text) if text.strip().isdigit() else 0
