"""A JSON response rendered by orjson: for large bodies whose rows the code built itself
and need no second validation pass."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

__all__ = ["OrjsonResponse", "json_response"]


class OrjsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


def json_response(content: Any, status_code: int = 200) -> OrjsonResponse:
    return OrjsonResponse(content, status_code=status_code)
