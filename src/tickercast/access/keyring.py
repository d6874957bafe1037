"""The keys a worker knows, cached in memory, and how changes reach every worker.

A request is checked against the in-memory record (no I/O on the hot path). A key a worker
has not seen is read from the database once; an id that does not exist is remembered as
unknown (ids are random, so one nobody holds now can only appear as a new, never-tried id).

Changes (revoke, rotate) must hold from the very next request in every worker and replica:
- with Redis, ``announce_key_change`` publishes the key id and waits until every subscribed
  worker has dropped its copy and acknowledged (PUBLISH returns how many received it);
- in any case each worker polls the key table every ``key_refresh_s`` (a backstop, and the
  way a CLI change reaches a server that has no Redis);
- the admin HTTP routes also drop the copy in their own worker directly.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import OrderedDict

import redis
from sqlalchemy.orm import Session, sessionmaker

from tickercast.access.records import KeyRecord, as_utc, record_from_row
from tickercast.storage import api_keys

__all__ = ["KeyWatcher", "Keyring", "announce_key_change"]

log = logging.getLogger(__name__)

_UNKNOWN_MAX = 10_000


def _channel(prefix: str) -> str:
    return f"{prefix}:keys:changed"


class Keyring:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._known: dict[str, KeyRecord] = {}
        self._unknown: OrderedDict[str, None] = OrderedDict()
        self._generation = 0  # bumped by every forget(): a read racing one is not cached

    def get(self, key_id: str) -> KeyRecord | None:
        record = self._known.get(key_id)
        if record is not None or key_id in self._unknown:
            return record
        generation = self._generation
        with self._sessions() as session:
            row = api_keys.get_api_key(session=session, key_id=key_id)
            record = record_from_row(row) if row is not None else None
        if generation == self._generation:
            if record is None:
                self._unknown[key_id] = None
                if len(self._unknown) > _UNKNOWN_MAX:
                    self._unknown.popitem(last=False)
            else:
                self._known[key_id] = record
        return record

    def forget(self, key_id: str | None = None) -> None:
        """Drop one key (or all) so the next request reads it afresh."""
        self._generation += 1
        if key_id is None:
            self._known.clear()
            self._unknown.clear()
        else:
            self._known.pop(key_id, None)
            self._unknown.pop(key_id, None)


class KeyWatcher:
    """Background threads that keep a Keyring fresh: a database poll, and with Redis a
    subscription to key changes that acknowledges each one."""

    def __init__(
        self,
        keyring: Keyring,
        sessions: sessionmaker[Session],
        *,
        refresh_s: float,
        redis_url: str | None,
        prefix: str,
    ) -> None:
        self.keyring = keyring
        self._sessions = sessions
        self._refresh_s = refresh_s
        self._redis_url = redis_url
        self._prefix = prefix
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._version: tuple[int, dt.datetime | None] | None = None
        self._subscribed = threading.Event()

    def start(self) -> None:
        self._version = self._read_version()
        self._threads = [threading.Thread(target=self._poll, name="key-poll", daemon=True)]
        if self._redis_url:
            self._threads.append(
                threading.Thread(target=self._listen, name="key-listen", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        if self._redis_url and not self._subscribed.wait(5):
            log.warning("key changes: not subscribed to Redis yet; relying on the poll")

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _read_version(self) -> tuple[int, dt.datetime | None]:
        with self._sessions() as session:
            count, newest = api_keys.key_table_version(session=session)
        return count, as_utc(newest)

    def _poll(self) -> None:
        while not self._stop.wait(self._refresh_s):
            try:
                version = self._read_version()
            except Exception as exc:  # the database may be away for a while; keep polling
                log.warning("key changes: cannot read the key table: %s", type(exc).__name__)
                continue
            if version != self._version:
                self._version = version
                self.keyring.forget()

    def _listen(self) -> None:
        assert self._redis_url is not None
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(self._redis_url)
                with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    pubsub.subscribe(_channel(self._prefix))
                    self.keyring.forget()  # changes while unsubscribed are not missed
                    self._subscribed.set()
                    while not self._stop.is_set():
                        message = pubsub.get_message(timeout=0.5)
                        if message is not None:
                            change_id, _, key_id = message["data"].decode().partition(" ")
                            self.keyring.forget(key_id or None)
                            ack = f"{self._prefix}:keys:ack:{change_id}"
                            pipe = client.pipeline()
                            pipe.incr(ack)
                            pipe.expire(ack, 60)
                            pipe.execute()
                client.close()
            except redis.RedisError as exc:
                self._subscribed.clear()
                log.warning("key changes: Redis subscription lost (%s); retrying", exc)
                self._stop.wait(1.0)


def announce_key_change(
    redis_url: str | None, prefix: str, key_id: str, *, timeout_s: float = 3.0
) -> int:
    """Tell every worker subscribed through Redis that ``key_id`` changed, and wait until
    each has dropped it. Returns how many acknowledged (0 without Redis: the workers' poll
    picks the change up within ``key_refresh_s``)."""
    if not redis_url:
        return 0
    change_id = uuid.uuid4().hex
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        receivers = int(client.publish(_channel(prefix), f"{change_id} {key_id}"))  # type: ignore[arg-type]
        ack = f"{prefix}:keys:ack:{change_id}"
        deadline = time.monotonic() + timeout_s
        acked = 0
        while receivers and time.monotonic() < deadline:
            acked = int(client.get(ack) or 0)  # type: ignore[arg-type]
            if acked >= receivers:
                break
            time.sleep(0.005)
        if acked < receivers:
            log.warning(
                "key %s: %d of %d workers acknowledged the change; the rest see it within "
                "their key poll",
                key_id,
                acked,
                receivers,
            )
        return acked
    except redis.RedisError as exc:
        log.warning(
            "key %s: Redis unreachable (%s); workers see the change within their key poll",
            key_id,
            type(exc).__name__,
        )
        return 0
    finally:
        client.close()
