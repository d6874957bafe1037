"""Log returns and sliding windows: the inputs every tickercast model reads.

Everything here is a pure function on numpy arrays (no copies of the caller's data are
modified). Returns are natural-log returns, r[t] = log(P[t] / P[t-1]), so they are
independent of the price scale.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["log_returns", "price_windows", "supervised_windows", "window_features"]


def log_returns(prices: np.ndarray) -> np.ndarray:
    """Log returns along the last axis: ``(..., k)`` prices -> ``(..., k - 1)`` returns."""
    return np.diff(np.log(np.asarray(prices, dtype=np.float64)), axis=-1)


def price_windows(prices: np.ndarray, size: int) -> np.ndarray:
    """All ``size``-long windows of a 1-D series as a read-only ``(n - size + 1, size)`` view."""
    return sliding_window_view(np.asarray(prices, dtype=np.float64), size)


def supervised_windows(prices: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Training pairs for one-step forecasting from ``window`` returns.

    Row i holds the ``window + 1`` prices ``P[i .. i+window]`` and its target is the next log
    return ``log(P[i+window+1] / P[i+window])``; so target indices run from ``window + 1`` to
    ``n - 1``.
    """
    p = np.asarray(prices, dtype=np.float64)
    x = price_windows(p[:-1], window + 1)
    y = np.diff(np.log(p))[window:]
    return x, y


def window_features(returns: np.ndarray) -> np.ndarray:
    """Simple statistics of each return window ``(n, w)`` -> ``(n, w + 5)``.

    The raw returns plus their mean, standard deviation, largest absolute move, the sum (the
    log price change over the window) and the last return minus the mean (short reversal).
    Written into one preallocated array: this runs on every single-window API request.
    """
    r = np.asarray(returns, dtype=np.float64)
    n, w = r.shape
    out = np.empty((n, w + 5))
    out[:, :w] = r
    total = r.sum(axis=1)
    mean = total / w
    out[:, w] = mean
    out[:, w + 1] = np.sqrt(((r - mean[:, None]) ** 2).sum(axis=1) / w)
    out[:, w + 2] = np.abs(r).max(axis=1)
    out[:, w + 3] = total
    out[:, w + 4] = r[:, -1] - mean
    return out
