"""The dashboard's template and static assets; ``serving.routes.dashboard`` serves them.

Plotly.js is the finance partial bundle vendored under ``static/vendor`` (1.3 MB: a cold
browser paints in ~0.6 s instead of ~1.4 s with the full 4.6 MB bundle; see its README), with
the full bundle of the installed ``plotly`` package as fallback. Either way the page works
offline, without a CDN.
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


VENDORED_PLOTLY = STATIC_DIR / "vendor" / "plotly-finance.min.js"
VENDORED_PLOTLY_VERSION = "finance-4.1.0"


@lru_cache(maxsize=1)
def plotly_js() -> Path:
    """The vendored finance bundle, else plotly.min.js of the installed plotly package
    (found without importing plotly)."""
    if VENDORED_PLOTLY.is_file():
        return VENDORED_PLOTLY
    spec = importlib.util.find_spec("plotly")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    raise ConfigError("plotly.min.js not found; reinstall tickercast (it depends on plotly)")


@lru_cache(maxsize=1)
def plotly_version() -> str:
    """Part of the script URL, so a browser cache never serves a stale bundle."""
    return VENDORED_PLOTLY_VERSION if VENDORED_PLOTLY.is_file() else version("plotly")
