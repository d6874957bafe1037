"""KeyRecord: what a worker keeps in memory about one key to check a request without I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tickercast.access.limiter import Policy
from tickercast.access.rates import parse_quota, parse_rate
from tickercast.access.scopes import Scope, parse_scopes
from tickercast.storage.models import ApiKey

__all__ = ["KeyRecord", "as_utc", "record_from_row"]


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands timestamps back without a zone; every stored one is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, repr=False)
class KeyRecord:
    id: int
    key_id: str
    name: str
    secret_hash: str
    scopes: frozenset[Scope]
    rate: Policy | None
    quota: Policy | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    previous_secret_hash: str | None
    previous_valid_until: dt.datetime | None
    policy_field: str  # the RateLimit-Policy header value of this key ('' without limits)

    def __repr__(self) -> str:  # no hashes in logs or tracebacks
        return f"KeyRecord(key_id={self.key_id!r}, name={self.name!r})"


def record_from_row(row: ApiKey) -> KeyRecord:
    rate_item, quota_item = parse_rate(row.rate), parse_quota(row.quota)
    rate = Policy("rate", rate_item) if rate_item else None
    quota = Policy("quota", quota_item, daily=True) if quota_item else None
    return KeyRecord(
        id=row.id,
        key_id=row.key_id,
        name=row.name,
        secret_hash=row.secret_hash,
        scopes=parse_scopes(row.scopes),
        rate=rate,
        quota=quota,
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at),
        previous_secret_hash=row.previous_secret_hash,
        previous_valid_until=as_utc(row.previous_valid_until),
        policy_field=", ".join(p.field for p in (rate, quota) if p is not None),
    )
