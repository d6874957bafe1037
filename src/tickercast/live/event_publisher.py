"""The leader's side of the shared event store: one thread appends the feed's events in
the order they were published, so the event loop never waits on the database.

A batch the database refuses is tried again with back-off, later events waiting behind it
(order is the contract); a batch refused because this replica lost the leader lock is
dropped (the new leader publishes from where the store stands). The same thread prunes the
store to the newest ``keep`` events every ``prune_every_s``, off the request path.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence

from tickercast.errors import LeadershipLost
from tickercast.live.event_store import EncodedEvent, EventStore
from tickercast.live.events import NewEvent, encode

__all__ = ["StorePublisher"]

log = logging.getLogger(__name__)

_STOP = object()
_RETRY_DELAYS_S = (0.1, 0.2, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 5.0, 5.0, 5.0, 5.0)  # ~30 s


class StorePublisher:
    def __init__(
        self,
        store: EventStore,
        holder_pid: Callable[[], int | None],
        *,
        keep: int,
        prune_every_s: float = 60.0,
        retry_delays_s: Sequence[float] = _RETRY_DELAYS_S,
    ) -> None:
        self.store = store
        self._holder_pid = holder_pid
        self._keep = keep
        self._prune_every_s = prune_every_s
        self._retry_delays_s = tuple(retry_delays_s)
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="event-publisher", daemon=True)
        self._pruned_at = time.monotonic()
        self.dropped = 0

    def start(self) -> None:
        self._thread.start()

    def publish_many(self, events: Sequence[NewEvent]) -> None:
        """Queue ``events`` as one append (all of them land, or none): encoded now, so a
        dict changed later does not change what is sent."""
        if events:
            self._queue.put([(kind, ticker, encode(data)) for kind, ticker, data in events])

    def close(self, timeout_s: float = 30.0) -> None:
        """Append what is queued, then stop the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch: list[EncodedEvent] = []
            stopping = item is _STOP
            if not stopping:
                batch.extend(item)  # type: ignore[arg-type]
            while not stopping:  # what queued meanwhile goes in the same transaction
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                else:
                    batch.extend(more)  # type: ignore[arg-type]
            if batch:
                self._append(batch)
            if stopping:
                return
            if time.monotonic() - self._pruned_at >= self._prune_every_s:
                self._prune()

    def _append(self, batch: list[EncodedEvent]) -> None:
        for attempt, delay in enumerate((*self._retry_delays_s, None), start=1):
            try:
                self.store.append(batch, holder_pid=self._holder_pid())
            except LeadershipLost as exc:
                self.dropped += len(batch)
                log.warning("%s", exc)
                return
            except Exception as exc:
                if delay is None:
                    self.dropped += len(batch)
                    log.exception("gave up publishing %d live events", len(batch))
                    return
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning(
                    "could not publish %d live events (attempt %d): %s; retrying in %g s",
                    len(batch),
                    attempt,
                    first,
                    delay,
                )
                time.sleep(delay)
            else:
                return

    def _prune(self) -> None:
        self._pruned_at = time.monotonic()
        try:
            removed = self.store.prune(self._keep)
        except Exception as exc:  # the next round tries again
            log.warning("could not prune live events: %s", str(exc).splitlines()[0])
        else:
            if removed:
                log.info("pruned %d live events (keeping the newest %d)", removed, self._keep)
