from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.serving.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The real app under uvicorn in a thread, reachable over real HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def amzn_settings(settings: Settings) -> Settings:
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    return settings


@pytest.fixture
def live(amzn_settings: Settings) -> Iterator[httpx.Client]:
    with (
        LiveServer(amzn_settings) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        yield client
