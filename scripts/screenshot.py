"""Take the README screenshot of the dashboard: docs/dashboard.png.

    .venv/bin/python scripts/screenshot.py [--out docs/dashboard.png]

Starts `tickercast serve` on the bundled data in a temporary data dir with a validated
champion (`bootstrap_champion`: naive and LightGBM, the gate picks), first replays AMZN's
last two years at full speed so predictions are stored, then restarts the replay from
2025-01-02 at 4 bars per second and photographs the moving page in headless Chromium.
Needs /usr/bin/chromium; takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(env: dict[str, str], *args: str) -> Iterator[str]:
    port = _port()
    command = [sys.executable, "-m", "tickercast", "serve", "--port", str(port), *args]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def prepare(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "TICKERCAST_DATA_DIR": str(data_dir), "TICKERCAST_LOG_LEVEL": "warning"}
    subprocess.run(
        [sys.executable, "-m", "tickercast", "init", "--json"],
        env=env,
        check=True,
        capture_output=True,
    )
    from tickercast.config import Settings
    from tickercast.storage import repository
    from tickercast.storage.db import session_scope
    from tickercast.training.pipeline import bootstrap_champion

    settings = Settings(data_dir=data_dir)
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="AMZN")
        assert ticker_id is not None
        dates, closes = repository.get_closes(session=session, ticker_id=ticker_id)
    print(bootstrap_champion("AMZN", settings, closes, dates).reason)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        with serve(env, "--replay", "AMZN", "--from", "2023-07-25", "--speed", "1000") as url:
            while httpx.get(f"{url}/v1/feed").json()["state"] != "finished":
                time.sleep(0.5)
        with (
            serve(env, "--replay", "AMZN", "--from", "2025-01-02", "--speed", "4") as url,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 960})
            page.goto(url)
            page.wait_for_selector("body[data-painted='1']")
            page.wait_for_timeout(6000)  # let some bars arrive over the event stream
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
