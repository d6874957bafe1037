"""Decisions: buy, sell or hold with a size, and an honest cost-aware backtest.

``distribution`` reads a forecast's point and interval bounds as a return distribution;
``policy`` turns it, the weight held and the costs into a target weight (pure functions);
``engine`` runs decision paths over daily bars with exact cash and share accounting;
``benchmarks``, ``metrics`` and ``verdict`` say whether the result is more than luck;
``backtest`` ties them together; ``forecasts`` supplies out-of-sample forecasts;
``decide`` answers one decision for today (what ``POST /v1/decide`` calls).
"""
