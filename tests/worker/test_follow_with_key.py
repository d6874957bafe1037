"""The worker follows a serving process that requires keys: ``serve`` hands it a read key of
its own (one listed key per host, rotated on each start, not a new key every restart)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer
from tickercast.access import keys
from tickercast.cli.serve import _worker_key
from tickercast.cli.worker import _follow
from tickercast.config import Settings
from tickercast.errors import DataError
from tickercast.storage.db import session_scope


@pytest.fixture
def required(champion_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(champion_settings.model_copy(update={"auth": "required"})) as server:
        yield server


def test_follow_reads_the_cursor_with_the_key_serve_makes(
    required: LiveServer, champion_settings: Settings
) -> None:
    with pytest.raises(DataError, match="401"):
        _follow(required.url, None)("AMZN")
    key = _worker_key(champion_settings)
    assert _follow(required.url, key)("AMZN") is None  # no replay running: no cursor, no error


def test_worker_key_is_one_read_key_rotated_on_each_start(champion_settings: Settings) -> None:
    first, second = _worker_key(champion_settings), _worker_key(champion_settings)
    assert first != second and first.split("_")[1] == second.split("_")[1]  # same id
    with session_scope(champion_settings) as session:
        now = dt.datetime.now(dt.UTC)
        (info,) = [k for k in keys.list_keys(session, now=now) if k.name.startswith("worker@")]
        assert info.scopes == ["read"] and info.rate is None and info.quota is None
        keys.revoke_key(session, info.key_id, now=now)
    third = _worker_key(champion_settings)  # an operator's revocation is not undone
    assert third.split("_")[1] != first.split("_")[1]
