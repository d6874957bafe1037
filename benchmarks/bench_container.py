"""Container image figures: size, rebuild time after a source change, start-to-ready time.

    python benchmarks/bench_container.py [--image localhost/tickercast:bench]

Builds with podman on the local Debian base from the cached wheelhouse (as the container test
does; run tests/deploy's helpers first or `deploy/container/build-base.sh` and
`deploy/container/wheelhouse.sh`). The rebuild is measured from a copy of the repository
whose package source differs by one comment, so only the layers after `COPY src` rerun (the
warm CI case). Cold builds (empty layer cache) are timed with `make image ... ` by hand, see
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.deploy import podman  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rebuild_after_source_change(tag: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.pyc"))
        init = copy / "src" / "tickercast" / "__init__.py"
        init.write_text(init.read_text() + f"\n# bench {time.time()}\n")
        started = time.perf_counter()
        podman.run(
            [
                "podman",
                "build",
                "--format",
                "docker",
                "--network",
                "host",
                "--build-arg",
                f"BASE_IMAGE={podman.BASE_IMAGE}",
                "--build-arg",
                "PIP_INSTALL_ARGS=--no-index --find-links /wheels",
                "--volume",
                f"{podman.cache_dir() / 'wheelhouse'}:/wheels:ro",
                "--tag",
                tag,
                "--file",
                str(copy / "Containerfile"),
                str(copy),
            ],
            timeout=1800,
        )
        return time.perf_counter() - started


def start_to_ready(tag: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        volume = Path(tmp) / "data"
        volume.mkdir()
        os.chown(volume, 10001, 10001)
        podman.run(
            [
                "podman",
                "run",
                "--rm",
                "--network",
                "host",
                "--read-only",
                "--volume",
                f"{volume}:/data",
                tag,
                "init",
                "--json",
            ],
            timeout=900,
        )
        port = _free_port()
        started = time.perf_counter()
        cid = podman.run(
            [
                "podman",
                "run",
                "--detach",
                "--network",
                "host",
                "--read-only",
                "--volume",
                f"{volume}:/data",
                "--env",
                f"TICKERCAST_PORT={port}",
                tag,
            ]
        ).stdout.strip()
        try:
            while time.perf_counter() - started < 300:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            raise SystemExit("not ready after 300 s")
        finally:
            podman.run(["podman", "rm", "--force", cid], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="localhost/tickercast:bench")
    args = parser.parse_args()
    rebuild = rebuild_after_source_change(args.image)
    size = podman.run(["podman", "image", "inspect", "--format", "{{.Size}}", args.image])
    ready = start_to_ready(args.image)
    print(f"image size: {int(size.stdout) / 1e6:.0f} MB")
    print(f"rebuild after a source change: {rebuild:.1f} s")
    print(f"start to ready (podman run -d -> /readyz 200): {ready:.1f} s")


if __name__ == "__main__":
    main()
