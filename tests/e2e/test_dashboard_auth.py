"""The dashboard in ``required`` auth mode, in Chromium: a sign-in page first, then the
dashboard on a same-origin HttpOnly session cookie; the key is never in the page source or
readable by scripts. (The other browser tests run in the default ``optional`` mode.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DashboardServer, make_settings
from tests.keys_helper import make_key

pytestmark = pytest.mark.e2e


@pytest.fixture
def locked_server(tmp_path: Path, naive_registry: Path) -> Iterator[DashboardServer]:
    settings = make_settings(tmp_path, naive_registry, auth="required")
    with DashboardServer(settings) as server:
        server.settings = settings  # type: ignore[attr-defined]
        yield server


def test_dashboard_signs_in_with_a_read_key_kept_out_of_the_page(
    browser: Any, locked_server: DashboardServer
) -> None:
    key = make_key(locked_server.settings, scopes="read")  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        first = page.goto(locked_server.url)
        assert first is not None and first.status == 401
        assert page.is_visible("[data-testid=sign-in-key]")
        assert page.locator("#chart").count() == 0  # no dashboard before signing in
        failed.clear()
        page.fill("[data-testid=sign-in-key]", key)
        page.click("[data-testid=sign-in]")
        page.wait_for_selector("body[data-painted='1']", timeout=30_000)
        assert page.url.rstrip("/") == locked_server.url
        assert failed == []  # every API call and the event stream went through
        assert key not in page.content()
        assert key not in page.evaluate("document.cookie")  # HttpOnly
        assert "AMZN" in page.inner_text("[data-testid=ticker]")
        assert page.evaluate("document.getElementById('chart').data[0].x.length") > 100
        cookie = next(c for c in context.cookies() if c["name"] == "tickercast_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    finally:
        context.close()


def test_wrong_key_shows_the_sign_in_page_again(
    browser: Any, locked_server: DashboardServer
) -> None:
    predict_only = make_key(locked_server.settings, scopes="predict")  # type: ignore[attr-defined]
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(locked_server.url)
        page.fill("[data-testid=sign-in-key]", predict_only)
        page.click("[data-testid=sign-in]")
        page.wait_for_load_state()
        assert "no 'read' scope" in page.inner_text("body")
        assert context.cookies() == []
    finally:
        context.close()
