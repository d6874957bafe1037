"""A TCP proxy in front of a server (PostgreSQL in the outage tests) that a test controls.

Modes: ``forward`` (pass bytes both ways), ``refuse`` (close every connection and stop
listening, so connects get "connection refused"), ``blackhole`` (accept connections and
keep them open, but pass nothing either way: a frozen server or a dropped network), and
``recover()`` (back to forward; bytes held during a blackhole flow again). One thread with
a selector; the port stays the same across modes.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from typing import Literal

from sqlalchemy.engine import make_url

Mode = Literal["forward", "refuse", "blackhole"]


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = self._listen(0)
        self.port: int = self._listener.getsockname()[1]
        self.mode: Mode = "forward"
        self._peers: dict[socket.socket, socket.socket | None] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._lock = threading.Lock()
        self._wanted: Mode = "forward"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in [*self._peers, self._listener]:
            if sock is not None:
                sock.close()

    def set_mode(self, mode: Mode) -> None:
        """Switch mode; returns once the proxy thread has applied it."""
        applied = threading.Event()
        with self._lock:
            self._wanted = mode
            self._applied = applied
        applied.wait(timeout=5)

    def recover(self) -> None:
        self.set_mode("forward")

    def forward(self) -> None:
        self.set_mode("forward")

    def refuse(self) -> None:
        self.set_mode("refuse")

    @classmethod
    def for_url(cls, url: str) -> TcpProxy:
        """A proxy in front of the server a SQLAlchemy URL points at."""
        parsed = make_url(url)
        return cls((parsed.host or "127.0.0.1", parsed.port or 5432))

    def url_through(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        parsed = make_url(url).set(host="127.0.0.1", port=self.port)
        return parsed.render_as_string(hide_password=False)

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.setblocking(False)
        return sock

    def _run(self) -> None:
        while not self._stop.is_set():
            self._apply_mode()
            for key, _ in self._selector.select(timeout=0.02):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._listener:
                    self._accept()
                else:
                    self._pump(sock)

    def _apply_mode(self) -> None:
        with self._lock:
            wanted, applied = self._wanted, getattr(self, "_applied", None)
            self._applied = None
        if wanted != self.mode:
            if wanted == "refuse":
                self._selector.unregister(self._listener)
                self._listener.close()
                for sock in list(self._peers):
                    self._drop(sock)
            elif self.mode == "refuse":
                self._listener = self._listen(self.port)
                self._selector.register(self._listener, selectors.EVENT_READ)
            if wanted == "blackhole":
                for sock in self._peers:
                    self._selector.unregister(sock)
            elif self.mode == "blackhole":
                for client in [c for c, up in self._peers.items() if up is None]:
                    self._connect_upstream(client)
                for sock in self._peers:
                    self._selector.register(sock, selectors.EVENT_READ)
            self.mode = wanted
        if applied is not None:
            applied.set()

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return
        if self.mode == "blackhole":
            self._peers[client] = None  # held open, answered by nobody
            return
        self._connect_upstream(client)
        for sock in (client, self._peers[client]):
            assert sock is not None
            self._selector.register(sock, selectors.EVENT_READ)

    def _connect_upstream(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream)
        upstream.setblocking(True)
        client.setblocking(True)
        self._peers[client] = upstream
        self._peers[upstream] = client

    def _pump(self, sock: socket.socket) -> None:
        peer = self._peers.get(sock)
        try:
            data = sock.recv(65536)
            if data and peer is not None:
                peer.sendall(data)
                return
        except OSError:
            pass
        self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        peer = self._peers.pop(sock, None)
        for s in (sock, peer):
            if s is None:
                continue
            self._peers.pop(s, None)
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(s)
            s.close()
