from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tickercast.config import Settings

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> Run:
    """Run the real ``tickercast`` entry point in a subprocess on this test's data dir."""

    def run(
        *args: str, settings: Settings | None = None, ok: bool | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "200", "TICKERCAST_DATA_DIR": str(tmp_path / "var")}
        if settings is not None:
            env["TICKERCAST_DATA_DIR"] = str(settings.data_dir)
            env["TICKERCAST_DATABASE_URL"] = settings.resolved_database_url
            env["TICKERCAST_MLFLOW_TRACKING_URI"] = settings.resolved_mlflow_tracking_uri
        result = subprocess.run(
            [sys.executable, "-m", "tickercast", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        if ok is True:
            assert result.returncode == 0, result.stderr
        if ok is False:
            assert result.returncode != 0, result.stdout
        return result

    return run
