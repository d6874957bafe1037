"""Reads tests use to check what the service stored."""

from __future__ import annotations

from typing import Any

from tickercast.config import Settings
from tickercast.storage import repository
from tickercast.storage.db import session_scope
from tickercast.storage.predictions import list_predictions


def stored_predictions(settings: Settings, ticker: str, horizon: int | None = None) -> list[Any]:
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        assert ticker_id is not None
        return list(list_predictions(session=session, ticker_id=ticker_id, horizon=horizon))
