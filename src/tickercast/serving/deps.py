"""FastAPI dependencies as Annotated aliases, plus validating loaders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session, sessionmaker

from tickercast.config import Settings
from tickercast.errors import TickerNotFound
from tickercast.storage import repository

__all__ = ["SessionDep", "SettingsDep", "TickerIdDep", "get_session", "get_settings_dep"]


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session, session.begin():
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]


def valid_ticker_id(
    session: SessionDep,
    ticker: Annotated[str, Path(description="Ticker symbol, e.g. AMZN", examples=["AMZN"])],
) -> int:
    """The stored ticker's id, or TickerNotFound (→ 404)."""
    ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
    if ticker_id is None:
        raise TickerNotFound(ticker.upper())
    return ticker_id


TickerIdDep = Annotated[int, Depends(valid_ticker_id)]
