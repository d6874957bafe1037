"""The shared event store and the leader election on a real PostgreSQL: ordered ids,
NOTIFY with ids only, appends fenced by the leader lock, resumes from the store, pruning,
and the lock moving to another replica when the leader's session dies."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import aclosing
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tickercast.errors import LeadershipLost
from tickercast.live.deployment import Deployment, libpq_conninfo
from tickercast.live.event_store import EventStore
from tickercast.live.events import Event, EventHub
from tickercast.live.leader import LeaderElection
from tickercast.storage.db import make_engine
from tickercast.storage.migrate import upgrade

pytestmark = pytest.mark.postgres


@pytest.fixture
def store(postgres_url: str) -> Iterator[EventStore]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    yield EventStore(sessions, Deployment.of(sessions))
    engine.dispose()


@pytest.fixture
def conninfo(postgres_url: str) -> str:
    return libpq_conninfo(postgres_url, 3.0)


def _hold_leader_lock(conninfo: str, store: EventStore) -> psycopg.Connection[Any]:
    conn = psycopg.connect(conninfo, autocommit=True)
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (store.deployment.leader_key,)).fetchone()
    assert row is not None and row[0] is True
    return conn


def _sessions(store: EventStore) -> sessionmaker[Session]:
    return store.sessions


def test_deployments_in_two_schemas_get_their_own_lock_and_channel(store: EventStore) -> None:
    other = Deployment(store.deployment.database, "another_schema")
    assert store.deployment.schema.startswith("tc_")
    assert other.leader_key != store.deployment.leader_key
    assert other.channel != store.deployment.channel
    assert len(store.deployment.channel) < 63 and store.deployment.leader_key >= 0


def test_append_stores_in_order_and_notifies_the_newest_id_only(
    store: EventStore, conninfo: str
) -> None:
    listener = psycopg.connect(conninfo, autocommit=True)
    listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(store.deployment.channel)))
    holder = _hold_leader_lock(conninfo, store)
    try:
        first = store.append(
            [("bar", "AMZN", '{"date": "2025-07-24"}'), ("status", None, "{}")],
            holder_pid=holder.info.backend_pid,
        )
        second = store.append(
            [("bar", "AMZN", '{"date": "2025-07-25"}')], holder_pid=holder.info.backend_pid
        )
        notes = [n.payload for n in listener.notifies(timeout=2, stop_after=2)]
    finally:
        holder.close()
        listener.close()
    assert notes == [str(first), str(second)]
    events = store.read_after(0)
    assert [(e.kind, e.ticker) for e in events] == [
        ("bar", "AMZN"),
        ("status", None),
        ("bar", "AMZN"),
    ]
    assert [e.id for e in events] == sorted(e.id for e in events) and events[-1].id == second
    assert store.newest_id() == second
    assert store.last_bar_date("AMZN").isoformat() == "2025-07-25"  # type: ignore[union-attr]


def test_append_is_refused_unless_the_named_session_holds_the_leader_lock(
    store: EventStore, conninfo: str
) -> None:
    bystander = psycopg.connect(conninfo, autocommit=True)  # a session without the lock
    try:
        with pytest.raises(LeadershipLost):
            store.append([("bar", "AMZN", "{}")], holder_pid=bystander.info.backend_pid)
        with pytest.raises(LeadershipLost):
            store.append([("bar", "AMZN", "{}")], holder_pid=None)
    finally:
        bystander.close()
    assert store.read_after(0) == []


def test_history_reads_one_ticker_and_says_none_once_pruned(
    store: EventStore, conninfo: str
) -> None:
    holder = _hold_leader_lock(conninfo, store)
    try:
        pid = holder.info.backend_pid
        for first in range(0, 1_500, 10):  # even n: AAPL, odd n: AMZN
            batch = [
                ("bar", "AMZN" if n % 2 else "AAPL", f'{{"n": {n}}}')
                for n in range(first, first + 10)
            ]
            store.append(batch, holder_pid=pid)
    finally:
        holder.close()
    newest = store.newest_id()
    amzn = store.history(newest - 10, "AMZN", newest)
    assert amzn is not None and [e.id for e in amzn] == list(range(newest - 8, newest + 1, 2))
    assert store.history(newest + 5, "AMZN", newest) is None  # an id never given
    assert store.prune(keep=1_000) == 500
    assert store.history(newest - 1_000, "AMZN", newest) is not None  # still all there
    assert store.history(newest - 1_001, "AMZN", newest) is None  # id newest-1000 is gone


def test_hub_resumes_from_the_store_what_it_never_held(store: EventStore, conninfo: str) -> None:
    holder = _hold_leader_lock(conninfo, store)
    pid = holder.info.backend_pid
    for n in range(5):
        store.append([("bar", "AMZN", f'{{"n": {n}}}')], holder_pid=pid)
    newest = store.newest_id()

    async def history(after: int, ticker: str, until: int) -> list[Event] | None:
        return await asyncio.to_thread(store.history, after, ticker, until)

    async def scenario() -> tuple[list[int], list[int], list[str]]:
        hub = EventHub(first_id=newest, history=history)  # a replica started after those 5
        for n in range(2):  # stored, not yet read by this replica
            store.append([("bar", "AMZN", f'{{"n": {5 + n}}}')], holder_pid=pid)

        async def take(after: int, n: int) -> list[Event]:
            out: list[Event] = []
            async with aclosing(hub.follow("AMZN", after)) as events:
                async for event in events:
                    out.append(event)
                    if len(out) == n:
                        break
            return out

        from_store = asyncio.create_task(take(newest - 5, 6))
        ahead = asyncio.create_task(take(newest + 1, 1))  # read newest+1 from another replica
        await asyncio.sleep(0.2)
        hub.add(store.read_after(newest))
        unknown = await take(10**12, 1)
        return (
            [e.id for e in await from_store],
            [e.id for e in await ahead],
            [e.kind for e in unknown],
        )

    try:
        from_store, ahead, unknown = asyncio.run(scenario())
    finally:
        holder.close()
    assert from_store == [newest - 4, newest - 3, newest - 2, newest - 1, newest, newest + 1]
    assert ahead == [newest + 2]
    assert unknown == ["reset"]


def test_lock_moves_to_a_follower_when_the_leader_session_dies(
    store: EventStore, conninfo: str
) -> None:
    async def scenario() -> tuple[list[str], float]:
        log: list[str] = []

        def election(name: str) -> LeaderElection:
            async def elected() -> None:
                log.append(f"{name} leads")

            async def demoted() -> None:
                log.append(f"{name} follows")

            return LeaderElection(
                conninfo,
                store.deployment.leader_key,
                on_elected=elected,
                on_demoted=demoted,
                retry_s=0.2,
                check_s=0.2,
            )

        first, second = election("first"), election("second")
        await first.start()
        await second.start()
        assert (first.is_leader, second.is_leader) == (True, False)
        with psycopg.connect(conninfo, autocommit=True) as admin:  # as if its host died
            admin.execute("SELECT pg_terminate_backend(%s)", (first.backend_pid,))
        loop = asyncio.get_running_loop()
        killed_at = loop.time()
        while not second.is_leader:
            await asyncio.sleep(0.02)
        took = loop.time() - killed_at
        await asyncio.sleep(0.5)  # the first is back as a follower, not a second leader
        assert (first.is_leader, second.is_leader) == (False, True)
        await first.stop()  # the follower first: it must not take the lock back meanwhile
        await second.stop()
        return log, took

    log, took = asyncio.run(scenario())
    assert log[:1] == ["first leads"]
    assert set(log[1:3]) == {"first follows", "second leads"}
    assert log[3:] == ["second follows"]
    assert took < 2.0


def test_schema_search_path_reaches_the_direct_connections(
    store: EventStore, conninfo: str
) -> None:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
    assert row is not None and row[0] == store.deployment.schema
    with _sessions(store)() as session:
        assert session.execute(text("SELECT count(*) FROM live_event")).scalar_one() == 0
