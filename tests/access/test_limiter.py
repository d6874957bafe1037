"""The limiter on both storages: the real Redis server (its own key prefix) and memory."""

from __future__ import annotations

import datetime as dt

import pytest
from limits import parse

from tickercast.access.limiter import Limiter, Policy, lease_size


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def make_limiter(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    def make(clock: Clock | None = None) -> Limiter:
        clock = clock or Clock(dt.datetime.now(dt.UTC))
        if request.param == "redis":
            url = request.getfixturevalue("redis_url")
            prefix = request.getfixturevalue("redis_prefix")
            return Limiter(url, prefix=prefix, clock=clock)
        return Limiter(None, clock=clock)

    return make


def test_small_limit_is_exact(make_limiter) -> None:  # type: ignore[no-untyped-def]
    limiter = make_limiter()
    policy = Policy("rate", parse("3/minute"))
    standings = [limiter.hit(policy, "k") for _ in range(4)]
    assert [s.allowed for s in standings] == [True, True, True, False]
    assert [s.remaining for s in standings[:3]] == [2, 1, 0]
    assert 1 <= standings[3].reset_s <= 60
    assert standings[3].field.startswith('"rate";r=0;t=')
    assert policy.field == '"rate";q=3;w=60'


def test_identities_are_counted_apart(make_limiter) -> None:  # type: ignore[no-untyped-def]
    limiter = make_limiter()
    policy = Policy("rate", parse("1/minute"))
    assert limiter.hit(policy, "a").allowed
    assert limiter.hit(policy, "b").allowed
    assert not limiter.hit(policy, "a").allowed


def test_leases_never_admit_more_than_the_limit_across_workers(make_limiter) -> None:  # type: ignore[no-untyped-def]
    """Two limiters on one storage stand for two workers; with Redis they share it."""
    limiter = make_limiter()
    policy = Policy("rate", parse("1000/minute"))
    assert lease_size(1000) == 10
    admitted = sum(limiter.hit(policy, "k").allowed for _ in range(1500))
    assert admitted == 1000


@pytest.mark.redis
def test_two_workers_share_one_redis_counter(redis_url: str, redis_prefix: str) -> None:
    clock = Clock(dt.datetime.now(dt.UTC))
    one = Limiter(redis_url, prefix=redis_prefix, clock=clock)
    two = Limiter(redis_url, prefix=redis_prefix, clock=clock)
    policy = Policy("rate", parse("500/minute"))
    admitted = 0
    for _ in range(400):
        admitted += one.hit(policy, "k").allowed
        admitted += two.hit(policy, "k").allowed
    assert admitted == 500


def test_daily_quota_rolls_over_at_midnight_utc(make_limiter) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(dt.datetime(2026, 3, 4, 23, 59, 58, tzinfo=dt.UTC))
    limiter = make_limiter(clock)
    quota = Policy("quota", parse("2/day"), daily=True)
    assert limiter.hit(quota, "k").allowed
    standing = limiter.hit(quota, "k")
    assert standing.allowed and standing.remaining == 0
    refused = limiter.hit(quota, "k")
    assert not refused.allowed
    assert refused.reset_s == 2  # two seconds to midnight
    clock.now = dt.datetime(2026, 3, 5, 0, 0, 1, tzinfo=dt.UTC)
    fresh = limiter.hit(quota, "k")
    assert fresh.allowed and fresh.remaining == 1


def test_unreachable_redis_fails_closed() -> None:
    from tests.live_server import free_port
    from tickercast.errors import LimiterUnavailable

    limiter = Limiter(f"redis://127.0.0.1:{free_port()}/0", clock=lambda: dt.datetime.now(dt.UTC))
    with pytest.raises(LimiterUnavailable, match="rate-limit store does not answer"):
        limiter.hit(Policy("rate", parse("5/minute")), "k")
