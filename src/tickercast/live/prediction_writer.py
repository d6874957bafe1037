"""Writes predictions off the request path: a daemon thread that batches inserts.

``submit`` only enqueues. The thread writes up to ``batch_size`` rows per transaction and
scores them against stored bars, but for a replayed ticker only against bars up to the feed's
cursor (``limit_scoring``): a bar stored beyond it has not "happened" yet. A batch the
database refuses is tried again with back-off (``retry_delays_s``) before it is given up and
counted in ``failed``, so a short outage loses nothing. ``close`` drains the queue before
returning, so a graceful shutdown loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from tickercast.storage.predictions import PredictionCreate, insert_predictions, score_predictions

__all__ = ["PredictionWriter"]

log = logging.getLogger(__name__)

_STOP = object()
_RETRY_DELAYS_S = (0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0)  # ~16 s in all


class PredictionWriter:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        batch_size: int = 500,
        max_wait_s: float = 0.05,
        on_written: Callable[[int], None] | None = None,
        retry_delays_s: Sequence[float] = _RETRY_DELAYS_S,
    ) -> None:
        self._sessions = sessions
        self._queue: queue.Queue[object] = queue.Queue()
        self._batch_size = batch_size
        self._max_wait_s = max_wait_s
        self._on_written = on_written
        self._retry_delays_s = tuple(retry_delays_s)
        self._thread = threading.Thread(target=self._run, name="prediction-writer", daemon=True)
        self.failed = 0
        self._pending = 0  # taken off the queue, not yet written
        self._score_until: dict[int, dt.date] = {}  # ticker id -> last bar that may score

    def start(self) -> None:
        self._thread.start()

    def submit(self, rows: Sequence[PredictionCreate]) -> None:
        for row in rows:
            self._queue.put(row)

    def limit_scoring(self, ticker_id: int, until: dt.date | None) -> None:
        """Score ``ticker_id``'s predictions only against bars up to ``until`` (None: all).
        The live feed sets it to its cursor while it replays stored history."""
        if until is None:
            self._score_until.pop(ticker_id, None)
        else:
            self._score_until[ticker_id] = until

    def depth(self) -> int:
        """Predictions submitted and not yet written (queued or in the batch being built)."""
        return self._queue.qsize() + self._pending

    def flush(self) -> None:
        """Block until everything submitted so far is written."""
        self._queue.join()

    def close(self, timeout_s: float = 30.0) -> None:
        """Write what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[PredictionCreate] = []
            item = self._queue.get()
            while True:
                if item is _STOP:
                    stopping = True
                    self._queue.task_done()
                else:
                    batch.append(item)  # type: ignore[arg-type]
                    self._pending = len(batch)
                if stopping or len(batch) >= self._batch_size:
                    break
                try:
                    item = self._queue.get(timeout=self._max_wait_s)
                except queue.Empty:
                    break
            if batch:
                self._write(batch)
                self._pending = 0
                for _ in batch:
                    self._queue.task_done()

    def _write(self, batch: list[PredictionCreate]) -> None:
        for attempt, delay in enumerate((*self._retry_delays_s, None), start=1):
            try:
                self._store(batch)
            except Exception as exc:
                if delay is None:
                    self.failed += len(batch)
                    log.exception("gave up writing %d predictions", len(batch))
                    return
                log.warning(
                    "could not write %d predictions (attempt %d): %s; retrying in %g s",
                    len(batch),
                    attempt,
                    str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    delay,
                )
                time.sleep(delay)
            else:
                if self._on_written:
                    self._on_written(len(batch))
                return

    def _store(self, batch: list[PredictionCreate]) -> None:
        """One transaction: insert (idempotent, so a retry adds no duplicate), then score."""
        with self._sessions() as session, session.begin():
            insert_predictions(session=session, rows=batch)
            for ticker_id in {row.ticker_id for row in batch}:
                score_predictions(
                    session=session, ticker_id=ticker_id, end=self._score_until.get(ticker_id)
                )
