"""The dashboard page and its static assets (Plotly.js from the installed plotly package)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from tickercast import __version__
from tickercast.dashboard import STATIC_DIR, TEMPLATES_DIR, plotly_js, plotly_version
from tickercast.errors import NotFoundError
from tickercast.serving.deps import SettingsDep

router = APIRouter(include_in_schema=False)

_OWN_ASSETS = ("dashboard.js", "dashboard.css", "decisions.js")


@lru_cache(maxsize=1)
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES_DIR)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, settings: SettingsDep) -> HTMLResponse:
    """The page; its data comes from the JSON API, so a reload shows the same history."""
    return _templates().TemplateResponse(
        request,
        "index.html",
        {
            "default_ticker": settings.default_ticker.upper(),
            "version": __version__,
            "plotly_version": plotly_version(),
        },
    )


@router.get("/static/{name}")
def static_asset(name: str) -> FileResponse:
    """Plotly.js is versioned by its URL and cached; the page's own files revalidate."""
    if name == "plotly.min.js":
        return FileResponse(
            plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=604800, immutable"},
        )
    if name not in _OWN_ASSETS:
        raise NotFoundError(f"no static file {name!r}")
    path: Path = STATIC_DIR / name
    return FileResponse(path, headers={"Cache-Control": "no-cache"})
