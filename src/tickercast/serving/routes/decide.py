"""Decisions: today's buy/sell/hold for a ticker (for a given position, or the dashboard's
flat default), and the champion's backtest for the dashboard."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Query
from fastapi.responses import Response

from tickercast.decisions.backtest import BacktestConfig
from tickercast.decisions.decide import Position, decide, model_edge
from tickercast.decisions.engine import ADV_WINDOW
from tickercast.decisions.forecasts import ForecastTable
from tickercast.decisions.policy import Costs, RiskLimits
from tickercast.decisions.runner import backtest_ticker, read_history
from tickercast.errors import FieldError
from tickercast.serving import forecasting
from tickercast.serving.decide_schemas import DecideRequest, DecisionPublic
from tickercast.serving.deps import (
    FeedDep,
    ModelStoreDep,
    SessionDep,
    SettingsDep,
    valid_ticker_id,
)
from tickercast.serving.problem_details import ProblemRoute
from tickercast.serving.problems import problem_responses
from tickercast.serving.responses import json_response
from tickercast.storage import repository

router = APIRouter(tags=["decisions"], route_class=ProblemRoute)

_ERRORS = problem_responses(404, 422, 503)
_BODY_ERRORS = problem_responses(400, 404, 413, 415, 422, 503)


@router.post("/v1/decide", response_model=DecisionPublic, responses=_BODY_ERRORS)
def decide_now(
    body: DecideRequest,
    store: ModelStoreDep,
    settings: SettingsDep,
    session: SessionDep,
    feed: FeedDep,
) -> DecisionPublic:
    """Buy, sell or hold, with a target weight and a quantity, from the champion's forecast
    of the next session, the position held and the costs. A champion without an edge over
    naive always holds. Without prices: the stored history (for a replayed ticker, up to the
    feed cursor)."""
    return _decision(body, store, settings, session, feed)


@router.get("/v1/tickers/{ticker}/decision", response_model=DecisionPublic, responses=_ERRORS)
def todays_decision(
    ticker: str, store: ModelStoreDep, settings: SettingsDep, session: SessionDep, feed: FeedDep
) -> DecisionPublic:
    """Today's decision from a flat position with the default risk limits and costs, on the
    stored history: what the dashboard shows (a read; POST /v1/decide for your own position)."""
    return _decision(DecideRequest(ticker=ticker), store, settings, session, feed)


def _decision(
    body: DecideRequest,
    store: ModelStoreDep,
    settings: SettingsDep,
    session: SessionDep,
    feed: FeedDep,
) -> DecisionPublic:
    ticker = (body.ticker or settings.default_ticker).upper()
    served = store.get(ticker)
    need = served.model.window + 1
    as_of = None
    if body.prices is None:
        rows = repository.get_bars(
            session=session,
            ticker_id=valid_ticker_id(session, ticker),
            end=feed.visible_end(ticker, None),
            limit=max(need, ADV_WINDOW),
        )
        prices = [r.close for r in rows]
        volumes = [float(r.volume) if r.volume else np.nan for r in rows]
        as_of = rows[-1].date if rows else None
    else:
        prices, volumes = body.prices, body.volumes or []
    if len(prices) < need:
        raise FieldError(
            ("prices",),
            f"prices has {len(prices)} values; the {served.model.name} model needs {need}",
        )
    forecast = served.model.predict(np.asarray(prices, dtype=np.float64), levels=(80, 95))
    recent = np.asarray(volumes[-ADV_WINDOW:], dtype=np.float64)
    recent = recent[np.isfinite(recent) & (recent > 0)]
    ref = forecasting.model_ref(served)
    has_edge, no_edge = model_edge(ref.name, ref.beats_naive)
    decision = decide(
        last_price=float(prices[-1]),
        point=float(forecast.point[0]),
        lower={lv: float(v[0]) for lv, v in forecast.lower.items()},
        upper={lv: float(v[0]) for lv, v in forecast.upper.items()},
        position=Position(**body.position.model_dump()),
        costs=Costs(**body.costs.model_dump()),
        risk=RiskLimits(**body.risk.model_dump()),
        adv_shares=float(recent.mean()) if recent.size else float("nan"),
        has_edge=has_edge,
        no_edge_reason=no_edge,
    )
    return DecisionPublic(
        ticker=ticker, as_of=as_of, last_price=float(prices[-1]), model=ref, **decision.to_dict()
    )


_STORED: dict[tuple[str, str, str], ForecastTable] = {}
_STORED_LOCK = threading.Lock()


def _stored_forecasts(settings: Any, ticker: str, version: str) -> ForecastTable:
    """The champion's stored walk-forward forecasts, read from MLflow once per version."""
    from tickercast.training import registry

    key = (settings.resolved_mlflow_tracking_uri, ticker, version)
    with _STORED_LOCK:
        if key not in _STORED:
            frame, source = registry.load_champion_walkforward(ticker, settings)
            _STORED[key] = ForecastTable.from_frame(frame, source)
        return _STORED[key]


@router.get("/v1/tickers/{ticker}/backtest", responses=_ERRORS)
def champion_backtest(
    ticker: str,
    store: ModelStoreDep,
    settings: SettingsDep,
    session: SessionDep,
    commission_bps: Annotated[float, Query(ge=0, le=1000)] = 1.0,
    slippage_bps: Annotated[float, Query(ge=0, le=1000)] = 5.0,
    fill: Annotated[Literal["open", "close"], Query()] = "open",
    n_random: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> Response:
    """Backtest of the champion's stored out-of-sample forecasts against buy-and-hold and
    random strategies (what the dashboard's equity view shows)."""
    served = store.get(ticker)
    table = _stored_forecasts(settings, served.ticker, served.version)
    history = read_history(session, served.ticker)
    config = BacktestConfig(
        costs=Costs(commission_bps, slippage_bps, 0.0), fill=fill, n_random=n_random
    )
    report = backtest_ticker(history, config, stored=table)
    s = report.strategy
    trades = np.flatnonzero(s.traded)
    summary = report.to_dict()
    return json_response(
        {
            "ticker": served.ticker,
            "start": report.start,
            "end": report.end,
            "forecast_source": report.forecast_source,
            "model": forecasting.model_ref(served).model_dump(),
            "dates": [str(d)[:10] for d in s.bars.dates],
            "equity": s.equity,
            "buy_and_hold": report.benchmarks["buy-and-hold"].equity,
            "random_p05": report.random_band.get("p05", []),
            "random_p95": report.random_band.get("p95", []),
            "trades": [
                {
                    "date": str(s.bars.dates[i])[:10],
                    "side": "buy" if s.traded[i] > 0 else "sell",
                    "shares": float(abs(s.traded[i])),
                    "price": float(s.fill_price[i]),
                }
                for i in trades
            ],
            "metrics": summary["metrics"],
            "random": {k: v["mean"] for k, v in summary["random"].items()},
            "verdict": summary["verdict"],
            "config": summary["config"],
        }
    )
