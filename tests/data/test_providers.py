from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.factories import HEADER, bar_lines, write_csv
from tickercast.data.providers import BundledProvider, CsvProvider, HttpProvider, bundled_tickers
from tickercast.errors import DataError, ProviderError


def test_bundled_provider_ships_five_real_histories() -> None:
    assert bundled_tickers() == ["AAPL", "AMZN", "GOOG", "MSFT", "NVDA"]
    table = BundledProvider().fetch("AMZN")
    assert len(table.frame) == 7093
    assert table.frame["date"].iloc[0] == "1997-05-15"
    assert table.frame["date"].iloc[-1] == "2025-07-25"
    assert table.source == "bundled"


def test_bundled_provider_rejects_unknown_ticker() -> None:
    with pytest.raises(DataError, match="no bundled data for 'TSLA'"):
        BundledProvider().fetch("TSLA")


def test_csv_provider_reads_yahoo_layout(tmp_path: Path) -> None:
    table = CsvProvider(write_csv(tmp_path / "p.csv", bar_lines(3))).fetch("X")
    assert list(table.frame.columns) == [
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
    ]
    assert table.lines.tolist() == [2, 3, 4]


def test_csv_provider_reads_minimal_form(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("date,close\n2024-01-02,1.5\n")
    assert list(CsvProvider(path).fetch("X").frame.columns) == ["date", "close"]


def test_csv_provider_applies_column_mapping(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("day,last_price\n2024-01-02,1.5\n")
    table = CsvProvider(path, mapping={"date": "day", "close": "last_price"}).fetch("X")
    assert table.frame["close"].tolist() == ["1.5"]


def test_csv_provider_names_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("Date,Open\n2024-01-02,1.5\n")
    with pytest.raises(DataError, match=r"missing column\(s\) \['close'\]"):
        CsvProvider(path).fetch("X")


def test_csv_provider_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        CsvProvider(tmp_path / "nope.csv").fetch("X")


class _Server:
    """A real HTTP server on a free local port whose answers a test scripts per path."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, str, str, float]]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                answers = server.routes.get(self.path, [(404, "text/plain", "no such path", 0)])
                count = server.hits.get(self.path, 0)
                server.hits[self.path] = count + 1
                status, ctype, body, delay = answers[min(count, len(answers) - 1)]
                time.sleep(delay)
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, *answers: tuple[int, str, str, float]) -> str:
        self.routes[path] = list(answers)
        return self.url + path


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()


def _provider(**kw: object) -> HttpProvider:
    return HttpProvider(**{"retries": 2, "backoff_s": 0.01, "timeout_s": 2.0, **kw})  # type: ignore[arg-type]


CSV_BODY = "\n".join([HEADER, *bar_lines(4)])


def test_http_provider_reads_csv(server: _Server) -> None:
    url = server.answer("/AMZN.csv", (200, "text/csv", CSV_BODY, 0))
    table = _provider(url=server.url + "/{ticker}.csv").fetch("AMZN")
    assert len(table.frame) == 4
    assert table.origin == url


def test_http_provider_reads_json_with_mapping(server: _Server) -> None:
    body = json.dumps(
        {"meta": {"n": 2}, "bars": [{"t": "2024-01-02", "c": 10.5}, {"t": "2024-01-03", "c": 11}]}
    )
    url = server.answer("/j", (200, "application/json", body, 0))
    table = _provider(url=url, mapping={"date": "t", "close": "c"}).fetch("X")
    assert table.frame["close"].tolist() == ["10.5", "11"]
    assert table.line_label == "record"
    assert table.lines.tolist() == [1, 2]


def test_http_provider_fails_at_once_on_404(server: _Server) -> None:
    url = server.answer("/gone", (404, "text/plain", "not here", 0))
    with pytest.raises(ProviderError, match="answered HTTP 404 Not Found: 'not here'"):
        _provider(url=url).fetch("X")
    assert server.hits["/gone"] == 1


def test_http_provider_retries_5xx_then_succeeds(server: _Server) -> None:
    url = server.answer(
        "/flaky",
        (503, "text/plain", "busy", 0),
        (500, "text/plain", "oops", 0),
        (200, "text/csv", CSV_BODY, 0),
    )
    assert len(_provider(url=url).fetch("X").frame) == 4
    assert server.hits["/flaky"] == 3


def test_http_provider_gives_up_after_retries(server: _Server) -> None:
    url = server.answer("/down", (502, "text/plain", "bad gateway", 0))
    with pytest.raises(ProviderError, match="failed after 3 attempts: HTTP 502"):
        _provider(url=url).fetch("X")
    assert server.hits["/down"] == 3


def test_http_provider_times_out(server: _Server) -> None:
    url = server.answer("/slow", (200, "text/csv", CSV_BODY, 1.0))
    with pytest.raises(ProviderError, match=r"no answer within 0.2s"):
        _provider(url=url, timeout_s=0.2, retries=1).fetch("X")


def test_http_provider_rejects_garbage_json(server: _Server) -> None:
    url = server.answer("/junk", (200, "application/json", "{not json", 0))
    with pytest.raises(ProviderError, match="did not answer valid JSON"):
        _provider(url=url).fetch("X")


def test_http_provider_rejects_json_without_records(server: _Server) -> None:
    url = server.answer("/obj", (200, "application/json", '{"a": [1], "b": [2]}', 0))
    with pytest.raises(ProviderError, match="cannot tell which JSON key holds the records"):
        _provider(url=url).fetch("X")


def test_http_provider_rejects_html(server: _Server) -> None:
    url = server.answer("/html", (200, "text/html", "<html><body>hello</body></html>", 0))
    with pytest.raises(DataError):
        _provider(url=url).fetch("X")
