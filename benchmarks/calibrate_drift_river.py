"""``calibrate_drift.py`` with river's ADWIN or Page-Hinkley in place of the volatility CUSUM.

Measurement only (the rows "river ..." of the frontier table in benchmarks/README.md): neither
detector beat the CUSUM, so river is not a dependency of tickercast and the monitor has no
option for it. The monitor here is ``DriftMonitor`` with its CUSUM switched off
(``vol_cusum_h = inf``) and the detector fed the same standardised statistic the CUSUM adds
up (``vol_statistic`` of |r| / sd, sd from the variance filter, standardised by its mean and
spread over the filter's history); every other check is unchanged.

- The detector is warmed up on that statistic over the filter's history (detections there are
  discarded), so its window (ADWIN) or running mean (Page-Hinkley) starts at the reference.
- Only a rise alarms: Page-Hinkley runs in river's ``mode="up"``; ADWIN is two-sided, so a cut
  counts only when the window it keeps has a higher mean than the part it dropped. ADWIN tests
  for a cut on every bar (``clock=1``; river's default 32 would delay alarms by up to 32 days).
- river resets a detector after a detection; the first detection latches the alarm.

    # river is a dev dependency (make .venv/.installed-dev); measured with river 0.26.1
    PYTHONPATH=src .venv/bin/python benchmarks/calibrate_drift_river.py --detector adwin \\
        --adwin-delta 0.5 --trials 40 --seed 0
    PYTHONPATH=src .venv/bin/python benchmarks/calibrate_drift_river.py \\
        --detector page_hinkley --ph-threshold 5 --ph-delta 0 --ph-min-instances 1 ...

Other arguments (``--trials``, ``--seed``, ``--set``, ``--label`` ...) are calibrate_drift.py's.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np

import tickercast.monitoring.replay as replay
from tickercast.monitoring.monitor import DriftMonitor
from tickercast.monitoring.report import Check
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds
from tickercast.monitoring.volatility import VarianceFilter


class RiseDetector:
    """ADWIN or Page-Hinkley; ``update(x)`` is True on a bar where it detects a rise."""

    def __init__(self, args: argparse.Namespace, history: np.ndarray) -> None:
        from river import drift

        self.adwin: Any = None
        self.ph: Any = None
        if args.detector == "adwin":
            self.adwin = drift.ADWIN(delta=args.adwin_delta, clock=1)
        else:
            self.ph = drift.PageHinkley(
                min_instances=args.ph_min_instances,
                delta=args.ph_delta,
                threshold=args.ph_threshold,
                alpha=args.ph_alpha,
                mode="up",
            )
        for x in history:
            self.update(float(x))

    def update(self, x: float) -> bool:
        if self.ph is not None:
            self.ph.update(x)
            return bool(self.ph.drift_detected)
        a = self.adwin
        total, width = a.total + x, a.width + 1
        a.update(x)
        if not a.drift_detected:
            return False
        dropped = width - a.width  # the window's older part, cut off by the detection
        return dropped > 0 and a.estimation > (total - a.total) / dropped


def monitor_class(args: argparse.Namespace) -> type[DriftMonitor]:
    class RiverMonitor(DriftMonitor):
        def __init__(
            self, reference_returns: np.ndarray, thresholds: DriftThresholds = DEFAULT_THRESHOLDS
        ) -> None:
            off = dataclasses.replace(thresholds, vol_cusum_h=math.inf)  # the CUSUM never alarms
            super().__init__(reference_returns, off)
            t = self.t
            history = np.asarray(reference_returns, dtype=np.float64)[-t.vol_history_days :]
            _, z = VarianceFilter.started_on(history, t.vol_alpha, t.vol_beta, t.vol_clip)
            x = np.array([self._vol_statistic(abs(float(v))) for v in z])
            self.detector = RiseDetector(args, (x - self._x_mean) / self._x_sd)
            self.vol_rises = 0

        def update(
            self,
            log_return: float,
            *,
            missed: Mapping[int, bool] | None = None,
            model_error: float | None = None,
            naive_error: float | None = None,
        ) -> None:
            z = float(log_return) / self.filter.sd  # what the filter standardises it to
            super().update(
                log_return, missed=missed, model_error=model_error, naive_error=naive_error
            )
            x = (self._vol_statistic(abs(z)) - self._x_mean) / self._x_sd
            self.vol_rises += self.detector.update(x)

        def alarm(self) -> bool:
            return self.vol_rises > 0 or super().alarm()

        def checks(self) -> list[Check]:
            name = f"volatility_{args.detector}"
            status = "drift" if self.vol_rises else "ok"
            return [
                *super().checks(),
                Check(name, "input", status, float(self.vol_rises), 0.0, "> 0", self.n),
            ]

    return RiverMonitor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, add_help=False)
    parser.add_argument("--detector", choices=("adwin", "page_hinkley"), required=True)
    parser.add_argument("--adwin-delta", type=float, default=0.002)
    parser.add_argument("--ph-threshold", type=float, default=10.0)
    parser.add_argument("--ph-delta", type=float, default=0.3)
    parser.add_argument("--ph-alpha", type=float, default=1.0)
    parser.add_argument("--ph-min-instances", type=int, default=30)
    args, rest = parser.parse_known_args()
    print("detector:", vars(args), flush=True)
    replay.DriftMonitor = monitor_class(args)
    from calibrate_drift import main as calibrate

    sys.argv = [sys.argv[0], *rest]
    calibrate()


if __name__ == "__main__":
    main()
