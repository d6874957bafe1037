"""The live feed: new bars arrive (replayed from storage, or polled from a provider), and for
each one the service stores it, scores the prediction made for that day, makes and stores
the next one, and publishes ``bar``, ``score`` and ``prediction`` events.

Replay plays stored bars of one ticker from a start date at ``speed`` bars per second. The
bars are already stored, so storing is a no-op; what moves is the *cursor*, the date of the
bar that has just "arrived". Nothing a client can see depends on a bar after the cursor:
predictions come from the bars up to it, the prediction writer scores only against bars up
to it, and the API caps the replayed ticker's prices, predictions, accuracy and forecasts at
it (``visible_end``). A restart replays from the start date again (stored predictions are
unique per model version, origin and target, so the second pass adds no duplicates).

One bar's work is all or nothing: the database work runs first, in one worker-thread call,
and only when it succeeded does the cursor move and do the events go out. When it fails
(the database went away, say), the feed waits with exponential back-off (``retrying`` in
``/v1/feed``, capped at ``feed_retry_max_s``) and does the same bar again, so it resumes
from its cursor once the database is back, without a restart and without duplicates.

After each bar, the callbacks in ``LiveFeed.on_bar`` run in the feed's worker thread with
the bar's ``BarOutcome`` (where drift checks and similar per-bar work hook in).

The feed runs in one serving process, as an asyncio task that hands the blocking work
(database, model) to its own worker thread; events are published from the event loop. On
SQLite they go to the process's own hub, and with more than one uvicorn worker the feed is
off. On PostgreSQL ``live.replica`` runs it in the elected leader only, its events go to the
shared store (``sink``), and a new leader resumes after the last bar the old one published
(``resume_after``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.data.providers import HttpProvider, Provider
from tickercast.errors import TickercastError
from tickercast.live.bar_handler import BarHandler, BarOutcome, bar_payload
from tickercast.live.events import EventHub, EventSink, NewEvent
from tickercast.live.prediction_writer import PredictionWriter

__all__ = [
    "BarHook",
    "Feed",
    "FeedState",
    "LiveFeed",
    "build_feed",
    "capped",
    "feed_ticker",
    "replica_name",
]

log = logging.getLogger(__name__)

FeedState = Literal["off", "starting", "running", "retrying", "finished", "stopped", "error"]
BarHook = Callable[[BarOutcome], None]
T = TypeVar("T")

_ERROR_CHARS = 300


def capped(end: dt.date | None, limit: dt.date | None) -> dt.date | None:
    """``end`` no later than ``limit`` (None: no limit; an ``end`` of None: up to it)."""
    if limit is not None and (end is None or end > limit):
        return limit
    return end


def replica_name() -> str:
    """This serving process among replicas and workers: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Feed(Protocol):
    """What the API asks of the live feed, whether it runs here or in another replica."""

    async def start(self) -> None: ...
    async def stop(self, timeout_s: float = 15.0) -> None: ...
    def status(self) -> dict[str, Any]: ...
    def known_until(self, ticker: str) -> dt.date | None: ...
    def visible_end(self, ticker: str, end: dt.date | None) -> dt.date | None: ...
    def publish_event(self, kind: str, ticker: str | None, data: dict[str, Any]) -> None: ...


@dataclass
class _Counters:
    bars: int = 0
    predictions: int = 0
    scores: int = 0


@dataclass(frozen=True)
class _Retry:
    attempt: int
    delay_s: float
    next_at: dt.datetime
    failing_since: dt.datetime


def _describe(exc: BaseException) -> str:
    """One short line for an error (a driver's message can run to many lines of SQL)."""
    first = (str(exc).strip().splitlines() or [""])[0]
    text = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return text[:_ERROR_CHARS]


class LiveFeed:
    """Replay or poll for one ticker; ``start``/``stop`` from the app's lifespan."""

    def __init__(
        self,
        kind: Literal["none", "replay", "poll"],
        hub: EventHub,
        handler: BarHandler | None = None,
        *,
        start_date: dt.date | None = None,
        speed: float = 4.0,
        provider: Provider | None = None,
        poll_url: str | None = None,
        every_s: float = 60.0,
        retry_first_s: float = 1.0,
        retry_max_s: float = 60.0,
        off_reason: str | None = None,
        sink: EventSink | None = None,
        resume_after: dt.date | None = None,
        role: Literal["single", "leader"] = "single",
    ) -> None:
        self.kind = kind
        self.hub = hub
        self.sink: EventSink = sink or hub
        self.resume_after = resume_after
        self.role = role
        self.handler = handler
        self.ticker = handler.ticker if handler else None
        self.start_date = start_date
        self.speed = speed
        self.provider = provider
        self.poll_url = poll_url
        self.every_s = every_s
        self.retry_first_s = retry_first_s
        self.retry_max_s = max(retry_max_s, retry_first_s)
        self.on_bar: list[BarHook] = []
        self.state: FeedState = "off" if kind == "none" else "starting"
        self.detail: str | None = off_reason or ("the live feed is off" if kind == "none" else None)
        self.last_error: str | None = None
        self.cursor: dt.date | None = None
        self.started_at: dt.datetime | None = None
        self.counts = _Counters()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._model_note: str | None = None
        self._prepared = False
        self._origin_pending = False  # the prediction from the bar before the first replayed
        self._bars: list[Any] = []
        self._next = 0  # index in _bars of the next bar to replay
        self._retry: _Retry | None = None
        self._running_detail: str | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Set the cursor before returning (so the first request already sees it), then
        run the feed as a task. If the database fails already here, the task retries."""
        if self.kind == "none" or self.handler is None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-feed")
        self.started_at = dt.datetime.now(dt.UTC)
        try:
            ready = await self._prepare()
        except Exception as exc:
            self._failed(exc)
            ready = True
        if ready:
            run = self._replay if self.kind == "replay" else self._poll
            self._task = asyncio.create_task(self._guard(run), name=f"live-feed-{self.kind}")

    async def stop(self, timeout_s: float = 15.0) -> None:
        """Finish the bar in progress (its prediction is stored), then stop."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except TimeoutError:
                log.warning("live feed did not stop within %.0fs; cancelling it", timeout_s)
                self._task.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self.state in ("starting", "running", "retrying"):
            self._set_state("stopped", "the service is shutting down")

    def status(self) -> dict[str, Any]:
        retry = self._retry
        return {
            "kind": self.kind,
            "ticker": self.ticker,
            "state": self.state,
            "cursor": self.cursor,
            "source": self._source(),
            "speed": self.speed if self.kind == "replay" else None,
            "every_s": self.every_s if self.kind == "poll" else None,
            "started_at": self.started_at,
            "bars": self.counts.bars,
            "predictions": self.counts.predictions,
            "scores": self.counts.scores,
            "detail": self.detail,
            "model_note": self._model_note,
            "last_error": self.last_error,
            "retry": None
            if retry is None
            else {
                "attempt": retry.attempt,
                "delay_s": retry.delay_s,
                "next_at": retry.next_at,
                "failing_since": retry.failing_since,
            },
            "last_event_id": self.hub.last_id,
            "followers": self.hub.followers,
            "role": self.role,
            "replica": replica_name(),
            "leader": replica_name(),
        }

    def publish_event(self, kind: str, ticker: str | None, data: dict[str, Any]) -> None:
        """Another part's event (a model swap) on the feed's stream."""
        self.sink.publish_many([(kind, ticker, data)])

    def known_until(self, ticker: str) -> dt.date | None:
        """The last date a client may see for ``ticker``: the cursor of its feed (for a replay
        that has not placed its cursor yet, ``date.min``: nothing), or None when unbounded."""
        if self.ticker is None or ticker.upper() != self.ticker:
            return None
        if self.kind == "replay":
            return self.cursor or dt.date.min
        return self.cursor

    def visible_end(self, ticker: str, end: dt.date | None) -> dt.date | None:
        """``end``, capped at what a client may see of ``ticker`` (no peeking ahead)."""
        return capped(end, self.known_until(ticker))

    # ------------------------------------------------------------------ the loops
    async def _guard(self, run: Callable[[], Awaitable[None]]) -> None:
        """Run the loop; on any failure wait (exponential back-off, capped) and run it again
        from the cursor. The feed must neither take the service down nor stop for good."""
        while not self._stopping.is_set():
            if self._retry is not None and await self._sleep(self._retry.delay_s):
                return
            try:
                await run()
            except Exception as exc:
                self._failed(exc)
            else:
                return

    def _failed(self, exc: BaseException) -> None:
        now = dt.datetime.now(dt.UTC)
        previous = self._retry
        attempt = previous.attempt + 1 if previous else 1
        delay = min(self.retry_first_s * 2 ** (attempt - 1), self.retry_max_s)
        since = previous.failing_since if previous else now
        self._retry = _Retry(attempt, delay, now + dt.timedelta(seconds=delay), since)
        self.last_error = _describe(exc)
        if attempt == 1:
            log.exception("live feed failed at cursor %s; retrying in %g s", self.cursor, delay)
        else:
            log.warning(
                "live feed still failing (attempt %d): %s; retrying in %g s",
                attempt,
                self.last_error,
                delay,
            )
        self._set_state(
            "retrying", f"the feed failed at cursor {self.cursor}; retry {attempt} in {delay:g} s"
        )

    def _recovered(self) -> None:
        """A bar went through: leave ``retrying`` and say so once."""
        if self._retry is None:
            return
        log.info(
            "live feed recovered after %d failed attempts (since %s); resuming after %s",
            self._retry.attempt,
            self._retry.failing_since.isoformat(timespec="seconds"),
            self.cursor,
        )
        self._retry = None
        self.last_error = None
        self._set_state("running", self._running_detail)

    async def _prepare(self) -> bool:
        """Place the cursor; False when the feed cannot run at all (nothing to replay)."""
        handler = self._handler()
        if self.kind == "replay":
            if await self._call(handler.find_ticker) is None:
                msg = f"no stored bars for {handler.ticker}; run `tickercast init`"
                self._set_state("error", msg)
                return False
            self.cursor, self._bars = await self._call(handler.replay_plan, self.start_date)
            self._origin_pending = self.cursor is not None
            resume = self.resume_after
            resumed = resume is not None and (self.cursor is None or resume >= self.cursor)
            if resumed:  # the previous leader published every bar up to it
                self.cursor, self._origin_pending = resume, False
                self._bars = [bar for bar in self._bars if bar.date > resume]
            handler.limit_scoring(self.cursor or dt.date.min)
            first = self._bars[0].date if self._bars else None
            self._running_detail = f"replaying {len(self._bars)} bars from {first}"
            if resumed:
                self._running_detail += f" (resumed after {resume})"
        else:
            stored = await self._call(handler.last_stored)  # None: the first poll fills
            self.cursor = self.resume_after or stored
            self._origin_pending = self.resume_after is None and self.cursor is not None
            self._running_detail = f"polling every {self.every_s:g} s"
        self._prepared = True
        self._retry = None
        self.last_error = None
        self._set_state("running", self._running_detail)
        return True

    async def _replay(self) -> None:
        if not self._prepared and not await self._prepare():
            return
        if self._origin_pending and self.cursor is not None:
            await self._arrive(self.cursor, None, score=False)
            self._origin_pending = False
        t0 = time.monotonic()  # pacing restarts after a retry: no burst of missed bars
        for k in range(1, len(self._bars) - self._next + 1):
            if await self._sleep(t0 + k / self.speed - time.monotonic()):
                return
            bar = self._bars[self._next]
            await self._arrive(bar.date, bar)
            self._next += 1
        self._set_state("finished", f"replay reached the last stored bar ({self.cursor})")

    async def _poll(self) -> None:
        if not self._prepared and not await self._prepare():
            return
        handler = self._handler()
        assert self.provider is not None
        if self._origin_pending and self.cursor is not None:
            await self._arrive(self.cursor, None, score=False)
            self._origin_pending = False
        while not self._stopping.is_set():
            try:
                await self._call(handler.poll, self.provider)
            except TickercastError as exc:  # the provider failed: try again next round
                log.warning("poll of %s failed: %s", handler.ticker, exc)
                self.last_error = str(exc)
                self._publish_status()
            else:
                fresh = await self._call(handler.bars_after, self.cursor)
                if self.last_error is not None:
                    self.last_error = None
                    self._publish_status()
                if self.cursor is None and fresh:  # first fill: history, not news
                    await self._arrive(fresh[-1].date, None, score=False)
                else:
                    for bar in fresh:
                        await self._arrive(bar.date, bar)
            if await self._sleep(self.every_s):
                return

    async def _arrive(self, day: dt.date, bar: Any | None, *, score: bool = True) -> None:
        """One bar: the database work first (scoring it, the next prediction), and only
        when that succeeded, move the cursor and publish bar, score and prediction together
        (followers wake once for them). A failure leaves cursor and events as they were."""
        handler = self._handler()
        outcome = await self._call(handler.arrive, day, score=score)
        self._recovered()
        batch: list[NewEvent] = []  # one write to a shared store: all of the bar or none
        if bar is not None:
            batch.append(self._bar_event(bar))
        elif self.cursor != day:
            self.cursor = day
            batch.append(self._status_event())
        if self.kind == "replay":
            handler.limit_scoring(day)
        if outcome.model_note != self._model_note:
            self._model_note = outcome.model_note
            batch.append(self._status_event())
        if outcome.scored is not None:
            self.counts.scores += 1
            batch.append(("score", handler.ticker, outcome.scored))
        if outcome.prediction is not None:
            self.counts.predictions += 1
            batch.append(("prediction", handler.ticker, outcome.prediction))
        self.sink.publish_many(batch)
        for hook in self.on_bar:
            await self._call(self._run_hook, hook, outcome)
        drift = await self._call(handler.drift, day)
        if drift is not None:
            self.sink.publish_many([("drift", handler.ticker, drift)])

    @staticmethod
    def _run_hook(hook: BarHook, outcome: BarOutcome) -> None:
        try:
            hook(outcome)
        except Exception:  # a hook must not stop the feed; it keeps its own state
            log.exception("on-bar hook %r failed for %s", hook, outcome.day)

    # ------------------------------------------------------------------ helpers
    def _bar_event(self, bar: Any) -> NewEvent:
        self.cursor = bar.date
        self.counts.bars += 1
        data = bar_payload(bar, self._handler().ticker)
        data["stored_at_ms"] = time.time() * 1000.0
        return ("bar", self.ticker, data)

    def _status_event(self) -> NewEvent:
        return ("status", None, self.status())

    def _publish_status(self) -> None:
        self.sink.publish_many([self._status_event()])

    def _set_state(self, state: FeedState, detail: str | None) -> None:
        self.state = state
        self.detail = detail
        log.info("live feed %s: %s", state, detail)
        self._publish_status()

    def _source(self) -> str | None:
        if self.kind == "replay":
            start = self.start_date or "two years before the last stored bar"
            return f"replay of stored {self.ticker} bars from {start}"
        if self.kind == "poll" and self.poll_url:
            url = urlsplit(self.poll_url)  # the query may hold an API key: not shown
            return f"poll of {url.scheme}://{url.netloc}{url.path}"
        return None

    def _handler(self) -> BarHandler:
        assert self.handler is not None
        return self.handler

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` (or not at all if <= 0); True when the feed is stopping."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()


def build_feed(
    settings: Settings,
    hub: EventHub,
    sessions: sessionmaker[Session],
    models: ModelStore,
    writer: PredictionWriter,
    *,
    provider: Provider | None = None,
    sink: EventSink | None = None,
    resume_after: dt.date | None = None,
) -> LiveFeed:
    """The feed the settings ask for. Without a shared ``sink`` it is off with several
    workers (its events would stay in one worker's memory)."""
    role: Literal["single", "leader"] = "single" if sink is None else "leader"
    if settings.feed == "none":
        return LiveFeed(
            "none",
            hub,
            off_reason="the live feed is off (tickercast serve --no-feed)",
            sink=sink,
            role=role,
        )
    if settings.workers > 1 and sink is None:
        log.warning("live feed off: it runs only with one worker (events are per process)")
        return LiveFeed(
            "none",
            hub,
            off_reason=f"the live feed is off: it needs --workers 1 (got {settings.workers})",
        )
    ticker = feed_ticker(settings)
    handler = BarHandler(ticker, settings, sessions, models, writer)
    shared: dict[str, Any] = {
        "sink": sink,
        "resume_after": resume_after,
        "role": role,
        "retry_first_s": settings.feed_retry_first_s,
        "retry_max_s": settings.feed_retry_max_s,
    }
    if settings.feed == "replay":
        return LiveFeed(
            "replay",
            hub,
            handler,
            start_date=settings.feed_from,
            speed=settings.feed_speed,
            **shared,
        )
    if provider is None:
        if not settings.feed_poll_url:
            return LiveFeed(
                "none",
                hub,
                off_reason="the poll feed needs a URL (tickercast serve --poll URL)",
                sink=sink,
                role=role,
            )
        provider = HttpProvider(
            settings.feed_poll_url,
            timeout_s=settings.http_timeout_s,
            retries=settings.http_retries,
        )
    return LiveFeed(
        "poll",
        hub,
        handler,
        provider=provider,
        poll_url=settings.feed_poll_url,
        every_s=settings.feed_every_s,
        **shared,
    )


def feed_ticker(settings: Settings) -> str:
    """The ticker the live feed plays or polls."""
    return (settings.feed_ticker or settings.default_ticker).upper()
