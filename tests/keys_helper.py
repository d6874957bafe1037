"""Make API keys straight in a test's database (what `tickercast keys create` does)."""

from __future__ import annotations

import datetime as dt

from tickercast.access import keys
from tickercast.config import Settings
from tickercast.storage.db import session_scope

ALL_SCOPES = "admin,predict,read"


def make_key(
    settings: Settings,
    *,
    scopes: str = ALL_SCOPES,
    rate: str | None = "none",
    quota: str | None = "none",
    name: str = "test",
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A new key string (unlimited unless told otherwise)."""
    with session_scope(settings) as session:
        issued = keys.create_key(
            session,
            name=name,
            scopes=scopes,
            rate=rate,
            quota=quota,
            expires_at=expires_at,
            now=now or dt.datetime.now(dt.UTC),
        )
    return issued.key


def key_headers(settings: Settings, **options: object) -> dict[str, str]:
    return {"X-API-Key": make_key(settings, **options)}  # type: ignore[arg-type]
