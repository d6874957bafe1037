"""Key management shared by the ``tickercast keys`` CLI and the admin HTTP routes.

Each function takes a session in a transaction and returns plain data; the key string is
returned only by create and rotate, and is never stored or logged."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tickercast.access.keyformat import hash_secret, new_key
from tickercast.access.rates import parse_quota, parse_rate
from tickercast.access.records import as_utc
from tickercast.access.scopes import format_scopes, parse_scopes
from tickercast.errors import DataError, NotFoundError, ValidationError
from tickercast.storage import api_keys
from tickercast.storage.models import ApiKey

__all__ = [
    "IssuedKey",
    "KeyInfo",
    "create_key",
    "get_key",
    "key_usage",
    "list_keys",
    "revoke_key",
    "rotate_key",
]


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed: never its secret nor its hash."""

    key_id: str
    name: str
    scopes: list[str]
    rate: str | None
    quota: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    requests_today: int
    requests_total: int

    def status(self, now: dt.datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, repr=False)
class IssuedKey:
    """A key just made or rotated: ``key`` is shown to the operator once."""

    key: str
    info: KeyInfo

    def __repr__(self) -> str:
        return f"IssuedKey(key=<hidden>, info={self.info!r})"


def _info(row: ApiKey, today: int = 0, total: int = 0) -> KeyInfo:
    created = as_utc(row.created_at)
    assert created is not None
    return KeyInfo(
        key_id=row.key_id,
        name=row.name,
        scopes=sorted(parse_scopes(row.scopes)),
        rate=row.rate,
        quota=row.quota,
        created_at=created,
        expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at),
        last_used_at=as_utc(row.last_used_at),
        requests_today=today,
        requests_total=total,
    )


def _normalised_limit(text: str | None, *, quota: bool) -> str | None:
    item = parse_quota(text) if quota else parse_rate(text)
    return None if item is None else f"{item.amount}/{item.GRANULARITY.name}"


# What counts as blank is spelt out rather than left to Python's str.strip, whose idea of
# whitespace (it includes \x1c-\x1f and \x85) differs from JSON Schema's \s: the API's
# schema (NAME_PATTERN) and this check must agree exactly. Control characters are refused.
_BLANK = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_CONTROL = "\x00-\x1f\x7f-\x9f"
NAME_PATTERN = f"^[^{_CONTROL}]*[^{_BLANK}{_CONTROL}][^{_CONTROL}]*$"
_BLANK_CHARS = (
    "".join(chr(c) for c in range(0x3001) if re.fullmatch(f"[{_BLANK}]", chr(c))) + "\ufeff"
)


def create_key(
    session: Session,
    *,
    name: str,
    scopes: str | list[str],
    rate: str | None,
    quota: str | None,
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> IssuedKey:
    if not re.fullmatch(NAME_PATTERN, name):
        raise ValidationError(f"key name {name!r} needs a visible character and no control ones")
    name = name.strip(_BLANK_CHARS)
    if len(name) > 64:
        raise ValidationError(f"key name {name!r} must be 1 to 64 characters")
    if expires_at is not None and expires_at <= now:
        raise ValidationError(f"expiry {expires_at.isoformat()} is not in the future")
    key, parsed = new_key()
    row = ApiKey(
        key_id=parsed.key_id,
        name=name,
        secret_hash=hash_secret(parsed.secret),
        scopes=format_scopes(parse_scopes(scopes)),
        rate=_normalised_limit(rate, quota=False),
        quota=_normalised_limit(quota, quota=True),
        created_at=now,
        updated_at=now,
        expires_at=expires_at,
    )
    api_keys.create_api_key(session=session, row=row)
    return IssuedKey(key, _info(row))


def _row(session: Session, key_id: str) -> ApiKey:
    row = api_keys.get_api_key(session=session, key_id=key_id.strip().lower())
    if row is None:
        raise NotFoundError(f"no API key with id {key_id!r}; see `tickercast keys list`")
    return row


def get_key(session: Session, key_id: str, *, now: dt.datetime) -> KeyInfo:
    row = _row(session, key_id)
    today = api_keys.usage_totals(session=session, since=now.date()).get(row.key_id, 0)
    return _info(row, today, api_keys.usage_totals(session=session).get(row.key_id, 0))


def list_keys(session: Session, *, now: dt.datetime) -> list[KeyInfo]:
    today = api_keys.usage_totals(session=session, since=now.date())
    total = api_keys.usage_totals(session=session)
    return [
        _info(row, today.get(row.key_id, 0), total.get(row.key_id, 0))
        for row in api_keys.list_api_keys(session=session)
    ]


def revoke_key(session: Session, key_id: str, *, now: dt.datetime) -> KeyInfo:
    """Revoke a key for good (it stays listed, with its usage). Revoking twice is a no-op."""
    row = _row(session, key_id)
    if row.revoked_at is None:
        row.revoked_at = now
        row.previous_secret_hash = None
        row.updated_at = now
    return _info(row)


def rotate_key(
    session: Session, key_id: str, *, now: dt.datetime, grace: dt.timedelta | None = None
) -> IssuedKey:
    """A new secret for the same key id, scopes, limits and usage. The old secret stops at
    once, or after ``grace`` so clients can switch without an outage."""
    row = _row(session, key_id)
    if row.revoked_at is not None:  # a state, not bad input: 409
        raise DataError(f"API key {row.key_id} is revoked; create a new one")
    key, parsed = new_key(row.key_id)
    if grace:
        row.previous_secret_hash = row.secret_hash
        row.previous_valid_until = now + grace
    else:
        row.previous_secret_hash = None
        row.previous_valid_until = None
    row.secret_hash = hash_secret(parsed.secret)
    row.updated_at = now
    return IssuedKey(key, _info(row))


def service_key(session: Session, name: str, scopes: str, *, now: dt.datetime) -> IssuedKey:
    """The key one of tickercast's own processes uses (``serve``'s worker reading the feed
    cursor): the active key of that ``name`` gets a fresh secret, else one is made, so
    restarts reuse one listed key instead of piling up new ones. No rate or quota."""
    for row in api_keys.list_api_keys(session=session):
        expires = as_utc(row.expires_at)
        if row.name == name and row.revoked_at is None and (expires is None or expires > now):
            return rotate_key(session, row.key_id, now=now)
    return create_key(
        session, name=name, scopes=scopes, rate=None, quota=None, expires_at=None, now=now
    )


def key_usage(
    session: Session,
    *,
    key_id: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[api_keys.UsageRow]:
    if key_id is not None:
        _row(session, key_id)
    if start and end and start > end:
        raise ValidationError(f"start {start} is after end {end}")
    return api_keys.list_usage(session=session, key_id=key_id, start=start, end=end)
