"""The live feed: new bars arrive (replayed from storage, or polled from a provider), and for
each one the service stores it, scores the prediction made for that day, makes and stores
the next one, and publishes ``bar``, ``score`` and ``prediction`` events.

Replay plays stored bars of one ticker from a start date at ``speed`` bars per second. The
bars are already stored, so storing is a no-op; what moves is the *cursor*, the date of the
bar that has just "arrived". Nothing after the cursor is used (predictions come from the
bars up to it) and the dashboard and accuracy read history up to it; the data API still
shows everything. A restart replays from the start date again (stored predictions are
unique per model version, origin and target, so the second pass adds no duplicates).

The feed runs in one serving process, as an asyncio task that hands the blocking work
(database, model) to its own worker thread; events are published from the event loop.
With more than one uvicorn worker it is off: events live in process memory (fan-out across
processes, e.g. PostgreSQL LISTEN/NOTIFY, is left for the scale-out issue).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from tickercast.config import Settings
from tickercast.data.providers import HttpProvider, Provider
from tickercast.errors import ModelNotFound, TickercastError
from tickercast.live.bar_handler import BarHandler, bar_payload
from tickercast.live.events import EventHub
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.serving.model_store import ModelStore

__all__ = ["FeedState", "LiveFeed", "build_feed"]

log = logging.getLogger(__name__)

FeedState = Literal["off", "starting", "running", "finished", "stopped", "error"]
T = TypeVar("T")


@dataclass
class _Counters:
    bars: int = 0
    predictions: int = 0
    scores: int = 0


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
        off_reason: str | None = None,
    ) -> None:
        self.kind = kind
        self.hub = hub
        self.handler = handler
        self.ticker = handler.ticker if handler else None
        self.start_date = start_date
        self.speed = speed
        self.provider = provider
        self.poll_url = poll_url
        self.every_s = every_s
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
        self._bars: list[Any] = []

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Set the cursor before returning (so the first request already sees it), then
        run the feed as a task."""
        if self.kind == "none" or self.handler is None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-feed")
        self.started_at = dt.datetime.now(dt.UTC)
        try:
            ready = await (
                self._prepare_replay() if self.kind == "replay" else self._prepare_poll()
            )
        except Exception as exc:
            log.exception("live feed could not start")
            self._set_state("error", f"the feed could not start: {exc}")
            return
        if ready:
            run = self._replay if self.kind == "replay" else self._poll
            self._task = asyncio.create_task(self._guard(run), name=f"live-feed-{self.kind}")

    async def stop(self, timeout_s: float = 15.0) -> None:
        """Finish the bar in progress (its prediction is handed to the writer), then stop."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except TimeoutError:
                log.warning("live feed did not stop within %.0fs; cancelling it", timeout_s)
                self._task.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        if self.state in ("starting", "running"):
            self._set_state("stopped", "the service is shutting down")

    def status(self) -> dict[str, Any]:
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
            "last_event_id": self.hub.last_id,
            "followers": self.hub.followers,
        }

    def known_until(self, ticker: str) -> dt.date | None:
        """The last date a client may see for ``ticker``: the cursor of its feed, or None."""
        if self.ticker is not None and ticker.upper() == self.ticker and self.cursor:
            return self.cursor
        return None

    # ------------------------------------------------------------------ the loops
    async def _guard(self, run: Callable[[], Any]) -> None:
        try:
            await run()
        except Exception as exc:  # the feed must never take the service down with it
            log.exception("live feed failed")
            self._set_state("error", f"the feed stopped on an error: {exc}")

    async def _prepare_replay(self) -> bool:
        handler = self._handler()
        if await self._call(handler.find_ticker) is None:
            self._set_state("error", f"no stored bars for {handler.ticker}; run `tickercast init`")
            return False
        self.cursor, self._bars = await self._call(handler.replay_plan, self.start_date)
        first = self._bars[0].date if self._bars else None
        self._set_state("running", f"replaying {len(self._bars)} bars from {first}")
        return True

    async def _replay(self) -> None:
        handler = self._handler()
        if self.cursor is not None:
            await self._after_bar(self.cursor, score=False)
        t0 = time.monotonic()
        for k, bar in enumerate(self._bars, start=1):
            if await self._sleep(t0 + k / self.speed - time.monotonic()):
                return
            await self._call(handler.store_replayed, bar.date)
            self._publish_bar(bar)
            await self._after_bar(bar.date)
        self._set_state("finished", f"replay reached the last stored bar ({self.cursor})")

    async def _prepare_poll(self) -> bool:
        self.cursor = await self._call(self._handler().last_stored)
        self._set_state("running", f"polling every {self.every_s:g} s")
        return True

    async def _poll(self) -> None:
        handler = self._handler()
        assert self.provider is not None
        if self.cursor is not None:
            await self._after_bar(self.cursor, score=False)
        while not self._stopping.is_set():
            try:
                await self._call(handler.poll, self.provider)
                fresh = await self._call(handler.bars_after, self.cursor)
            except TickercastError as exc:
                log.warning("poll of %s failed: %s", handler.ticker, exc)
                self.last_error = str(exc)
                self._publish_status()
            else:
                if self.last_error is not None:
                    self.last_error = None
                    self._publish_status()
                if self.cursor is None and fresh:  # first fill: history, not news
                    self.cursor = fresh[-1].date
                    self._publish_status()
                    await self._after_bar(self.cursor, score=False)
                else:
                    for bar in fresh:
                        self._publish_bar(bar)
                        await self._after_bar(bar.date)
            if await self._sleep(self.every_s):
                return

    async def _after_bar(self, day: dt.date, *, score: bool = True) -> None:
        """Score the day, predict the next one, then publish both together: followers wake
        once for the pair instead of once per event (each wake-up costs every stream)."""
        handler = self._handler()
        scored = await self._call(handler.score, day) if score else None
        if scored is not None:
            self.counts.scores += 1
        try:
            prediction = await self._call(handler.predict, day)
        except ModelNotFound as exc:
            prediction = None
            self._note_model(f"bars without predictions: {exc}")
        else:
            self._note_model(None)
        if scored is not None:
            self.hub.publish("score", handler.ticker, scored)
        if prediction is not None:
            self.counts.predictions += 1
            self.hub.publish("prediction", handler.ticker, prediction)
        drift = await self._call(handler.drift, day)
        if drift is not None:
            self.hub.publish("drift", handler.ticker, drift)

    # ------------------------------------------------------------------ helpers
    def _publish_bar(self, bar: Any) -> None:
        self.cursor = bar.date
        self.counts.bars += 1
        data = bar_payload(bar, self._handler().ticker)
        data["stored_at_ms"] = time.time() * 1000.0
        self.hub.publish("bar", self.ticker, data)

    def _publish_status(self) -> None:
        self.hub.publish("status", None, self.status())

    def _set_state(self, state: FeedState, detail: str | None) -> None:
        self.state = state
        self.detail = detail
        log.info("live feed %s: %s", state, detail)
        self._publish_status()

    def _note_model(self, note: str | None) -> None:
        if note != self._model_note:
            self._model_note = note
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

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, *args)

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
) -> LiveFeed:
    """The feed the settings ask for; off with several workers (events are per process)."""
    if settings.feed == "none":
        return LiveFeed("none", hub, off_reason="the live feed is off (tickercast serve --no-feed)")
    if settings.workers > 1:
        log.warning("live feed off: it runs only with one worker (events are per process)")
        return LiveFeed(
            "none",
            hub,
            off_reason=f"the live feed is off: it needs --workers 1 (got {settings.workers})",
        )
    ticker = (settings.feed_ticker or settings.default_ticker).upper()
    handler = BarHandler(ticker, settings, sessions, models, writer)
    if settings.feed == "replay":
        return LiveFeed(
            "replay", hub, handler, start_date=settings.feed_from, speed=settings.feed_speed
        )
    if provider is None:
        if not settings.feed_poll_url:
            return LiveFeed(
                "none", hub, off_reason="the poll feed needs a URL (tickercast serve --poll URL)"
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
    )
