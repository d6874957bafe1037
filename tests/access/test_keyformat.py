from __future__ import annotations

import pytest

from tickercast.access.keyformat import PREFIX, hash_secret, new_key, parse_key, verify
from tickercast.errors import AuthenticationError


def test_new_key_parses_back_to_its_parts() -> None:
    key, parts = new_key()
    assert key.startswith(PREFIX)
    assert len(key) == 70
    parsed = parse_key(key)
    assert (parsed.key_id, parsed.secret) == (parts.key_id, parts.secret)
    assert len(parsed.key_id) == 16


def test_new_keys_differ_and_rotation_keeps_the_id() -> None:
    first, parts = new_key()
    second, rotated = new_key(parts.key_id)
    assert first != second
    assert rotated.key_id == parts.key_id
    assert rotated.secret != parts.secret


@pytest.mark.parametrize("position", [5, 20, 30, 60, 69])
def test_checksum_catches_one_mistyped_character(position: int) -> None:
    key, _ = new_key()
    swapped = "b" if key[position] != "b" else "c"
    typo = key[:position] + swapped + key[position + 1 :]
    with pytest.raises(AuthenticationError, match=r"checksum|not tck_"):
        parse_key(typo)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sk_live_abc", "does not start with 'tck_'"),
        ("tck_0123", "was it cut or padded"),
        ("", "does not start with"),
    ],
)
def test_parse_key_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(AuthenticationError, match=message):
        parse_key(text)


def test_truncated_key_is_refused_before_any_lookup() -> None:
    key, _ = new_key()
    with pytest.raises(AuthenticationError, match="cut or padded"):
        parse_key(key[:-1])


def test_verify_compares_sha256_of_the_secret() -> None:
    _, parts = new_key()
    stored = hash_secret(parts.secret)
    assert len(stored) == 64 and parts.secret not in stored
    assert verify(parts.secret, stored)
    assert not verify(parts.secret[:-1] + "x", stored)


def test_parsed_key_repr_hides_the_secret() -> None:
    key, parts = new_key()
    assert parts.secret not in repr(parse_key(key))
