"""How long the service takes to answer while PostgreSQL hangs, and to shed slow clients.

- /readyz, /healthz and /metrics while the database is blackholed (a TCP proxy that accepts
  and then passes nothing) and 64 database-backed requests hang;
- how long those 64 requests take to get their 503;
- how long a connection trickling header bytes, and a request whose body never arrives,
  stay open against a server with the production protocol (``DeadlineHttpProtocol``).

    TICKERCAST_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
      PYTHONPATH=src .venv/bin/python benchmarks/bench_outage.py
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live_server import LiveServer, free_port
from tests.pg_schema import throwaway_schema
from tests.tcp_proxy import TcpProxy

from tickercast.config import Settings, get_settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.serving.app import create_app
from tickercast.serving.slow_clients import DeadlineHttpProtocol
from tickercast.storage.migrate import upgrade


def _timed(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    status = client.get(path).status_code
    return (time.perf_counter() - start) * 1000, status


def hung_database(base: str, root: Path) -> None:
    with throwaway_schema(base) as direct:
        url = make_url(direct)
        upgrade(direct)
        settings = Settings(data_dir=root, database_url=direct)
        ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
        with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
            proxied = url.set(host="127.0.0.1", port=proxy.port)
            settings = settings.model_copy(
                update={"database_url": proxied.render_as_string(hide_password=False)}
            )
            print(
                f"defaults: connect {settings.db_connect_timeout_s} s, statement "
                f"{settings.db_statement_timeout_s} s, pool {settings.db_pool_timeout_s} s, "
                f"readyz {settings.readyz_timeout_s} s"
            )
            with LiveServer(settings) as server:
                _measure_hang(server.url, proxy)


def _measure_hang(url: str, proxy: TcpProxy) -> None:
    close = {"Connection": "close"}
    with httpx.Client(base_url=url, timeout=60, headers=close) as client:
        client.get("/v1/tickers")
        proxy.set_mode("blackhole")
        done: list[float] = []
        start = time.perf_counter()

        def hung() -> None:
            with httpx.Client(base_url=url, timeout=120, headers=close) as own:
                own.get("/v1/tickers")
                done.append(time.perf_counter() - start)

        threads = [threading.Thread(target=hung) for _ in range(64)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        for path in ("/readyz", "/healthz", "/metrics"):
            samples = [_timed(client, path) for _ in range(5)]
            ms = [m for m, _ in samples]
            print(
                f"blackholed, 64 hung: {path:9s} status {samples[0][1]} "
                f"median {statistics.median(ms):7.1f} ms  max {max(ms):7.1f} ms"
            )
        for t in threads:
            t.join()
        print(
            f"64 hung /v1/tickers answered 503 after: first {min(done):.1f} s, "
            f"median {statistics.median(done):.1f} s, last {max(done):.1f} s"
        )
        proxy.recover()


def slow_clients(root: Path) -> None:
    os.environ.update({"TICKERCAST_DATA_DIR": str(root / "slow")})
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.resolved_database_url)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), port=port, log_level="warning", http=DeadlineHttpProtocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    print(
        f"deadlines: header {settings.http_header_timeout_s} s, "
        f"body {settings.http_body_timeout_s} s"
    )
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.settimeout(2)
        try:
            for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 1000:
                sock.sendall(bytes([byte]))
                try:
                    if sock.recv(1) == b"":
                        break
                except TimeoutError:
                    continue
        except OSError:
            pass
        print(f"header byte every 2 s: closed after {time.perf_counter() - start:.1f} s")
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.sendall(
            b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )
        sock.settimeout(120)
        first = sock.recv(64)
        while sock.recv(4096):
            pass
        print(
            f"body never completed: {first.splitlines()[0].decode()} and closed after "
            f"{time.perf_counter() - start:.1f} s"
        )
    server.should_exit = True
    thread.join(timeout=10)


def main() -> None:
    base = os.environ.get("TICKERCAST_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        if base:
            hung_database(base, Path(tmp))
        else:
            print("TICKERCAST_TEST_POSTGRES_URL not set: skipping the hung-database part")
        slow_clients(Path(tmp))


if __name__ == "__main__":
    main()
