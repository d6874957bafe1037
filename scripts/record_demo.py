"""Record what `make run` shows: docs/demo-replay.png and the model history of the replay.

    .venv/bin/python scripts/record_demo.py [--watch 240] [--out docs/demo-replay.png]

Runs exactly `make run`'s two steps in a temporary data dir (`tickercast init`, then
`tickercast serve --replay AMZN --from 2023-07-25 --speed 4`, worker included), prints the
feed cursor and the number of model versions every 20 s while the replay advances, then the
`/v1/models/AMZN/history` answer (every retrain: trigger, gate p-value, decision) and a
full-page screenshot of the dashboard in headless Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKERCAST = [sys.executable, "-m", "tickercast"]


def _wait_ready(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--watch", type=float, default=240, help="Seconds to watch the replay.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "demo-replay.png")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="tickercast-demo-"))
    env = {**os.environ, "TICKERCAST_DATA_DIR": str(root)}
    started = time.monotonic()
    subprocess.run([*TICKERCAST, "init"], env=env, check=True, capture_output=True)
    print(f"init: {time.monotonic() - started:.0f} s", flush=True)
    serve = [*TICKERCAST, "serve", "--port", str(args.port), "--replay", "AMZN"]
    serve += ["--from", "2023-07-25", "--speed", "4"]
    with open(root / "serve.log", "w") as log:
        server = subprocess.Popen(serve, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}"
    try:
        _wait_ready(url)
        deadline = time.monotonic() + args.watch
        while True:
            feed = httpx.get(f"{url}/v1/feed", timeout=5).json()
            history = httpx.get(f"{url}/v1/models/AMZN/history", timeout=5).json()
            print(
                f"{time.monotonic() - started:5.0f} s  cursor {feed['cursor']}  "
                f"{feed['state']}  versions {len(history['versions'])}",
                flush=True,
            )
            if time.monotonic() >= deadline:
                break
            time.sleep(20)
        print(json.dumps(history, indent=1))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.wait_for_selector("[data-testid=decision-action]", timeout=30_000)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        print(f"wrote {args.out}")
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
