"""Each drift monitor on stable data and on a synthetic break of the kind it watches."""

from __future__ import annotations

import numpy as np
import pytest

from tickercast.errors import DataError
from tickercast.models import create_model
from tickercast.monitoring.monitor import DriftMonitor
from tickercast.monitoring.replay import feed, monitor_for
from tickercast.monitoring.report import worst

SIGMA = 0.015


def _returns(n: int, seed: int, scale: float = SIGMA) -> np.ndarray:
    return np.random.default_rng(seed).standard_t(5, n) * scale / np.sqrt(5 / 3)


def _prices(returns: np.ndarray) -> np.ndarray:
    return 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def _status(monitor: DriftMonitor) -> dict[str, str]:
    return {c.name: c.status for c in monitor.checks()}


def _run(returns: np.ndarray, end: int = 300) -> tuple[DriftMonitor, int | None]:
    prices = _prices(returns)
    monitor = monitor_for(prices, end)
    model = create_model("naive").fit(prices[: end + 1])
    alarm = feed(monitor, model, prices, end + 1, prices.size, stop_at_alarm=True)
    return monitor, alarm


def test_monitor_rarely_alarms_on_stable_fat_tailed_returns() -> None:
    """20 stable years of Student-t returns: the calibrated thresholds allow a few alarms
    (3 at the time of writing, all the volatility CUSUM), nowhere near one a year."""
    alarms = []
    for seed in range(20):
        monitor, alarm = _run(_returns(550, seed))
        assert monitor.n == (250 if alarm is None else alarm - 300)
        if alarm is not None:
            alarms.append(seed)
        else:
            assert "drift" not in _status(monitor).values()
    assert len(alarms) <= 4


def test_volatility_cusum_flags_a_tripling_within_twenty_days() -> None:
    r = _returns(400, 4)
    r[300:] *= 3
    monitor, alarm = _run(r)
    assert alarm is not None and 301 <= alarm <= 320
    assert _status(monitor)["volatility_cusum"] == "drift"


def test_jump_check_flags_an_unadjusted_split_on_its_day() -> None:
    r = _returns(400, 5)
    r[349] += np.log(0.5)  # bar 350 halves
    monitor, alarm = _run(r)
    assert alarm == 350
    assert _status(monitor)["jump"] == "drift"
    jump = next(c for c in monitor.checks() if c.name == "jump")
    assert jump.statistic == pytest.approx(abs(r[349]) / monitor.sigma_ref)


def test_returns_ks_flags_a_large_mean_shift() -> None:
    r = _returns(420, 6)
    r[300:] += 2 * SIGMA
    monitor = monitor_for(_prices(r), 300)
    for x in r[300:360]:
        monitor.update(float(x))
    ks = next(c for c in monitor.checks() if c.name == "returns_ks")
    assert ks.status == "drift" and ks.p_value is not None and ks.p_value < 1e-4
    assert ks.window == 60


def test_miss_cusum_flags_intervals_that_miss_too_often_and_not_nominal_misses() -> None:
    rng = np.random.default_rng(7)
    calm = monitor_for(_prices(_returns(301, 8)), 300)
    broken = monitor_for(_prices(_returns(301, 8)), 300)
    for _ in range(250):
        calm.update(0.0, missed={80: rng.random() < 0.2, 95: rng.random() < 0.05})
        broken.update(0.0, missed={80: rng.random() < 0.5, 95: rng.random() < 0.25})
    assert _status(calm)["miss_80"] != "drift" and _status(calm)["miss_95"] != "drift"
    assert _status(broken)["miss_80"] == "drift" and _status(broken)["miss_95"] == "drift"


def test_performance_check_flags_a_champion_worse_than_naive() -> None:
    monitor = monitor_for(_prices(_returns(301, 9)), 300)
    naive = np.abs(_returns(60, 10))
    for e in naive:
        monitor.update(0.0, model_error=1.5 * e + 0.002, naive_error=e)
    perf = next(c for c in monitor.checks() if c.name == "performance")
    assert perf.status == "drift" and perf.statistic is not None and perf.statistic > 1.5
    same = monitor_for(_prices(_returns(301, 9)), 300)
    for e in naive:
        same.update(0.0, model_error=e, naive_error=e)
    assert next(c for c in same.checks() if c.name == "performance").status == "ok"


def test_checks_are_not_applicable_before_enough_bars() -> None:
    monitor = monitor_for(_prices(_returns(301, 11)), 300)
    status = _status(monitor)
    assert set(status.values()) == {"n/a"}
    assert worst(list(status.values())) == "ok"


def test_monitor_rejects_a_too_short_reference() -> None:
    with pytest.raises(DataError, match="has 5 finite returns; at least 20"):
        DriftMonitor(np.zeros(5))
    monitor = DriftMonitor(_returns(100, 1))
    with pytest.raises(DataError, match="log return is nan"):
        monitor.update(float("nan"))
