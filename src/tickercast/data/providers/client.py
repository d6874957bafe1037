"""HTTP for named providers: timeouts, retries with back-off, Retry-After, budget, no leaks.

Retried: connection errors, timeouts, 429 and 5xx, waiting ``backoff_s * 2**attempt`` or
the server's ``Retry-After`` (seconds or an HTTP date) when it sends one, capped at
``max_retry_after_s``. Each attempt takes a slot of the provider's request budget. API keys
are sent as given but replaced by ``***`` in every message and log line (httpx logs each
request URL at INFO).
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from tickercast.data.providers.budget import RequestBudget
from tickercast.errors import ProviderError

__all__ = ["ProviderClient", "RetryPolicy", "redact"]

log = logging.getLogger(__name__)

_SECRETS: set[str] = set()


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        return True


_FILTER = _RedactSecrets()


def redact(text: str) -> str:
    """``text`` with every registered API key replaced by ``***``."""
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


def _register_secret(secret: str) -> None:
    if secret:
        _SECRETS.add(secret)
        for name in ("httpx", "httpcore", __name__):
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


@dataclass(frozen=True)
class RetryPolicy:
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 0.5
    max_retry_after_s: float = 120.0


@dataclass
class ProviderClient:
    """One provider's way of sending GETs; ``secret`` is never shown."""

    provider: str
    budget: RequestBudget
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    secret: str | None = None
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.secret:
            _register_secret(self.secret)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The first answer that is not a transient failure; 4xx other than 429 included
        (each provider reads its own error bodies)."""
        shown = redact(str(httpx.URL(url, params=params)))
        problem = ""
        with httpx.Client(
            timeout=self.policy.timeout_s, transport=self.transport, follow_redirects=True
        ) as client:
            for attempt in range(self.policy.retries + 1):
                self.budget.acquire()
                try:
                    response = client.get(url, params=params, headers=headers)
                except httpx.TimeoutException:
                    problem, wait = f"no answer within {self.policy.timeout_s}s", None
                except httpx.TransportError as exc:
                    problem, wait = f"connection failed: {redact(str(exc))}", None
                else:
                    if response.status_code != 429 and response.status_code < 500:
                        return response
                    problem = f"HTTP {response.status_code}"
                    wait = _retry_after(response)
                    if wait is not None and wait > self.policy.max_retry_after_s:
                        raise ProviderError(
                            f"{self.provider}: {shown} answered {problem} and asks to wait "
                            f"{wait:.0f}s (Retry-After); not retrying"
                        )
                if attempt == self.policy.retries:
                    break
                delay = wait if wait is not None else self.policy.backoff_s * 2**attempt
                log.warning("%s: retrying %s in %.1fs (%s)", self.provider, shown, delay, problem)
                self.sleep(delay)
        raise ProviderError(
            f"{self.provider}: {shown} failed after {self.policy.retries + 1} attempts: {problem}"
        )

    def shown(self, text: str) -> str:
        return redact(text)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (RFC 9110 §10.2.3: delay-seconds or HTTP-date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
