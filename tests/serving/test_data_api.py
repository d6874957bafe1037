from __future__ import annotations

import httpx


def test_healthz_answers_ok(live: httpx.Client) -> None:
    response = live.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_needs_a_model_besides_the_database(live: httpx.Client) -> None:
    response = live.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "model": "error: no champion model loaded for the default ticker AMZN",
    }


def test_list_tickers_shows_amzn_range(live: httpx.Client) -> None:
    response = live.get("/v1/tickers")
    assert response.status_code == 200
    assert response.json() == [
        {
            "ticker": "AMZN",
            "first_date": "1997-05-15",
            "last_date": "2025-07-25",
            "rows": 7093,
            "sources": ["bundled"],
        }
    ]


def test_get_prices_returns_full_history(live: httpx.Client) -> None:
    response = live.get("/v1/tickers/AMZN/prices")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 7093 == len(body["bars"])
    assert body["bars"][0] == {
        "date": "1997-05-15",
        "open": 0.121875,
        "high": 0.125,
        "low": 0.096354,
        "close": 0.097917,
        "adj_close": 0.097917,
        "volume": 1443120000,
        "source": "bundled",
    }


def test_get_prices_filters_by_range_and_limit(live: httpx.Client) -> None:
    body = live.get(
        "/v1/tickers/amzn/prices", params={"start": "2025-07-01", "end": "2025-07-10"}
    ).json()
    assert [b["date"] for b in body["bars"]][:2] == ["2025-07-01", "2025-07-02"]
    assert body["bars"][-1]["date"] == "2025-07-10"
    body = live.get("/v1/tickers/AMZN/prices", params={"limit": 3}).json()
    assert [b["date"] for b in body["bars"]] == ["2025-07-23", "2025-07-24", "2025-07-25"]


def test_get_prices_unknown_ticker_is_404(live: httpx.Client) -> None:
    response = live.get("/v1/tickers/XYZ/prices")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("unknown ticker 'XYZ'")


def test_get_prices_bad_date_is_422(live: httpx.Client) -> None:
    response = live.get("/v1/tickers/AMZN/prices", params={"start": "2020-13-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "start"]


def test_get_prices_start_after_end_is_422(live: httpx.Client) -> None:
    response = live.get(
        "/v1/tickers/AMZN/prices", params={"start": "2021-01-02", "end": "2020-01-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "start 2021-01-02 is after end 2020-01-01"


def test_openapi_documents_data_endpoints(live: httpx.Client) -> None:
    schema = live.get("/openapi.json").json()
    assert {"/healthz", "/readyz", "/v1/tickers", "/v1/tickers/{ticker}/prices"} <= set(
        schema["paths"]
    )
