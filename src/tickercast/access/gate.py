"""AccessControl: the one check every request goes through, whichever layer answers it
(the FastAPI middleware or the /predict_next_price fast path).

    requirement (policy) -> key (parse, lookup, secret, revoked, expired) -> scope
    -> rate limit -> daily quota -> Admission (who, and the RateLimit header values)

Failed authentications count against the caller's IP; past ``failed_auth_rate`` they get
429 instead of 401 (a valid key from the same IP still works, so a noisy neighbour behind
one NAT cannot lock others out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from tickercast.access.keyformat import hash_secret, parse_key
from tickercast.access.keyring import Keyring, KeyWatcher
from tickercast.access.limiter import Limiter, Policy, Standing
from tickercast.access.policy import Requirement, requirement_for
from tickercast.access.rates import parse_rate
from tickercast.access.records import KeyRecord
from tickercast.access.usage import UsageRecorder
from tickercast.config import Settings
from tickercast.errors import AuthenticationError, PermissionDenied, RateLimited

__all__ = ["AccessControl", "Admission", "utc_now"]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)  # made on every request: slots, not frozen (a faster __init__)
class Admission:
    """A request let through: by ``key`` (None: anonymous or a public route) with the
    ``RateLimit-Policy`` / ``RateLimit`` header values to send ('' when no limit applied)."""

    key: KeyRecord | None
    policy_field: str = ""
    limit_field: str = ""
    anonymous: bool = field(default=False)
    now: dt.datetime | None = None  # the clock reading the checks used (usage counts it too)

    @property
    def key_id(self) -> str:
        return self.key.key_id if self.key is not None else "anonymous"


PUBLIC = Admission(None)
_ANONYMOUS_MAY = (Requirement.READ, Requirement.PREDICT, Requirement.FORECAST)
_MISSING = (
    "this endpoint needs an API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"
)


class AccessControl:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.required = settings.auth == "required"
        self.metrics_public = settings.metrics_public
        self.clock = clock
        self.sessions = sessions
        self.keyring = Keyring(sessions)
        self.limiter = Limiter(settings.redis_url, prefix=settings.redis_prefix, clock=clock)
        self.usage = UsageRecorder(sessions, clock=clock, flush_s=settings.usage_flush_s)
        self.watcher = KeyWatcher(
            self.keyring,
            sessions,
            refresh_s=settings.key_refresh_s,
            redis_url=settings.redis_url,
            prefix=settings.redis_prefix,
        )
        anonymous = parse_rate(settings.anonymous_rate)
        self._anonymous = Policy("anonymous", anonymous) if anonymous else None
        failures = parse_rate(settings.failed_auth_rate)
        self._failures = Policy("auth-failures", failures) if failures else None
        self._parsed: dict[bytes, tuple[str, str]] = {}

    def start(self) -> None:
        self.watcher.start()
        self.usage.start()

    def close(self) -> None:
        self.watcher.stop()
        self.usage.close()

    def requirement(self, method: str, path: str) -> Requirement:
        return requirement_for(method, path, metrics_public=self.metrics_public)

    def admit(self, requirement: Requirement, credential: str | None, client_ip: str) -> Admission:
        """Let the request through, or raise AuthenticationError (401), PermissionDenied
        (403) or RateLimited (429)."""
        if requirement is Requirement.PUBLIC:
            return PUBLIC
        if credential is None:
            if not self.required and requirement in _ANONYMOUS_MAY:
                return self._admit_anonymous(client_ip)
            raise AuthenticationError(_MISSING)
        now = self.clock()
        key = self.authenticate(credential, client_ip, now)
        needed = requirement.scopes
        if needed and not needed & key.scopes:
            held = ", ".join(sorted(key.scopes)) or "none"
            wanted = " or ".join(repr(s.value) for s in sorted(needed))
            raise PermissionDenied(
                f"this endpoint needs the {wanted} scope; key {key.key_id} has {held}",
                key_id=key.key_id,
            )
        return self._admit_key(key, now)

    def authenticate(
        self, credential: str, client_ip: str, now: dt.datetime | None = None
    ) -> KeyRecord:
        """The valid, unexpired, unrevoked key ``credential`` names; a failure counts
        against ``client_ip``."""
        try:
            return self._key(credential, now or self.clock())
        except AuthenticationError as exc:
            if self._failures is not None:
                standing = self.limiter.hit(self._failures, f"ip:{client_ip}")
                if not standing.allowed:
                    raise _refused(
                        standing, "too many failed authentications from this address"
                    ) from exc
            raise

    def _parts(self, credential: str) -> tuple[str, str]:
        """Key id and SHA-256 of the secret. Parsing (shape, checksum) costs more than a
        hash, so well-formed credentials are remembered under their own SHA-256: the table
        holds digests only, never a secret."""
        fingerprint = hashlib.sha256(credential.encode()).digest()
        parts = self._parsed.get(fingerprint)
        if parts is None:
            parsed = parse_key(credential.strip())
            parts = (parsed.key_id, hash_secret(parsed.secret))
            if len(self._parsed) >= 10_000:
                self._parsed.clear()
            self._parsed[fingerprint] = parts
        return parts

    def _key(self, credential: str, now: dt.datetime) -> KeyRecord:
        key_id, secret_hash = self._parts(credential)
        key = self.keyring.get(key_id)
        if key is None:
            raise AuthenticationError("the API key is not known to this service")
        if not hmac.compare_digest(secret_hash, key.secret_hash) and not (
            key.previous_secret_hash is not None
            and key.previous_valid_until is not None
            and now < key.previous_valid_until
            and hmac.compare_digest(secret_hash, key.previous_secret_hash)
        ):
            raise AuthenticationError(
                f"the secret of API key {key.key_id} is wrong (was the key rotated?)"
            )
        if key.revoked_at is not None:
            raise AuthenticationError(
                f"API key {key.key_id} was revoked at {key.revoked_at.isoformat()}"
            )
        if key.expires_at is not None and now >= key.expires_at:
            raise AuthenticationError(
                f"API key {key.key_id} expired at {key.expires_at.isoformat()}"
            )
        return key

    def _admit_key(self, key: KeyRecord, now: dt.datetime) -> Admission:
        standings: list[Standing] = []
        for policy in (key.rate, key.quota):
            if policy is None:
                continue
            standing = self.limiter.hit(policy, key.key_id, now)
            if not standing.allowed:
                what = "daily quota" if policy.daily else "rate limit"
                raise _refused(
                    standing,
                    f"API key {key.key_id} used up its {what} of {policy.item.amount} "
                    f"per {policy.item.GRANULARITY.name}",
                    key.policy_field,
                    key.key_id,
                )
            standings.append(standing)
        limit_field = ", ".join([s.field for s in standings])
        return Admission(key, key.policy_field, limit_field, now=now)

    def _admit_anonymous(self, client_ip: str) -> Admission:
        if self._anonymous is None:
            return Admission(None, anonymous=True)
        standing = self.limiter.hit(self._anonymous, f"ip:{client_ip}")
        if not standing.allowed:
            raise _refused(
                standing,
                f"anonymous callers may make {self._anonymous.item.amount} requests per "
                f"{self._anonymous.item.GRANULARITY.name} from one address; send an API key",
            )
        return Admission(None, self._anonymous.field, standing.field, anonymous=True)


def _refused(
    standing: Standing, message: str, policy_field: str = "", key_id: str | None = None
) -> RateLimited:
    return RateLimited(
        f"{message}; retry in {standing.reset_s} s",
        retry_after_s=standing.reset_s,
        policy_field=policy_field or standing.policy.field,
        limit_field=standing.field,
        key_id=key_id,
    )
