"""Per-key request counts, added up in memory on the request path and written to the
database in one statement every ``flush_s`` by a background thread (and at shutdown).

Anonymous requests are not stored: a GET never writes on behalf of an anonymous caller."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from tickercast.access.records import KeyRecord
from tickercast.storage import api_keys

__all__ = ["UsageRecorder"]

log = logging.getLogger(__name__)

_Count = tuple[int, dt.date, str, int]


class UsageRecorder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], dt.datetime],
        flush_s: float,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._flush_s = flush_s
        self._lock = threading.Lock()
        self._counts: dict[_Count, int] = {}
        self._last_used: dict[int, dt.datetime] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(
        self, key: KeyRecord, route: str, status: int, now: dt.datetime | None = None
    ) -> None:
        """Count one answered request of ``key`` (cheap: a dict update under a lock);
        ``now``: the clock reading its admission used, if there is one."""
        now = now or self._clock()
        count_key = (key.id, now.date(), route, status)
        with self._lock:
            self._counts[count_key] = self._counts.get(count_key, 0) + 1
            self._last_used[key.id] = now

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> int:
        """Write the counts gathered so far; returns how many requests they cover. On a
        database error the counts are put back and tried again next time."""
        with self._lock:
            counts, self._counts = self._counts, {}
            last_used, self._last_used = self._last_used, {}
        if not counts:
            return 0
        try:
            with self._sessions() as session, session.begin():
                api_keys.add_usage(
                    session=session,
                    counts=[(*k, n) for k, n in counts.items()],
                    last_used=last_used,
                )
        except Exception as exc:
            log.warning("usage: not written (%s); kept for the next flush", type(exc).__name__)
            with self._lock:
                for key, n in counts.items():
                    self._counts[key] = self._counts.get(key, 0) + n
                for key_id, at in last_used.items():
                    self._last_used.setdefault(key_id, at)
            return 0
        return sum(counts.values())

    def _run(self) -> None:
        while not self._stop.wait(self._flush_s):
            self.flush()
