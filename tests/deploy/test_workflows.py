"""The GitHub Actions workflows validate offline against the GitHub workflow schema
(SchemaStore's, vendored by check-jsonschema) and hold the jobs the release process needs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _load(name: str) -> dict[Any, Any]:
    return dict(yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text()))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_validates_against_github_schema(path: Path) -> None:
    done = _check(path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_schema_rejects_a_job_without_runner(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  lint:\n    steps:\n      - run: ruff check\n")
    assert _check(broken).returncode != 0


def test_ci_lints_type_checks_and_tests_with_postgres_and_redis() -> None:
    jobs = _load("ci.yml")["jobs"]
    lint_steps = " ".join(step.get("run", "") for step in jobs["lint"]["steps"])
    assert "ruff check" in lint_steps and "mypy" in lint_steps
    assert set(jobs["test"]["services"]) == {"postgres", "redis"}
    assert "TICKERCAST_TEST_POSTGRES_URL" in jobs["test"]["env"]


def test_release_scans_pushes_on_tags_and_deploys_behind_approval() -> None:
    workflow = _load("release.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["tags"] == ["v*"]
    image, deploy = workflow["jobs"]["image"], workflow["jobs"]["deploy"]
    uses = [step.get("uses", "") for step in image["steps"]]
    assert any(u.startswith("aquasecurity/trivy-action") for u in uses)
    push = next(s for s in image["steps"] if s.get("name") == "push to GHCR")
    assert push["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert push["with"]["push"] is True
    assert deploy["environment"]["name"] == "production"
    assert deploy["needs"] == "image"
    runs = " ".join(step.get("run", "") for step in deploy["steps"])
    assert "kubectl apply -k deploy/k8s/overlays/prod" in runs
    assert runs.index("wait --for=condition=complete job/tickercast-migrate") < runs.index(
        "rollout status"
    )
