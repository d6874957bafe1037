"""FastAPI dependencies as Annotated aliases, plus validating loaders.

Dependencies that only read ``app.state`` are ``async def``: FastAPI runs a plain ``def``
dependency in its thread pool, and that hop would cost more than the prediction itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session, sessionmaker

from tickercast.access.gate import PUBLIC, AccessControl, Admission
from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.errors import TickerNotFound
from tickercast.live.events import EventHub
from tickercast.live.feed import Feed
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.serving.metrics import Metrics
from tickercast.storage import repository

__all__ = [
    "AccessDep",
    "AdmissionDep",
    "EventHubDep",
    "FeedDep",
    "MetricsDep",
    "ModelStoreDep",
    "SessionDep",
    "SettingsDep",
    "TickerIdDep",
    "WriterDep",
    "valid_ticker_id",
]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session, session.begin():
        yield session


async def get_model_store(request: Request) -> ModelStore:
    store: ModelStore = request.app.state.models
    return store


async def get_writer(request: Request) -> PredictionWriter:
    writer: PredictionWriter = request.app.state.writer
    return writer


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_feed(request: Request) -> Feed:
    feed: Feed = request.app.state.feed
    return feed


async def get_event_hub(request: Request) -> EventHub:
    hub: EventHub = request.app.state.events
    return hub


async def get_access(request: Request) -> AccessControl:
    access: AccessControl = request.app.state.access
    return access


async def get_admission(request: Request) -> Admission:
    """Who the AccessMiddleware let this request through as."""
    admission: Admission = request.scope.get("tickercast.admission", PUBLIC)
    return admission


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
AccessDep = Annotated[AccessControl, Depends(get_access)]
AdmissionDep = Annotated[Admission, Depends(get_admission)]
ModelStoreDep = Annotated[ModelStore, Depends(get_model_store)]
WriterDep = Annotated[PredictionWriter, Depends(get_writer)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
# scope="function": the transaction commits before the response is sent, so a client that
# is told 201 can read what it created at once (FastAPI's default ends it after sending)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
FeedDep = Annotated[Feed, Depends(get_feed)]
EventHubDep = Annotated[EventHub, Depends(get_event_hub)]


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
