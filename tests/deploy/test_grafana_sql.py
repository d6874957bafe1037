"""The Grafana "accuracy vs naive" panel's SQL runs on the real PostgreSQL schema and gives
the model's and naive's mean absolute percentage errors of the scored next-day forecasts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from tickercast.storage import repository
from tickercast.storage.migrate import upgrade
from tickercast.storage.models import Prediction

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "deploy/compose/grafana/dashboards/tickercast.json"
)


def _accuracy_sql(ticker: str) -> str:
    dashboard = json.loads(DASHBOARD.read_text())
    panel = next(p for p in dashboard["panels"] if "accuracy vs naive" in p["title"].lower())
    sql = str(panel["targets"][0]["rawSql"])
    # Grafana's macros, expanded the way its PostgreSQL data source does for an open range
    sql = sql.replace("$ticker", ticker)
    return sql.replace(
        "$__timeFilter(target_date::timestamptz)",
        "target_date::timestamptz BETWEEN '1970-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'",
    )


@pytest.mark.postgres
def test_accuracy_panel_query_matches_stored_forecast_errors(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = create_engine(postgres_url)
    rng = np.random.default_rng(7)
    monday = dt.date(2024, 1, 1)
    days = [monday + dt.timedelta(days=d) for d in (0, 1, 2, 3, 4)]  # one ISO week
    base = 100 + rng.normal(0, 1, len(days))
    actual = base * np.exp(rng.normal(0, 0.02, len(days)))
    point = base * np.exp(rng.normal(0, 0.02, len(days)))
    with Session(engine) as session, session.begin():
        ticker_id = repository.get_or_create_ticker_id(session=session, symbol="AMZN")
        other_id = repository.get_or_create_ticker_id(session=session, symbol="MSFT")
        for i, day in enumerate(days):
            for tid in (ticker_id, other_id):
                session.add(
                    Prediction(
                        ticker_id=tid,
                        model_name="lightgbm",
                        model_version="2",
                        origin_date=day - dt.timedelta(days=1),
                        target_date=day,
                        horizon=1,
                        made_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                        base_close=float(base[i]),
                        point=float(point[i]),
                        actual=float(actual[i]),
                    )
                )
        # not scored yet, and a 2-day-ahead forecast: neither counts
        session.add(
            Prediction(
                ticker_id=ticker_id,
                model_name="lightgbm",
                model_version="2",
                origin_date=days[-1],
                target_date=days[-1] + dt.timedelta(days=3),
                horizon=1,
                made_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                base_close=1.0,
                point=9.0,
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(text(_accuracy_sql("AMZN"))).mappings().all()
    engine.dispose()
    assert len(rows) == 1
    assert rows[0]["model MAPE (%)"] == pytest.approx(
        np.mean(np.abs(point - actual) / actual) * 100
    )
    assert rows[0]["naive MAPE (%)"] == pytest.approx(np.mean(np.abs(base - actual) / actual) * 100)
