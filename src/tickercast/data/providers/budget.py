"""A per-provider request budget: at most N requests in a sliding window.

Providers publish free-tier limits (Alpha Vantage 25 a day, Tiingo 50 an hour, ...); going
over them gets the key throttled or banned, so tickercast stops itself first. The budget is
kept per process: a CLI run and a serving process each count their own requests.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tickercast.errors import ConfigError, ProviderError

__all__ = ["Budget", "RequestBudget", "parse_budget"]

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


@dataclass(frozen=True)
class Budget:
    requests: int
    per_s: float

    def __str__(self) -> str:
        name = next((k for k, v in _PERIODS.items() if v == self.per_s), f"{self.per_s:g}s")
        return f"{self.requests}/{name}"


def parse_budget(text: str) -> Budget:
    """``"25/day"`` → Budget(25, 86400); also second, minute and hour."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(second|minute|hour|day)\s*", text)
    if not match or int(match[1]) < 1:
        raise ConfigError(f"request budget {text!r} is not N/second|minute|hour|day, N >= 1")
    return Budget(int(match[1]), _PERIODS[match[2]])


class RequestBudget:
    """Hands out request slots; waits up to ``max_wait_s`` for one, else refuses."""

    def __init__(
        self,
        provider: str,
        budget: Budget,
        *,
        max_wait_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.provider = provider
        self.budget = budget
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Take one slot, sleeping when the next one frees soon; ProviderError otherwise."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.budget.per_s:
                    self._sent.popleft()
                if len(self._sent) < self.budget.requests:
                    self._sent.append(now)
                    return
                wait = self.budget.per_s - (now - self._sent[0])
            if wait > self.max_wait_s:
                raise ProviderError(
                    f"{self.provider}: request budget {self.budget} is used up; the next "
                    f"request is allowed in {wait:.0f}s (set TICKERCAST_PROVIDER_BUDGETS to "
                    "change it if your plan allows more)"
                )
            self._sleep(wait)
