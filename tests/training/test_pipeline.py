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


@pytest.mark.slow
def test_bootstrap_on_bundled_amzn_no_longer_crowns_the_noise_margin_model(
    tmp_path: Path,
) -> None:
    """LightGBM's 0.04% margin over naive on AMZN used to make it champion (relative MAE < 1);
    the DM/HLN gate calls it noise and naive serves."""
    import pandas as pd

    from tickercast.config import Settings
    from tickercast.data.providers.bundled import sample_path
    from tickercast.training import registry

    frame = pd.read_csv(sample_path("AMZN"))
    settings = Settings(data_dir=tmp_path)
    decision = pipeline.bootstrap_champion(
        "AMZN",
        settings,
        frame["Close"].to_numpy(),
        frame["Date"].to_numpy(dtype="datetime64[D]"),
    )
    versions = {v.model_name: v for v in registry.list_versions("AMZN", settings)}
    lgbm = versions["lightgbm"]
    assert lgbm.relative_mae < 1  # the old gate's criterion holds ...
    assert lgbm.p_value is not None and lgbm.p_value > 0.05  # ... but it is not significant
    assert not lgbm.beats_naive and not decision.promoted
    assert "not significantly better than naive" in decision.reason
    _, info = registry.load_champion("AMZN", settings)
    assert info.model_name == "naive" and info.beats_naive is False
