"""The dashboard's template and static assets; ``serving.routes.dashboard`` serves them.

Plotly.js comes from the installed ``plotly`` Python package, so the page works offline.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

from tickercast.errors import ConfigError

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "plotly_js", "plotly_version"]

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    """plotly.min.js of the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    raise ConfigError("plotly.min.js not found; reinstall tickercast (it depends on plotly)")


@lru_cache(maxsize=1)
def plotly_version() -> str:
    return version("plotly")
