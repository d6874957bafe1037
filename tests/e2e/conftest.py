"""Browser tests: Debian's chromium driven by Python Playwright (``playwright install`` is not
needed). Without /usr/bin/chromium they skip with the reason, unless CI=true: then they fail.

Servers here are module- or session-scoped (a replay and a browser take seconds to start),
so they build their own Settings instead of using the function-scoped ``settings`` fixture.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving.conftest import LiveServer
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.storage.migrate import upgrade

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"browser tests need Debian chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires chromium: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def naive_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow store whose AMZN champion is naive (cheap: nothing to train)."""
    from tickercast.data.validation import validate_table
    from tickercast.training import pipeline

    root = tmp_path_factory.mktemp("e2e-registry")
    settings = Settings(data_dir=root, mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    bars = validate_table(BundledProvider().fetch("AMZN")).bars
    closes = bars["close"].to_numpy()
    dates = bars["date"].to_numpy().astype("datetime64[D]")
    pipeline.train(
        "AMZN", "naive", closes, dates, settings, register=True, test_days=60, refit_every=30
    )
    return root


def make_settings(root: Path, registry: Path | None, *, amzn: bool = True, **feed: Any) -> Settings:
    """A migrated SQLite database under ``root`` (AMZN loaded), the registry copied in."""
    root.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=root, database_url=f"sqlite:///{root / 'tickercast.db'}", **feed)
    upgrade(settings.resolved_database_url)
    if amzn:
        ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    if registry is not None:
        shutil.copy(registry / "mlflow.db", root / "mlflow.db")
        settings = settings.model_copy(
            update={"mlflow_tracking_uri": f"sqlite:///{root / 'mlflow.db'}"}
        )
    return settings


class DashboardServer(LiveServer):
    """A live server that cancels open event streams 1 s into a shutdown."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.server.config.timeout_graceful_shutdown = 1

    def feed(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/v1/feed", timeout=5).json())

    def wait_feed(self, state: str, timeout_s: float = 60) -> dict[str, Any]:
        import time

        deadline = time.monotonic() + timeout_s
        while (feed := self.feed())["state"] != state:
            assert time.monotonic() < deadline, f"feed never reached {state}: {feed}"
            time.sleep(0.05)
        return feed


@pytest.fixture(scope="module")
def finished_server(
    tmp_path_factory: pytest.TempPathFactory, naive_registry: Path
) -> Iterator[DashboardServer]:
    """AMZN replayed quickly from 2025-06-02 to its end: a still dashboard with scored
    predictions and a stopped feed."""
    settings = make_settings(
        tmp_path_factory.mktemp("finished"),
        naive_registry,
        feed="replay",
        feed_ticker="AMZN",
        feed_from=dt.date(2025, 6, 2),
        feed_speed=200.0,
    )
    with DashboardServer(settings) as server:
        server.wait_feed("finished")
        yield server


@pytest.fixture
def moving_server(tmp_path: Path, naive_registry: Path) -> Iterator[DashboardServer]:
    """AMZN replayed at 3 bars per second."""
    settings = make_settings(
        tmp_path,
        naive_registry,
        feed="replay",
        feed_ticker="AMZN",
        feed_from=dt.date(2025, 5, 1),
        feed_speed=3.0,
    )
    with DashboardServer(settings) as server:
        yield server


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[DashboardServer]:
    with DashboardServer(make_settings(tmp_path, None, amzn=False)) as server:
        yield server
