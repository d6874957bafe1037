"""Which requests need what: one table of (methods, path) rules, first match wins, and
anything not listed needs an admin key (a route added without a rule is closed, not open).

Public on purpose: ``/healthz`` and ``/readyz`` (orchestrators probe them without keys;
readyz tells anonymous callers only ok/error, never the database's error text) and the
session sign-in/out (it checks the key in its body itself).
"""

from __future__ import annotations

import re
from enum import Enum

from tickercast.access.scopes import Scope

__all__ = ["Requirement", "requirement_for"]


class Requirement(Enum):
    PUBLIC = "public"
    KEY = "any valid key"  # the caller's own usage
    READ = "read"
    PREDICT = "predict"
    FORECAST = "read or predict"  # a forecast is stored only for a predict key
    ADMIN = "admin"

    @property
    def scopes(self) -> frozenset[Scope]:
        """A key needs one of these (empty: any key, or none at all)."""
        return _SCOPES[self]


_SCOPE_NAMES = frozenset(s.value for s in Scope)
_SCOPES = {
    r: frozenset(Scope(p) for p in r.value.split(" or ") if p in _SCOPE_NAMES) for r in Requirement
}


_SAFE = frozenset({"GET", "HEAD"})
_EXACT: dict[tuple[str, str], Requirement] = {
    ("POST", "/predict_next_price"): Requirement.PREDICT,
    ("POST", "/v1/predict"): Requirement.PREDICT,
    ("POST", "/v1/predict/batch"): Requirement.PREDICT,
    ("POST", "/v1/decide"): Requirement.PREDICT,
    ("POST", "/v1/session"): Requirement.PUBLIC,
    ("DELETE", "/v1/session"): Requirement.PUBLIC,
}
_SAFE_EXACT: dict[str, Requirement] = {
    "/healthz": Requirement.PUBLIC,
    "/readyz": Requirement.PUBLIC,
    "/v1/usage": Requirement.KEY,
    "/": Requirement.READ,
    "/docs": Requirement.READ,
    "/docs/oauth2-redirect": Requirement.READ,
    "/redoc": Requirement.READ,
    "/openapi.json": Requirement.READ,
    "/v1/feed": Requirement.READ,
    "/v1/tickers": Requirement.READ,
    "/v1/models": Requirement.READ,
}
_SAFE_PATTERNS: tuple[tuple[re.Pattern[str], Requirement], ...] = (
    (re.compile(r"/v1/tickers/[^/]+/forecast"), Requirement.FORECAST),
    (
        re.compile(r"/v1/tickers/[^/]+/(prices|predictions|accuracy|drift|backtest|decision)"),
        Requirement.READ,
    ),
    (re.compile(r"/v1/tickers/[^/]+"), Requirement.READ),
    (re.compile(r"/v1/models/[^/]+(/history)?"), Requirement.READ),
    (re.compile(r"/v1/stream/[^/]+"), Requirement.READ),
    (re.compile(r"/static/.+"), Requirement.READ),  # the route serves a fixed list
)


def requirement_for(method: str, path: str, *, metrics_public: bool = False) -> Requirement:
    """What a ``method`` request to ``path`` needs; ``/metrics`` is admin-only unless the
    operator made it public; every /v1/admin route and unknown route needs admin."""
    if method in _SAFE:
        found = _SAFE_EXACT.get(path)
        if found is not None:
            return found
        if path == "/metrics":
            return Requirement.PUBLIC if metrics_public else Requirement.ADMIN
        if not path.startswith("/v1/admin"):
            for pattern, requirement in _SAFE_PATTERNS:
                if pattern.fullmatch(path):
                    return requirement
        return Requirement.ADMIN
    return _EXACT.get((method, path), Requirement.ADMIN)
