"""Rate limits and daily quotas on the `limits` library; counters in memory, or in Redis
(``TICKERCAST_REDIS_URL``) so every worker and replica shares them.

- Rates use the sliding-window counter: O(1) memory per key (two counters) and no burst of
  twice the limit across a window edge, where the moving window would keep one timestamp per
  request (100,000 entries for a 100,000/day key) and a fixed window allows 2x bursts.
- Quotas use a fixed window per UTC day: the day is part of the counter's identifier, so a
  quota rolls over at midnight UTC (by the injected clock), not 24 h after the first call.
- Leases: a round trip to Redis costs ~120 µs here, as much as the prediction itself, so a
  worker takes ``lease_size`` hits from a counter at once and spends them locally within
  ``LEASE_TTL_S``. Admissions never exceed the shared counter (every admitted request was
  counted first); unspent leases expire and may leave a caller up to
  ``workers x lease_size`` (at most 1% of the limit per worker) short of it. Limits under
  100 per window lease one hit at a time, and near the limit the lease shrinks to one:
  there the count is exact.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter

from tickercast.errors import LimiterUnavailable

__all__ = ["LEASE_TTL_S", "Limiter", "Policy", "Standing", "lease_size"]

LEASE_TTL_S = 1.0
_MAX_LEASE = 256


def lease_size(amount: int) -> int:
    """Hits taken from the shared counter at once: 1% of the limit, 1 to 256."""
    return max(1, min(_MAX_LEASE, amount // 100))


@dataclass(frozen=True)
class Policy:
    """One named limit; ``daily`` ones are quotas that reset at midnight UTC."""

    name: str
    item: RateLimitItem
    daily: bool = False

    @property
    def field(self) -> str:
        """This policy as an item of the IETF ``RateLimit-Policy`` header."""
        return f'"{self.name}";q={self.item.amount};w={self.item.get_expiry()}'


@dataclass(slots=True)  # made on every request: slots, not frozen (its __init__ is 3x faster)
class Standing:
    """Where a caller stands against one policy after a request."""

    policy: Policy
    allowed: bool
    remaining: int
    reset_s: int

    @property
    def field(self) -> str:
        """This standing as an item of the IETF ``RateLimit`` header."""
        return f'"{self.policy.name}";r={self.remaining};t={self.reset_s}'


@dataclass
class _Lease:
    left: int
    remaining: int  # what the shared counter had left when the lease was taken
    reset_at: float  # epoch seconds
    taken_at: float  # monotonic seconds


class Limiter:
    def __init__(
        self,
        redis_url: str | None = None,
        *,
        prefix: str = "tickercast",
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.storage: Storage = (
            RedisStorage(redis_url, key_prefix=f"{prefix}:limits", wrap_exceptions=True)
            if redis_url
            else MemoryStorage()
        )
        self._window = SlidingWindowCounterRateLimiter(self.storage)
        self._daily = FixedWindowRateLimiter(self.storage)
        self._clock = clock
        self._leases: dict[tuple[str, str, str], _Lease] = {}
        self._today: tuple[dt.date | None, str] = (None, "")

    def hit(self, policy: Policy, identity: str, now: dt.datetime | None = None) -> Standing:
        """Count one request of ``identity`` against ``policy``; ``allowed`` says if it may
        go on (a refused request is not counted). ``now``: the request's clock reading, if
        the caller has one. LimiterUnavailable when Redis is away: the service fails closed
        rather than serving without limits."""
        day = ""
        if policy.daily:
            now = now or self._clock()
            day = self._day(now)
        key = (policy.name, identity, day)
        lease = self._leases.get(key)
        mono = time.monotonic()
        if lease is not None and lease.left > 0 and mono - lease.taken_at < LEASE_TTL_S:
            lease.left -= 1  # the hot path: no storage round trip, no date arithmetic
            return self._standing(policy, True, lease.remaining + lease.left, lease.reset_at)
        try:
            return self._hit(policy, identity, day, key, mono, now)
        except StorageError as exc:
            raise LimiterUnavailable("the rate-limit store does not answer; retry shortly") from exc

    def _hit(
        self,
        policy: Policy,
        identity: str,
        day: str,
        key: tuple[str, str, str],
        mono: float,
        now: dt.datetime | None,
    ) -> Standing:
        reset_at: float | None = None
        if now is not None and policy.daily:
            tomorrow = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
            reset_at = time.time() + (tomorrow - now).total_seconds()
        strategy = self._daily if policy.daily else self._window
        ids = (identity, day) if day else (identity,)
        size = lease_size(policy.item.amount)
        for cost in (size, 1) if size > 1 else (1,):
            if strategy.hit(policy.item, *ids, cost=cost):
                stats = strategy.get_window_stats(policy.item, *ids)
                reset = reset_at if reset_at is not None else stats.reset_time
                if cost > 1:
                    self._leases[key] = _Lease(cost - 1, stats.remaining, reset, mono)
                else:
                    self._leases.pop(key, None)
                self._prune(mono)
                return self._standing(policy, True, stats.remaining + cost - 1, reset)
        stats = strategy.get_window_stats(policy.item, *ids)
        self._leases.pop(key, None)
        reset = reset_at if reset_at is not None else stats.reset_time
        return self._standing(policy, False, 0, reset)

    def _day(self, now: dt.datetime) -> str:
        """The UTC day of ``now`` as text, formatted once a day rather than per request."""
        date = now.date()
        if date != self._today[0]:
            self._today = (date, date.isoformat())
        return self._today[1]

    def _standing(self, policy: Policy, allowed: bool, remaining: int, reset_at: float) -> Standing:
        # a refused caller waits at least one second; an allowed one may see 0 (resets now)
        reset_s = max(0 if allowed else 1, math.ceil(reset_at - time.time()))
        return Standing(policy, allowed, max(0, remaining), reset_s)

    def _prune(self, mono: float) -> None:
        """Drop expired leases once the table grows (one entry per caller and policy)."""
        if len(self._leases) > 10_000:
            for key in [k for k, v in self._leases.items() if mono - v.taken_at >= LEASE_TTL_S]:
                del self._leases[key]

    def reset(self) -> None:
        """Forget every counter (tests, and ``keys`` tools that reset a caller)."""
        self._leases.clear()
        self.storage.reset()
