"""Cost of API keys, rate limits and quotas on POST /predict_next_price, in one run.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_auth.py [--rounds 5] [--seconds 10]

Four servers of one worker each, all started first and kept running, pinned to CPU 1 with
wrk (one thread, 64 connections) on CPU 0; they are measured in interleaved rounds (one
slot each per round, order rotated every round) so drift in the shared machine's load hits
every configuration alike:

- ``before``: the code before the access layer (``--before``, default dadc393, the last
  commit without it), from ``git archive``;
- ``off``: this code, ``TICKERCAST_AUTH=optional`` with no anonymous limit, no key sent;
- ``memory``: ``required``, a key with a rate limit and a daily quota, counters in memory;
- ``redis``: the same with the counters in Redis (``TICKERCAST_REDIS_URL``).

Limits are set high (10,000,000/minute, 1,000,000,000/day) so every request is counted
and none refused. A real LightGBM champion answers. Prints every round and the medians,
and the server's CPU time per request (user + system from /proc, per slot): on a loaded
shared machine the requests/s of a slot follow the CPU share the server got, while its CPU
time per request is the cost the configuration adds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from bench_serving import prepare
from loadgen import pinned, wrk

ROOT = Path(__file__).resolve().parent.parent
WEEK = {"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}


def start(env: dict[str, str], port: int, headers: dict[str, str]) -> subprocess.Popen[bytes]:
    # uvicorn on the app factory, as `tickercast serve` runs it, minus serve's schema check
    # (the ``before`` code does not know this branch's migration)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "tickercast.serving.app:create_app",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(
        pinned(command, 1), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    url = f"http://127.0.0.1:{port}/predict_next_price"
    while time.monotonic() < deadline:
        try:
            if httpx.post(url, json=WEEK, headers=headers).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server on {port} did not start")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def micro(redis_url: str, calls: int = 20_000, repeats: int = 7) -> None:
    """The access check alone, in process: what ``serving.auth.authorize`` plus the usage
    count add to one /predict_next_price request. The minimum of several repeats is robust
    to other processes on the machine, where a load test is not."""
    from sqlalchemy.orm import sessionmaker

    from tickercast.access.gate import AccessControl, utc_now
    from tickercast.access.keys import create_key
    from tickercast.config import Settings
    from tickercast.serving.auth import authorize, rate_headers, record_usage
    from tickercast.serving.metrics import Metrics
    from tickercast.storage.db import make_engine
    from tickercast.storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/micro.db"
        upgrade(url)
        sessions = sessionmaker(make_engine(url), expire_on_commit=False)
        with sessions() as session, session.begin():
            key = create_key(
                session,
                name="micro",
                scopes="predict",
                rate="10000000/minute",
                quota="1000000000/day",
                expires_at=None,
                now=utc_now(),
            ).key
        metrics = Metrics()
        rows = []
        for name, changes in (
            ("off (optional, no key)", {"auth": "optional", "anonymous_rate": "none"}),
            ("memory", {"auth": "required"}),
            (
                "redis",
                {
                    "auth": "required",
                    "redis_url": redis_url,
                    "redis_prefix": f"bench-{uuid.uuid4().hex[:8]}",
                },
            ),
        ):
            access = AccessControl(Settings(database_url=url, **changes), sessions)
            headers = [(b"host", b"x"), (b"content-type", b"application/json")]
            if changes["auth"] == "required":
                headers.append((b"x-api-key", key.encode()))
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                for _ in range(calls):
                    scope = {
                        "method": "POST",
                        "path": "/predict_next_price",
                        "headers": headers,
                        "client": ("127.0.0.1", 1),
                    }
                    admission = authorize(access, scope)
                    rate_headers(admission)
                    record_usage(metrics, access, admission, "/predict_next_price", 200)
                best = min(best, (time.perf_counter() - start) / calls * 1e6)
            rows.append((name, best))
        print("| access check per request (in process, best of 7 x 20,000) | µs |")
        print("|---|---:|")
        for name, us in rows:
            print(f"| {name} | {us:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--micro", action="store_true", help="Only the in-process check.")
    parser.add_argument("--before", default="dadc393", help="Git ref of the code without auth.")
    args = parser.parse_args()
    if args.micro:
        micro(args.redis_url)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = prepare(data)
        before_src = Path(tmp) / "main"
        before_src.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(before_src)], input=archive, check=True)
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "tickercast",
                "keys",
                "create",
                "--name",
                "bench",
                "--scopes",
                "predict",
                "--rate",
                "10000000/minute",
                "--quota",
                "1000000000/day",
                "--json",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        key = {"X-API-Key": json.loads(made)["key"]}
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        configs = {
            "before": ({**env, "PYTHONPATH": str(before_src / "src")}, {}),
            "off": (
                {**env, "TICKERCAST_AUTH": "optional", "TICKERCAST_ANONYMOUS_RATE": "none"},
                {},
            ),
            "memory": ({**env, "TICKERCAST_AUTH": "required"}, key),
            "redis": (
                {
                    **env,
                    "TICKERCAST_AUTH": "required",
                    "TICKERCAST_REDIS_URL": args.redis_url,
                    "TICKERCAST_REDIS_PREFIX": prefix,
                },
                key,
            ),
        }
        ports = {name: _free_port() for name in configs}
        processes = {}
        try:
            for name, (config_env, headers) in configs.items():
                processes[name] = start(config_env, ports[name], headers)
            url = {n: f"http://127.0.0.1:{p}/predict_next_price" for n, p in ports.items()}
            for name, (_, headers) in configs.items():  # warm-up
                wrk(url[name], 3, cpu=0, headers=headers)
            results: dict[str, list[dict[str, float]]] = {name: [] for name in configs}
            names = list(configs)
            load = os.getloadavg()[0]
            for round_no in range(args.rounds):
                order = names[round_no % len(names) :] + names[: round_no % len(names)]
                for name in order:
                    cpu_before = _cpu_s(processes[name].pid)
                    r = wrk(url[name], args.seconds, cpu=0, headers=configs[name][1])
                    cpu = _cpu_s(processes[name].pid) - cpu_before
                    r["cpu_us"] = cpu / max(r["requests"], 1) * 1e6
                    results[name].append(r)
                    print(
                        f"round {round_no + 1} {name:7s} {r['rps']:8,.0f} req/s  "
                        f"p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                        f"server CPU {r['cpu_us']:6.1f} µs/request  "
                        f"non-2xx {r['errors']:.0f}  socket errors {r['socket_errors']:.0f}",
                        flush=True,
                    )
            load_after = os.getloadavg()[0]
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(timeout=30)
    med = {
        name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "cpu_us")}
        for name, rs in results.items()
    }
    print(f"\nload average (1 min) at start {load:.2f}, at end {load_after:.2f}\n")
    print(
        "| configuration | req/s (median) | p50 ms | p99 ms | req/s vs off | p99 vs off |"
        " req/s vs before | p99 vs before |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in med.items():
        print(
            f"| {name} | {m['rps']:,.0f} | {m['p50']:.2f} | {m['p99']:.2f} | "
            f"{m['rps'] / med['off']['rps']:.0%} | {m['p99'] / med['off']['p99']:.2f}x | "
            f"{m['rps'] / med['before']['rps']:.0%} | {m['p99'] / med['before']['p99']:.2f}x |"
        )
    print("\nper round (req/s | p99 ms | server CPU µs/request):")
    for name, rs in results.items():
        print(f"  {name:7s} " + "  ".join(f"{r['rps']:,.0f}" for r in rs))
        print(f"  {'':7s} " + "  ".join(f"{r['p99']:.1f}" for r in rs))
        print(f"  {'':7s} " + "  ".join(f"{r['cpu_us']:.0f}" for r in rs))


if __name__ == "__main__":
    main()
