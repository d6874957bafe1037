"""Header and body read deadlines for each HTTP request (issue 9, defect 8).

uvicorn bounds only the idle time between requests (``timeout_keep_alive``); a client that
sends its headers or its body a byte at a time holds a connection (and, for the body, a
running request) for ever. This protocol is uvicorn's httptools protocol plus two deadlines,
measured from the start of a request rather than between bytes, so trickling does not reset
them:

- headers: from the connection (or the previous response) until the headers are complete,
  ``http_header_timeout_s``; a request that misses it is closed without an answer.
- body: from the end of the headers until the whole body arrived, ``http_body_timeout_s``;
  a request that misses it gets ``408 Request Timeout`` (if nothing was answered yet) and the
  connection is closed, so the route waiting on the body sees a disconnect.

The guard has to sit at the protocol level: an ASGI middleware is first called after the
headers are complete, so it cannot see a slow header, and it cannot close the socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tickercast.config import get_settings

__all__ = ["DeadlineHttpProtocol"]

log = logging.getLogger(__name__)

_TIMEOUT_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s"
)


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read deadlines (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = get_settings()  # read in each worker process, from its environment
        self.header_timeout_s = settings.http_header_timeout_s
        self.body_timeout_s = settings.http_body_timeout_s
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout_s, self._headers_too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a keep-alive connection's next request
            self._arm(self.header_timeout_s, self._headers_too_slow)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        self._arm(self.body_timeout_s, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _arm(self, delay_s: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay_s, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered (pipelined bytes wait for it)
        log.info("closed a connection whose headers took over %.0f s", self.header_timeout_s)
        self.transport.close()

    def _body_too_slow(self) -> None:
        self._deadline = None
        log.info("closed a request whose body took over %.0f s", self.body_timeout_s)
        if self.cycle is not None and not self.cycle.response_started:
            detail = f"the request body did not arrive within {self.body_timeout_s:g} s"
            body = (
                b'{"type":"about:blank","title":"Request Timeout","status":408,"detail":"%s"}'
                % detail.encode()
            )
            self.transport.write(_TIMEOUT_408 % (len(body), body))
            self.cycle.response_complete = True  # the app's late answer goes nowhere
            self.cycle.disconnected = True
        self.transport.close()
