"""Settings read from the environment (prefix ``TICKERCAST_``), once, through get_settings().

Nothing here runs at import time: the environment is read when get_settings() is first
called, so tests and tools can set variables before that.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Every knob of the service; defaults run a laptop demo on SQLite under ./var."""

    model_config = SettingsConfigDict(env_prefix="TICKERCAST_", extra="ignore")

    data_dir: Path = Field(
        Path("var"), description="Where the database, MLflow store and models live."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/tickercast.db."
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="MLflow tracking store; default sqlite:///<data_dir>/mlflow.db."
    )
    ray_address: str | None = Field(
        None,
        description="Ray cluster for many-ticker validate/train (e.g. ray://head:10001); "
        "default: a local Ray instance.",
    )
    default_ticker: str = Field("AMZN", description="Ticker behind POST /predict_next_price.")
    db_connect_timeout_s: float = Field(
        3.0, gt=0, description="PostgreSQL: seconds to open a connection before giving up."
    )
    db_statement_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds one SQL statement may run (PostgreSQL statement_timeout, and a "
        "client-side deadline for a server or network that hangs).",
    )
    db_pool_timeout_s: float = Field(
        5.0, gt=0, description="Seconds a request waits for a free pooled connection."
    )
    sqlite_busy_timeout_s: float = Field(
        5.0, ge=0, description="SQLite: seconds to wait for a lock held by another process."
    )
    db_retry_after_s: int = Field(
        5, ge=1, description="Retry-After seconds sent with 503 while the database is down."
    )
    readyz_timeout_s: float = Field(
        2.0, gt=0, description="Seconds /readyz waits for the database before answering 503."
    )
    http_header_timeout_s: float = Field(
        10.0, gt=0, description="Seconds a client has to send a request's headers."
    )
    http_body_timeout_s: float = Field(
        30.0, gt=0, description="Seconds a client has to send a request's body after its headers."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "info"
    http_timeout_s: float = Field(10.0, description="Timeout of one HTTP provider request.")
    http_retries: int = Field(3, description="Retries of an HTTP provider request after the first.")
    prediction_batch_wait_s: float = Field(
        0.05, description="How long the prediction writer waits to fill a batch."
    )
    fast_path: bool = Field(
        True, description="Answer valid POST /predict_next_price below FastAPI's routing."
    )
    model_poll_interval_s: float = Field(
        30.0, description="How often the service checks the registry for a new champion."
    )
    feed: Literal["none", "replay", "poll"] = Field(
        "none", description="Live feed: replay stored history, poll a provider, or none."
    )
    feed_ticker: str | None = Field(
        None, description="Ticker the live feed plays or polls (default: default_ticker)."
    )
    feed_from: dt.date | None = Field(
        None, description="First replayed date (default: two years before the last stored bar)."
    )
    feed_speed: float = Field(4.0, gt=0, description="Replay speed in bars per second.")
    feed_poll_url: str | None = Field(
        None, description="URL the poll feed asks for bars (may hold {ticker})."
    )
    feed_every_s: float = Field(60.0, gt=0, description="Seconds between two polls.")
    leader_retry_s: float = Field(
        1.0,
        gt=0,
        description="PostgreSQL replicas: how often a follower tries the feed leader lock and "
        "the leader checks it still holds it.",
    )
    event_keep: int = Field(
        100_000, ge=1_000, description="PostgreSQL replicas: live events kept for resumes."
    )
    event_prune_every_s: float = Field(
        60.0, gt=0, description="PostgreSQL replicas: how often the leader prunes old events."
    )
    auth: Literal["required", "optional"] = Field(
        "optional",
        description="required: every read/predict call needs a key with the scope; optional: "
        "anonymous callers may read and predict under a per-IP limit. Admin always needs a key.",
    )
    redis_url: str | None = Field(
        None, description="Redis for rate-limit counters shared by workers and replicas."
    )
    redis_prefix: str = Field("tickercast", description="Prefix of every Redis key written.")
    anonymous_rate: str = Field(
        "300/minute", description="Per-IP limit of anonymous callers (optional mode); 'none'."
    )
    failed_auth_rate: str = Field(
        "20/minute", description="Per-IP limit of failed authentications before 429."
    )
    key_rate: str = Field("600/minute", description="Default rate limit of a new key.")
    key_quota: str = Field("100000/day", description="Default daily quota of a new key.")
    metrics_public: bool = Field(False, description="Serve /metrics without an admin key.")
    key_refresh_s: float = Field(
        1.0, gt=0, description="How often a worker checks the database for changed keys."
    )
    usage_flush_s: float = Field(
        5.0, gt=0, description="How often per-key usage counts are written to the database."
    )
    gate_alpha: float = Field(
        0.05, gt=0, lt=1, description="Significance level of the Diebold-Mariano promotion gate."
    )
    retrain_model: str = Field("lightgbm", description="Model a retrain trains.")
    retrain_max_age_days: int = Field(
        250,
        ge=1,
        description="Trading days after its training end at which a champion is retrained.",
    )
    retrain_cooldown_days: int = Field(
        20, ge=1, description="Bars before a champion the gate kept is retrained again."
    )
    worker_every_s: float = Field(
        1.0, gt=0, description="Seconds between two passes of the drift/retrain worker."
    )
    retrain_test_days: int = Field(250, ge=20, description="Walk-forward days of a retrain.")
    retrain_refit_every: int = Field(50, ge=1, description="Walk-forward refit step of a retrain.")
    gate_loss: Literal["absolute", "squared"] = Field(
        "absolute", description="Loss the gate compares: absolute or squared log-return errors."
    )
    feed_retry_first_s: float = Field(
        1.0, gt=0, description="Wait before the live feed's first retry after a failure."
    )
    feed_retry_max_s: float = Field(
        60.0, gt=0, description="Longest wait between two retries of the live feed (back-off cap)."
    )
    ticker_calendars: dict[str, str] = Field(
        default_factory=dict,
        description='Exchange calendar per ticker (ISO MIC), e.g. {"SAP": "XETR"}; '
        "others use XNYS. Forecast targets and gap checks count its sessions.",
    )

    yahoo_base_url: str = Field(
        "https://query1.finance.yahoo.com", description="Yahoo chart API base URL."
    )
    alphavantage_base_url: str = Field(
        "https://www.alphavantage.co", description="Alpha Vantage base URL."
    )
    alphavantage_api_key: SecretStr | None = Field(None, description="Alpha Vantage API key.")
    stooq_base_url: str = Field("https://stooq.com", description="Stooq base URL.")
    stooq_api_key: SecretStr | None = Field(None, description="Stooq API key.")
    tiingo_base_url: str = Field("https://api.tiingo.com", description="Tiingo base URL.")
    tiingo_api_key: SecretStr | None = Field(None, description="Tiingo API token.")
    provider_budgets: dict[str, str] = Field(
        default_factory=dict,
        description='Request budget per provider, JSON (e.g. {"alphavantage": "25/day"}); '
        "defaults follow each provider's documented free limits.",
    )
    update_overlap_sessions: int = Field(
        5, ge=0, description="Stored sessions an update fetches again to catch revisions."
    )
    update_schedule: bool = Field(
        False, description="serve runs `data update --all` after each exchange close."
    )
    update_delay_min: float = Field(
        30.0, ge=0, description="Minutes after the exchange close the scheduled update runs."
    )

    def calendar_for(self, ticker: str) -> str:
        """The exchange calendar ``ticker`` trades on (``ticker_calendars``, else XNYS)."""
        from tickercast.data.calendar import calendar_name_for

        overrides = {k.upper(): v for k, v in self.ticker_calendars.items()}
        return calendar_name_for(ticker, overrides)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir.resolve() / 'tickercast.db'}"

    @property
    def resolved_mlflow_tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.data_dir.resolve() / 'mlflow.db'}"

    @property
    def mlflow_artifact_dir(self) -> Path:
        return self.data_dir.resolve() / "mlartifacts"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; call ``get_settings.cache_clear()`` after changing the env."""
    return Settings()
