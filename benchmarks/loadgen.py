"""`wrk` as the load generator of the benchmarks: run it, parse what it prints."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

__all__ = ["POST_SCRIPT", "pinned", "wrk"]

POST_SCRIPT = Path(__file__).resolve().parent / "wrk_post.lua"  # the original 7-price body


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """``cmd`` bound to one CPU with taskset, so load generator and server do not share one."""
    return ["taskset", "-c", str(cpu), *cmd] if cpu is not None else cmd


def wrk(
    url: str,
    seconds: int,
    *,
    connections: int = 64,
    cpu: int | None = None,
    headers: dict[str, str] | None = None,
    rate: float | None = None,
) -> dict[str, float]:
    """POST the original body to ``url`` for ``seconds``: requests/s, p50/p99 in ms, errors.

    ``rate`` (requests/s over all connections) paces each connection, so latency is measured
    at a set load below saturation; without it wrk sends as fast as the server answers."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    command = [
        "wrk",
        *extra,
        "-t1" if cpu is not None else "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(POST_SCRIPT),
        url,
    ]
    env = dict(os.environ)
    if rate:
        env["WRK_PAUSE_MS"] = str(max(1, round(connections * 1000 / rate)))
    out = subprocess.run(
        pinned(command, cpu), capture_output=True, text=True, check=True, env=env
    ).stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, out)
        return float(match.group(1)) if match else 0.0

    def ms(label: str) -> float:
        match = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out)
        assert match, out
        return float(match.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)]

    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": number(r"(\d+) requests in"),
        "p50": ms("50%"),
        "p99": ms("99%"),
        "max": _max_ms(out),
        "errors": number(r"Non-2xx or 3xx responses: (\d+)"),
        "socket_errors": float(sum(int(g) for g in socket.groups())) if socket else 0.0,
    }


def _max_ms(out: str) -> float:
    """The Max column of wrk's ``Latency`` thread-stats line, in ms."""
    match = re.search(r"Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)\b", out)
    return (
        float(match.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[match.group(2)] if match else 0.0
    )
