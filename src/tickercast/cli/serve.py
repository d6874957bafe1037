"""``tickercast serve``: run the HTTP API (and dashboard) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from tickercast.config import get_settings

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="uvicorn worker processes.")] = None,
) -> None:
    """Serve the API, OpenAPI docs at /docs, and the dashboard at /."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "tickercast.serving.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_level=settings.log_level,
    )
