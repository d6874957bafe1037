"""Training, walk-forward validation, metrics, conformal intervals and the MLflow registry.

Modules (imported on their own so that ``tickercast.models`` can use the interval maths
without pulling in MLflow): ``metrics``, ``intervals``, ``walkforward``, ``report``,
``registry``, ``pipeline``.
"""

__all__: list[str] = []
