"""Fixtures for the live package's tests (shared ones come from tests/serving)."""

from tests.serving.conftest import amzn_settings

__all__ = ["amzn_settings"]
