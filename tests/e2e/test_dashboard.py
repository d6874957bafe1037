"""The dashboard in a real browser: candles, the prediction band, the accuracy table, a bar
arriving over SSE, the same history after a reload, and the empty/error/stopped states."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import DashboardServer

pytestmark = pytest.mark.e2e

CHART = "document.getElementById('chart')"
PAINTED = "body[data-painted='1']"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == []


def chart_state(page: Any) -> dict[str, Any]:
    return dict(
        page.evaluate(
            f"""() => {{
        const gd = {CHART};
        const candles = gd.data[0];
        const line = gd.data.find(t => t.name === 'predicted close (1 day ahead)');
        return {{
            type: candles.type, dates: candles.x, closes: candles.close,
            traces: gd.data.map(t => t.name),
            predicted: line.x.map((x, i) => [x, line.y[i]]),
            candlePaths: document.querySelectorAll('#chart .boxlayer path').length,
        }};
    }}"""
        )
    )


def test_page_shows_candles_prediction_band_and_accuracy(
    page: Any, finished_server: DashboardServer
) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    chart = chart_state(page)
    assert chart["type"] == "candlestick"
    assert chart["dates"][-1] == "2025-07-25"
    assert len(chart["dates"]) > 400  # about two years of bars on first paint
    assert chart["candlePaths"] > 50
    assert {"95% interval", "80% interval", "next-day forecast"} <= set(chart["traces"])
    assert len(chart["predicted"]) >= 30
    assert "Next close 2025-07-28" in page.inner_text("[data-testid=next-prediction]")
    assert "80%" in page.inner_text("[data-testid=next-prediction]")
    table = page.locator("[data-testid=accuracy-table]")
    for label in ("last 1", "last 10", "last 50", "mean difference", "MAE", "95% interval"):
        assert label in table.inner_text()
    assert table.locator("tbody tr").count() == 10
    panel = page.locator("[data-testid=model-panel]")
    assert "naive · version 1" in panel.inner_text()
    assert page.locator("[data-testid=naive-warning]").is_visible()


def test_stopped_feed_is_shown(page: Any, finished_server: DashboardServer) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    badge = page.locator("[data-testid=feed-status]")
    assert badge.get_attribute("data-state") == "finished"
    assert "feed stopped: replay finished at 2025-07-25" in badge.inner_text()


def test_reload_shows_the_same_history(page: Any, finished_server: DashboardServer) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    before = chart_state(page)
    accuracy = page.inner_text("[data-testid=accuracy-table]")
    page.reload()
    page.wait_for_selector(PAINTED)
    after = chart_state(page)
    assert (after["dates"], after["closes"]) == (before["dates"], before["closes"])
    assert after["predicted"] == before["predicted"]
    assert page.inner_text("[data-testid=accuracy-table]") == accuracy


def test_range_buttons_and_ticker_selector(page: Any, finished_server: DashboardServer) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    page.click("button[data-range='1M']")
    page.wait_for_function(f"{CHART}.layout.xaxis.range[0].startsWith('2025-06-25')")
    page.click("button[data-range='all']")
    page.wait_for_function(f"{CHART}.data[0].x[0] === '1997-05-15'", timeout=10_000)
    assert page.locator("button[data-range='all']").get_attribute("class") == "active"
    options = page.locator("[data-testid=ticker] option").all_inner_texts()
    assert options == ["AMZN"]


def test_new_bar_arrives_over_sse(page: Any, moving_server: DashboardServer) -> None:
    page.goto(moving_server.url)
    page.wait_for_selector(PAINTED)
    first = page.evaluate(f"{CHART}.data[0].x.slice(-1)[0]")
    page.wait_for_function(f"{CHART}.data[0].x.slice(-1)[0] > '{first}'", timeout=10_000)
    latest = page.evaluate(f"{CHART}.data[0].x.slice(-1)[0]")
    assert latest > first
    badge = page.locator("[data-testid=feed-status]")
    page.wait_for_function(
        "document.querySelector('[data-testid=feed-status]').dataset.state === 'running'"
    )
    assert "replay AMZN" in badge.inner_text()
    assert page.evaluate("window.__tc.latencies.length") >= 1
    feed = moving_server.feed()
    assert feed["cursor"] >= latest
    assert feed["followers"] == 1


def test_empty_state_when_no_data(page: Any, empty_server: DashboardServer) -> None:
    page.goto(empty_server.url)
    page.wait_for_selector("body[data-state='empty']")
    empty = page.locator("[data-testid=empty-state]")
    assert empty.is_visible()
    assert "No price data yet" in empty.inner_text()
    assert "tickercast init" in empty.inner_text()
    assert page.locator("[data-testid=feed-status]").inner_text() == "live feed off"


def test_error_state_when_the_api_is_unreachable(
    page: Any, finished_server: DashboardServer
) -> None:
    page.route("**/v1/**", lambda route: route.abort())
    page.goto(finished_server.url)
    page.wait_for_selector("body[data-state='unreachable']")
    banner = page.locator("[data-testid=banner]")
    assert banner.is_visible()
    assert "Cannot load data (the service is unreachable)" in banner.inner_text()
    page.unroute("**/v1/**")
    page.wait_for_selector(PAINTED, timeout=10_000)  # it retries and recovers
    assert page.locator("[data-testid=banner]").is_hidden()


def test_banner_when_the_service_goes_away(page: Any, moving_server: DashboardServer) -> None:
    page.goto(moving_server.url)
    page.wait_for_selector(PAINTED)
    moving_server.__exit__(None, None, None)
    banner = page.locator("[data-testid=banner]")
    banner.wait_for(state="visible", timeout=10_000)
    assert "Live updates interrupted" in banner.inner_text()
    assert page.locator("[data-testid=feed-status]").get_attribute("data-state") == "disconnected"


def test_phone_width_has_no_horizontal_scroll(
    browser: Any, finished_server: DashboardServer
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("[data-testid=chart]").bounding_box()
    assert box is not None and box["width"] <= 390 and box["height"] >= 300
    assert page.locator("[data-testid=accuracy-table]").is_visible()
    context.close()


def test_last_updated_never_for_a_bundled_ticker(
    page: Any, finished_server: DashboardServer
) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector(PAINTED)
    page.wait_for_function(
        "document.querySelector('[data-testid=last-updated]').textContent.length > 0"
    )
    assert page.inner_text("[data-testid=last-updated]") == "last updated: never (bundled)"


def test_last_updated_shows_provider_and_time(page: Any, tmp_path: Any) -> None:
    import datetime as dt

    from tests.e2e.conftest import make_settings
    from tickercast.storage import repository, sources
    from tickercast.storage.db import session_scope

    settings = make_settings(tmp_path, None)
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="AMZN")
        assert ticker_id is not None
        sources.set_source(
            session=session, ticker_id=ticker_id, provider="yahoo", provider_symbol="AMZN"
        )
        at = dt.datetime(2025, 7, 25, 20, 30, tzinfo=dt.UTC)
        sources.record_update(session=session, ticker_id=ticker_id, at=at)
    with DashboardServer(settings) as server:
        page.goto(server.url)
        page.wait_for_function(
            "document.querySelector('[data-testid=last-updated]').textContent.length > 0"
        )
        text = page.inner_text("[data-testid=last-updated]")
    assert text == "last updated 2025-07-25 20:30 UTC from yahoo"


def test_decision_panel_and_equity_view(page: Any, finished_server: DashboardServer) -> None:
    page.goto(finished_server.url)
    page.wait_for_selector("[data-testid=decision-action]")
    assert page.get_attribute("[data-testid=decision-action]", "data-action") == "hold"
    assert "no edge" in page.inner_text("[data-testid=decision-reason]")
    page.wait_for_selector("#equity[data-painted='1']")
    names = page.evaluate("() => document.getElementById('equity').data.map(t => t.name)")
    assert {"strategy", "buy-and-hold", "buy", "sell"} <= set(names)
    assert page.inner_text("[data-testid=backtest-verdict]").startswith("No edge")
    # the backtest's trades are markers on the price chart too (none here: naive never trades)
    page.wait_for_function(
        "() => document.getElementById('chart').data.some(t => t.name === 'backtest buy')"
    )
