"""A retrain the gate refuses while naive serves refreshes naive on the same data, and so
does one beside a champion that has since lost to naive out of sample; one it refuses beside
a champion still earning its place changes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from tests.models.factories import TINY_PARAMS
from tests.training.factories import register_stored
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.errors import ModelError
from tickercast.monitoring import service as monitoring_service
from tickercast.monitoring.report import DriftReport
from tickercast.monitoring.retrain import retrain
from tickercast.monitoring.service import drift_report
from tickercast.training import registry

TRAINED_TO = "2024-06-28"  # the first champion's training end: a year before the data's end
AS_OF = dt.date(2025, 3, 31)  # the retrain's data end


@pytest.fixture
def stale_naive(sqlite_settings: Settings) -> Settings:
    """AMZN stored in full; a naive champion trained only up to TRAINED_TO."""
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=sqlite_settings)
    register_stored(sqlite_settings, "AMZN", through=TRAINED_TO)
    assert registry.get_champion_version("AMZN", sqlite_settings) == "1"
    return sqlite_settings


def _by_version(settings: Settings) -> dict[str, dict]:
    return {row["version"]: row for row in registry.version_history("AMZN", settings)}


def test_refused_candidate_refreshes_the_serving_naive(stale_naive: Settings) -> None:
    before = drift_report("AMZN", stale_naive, as_of=AS_OF)
    assert before.monitored_days > 150  # the old reference is most of a year behind

    out = retrain("AMZN", stale_naive, as_of=AS_OF, model_name="lightgbm", test_days=60)

    assert out.retrained and out.decision is not None and not out.decision["promoted"]
    assert out.version == "2" and out.naive_refreshed == "3"
    assert f"Naive refreshed as version 3 on data up to {AS_OF}" in out.reason
    assert out.to_dict()["naive_refreshed"] == "3"
    assert registry.get_champion_version("AMZN", stale_naive) == "3"
    history = _by_version(stale_naive)
    assert history["2"]["decision"] == "refused" and history["2"]["model"] == "lightgbm"
    refreshed = history["3"]
    assert refreshed["decision"] == "refreshed" and refreshed["promotion"] == "naive-refresh"
    assert refreshed["model"] == "naive" and refreshed["trained_to"] == str(AS_OF)
    assert refreshed["trigger"] == "on_demand" and refreshed["data_date"] == str(AS_OF)
    assert history["1"]["served_to"] == refreshed["served_from"]
    # the drift reference and the champion's age start again at the retrain's data end
    after = drift_report("AMZN", stale_naive, as_of=AS_OF)
    assert after.model_version == "3" and after.monitored_days == 0


def test_naive_candidate_is_itself_the_refresh(stale_naive: Settings) -> None:
    out = retrain("AMZN", stale_naive, as_of=AS_OF, model_name="naive", test_days=60)
    assert out.version == out.naive_refreshed == "2"
    assert registry.get_champion_version("AMZN", stale_naive) == "2"
    assert [r["decision"] for r in registry.version_history("AMZN", stale_naive)] == [
        "promoted",
        "refreshed",
    ]


def test_refusal_beside_an_earned_champion_keeps_it(stale_naive: Settings) -> None:
    champion = register_stored(
        stale_naive, "AMZN", "lightgbm", through=TRAINED_TO, params=TINY_PARAMS["lightgbm"]
    )
    assert champion.version is not None
    registry.promote("AMZN", champion.version, force=True, settings=stale_naive)

    out = retrain("AMZN", stale_naive, as_of=AS_OF, model_name="naive", test_days=60)

    assert out.decision is not None and not out.decision["promoted"]
    assert out.naive_refreshed is None and "refreshed" not in out.reason
    assert registry.get_champion_version("AMZN", stale_naive) == champion.version
    assert _by_version(stale_naive)[str(out.version)]["decision"] == "refused"
    with pytest.raises(
        ModelError, match=f"version {champion.version} of tickercast-AMZN is not naive"
    ):
        registry.refresh_naive("AMZN", champion.version, "test", settings=stale_naive)


def test_refusal_beside_a_champion_that_lost_to_naive_serves_naive(
    stale_naive: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    champion = register_stored(
        stale_naive, "AMZN", "lightgbm", through=TRAINED_TO, params=TINY_PARAMS["lightgbm"]
    )
    assert champion.version is not None
    registry.promote("AMZN", champion.version, force=True, settings=stale_naive)

    def losing(*args: Any, **kwargs: Any) -> DriftReport:
        """The real report, with its performance check as if the champion lost to naive."""
        report = monitoring_service.drift_report_for(*args, **kwargs)
        checks = [
            dataclasses.replace(c, status="drift", p_value=0.004) if c.name == "performance" else c
            for c in report.checks
        ]
        return dataclasses.replace(report, status="drift", checks=checks)

    monkeypatch.setattr("tickercast.monitoring.retrain.drift_report_for", losing)
    out = retrain("AMZN", stale_naive, as_of=AS_OF, model_name="naive", test_days=60)

    assert out.naive_refreshed == out.version
    assert f"champion version {champion.version} (lightgbm) is significantly worse" in out.reason
    assert "p = 0.004" in out.reason
    assert registry.get_champion_version("AMZN", stale_naive) == out.version
