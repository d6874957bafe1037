"""The HTTP side of access control: read the key from the request, ask
``tickercast.access`` whether it may pass, and answer refusals as RFC 9457 problems.

``authorize`` is the single entry point: the AccessMiddleware (every FastAPI route, the
docs, static files, /metrics) and the /predict_next_price fast path both call it, so one
rule set holds whichever layer answers. A request the fast path admitted and then handed
on carries its Admission in the scope and is not counted twice.

Keys are accepted from ``Authorization: Bearer <key>``, ``X-API-Key: <key>``, and, for GET
and HEAD only, the dashboard's HttpOnly same-origin session cookie (a cookie can never make
a state-changing request, so cross-site request forgery has nothing to ride on).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.responses import HTMLResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tickercast.access.gate import AccessControl, Admission
from tickercast.errors import (
    AccessError,
    AuthenticationError,
    LimiterUnavailable,
    PermissionDenied,
    RateLimited,
)
from tickercast.serving.metrics import Metrics, route_template
from tickercast.serving.problems import problem_response

__all__ = [
    "ADMISSION",
    "SESSION_COOKIE",
    "AccessMiddleware",
    "access_error_response",
    "authorize",
    "rate_headers",
    "record_usage",
    "refuse_and_count",
]

ADMISSION = "tickercast.admission"
SESSION_COOKIE = "tickercast_session"
_SAFE = frozenset({"GET", "HEAD"})
_PROBLEM = "application/problem+json"
_CHALLENGE = 'Bearer realm="tickercast"'


def _credential(scope: Scope) -> str | None:
    """The key the request carries: Authorization Bearer, X-API-Key, or the session cookie
    (GET/HEAD only). A header that is present but empty counts as a (bad) key."""
    cookie_header = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                return token.strip()
            return value.decode("latin-1")  # another scheme: refused as malformed
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
        if name == b"cookie":
            cookie_header = value
    if cookie_header is not None and scope["method"] in _SAFE:
        for part in cookie_header.decode("latin-1").split(";"):
            key, _, value = part.strip().partition("=")
            if key == SESSION_COOKIE and value:
                return value
    return None


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def authorize(access: AccessControl, scope: Scope) -> Admission:
    """Admit the request or raise AccessError; the Admission is kept in the scope."""
    admission: Admission | None = scope.get(ADMISSION)
    if admission is not None:
        return admission
    requirement = access.requirement(scope["method"], scope["path"])
    admission = access.admit(requirement, _credential(scope), _client_ip(scope))
    scope[ADMISSION] = admission
    return admission


def rate_headers(admission: Admission) -> list[tuple[bytes, bytes]]:
    if not admission.limit_field:
        return []
    return [
        (b"ratelimit-policy", admission.policy_field.encode()),
        (b"ratelimit", admission.limit_field.encode()),
    ]


def access_error_response(exc: AccessError, *, html_sign_in: bool = False) -> Response:
    """401 with a WWW-Authenticate challenge, 403, or 429 with Retry-After and the IETF
    RateLimit headers; problem+json (the dashboard's address gets a sign-in page)."""
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        status = 429
        headers["Retry-After"] = str(exc.retry_after_s)
        if exc.policy_field:
            headers["RateLimit-Policy"] = exc.policy_field
        if exc.limit_field:
            headers["RateLimit"] = exc.limit_field
    elif isinstance(exc, LimiterUnavailable):
        status = 503
        headers["Retry-After"] = "1"
    elif isinstance(exc, PermissionDenied):
        status = 403
        headers["WWW-Authenticate"] = f'{_CHALLENGE}, error="insufficient_scope"'
    else:
        status = 401
        missing = isinstance(exc, AuthenticationError) and str(exc).startswith("this endpoint")
        headers["WWW-Authenticate"] = (
            _CHALLENGE if missing else f'{_CHALLENGE}, error="invalid_token"'
        )
    if status == 401 and html_sign_in:
        return HTMLResponse(SIGN_IN_PAGE, status_code=401, headers=headers)
    return problem_response(status, detail=str(exc), headers=headers)


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: AccessError) -> int:
    wants_page = scope["path"] == "/" and any(
        name == b"accept" and b"text/html" in value for name, value in scope["headers"]
    )
    response = access_error_response(exc, html_sign_in=wants_page)
    await response(scope, receive, send)
    return response.status_code


def record_usage(
    metrics: Metrics, access: AccessControl, admission: Admission | None, route: str, status: int
) -> None:
    """Prometheus counts every request by key id (never the secret); keyed requests are
    also added to the daily usage written to the database."""
    key_id = admission.key_id if admission is not None else "unauthenticated"
    metrics.count_key_request(key_id, route, status)
    if admission is not None and admission.key is not None:
        access.usage.record(admission.key, route, status, admission.now)


async def refuse_and_count(
    scope: Scope, receive: Receive, send: Send, exc: AccessError, metrics: Metrics, route: str
) -> int:
    """Answer the refusal, count it under the key id it names; returns the status."""
    status = await _refuse(scope, receive, send, exc)
    metrics.count_key_request(exc.key_id or "unauthenticated", route, status)
    return status


class AccessMiddleware:
    """Runs ``authorize`` before routing, adds the RateLimit headers to the answer and
    counts it per key. Sits inside MetricsMiddleware so refusals are timed too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the app has none; refuse rather than pass unchecked
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        access: AccessControl = state.access
        try:
            admission = authorize(access, scope)
        except AccessError as exc:
            await refuse_and_count(scope, receive, send, exc, state.metrics, "unmatched")
            return
        extra = rate_headers(admission)
        status = 500

        async def send_with_limits(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if status == 405:  # Starlette names only the first route's methods
                    allow = ", ".join(_allowed_methods(scope))
                    headers = [(k, v) for k, v in headers if k.lower() != b"allow"]
                    headers.append((b"allow", allow.encode()))
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_limits)
        finally:
            record_usage(state.metrics, access, admission, route_template(scope), status)


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        nested = getattr(route, "original_router", None)
        yield from _routes(nested.routes) if nested is not None else (route,)


def _allowed_methods(scope: Scope) -> list[str]:
    """Every method some route serves at this path (for the Allow header of a 405)."""
    methods: set[str] = set()
    for route in _routes(scope["app"].router.routes):
        if route.matches(scope)[0] != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def document_access(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every operation that needs a key may answer 401, 403 and 429: say so in the schema."""
    from tickercast.access.policy import Requirement, requirement_for
    from tickercast.serving.problems import problem_responses

    refusals = problem_responses(401, 403, 429)
    for path, item in openapi.get("paths", {}).items():
        for method, operation in item.items():
            if requirement_for(method.upper(), path) is Requirement.PUBLIC:
                continue
            responses = operation.setdefault("responses", {})
            for status, entry in refusals.items():
                responses.setdefault(str(status), entry)
    return openapi


SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tickercast · sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:.75rem;padding:.5rem 1rem;font:inherit}.muted{color:#666}</style></head>
<body><h1>tickercast</h1>
<p>This service needs an API key. Ask the operator for a key with the <code>read</code>
scope (<code>tickercast keys create --name dashboard --scopes read</code>).</p>
<form method="post" action="/v1/session">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required data-testid="sign-in-key">
<button type="submit" data-testid="sign-in">Sign in</button></form>
<p class="muted">The key is kept in an HttpOnly cookie of this site only, for 12 hours.</p>
</body></html>
"""
