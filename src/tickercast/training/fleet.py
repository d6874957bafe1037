"""Validate or train many tickers at once: the same per-ticker pipeline functions, run
sequentially or as Ray tasks, several small tickers per task.

Each ticker is independent: its failure becomes a failed :class:`TickerOutcome` and the
others finish. Training runs ``pipeline.train`` per ticker, so MLflow logging and the
promotion gate are exactly those of the one-ticker command.
"""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from tickercast.config import Settings
from tickercast.errors import ConfigError, TickercastError
from tickercast.training import pipeline

__all__ = [
    "FleetOptions",
    "TickerJob",
    "TickerOutcome",
    "load_jobs",
    "plan_batches",
    "run_batch",
    "run_fleet",
]

Kind = Literal["validate", "train"]
TASKS_PER_CPU = 4  # enough tasks to balance uneven tickers, few enough to amortise overhead


@dataclass(frozen=True)
class TickerJob:
    """One ticker's closes, ready to ship to a worker (arrays, no database handle)."""

    ticker: str
    closes: np.ndarray
    dates: np.ndarray | None = None


@dataclass(frozen=True)
class FleetOptions:
    """What every ticker runs: ``validate`` of ``models`` or ``train`` of ``models[-1]``."""

    kind: Kind
    models: tuple[str, ...]
    test_days: int = 500
    refit_every: int = 20
    register: bool = False


@dataclass
class TickerOutcome:
    """One ticker's result (``result`` is the one-ticker command's JSON) or its error."""

    ticker: str
    ok: bool
    seconds: float
    result: dict[str, Any] | None = None
    error: str | None = None
    error_type: str | None = None
    detail: str | None = field(default=None, repr=False)
    cpu_seconds: float = 0.0  # CPU time of the work; below ``seconds`` when the CPU is shared

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "result": self.result,
            "error": self.error,
            "error_type": self.error_type,
        }


def load_jobs(
    tickers: Sequence[str] | None, settings: Settings
) -> tuple[list[TickerJob], list[TickerOutcome]]:
    """Closes of ``tickers`` (``None``: every stored ticker) from the database; a ticker that
    is not stored becomes a failed outcome instead of stopping the others."""
    from tickercast.storage import repository
    from tickercast.storage.db import session_scope

    jobs: list[TickerJob] = []
    missing: list[TickerOutcome] = []
    with session_scope(settings) as session:
        names = tickers if tickers is not None else repository.list_ticker_symbols(session=session)
        for name in dict.fromkeys(t.strip().upper() for t in names if t.strip()):
            ticker_id = repository.get_ticker_id(session=session, symbol=name)
            if ticker_id is None:
                missing.append(
                    TickerOutcome(
                        name,
                        False,
                        0.0,
                        error=f"unknown ticker {name!r}",
                        error_type="TickerNotFound",
                    )
                )
                continue
            dates, closes = repository.get_closes(session=session, ticker_id=ticker_id)
            jobs.append(TickerJob(name, closes, dates))
    if not jobs and not missing:
        raise ConfigError("no tickers to run: the database holds none (run `tickercast ingest`)")
    return jobs, missing


def run_one(job: TickerJob, options: FleetOptions, settings: Settings) -> TickerOutcome:
    """The one-ticker pipeline; any error is caught and reported, so the fleet goes on."""
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        if options.kind == "validate":
            result = pipeline.validate(
                job.closes,
                job.dates,
                options.models,
                ticker=job.ticker,
                test_days=options.test_days,
                refit_every=options.refit_every,
            ).to_dict()
        else:
            result = pipeline.train(
                job.ticker,
                options.models[-1],
                job.closes,
                job.dates,
                settings,
                register=options.register,
                test_days=options.test_days,
                refit_every=options.refit_every,
            ).to_dict()
    except Exception as exc:  # one ticker's failure must not stop the others
        message = str(exc) if isinstance(exc, TickercastError) else f"{type(exc).__name__}: {exc}"
        return TickerOutcome(
            job.ticker,
            False,
            time.perf_counter() - t0,
            error=message,
            error_type=type(exc).__name__,
            detail=traceback.format_exc(),
            cpu_seconds=time.process_time() - c0,
        )
    return TickerOutcome(
        job.ticker,
        True,
        time.perf_counter() - t0,
        result=result,
        cpu_seconds=time.process_time() - c0,
    )


def run_batch(
    jobs: Sequence[TickerJob], options: FleetOptions, settings: Settings
) -> list[TickerOutcome]:
    """Several tickers in one task (what a Ray task runs)."""
    return [run_one(job, options, settings) for job in jobs]


def plan_batches(
    jobs: Sequence[TickerJob], cpus: int, batch_size: int | None = None
) -> list[list[TickerJob]]:
    """Split jobs into tasks: ``batch_size`` tickers each, or by default about
    ``TASKS_PER_CPU`` tasks per CPU, so cheap tickers share a task (Ray tasks under ~10 ms
    gain nothing) while the slowest task stays short enough to balance the CPUs."""
    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {batch_size}")
    size = batch_size or max(1, math.ceil(len(jobs) / (TASKS_PER_CPU * max(cpus, 1))))
    return [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]


def prepare_store(settings: Settings) -> None:
    """Create the MLflow store once in the driver, so parallel workers do not race to
    create (migrate) a fresh SQLite store."""
    from tickercast.training import registry

    registry.list_versions("FLEETINIT", settings)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            "Ray is not installed: pip install 'tickercast[scale]' (or pass --sequential)"
        ) from None
    return ray


def _ray_session(ray: Any, cpus: int, address: str | None) -> bool:
    """Connect to ``address`` or start a local Ray with ``cpus`` CPUs; True if we started it
    (and so must shut it down). A session the caller already opened is reused."""
    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    return True


def _run_on_ray(
    batches: Sequence[Sequence[TickerJob]],
    options: FleetOptions,
    settings: Settings,
    cpus: int,
    address: str | None,
) -> Iterator[list[TickerOutcome]]:
    ray = _import_ray()
    started = _ray_session(ray, cpus, address)
    try:
        remote = ray.remote(num_cpus=1)(run_batch)
        settings_ref = ray.put(settings)
        pending = {remote.remote(batch, options, settings_ref): batch for batch in batches}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            ref = done[0]
            batch = pending.pop(ref)
            try:
                yield ray.get(ref)
            except Exception as exc:  # a worker died (OOM, kill): report its tickers
                yield [
                    TickerOutcome(
                        j.ticker,
                        False,
                        0.0,
                        error=f"Ray task failed: {exc}",
                        error_type=type(exc).__name__,
                    )
                    for j in batch
                ]
    finally:
        if started:
            ray.shutdown()


def run_fleet(
    jobs: Sequence[TickerJob],
    options: FleetOptions,
    settings: Settings,
    *,
    use_ray: bool = True,
    cpus: int = 2,
    address: str | None = None,
    batch_size: int | None = None,
    on_outcome: Callable[[TickerOutcome], None] | None = None,
) -> list[TickerOutcome]:
    """Run every job; outcomes in the jobs' order. ``on_outcome`` sees each as it lands
    (completion order), for a progress bar."""
    if options.kind == "train":
        prepare_store(settings)
    if use_ray:
        batches = plan_batches(jobs, cpus, batch_size)
        groups: Iterator[list[TickerOutcome]] = _run_on_ray(
            batches, options, settings, cpus, address
        )
    else:
        groups = ([run_one(job, options, settings)] for job in jobs)
    by_ticker: dict[str, TickerOutcome] = {}
    for group in groups:
        for outcome in group:
            by_ticker[outcome.ticker] = outcome
            if on_outcome is not None:
                on_outcome(outcome)
    return [by_ticker[job.ticker] for job in jobs]


def summary(outcomes: Sequence[TickerOutcome]) -> Mapping[str, Any]:
    """Counts for the CLI footer and ``--json``."""
    failed = [o.ticker for o in outcomes if not o.ok]
    return {"tickers": len(outcomes), "ok": len(outcomes) - len(failed), "failed": failed}
