"""Request and response bodies of the key, usage and session endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tickercast.access.keys import NAME_PATTERN, KeyInfo
from tickercast.storage.api_keys import UsageRow

__all__ = [
    "KeyCreate",
    "KeyIssuedPublic",
    "KeyPublic",
    "SessionCreate",
    "SessionPublic",
    "UsagePublic",
]


# One term of at most 999 units (999w is 19 years): every string it admits is a valid lifetime.
DURATION_PATTERN = r"^[1-9][0-9]{0,2}[smhdw]$"
RATE_PATTERN = r"^(none|[1-9][0-9]{0,11}/(second|minute|hour|day))$"
QUOTA_PATTERN = r"^(none|[1-9][0-9]{0,11}/day)$"


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, examples=["job"])
    scopes: list[Literal["predict", "read", "admin"]] = Field(
        min_length=1, max_length=3, examples=[["predict", "read"]]
    )
    rate: str | None = Field(
        None, pattern=RATE_PATTERN, examples=["600/minute"], description="Default: the server's."
    )
    quota: str | None = Field(
        None, pattern=QUOTA_PATTERN, examples=["100000/day"], description="Per UTC day."
    )
    expires_in: str | None = Field(
        None, pattern=DURATION_PATTERN, examples=["90d"], description="Lifetime; none: never."
    )


class KeyPublic(BaseModel):
    key_id: str
    name: str
    scopes: list[str]
    rate: str | None
    quota: str | None
    status: str = Field(examples=["active"], description="active, expired or revoked")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    requests_today: int
    requests_total: int

    @classmethod
    def of(cls, info: KeyInfo, now: dt.datetime) -> KeyPublic:
        return cls(status=info.status(now), **info.__dict__)


class KeyIssuedPublic(KeyPublic):
    key: str = Field(description="The API key. Shown once: only its hash is stored.")


class UsageDayPublic(BaseModel):
    day: dt.date
    route: str
    status: int
    count: int


class UsagePublic(BaseModel):
    key_id: str
    total: int
    days: list[UsageDayPublic] = Field(
        description="Per UTC day, route and status; written in batches every few seconds."
    )

    @classmethod
    def of(cls, key_id: str, rows: list[UsageRow]) -> UsagePublic:
        days = [
            UsageDayPublic(day=r.day, route=r.route, status=r.status, count=r.count) for r in rows
        ]
        return cls(key_id=key_id, total=sum(r.count for r in rows), days=days)


class SessionCreate(BaseModel):
    key: str = Field(max_length=200, description="An API key with the read scope.")


class SessionPublic(BaseModel):
    key_id: str
    scopes: list[str]
    expires_in_s: int
