"""The online drift monitor: fed one bar at a time, it keeps every check's statistic current.

Checks (thresholds in ``thresholds.DriftThresholds``):

- ``returns_ks`` / ``abs_returns_ks`` - input drift: two-sample Kolmogorov-Smirnov test
  (as ``scipy.stats.ks_2samp(method="asymp")``, computed here because it runs on every
  bar) of the last ``ks_window`` log returns, and of their absolute values, against the
  champion's training reference.
- ``volatility_cusum`` - volatility regime: one-sided CUSUM (Page's test) on each return
  standardised by a variance filter started on the training history
  (``volatility.VarianceFilter``), through the Student-t log-likelihood ratio of a doubled
  scale (``vol_statistic``), itself standardised over that history; the statistic is the
  peak since the reference, so a test that rejected stays rejected after the filter adapts.
- ``jump`` - the largest ``|r| / sigma_ref`` in the last ``jump_window`` days: an unadjusted
  split or a bad tick is one huge return that the distribution tests dilute.
- ``performance`` - the champion's absolute log errors against naive's on the last
  ``performance_window`` scored days, DM/HLN test of "champion worse than naive".
- ``miss_80`` / ``miss_95`` - calibration: Bernoulli CUSUM (Page's test) on the 0/1 stream of
  interval misses, nominal miss rate p0 against p1 = p0 + max(p0, 0.1).

Why hand-rolled CUSUMs: each is three lines of arithmetic that must reset exactly when the
champion changes; river's PageHinkley/ADWIN would add a dependency to every process, and
measured in place of the volatility CUSUM they do no better (Page-Hinkley) or worse (ADWIN):
benchmarks/README.md, ``benchmarks/calibrate_drift_river.py``. The tests are scipy's.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from functools import lru_cache

import numpy as np

from tickercast.errors import DataError
from tickercast.monitoring.report import Check, Kind, Status
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds
from tickercast.monitoring.volatility import VarianceFilter

__all__ = ["LEVELS", "DriftMonitor"]

LEVELS = (80, 95)
_MIN_KS = 20
_MIN_PERFORMANCE = 20
_VOL_STATISTICS = ("abs", "log", "lr")
_LR_DOF = 5.0
_LR_SCALE = 2.0


def _scale_llr(abs_z: float) -> float:
    """Log-likelihood ratio of a unit-variance Student-t(5) return scaled by 2 against
    unscaled: the optimal CUSUM increment for a doubling, and bounded in the tails."""
    u2 = abs_z * abs_z * _LR_DOF / (_LR_DOF - 2.0)
    return -math.log(_LR_SCALE) - (_LR_DOF + 1.0) / 2.0 * (
        math.log1p(u2 / (_LR_SCALE**2 * _LR_DOF)) - math.log1p(u2 / _LR_DOF)
    )


def _ks_distance(a_sorted: np.ndarray, b_sorted: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of two sorted samples (as scipy's)."""
    both = np.concatenate([a_sorted, b_sorted])
    cdf_a = np.searchsorted(a_sorted, both, side="right") / a_sorted.size
    cdf_b = np.searchsorted(b_sorted, both, side="right") / b_sorted.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _ks_n(n: int, m: int) -> int:
    """The effective sample size of ``scipy.stats.ks_2samp(method="asymp")``."""
    return round(n * m / (n + m))


@lru_cache(maxsize=256)
def _ks_critical(p: float, n: int, m: int) -> float:
    """The KS distance above which the asymptotic two-sided p-value is below ``p``."""
    from scipy import stats

    return float(stats.kstwo.isf(p, _ks_n(n, m)))


def _miss_rates(level: int) -> tuple[float, float]:
    p0 = (100 - level) / 100
    return p0, p0 + max(p0, 0.1)


class DriftMonitor:
    """Drift checks for one champion, starting the day after its training reference ends."""

    def __init__(
        self, reference_returns: np.ndarray, thresholds: DriftThresholds = DEFAULT_THRESHOLDS
    ) -> None:
        """``reference_returns``: the returns up to the champion's training end; the last
        ``reference_days`` form the reference distribution, the last ``vol_history_days``
        start the variance filter."""
        t = thresholds
        history = np.asarray(reference_returns, dtype=np.float64)
        ref = history[-t.reference_days :]
        if ref.size < _MIN_KS or not np.isfinite(history).all():
            raise DataError(
                f"the drift reference has {ref.size} finite returns; at least {_MIN_KS} needed"
            )
        if t.vol_statistic not in _VOL_STATISTICS:
            raise DataError(f"vol_statistic is {t.vol_statistic!r}; use one of {_VOL_STATISTICS}")
        self.t = t
        self.reference = ref
        self.abs_reference = np.abs(ref)
        self._sorted_ref = (np.sort(ref), np.sort(self.abs_reference))
        self.sigma_ref = max(float(np.sqrt(np.mean(ref * ref))), 1e-12)
        self.filter, z = VarianceFilter.started_on(
            history[-t.vol_history_days :], t.vol_alpha, t.vol_beta, t.vol_clip
        )
        x = np.array([self._vol_statistic(abs(float(v))) for v in z])
        self._x_mean = float(x.mean())
        self._x_sd = max(float(x.std()), 1e-9)
        self.vol_cusum = 0.0
        self.vol_cusum_peak = 0.0
        self.miss_cusum = dict.fromkeys(LEVELS, 0.0)
        self.misses = {lv: 0 for lv in LEVELS}
        self.n = 0
        self.scored = 0
        self._returns: deque[float] = deque(maxlen=t.ks_window)
        self._recent_jumps: deque[float] = deque(maxlen=t.jump_window)
        self._model_err: deque[float] = deque(maxlen=t.performance_window)
        self._naive_err: deque[float] = deque(maxlen=t.performance_window)

    def _vol_statistic(self, abs_z: float) -> float:
        x = min(abs_z, self.t.vol_clip)
        if self.t.vol_statistic == "log":
            return math.log(max(x, 1e-3))
        if self.t.vol_statistic == "lr":
            return _scale_llr(x)
        return x

    # ------------------------------------------------------------------ updates
    def update(
        self,
        log_return: float,
        *,
        missed: Mapping[int, bool] | None = None,
        model_error: float | None = None,
        naive_error: float | None = None,
    ) -> None:
        """One new bar: its log return, whether yesterday's intervals missed it, and the
        absolute log errors of yesterday's champion and naive forecasts."""
        r = float(log_return)
        if not math.isfinite(r):
            raise DataError(f"log return is {r}; a drift monitor needs finite returns")
        self.n += 1
        self._returns.append(r)
        self._recent_jumps.append(abs(r) / self.sigma_ref)
        z = self.filter.standardise(r)
        x = (self._vol_statistic(abs(z)) - self._x_mean) / self._x_sd
        self.vol_cusum = max(0.0, self.vol_cusum + x - self.t.vol_cusum_k)
        self.vol_cusum_peak = max(self.vol_cusum_peak, self.vol_cusum)
        if missed is not None:
            for lv in LEVELS:
                p0, p1 = _miss_rates(lv)
                miss = bool(missed[lv])
                self.misses[lv] += miss
                step = math.log(p1 / p0) if miss else math.log((1 - p1) / (1 - p0))
                self.miss_cusum[lv] = max(0.0, self.miss_cusum[lv] + step)
        if model_error is not None and naive_error is not None:
            self.scored += 1
            self._model_err.append(abs(float(model_error)))
            self._naive_err.append(abs(float(naive_error)))

    # ------------------------------------------------------------------- checks
    def alarm(self) -> bool:
        """Any check at drift (what the benchmark and the retrain policy act on): the same
        rules as ``checks()``, without building the reports (it runs on every bar)."""
        t = self.t
        if (
            self.vol_cusum_peak > t.vol_cusum_h
            or any(v > t.miss_cusum_h for v in self.miss_cusum.values())
            or (self._recent_jumps and max(self._recent_jumps) > t.jump_sigmas)
        ):
            return True
        if len(self._returns) >= _MIN_KS:
            for sample, ref, p in self._ks_inputs():
                if _ks_distance(np.sort(sample), ref) > _ks_critical(p, sample.size, ref.size):
                    return True
        # "champion worse" needs a positive mean loss difference: skip the test otherwise
        return (
            len(self._model_err) >= _MIN_PERFORMANCE
            and sum(self._model_err) > sum(self._naive_err)
            and self._performance_check().status == "drift"
        )

    def _ks_inputs(self) -> list[tuple[np.ndarray, np.ndarray, float]]:
        recent = np.fromiter(self._returns, dtype=np.float64)
        return [
            (recent, self._sorted_ref[0], self.t.returns_ks_p),
            (np.abs(recent), self._sorted_ref[1], self.t.abs_returns_ks_p),
        ]

    def checks(self) -> list[Check]:
        return [
            *self._ks_checks(),
            self._cusum_check(
                "volatility_cusum",
                "input",
                self.vol_cusum_peak,
                self.t.vol_cusum_h,
                self.n,
                f"CUSUM of standardised {'log ' if self.t.vol_statistic == 'log' else ''}"
                f"|r|/sd, allowance {self.t.vol_cusum_k}; sd from a variance filter "
                f"(alpha {self.t.vol_alpha:g}, beta {self.t.vol_beta:g}) started on "
                f"{self.t.vol_history_days} returns, now {self.filter.sd:.5f}; the statistic "
                f"is the peak since the reference (now {self.vol_cusum:.2f}): the filter "
                "catches up with a new level, a test that rejected stays rejected",
            ),
            self._jump_check(),
            self._performance_check(),
            *(
                self._cusum_check(
                    f"miss_{lv}",
                    "calibration",
                    self.miss_cusum[lv],
                    self.t.miss_cusum_h,
                    self.n if self.misses[lv] or self.n else 0,
                    f"{self.misses[lv]} misses of the {lv}% interval in {self.n} days "
                    f"(nominal {100 - lv}%); Bernoulli CUSUM p0 {_miss_rates(lv)[0]:.2f} "
                    f"vs p1 {_miss_rates(lv)[1]:.2f}",
                )
                for lv in LEVELS
            ),
        ]

    def _status_p(self, p: float, threshold: float) -> Status:
        if p < threshold:
            return "drift"
        if math.log(max(p, 1e-300)) < self.t.warning_fraction * math.log(threshold):
            return "warning"
        return "ok"

    def _status_level(self, value: float, threshold: float) -> Status:
        if value > threshold:
            return "drift"
        return "warning" if value > self.t.warning_fraction * threshold else "ok"

    def _ks_checks(self) -> list[Check]:
        from scipy import stats

        out = []
        for name, (sample, ref, threshold) in zip(
            ("returns_ks", "abs_returns_ks"), self._ks_inputs(), strict=True
        ):
            rule = f"p < {threshold:g}"
            if sample.size < _MIN_KS:
                out.append(
                    Check(
                        name,
                        "input",
                        "n/a",
                        None,
                        threshold,
                        rule,
                        sample.size,
                        detail=f"needs {_MIN_KS} returns after the reference; has {sample.size}",
                    )
                )
                continue
            d = _ks_distance(np.sort(sample), ref)
            p = float(stats.kstwo.sf(d, _ks_n(sample.size, ref.size)))
            status: Status = (
                "drift"
                if d > _ks_critical(threshold, sample.size, ref.size)
                else self._status_p(max(p, threshold), threshold)
            )
            out.append(
                Check(
                    name,
                    "input",
                    status,
                    d,
                    threshold,
                    rule,
                    int(sample.size),
                    p_value=p,
                    detail=f"Kolmogorov-Smirnov vs {ref.size} reference returns",
                )
            )
        return out

    def _cusum_check(
        self, name: str, kind: Kind, value: float, threshold: float, window: int, detail: str
    ) -> Check:
        status: Status = "n/a" if self.n == 0 else self._status_level(value, threshold)
        return Check(
            name,
            kind,
            status,
            value,
            threshold,
            f"> {threshold:g}",
            window,
            detail=detail,
        )

    def _jump_check(self) -> Check:
        threshold = self.t.jump_sigmas
        if not self._recent_jumps:
            return Check("jump", "input", "n/a", None, threshold, f"> {threshold:g}", 0)
        value = max(self._recent_jumps)
        return Check(
            "jump",
            "input",
            self._status_level(value, threshold),
            value,
            threshold,
            f"> {threshold:g}",
            len(self._recent_jumps),
            detail="largest |log return| / reference RMS return",
        )

    def _performance_check(self) -> Check:
        from tickercast.training.gate import diebold_mariano

        threshold = self.t.performance_p
        rule = f"p < {threshold:g}"
        n = len(self._model_err)
        if n < _MIN_PERFORMANCE:
            return Check(
                "performance",
                "performance",
                "n/a",
                None,
                threshold,
                rule,
                n,
                detail=f"needs {_MIN_PERFORMANCE} scored forecasts; has {n}",
            )
        model = np.fromiter(self._model_err, dtype=np.float64)
        naive = np.fromiter(self._naive_err, dtype=np.float64)
        naive_mae = float(naive.mean())
        rel = float(model.mean()) / naive_mae if naive_mae > 0 else 1.0
        res = diebold_mariano(model, naive, alternative="greater")
        return Check(
            "performance",
            "performance",
            self._status_p(res.p_value, threshold),
            rel,
            threshold,
            rule,
            n,
            p_value=res.p_value,
            detail="champion MAE / naive MAE on scored forecasts; DM/HLN test of "
            "'champion worse than naive'",
        )
