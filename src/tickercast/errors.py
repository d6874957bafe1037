"""One exception tree for the whole package.

    TickercastError                 base; its message is meant for the user
    ├── ConfigError                 a setting or option is wrong
    ├── DataError                   a source could not be read (file, URL, bad format)
    │   └── ProviderError           an HTTP provider answered with an error or garbage
    ├── ValidationError             rows failed validation; ``problems`` lists each one
    │   └── FieldError              one input field is wrong; ``loc`` says which
    ├── NotFoundError               something asked for does not exist
    │   ├── TickerNotFound
    │   └── ModelNotFound
    ├── ModelError                  a model cannot be fitted, loaded or used
    │   └── ModelUnavailable        the champion is broken and nothing can stand in; retry later
    ├── RequestTooLarge             a request exceeds a documented limit
    ├── AccessError                 a caller may not do this (tickercast.access)
    │   ├── AuthenticationError     no key, or a key that is malformed, unknown, revoked
    │   │                           or expired (401)
    │   ├── PermissionDenied        a valid key without the scope the route needs (403)
    │   ├── RateLimited             a rate limit or daily quota is used up (429)
    │   └── LimiterUnavailable      the rate-limit store (Redis) does not answer (503)
    ├── DatabaseUnavailable         the database cannot be reached now; retry later
    └── LeadershipLost              this replica no longer holds the live feed's leader lock

Domain code raises these, never HTTPException: the API maps them to status codes in one
place (serving.app), the CLI prints the message and exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AccessError",
    "AuthenticationError",
    "ConfigError",
    "DataError",
    "DatabaseUnavailable",
    "FieldError",
    "LeadershipLost",
    "LimiterUnavailable",
    "ModelError",
    "ModelNotFound",
    "ModelUnavailable",
    "NotFoundError",
    "PermissionDenied",
    "ProviderError",
    "RateLimited",
    "RequestTooLarge",
    "RowProblem",
    "TickerNotFound",
    "TickercastError",
    "ValidationError",
]


class TickercastError(Exception):
    """Base of every error tickercast raises on purpose."""


class ConfigError(TickercastError):
    pass


class DataError(TickercastError):
    pass


class ProviderError(DataError):
    pass


@dataclass(frozen=True)
class RowProblem:
    """One bad cell: where it is (line as a human counts it, header = line 1), and why."""

    line: int
    column: str
    value: str
    reason: str
    label: str = "line"

    def __str__(self) -> str:
        return (
            f"{self.label} {self.line}, column {self.column!r}: value {self.value!r} {self.reason}"
        )


class ValidationError(TickercastError):
    def __init__(self, message: str, problems: Sequence[RowProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class NotFoundError(TickercastError):
    pass


class TickerNotFound(NotFoundError):
    def __init__(self, ticker: str) -> None:
        super().__init__(
            f"unknown ticker {ticker!r}; see GET /v1/tickers or `tickercast data list`"
        )
        self.ticker = ticker


class ModelNotFound(NotFoundError):
    pass


class ModelError(TickercastError):
    pass


class ModelUnavailable(ModelError):
    """The champion's files cannot be loaded and no earlier version stands in for it."""

    def __init__(self, message: str, retry_after: int = 30) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTooLarge(TickercastError):
    pass


class AccessError(TickercastError):
    """``key_id``: the (non-secret) id of the key refused, when one was recognised."""

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class AuthenticationError(AccessError):
    """No usable key. The message names what is wrong with it, never the key itself."""


class PermissionDenied(AccessError):
    pass


class RateLimited(AccessError):
    """``retry_after_s``: whole seconds until the refusing limit lets a request through."""

    def __init__(
        self,
        message: str,
        *,
        retry_after_s: int,
        policy_field: str = "",
        limit_field: str = "",
        key_id: str | None = None,
    ) -> None:
        super().__init__(message, key_id=key_id)
        self.retry_after_s = retry_after_s
        self.policy_field = policy_field  # IETF RateLimit-Policy value of the refusing limit
        self.limit_field = limit_field  # IETF RateLimit value (remaining 0, reset)


class LimiterUnavailable(AccessError):
    """Requests are refused (not let through unlimited) while the counters cannot be read."""


class FieldError(ValidationError):
    """One input field is wrong; ``loc`` says where (as in a request body: ("position", "cash"))."""

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


class DatabaseUnavailable(TickercastError):
    """The database refused, timed out or dropped the connection: a temporary state.

    ``retry_after`` (seconds) tells clients when to try again (HTTP 503 + Retry-After)."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LeadershipLost(TickercastError):
    """A replica that is no longer the elected leader tried to publish the feed's events."""
