from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.models.factories import TINY_PARAMS, business_dates, random_walk
from tickercast.errors import ConfigError
from tickercast.training import pipeline


def test_parse_models_puts_naive_first_and_rejects_unknown() -> None:
    assert pipeline.parse_models("lstm, naive,lstm") == ["naive", "lstm"]
    with pytest.raises(ConfigError, match="unknown model\\(s\\) 'arima'"):
        pipeline.parse_models("naive,arima")


def test_validate_reports_every_model_next_to_naive(tmp_path: Path) -> None:
    prices = random_walk(400, seed=4)
    report = pipeline.validate(
        prices,
        business_dates(400),
        "lightgbm,seed-lstm",
        ticker="abc",
        test_days=60,
        refit_every=30,
        params=TINY_PARAMS,
    )
    out = report.to_dict()
    json.dumps(out)
    assert [m["model"] for m in out["models"]] == ["naive", "lightgbm", "seed-lstm"]
    naive = out["models"][0]
    assert naive["relative_mae"] == 1.0 and naive["lag_copy"] == 1.0 and naive["dir_acc"] is None
    assert out["ticker"] == "ABC" and out["test_days"] == 60
    assert out["test_start"] == str(business_dates(400)[340])
    html = report.write_report(tmp_path / "r.html").read_text()
    assert html.count("<img") == 3 and "seed-lstm" in html
