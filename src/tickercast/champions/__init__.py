"""The champion each ticker is served by, held in memory and hot-swapped on promotion.

Both the HTTP layer (``serving``) and the live feed (``live``) read it; neither owns it.
"""

from tickercast.champions.store import (
    CHECK_WINDOW,
    MAX_RETRY_S,
    ModelStore,
    ReloadResult,
    ServedModel,
)

__all__ = ["CHECK_WINDOW", "MAX_RETRY_S", "ModelStore", "ReloadResult", "ServedModel"]
