"""One retrain in a child process: the worker survives whatever happens inside it."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import tempfile
from pathlib import Path
from typing import Any

from tickercast.config import Settings

__all__ = ["run_retrain_process"]

_NICE = 19


def _child(ticker: str, settings_json: str, as_of: str | None, out: str, if_drift: bool) -> None:
    # A retrain yields to serving: the idle scheduling class (it runs only on CPU time no
    # one else wants, and a waking server preempts it at once; nice 19 alone still cost the
    # server's p99 1.4-4x), one thread per numeric library (set before torch/lightgbm load,
    # so their threads inherit both), so request latency stays put while it runs.
    _yield_cpu()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    from tickercast.monitoring.retrain import retrain

    settings = Settings.model_validate_json(settings_json)
    outcome = retrain(
        ticker,
        settings,
        if_drift=if_drift,
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
    )
    Path(out).write_text(json.dumps(outcome.to_dict(), default=str))


def _yield_cpu() -> None:
    """SCHED_IDLE where the platform has it, else the lowest nice level."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(_NICE)


def run_retrain_process(
    ticker: str,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    timeout_s: float = 1800.0,
    started: Any = None,
    if_drift: bool = True,
) -> dict[str, Any]:
    """Run ``retrain --if-drift`` (or unconditionally) in a spawned, niced process; returns
    its outcome, or ``{"outcome": "crashed", ...}`` when it died (signal, exit code) or timed
    out.
    ``started`` (optional callable) gets the child's pid once it runs."""
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "outcome.json")
        proc = ctx.Process(
            target=_child,
            args=(
                ticker,
                settings.model_dump_json(),
                as_of.isoformat() if as_of else None,
                out,
                if_drift,
            ),
            name=f"tickercast-retrain-{ticker}",
            daemon=True,
        )
        proc.start()
        if started is not None:
            started(proc.pid)
        proc.join(timeout_s)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return {
                "ticker": ticker,
                "outcome": "crashed",
                "reason": f"timed out after {timeout_s} s",
            }
        if proc.exitcode != 0 or not Path(out).is_file():
            return {
                "ticker": ticker,
                "outcome": "crashed",
                "reason": f"retrain process exited with code {proc.exitcode}",
            }
        result: dict[str, Any] = json.loads(Path(out).read_text())
    if not result["retrained"]:
        result["outcome"] = "skipped"
    else:
        result["outcome"] = "promoted" if result["decision"]["promoted"] else "refused"
    return result
