"""Training, walk-forward validation, metrics, the significance gate and the MLflow registry.

Modules (imported on their own so that importing one does not pull in MLflow): ``metrics``,
``walkforward``, ``gate``, ``report``, ``registry``, ``pipeline``. The conformal interval maths
lives below, in ``tickercast.models.calibration``, because models use it at predict time.
"""

__all__: list[str] = []
