"""Retrain markers, the model timeline and the live drift badge in a real browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DashboardServer, make_settings
from tests.training.factories import register_stored
from tickercast.monitoring.retrain import retrain
from tickercast.training import registry

pytestmark = pytest.mark.e2e

REPLAY_FROM = dt.date(2025, 7, 1)
LAST_BEFORE_REPLAY = dt.date(2025, 6, 30)


@pytest.fixture
def retrained_server(tmp_path: Path) -> Iterator[DashboardServer]:
    """Naive champion trained before the replay; a LightGBM retrain on the data up to it, as
    the worker runs it (refused by the gate, then naive refreshed, or promoted); AMZN
    replayed at 10 bars/s."""
    settings = make_settings(
        tmp_path, None, feed="replay", feed_ticker="AMZN", feed_from=REPLAY_FROM, feed_speed=10.0
    )
    settings = settings.model_copy(
        update={"mlflow_tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    )
    register_stored(settings, "AMZN", before="2025-06-02")
    retrain("AMZN", settings, as_of=LAST_BEFORE_REPLAY, model_name="lightgbm", test_days=60)
    with DashboardServer(settings) as server:
        yield server


def test_dashboard_shows_retrain_markers_timeline_and_drift(
    browser: Any, retrained_server: DashboardServer
) -> None:
    history = registry.version_history("AMZN", retrained_server.app.state.settings)
    decision = history[1]["decision"]
    # refused: v3 is naive refit on the same data, serving in v1's place
    expected = [("v1 naive", "promoted"), ("v2 lightgbm", decision)]
    if decision == "refused":
        expected.append(("v3 naive", "refreshed"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(retrained_server.url)
        page.wait_for_selector("body[data-painted='1']")
        entries = page.locator("[data-testid=timeline-entry]")
        assert entries.count() == len(expected)
        for i, (name, outcome) in enumerate(expected):
            text = entries.nth(i).inner_text()
            assert name in text and outcome in text and "p = " in text
            assert entries.nth(i).get_attribute("data-decision") == outcome
        assert "on_demand" in entries.nth(1).inner_text()
        assert "serving" in entries.nth(len(expected) - 1).inner_text()
        markers = page.evaluate(
            """() => {
            const gd = document.getElementById('chart');
            return {shapes: (gd.layout.shapes || []).map(s => [s.x0, s.line.color]),
                    labels: (gd.layout.annotations || []).map(a => a.text)};
        }"""
        )
        dates = ["2025-05-30"] + ["2025-06-30"] * (len(expected) - 1)
        assert [x for x, _ in markers["shapes"]] == dates
        assert markers["labels"] == [f"{name.split()[0]} {outcome}" for name, outcome in expected]
        if decision == "refused":  # orange refusal, grey refresh
            assert [c for _, c in markers["shapes"][1:]] == ["#d9822b", "#607d8b"]
        # drift events arrive over SSE as the replay advances
        page.wait_for_function(
            "document.querySelector('[data-testid=drift-status]').dataset.state !== 'unknown'",
            timeout=30_000,
        )
        badge = page.inner_text("[data-testid=drift-status]")
        assert "as of 2025-07" in badge
    finally:
        page.close()
    assert errors == []
