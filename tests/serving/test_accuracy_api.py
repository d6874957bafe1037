"""GET /v1/tickers/{ticker}/accuracy and /predictions on a hand-made case whose every number
is worked out below, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import table_from_frame
from tickercast.serving.app import create_app
from tickercast.storage import repository
from tickercast.storage.db import session_scope
from tickercast.storage.predictions import PredictionCreate, insert_predictions, score_predictions

D = dt.date
CLOSES = {
    D(2024, 3, 4): 100.0,
    D(2024, 3, 5): 102.0,
    D(2024, 3, 6): 101.0,
    D(2024, 3, 7): 103.0,
    D(2024, 3, 8): 104.0,
    D(2024, 3, 11): 102.0,
}
MADE = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
# origin, target, point, (lower_80, upper_80), (lower_95, upper_95); base = close at origin
CASES = [
    (D(2024, 3, 4), D(2024, 3, 5), 101.0, (99.0, 103.0), (98.0, 104.0)),  # up, up: hit; inside
    (D(2024, 3, 5), D(2024, 3, 6), 103.0, (101.0, 104.0), (100.0, 105.0)),  # up, down; on edge
    (D(2024, 3, 6), D(2024, 3, 7), 100.0, (99.0, 101.5), (97.0, 102.0)),  # down, up; outside
    (D(2024, 3, 7), D(2024, 3, 8), 103.0, (101.0, 105.0), (100.0, 106.0)),  # flat: no direction
    (D(2024, 3, 8), D(2024, 3, 11), 103.0, (102.0, 106.0), (101.0, 107.0)),  # down, down: hit
    (D(2024, 3, 11), D(2024, 3, 12), 99.0, (98.0, 101.0), (97.0, 102.0)),  # no bar yet
]


def pct(forecast: float, actual: float) -> float:
    return 100 * (forecast - actual) / actual


@pytest.fixture
def hand_settings(settings: Settings) -> Settings:
    frame = pd.DataFrame({"Date": [d.isoformat() for d in CLOSES], "Close": list(CLOSES.values())})
    table = table_from_frame(frame.astype(str), origin="hand-made", source="test")
    ingest_table(table, ticker="HAND", settings=settings)
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="HAND")
        assert ticker_id is not None
        rows = [
            PredictionCreate(
                ticker_id, "naive", "1", origin, target, 1, MADE, CLOSES[origin], point, *b80, *b95
            )
            for origin, target, point, b80, b95 in CASES
        ]
        # an older version's forecast of the last scored day: the newer one must win
        early = MADE - dt.timedelta(days=1)
        rows.append(
            PredictionCreate(
                ticker_id, "naive", "0", D(2024, 3, 8), D(2024, 3, 11), 1, early, 104.0, 150.0
            )
        )
        insert_predictions(session=session, rows=rows)
        score_predictions(session=session, ticker_id=ticker_id)
    return settings


@pytest.fixture
def client(hand_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(hand_settings)) as client:
        yield client


def test_accuracy_arithmetic_on_a_hand_made_case(client: TestClient) -> None:
    response = client.get("/v1/tickers/HAND/accuracy", params={"window": "1,3,all"})
    assert response.status_code == 200
    body = response.json()
    assert body["ticker"] == "HAND" and body["end"] is None and body["horizon"] == 1
    last1, last3, everything = body["windows"]

    assert (last1["window"], last1["n"], last1["last_target"]) == ("1", 1, "2024-03-11")
    assert last1["versions"] == ["1"]
    assert last1["model"]["diff_pct"] == pytest.approx(
        dict.fromkeys(("mean", "median", "max", "min"), pct(103, 102))
    )
    assert last1["naive"]["diff_pct"]["mean"] == pytest.approx(pct(104, 102))
    assert last1["model"]["mae"] == pytest.approx(1.0)
    assert last1["naive"]["mae"] == pytest.approx(2.0)
    assert last1["model"]["mape"] == pytest.approx(100 / 102)
    assert (last1["model"]["hit_rate"], last1["model"]["hit_days"]) == (100.0, 1)
    assert (last1["naive"]["hit_rate"], last1["naive"]["hit_days"]) == (None, 0)
    assert (last1["model"]["coverage_80"], last1["model"]["coverage_95"]) == (100.0, 100.0)
    assert last1["naive"]["coverage_80"] is None
    assert last1["skill"] == pytest.approx(0.5)

    assert (last3["n"], last3["first_target"]) == (3, "2024-03-07")
    diffs = [pct(100, 103), pct(103, 104), pct(103, 102)]
    assert last3["model"]["diff_pct"] == pytest.approx(
        {
            "mean": sum(diffs) / 3,
            "median": pct(103, 104),
            "max": pct(103, 102),
            "min": pct(100, 103),
        }
    )
    assert last3["model"]["mae"] == pytest.approx(5 / 3)
    assert last3["model"]["mape"] == pytest.approx(100 * (3 / 103 + 1 / 104 + 1 / 102) / 3)
    assert last3["naive"]["mae"] == pytest.approx(5 / 3)
    assert (last3["model"]["hit_rate"], last3["model"]["hit_days"]) == (50.0, 2)
    assert last3["model"]["coverage_80"] == pytest.approx(200 / 3)
    assert last3["model"]["coverage_95"] == pytest.approx(200 / 3)
    assert last3["skill"] == pytest.approx(0.0)

    assert (everything["window"], everything["n"]) == ("all", 5)
    assert everything["model"]["mae"] == pytest.approx(8 / 5)
    assert everything["naive"]["mae"] == pytest.approx(8 / 5)
    assert everything["naive"]["diff_pct"]["max"] == pytest.approx(pct(104, 102))
    assert everything["model"]["diff_pct"]["min"] == pytest.approx(pct(100, 103))
    assert (everything["model"]["hit_rate"], everything["model"]["hit_days"]) == (50.0, 4)
    assert everything["model"]["coverage_80"] == pytest.approx(80.0)
    assert everything["model"]["coverage_95"] == pytest.approx(80.0)


def test_accuracy_counts_only_targets_up_to_end(client: TestClient) -> None:
    body = client.get("/v1/tickers/HAND/accuracy", params={"window": "all", "end": "2024-03-07"})
    assert body.status_code == 200
    (everything,) = body.json()["windows"]
    assert (everything["n"], everything["last_target"]) == (3, "2024-03-07")
    assert everything["model"]["mae"] == pytest.approx((1 + 2 + 3) / 3)


def test_accuracy_of_a_ticker_without_predictions_is_empty(client: TestClient) -> None:
    body = client.get("/v1/tickers/HAND/accuracy", params={"end": "2024-03-04"}).json()
    assert [w["n"] for w in body["windows"]] == [0, 0, 0, 0]
    assert body["windows"][0]["model"]["mae"] is None


@pytest.mark.parametrize("window", ["abc", "0", "1,,2", ",".join(["1"] * 11)])
def test_accuracy_rejects_bad_windows(client: TestClient, window: str) -> None:
    response = client.get("/v1/tickers/HAND/accuracy", params={"window": window})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "window"] and error["input"] == window


def test_accuracy_of_unknown_ticker_is_404(client: TestClient) -> None:
    response = client.get("/v1/tickers/NOPE/accuracy")
    assert response.status_code == 404
    assert "unknown ticker 'NOPE'" in response.json()["detail"]


def test_predictions_list_one_per_target_and_the_next_one(client: TestClient) -> None:
    response = client.get("/v1/tickers/HAND/predictions")
    assert response.status_code == 200
    body = response.json()
    assert [p["target_date"] for p in body["predictions"]] == [
        "2024-03-05",
        "2024-03-06",
        "2024-03-07",
        "2024-03-08",
        "2024-03-11",
        "2024-03-12",
    ]
    assert body["predictions"][4]["version"] == "1" and body["predictions"][4]["actual"] == 102.0
    assert body["next"]["origin_date"] == "2024-03-11" and body["next"]["actual"] is None
    capped = client.get("/v1/tickers/HAND/predictions", params={"end": "2024-03-07"}).json()
    assert capped["count"] == 3
    assert capped["next"]["origin_date"] == "2024-03-07"
    assert capped["next"]["target_date"] == "2024-03-08"


def test_replay_cursor_caps_accuracy_and_prices(hand_settings: Settings) -> None:
    settings = hand_settings.model_copy(
        update={
            "feed": "replay",
            "feed_ticker": "HAND",
            "feed_from": D(2024, 3, 8),
            "feed_speed": 0.01,
        }
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/v1/feed").json()["cursor"] == "2024-03-07"
        body = client.get("/v1/tickers/HAND/accuracy", params={"window": "all"}).json()
        assert body["end"] == "2024-03-07"
        assert body["windows"][0]["n"] == 3  # the 03-08 and 03-11 scores are after the cursor
        hand = next(t for t in client.get("/v1/tickers").json() if t["ticker"] == "HAND")
        assert hand["last_date"] == "2024-03-11"  # the store's summary: what was ingested
        prices = client.get("/v1/tickers/HAND/prices").json()  # 03-08 and 03-11 not yet
        assert [b["date"] for b in prices["bars"]][-1] == "2024-03-07"
        assert prices["count"] == 4
