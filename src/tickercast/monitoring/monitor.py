"""The online drift monitor: fed one bar at a time, it keeps every check's statistic current.

Checks (thresholds in ``thresholds.DriftThresholds``):

- ``returns_ks`` / ``abs_returns_ks`` - input drift: two-sample Kolmogorov-Smirnov test
  (``scipy.stats.ks_2samp``) of the last ``ks_window`` log returns, and of their absolute
  values, against the champion's training reference.
- ``volatility_cusum`` - volatility regime: one-sided CUSUM on ``|r| / sigma_ref`` (clipped
  at ``vol_clip`` so one crash day does not decide it) standardised by its reference mean and
  spread; reacts to a doubling within days, where a KS test on a short window has little power.
- ``jump`` - the largest ``|r| / sigma_ref`` in the last ``jump_window`` days: an unadjusted
  split or a bad tick is one huge return that the distribution tests dilute.
- ``performance`` - the champion's absolute log errors against naive's on the last
  ``performance_window`` scored days, DM/HLN test of "champion worse than naive".
- ``miss_80`` / ``miss_95`` - calibration: Bernoulli CUSUM (Page's test) on the 0/1 stream of
  interval misses, nominal miss rate p0 against p1 = p0 + max(p0, 0.1).

Why hand-rolled CUSUMs: each is three lines of arithmetic that must reset exactly when the
champion changes; river's PageHinkley/ADWIN would add a dependency to every process and their
thresholds would need the same calibration anyway. The tests are scipy's.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

import numpy as np

from tickercast.errors import DataError
from tickercast.monitoring.report import Check, Kind, Status
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds

__all__ = ["LEVELS", "DriftMonitor"]

LEVELS = (80, 95)
_MIN_KS = 20
_MIN_PERFORMANCE = 20


def _miss_rates(level: int) -> tuple[float, float]:
    p0 = (100 - level) / 100
    return p0, p0 + max(p0, 0.1)


class DriftMonitor:
    """Drift checks for one champion, starting the day after its training reference ends."""

    def __init__(
        self, reference_returns: np.ndarray, thresholds: DriftThresholds = DEFAULT_THRESHOLDS
    ) -> None:
        ref = np.asarray(reference_returns, dtype=np.float64)[-thresholds.reference_days :]
        if ref.size < _MIN_KS or not np.isfinite(ref).all():
            raise DataError(
                f"the drift reference has {ref.size} finite returns; at least {_MIN_KS} needed"
            )
        self.t = thresholds
        self.reference = ref
        self.abs_reference = np.abs(ref)
        self.sigma_ref = max(float(np.sqrt(np.mean(ref * ref))), 1e-12)
        x = self._abs_z(ref)
        self._x_mean = float(x.mean())
        self._x_sd = max(float(x.std()), 1e-9)
        self.vol_cusum = 0.0
        self.miss_cusum = dict.fromkeys(LEVELS, 0.0)
        self.misses = {lv: 0 for lv in LEVELS}
        self.n = 0
        self.scored = 0
        self._returns: deque[float] = deque(maxlen=thresholds.ks_window)
        self._recent_jumps: deque[float] = deque(maxlen=thresholds.jump_window)
        self._model_err: deque[float] = deque(maxlen=thresholds.performance_window)
        self._naive_err: deque[float] = deque(maxlen=thresholds.performance_window)

    def _abs_z(self, r: np.ndarray) -> np.ndarray:
        return np.minimum(np.abs(r) / self.sigma_ref, self.t.vol_clip)

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
        x = (min(abs(r) / self.sigma_ref, self.t.vol_clip) - self._x_mean) / self._x_sd
        self.vol_cusum = max(0.0, self.vol_cusum + x - self.t.vol_cusum_k)
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
        """Any check at drift (what the benchmark and the retrain policy act on); the cheap
        sequential statistics first, the tests only when those are quiet."""
        t = self.t
        if (
            self.vol_cusum > t.vol_cusum_h
            or any(v > t.miss_cusum_h for v in self.miss_cusum.values())
            or (self._recent_jumps and max(self._recent_jumps) > t.jump_sigmas)
        ):
            return True
        return any(c.status == "drift" for c in (*self._ks_checks(), self._performance_check()))

    def checks(self) -> list[Check]:
        return [
            *self._ks_checks(),
            self._cusum_check(
                "volatility_cusum",
                "input",
                self.vol_cusum,
                self.t.vol_cusum_h,
                self.n,
                f"CUSUM of standardised |r|/sigma_ref, allowance {self.t.vol_cusum_k}; "
                f"sigma_ref {self.sigma_ref:.5f}",
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

        recent = np.fromiter(self._returns, dtype=np.float64)
        out = []
        for name, sample, ref, threshold in (
            ("returns_ks", recent, self.reference, self.t.returns_ks_p),
            ("abs_returns_ks", np.abs(recent), self.abs_reference, self.t.abs_returns_ks_p),
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
            res = stats.ks_2samp(sample, ref, method="asymp")
            out.append(
                Check(
                    name,
                    "input",
                    self._status_p(float(res.pvalue), threshold),
                    float(res.statistic),
                    threshold,
                    rule,
                    int(sample.size),
                    p_value=float(res.pvalue),
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
