"""Alembic environment: runs on the connection handed over by tickercast.storage.migrate,
or on ``sqlalchemy.url`` when called from the alembic command line."""

from alembic import context
from sqlalchemy import Connection, create_engine

from tickercast.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url", "")).connect() as conn:
        _run(conn)
        conn.commit()
