"""API key management (admin scope) and each caller's own usage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.concurrency import run_in_threadpool

from tickercast.access import keys
from tickercast.access.keyring import announce_key_change
from tickercast.access.rates import parse_duration
from tickercast.errors import AuthenticationError
from tickercast.serving.access_schemas import (
    DURATION_PATTERN,
    KeyCreate,
    KeyIssuedPublic,
    KeyPublic,
    UsagePublic,
)
from tickercast.serving.deps import AccessDep, AdmissionDep, SessionDep, SettingsDep
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import IsoDate

router = APIRouter(prefix="/v1/admin/keys", tags=["keys"])
usage_router = APIRouter(tags=["keys"])

KeyIdPath = Annotated[
    str, Path(description="Key id (16 hex digits)", examples=["3f2a9c0b1d4e5f60"])
]
_404 = problem_responses(404)
DayQuery = Annotated[IsoDate | None, Query(description="UTC day, YYYY-MM-DD.")]


@router.post(
    "",
    response_model=KeyIssuedPublic,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 422),
)
def create_key(
    body: KeyCreate, session: SessionDep, settings: SettingsDep, access: AccessDep
) -> KeyIssuedPublic:
    """Make a key; the answer holds the key itself, the only time it is shown."""
    now = access.clock()
    expires = now + parse_duration(body.expires_in) if body.expires_in else None
    issued = keys.create_key(
        session,
        name=body.name,
        scopes=[str(scope) for scope in body.scopes],
        rate=settings.key_rate if body.rate is None else body.rate,
        quota=settings.key_quota if body.quota is None else body.quota,
        expires_at=expires,
        now=now,
    )
    return KeyIssuedPublic(key=issued.key, **KeyPublic.of(issued.info, now).model_dump())


@router.get("", response_model=list[KeyPublic])
def list_keys(session: SessionDep, access: AccessDep) -> list[KeyPublic]:
    """Every key with its scopes, limits, dates and request counts (never a secret)."""
    now = access.clock()
    return [KeyPublic.of(info, now) for info in keys.list_keys(session, now=now)]


@router.get("/{key_id}", response_model=KeyPublic, responses=_404)
def get_key(key_id: KeyIdPath, session: SessionDep, access: AccessDep) -> KeyPublic:
    now = access.clock()
    return KeyPublic.of(keys.get_key(session, key_id, now=now), now)


@router.post("/{key_id}/revoke", response_model=KeyPublic, responses=_404)
def revoke_key(key_id: KeyIdPath, settings: SettingsDep, access: AccessDep) -> KeyPublic:
    """Revoke a key: refused from the next request on, by every worker and replica.

    A POST, not a DELETE: the key's record, usage and audit dates stay."""
    now = access.clock()
    with access.sessions() as session, session.begin():
        info = keys.revoke_key(session, key_id, now=now)
    _spread(settings, access, info.key_id)
    return KeyPublic.of(info, now)


@router.post(
    "/{key_id}/rotate", response_model=KeyIssuedPublic, responses=problem_responses(404, 409)
)
def rotate_key(
    key_id: KeyIdPath,
    settings: SettingsDep,
    access: AccessDep,
    grace: Annotated[
        str | None,
        Query(
            pattern=DURATION_PATTERN,
            description="How long the old secret keeps working, e.g. 1h (default: stops now).",
        ),
    ] = None,
) -> KeyIssuedPublic:
    """A new secret for the same key id, scopes, limits and usage (shown once)."""
    now = access.clock()
    grace_span = parse_duration(grace) if grace else None
    with access.sessions() as session, session.begin():
        issued = keys.rotate_key(session, key_id, now=now, grace=grace_span)
    _spread(settings, access, issued.info.key_id)
    return KeyIssuedPublic(key=issued.key, **KeyPublic.of(issued.info, now).model_dump())


@router.get("/{key_id}/usage", response_model=UsagePublic, responses=_404)
def key_usage(
    key_id: KeyIdPath, session: SessionDep, start: DayQuery = None, end: DayQuery = None
) -> UsagePublic:
    """Stored daily usage of one key by route and status."""
    rows = keys.key_usage(session, key_id=key_id, start=start, end=end)
    return UsagePublic.of(key_id.lower(), rows)


@usage_router.get("/v1/usage", response_model=UsagePublic)
async def own_usage(
    admission: AdmissionDep, access: AccessDep, start: DayQuery = None, end: DayQuery = None
) -> UsagePublic:
    """The calling key's own stored daily usage (counts reach the database in batches)."""
    if admission.key is None:
        raise AuthenticationError("usage is kept per API key; send one")
    key_id = admission.key.key_id

    def read() -> UsagePublic:
        with access.sessions() as session:
            return UsagePublic.of(
                key_id, keys.key_usage(session, key_id=key_id, start=start, end=end)
            )

    return await run_in_threadpool(read)


def _spread(settings: SettingsDep, access: AccessDep, key_id: str) -> None:
    """After the commit: make every worker drop its copy of the key before answering."""
    access.keyring.forget(key_id)
    announce_key_change(settings.redis_url, settings.redis_prefix, key_id)
