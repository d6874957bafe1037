"""``tickercast keys`` end to end: the real entry point on both databases."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from tests.cli.conftest import Run
from tickercast.access.gate import utc_now
from tickercast.access.keyformat import parse_key
from tickercast.access.records import KeyRecord
from tickercast.access.usage import UsageRecorder
from tickercast.config import Settings
from tickercast.storage.db import engine_for, session_scope
from tickercast.storage.models import ApiKey


def test_create_prints_the_key_once_and_stores_only_its_hash(cli: Run, settings: Settings) -> None:
    result = cli(
        "keys",
        "create",
        "--name",
        "ops",
        "--scopes",
        "admin,read",
        "--rate",
        "10/second",
        "--quota",
        "5000/day",
        "--expires",
        "90d",
        settings=settings,
        ok=True,
    )
    key = result.stdout.strip()
    parsed = parse_key(key)
    assert "shown once" in result.stderr and key not in result.stderr
    with session_scope(settings) as session:
        row = session.query(ApiKey).one()
        assert row.key_id == parsed.key_id
        assert parsed.secret not in (row.secret_hash, row.name, row.scopes)
        assert (row.scopes, row.rate, row.quota) == ("admin,read", "10/second", "5000/day")
        expires = (
            row.expires_at.replace(tzinfo=dt.UTC)
            if row.expires_at.tzinfo is None
            else row.expires_at
        )
        assert abs((expires - utc_now()) - dt.timedelta(days=90)) < dt.timedelta(minutes=5)


def test_list_revoke_rotate_and_usage(cli: Run, settings: Settings) -> None:
    made = orjson.loads(
        cli("keys", "create", "--name", "job", "--json", settings=settings, ok=True).stdout
    )
    assert made["scopes"] == ["predict", "read"] and made["rate"] == "600/minute"
    key_id = made["key_id"]
    listed = orjson.loads(cli("keys", "list", "--json", settings=settings, ok=True).stdout)
    assert [k["key_id"] for k in listed] == [key_id]
    assert "key" not in listed[0] and made["key"].split("_")[2] not in str(listed)
    table = cli("keys", "list", settings=settings, ok=True).stdout
    assert key_id in table and "active" in table
    rotated = orjson.loads(
        cli("keys", "rotate", key_id, "--json", settings=settings, ok=True).stdout
    )
    assert rotated["key_id"] == key_id and rotated["key"] != made["key"]

    # usage written the way a server writes it, then read back by the CLI
    with session_scope(settings) as session:
        row = session.query(ApiKey).one()
        record = KeyRecord(
            row.id, key_id, "job", "", frozenset(), None, None, None, None, None, None, ""
        )
    from sqlalchemy.orm import sessionmaker

    recorder = UsageRecorder(
        sessionmaker(engine_for(settings.resolved_database_url)), clock=utc_now, flush_s=60
    )
    for status in (200, 200, 429):
        recorder.record(record, "/predict_next_price", status)
    assert recorder.flush() == 3
    recorder.record(record, "/predict_next_price", 200)
    assert recorder.flush() == 1  # added to the stored count, not replacing it
    usage = orjson.loads(cli("keys", "usage", key_id, "--json", settings=settings, ok=True).stdout)
    assert {(u["status"], u["count"]) for u in usage} == {(200, 3), (429, 1)}
    listed = orjson.loads(cli("keys", "list", "--json", settings=settings, ok=True).stdout)
    assert listed[0]["requests_today"] == 4 and listed[0]["last_used_at"] is not None

    revoked = cli("keys", "revoke", key_id, settings=settings, ok=True)
    assert f"revoked {key_id}" in revoked.stdout
    listed = orjson.loads(cli("keys", "list", "--json", settings=settings, ok=True).stdout)
    assert listed[0]["status"] == "revoked"
    refused = cli("keys", "rotate", key_id, settings=settings, ok=False)
    assert "is revoked; create a new one" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--name", "x", "--scopes", "root"], "unknown scope 'root'"),
        (["create", "--name", "x", "--rate", "fast"], "rate 'fast' is not"),
        (["create", "--name", "x", "--quota", "10/hour"], "must be per day"),
        (["create", "--name", "x", "--expires", "soon"], "duration 'soon'"),
        (["revoke", "0123456789abcdef"], "no API key with id '0123456789abcdef'"),
        (["usage", "--from", "yesterday"], "--from 'yesterday' is not a date"),
    ],
)
def test_keys_errors_are_one_line(
    cli: Run, sqlite_settings: Settings, args: list[str], message: str
) -> None:
    result = cli("keys", *args, settings=sqlite_settings, ok=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_warns_when_exposed_without_required_auth(cli: Run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # an uninitialised database makes serve stop right after the warning
    result = cli("serve", "--host", "0.0.0.0", "--no-feed", ok=False)
    assert "TICKERCAST_AUTH=optional" in result.stderr
    assert "TICKERCAST_AUTH=required" in result.stderr
    quiet = cli("serve", "--host", "127.0.0.1", "--no-feed", ok=False)
    assert "warning" not in quiet.stderr
