"""Create or upgrade the schema with Alembic; safe to run any number of times."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tickercast.storage.db import DatabaseTimeouts, engine_for

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]

_MIGRATIONS = Path(__file__).with_name("migrations")
# migrations may rightly run long on big tables: no statement deadline
_MIGRATION_TIMEOUTS = DatabaseTimeouts(statement_s=None)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest)."""
    config = alembic_config(url)
    with engine_for(url, _MIGRATION_TIMEOUTS).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """Step the schema back to ``revision`` ("base" drops every table)."""
    config = alembic_config(url)
    with engine_for(url, _MIGRATION_TIMEOUTS).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str) -> str | None:
    with engine_for(url, _MIGRATION_TIMEOUTS).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
