"""``tickercast data``: ingest, update, list and show price history; list providers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from tickercast.cli.common import console, err_console, new_progress, print_json
from tickercast.config import get_settings
from tickercast.data.ingestion import IngestReport, ingest_table
from tickercast.data.providers import provider_for
from tickercast.data.providers.named import provider_infos
from tickercast.data.update import UpdateReport, update_all
from tickercast.errors import ConfigError, TickercastError, TickerNotFound, ValidationError
from tickercast.storage import repository
from tickercast.storage.db import session_scope

__all__ = ["register"]

data_app = typer.Typer(help="Ingest, list and show daily price bars.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


def _parse_mapping(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping = {}
    for pair in pairs:
        canonical, sep, header = pair.partition("=")
        if not sep or not canonical or not header:
            raise ConfigError(f"--map {pair!r} is not COLUMN=FIELD (e.g. close=px_last)")
        mapping[canonical.strip().lower()] = header.strip()
    return mapping


@data_app.command("ingest")
def ingest(
    ticker: Annotated[
        str, typer.Argument(help="Ticker symbol to store the bars under, e.g. AMZN.")
    ],
    source: Annotated[
        str, typer.Option(help="bundled (shipped history), csv (--path) or http (--url).")
    ] = "bundled",
    path: Annotated[str | None, typer.Option(help="CSV file for --source csv.")] = None,
    url: Annotated[
        str | None, typer.Option(help="Endpoint for --source http; may contain {ticker}.")
    ] = None,
    column_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="COLUMN=FIELD, repeatable: which source field holds date, "
            "open, high, low, close, adj_close, volume.",
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="http answer format: auto, csv, json.")
    ] = "auto",
    records_key: Annotated[
        str | None, typer.Option(help="JSON key holding the list of records (http).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace stored rows whose values differ.")
    ] = False,
    skip_bad_rows: Annotated[
        bool, typer.Option("--skip-bad-rows", help="Store the good rows, report the bad ones.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate and store a ticker's daily bars. All or nothing unless --skip-bad-rows."""
    settings = get_settings()
    provider = provider_for(
        source,
        path=path,
        url=url,
        mapping=_parse_mapping(column_map),
        fmt=fmt,
        records_key=records_key,
        timeout_s=settings.http_timeout_s,
        retries=settings.http_retries,
    )
    table = provider.fetch(ticker.upper())
    try:
        with new_progress(disable=as_json) as progress:
            task = progress.add_task(f"storing {ticker.upper()}", total=len(table.frame))
            report = ingest_table(
                table,
                ticker=ticker,
                settings=settings,
                overwrite=overwrite,
                skip_bad_rows=skip_bad_rows,
                on_progress=lambda n: progress.advance(task, n),
            )
    except ValidationError as exc:
        for problem in exc.problems[:200]:
            err_console.print(f"  {problem}", highlight=False)
        if len(exc.problems) > 200:
            err_console.print(f"  … and {len(exc.problems) - 200} more")
        raise
    if as_json:
        print_json(report.to_dict())
        return
    _print_report(report)


def _print_report(report: IngestReport) -> None:
    console.print(
        f"{report.ticker} from {report.origin}: {report.inserted} inserted, "
        f"{report.updated} updated, {report.unchanged} unchanged, "
        f"{report.conflicting_rows} conflicting, {report.skipped_rows} bad row(s) skipped",
        highlight=False,
    )
    for problem in report.skipped:
        err_console.print(f"  skipped {problem}", highlight=False)
    if report.conflicting_rows and not report.updated:
        err_console.print(
            f"[yellow]{report.conflicting_rows} row(s) differ from the stored ones and were left "
            "alone (use --overwrite to replace them):[/yellow]"
        )
    for c in report.conflicts[:20]:
        err_console.print(f"  {c.date} {c.column}: stored {c.stored}, incoming {c.incoming}")
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")


@data_app.command("update")
def update(
    tickers: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tickers to update (default with --all: every ticker with a provider)."
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every ticker that has a stored provider.")
    ] = False,
    provider: Annotated[
        str | None,
        typer.Option(
            help="Named provider to fetch from (and store for next time); "
            "see `tickercast data providers`."
        ),
    ] = None,
    confirm_split: Annotated[
        bool,
        typer.Option(
            "--confirm-split",
            help="A new bar looks like an unadjusted split and it is one: re-base the "
            "earlier history by the split ratio instead of refusing.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fetch the sessions after the last stored one (plus a few, to catch revisions) and
    report added, revised and unchanged rows. Re-adjusted history is re-based and logged."""
    if bool(tickers) == all_:
        raise ConfigError("name tickers or use --all (not both)")
    settings = get_settings()
    names = None if all_ else [t.upper() for t in tickers or []]
    with new_progress(disable=as_json) as progress:
        task = progress.add_task("updating", total=len(names) if names else None)
        reports = update_all(
            names,
            settings=settings,
            provider=provider,
            confirm_splits=confirm_split,
            on_done=lambda _r: progress.advance(task),
        )
    if as_json:
        print_json([r.to_dict() for r in reports])
    else:
        for report in reports:
            _print_update(report)
    failed = [r for r in reports if r.error]
    if failed:
        raise TickercastError(
            f"{len(failed)} of {len(reports)} update(s) failed: "
            + "; ".join(f"{r.ticker}: {r.error}" for r in failed)
        )


def _print_update(report: UpdateReport) -> None:
    if report.error:
        return
    since = f"since {report.start}" if report.start else "full history"
    console.print(
        f"{report.ticker} from {report.provider} ({report.provider_symbol}, {since}): "
        f"{report.added} added, {report.revised} revised, {report.unchanged} unchanged",
        highlight=False,
    )
    for action in report.corporate_actions:
        err_console.print(
            f"[yellow]{action['kind']}[/yellow] before {action['effective_date']}: stored "
            f"history re-based (prices x{action['price_factor']:.6g}, adj_close "
            f"x{action['adj_close_factor']:.6g}): {action['bars_rebased']} bar(s), "
            f"{action['predictions_rescaled']} prediction(s) rescaled",
            highlight=False,
        )
    for warning in report.warnings:
        err_console.print(f"[yellow]warning:[/yellow] {warning}")


@data_app.command("providers")
def providers(as_json: JsonOpt = False) -> None:
    """Named providers for `data update --provider`, their limits, and whether the key is
    set (the key itself is never shown)."""
    infos = provider_infos(get_settings())
    if as_json:
        print_json([i.__dict__ for i in infos])
        return
    table = Table("provider", "key", "budget", "prices", "base URL", "description")
    for i in infos:
        key = (
            "not needed"
            if not i.needs_key
            else ("set" if i.key_set else f"missing: {i.key_setting}")
        )
        table.add_row(i.name, key, i.budget, i.adjusted, i.base_url, i.description)
    console.print(table)


@data_app.command("list")
def list_(as_json: JsonOpt = False) -> None:
    """Every stored ticker with its first and last date, row count and sources."""
    with session_scope(get_settings()) as session:
        summaries = repository.list_ticker_summaries(session=session)
    if as_json:
        print_json(
            [
                {"ticker": s.symbol, **{k: v for k, v in s.__dict__.items() if k != "symbol"}}
                for s in summaries
            ]
        )
        return
    table = Table("ticker", "first", "last", "rows", "source")
    for s in summaries:
        table.add_row(
            s.symbol, str(s.first_date), str(s.last_date), str(s.rows), ", ".join(s.sources)
        )
    console.print(table)


@data_app.command("show")
def show(
    ticker: Annotated[str, typer.Argument(help="Ticker symbol.")],
    start: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First date.")
    ] = None,
    end: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last date.")
    ] = None,
    tail: Annotated[int | None, typer.Option(min=1, help="Only the last N bars.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stored bars of one ticker, oldest first."""
    with session_scope(get_settings()) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        if ticker_id is None:
            raise TickerNotFound(ticker.upper())
        rows = repository.get_bars(
            session=session,
            ticker_id=ticker_id,
            start=start.date() if start else None,
            end=end.date() if end else None,
            limit=tail,
        )
    columns = ["date", *repository.BAR_VALUE_COLUMNS, "source"]
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
