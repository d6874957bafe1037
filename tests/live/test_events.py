"""The in-memory event hub behind /v1/stream: ids, resume, reset, fan-out."""

from __future__ import annotations

import asyncio
import json
from contextlib import aclosing

from tickercast.live.events import Event, EventHub


async def _take(hub: EventHub, ticker: str, after: int | None, n: int) -> list[Event]:
    out: list[Event] = []
    async with aclosing(hub.follow(ticker, after)) as events:
        async for event in events:
            out.append(event)
            if len(out) == n:
                break
    return out


def test_publish_gives_increasing_ids_above_boot_base() -> None:
    hub = EventHub(boot_s=1_700_000_000)
    ids = [hub.publish("bar", "AMZN", {"i": i}).id for i in range(3)]
    assert ids == [1_700_000_000_000_001, 1_700_000_000_000_002, 1_700_000_000_000_003]
    assert hub.last_id == ids[-1]


def test_ids_of_a_later_boot_are_larger() -> None:
    before = EventHub(boot_s=1_700_000_000)
    for _ in range(1000):
        before.publish("bar", "AMZN", {})
    after = EventHub(boot_s=1_700_000_001)
    assert after.publish("bar", "AMZN", {}).id > before.last_id


def test_follow_resumes_after_id_without_gaps_or_duplicates() -> None:
    async def scenario() -> list[int]:
        hub = EventHub(boot_s=1)
        published = [hub.publish("bar", "AMZN", {"i": i}).id for i in range(5)]
        return [e.id for e in await _take(hub, "AMZN", published[1], 3)]

    assert asyncio.run(scenario()) == [1_000_003, 1_000_004, 1_000_005]


def test_follow_filters_by_ticker_but_passes_broadcasts() -> None:
    async def scenario() -> list[tuple[str, str | None]]:
        hub = EventHub(boot_s=1)
        hub.publish("bar", "AAPL", {})
        hub.publish("bar", "AMZN", {})
        hub.publish("status", None, {"state": "running"})
        return [(e.kind, e.ticker) for e in await _take(hub, "AMZN", hub.first_id, 2)]

    assert asyncio.run(scenario()) == [("bar", "AMZN"), ("status", None)]


def test_follow_waits_for_live_events() -> None:
    async def scenario() -> list[str]:
        hub = EventHub(boot_s=1)
        reader = asyncio.create_task(_take(hub, "AMZN", None, 2))
        await asyncio.sleep(0.05)
        hub.publish("bar", "AMZN", {"n": 1})
        await asyncio.sleep(0.01)
        hub.publish("score", "AMZN", {"n": 2})
        events = await asyncio.wait_for(reader, 2)
        return [e.kind for e in events]

    assert asyncio.run(scenario()) == ["bar", "score"]


def test_follow_resets_an_id_from_another_boot() -> None:
    async def scenario() -> list[str]:
        hub = EventHub(boot_s=2)
        hub.publish("bar", "AMZN", {})
        return [e.kind for e in await _take(hub, "AMZN", 1_000_123, 1)]

    assert asyncio.run(scenario()) == ["reset"]


def test_follow_resets_when_the_buffer_no_longer_holds_the_gap() -> None:
    async def scenario() -> list[str]:
        hub = EventHub(capacity=3, boot_s=1)
        first = hub.publish("bar", "AMZN", {}).id
        for _ in range(10):
            hub.publish("bar", "AMZN", {})
        reader = asyncio.create_task(_take(hub, "AMZN", first, 2))
        await asyncio.sleep(0.01)
        hub.publish("score", "AMZN", {})  # after a reset the follower goes on live
        return [e.kind for e in await asyncio.wait_for(reader, 2)]

    assert asyncio.run(scenario()) == ["reset", "score"]


def test_many_followers_get_the_same_events() -> None:
    async def scenario() -> list[list[int]]:
        hub = EventHub(boot_s=1)
        start = hub.last_id
        readers = [asyncio.create_task(_take(hub, "AMZN", start, 20)) for _ in range(50)]
        await asyncio.sleep(0.01)
        for i in range(20):
            hub.publish("bar", "AMZN", {"i": i})
            if i % 5 == 0:
                await asyncio.sleep(0)
        results = await asyncio.wait_for(asyncio.gather(*readers), 5)
        assert hub.followers == 0
        return [[e.id for e in r] for r in results]

    results = asyncio.run(scenario())
    assert all(r == results[0] for r in results)
    assert results[0] == list(range(1_000_001, 1_000_021))


def test_event_data_is_json_with_dates() -> None:
    import datetime as dt

    hub = EventHub(boot_s=1)
    event = hub.publish("bar", "AMZN", {"date": dt.date(2025, 7, 25), "close": 231.44})
    assert json.loads(event.data) == {"date": "2025-07-25", "close": 231.44}


def test_batches_ping_when_idle() -> None:
    async def scenario() -> list[list[Event]]:
        hub = EventHub(boot_s=1)
        out = []
        async with aclosing(hub.batches("AMZN", None, ping_s=0.05)) as batches:
            async for batch in batches:
                out.append(batch)
                break
        return out

    assert asyncio.run(scenario()) == [[]]


def test_add_keeps_ids_given_elsewhere_and_skips_ones_already_held() -> None:
    async def scenario() -> list[int]:
        hub = EventHub(first_id=40)
        reader = asyncio.create_task(_take(hub, "AMZN", 40, 3))
        await asyncio.sleep(0.01)
        hub.add([Event(41, "bar", "AMZN", "{}"), Event(44, "score", "AMZN", "{}")])
        hub.add([Event(44, "score", "AMZN", "{}"), Event(45, "bar", "AMZN", "{}")])  # overlap
        return [e.id for e in await asyncio.wait_for(reader, 2)]

    assert asyncio.run(scenario()) == [41, 44, 45]


def test_a_hub_without_a_store_resets_an_id_it_never_gave() -> None:
    async def scenario() -> list[str]:
        hub = EventHub(first_id=40)
        hub.add([Event(41, "bar", "AMZN", "{}")])
        return [e.kind for e in await _take(hub, "AMZN", 99, 1)]

    assert asyncio.run(scenario()) == ["reset"]


def test_ids_a_store_skipped_are_no_gap() -> None:
    async def scenario() -> list[str]:
        hub = EventHub(first_id=40)
        reader = asyncio.create_task(_take(hub, "AMZN", 40, 2))
        await asyncio.sleep(0.01)
        hub.add([Event(43, "bar", "AMZN", "{}"), Event(47, "score", "AMZN", "{}")])
        return [e.kind for e in await asyncio.wait_for(reader, 2)]

    assert asyncio.run(scenario()) == ["bar", "score"]  # no reset: 41, 42 never existed
