from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tickercast.config import Settings


@pytest.fixture(scope="session")
def mlflow_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One temporary MLflow store for the session (creating one takes seconds); tests keep
    apart by using their own ticker."""
    root: Path = tmp_path_factory.mktemp("mlflow")
    return Settings(data_dir=root, mlflow_tracking_uri=f"sqlite:///{root}/mlflow.db")


@pytest.fixture
def ticker() -> str:
    return "T" + uuid.uuid4().hex[:6].upper()
