"""The process that runs drift checks and retrains, away from every request and event loop.

``tickercast worker`` runs it on its own; ``tickercast serve`` starts it next to uvicorn.
Each retrain runs in a child process of the worker (``runner``), so a crash or a kill in the
middle of training leaves the registry as it was: the old champion keeps serving, and the
serving processes pick up a promotion through their usual registry poll and hot swap.
"""

__all__: list[str] = []
