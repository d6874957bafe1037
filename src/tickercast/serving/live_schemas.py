"""Response models of the live side: feed status, stored predictions and their accuracy.

Kept apart from ``schemas.py`` (the prediction API's) so the two can change independently;
the dashboard reads only these and the data API.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "AccuracyPublic",
    "AccuracyWindowPublic",
    "DiffPctPublic",
    "FeedRetryPublic",
    "FeedStatusPublic",
    "PredictionHistoryPublic",
    "ScoresPublic",
    "StoredPredictionPublic",
]


class FeedRetryPublic(BaseModel):
    attempt: int = Field(description="Failed attempts in a row so far.")
    delay_s: float = Field(description="Wait before the next attempt (doubles, capped).")
    next_at: dt.datetime = Field(description="When the next attempt starts.")
    failing_since: dt.datetime = Field(description="When the first of these failures happened.")


class FeedStatusPublic(BaseModel):
    kind: Literal["none", "replay", "poll"]
    ticker: str | None = Field(examples=["AMZN"])
    state: Literal["off", "starting", "running", "retrying", "finished", "stopped", "error"] = (
        Field(description="``retrying``: the last bar failed (see last_error); it is retried.")
    )
    cursor: dt.date | None = Field(
        description="Date of the bar that arrived last; the dashboard and the accuracy of "
        "this ticker show history up to it."
    )
    source: str | None = Field(examples=["replay of stored AMZN bars from 2023-07-25"])
    speed: float | None = Field(description="Replay speed, bars per second.")
    every_s: float | None = Field(description="Seconds between polls.")
    started_at: dt.datetime | None
    bars: int = Field(description="Bars that arrived since the feed started.")
    predictions: int
    scores: int
    detail: str | None
    model_note: str | None = Field(description="Set when bars arrive without predictions.")
    last_error: str | None = Field(
        description="Last error (a poll or the database), cleared by the next success."
    )
    retry: FeedRetryPublic | None = Field(
        description="Set while the feed retries after a failure; resumes from the cursor."
    )
    last_event_id: int = Field(description="Id of the newest event; resume the stream after it.")
    followers: int = Field(description="Event streams open now (on this replica).")
    role: Literal["single", "leader", "follower"] = Field(
        description="single: one process owns the feed (SQLite). On PostgreSQL the replica "
        "holding the leader lock runs the feed; followers serve its events."
    )
    replica: str = Field(description="The process that answered, host:pid.")
    leader: str | None = Field(description="The replica running the feed, host:pid, if known.")


class StoredPredictionPublic(BaseModel):
    origin_date: dt.date = Field(description="Last bar the forecast was made from.")
    target_date: dt.date
    model: str
    version: str
    base_close: float = Field(description="Close at origin: naive's forecast of the target.")
    point: float
    lower_80: float | None
    upper_80: float | None
    lower_95: float | None
    upper_95: float | None
    actual: float | None = Field(description="The target day's close, once stored.")


class PredictionHistoryPublic(BaseModel):
    ticker: str
    start: dt.date | None
    end: dt.date | None = Field(description="Last target date included (the feed cursor).")
    count: int
    predictions: list[StoredPredictionPublic]
    next: StoredPredictionPublic | None = Field(
        description="The prediction made from the last bar on or before end, if any."
    )


class DiffPctPublic(BaseModel):
    mean: float | None
    median: float | None
    max: float | None
    min: float | None


class ScoresPublic(BaseModel):
    diff_pct: DiffPctPublic = Field(description="100 * (forecast - actual) / actual.")
    mae: float | None = Field(description="Mean absolute error, in price units.")
    mape: float | None = Field(description="Mean absolute percentage error, %.")
    hit_rate: float | None = Field(
        description="% of days the forecast move had the real move's sign (flat days left "
        "out); naive never calls a move, so it has none."
    )
    hit_days: int
    coverage_80: float | None = Field(description="% of actuals inside the 80% interval.")
    coverage_95: float | None


class AccuracyWindowPublic(BaseModel):
    window: str = Field(examples=["10"], description="Last N predictions, or 'all'.")
    n: int
    first_target: dt.date | None
    last_target: dt.date | None
    versions: list[str] = Field(description="Model versions behind these predictions.")
    skill: float | None = Field(description="1 - MAE / naive MAE on the same days.")
    model: ScoresPublic
    naive: ScoresPublic


class AccuracyPublic(BaseModel):
    ticker: str
    end: dt.date | None = Field(description="Last target date counted (the feed cursor).")
    horizon: int
    windows: list[AccuracyWindowPublic]
