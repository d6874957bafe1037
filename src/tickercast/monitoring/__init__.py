"""Watching a served champion: drift checks on inputs, errors and interval misses.

``thresholds`` holds the calibrated defaults (benchmarks/calibrate_drift.py), ``monitor`` the
online monitor fed one bar at a time, ``report`` the status it reports, ``service`` the glue
that rebuilds a ticker's monitor from stored prices and its champion, and ``policy`` the retrain
decision. Pure numpy + scipy.stats: light enough to import in any process.
"""

__all__: list[str] = []
