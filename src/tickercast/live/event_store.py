"""The live events of PostgreSQL replicas, in the ``live_event`` table.

The leader appends; every replica reads by id. Ids come from one sequence, and each append
transaction first takes a transaction advisory lock, so ids also *commit* in id order: a
reader that has seen id n and reads ``id > n`` can never miss a smaller id committed later.
An append is fenced: it goes through only while the session that holds the leader lock is
the one named (``holder_pid``), so a leader that lost its lock cannot publish a second
copy of the feed beside the new leader. The append notifies the deployment's channel with
the newest id only (NOTIFY payloads are capped at 8,000 bytes; replicas read the rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import delete, func, insert, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from tickercast.errors import LeadershipLost
from tickercast.live.deployment import Deployment
from tickercast.live.events import Event
from tickercast.storage.models import LiveEvent

__all__ = ["EncodedEvent", "EventStore"]

EncodedEvent = tuple[str, str | None, str]
"""(kind, ticker, data as JSON text)."""

_HOLDS_LEADER_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = :pid AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1)"
)


def _event(row: Any) -> Event:
    return Event(int(row.id), row.kind, row.ticker, row.data)


class EventStore:
    """Reads and fenced appends of ``live_event``; every method is one short transaction
    (call them from a worker thread, never from the event loop)."""

    def __init__(self, sessions: sessionmaker[Session], deployment: Deployment) -> None:
        self.sessions = sessions
        self.deployment = deployment

    def append(self, events: Sequence[EncodedEvent], *, holder_pid: int | None) -> int:
        """Store ``events`` (kind, ticker, JSON text) in order and notify; returns the newest
        id. LeadershipLost when the session ``holder_pid`` does not hold the leader lock."""
        key = self.deployment.leader_key
        with self.sessions() as session, session.begin():
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.deployment.append_key}
            )
            held = (
                holder_pid is not None
                and session.execute(
                    _HOLDS_LEADER_LOCK,
                    {"pid": holder_pid, "high": key >> 32, "low": key & 0xFFFFFFFF},
                ).scalar_one()
            )
            if not held:
                raise LeadershipLost(
                    f"this replica no longer holds the feed leader lock; {len(events)} "
                    "events not published"
                )
            rows = [{"kind": kind, "ticker": ticker, "data": data} for kind, ticker, data in events]
            ids = session.scalars(insert(LiveEvent).returning(LiveEvent.id), rows).all()
            newest = max(ids)
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": self.deployment.channel, "payload": str(newest)},
            )
        return newest

    def newest_id(self) -> int:
        """The newest stored id (0 for none)."""
        with self.sessions() as session:
            return int(session.scalar(select(func.max(LiveEvent.id))) or 0)

    def read_after(self, after_id: int, *, limit: int = 5_000) -> list[Event]:
        """Events with id > ``after_id``, oldest first, at most ``limit``."""
        query = select(LiveEvent).where(LiveEvent.id > after_id).order_by(LiveEvent.id)
        with self.sessions() as session:
            return [_event(row) for row in session.scalars(query.limit(limit))]

    def history(self, after_id: int, ticker: str, until_id: int) -> list[Event] | None:
        """Events of ``ticker`` and broadcasts with ``after_id < id <= until_id``; None when
        some may be gone (pruned) or ``after_id`` is newer than any stored id."""
        with self.sessions() as session, session.begin():
            oldest, newest = session.execute(
                select(func.min(LiveEvent.id), func.max(LiveEvent.id))
            ).one()
            if newest is None or after_id > newest or after_id < oldest - 1:
                return None
            query = (
                select(LiveEvent)
                .where(LiveEvent.id > after_id, LiveEvent.id <= until_id)
                .where(or_(LiveEvent.ticker.is_(None), LiveEvent.ticker == ticker))
                .order_by(LiveEvent.id)
            )
            return [_event(row) for row in session.scalars(query)]

    def last_bar_date(self, ticker: str) -> dt.date | None:
        """The date of the last ``bar`` event of ``ticker``: where a new leader's feed
        resumes (every bar up to it has been published with its score and prediction)."""
        query = (
            select(LiveEvent.data)
            .where(LiveEvent.kind == "bar", LiveEvent.ticker == ticker)
            .order_by(LiveEvent.id.desc())
            .limit(1)
        )
        with self.sessions() as session:
            data = session.scalar(query)
        return None if data is None else dt.date.fromisoformat(orjson.loads(data)["date"])

    def kinds_between(self, after_id: int, until_id: int, ticker: str) -> dict[str, int]:
        """How many events of each kind ``ticker`` had in ``(after_id, until_id]`` (a
        follower that starts between two statuses counts the bars and scores since)."""
        query = (
            select(LiveEvent.kind, func.count())
            .where(LiveEvent.id > after_id, LiveEvent.id <= until_id, LiveEvent.ticker == ticker)
            .group_by(LiveEvent.kind)
        )
        with self.sessions() as session:
            return {str(kind): int(n) for kind, n in session.execute(query)}

    def last_of(self, kind: str, until_id: int) -> Event | None:
        """The newest event of ``kind`` up to ``until_id`` (a follower starts from the last
        feed status)."""
        query = (
            select(LiveEvent)
            .where(LiveEvent.kind == kind, LiveEvent.id <= until_id)
            .order_by(LiveEvent.id.desc())
        )
        with self.sessions() as session:
            row = session.scalars(query.limit(1)).first()
        return None if row is None else _event(row)

    def prune(self, keep: int) -> int:
        """Delete all but the newest ``keep`` events; returns how many went."""
        with self.sessions() as session, session.begin():
            newest = session.scalar(select(func.max(LiveEvent.id)))
            if newest is None:
                return 0
            result = session.execute(delete(LiveEvent).where(LiveEvent.id <= newest - keep))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
