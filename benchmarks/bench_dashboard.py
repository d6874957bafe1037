"""Dashboard numbers (issue 6), each against a real `tickercast serve` process:

    .venv/bin/python benchmarks/bench_dashboard.py [first-paint|latency|sse|all]

- first-paint: headless Chromium opens `/` on 2 years of replayed AMZN bars and predictions;
  time from navigation start to the chart drawn with data (``window.__tc.firstPaintMs``),
  cold (new browser context: empty cache) and warm (a reload: Plotly.js from the cache).
- latency: a replay at 4 bars/s; for each bar, the time from the server storing it (its
  ``stored_at_ms``) to the browser having drawn it (after Plotly's redraw, next frame).
- sse: 50 event-stream clients (a separate process) for 60 s while the replay runs;
  meanwhile wrk drives POST /predict_next_price (64 connections); compared with the same
  wrk run on the same server build with no feed and no clients.

Targets: first paint <= 1 s; median bar-to-browser <= 250 ms; 50 clients, none dropped,
API latency within 20%.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from loadgen import wrk

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAINTED = "body[data-painted='1']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(root: Path) -> dict[str, str]:
    """AMZN stored and a naive champion registered in ``root``; the env that points at it."""
    from tickercast.config import Settings
    from tickercast.data.ingestion import ingest_table
    from tickercast.data.providers import BundledProvider
    from tickercast.data.validation import validate_table
    from tickercast.storage.migrate import upgrade
    from tickercast.training import pipeline

    settings = Settings(data_dir=root)
    upgrade(settings.resolved_database_url)
    table = BundledProvider().fetch("AMZN")
    ingest_table(table, ticker="AMZN", settings=settings)
    bars = validate_table(table).bars
    closes = bars["close"].to_numpy()
    dates = bars["date"].to_numpy().astype("datetime64[D]")
    pipeline.train("AMZN", "naive", closes, dates, settings, register=True, test_days=250)
    return {**os.environ, "TICKERCAST_DATA_DIR": str(root), "TICKERCAST_LOG_LEVEL": "warning"}


@contextmanager
def serve(env: dict[str, str], *args: str) -> Iterator[str]:
    """`tickercast serve` in a subprocess; yields its URL; Ctrl-C at the end."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tickercast", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def wait_feed(url: str, state: str, timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while (feed := httpx.get(f"{url}/v1/feed", timeout=5).json())["state"] != state:
        if time.monotonic() > deadline:
            raise RuntimeError(f"feed never reached {state}: {feed}")
        time.sleep(0.2)
    return dict(feed)


def first_paint(env: dict[str, str], runs: int = 7) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    # the whole two years replayed as fast as the service goes: bars and predictions stored
    with serve(env, "--replay", "AMZN", "--from", "2023-07-25", "--speed", "1000") as url:
        feed = wait_feed(url, "finished")
        history = httpx.get(f"{url}/v1/tickers/AMZN/predictions?start=2023-07-25").json()
        cold, warm = [], []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.goto(url)
                page.wait_for_selector(PAINTED)
                cold.append(page.evaluate("window.__tc.firstPaintMs"))
                bars = page.evaluate("document.getElementById('chart').data[0].x.length")
                page.reload()
                page.wait_for_selector(PAINTED)
                warm.append(page.evaluate("window.__tc.firstPaintMs"))
                context.close()
            browser.close()
    return {
        "bars_drawn": bars,
        "predictions_stored": history["count"],
        "replayed_bars": feed["bars"],
        "cold_ms": sorted(cold),
        "warm_ms": sorted(warm),
        "cold_median_ms": statistics.median(cold),
        "warm_median_ms": statistics.median(warm),
    }


def latency(env: dict[str, str], seconds: float = 40) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with (
        serve(env, "--replay", "AMZN", "--from", "2024-01-02", "--speed", "4") as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        page.wait_for_selector(PAINTED)
        page.evaluate("window.__tc.latencies.length = 0")  # drop the catch-up of the first load
        page.wait_for_timeout(seconds * 1000)
        values = sorted(page.evaluate("window.__tc.latencies"))
        browser.close()
    return {
        "bars": len(values),
        "median_ms": statistics.median(values),
        "p95_ms": values[int(0.95 * len(values)) - 1],
        "max_ms": values[-1],
    }


def _sse_clients(url: str, n: int, seconds: float, out: Any) -> None:
    """In its own process: n clients follow /v1/stream/AMZN for ``seconds``."""

    async def follow(client: httpx.AsyncClient, after: int) -> dict[str, Any]:
        ids: list[int] = []
        end = time.monotonic() + seconds
        try:
            async with client.stream(
                "GET", f"{url}/v1/stream/AMZN", params={"last_event_id": after}
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("id: "):
                        ids.append(int(line[4:]))
                    if time.monotonic() > end:
                        return {"ids": ids, "dropped": False}
        except httpx.HTTPError as exc:
            return {"ids": ids, "dropped": True, "error": repr(exc)}
        return {"ids": ids, "dropped": True, "error": "stream ended"}

    async def main() -> list[dict[str, Any]]:
        limits = httpx.Limits(max_connections=n + 5)
        async with httpx.AsyncClient(timeout=None, limits=limits) as client:
            after = (await client.get(f"{url}/v1/feed")).json()["last_event_id"]
            return list(await asyncio.gather(*(follow(client, after) for _ in range(n))))

    out.put(asyncio.run(main()))


def api_load(url: str, seconds: int) -> dict[str, float]:
    """wrk on POST /predict_next_price: requests/s, p50/p99 (ms), non-2xx answers."""
    return wrk(f"{url}/predict_next_price", seconds)


def _statuses(url: str) -> dict[str, float]:
    """Responses of POST /predict_next_price by status, from the service's /metrics."""
    text = httpx.get(f"{url}/metrics").text
    pattern = (
        r'tickercast_http_requests_total\{method="POST",route="/predict_next_price",'
        r'status="(\d+)"\} ([\d.e+]+)'
    )
    return {status: float(count) for status, count in re.findall(pattern, text)}


def _sse_round(env: dict[str, str], clients: int, seconds: float, wrk_s: int) -> dict[str, Any]:
    with serve(env, "--no-feed") as url:
        api_load(url, 3)  # warm-up
        baseline = api_load(url, wrk_s)
    with serve(env, "--replay", "AMZN", "--from", "2023-07-25", "--speed", "4") as url:
        api_load(url, 3)
        queue: Any = multiprocessing.Queue()
        process = multiprocessing.Process(target=_sse_clients, args=(url, clients, seconds, queue))
        process.start()
        time.sleep(min(10, seconds / 4))
        followers = httpx.get(f"{url}/v1/feed").json()["followers"]
        loaded = api_load(url, wrk_s)
        loaded["statuses"] = _statuses(url)
        results = queue.get(timeout=seconds + 60)
        process.join()
        feed = httpx.get(f"{url}/v1/feed").json()
    id_lists = [r["ids"] for r in results]
    reference = max(id_lists, key=len)
    return {
        "connected_during_wrk": followers,
        "dropped": sum(r["dropped"] for r in results),
        "events_per_client": len(reference),
        "all_clients_same_events": all(ids == reference for ids in id_lists),
        "gaps_or_duplicates": any(ids != sorted(set(ids)) for ids in id_lists),
        "bars_replayed": feed["bars"],
        "baseline": baseline,
        "with_feed_and_clients": loaded,
        "rps_change_pct": 100 * (loaded["rps"] / baseline["rps"] - 1),
        "p99_change_pct": 100 * (loaded["p99"] / baseline["p99"] - 1),
    }


def sse(
    env: dict[str, str], clients: int = 50, seconds: float = 60, wrk_s: int = 20, rounds: int = 2
) -> dict[str, Any]:
    """Rounds of (wrk on a server without feed) then (wrk on a server with the feed and the
    clients): on a shared machine one pair alone can mislead either way."""
    if not shutil.which("wrk"):
        raise SystemExit("the sse benchmark needs wrk (apt-get install wrk)")
    runs = [_sse_round(env, clients, seconds, wrk_s) for _ in range(rounds)]
    return {
        "clients": clients,
        "seconds": seconds,
        "rounds": runs,
        "median_rps_change_pct": statistics.median(r["rps_change_pct"] for r in runs),
        "median_p99_change_pct": statistics.median(r["p99_change_pct"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "what", nargs="?", default="all", choices=["first-paint", "latency", "sse", "all"]
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        results: dict[str, Any] = {}
        if args.what in ("first-paint", "all"):
            results["first_paint"] = first_paint(env)
        if args.what in ("latency", "all"):
            results["latency"] = latency(env)
        if args.what in ("sse", "all"):
            results["sse"] = sse(env)
    load = os.getloadavg()
    results["machine"] = {"cpus": os.cpu_count(), "loadavg_1m_at_end": round(load[0], 2)}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
