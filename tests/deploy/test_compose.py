"""compose.yaml is valid Compose and wires the stack the way the README promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "compose.yaml").read_text()))


def test_compose_file_validates_against_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    errors = sorted(
        jsonschema.validators.validator_for(schema)(schema).iter_errors(compose),
        key=lambda e: list(e.path),
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_compose_schema_rejects_a_misspelt_key(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["api"]["helthcheck"] = broken["services"]["api"].pop("healthcheck")
    schema = json.loads(SCHEMA.read_text())
    assert not jsonschema.validators.validator_for(schema)(schema).is_valid(broken)


def test_compose_stack_has_every_service_with_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {
        "postgres",
        "redis",
        "mlflow",
        "migrate",
        "api",
        "proxy",
        "worker",
        "prometheus",
        "grafana",
    } <= set(services)
    assert services["api"]["deploy"]["replicas"] == 2
    for name in ("postgres", "redis", "mlflow", "api", "proxy", "prometheus", "grafana"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["mlflow"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "--backend-store-uri=postgresql+psycopg://" in " ".join(services["mlflow"]["command"])
    assert services["api"]["read_only"] is True
    assert services["worker"]["cpus"] == 1.0  # retrains never take the API replicas' CPUs


def test_compose_secrets_come_from_an_uncommitted_env_file(compose: dict[str, Any]) -> None:
    text = (ROOT / "compose.yaml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert compose["services"]["api"]["env_file"] == ".env"
    example = (ROOT / ".env.example").read_text()
    for key in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "GRAFANA_ADMIN_PASSWORD"):
        assert f"{key}=" in example
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()


def test_prometheus_scrapes_every_api_replica() -> None:
    config = yaml.safe_load((ROOT / "deploy/compose/prometheus/prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "tickercast-api")
    # DNS discovery gives one target per replica (a static target would hit one at random)
    assert job["dns_sd_configs"] == [
        {"names": ["api"], "type": "A", "port": 8000, "refresh_interval": "15s"}
    ]
    # /metrics needs an admin key in required mode: a key file beside the config, never committed
    assert job["authorization"] == {
        "type": "Bearer",
        "credentials_file": "/etc/prometheus/tickercast.key",
    }
    assert (
        "deploy/compose/prometheus/tickercast.key" in (ROOT / ".gitignore").read_text().splitlines()
    )


def test_grafana_dashboard_uses_metrics_the_service_exports() -> None:
    from tickercast.serving.metrics import Metrics

    exported = Metrics().render().decode()
    dashboard = json.loads((ROOT / "deploy/compose/grafana/dashboards/tickercast.json").read_text())
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("request rate", "latency", "predictions", "accuracy vs naive"):
        assert topic in titles
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for name in (
                "tickercast_http_requests_total",
                "tickercast_http_request_duration_seconds_bucket",
                "tickercast_predictions_total",
                "tickercast_prediction_writer_queue_depth",
            ):
                if name in target.get("expr", ""):
                    family = name.removesuffix("_total").removesuffix("_bucket")
                    assert family in exported, f"{name} is not exported by the service"
