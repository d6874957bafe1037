from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.factories import bar_lines, write_csv
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider, CsvProvider
from tickercast.errors import ValidationError
from tickercast.storage import repository
from tickercast.storage.db import engine_for, session_scope


def dump(settings: Settings) -> list[tuple]:
    """Every stored row of every table, in a fixed order: 'the content' of the database."""
    with engine_for(settings.resolved_database_url).connect() as conn:
        tickers = conn.execute(text("SELECT id, symbol, created_at FROM ticker ORDER BY id")).all()
        bars = conn.execute(text("SELECT * FROM bar ORDER BY ticker_id, date")).all()
    return [tuple(r) for r in [*tickers, *bars]]


def _ingest(settings: Settings, path: Path, **kw: bool):
    return ingest_table(CsvProvider(path).fetch("TEST"), ticker="TEST", settings=settings, **kw)


def _closes(settings: Settings, ticker: str = "TEST") -> list[float]:
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        assert ticker_id is not None
        return repository.get_closes(session=session, ticker_id=ticker_id)[1].tolist()


def test_ingest_bundled_amzn_stores_full_history(settings: Settings) -> None:
    report = ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    assert report.inserted == 7093
    with session_scope(settings) as session:
        (summary,) = repository.list_ticker_summaries(session=session)
    assert (summary.symbol, str(summary.first_date), str(summary.last_date)) == (
        "AMZN",
        "1997-05-15",
        "2025-07-25",
    )
    assert summary.rows == 7093 and summary.sources == ["bundled"]


def test_ingest_same_file_twice_is_idempotent(settings: Settings, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", bar_lines(50))
    first = _ingest(settings, path)
    before = dump(settings)
    second = _ingest(settings, path)
    assert (first.inserted, second.inserted, second.unchanged) == (50, 0, 50)
    assert dump(settings) == before


def test_ingest_reports_changed_row_and_leaves_it(settings: Settings, tmp_path: Path) -> None:
    lines = bar_lines(10)
    _ingest(settings, write_csv(tmp_path / "a.csv", lines))
    fields = lines[3].split(",")
    fields[4] = fields[5] = "123.456"
    fields[2] = "200"
    lines[3] = ",".join(fields)
    report = _ingest(settings, write_csv(tmp_path / "b.csv", lines))
    assert (report.inserted, report.unchanged, report.conflicting_rows, report.updated) == (
        0,
        9,
        1,
        0,
    )
    assert {c.column for c in report.conflicts} == {"high", "close", "adj_close"}
    assert _closes(settings)[3] != 123.456


def test_ingest_overwrite_replaces_changed_row(settings: Settings, tmp_path: Path) -> None:
    lines = bar_lines(10)
    _ingest(settings, write_csv(tmp_path / "a.csv", lines))
    fields = lines[3].split(",")
    fields[2], fields[4] = "200", "123.456"
    lines[3] = ",".join(fields)
    report = _ingest(settings, write_csv(tmp_path / "b.csv", lines), overwrite=True)
    assert report.updated == 1
    assert _closes(settings)[3] == 123.456


def test_ingest_rejects_file_with_bad_row_and_writes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    _ingest(settings, write_csv(tmp_path / "a.csv", bar_lines(5)))
    before = dump(settings)
    lines = bar_lines(20, start="2025-01-01", seed=3)
    lines[7] = lines[7].rsplit(",", 1)[0] + ",-10"
    with pytest.raises(ValidationError, match="1 bad row") as info:
        ingest_table(
            CsvProvider(write_csv(tmp_path / "b.csv", lines)).fetch("NEW"),
            ticker="NEW",
            settings=settings,
        )
    assert [(p.line, p.column) for p in info.value.problems] == [(9, "volume")]
    assert dump(settings) == before


def test_ingest_skip_bad_rows_stores_the_rest(settings: Settings, tmp_path: Path) -> None:
    lines = bar_lines(20)
    lines[7] = lines[7].rsplit(",", 1)[0] + ",-10"
    report = _ingest(settings, write_csv(tmp_path / "b.csv", lines), skip_bad_rows=True)
    assert (report.inserted, report.skipped_rows) == (19, 1)
    assert report.skipped[0].line == 9
    assert len(_closes(settings)) == 19


def test_ingest_rolls_back_when_failing_midway(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = bar_lines(30)
    _ingest(settings, write_csv(tmp_path / "a.csv", lines[:10]))
    before = dump(settings)
    changed = lines[:10]
    changed[0] = changed[0].replace(changed[0].split(",")[4], "99.5", 2)

    def explode(**_: object) -> int:
        raise RuntimeError("disk on fire")

    # new rows are inserted first; the update of the changed row then fails
    monkeypatch.setattr(repository, "update_bars", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        _ingest(settings, write_csv(tmp_path / "b.csv", changed + lines[10:]), overwrite=True)
    assert dump(settings) == before


def test_ingest_minimal_form_then_full_rows(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("Date,Close\n2024-01-02,10\n2024-01-03,11\n")
    assert _ingest(settings, path).inserted == 2
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="TEST")
        (row, _) = repository.get_bars(session=session, ticker_id=ticker_id)
    assert (row.close, row.open, row.volume) == (10.0, None, None)


def test_ingest_reports_calendar_gap(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("Date,Close\n2024-01-02,10\n2024-02-01,11\n")
    report = _ingest(settings, path)
    # 21 business days, but 2024-01-15 (Martin Luther King Jr. Day) is no session
    assert report.warnings == ["gap of 20 trading days between 2024-01-02 and 2024-02-01"]
