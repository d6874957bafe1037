"""Two ``tickercast serve`` replicas on one PostgreSQL database, as real processes: one
runs the feed, both serve the same events in the same order, and killing the leader with
SIGKILL hands the feed to the other without a lost, repeated or duplicated bar, event or
prediction."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import _with_champion
from tests.live.replicas import leader_of, replica_env, replicas, seconds_until_leader
from tests.live.sse import Stream, follow
from tests.live.test_feed import stored_bars
from tickercast.config import Settings
from tickercast.storage.db import engine_for
from tickercast.storage.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def shared_settings(
    postgres_url: str, tmp_path: Path, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """One PostgreSQL database with AMZN prices, and a registry whose champion is naive."""
    upgrade(postgres_url)
    return _with_champion(
        Settings(data_dir=tmp_path, database_url=postgres_url), registry_template, monkeypatch
    )


def _replay(start: dt.date, speed: float) -> list[str]:
    return ["--replay", "AMZN", "--from", start.isoformat(), "--speed", str(speed), "--no-worker"]


def _client() -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    return httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits)


def _bar_dates(stream: Stream) -> list[str]:
    return [e["data"]["date"] for e in stream.events if e["event"] == "bar"]


def test_two_replicas_serve_every_client_the_same_events_in_the_same_order(
    shared_settings: Settings, tmp_path: Path
) -> None:
    start = dt.date(2025, 5, 1)
    with replicas(replica_env(shared_settings), tmp_path, _replay(start, 6.0)) as group:
        leader = leader_of(group)
        follower = next(r for r in group if r is not leader)

        async def hundred_clients() -> list[Stream]:
            async with _client() as client:
                streams = [Stream() for _ in range(100)]
                urls = [group[n % 2].url for n in range(100)]  # 50 on each replica
                reads = [
                    follow(client, [url], "AMZN", s) for url, s in zip(urls, streams, strict=True)
                ]
                await asyncio.wait_for(asyncio.gather(*reads), 120)
                return streams

        streams = asyncio.run(hundred_clients())
        ends = [leader.feed(), follower.feed()]

    reference = streams[0].key()
    assert all(s.key() == reference for s in streams), "clients saw different streams"
    assert {s.served_by[0] for s in streams} == {leader.url, follower.url}
    assert all(len(s.served_by) == 1 for s in streams)  # no reconnection needed
    ids = [event_id for event_id, _, _ in reference]
    assert ids == sorted(set(ids))  # one global order, no duplicate
    assert "reset" not in {kind for _, kind, _ in reference}
    expected = [b.date.isoformat() for b in stored_bars(shared_settings, "AMZN", start)]
    assert _bar_dates(streams[0]) == expected  # every replayed bar once, in order
    assert [e["state"] for e in ends] == ["finished", "finished"]
    assert ends[1]["role"] == "follower" and ends[1]["leader"] == ends[0]["replica"]
    assert ends[0]["last_event_id"] == ends[1]["last_event_id"] == ids[-1]
    assert ends[1]["bars"] == ends[0]["bars"] == len(expected)  # the follower mirrors it
    assert ends[1]["cursor"] == ends[0]["cursor"] == expected[-1]


def test_killing_the_leader_hands_the_feed_over_without_losing_or_repeating_anything(
    shared_settings: Settings, tmp_path: Path
) -> None:
    start = dt.date(2025, 4, 1)
    with replicas(replica_env(shared_settings), tmp_path, _replay(start, 3.0)) as group:
        leader = leader_of(group)
        survivor = next(r for r in group if r is not leader)

        async def scenario() -> tuple[list[Stream], list[Stream], Stream, float]:
            async with _client() as client:
                on_leader = [Stream() for _ in range(10)]
                on_survivor = [Stream() for _ in range(10)]
                reads = [follow(client, [leader.url, survivor.url], "AMZN", s) for s in on_leader]
                reads += [follow(client, [survivor.url], "AMZN", s) for s in on_survivor]
                tasks = [asyncio.create_task(read) for read in reads]
                while not all(s.bars() >= 3 for s in on_leader):
                    await asyncio.sleep(0.05)
                assert (await asyncio.to_thread(leader.feed))["state"] == "running"
                killed_at = time.monotonic()
                await asyncio.to_thread(leader.kill)
                takeover_s = await asyncio.to_thread(seconds_until_leader, survivor, killed_at)
                await asyncio.wait_for(asyncio.gather(*tasks), 120)
                fresh = await follow(client, [survivor.url], "AMZN", Stream())  # from id 0
                return on_leader, on_survivor, fresh, takeover_s

        on_leader, on_survivor, fresh, takeover_s = asyncio.run(scenario())
        end = survivor.feed()

    print(f"\nfailover: the follower led the feed {takeover_s:.2f} s after kill -9")
    assert takeover_s < 10.0
    assert end["role"] == "leader" and end["state"] == "finished"
    reference = fresh.key()
    for stream in on_leader:  # cut by the kill, resumed on the survivor with Last-Event-ID
        assert stream.served_by == [leader.url, survivor.url]
        assert stream.key() == reference
    for stream in on_survivor:
        assert stream.served_by == [survivor.url]
        assert stream.key() == reference
    expected = [b.date.isoformat() for b in stored_bars(shared_settings, "AMZN", start)]
    assert _bar_dates(fresh) == expected  # no bar skipped or played twice over the handover
    predictions = [e["data"] for e in fresh.events if e["event"] == "prediction"]
    origins = [p["origin_date"] for p in predictions]
    assert len(origins) == len(set(origins)) == len(expected) + 1  # + the one before `start`
    with engine_for(shared_settings.resolved_database_url).connect() as conn:
        duplicates = conn.execute(
            text(
                "SELECT ticker_id, model_name, model_version, origin_date, target_date, horizon,"
                " count(*) FROM prediction GROUP BY 1, 2, 3, 4, 5, 6 HAVING count(*) > 1"
            )
        ).all()
        stored = conn.execute(
            text("SELECT count(*) FROM prediction WHERE origin_date >= :start AND horizon = 1"),
            {"start": start},
        ).scalar_one()
    assert duplicates == []
    assert stored == len(expected)  # one stored prediction per replayed bar, none lost
