"""``tickercast keys``: create, list, revoke and rotate API keys, and read their usage."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from tickercast.access import keys
from tickercast.access.keyring import announce_key_change
from tickercast.access.keys import IssuedKey, KeyInfo
from tickercast.access.rates import parse_duration
from tickercast.cli.common import console, err_console, print_json
from tickercast.config import Settings, get_settings
from tickercast.errors import ConfigError
from tickercast.storage.db import session_scope

__all__ = ["register"]

keys_app = typer.Typer(
    help="API keys: who may call the service, with which scopes and limits.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
KeyIdArg = Annotated[str, typer.Argument(help="The key id (16 hex digits, see `keys list`).")]


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _info_json(info: KeyInfo, now: dt.datetime) -> dict[str, object]:
    return {**asdict(info), "status": info.status(now)}


def _print_issued(issued: IssuedKey, as_json: bool, what: str) -> None:
    now = _now()
    if as_json:
        print_json({"key": issued.key, **_info_json(issued.info, now)})
        return
    info = issued.info
    err_console.print(
        f"{what} key [bold]{info.key_id}[/bold] ({info.name}; scopes {','.join(info.scopes)}; "
        f"rate {info.rate or 'none'}; quota {info.quota or 'none'}; "
        f"expires {info.expires_at.isoformat() if info.expires_at else 'never'}). "
        "It is shown once; only its hash is stored:",
        highlight=False,
    )
    print(issued.key)


def _announce(settings: Settings, key_id: str) -> None:
    acked = announce_key_change(settings.redis_url, settings.redis_prefix, key_id)
    if settings.redis_url:
        err_console.print(f"{acked} serving worker(s) dropped the old state of {key_id}")
    else:
        err_console.print(
            f"servers pick the change up within {settings.key_refresh_s:g} s (no Redis set)"
        )


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who or what holds the key, e.g. 'reporting job'.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated: predict, read, admin.")
    ] = "predict,read",
    rate: Annotated[
        str | None,
        typer.Option(help="Rate limit, e.g. 600/minute; 'none' (default TICKERCAST_KEY_RATE)."),
    ] = None,
    quota: Annotated[
        str | None,
        typer.Option(help="Requests per UTC day, e.g. 100000/day; 'none' (TICKERCAST_KEY_QUOTA)."),
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 90d, 12h (default: never expires).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a key and print it once (stdout); its details go to stderr."""
    settings = get_settings()
    now = _now()
    expires_at = now + parse_duration(expires) if expires else None
    with session_scope(settings) as session:
        issued = keys.create_key(
            session,
            name=name,
            scopes=scopes,
            rate=settings.key_rate if rate is None else rate,
            quota=settings.key_quota if quota is None else quota,
            expires_at=expires_at,
            now=now,
        )
    _print_issued(issued, as_json, "created")


@keys_app.command("list")
def list_keys(as_json: JsonOpt = False) -> None:
    """Every key: name, id, scopes, limits, dates and request counts (never a secret)."""
    now = _now()
    with session_scope(get_settings()) as session:
        infos = keys.list_keys(session, now=now)
    if as_json:
        print_json([_info_json(i, now) for i in infos])
        return
    table = Table(
        "key id",
        "name",
        "scopes",
        "rate",
        "quota",
        "status",
        "created",
        "expires",
        "last used",
        "today",
        "total",
    )
    for i in infos:
        table.add_row(
            i.key_id,
            i.name,
            ",".join(i.scopes),
            i.rate or "none",
            i.quota or "none",
            i.status(now),
            f"{i.created_at:%Y-%m-%d %H:%M}",
            f"{i.expires_at:%Y-%m-%d %H:%M}" if i.expires_at else "never",
            f"{i.last_used_at:%Y-%m-%d %H:%M:%S}" if i.last_used_at else "-",
            f"{i.requests_today:,}",
            f"{i.requests_total:,}",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(key_id: KeyIdArg, as_json: JsonOpt = False) -> None:
    """Revoke a key: every server refuses it from its next request on."""
    settings = get_settings()
    now = _now()
    with session_scope(settings) as session:
        info = keys.revoke_key(session, key_id, now=now)
    _announce(settings, info.key_id)
    if as_json:
        print_json(_info_json(info, now))
    else:
        console.print(f"revoked {info.key_id} ({info.name})", highlight=False)


@keys_app.command("rotate")
def rotate(
    key_id: KeyIdArg,
    grace: Annotated[
        str | None,
        typer.Option(help="Keep the old secret working this long, e.g. 1h (default: stop now)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A new secret for the same key id, scopes, limits and usage; printed once."""
    settings = get_settings()
    now = _now()
    with session_scope(settings) as session:
        issued = keys.rotate_key(
            session, key_id, now=now, grace=parse_duration(grace) if grace else None
        )
    _announce(settings, issued.info.key_id)
    _print_issued(issued, as_json, "rotated")


@keys_app.command("usage")
def usage(
    key_id: Annotated[str | None, typer.Argument(help="One key id (default: every key).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First UTC day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last UTC day, YYYY-MM-DD.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stored requests per key, UTC day, route and status (written every few seconds)."""
    with session_scope(get_settings()) as session:
        rows = keys.key_usage(
            session, key_id=key_id, start=_day(start, "--from"), end=_day(end, "--to")
        )
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = Table("key id", "day", "route", "status", "requests")
    for r in rows:
        table.add_row(r.key_id, r.day.isoformat(), r.route, str(r.status), f"{r.count:,}")
    console.print(table)
    console.print(f"{sum(r.count for r in rows):,} requests", highlight=False)


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date; use YYYY-MM-DD") from None
