"""Retrain markers, the model timeline and the live drift badge in a real browser."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DashboardServer, make_settings
from tests.training.factories import register_stored
from tickercast.training import registry

pytestmark = pytest.mark.e2e

REPLAY_FROM = dt.date(2025, 7, 1)


@pytest.fixture
def retrained_server(tmp_path: Path) -> Iterator[DashboardServer]:
    """Naive champion trained before the replay; a LightGBM retrain on drift, recorded and
    refused by the gate (as the worker leaves it); AMZN replayed at 10 bars/s."""
    settings = make_settings(
        tmp_path, None, feed="replay", feed_ticker="AMZN", feed_from=REPLAY_FROM, feed_speed=10.0
    )
    settings = settings.model_copy(
        update={"mlflow_tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}"}
    )
    register_stored(settings, "AMZN", before="2025-06-02")
    result = register_stored(settings, "AMZN", "lightgbm", before=REPLAY_FROM)
    assert result.decision is not None and result.version is not None
    registry.record_retrain(
        "AMZN",
        result.run_id,
        result.version,
        trigger="drift",
        outcome="promoted" if result.decision.promoted else "refused",
        data_date=str(result.validation.test_end),
        drift={"status": "drift", "checks": []},
        decision=result.decision.to_dict(),
        settings=settings,
    )
    with DashboardServer(settings) as server:
        yield server


def test_dashboard_shows_retrain_markers_timeline_and_drift(
    browser: Any, retrained_server: DashboardServer
) -> None:
    history = registry.version_history("AMZN", retrained_server.app.state.settings)
    decision = history[1]["decision"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(retrained_server.url)
        page.wait_for_selector("body[data-painted='1']")
        entries = page.locator("[data-testid=timeline-entry]")
        assert entries.count() == 2
        first, second = entries.nth(0).inner_text(), entries.nth(1).inner_text()
        assert "v1 naive" in first and "promoted" in first
        assert "v2 lightgbm" in second and "drift" in second and decision in second
        assert "p = " in second
        assert entries.nth(1).get_attribute("data-decision") == decision
        markers = page.evaluate(
            """() => {
            const gd = document.getElementById('chart');
            return {shapes: (gd.layout.shapes || []).map(s => [s.x0, s.line.color]),
                    labels: (gd.layout.annotations || []).map(a => a.text)};
        }"""
        )
        assert [x for x, _ in markers["shapes"]] == ["2025-05-30", "2025-06-30"]
        assert markers["labels"] == ["v1 promoted", f"v2 {decision}"]
        if decision == "refused":
            assert markers["shapes"][1][1] == "#d9822b"
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
