"""Database: SQLAlchemy models, engine/session, repository functions, Alembic migrations."""
