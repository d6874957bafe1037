"""Helpers to build and run the tickercast image with podman on this machine kind.

Podman runs with runc and the repository's containers.conf (no rlimits, no cgroup
manager): the default crun cannot start containers here. The base image is made locally
from Debian packages and the wheels come from a host wheelhouse, both cached in
TICKERCAST_CACHE_DIR (default /var/cache/tickercast-ci) so a second run rebuilds nothing.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINER_DIR = ROOT / "deploy" / "container"
BASE_IMAGE = "localhost/tickercast-base:bookworm"
TEST_IMAGE = "localhost/tickercast:test"
REQUIRED_TOOLS = ("podman", "runc", "mmdebstrap")


def cache_dir() -> Path:
    return Path(os.environ.get("TICKERCAST_CACHE_DIR", "/var/cache/tickercast-ci"))


def podman_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINER_DIR / "containers.conf")}


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if shutil.which(tool) is None]


def run(
    args: list[str], *, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command with podman's environment; a failure shows the command and its output."""
    done = subprocess.run(
        args, env=podman_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{shlex.join(args)} exited {done.returncode}\n"
            f"stdout: {done.stdout[-3000:]}\nstderr: {done.stderr[-3000:]}"
        )
    return done


def prepare_base_and_wheels() -> Path:
    """The local Debian base in podman's store and a filled wheelhouse (both cached)."""
    cache = cache_dir()
    run([str(CONTAINER_DIR / "build-base.sh"), BASE_IMAGE, str(cache)], timeout=900)
    wheelhouse = cache / "wheelhouse"
    pip = os.environ.get("PIP", f"{sys.executable} -m pip")
    done = subprocess.run(
        [str(CONTAINER_DIR / "wheelhouse.sh"), str(wheelhouse)],
        env={**podman_env(), "PIP": pip},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"wheelhouse.sh failed: {done.stderr[-3000:]}")
    return wheelhouse


def build_image(wheelhouse: Path, tag: str = TEST_IMAGE) -> None:
    """Build the Containerfile on the local base, installing offline from the wheelhouse."""
    run(
        [
            "podman",
            "build",
            "--format",
            "docker",
            "--network",
            "host",
            "--build-arg",
            f"BASE_IMAGE={BASE_IMAGE}",
            "--build-arg",
            "PIP_INSTALL_ARGS=--no-index --find-links /wheels",
            "--volume",
            f"{wheelhouse}:/wheels:ro",
            "--tag",
            tag,
            "--file",
            str(ROOT / "Containerfile"),
            str(ROOT),
        ],
        timeout=1200,
    )
