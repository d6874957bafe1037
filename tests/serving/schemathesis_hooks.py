"""Schemathesis hooks for tests/serving/test_fuzz_openapi.py (loaded by SCHEMATHESIS_HOOKS).

One rule of the API cannot be written in JSON Schema: ``start`` must not be after ``end``
(a 422 that says so). Such queries are dropped from generation, so that the
``positive_data_acceptance`` check only sees requests the schema can call valid.

The run's own key (``TICKERCAST_FUZZ_KEY_ID``) is never revoked or rotated: the stateful
phase finds key ids in list answers, and a run that rotated its own key would spend the rest
of its requests on 401s and the per-IP limit of failed authentications.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

import schemathesis

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and _ISO.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@schemathesis.hook
def filter_query(context: Any, query: dict[str, Any] | None) -> bool:
    if not query:
        return True
    start, end = _date(query.get("start")), _date(query.get("end"))
    return not (start and end and start > end)


@schemathesis.hook
def filter_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> bool:
    own = os.environ.get("TICKERCAST_FUZZ_KEY_ID", "")
    key_id = (path_parameters or {}).get("key_id")
    return not (own and isinstance(key_id, str) and key_id.strip().lower() == own)
