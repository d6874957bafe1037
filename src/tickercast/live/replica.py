"""The live feed across replicas: on PostgreSQL every serving process (replica or uvicorn
worker) opens the shared event store, and the one that wins the leader election runs the
feed.

- The leader runs the ``LiveFeed`` with the store as its sink (``StorePublisher``); a new
  leader resumes after the last bar event in the store, so a failover neither skips nor
  repeats a bar (and the predictions it stores are idempotent anyway).
- Every replica, leader included, serves SSE from its own hub, filled by the
  ``EventListener`` from the store in id order: the same events, in the same order, with
  the same ids, on every replica. A resume from an id the hub no longer holds reads the
  store.
- A follower answers ``/v1/feed`` and caps the replayed ticker's history from what the
  events say (the leader's last status, then the bars since), like the leader would.

On SQLite ``open_live`` gives today's single-process feed and its in-memory hub.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.data.providers import Provider
from tickercast.live.deployment import Deployment, libpq_conninfo
from tickercast.live.event_listener import EventListener
from tickercast.live.event_publisher import StorePublisher
from tickercast.live.event_store import EventStore
from tickercast.live.events import Event, EventHub
from tickercast.live.feed import Feed, LiveFeed, build_feed, capped, feed_ticker, replica_name
from tickercast.live.leader import LeaderElection
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.storage import repository
from tickercast.storage.db import is_sqlite

__all__ = ["FeedMirror", "ReplicaFeed", "StoreHead", "open_live"]

log = logging.getLogger(__name__)

_COUNTED = {"bar": "bars", "score": "scores", "prediction": "predictions"}


async def open_live(
    settings: Settings,
    sessions: sessionmaker[Session],
    models: ModelStore,
    writer: PredictionWriter,
    *,
    provider: Provider | None = None,
) -> tuple[EventHub, Feed]:
    """The hub SSE streams follow and the feed (not started yet) the settings ask for."""
    url = settings.resolved_database_url
    if is_sqlite(url):
        hub = EventHub()
        return hub, build_feed(settings, hub, sessions, models, writer, provider=provider)
    deployment = await asyncio.to_thread(Deployment.of, sessions)
    store = EventStore(sessions, deployment)
    ticker = feed_ticker(settings) if settings.feed != "none" else None
    head = await asyncio.to_thread(StoreHead.read, store, sessions, ticker)
    feed = ReplicaFeed(settings, sessions, models, writer, store, head, provider=provider)
    return feed.hub, feed


@dataclass(frozen=True)
class StoreHead:
    """Where a replica starts following: the store's newest id, the leader's last status
    and the feed's events since it (by kind), the last bar published, the ticker's id."""

    newest_id: int
    last_status: Event | None
    since_status: dict[str, int]
    last_bar: dt.date | None
    ticker_id: int | None

    @classmethod
    def read(
        cls, store: EventStore, sessions: sessionmaker[Session], ticker: str | None
    ) -> StoreHead:
        newest = store.newest_id()  # all below is read up to it: the listener goes on from it
        status = store.last_of("status", newest)
        if ticker is None:
            return cls(newest, status, {}, None, None)
        with sessions() as session:
            ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        since = store.kinds_between(status.id if status else 0, newest, ticker)
        return cls(newest, status, since, store.last_bar_date(ticker), ticker_id)


class FeedMirror:
    """The leader's feed status as a follower learns it from the events: the last
    ``status`` event, then the cursor and counters moved by each event after it."""

    def __init__(self, settings: Settings, head: StoreHead) -> None:
        self.kind = settings.feed
        self.ticker = feed_ticker(settings) if settings.feed != "none" else None
        self.status: dict[str, Any] = {
            "kind": self.kind,
            "ticker": self.ticker,
            "state": "off" if self.kind == "none" else "starting",
            "cursor": None,
            "source": None,
            "speed": settings.feed_speed if self.kind == "replay" else None,
            "every_s": settings.feed_every_s if self.kind == "poll" else None,
            "started_at": None,
            "bars": 0,
            "predictions": 0,
            "scores": 0,
            "detail": "the live feed is off"
            if self.kind == "none"
            else "waiting for the leader's first status",
            "model_note": None,
            "last_error": None,
            "retry": None,
            "leader": None,
        }
        self.cursor: dt.date | None = None
        if head.last_status is not None:
            self.observe(head.last_status)
        for kind, count in head.since_status.items():
            self._count(kind, count)
        if head.last_bar is not None and (self.cursor is None or head.last_bar > self.cursor):
            self.cursor = head.last_bar

    def observe(self, event: Event) -> bool:
        """Take ``event`` in; True when it moved the cursor."""
        before = self.cursor
        if event.kind == "status":
            data = orjson.loads(event.data)
            self.status = data
            self.cursor = dt.date.fromisoformat(data["cursor"]) if data.get("cursor") else None
        elif event.ticker == self.ticker:
            self._count(event.kind, 1)
            if event.kind == "bar":
                self.cursor = dt.date.fromisoformat(orjson.loads(event.data)["date"])
        return self.cursor != before

    def _count(self, kind: str, n: int) -> None:
        """The leader's counters (bars, scores, predictions) move with its events."""
        if kind in _COUNTED:
            self.status[_COUNTED[kind]] = int(self.status.get(_COUNTED[kind], 0)) + n

    def known_until(self, ticker: str) -> dt.date | None:
        if self.ticker is None or ticker.upper() != self.ticker:
            return None
        if self.kind == "replay":
            return self.cursor or dt.date.min
        return self.cursor


class ReplicaFeed:
    """One replica's part: follow the shared events always, run the feed while leader."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        models: ModelStore,
        writer: PredictionWriter,
        store: EventStore,
        head: StoreHead,
        *,
        provider: Provider | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.models = models
        self.writer = writer
        self.store = store
        self.provider = provider
        self.mirror = FeedMirror(settings, head)
        self.hub = EventHub(first_id=head.newest_id, history=self._history)
        conninfo = libpq_conninfo(settings.resolved_database_url, settings.db_connect_timeout_s)
        self.listener = EventListener(conninfo, store, head.newest_id, self._received)
        self.election = LeaderElection(
            conninfo,
            store.deployment.leader_key,
            on_elected=self._lead,
            on_demoted=self._follow,
            retry_s=settings.leader_retry_s,
            check_s=settings.leader_retry_s,
        )
        self.feed: LiveFeed | None = None
        self._publisher: StorePublisher | None = None
        self._ticker_id = head.ticker_id
        self._limit_scoring()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self.listener.start()
        await self.election.start()
        if not self.election.is_leader:
            log.info("live feed role: follower (replica %s)", replica_name())

    async def stop(self, timeout_s: float = 15.0) -> None:
        await self.election.stop()  # the feed stops and its events are written first
        await self.listener.stop()

    async def _lead(self) -> None:
        ticker = self.mirror.ticker
        resume = None
        if ticker is not None:
            resume = await asyncio.to_thread(self.store.last_bar_date, ticker)
        self._publisher = StorePublisher(
            self.store,
            lambda: self.election.backend_pid,
            keep=self.settings.event_keep,
            prune_every_s=self.settings.event_prune_every_s,
        )
        self._publisher.start()
        feed = build_feed(
            self.settings,
            self.hub,
            self.sessions,
            self.models,
            self.writer,
            provider=self.provider,
            sink=self._publisher,
            resume_after=resume,
        )
        await feed.start()  # places the cursor: the API answers from it from now on
        self.feed = feed

    async def _follow(self) -> None:
        feed, publisher = self.feed, self._publisher
        self.feed, self._publisher = None, None
        if feed is not None:
            await feed.stop()
        if publisher is not None:
            await asyncio.to_thread(publisher.close)
        self._limit_scoring()

    # ------------------------------------------------------------------ what the API asks
    def status(self) -> dict[str, Any]:
        if self.feed is not None:
            return self.feed.status()
        status = dict(self.mirror.status)
        return {
            **status,
            "cursor": self.mirror.cursor,
            "leader": status.get("leader"),
            "role": "follower",
            "replica": replica_name(),
            "last_event_id": self.hub.last_id,
            "followers": self.hub.followers,
        }

    def known_until(self, ticker: str) -> dt.date | None:
        if self.feed is not None:
            return self.feed.known_until(ticker)
        return self.mirror.known_until(ticker)

    def visible_end(self, ticker: str, end: dt.date | None) -> dt.date | None:
        return capped(end, self.known_until(ticker))

    def publish_event(self, kind: str, ticker: str | None, data: dict[str, Any]) -> None:
        """Only the leader publishes (every replica swaps models; one event is enough)."""
        if self._publisher is not None:
            self._publisher.publish_many([(kind, ticker, data)])

    # ------------------------------------------------------------------ from the store
    def _received(self, events: list[Event]) -> None:
        self.hub.add(events)
        moved = False
        for event in events:
            moved = self.mirror.observe(event) or moved
        if moved and self.feed is None:
            self._limit_scoring()

    def _limit_scoring(self) -> None:
        """A follower's prediction writer scores the replayed ticker only up to the
        leader's cursor, as the leader's does."""
        if self.mirror.kind == "replay" and self._ticker_id is not None:
            self.writer.limit_scoring(self._ticker_id, self.mirror.cursor or dt.date.min)

    async def _history(self, after_id: int, ticker: str, until_id: int) -> list[Event] | None:
        return await asyncio.to_thread(self.store.history, after_id, ticker, until_id)
