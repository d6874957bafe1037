"""The dashboard page and its assets, served offline from the package and plotly."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tickercast.config import Settings
from tickercast.serving.app import create_app


@pytest.fixture
def live(sqlite_settings: Settings) -> Iterator[TestClient]:
    """The app on SQLite only: pages do not depend on the storage back end."""
    with TestClient(create_app(sqlite_settings)) as client:
        yield client


def test_dashboard_page_renders_with_local_assets(live: TestClient) -> None:
    response = live.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'data-default-ticker="AMZN"' in page
    assert '<script src="/static/plotly.min.js?v=' in page
    assert "cdn" not in page.lower()
    for testid in ("chart", "accuracy-table", "model-panel", "feed-status", "empty-state"):
        assert f'data-testid="{testid}"' in page


def test_plotly_js_is_the_vendored_finance_bundle_and_is_cached(live: TestClient) -> None:
    response = live.get("/static/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert response.text.lstrip().startswith("/**\n* plotly.js (finance - minified) v4.1.0")
    assert '<script src="/static/plotly.min.js?v=finance-4.1.0"' in live.get("/").text


def test_plotly_js_falls_back_to_the_installed_package(
    live: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tickercast.dashboard as dashboard

    monkeypatch.setattr(dashboard, "VENDORED_PLOTLY", tmp_path / "missing.js")
    dashboard.plotly_js.cache_clear()
    dashboard.plotly_version.cache_clear()
    try:
        assert dashboard.plotly_js().parent.name == "package_data"
        assert dashboard.plotly_version() == version("plotly")
    finally:
        dashboard.plotly_js.cache_clear()
        dashboard.plotly_version.cache_clear()


def test_dashboard_script_and_style_are_served(live: TestClient) -> None:
    script = live.get("/static/dashboard.js")
    assert script.status_code == 200
    assert "EventSource" in script.text
    assert live.get("/static/dashboard.css").status_code == 200


def test_unknown_static_file_is_404(live: TestClient) -> None:
    for name in ("nope.js", "..%2Fapp.py", "%2E%2E%2F__init__.py"):
        response = live.get(f"/static/{name}")
        assert response.status_code == 404
