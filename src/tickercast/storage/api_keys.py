"""Repository functions for API keys and their daily usage (no HTTP, no key strings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tickercast.storage.models import ApiKey, ApiKeyUsage

__all__ = [
    "UsageRow",
    "add_usage",
    "create_api_key",
    "get_api_key",
    "key_table_version",
    "list_api_keys",
    "list_usage",
    "usage_totals",
]


@dataclass(frozen=True)
class UsageRow:
    key_id: str
    day: dt.date
    route: str
    status: int
    count: int


def create_api_key(*, session: Session, row: ApiKey) -> ApiKey:
    session.add(row)
    session.flush()
    return row


def get_api_key(*, session: Session, key_id: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).one_or_none()


def list_api_keys(*, session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).all()


def key_table_version(*, session: Session) -> tuple[int, dt.datetime | None]:
    """Row count and newest ``updated_at``: changes whenever a key is added or changed."""
    count, newest = session.execute(select(func.count(), func.max(ApiKey.updated_at))).one()
    return int(count), newest


def add_usage(
    *,
    session: Session,
    counts: Iterable[tuple[int, dt.date, str, int, int]],
    last_used: dict[int, dt.datetime],
) -> None:
    """Add ``(api_key_id, day, route, status, count)`` to the stored totals in one statement,
    and move each key's ``last_used_at`` forward."""
    rows = [
        {"api_key_id": k, "day": d, "route": r, "status": s, "count": c} for k, d, r, s, c in counts
    ]
    if rows:
        dialect = (
            postgresql if session.bind and session.bind.dialect.name == "postgresql" else sqlite
        )
        insert = dialect.insert(ApiKeyUsage).values(rows)
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["api_key_id", "day", "route", "status"],
                set_={"count": ApiKeyUsage.count + insert.excluded.count},
            )
        )
    for api_key_id, at in last_used.items():
        session.execute(
            update(ApiKey)
            .where(ApiKey.id == api_key_id)
            .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < at))
            .values(last_used_at=at)
        )


def list_usage(
    *,
    session: Session,
    key_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[UsageRow]:
    """Stored usage by key, day, route and status, oldest day first."""
    query = select(
        ApiKey.key_id, ApiKeyUsage.day, ApiKeyUsage.route, ApiKeyUsage.status, ApiKeyUsage.count
    ).join(ApiKey, ApiKey.id == ApiKeyUsage.api_key_id)
    if key_id is not None:
        query = query.where(ApiKey.key_id == key_id)
    if start is not None:
        query = query.where(ApiKeyUsage.day >= start)
    if end is not None:
        query = query.where(ApiKeyUsage.day <= end)
    query = query.order_by(ApiKeyUsage.day, ApiKey.key_id, ApiKeyUsage.route, ApiKeyUsage.status)
    return [UsageRow(*row) for row in session.execute(query)]


def usage_totals(*, session: Session, since: dt.date | None = None) -> dict[str, int]:
    """Requests per key id (all days, or from ``since``)."""
    query = select(ApiKey.key_id, func.sum(ApiKeyUsage.count)).join(
        ApiKey, ApiKey.id == ApiKeyUsage.api_key_id
    )
    if since is not None:
        query = query.where(ApiKeyUsage.day >= since)
    return {k: int(n) for k, n in session.execute(query.group_by(ApiKey.key_id))}
