from __future__ import annotations

from sqlalchemy import inspect

from tickercast.storage.db import engine_for
from tickercast.storage.migrate import current_revision, downgrade, head_revision, upgrade


def test_upgrade_creates_schema_at_head(database_url: str) -> None:
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    tables = set(inspect(engine_for(database_url)).get_table_names())
    assert {"ticker", "bar", "alembic_version"} <= tables
    columns = {c["name"] for c in inspect(engine_for(database_url)).get_columns("bar")}
    assert columns == {
        "ticker_id",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
        "source",
        "ingested_at",
    }


def test_upgrade_twice_is_a_no_op(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_downgrade_to_base_and_back(database_url: str) -> None:
    upgrade(database_url)
    downgrade(database_url, "base")
    assert "bar" not in inspect(engine_for(database_url)).get_table_names()
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
