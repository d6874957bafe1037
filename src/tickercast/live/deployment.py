"""What names one tickercast deployment inside a PostgreSQL server: the advisory-lock keys
and the LISTEN/NOTIFY channel of its live events.

Advisory locks and channels are per database, not per schema, so two deployments in two
schemas of one database (tests do this, so may a shared server) would steal each other's
leader lock. The names are derived from ``current_database()`` and ``current_schema()``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Deployment", "libpq_conninfo"]


def _key(*parts: str) -> int:
    """A non-negative 63-bit advisory-lock key (pg_locks shows it as classid/objid)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass(frozen=True)
class Deployment:
    database: str
    schema: str

    @classmethod
    def of(cls, sessions: sessionmaker[Session]) -> Deployment:
        with sessions() as session:
            row = session.execute(text("SELECT current_database(), current_schema()")).one()
        return cls(str(row[0]), str(row[1]))

    @property
    def leader_key(self) -> int:
        """Held for as long as a replica runs the live feed."""
        return _key("tickercast-feed-leader", self.database, self.schema)

    @property
    def append_key(self) -> int:
        """Held by each event append transaction: ids commit in id order."""
        return _key("tickercast-event-append", self.database, self.schema)

    @property
    def channel(self) -> str:
        """The NOTIFY channel (an identifier under 63 bytes)."""
        return f"tickercast_events_{self.leader_key:016x}"


def libpq_conninfo(url: str, connect_timeout_s: float) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as a libpq URI for psycopg itself (the
    long-lived lock and LISTEN connections stay out of the pool)."""
    parsed = make_url(url).set(drivername="postgresql")
    parsed = parsed.update_query_dict({"connect_timeout": str(max(1, round(connect_timeout_s)))})
    return parsed.render_as_string(hide_password=False)
