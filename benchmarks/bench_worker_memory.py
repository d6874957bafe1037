"""Resident memory of a serving worker per champion kind, light vs native, next to a trivial
FastAPI app, all in one run; plus in-process prediction times, light vs native.

    .venv/bin/python benchmarks/bench_worker_memory.py [--requests 200] [--before DIR]

For each kind (naive, lightgbm, lstm) one AMZN version is registered and made champion;
``tickercast serve --no-feed --no-worker`` starts, answers ``--requests`` rounds of
/predict_next_price, /v1/predict and /v1/predict/batch (64 windows), and the serving
process's RSS is read from /proc (the uvicorn workers' with ``--workers 2``). ``--before
DIR`` also serves each champion with the code in DIR (a checkout before light serving, e.g.
/work/main/src); the "no light files" row serves the LSTM with its light files removed, as
a version registered before light serving (torch in the worker). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np
from bench_serving import BODY, HERE, start, stop, worker_rss_mb

KINDS = ("naive", "lightgbm", "lstm")
PORT = 8131
WINDOWS = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.01, (64, 7)), axis=1))


def register(env: dict[str, str], kind: str) -> str:
    tc = [sys.executable, "-m", "tickercast"]
    out = subprocess.run(
        [
            *(*tc, "train", "AMZN", "--model", kind, "--register", "--json", "--no-progress"),
            *("--test-days", "120", "--refit-every", "60"),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return str(json.loads(out)["version"])


def promote(env: dict[str, str], version: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tickercast", "models", "promote", "AMZN", version, "--force"],
        env=env,
        check=True,
        capture_output=True,
    )


def light_files(env: dict[str, str], version: str) -> list[Path]:
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{env['TICKERCAST_DATA_DIR']}/mlflow.db")
    source = client.get_model_version("tickercast-AMZN", version).source
    native = Path(urlparse(source).path) / "artifacts" / "forecaster"
    return sorted(native.glob("light*"))


def exercise(port: int, rounds: int, *, v1: bool) -> None:
    """``rounds`` of /predict_next_price, and of the /v1 prediction routes when ``v1``."""
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(rounds):
            client.post("/predict_next_price", json=BODY).raise_for_status()
            if v1:
                client.post("/v1/predict", json={"ticker": "AMZN", **BODY}).raise_for_status()
                batch = {"windows": WINDOWS.tolist()}
                client.post("/v1/predict/batch", json=batch).raise_for_status()


def served_rss(cmd: list[str], env: dict[str, str], rounds: int) -> float:
    process = start(cmd, env, PORT)
    try:
        exercise(PORT, rounds, v1="tickercast" in cmd)
        return statistics.mean(worker_rss_mb(process))
    finally:
        stop(process)


def predict_times(env: dict[str, str], versions: dict[str, str]) -> list[tuple[str, str, float]]:
    """Median µs per call, native vs light, for one window and for 1,000 and 10,000."""
    from tickercast.config import Settings
    from tickercast.training import registry, registry_reader

    settings = Settings(data_dir=Path(env["TICKERCAST_DATA_DIR"]))
    rng = np.random.default_rng(1)
    rows = []
    for kind in ("lightgbm", "lstm"):
        native, _ = registry.load_version("AMZN", versions[kind], settings)
        light, _ = registry_reader.load_version("AMZN", versions[kind], settings)
        for n in (1, 1_000, 10_000):
            w = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n, 7)), axis=1))
            for form, model in (("native", native), ("light", light)):
                number = 200 if n == 1 else 5
                runs = timeit.repeat(lambda m=model, w=w: m.predict(w), number=number, repeat=5)
                rows.append((f"{kind} {form}", f"{n:,}", 1e6 * min(runs) / number))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--before", type=Path, help="src/ of a checkout before light serving (e.g. main's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TICKERCAST_DATA_DIR": tmp,
            "TICKERCAST_LOG_LEVEL": "warning",
            "TICKERCAST_ANONYMOUS_RATE": "none",  # the rounds would pass the per-IP limit
        }
        tc = [sys.executable, "-m", "tickercast"]
        subprocess.run([*tc, "init", "--no-champion"], env=env, check=True, capture_output=True)
        versions = {kind: register(env, kind) for kind in ("lightgbm", "lstm")}
        versions["naive"] = "1"  # registered first by the first train
        trivial = [sys.executable, "-m", "uvicorn", "trivial_app:app", "--app-dir", str(HERE)]
        trivial += ["--port", str(PORT), "--log-level", "warning"]
        # the serving process only: --no-worker leaves out the drift/retrain worker process
        serve = [*tc, "serve", "--no-feed", "--no-worker", "--port", str(PORT)]
        before_env = {**env, "PYTHONPATH": str(args.before)} if args.before else None
        rows = [("trivial FastAPI app", "-", "1", served_rss(trivial, env, args.requests))]
        for kind in KINDS:
            promote(env, versions[kind])
            rows.append((kind, "light", "1", served_rss(serve, env, args.requests)))
            if kind == "lightgbm":
                rss = served_rss([*serve, "--workers", "2"], env, args.requests)
                rows.append((kind, "light", "2", rss))
            if before_env is not None:
                rss = served_rss(serve, before_env, args.requests)
                rows.append((kind, f"before ({args.before})", "1", rss))
            if kind == "lstm":  # as registered before light serving: torch in the worker
                files = light_files(env, versions[kind])
                saved = {path: path.read_bytes() for path in files}
                for path in files:
                    path.unlink()
                try:
                    rows.append(
                        (kind, "no light files", "1", served_rss(serve, env, args.requests))
                    )
                finally:
                    for path, data in saved.items():
                        path.write_bytes(data)
        base = rows[0][3]
        print("| champion | served by | workers | RSS/worker MB | vs trivial |")
        print("|---|---|---:|---:|---:|")
        for kind, form, workers, rss in rows:
            print(f"| {kind} | {form} | {workers} | {rss:.0f} | {rss / base:.2f}x |")
        print("\n| model | windows | µs per predict (levels 80, 95) |")
        print("|---|---:|---:|")
        for name, n, us in predict_times(env, versions):
            print(f"| {name} | {n} | {us:,.0f} |")


if __name__ == "__main__":
    main()
