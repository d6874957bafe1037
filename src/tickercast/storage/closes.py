"""A ticker's closes in one call (what training, drift checks and the CLI read)."""

from __future__ import annotations

import numpy as np

from tickercast.config import Settings
from tickercast.errors import TickerNotFound

__all__ = ["load_closes"]


def load_closes(ticker: str, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(dates as datetime64[D], closes as float64) of a ticker, oldest first."""
    from tickercast.storage import repository
    from tickercast.storage.db import session_scope

    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker.upper())
        if ticker_id is None:
            raise TickerNotFound(ticker.upper())
        return repository.get_closes(session=session, ticker_id=ticker_id)
