"""The dashboard's sign-in: trade an API key for an HttpOnly, SameSite=Strict cookie.

The page source never holds a key: the browser keeps it in a cookie scripts cannot read,
sent only to this site and honoured only for GET/HEAD (see serving.auth)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError

from tickercast.access.records import KeyRecord
from tickercast.access.scopes import Scope
from tickercast.errors import AccessError, PermissionDenied, ValidationError
from tickercast.serving.access_schemas import SessionCreate, SessionPublic
from tickercast.serving.auth import SESSION_COOKIE, access_error_response
from tickercast.serving.deps import AccessDep
from tickercast.serving.problems import problem_responses

router = APIRouter(tags=["session"])

SESSION_S = 12 * 3600
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": SessionCreate.model_json_schema()},
            "application/x-www-form-urlencoded": {"schema": SessionCreate.model_json_schema()},
        },
    }
}


_RESPONSES: dict[int | str, dict[str, Any]] = {
    303: {"description": "Form sign-in: the cookie is set, go to the dashboard."},
    **problem_responses(400, 401, 403, 422, 429),
}
# a form sign-in that fails gets the sign-in page back
_RESPONSES[401]["content"]["text/html"] = {"schema": {"type": "string"}}


@router.post(
    "/v1/session",
    response_model=SessionPublic,
    openapi_extra=_BODY,
    responses=_RESPONSES,
)
async def sign_in(request: Request, access: AccessDep) -> Response:
    """Check an API key (read scope) and keep it in the session cookie for 12 hours."""
    form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    raw = await request.body()
    if form:
        key = parse_qs(raw.decode("utf-8", "replace")).get("key", [""])[0]
    else:
        try:
            key = SessionCreate.model_validate_json(raw).key
        except PydanticValidationError:
            raise ValidationError(
                'send {"key": "<API key>"} as JSON, or a form field key'
            ) from None
    client = request.client.host if request.client else "unknown"
    try:
        record = await run_in_threadpool(access.authenticate, key, client)
        if Scope.READ not in record.scopes:
            raise PermissionDenied(
                f"key {record.key_id} has no 'read' scope; the dashboard needs it",
                key_id=record.key_id,
            )
    except AccessError as exc:
        if form:
            return access_error_response(exc, html_sign_in=True)
        raise
    max_age = _cookie_age(record, access.clock())
    response: Response
    if form:
        response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    else:
        body = SessionPublic(
            key_id=record.key_id, scopes=sorted(record.scopes), expires_in_s=max_age
        )
        response = JSONResponse(body.model_dump())
    response.set_cookie(
        SESSION_COOKIE,
        key,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.delete("/v1/session", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out() -> Response:
    """Forget the session cookie."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _cookie_age(record: KeyRecord, now: dt.datetime) -> int:
    if record.expires_at is None:
        return SESSION_S
    return max(1, min(SESSION_S, int((record.expires_at - now).total_seconds())))
