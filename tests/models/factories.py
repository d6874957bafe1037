"""Seeded price series and tiny model sizes so model tests run in seconds."""

from __future__ import annotations

from typing import Any

import numpy as np

TINY_PARAMS: dict[str, dict[str, Any]] = {
    "naive": {},
    "lstm": {"hidden": 8, "epochs": 3, "batch_size": 64},
    "lightgbm": {"n_estimators": 30, "min_child_samples": 20},
    "seed-lstm": {"hidden": 8, "epochs": 2, "batch_size": 64},
}


def random_walk(
    n: int = 400, seed: int = 0, start: float = 100.0, vol: float = 0.015
) -> np.ndarray:
    """Geometric random walk with mild momentum and volatility clustering (daily closes)."""
    rng = np.random.default_rng(seed)
    r = np.empty(n - 1)
    sigma, prev = vol, 0.0
    for t in range(n - 1):
        sigma = np.sqrt(0.1 * vol**2 + 0.85 * sigma**2 + 0.05 * prev**2)
        prev = 0.1 * prev + sigma * rng.standard_normal()
        r[t] = prev
    return start * np.exp(np.concatenate([[0.0], np.cumsum(r)]))


def business_dates(n: int, start: str = "2020-01-01") -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(start, "D") + n)
