"""Drift thresholds, calibrated on the bundled histories (not textbook defaults).

Daily returns are fat-tailed and their volatility clusters, so a KS test at p < 0.05 or a
CUSUM with a Gaussian threshold alarms many times a year on stable stocks. The defaults below
come from ``benchmarks/calibrate_drift.py`` (frontier table in benchmarks/README.md): 0.93
false alarms per ticker-year on the five bundled histories (every alarm on real history counted
as false, though many are real regime changes). At that rate a doubling of volatility is caught
within 20 trading days in 59% of injections, not the 90% aimed for. No monitor measured
reaches both: a static reference, a GARCH-type filter (fixed or fitted per champion), |z|,
log |z|, a likelihood-ratio CUSUM or river's Page-Hinkley all lie on about the same frontier,
where 90% within 20 days costs more than two false alarms a year (river's ADWIN lies below it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["DEFAULT_THRESHOLDS", "DriftThresholds"]


@dataclass(frozen=True)
class DriftThresholds:
    """Windows in trading days; ``warning`` fractions turn "ok" into "warning" early."""

    reference_days: int = 60
    """Returns before the champion's training end that form the reference distribution (the
    local regime the champion last saw; 250 days gave more false alarms per detection)."""
    ks_window: int = 60
    returns_ks_p: float = 1e-4
    """KS p-value of the last ``ks_window`` returns against the reference below which: drift."""
    abs_returns_ks_p: float = 1e-5
    vol_history_days: int = 250
    """Returns up to the champion's training end that the variance filter is targeted at and
    run through (its long-run level and its state on the first monitored day)."""
    vol_alpha: float = 0.02
    """Variance filter reaction to yesterday's squared return (``volatility.VarianceFilter``)."""
    vol_beta: float = 0.97
    """Variance filter persistence; alpha 0, beta 1 is a constant reference level."""
    vol_statistic: str = "lr"
    """What the CUSUM adds up, from c = min(|z|, vol_clip): "abs" = c, "log" = log c
    (floored at 1e-3), "lr" = the Student-t(5) log-likelihood ratio of a doubled scale; each
    standardised by its mean and spread over the filter's history."""
    vol_cusum_k: float = 0.3
    """CUSUM allowance, in reference standard deviations of the statistic."""
    vol_cusum_h: float = 10.0
    vol_clip: float = 4.0
    """|z| is clipped here before the CUSUM and r^2 at (clip sd)^2 before the filter (the
    jump check sees the rest)."""
    jump_window: int = 5
    jump_sigmas: float = 12.0
    """A return this many reference RMS returns from zero is a jump (split, error, crash)."""
    miss_cusum_h: float = 8.0
    """Bernoulli CUSUM threshold on the 80% and 95% interval miss streams."""
    performance_window: int = 60
    performance_p: float = 0.01
    """DM/HLN p-value of "champion worse than naive" on the last window below which: drift."""
    warning_fraction: float = 0.5
    """Share of the way to the drift threshold (in log p or CUSUM units) that is a warning."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_THRESHOLDS = DriftThresholds()
