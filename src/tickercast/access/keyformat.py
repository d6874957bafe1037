"""The key string: ``tck_<key id>_<secret><checksum>``.

- ``tck_``: a prefix secret scanners and people recognise;
- key id: 16 hex digits (64 random bits), not secret, used to look the key up;
- secret: 43 base62 characters (256 random bits);
- checksum: CRC32 of everything before it, 6 base62 characters, so a mistyped or truncated
  key is refused before any lookup.

Only SHA-256 of the secret is stored. A slow password hash (bcrypt, argon2) protects
low-entropy passwords; a 256-bit random secret cannot be guessed from its SHA-256, and the
check must cost microseconds on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

from tickercast.errors import AuthenticationError

__all__ = ["PREFIX", "ParsedKey", "hash_secret", "new_key", "new_key_id", "parse_key", "verify"]

PREFIX = "tck_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SECRET_CHARS = 43  # 62**43 > 2**256
_CHECK_CHARS = 6  # 62**6 > 2**32
_SHAPE = re.compile(r"tck_([0-9a-f]{16})_([0-9A-Za-z]{43})([0-9A-Za-z]{6})")


@dataclass(frozen=True, repr=False)
class ParsedKey:
    key_id: str
    secret: str

    def __repr__(self) -> str:  # never print the secret, even in a traceback
        return f"ParsedKey(key_id={self.key_id!r}, secret=<hidden>)"


def _base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECK_CHARS)


def new_key_id() -> str:
    return secrets.token_hex(8)


def new_key(key_id: str | None = None) -> tuple[str, ParsedKey]:
    """A fresh key string and its parts (a given ``key_id`` keeps it, for rotation)."""
    key_id = key_id or new_key_id()
    secret = _base62(secrets.randbits(256), _SECRET_CHARS)
    body = f"{PREFIX}{key_id}_{secret}"
    return body + _checksum(body), ParsedKey(key_id, secret)


def parse_key(text: str) -> ParsedKey:
    """The parts of a well-formed key; AuthenticationError says which check failed."""
    match = _SHAPE.fullmatch(text)
    if match is None:
        if not text.startswith(PREFIX):
            raise AuthenticationError(f"the API key does not start with {PREFIX!r}")
        raise AuthenticationError(
            f"the API key is not {PREFIX}<16 hex digits>_<49 letters or digits>; "
            "was it cut or padded?"
        )
    key_id, secret, check = match.groups()
    if not hmac.compare_digest(check, _checksum(f"{PREFIX}{key_id}_{secret}")):
        raise AuthenticationError("the API key's checksum does not match: it was mistyped")
    return ParsedKey(key_id, secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of the secret's hash with the stored one."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
