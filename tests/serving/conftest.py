from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.keys_helper import key_headers
from tests.live_server import LiveServer, free_port
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider

__all__ = ["LiveServer", "free_port"]


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


@pytest.fixture
def served(champion_settings: Settings) -> Iterator[httpx.Client]:
    """A live server with a champion loaded for AMZN; the client sends an all-scope key."""
    headers = key_headers(champion_settings)
    with (
        LiveServer(champion_settings) as server,
        httpx.Client(base_url=server.url, timeout=30, headers=headers) as client,
    ):
        client.server = server  # type: ignore[attr-defined]
        yield client
