"""POST /v1/decide and the champion backtest over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tickercast.config import Settings
from tickercast.training import registry

PRICES = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


def test_naive_champion_holds_and_says_there_is_no_edge(served: httpx.Client) -> None:
    r = served.post("/v1/decide", json={"ticker": "AMZN", "position": {"shares": 0, "cash": 10000}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["action"] == "hold"
    assert body["quantity"] == 0
    assert body["target_weight"] == body["current_weight"] == 0.0
    assert "no edge" in body["reason"] and "naive" in body["reason"]
    model = body["model"]
    assert (model["name"], model["version"], model["beats_naive"]) == ("naive", "1", False)
    assert body["expected_return"] == 0.0 and body["prob_up"] == 0.5
    assert body["as_of"] == "2025-07-25"


def test_dashboard_decision_is_a_read_of_the_flat_default_decision(served: httpx.Client) -> None:
    posted = served.post("/v1/decide", json={"ticker": "AMZN", "position": {"weight": 0}})
    read = served.get("/v1/tickers/amzn/decision")
    assert read.status_code == posted.status_code == 200, read.text
    assert read.json() == posted.json()
    assert served.get("/v1/tickers/NOPE/decision").status_code == 404


def test_decide_from_given_prices(served: httpx.Client) -> None:
    r = served.post("/v1/decide", json={"ticker": "AMZN", "prices": PRICES})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["last_price"] == PRICES[-1]
    assert body["as_of"] is None
    assert body["action"] == "hold"


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"position": {"shares": 1, "cash": 10, "weight": 0.2}}, ["body", "position"]),
        ({"position": {"shares": 1}}, ["body", "position"]),
        ({"costs": {"commission_bps": -1}}, ["body", "costs", "commission_bps"]),
        ({"risk": {"max_weight": 2}}, ["body", "risk", "max_weight"]),
        ({"risk": {"kelly": 0.5}}, ["body", "risk", "kelly"]),
        ({"prices": [1.0, 2.0]}, ["body", "prices"]),
        ({"prices": [1.0, -2.0, 3, 4, 5, 6, 7]}, ["body", "prices"]),
        ({"prices": PRICES, "volumes": [1, 2]}, ["body"]),
        ({"position": {"shares": -100, "cash": 10}}, ["body", "position"]),
    ],
)
def test_bad_requests_are_problem_details_naming_the_field(
    served: httpx.Client,
    payload: dict,
    loc: list,  # type: ignore[type-arg]
) -> None:
    r = served.post("/v1/decide", json={"ticker": "AMZN", **payload})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and body["title"] and body["detail"]
    assert body["errors"][0]["loc"][: len(loc)] == loc
    assert str(loc[-1]) in body["detail"] or loc == ["body"]


def test_unknown_ticker_is_a_404_problem(served: httpx.Client) -> None:
    r = served.post("/v1/decide", json={"ticker": "ZZZ"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "ZZZ" in r.json()["detail"]


def test_decision_follows_the_served_models_beats_naive(
    served: httpx.Client, champion_settings: Settings
) -> None:
    registry.promote("AMZN", "2", force=True, settings=champion_settings)
    assert served.post("/v1/admin/reload").status_code == 200
    model = served.get("/v1/models/AMZN").json()
    assert model["model"] == "lightgbm"
    r = served.post(
        "/v1/decide",
        json={
            "ticker": "AMZN",
            "position": {"shares": 0, "cash": 1e6},
            "risk": {"min_edge_bps": 0},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"]["name"] == "lightgbm"
    assert body["model"]["beats_naive"] == model["beats_naive"]
    if not model["beats_naive"]:
        assert body["action"] == "hold" and "does not beat naive" in body["reason"]
    else:
        assert "no edge" not in body["reason"]
    again = served.post(
        "/v1/decide",
        json={
            "ticker": "AMZN",
            "position": {"shares": 0, "cash": 1e6},
            "risk": {"min_edge_bps": 0},
        },
    )
    assert again.json() == body  # same inputs, same decision


def test_champion_backtest_for_the_dashboard(served: httpx.Client) -> None:
    r = served.get("/v1/tickers/AMZN/backtest", params={"n_random": 20})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["dates"]) == len(body["equity"]) == len(body["buy_and_hold"])
    assert body["metrics"]["strategy"]["trades"] == 0  # naive forecasts: no edge, no trades
    assert body["trades"] == []
    assert body["verdict"]["line"].startswith("No edge")
    assert body["end"] == "2025-07-25"
    bad = served.get("/v1/tickers/AMZN/backtest", params={"fill": "noon"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "fill"]


def test_fixed_cost_without_account_size_is_left_out_and_said(served: httpx.Client) -> None:
    r = served.post("/v1/decide", json={"position": {"weight": 0.1}, "costs": {"fixed": 2}})
    assert r.status_code == 200, r.text
    assert "costs.fixed not applied" in r.json()["reason"]
