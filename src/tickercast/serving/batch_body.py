"""The /v1/predict/batch body, parsed in a worker process once it is large.

The largest valid batch (10,000 windows of 32 prices, ~7.5 MB) takes pydantic ~50 ms to
parse and validate on this machine, and pydantic-core, like every JSON parser, holds the
GIL while it works: a thread would not free the event loop, so every other request (even
/healthz) would wait that long. Bodies over ``IN_PROCESS_BYTES`` are therefore parsed by a
single spawned worker process and come back as one float64 array (a memory copy);
smaller ones (a few ms) are parsed in place by the same function, so both answer alike.
Hostile bodies cost the worker, not the server: their work is also bounded by the body
limit and the ``JsonBudget`` counted before parsing.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError

from tickercast.errors import ModelError
from tickercast.serving.json_body import JsonBudget, require_json
from tickercast.serving.problems import field_problems
from tickercast.serving.schemas import (
    MAX_BATCH_WINDOWS,
    MAX_LEVELS,
    MAX_TICKER_CHARS,
    MAX_WINDOW_PRICES,
    BatchPredictRequest,
)

__all__ = ["IN_PROCESS_BYTES", "BatchBody", "CappedValidationError", "batch_body", "parse_batch"]

IN_PROCESS_BYTES = 256 * 1024

BUDGET = JsonBudget(
    values=MAX_BATCH_WINDOWS * MAX_WINDOW_PRICES + MAX_LEVELS + MAX_TICKER_CHARS + 8,
    containers=MAX_BATCH_WINDOWS + 3 + MAX_TICKER_CHARS,
    quotes=8 + 2 * MAX_TICKER_CHARS,
    what=f"a batch of {MAX_BATCH_WINDOWS:,} windows of {MAX_WINDOW_PRICES} prices",
)


class CappedValidationError(RequestValidationError):
    """Field errors already cut to the public shape (by the worker), plus how many more."""

    def __init__(self, errors: list[dict[str, Any]], omitted: int) -> None:
        super().__init__(errors)
        self.omitted = omitted


@dataclass(frozen=True)
class BatchBody:
    """A valid batch: windows right-aligned in an ``(n, MAX_WINDOW_PRICES)`` array, NaN to
    the left of the shorter ones."""

    ticker: str | None
    levels: list[int]
    windows: np.ndarray

    def last(self, size: int) -> np.ndarray:
        """The last ``size`` prices of every window, or ModelError if one is shorter."""
        tail = self.windows[:, -size:]
        short = np.isnan(tail).any(axis=1)
        if short.any():
            i = int(np.argmax(short))
            raise ModelError(f"windows[{i}] is shorter than the {size} prices this model needs")
        return np.ascontiguousarray(tail)


def parse_batch(body: bytes) -> BatchBody | tuple[list[dict[str, Any]], int]:
    """The body as a ``BatchBody``, or its field errors (public shape, capped) and how many
    were left out. Picklable both ways: it runs in the worker process."""
    errors = BUDGET.problems(body)
    if not errors:
        try:
            request = BatchPredictRequest.model_validate_json(body)
        except PydanticValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        else:
            windows = np.full((len(request.windows), MAX_WINDOW_PRICES), np.nan)
            for row, window in zip(windows, request.windows, strict=True):
                row[MAX_WINDOW_PRICES - len(window) :] = window
            return BatchBody(request.ticker, request.levels, windows)
    return field_problems(errors)


class _Worker:
    """One spawned process, started on first use (most apps never see a large batch)."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    async def parse(self, body: bytes) -> BatchBody | tuple[list[dict[str, Any]], int]:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, parse_batch, body)
        except BrokenProcessPool:  # the worker died (killed, out of memory): start anew
            self.pool = None
            raise

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


async def batch_body(request: Request) -> BatchBody:
    """FastAPI dependency: the batch body, parsed where it does not stall the event loop."""
    require_json(request)
    body = await request.body()  # bounded by the route's body limit (413 past it)
    if len(body) <= IN_PROCESS_BYTES:
        parsed = parse_batch(body)
    else:
        worker: _Worker = request.app.state.batch_worker
        parsed = await worker.parse(body)
    if isinstance(parsed, BatchBody):
        return parsed
    errors, omitted = parsed
    raise CappedValidationError(errors, omitted)


def new_worker() -> _Worker:
    return _Worker()
