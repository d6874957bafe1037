from __future__ import annotations

import httpx
import numpy as np
import pytest

from tickercast.config import Settings
from tickercast.training import registry

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


def test_predict_next_price_answers_result_from_champion(
    served: httpx.Client, champion_settings: Settings
) -> None:
    response = served.post("/predict_next_price", json={"prices": WEEK})
    assert response.status_code == 200
    model, _ = registry.load_champion("AMZN", champion_settings)
    assert response.json() == {
        "result": pytest.approx(float(model.predict(np.array(WEEK)).point[0]))
    }
    assert response.json()["result"] == pytest.approx(WEEK[-1])  # champion v1 is naive


@pytest.mark.parametrize(
    ("prices", "loc", "message"),
    [
        (WEEK[:5], ["body", "prices"], "List should have at least 7 items"),
        ([*WEEK[:6], -1.0], ["body", "prices", 6], "greater than or equal to 0.000001"),
        ([*WEEK[:6], 0], ["body", "prices", 6], "greater than or equal to 0.000001"),
        ([*WEEK[:6], 1.797e308], ["body", "prices", 6], "less than or equal to 1000000000"),
    ],
)
def test_predict_next_price_rejects_bad_prices(
    served: httpx.Client, prices: list[float], loc: list[object], message: str
) -> None:
    response = served.post("/predict_next_price", json={"prices": prices})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["loc"] == loc and message in error["msg"]
    assert message in response.json()["detail"]


def test_predict_next_price_rejects_non_numeric(served: httpx.Client) -> None:
    response = served.post("/predict_next_price", json={"prices": [*WEEK[:3], "abc", *WEEK[4:]]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "prices", 3]


@pytest.mark.parametrize("token", ["NaN", "Infinity"])
def test_predict_next_price_rejects_non_finite(served: httpx.Client, token: str) -> None:
    body = '{"prices": [1, 2, 3, 4, 5, 6, ' + token + "]}"
    response = served.post(
        "/predict_next_price", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (
        error["loc"] == ["body", "prices", 6] and error["msg"] == "Input should be a finite number"
    )


def test_predict_next_price_rejects_body_over_4_kib(served: httpx.Client) -> None:
    body = '{"prices": [' + ",".join(["1.0"] * 2_000) + "]}"
    response = served.post(
        "/predict_next_price", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_v1_predict_with_prices_gives_intervals(served: httpx.Client) -> None:
    response = served.post(
        "/v1/predict", json={"ticker": "amzn", "prices": WEEK, "levels": [95, 80]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ticker"] == "AMZN" and body["last_price"] == WEEK[-1]
    assert body["model"] == {
        "name": "naive",
        "version": "1",
        "beats_naive": False,
        "beats_naive_p_value": 1.0,
        "margin": 0.0,
    }
    (i80, i95) = body["intervals"]
    assert (i80["level"], i95["level"]) == (80, 95)
    assert i95["lower"] < i80["lower"] < body["point"] < i80["upper"] < i95["upper"]


def test_v1_predict_without_prices_uses_stored_history(served: httpx.Client) -> None:
    body = served.post("/v1/predict", json={}).json()
    assert body["as_of"] == "2025-07-25"
    assert body["last_price"] == pytest.approx(231.440002)


def test_v1_predict_ticker_without_champion_is_404(served: httpx.Client) -> None:
    response = served.post("/v1/predict", json={"ticker": "GOOG", "prices": WEEK})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no champion model is loaded for GOOG")


def test_v1_predict_rejects_bad_level(served: httpx.Client) -> None:
    response = served.post("/v1/predict", json={"prices": WEEK, "levels": [120]})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error == {
        "loc": ["body", "levels", 0],
        "msg": "Input should be less than or equal to 99",
        "type": "less_than_equal",
        "input": 120,
    }


def test_batch_matches_single_predictions(served: httpx.Client) -> None:
    rng = np.random.default_rng(1)
    windows = (100 * np.exp(np.cumsum(rng.normal(0, 0.01, (1000, 7)), axis=1))).round(4)
    response = served.post("/v1/predict/batch", json={"windows": windows.tolist()})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1000 and len(body["point"]) == 1000
    single = served.post("/v1/predict", json={"prices": windows[17].tolist()}).json()
    assert body["point"][17] == pytest.approx(single["point"])
    assert body["lower"]["80"][17] == pytest.approx(single["intervals"][0]["lower"])


def test_batch_over_10000_windows_is_422(served: httpx.Client) -> None:
    response = served.post("/v1/predict/batch", json={"windows": [WEEK] * 10_001})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "windows"] and error["type"] == "too_long"
    assert "at most 10000 items" in error["msg"]


def test_batch_short_window_is_422(served: httpx.Client) -> None:
    response = served.post("/v1/predict/batch", json={"windows": [WEEK, WEEK[:6]]})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "windows", 1] and error["type"] == "too_short"


def test_batch_windows_of_different_lengths_use_their_last_7(served: httpx.Client) -> None:
    long = [250.0, 240.0, *WEEK]
    response = served.post("/v1/predict/batch", json={"windows": [WEEK, long]})
    assert response.status_code == 200
    body = response.json()
    assert body["point"][0] == body["point"][1]
    assert body["upper"]["95"][0] == body["upper"]["95"][1]


def test_forecast_widens_and_is_stored(served: httpx.Client, champion_settings: Settings) -> None:
    response = served.get("/v1/tickers/AMZN/forecast", params={"horizon": 5, "levels": "80"})
    assert response.status_code == 200
    body = response.json()
    assert body["origin_date"] == "2025-07-25"
    assert [s["target_date"] for s in body["steps"]] == [
        "2025-07-28",
        "2025-07-29",
        "2025-07-30",
        "2025-07-31",
        "2025-08-01",
    ]
    widths = [s["intervals"][0]["upper"] - s["intervals"][0]["lower"] for s in body["steps"]]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    served.server.app.state.writer.flush()  # type: ignore[attr-defined]
    from tests.serving.helpers import stored_predictions

    rows = stored_predictions(champion_settings, "AMZN")
    assert [(r.horizon, str(r.target_date), r.actual) for r in rows] == [
        (h, d, None)
        for h, d in zip(range(1, 6), [s["target_date"] for s in body["steps"]], strict=True)
    ]


@pytest.mark.parametrize(
    "query", [{"horizon": 0}, {"horizon": 31}, {"levels": "80,x"}, {"levels": "49"}]
)
def test_forecast_rejects_bad_query(served: httpx.Client, query: dict[str, object]) -> None:
    response = served.get("/v1/tickers/AMZN/forecast", params=query)
    assert response.status_code == 422
    (name,) = query
    assert response.json()["errors"][0]["loc"] == ["query", name]


def test_models_endpoints_describe_champion(served: httpx.Client) -> None:
    (listed,) = served.get("/v1/models").json()
    one = served.get("/v1/models/AMZN").json()
    assert listed == one
    assert (one["model"], one["version"], one["serving_naive"]) == ("naive", "1", True)
    assert one["trained_to"] == "2025-07-25"
    assert served.get("/v1/models/MSFT").status_code == 404


def test_readyz_is_ready_with_a_model(served: httpx.Client) -> None:
    response = served.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["model"] == "ok: AMZN naive version 1"


def test_metrics_expose_requests_predictions_and_reloads(served: httpx.Client) -> None:
    served.post("/predict_next_price", json={"prices": WEEK})
    served.post("/predict_next_price", json={"prices": WEEK})
    text = served.get("/metrics").text
    assert (
        'tickercast_http_requests_total{method="POST",route="/predict_next_price",status="200"} 2.0'
        in text
    )
    assert (
        'tickercast_http_request_duration_seconds_count{method="POST",route="/predict_next_price"} 2.0'
        in text
    )
    assert 'tickercast_predictions_total{model="naive",ticker="AMZN",version="1"} 2.0' in text
    assert 'tickercast_model_reloads_total{outcome="loaded",ticker="AMZN"} 1.0' in text
    assert "tickercast_prediction_writer_queue_depth 0.0" in text
