"""Slow clients against a real ``tickercast serve`` (defect 8): a connection trickling its
headers, and a request whose Content-Length is never met, are closed within the deadlines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.live_server import free_port
from tickercast.config import Settings

DEADLINE_S = 2.0


@pytest.fixture
def served_port(sqlite_settings: Settings) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(sqlite_settings.data_dir),
        "TICKERCAST_DATABASE_URL": sqlite_settings.resolved_database_url,
        "TICKERCAST_HTTP_HEADER_TIMEOUT_S": str(DEADLINE_S),
        "TICKERCAST_HTTP_BODY_TIMEOUT_S": str(DEADLINE_S),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tickercast", "serve", "--port", str(port), "--no-feed"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "server did not start"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _closed_by_server(sock: socket.socket) -> bytes:
    """What the server sent before closing; raises socket.timeout if it never closes."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_connection_trickling_headers_is_closed(served_port: int) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", served_port), timeout=10) as sock:
        start = time.monotonic()
        closed = False
        for byte in request:  # one byte every 0.5 s: far longer than the deadline overall
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(0.5)
            try:
                if sock.recv(4096) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
        elapsed = time.monotonic() - start
    assert closed, "the server kept a trickling connection open"
    assert elapsed < DEADLINE_S + 5  # bounded: the deadline plus scheduling slack


def test_request_whose_body_never_arrives_gets_408_and_is_closed(served_port: int) -> None:
    with socket.create_connection(("127.0.0.1", served_port), timeout=DEADLINE_S + 10) as sock:
        sock.sendall(
            b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n" + b'{"prices": ['
        )
        received = _closed_by_server(sock)
    assert received.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), received
    assert b'"status":408' in received


def test_idle_connection_that_sends_nothing_is_closed(served_port: int) -> None:
    with socket.create_connection(("127.0.0.1", served_port), timeout=DEADLINE_S + 10) as sock:
        assert _closed_by_server(sock) == b""


def test_normal_requests_still_work(served_port: int) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{served_port}") as client:
        for _ in range(3):  # keep-alive: each request gets fresh deadlines
            assert client.get("/healthz").status_code == 200
            assert client.post("/v1/predict", json={"prices": [1.0] * 7}).status_code in (
                200,
                404,
            )
