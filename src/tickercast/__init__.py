"""tickercast: self-hosted stock price forecasting (storage, models, API, dashboard)."""

__version__ = "0.1.0"
