"""The daily update schedule: after each exchange close, in the exchange's own time zone.

A small asyncio loop, not APScheduler: APScheduler's cron triggers know weekdays but not
exchange holidays or early closes, so the next run time would come from the exchange
calendar anyway, leaving APScheduler only "sleep until t, run in a thread", which this does
with no dependency, inside serve's event loop, stopping with it. The HTTP layer only
shows ``next_run_at``; the update itself is tickercast.data.update.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tickercast.config import Settings
from tickercast.data.calendar import DEFAULT_CALENDAR, next_close
from tickercast.data.update import UpdateReport, update_all
from tickercast.storage import sources
from tickercast.storage.db import session_scope

__all__ = ["UpdateSchedule", "next_update_at"]

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def next_update_at(
    ticker: str, settings: Settings, *, now: dt.datetime | None = None
) -> dt.datetime:
    """When the schedule next updates ``ticker``: its exchange's next close plus the delay."""
    delay = dt.timedelta(minutes=settings.update_delay_min)
    calendar = settings.calendar_for(ticker)
    return next_close((now or _utc_now()) - delay, calendar) + delay


@dataclass
class _Run:
    at: dt.datetime
    calendar: str


class UpdateSchedule:
    """Runs ``update`` for the tickers of each calendar once that calendar's session has
    closed (plus ``update_delay_min``); ``start``/``stop`` from serve's lifespan."""

    def __init__(
        self,
        settings: Settings,
        *,
        update: Callable[[Sequence[str]], list[UpdateReport]] | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.settings = settings
        self._update = update or (lambda tickers: update_all(tickers, settings=settings))
        self._clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.last_run_at: dt.datetime | None = None
        self.last_reports: list[UpdateReport] = []

    def next_run_at(self, ticker: str | None = None) -> dt.datetime:
        return next_update_at(ticker or "", self.settings, now=self._clock())

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="update-schedule")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _tickers_by_calendar(self) -> dict[str, list[str]]:
        with session_scope(self.settings) as session:
            tickers = [s.ticker for s in sources.list_sources(session=session)]
        groups: dict[str, list[str]] = {}
        for ticker in tickers:
            calendar = self.settings.calendar_for(ticker)
            groups.setdefault(calendar, []).append(ticker)
        return groups

    def _next_run(self, calendars: Sequence[str]) -> _Run:
        delay = dt.timedelta(minutes=self.settings.update_delay_min)
        now = self._clock()
        runs = [_Run(next_close(now - delay, c) + delay, c) for c in calendars]
        return min(runs, key=lambda r: r.at)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            groups = await asyncio.to_thread(self._tickers_by_calendar)
            run = self._next_run(list(groups) or [DEFAULT_CALENDAR])
            wait = (run.at - self._clock()).total_seconds()
            log.info("next scheduled update (%s) at %s", run.calendar, run.at.isoformat())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=max(wait, 0.0) + 0.001)
                return
            tickers = groups.get(run.calendar, [])
            if not tickers:
                continue
            try:
                self.last_reports = await asyncio.to_thread(self._update, tickers)
            except Exception:  # the schedule must survive one bad day
                log.exception("scheduled update of %s failed", ", ".join(tickers))
            self.last_run_at = self._clock()
            failed = [r.ticker for r in self.last_reports if r.error]
            log.info(
                "scheduled update of %d ticker(s) done%s",
                len(tickers),
                f"; failed: {', '.join(failed)}" if failed else "",
            )
