"""Operations: Prometheus metrics and forcing a model reload."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from tickercast.serving.deps import MetricsDep, ModelStoreDep
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import ReloadPublic

router = APIRouter(tags=["operations"])


@router.get("/metrics", response_class=Response, responses=problem_responses())
async def metrics(metrics: MetricsDep) -> Response:
    """Prometheus text format: requests and latency per route, predictions per model
    version, model reloads and refusals, prediction writer queue depth. Runs on the event
    loop (rendering takes well under a millisecond), so a full thread pool cannot block it."""
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.post(
    "/v1/admin/reload", response_model=list[ReloadPublic], responses=problem_responses(503)
)
async def reload_models(request: Request, store: ModelStoreDep) -> list[ReloadPublic]:
    """Check the registry now and load every changed champion (a refused version is retried)."""
    tickers = await run_in_threadpool(request.app.state.served_tickers)  # reads the database
    results = await run_in_threadpool(store.refresh, tickers, force=True)
    return [ReloadPublic(**r.__dict__) for r in results]
