"""CLI commands print one line, not a traceback, when the database is down (defect 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.live_server import free_port
from tickercast.config import Settings

REFUSED = "error: the database is unavailable (connection refused); retry in 5 s"


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=url)


@pytest.mark.parametrize("args", [["data", "list"], ["data", "list", "--json"], ["serve"]])
def test_cli_says_one_line_when_postgres_refuses(cli: Run, tmp_path: Path, args: list[str]) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"  # nothing listens
    result = cli(*args, settings=_settings(tmp_path, url), ok=False)
    assert result.returncode == 1
    assert result.stderr.strip() == REFUSED
    assert "Traceback" not in result.stderr


def test_cli_says_one_line_when_sqlite_is_locked(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKERCAST_SQLITE_BUSY_TIMEOUT_S", "0.2")
    path = tmp_path / "tickercast.db"
    holder = sqlite3.connect(path, isolation_level=None)  # another process's writer
    try:
        holder.execute("CREATE TABLE held (x)")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO held VALUES (1)")
        result = cli("data", "list", settings=_settings(tmp_path, f"sqlite:///{path}"), ok=False)
    finally:
        holder.rollback()
        holder.close()
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the database is unavailable (database is locked); retry in 5 s"
    )


def test_cli_says_one_line_when_sqlite_file_cannot_be_opened(cli: Run, tmp_path: Path) -> None:
    not_a_file = tmp_path / "tickercast.db"
    not_a_file.mkdir()  # a directory where the database file should be
    result = cli("data", "list", settings=_settings(tmp_path, f"sqlite:///{not_a_file}"), ok=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: the database is unavailable (unable to open database file); retry in 5 s"
    )
