"""Drift status of a ticker and the history of its model versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from tickercast.serving.deps import MetricsDep, ModelStoreDep, SessionDep, SettingsDep, TickerIdDep
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import DriftPublic, ModelHistoryPublic
from tickercast.storage import repository

router = APIRouter(tags=["monitoring"])

TickerPath = Annotated[str, Path(description="Ticker symbol", examples=["AMZN"])]


@router.get(
    "/v1/tickers/{ticker}/drift",
    response_model=DriftPublic,
    responses=problem_responses(404),
)
def get_drift(
    ticker: TickerPath,
    ticker_id: TickerIdDep,
    session: SessionDep,
    store: ModelStoreDep,
    metrics: MetricsDep,
) -> dict[str, Any]:
    """Drift checks of the served champion against its training reference, on every stored
    bar after its training end: status ok, warning or drift, with each check's statistic,
    threshold and window."""
    from tickercast.monitoring.service import drift_report_for

    served = store.get(ticker)
    dates, closes = repository.get_closes(session=session, ticker_id=ticker_id)
    report = drift_report_for(ticker, served.model, dates, closes, version=served.version)
    metrics.observe_drift(report)
    return report.to_dict()


@router.get(
    "/v1/models/{ticker}/history",
    response_model=ModelHistoryPublic,
    responses=problem_responses(404),
)
def get_model_history(ticker: TickerPath, settings: SettingsDep) -> dict[str, Any]:
    """Every registered version: what triggered it, its gate p-values, the decision and
    the span it served as champion."""
    from tickercast.errors import ModelNotFound
    from tickercast.training import registry

    versions = registry.version_history(registry.check_ticker(ticker), settings)
    if not versions:
        raise ModelNotFound(f"no registered versions for {ticker.upper()}")
    return {"ticker": ticker.upper(), "versions": versions}
