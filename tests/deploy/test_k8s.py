"""Every kustomize overlay renders with `kubectl kustomize` and every object validates,
strictly (unknown fields rejected), against the Kubernetes 1.31 schemas bundled with
kubernetes-validate: offline, no cluster needed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"
OVERLAYS = ("dev", "prod")


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        reason = "kubectl is not installed (apt-get install kubernetes-client)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires kubectl: {reason}")
        pytest.skip(reason)
    return kubectl


def render(overlay: str, tmp_path: Path) -> list[dict[str, Any]]:
    """The overlay's objects, rendered from a copy of deploy/k8s whose uncommitted secrets
    files are filled from their committed examples."""
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree, ignore=shutil.ignore_patterns("secrets.env"))
    for example in tree.rglob("secrets.env.example"):
        shutil.copy(example, example.with_name("secrets.env"))
    done = subprocess.run(
        [_kubectl(), "kustomize", str(tree / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def _kinds(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        kinds.setdefault(obj["kind"], []).append(obj)
    return kinds


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_objects_validate_strictly(overlay: str, tmp_path: Path) -> None:
    objects = render(overlay, tmp_path)
    assert objects
    failures = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(
                f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}"
            )
    assert not failures, "\n".join(failures)


def test_strict_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    deployment = next(o for o in render("prod", tmp_path) if o["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_has_every_workload_the_service_needs(overlay: str, tmp_path: Path) -> None:
    kinds = _kinds(render(overlay, tmp_path))
    for kind in (
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Job",
        "CronJob",
    ):
        assert kind in kinds, f"{overlay} renders no {kind}"
    assert {c["metadata"]["name"] for c in kinds["CronJob"]} == {
        "tickercast-update",
        "tickercast-retrain",
    }
    job = kinds["Job"][0]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"][0] == "init"
    if overlay == "prod":
        assert job["args"] == ["init", "--no-sample"]
        assert "Secret" not in kinds, "prod must reference its Secret, not carry one"
    else:
        names = {d["metadata"]["name"] for d in kinds["Deployment"] + kinds.get("StatefulSet", [])}
        assert {"postgres", "redis", "mlflow"} <= names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_pods_probe_health_and_run_locked_down(overlay: str, tmp_path: Path) -> None:
    kinds = _kinds(render(overlay, tmp_path))
    api = next(d for d in kinds["Deployment"] if d["metadata"]["name"] == "tickercast-api")
    pod = api["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    secret_refs = [
        e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e
    ]
    assert secret_refs and set(secret_refs) == {"tickercast-secrets"}


def test_no_secret_values_are_committed() -> None:
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "deploy/k8s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not [path for path in tracked if path.endswith("secrets.env")]
    for path in tracked:
        text = (ROOT / path).read_text()
        assert "kind: Secret\n" not in text, f"{path} commits a Secret object"
