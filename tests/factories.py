"""Small builders of price files and tables for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"


def bar_lines(
    n: int, *, start: str = "2024-01-01", seed: int = 0, scale: float = 100.0
) -> list[str]:
    """``n`` valid Yahoo-style CSV rows on consecutive business days (a seeded random walk)."""
    rng = np.random.default_rng(seed)
    days = np.busday_offset(np.datetime64(start), np.arange(n), roll="forward")
    close = scale * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    opens = close * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(opens, close) * 1.01
    low = np.minimum(opens, close) * 0.99
    volume = rng.integers(1_000, 1_000_000, n)
    return [
        f"{d},{o:.6f},{h:.6f},{lo:.6f},{c:.6f},{c:.6f},{v}"
        for d, o, h, lo, c, v in zip(days, opens, high, low, close, volume, strict=True)
    ]


def write_csv(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path
