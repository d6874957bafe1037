"""Schemathesis hooks for tests/serving/test_fuzz_openapi.py (loaded by SCHEMATHESIS_HOOKS).

One rule of the API cannot be written in JSON Schema: ``start`` must not be after ``end``
(a 422 that says so). Such queries are dropped from generation, so that the
``positive_data_acceptance`` check only sees requests the schema can call valid.
"""

from __future__ import annotations

import datetime as dt
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
