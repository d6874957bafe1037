"""Issue 9, defects 2 and 3: one problem+json shape for every error, documented in OpenAPI,
and never a 200 with null: a forecast that is not finite is a 422 saying why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import write_csv
from tests.keys_helper import key_headers
from tests.live_server import LiveServer
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers.csv import CsvProvider
from tickercast.errors import DatabaseUnavailable

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]
PROBLEM = "application/problem+json"


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    return body  # type: ignore[no-any-return]


@pytest.fixture
def wild_history(champion_settings: Settings, tmp_path: Path) -> Settings:
    """AMZN's last stored bars swing between 1e-300 and 1e300: valid prices (finite, > 0)
    whose log returns overflow every interval bound."""
    days = ["2025-07-28", "2025-07-29", "2025-07-30", "2025-07-31", "2025-08-01"]
    days += ["2025-08-04", "2025-08-05", "2025-08-06"]
    lines = [f"{d},{1e300 if i % 2 else 1e-300}" for i, d in enumerate(days)]
    csv = write_csv(tmp_path / "wild.csv", lines, header="Date,Close")
    ingest_table(CsvProvider(csv).fetch("AMZN"), ticker="AMZN", settings=champion_settings)
    return champion_settings


@pytest.fixture
def wild(wild_history: Settings) -> Iterator[httpx.Client]:
    with (
        LiveServer(wild_history) as server,
        httpx.Client(base_url=server.url, timeout=30) as client,
    ):
        yield client


def test_forecast_that_overflows_is_422_not_null(wild: httpx.Client) -> None:
    body = _problem(wild.get("/v1/tickers/AMZN/forecast"), 422)
    assert "upper bound" in str(body["detail"]) and "inf" in str(body["detail"])
    body = _problem(wild.post("/v1/predict", json={"ticker": "AMZN"}), 422)
    assert "not a finite price" in str(body["detail"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/predict", {"prices": ["228"] * 7}),
        ("/v1/predict", {"prices": [True] * 7}),
        ("/v1/predict", {"prices": [1.797e308] * 7}),
        ("/v1/predict", {"prices": WEEK, "levels": ["80"]}),
        ("/v1/predict/batch", {"windows": [["228"] * 7]}),
        ("/v1/predict/batch", {"windows": [[True] * 7]}),
        ("/v1/predict/batch", {"windows": [[1.797e308] * 7]}),
        ("/v1/predict/batch", {"windows": [WEEK], "levels": [True]}),
    ],
)
def test_lax_values_are_refused(served: httpx.Client, path: str, body: object) -> None:
    problem = _problem(served.post(path, json=body), 422)
    errors = problem["errors"]
    assert isinstance(errors, list) and errors[0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/tickers/AMZN/prices?start=0",
        "/v1/tickers/AMZN/prices?end=1700000000",
        "/v1/tickers/AMZN/predictions?start=0",
        "/v1/tickers/AMZN/accuracy?end=0",
    ],
)
def test_dates_must_be_iso(served: httpx.Client, path: str) -> None:
    problem = _problem(served.get(path), 422)
    (error,) = problem["errors"]  # type: ignore[misc]
    assert error["loc"][0] == "query" and "YYYY-MM-DD" in error["msg"]


def test_validation_errors_are_capped(served: httpx.Client) -> None:
    response = served.post("/v1/predict", json={"prices": ["x"] * 10_000})
    problem = _problem(response, 422)
    assert len(problem["errors"]) == 20  # type: ignore[arg-type]
    assert problem["errors_omitted"] == 9_980
    assert len(response.content) < 4_000
    assert str(problem["detail"]).startswith("10000 invalid fields; body.prices.0:")


def test_malformed_json_is_400(served: httpx.Client) -> None:
    response = served.post(
        "/v1/predict", content=b'{"prices": [1, 2', headers={"content-type": "application/json"}
    )
    problem = _problem(response, 400)
    assert problem["title"] == "Malformed JSON" and "EOF while parsing" in str(problem["detail"])


def test_body_that_is_not_json_is_415(served: httpx.Client) -> None:
    response = served.post(
        "/v1/predict/batch", content=b"windows=1", headers={"content-type": "text/plain"}
    )
    assert "application/json" in str(_problem(response, 415)["detail"])


def test_unknown_ticker_and_route_are_404(served: httpx.Client) -> None:
    assert "unknown ticker 'XYZ'" in str(
        _problem(served.get("/v1/tickers/XYZ/prices"), 404)["detail"]
    )
    _problem(served.post("/v1/predict/batch", json={"ticker": "XYZ", "windows": [WEEK]}), 404)
    _problem(served.get("/no/such/thing"), 404)


def test_wrong_method_is_405_with_allow(served: httpx.Client) -> None:
    response = served.delete("/v1/predict")
    _problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_database_unavailable_is_503_with_retry_after(champion_settings: Settings) -> None:
    server = LiveServer(champion_settings)

    def database_down() -> None:
        raise DatabaseUnavailable("the database refused the connection", retry_after=7)

    def bug() -> None:
        raise RuntimeError("a bug")

    server.app.add_api_route("/test/database-down", database_down)
    server.app.add_api_route("/test/bug", bug)
    headers = key_headers(champion_settings)  # routes no policy names need an admin key
    with server, httpx.Client(base_url=server.url, headers=headers) as client:
        response = client.get("/test/database-down")
        assert _problem(response, 503)["detail"] == "the database refused the connection"
        assert response.headers["retry-after"] == "7"
        assert "a bug" not in _problem(client.get("/test/bug"), 500)["detail"]  # type: ignore[operator]


def test_openapi_documents_problem_responses_and_limits(served: httpx.Client) -> None:
    schema = served.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert "ProblemPublic" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                if int(status) < 400 or (path, status) == ("/readyz", "503"):
                    continue
                content = response["content"]
                if (path, status) == ("/v1/session", "401"):  # a form post gets the page again
                    content = {k: v for k, v in content.items() if k != "text/html"}
                assert list(content) == [PROBLEM], (method, path, status)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/ProblemPublic"}
    body = schema["paths"]["/v1/predict/batch"]["post"]["requestBody"]["content"]
    windows = body["application/json"]["schema"]["properties"]["windows"]
    assert (windows["minItems"], windows["maxItems"]) == (1, 10_000)
    assert (windows["items"]["minItems"], windows["items"]["maxItems"]) == (7, 32)
    price = windows["items"]["items"]
    assert (price["minimum"], price["maximum"]) == (1e-6, 1e9)
    body = schema["paths"]["/predict_next_price"]["post"]["requestBody"]["content"]
    prices = body["application/json"]["schema"]["properties"]["prices"]
    assert (prices["minItems"], prices["maxItems"]) == (7, 7)
    level = schema["paths"]["/v1/predict"]["post"]["requestBody"]["content"]["application/json"]
    level = level["schema"]["properties"]["levels"]["items"]
    assert (level["minimum"], level["maximum"]) == (50, 99)
    batch = schema["paths"]["/v1/predict/batch"]["post"]["responses"]
    assert {"400", "404", "413", "415", "422", "500"} <= set(batch)
