"""Pure feature functions on price arrays: log returns, sliding windows, window statistics."""

from tickercast.features.returns import (
    log_returns,
    price_windows,
    supervised_windows,
    window_features,
)

__all__ = ["log_returns", "price_windows", "supervised_windows", "window_features"]
