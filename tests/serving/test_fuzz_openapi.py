"""Property-based fuzzing of every endpoint from the OpenAPI schema (Schemathesis), over real
HTTP against a live server with a champion model: no input may cause a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.live_server import LiveServer
from tickercast.config import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, registry_template: object
) -> Iterator[LiveServer]:
    import shutil

    from tickercast.data.ingestion import ingest_table
    from tickercast.data.providers import BundledProvider
    from tickercast.storage.migrate import upgrade

    root = tmp_path_factory.mktemp("fuzz")
    shutil.copy(registry_template / "mlflow.db", root / "mlflow.db")  # type: ignore[operator]
    settings = Settings(data_dir=root, model_poll_interval_s=3600)
    upgrade(settings.resolved_database_url)
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    with LiveServer(settings) as server:
        yield server


def _operations(server: LiveServer) -> list[schemathesis.APIOperation]:
    api = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    # an SSE stream never ends, so it cannot be fuzzed request by request
    return [op for op in operations if not op.path.startswith("/v1/stream")]


def test_no_input_causes_a_server_error(fuzz_server: LiveServer) -> None:
    operations = _operations(fuzz_server)
    assert len(operations) >= 10
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=fuzz_server.url, checks=[not_a_server_error])

        try:
            fuzz()
        except Exception as exc:  # collect every failing operation, not just the first
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
    assert failures == []
