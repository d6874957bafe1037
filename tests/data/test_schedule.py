"""The update schedule fires after the exchange close, in the exchange's zone."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence

from tickercast.config import Settings
from tickercast.data.calendar import next_close
from tickercast.data.schedule import UpdateSchedule, next_update_at
from tickercast.data.update import UpdateReport
from tickercast.storage import repository, sources
from tickercast.storage.db import session_scope


def test_next_close_knows_early_closes_and_holidays() -> None:
    # Black Friday 2025 closes at 13:00 New York time = 18:00 UTC
    friday = dt.datetime(2025, 11, 28, 12, tzinfo=dt.UTC)
    assert next_close(friday) == dt.datetime(2025, 11, 28, 18, tzinfo=dt.UTC)
    # Thanksgiving (27th) is no session: from the 26th's close the next is the 28th
    wednesday_evening = dt.datetime(2025, 11, 26, 22, tzinfo=dt.UTC)
    assert next_close(wednesday_evening) == dt.datetime(2025, 11, 28, 18, tzinfo=dt.UTC)


def test_next_update_is_close_plus_delay_in_the_tickers_calendar() -> None:
    settings = Settings(update_delay_min=30, ticker_calendars={"SAP": "XETR"})
    noon = dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC)
    assert next_update_at("AAPL", settings, now=noon) == dt.datetime(
        2025, 12, 1, 21, 30, tzinfo=dt.UTC
    )  # NYSE closes 16:00 EST
    assert next_update_at("SAP", settings, now=noon) == dt.datetime(
        2025, 12, 1, 17, 0, tzinfo=dt.UTC
    )  # Xetra closes 17:30 CET = 16:30 UTC


def test_schedule_runs_the_update_once_the_close_has_passed(sqlite_settings: Settings) -> None:
    with session_scope(sqlite_settings) as session:
        ticker_id = repository.get_or_create_ticker_id(session=session, symbol="AAPL")
        sources.set_source(
            session=session, ticker_id=ticker_id, provider="yahoo", provider_symbol="AAPL"
        )
    close = next_close(dt.datetime(2025, 12, 1, 12, tzinfo=dt.UTC))
    start, t0 = close - dt.timedelta(seconds=0.3), time.monotonic()

    def clock() -> dt.datetime:  # 0.3 s before Monday's close, running at real speed
        return start + dt.timedelta(seconds=time.monotonic() - t0)

    ran: list[tuple[Sequence[str], dt.datetime]] = []

    def update(tickers: Sequence[str]) -> list[UpdateReport]:
        ran.append((list(tickers), clock()))
        return [UpdateReport(t, "yahoo", t, None) for t in tickers]

    settings = sqlite_settings.model_copy(update={"update_delay_min": 0.0})
    schedule = UpdateSchedule(settings, update=update, clock=clock)

    async def run() -> None:
        await schedule.start()
        for _ in range(100):
            if ran:
                break
            await asyncio.sleep(0.05)
        await schedule.stop()

    asyncio.run(run())
    [(tickers, at)] = ran
    assert tickers == ["AAPL"]
    assert at >= close
    assert schedule.next_run_at() > close + dt.timedelta(hours=12)  # the next session's close
