"""Keys for encryption at rest: parsed from the environment, checked, and used to seal.

A key is 32 random bytes written in base64 (`tracker keys generate` prints
one). Stored bodies are sealed the way the event store's settings seal them:
compressed with zlib, then encrypted with the library's AES-GCM cipher
(`eventsourcing.cryptography:AESCipher`). A `KeyRing` holds the key to write
with and, while the store is re-encrypted to it, the old key: reading tries
the new key, then the old one.

A key is never stored. The store records a check value instead: an HMAC of a
fixed text under the key, which tells a wrong key from the right one and says
nothing about the key itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from tracker.errors import DomainError

KEY_BYTES = 32
CURRENT = "TRACKER_CIPHER_KEY"
OLD = "TRACKER_CIPHER_KEY_OLD"
CHECK_TEXT = b"agreement tracker: key check value"


class KeyRefused(DomainError):
    """A key that is malformed, missing, or not the store's: nothing is read or written."""

    code = "key_refused"


class Unreadable(ValueError):
    """A sealed body that opens with none of the ring's keys."""


def generate_key() -> str:
    """A new random key, as TRACKER_CIPHER_KEY takes it."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class Key:
    secret: bytes = field(repr=False)

    @classmethod
    def parse(cls, text: str, name: str = CURRENT) -> Key:
        """The key written in base64 in `text`; `name` is the setting it came from."""
        try:
            secret = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != KEY_BYTES:
            raise KeyRefused(
                f"{name} must be a base64 key of {KEY_BYTES} bytes "
                "(`tracker keys generate` prints a new one)"
            )
        return cls(secret)

    @property
    def encoded(self) -> str:
        return base64.b64encode(self.secret).decode("ascii")

    @property
    def check(self) -> str:
        """The value the store records to recognise this key (it reveals nothing of it)."""
        return hmac.new(self.secret, CHECK_TEXT, hashlib.sha256).hexdigest()[:32]

    @cached_property
    def cipher(self) -> AESCipher:
        return AESCipher(Environment(env={"CIPHER_KEY": self.encoded}))


@dataclass(frozen=True)
class KeyRing:
    """The key to write with (None: the store is plain), and the old one while rotating."""

    current: Key | None = None
    old: Key | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KeyRing:
        """TRACKER_CIPHER_KEY and TRACKER_CIPHER_KEY_OLD; empty or unset means none."""
        env = os.environ if env is None else env
        current, old = env.get(CURRENT, "").strip(), env.get(OLD, "").strip()
        if old and not current:
            raise KeyRefused(f"{OLD} is only read while rotating, with the new key in {CURRENT}")
        return cls(
            Key.parse(current, CURRENT) if current else None,
            Key.parse(old, OLD) if old else None,
        )

    @property
    def encrypted(self) -> bool:
        return self.current is not None

    def encrypt(self, data: bytes) -> bytes:
        """AES-GCM under the current key (the caller compresses first)."""
        if self.current is None:
            raise KeyRefused(f"there is no key to encrypt with: set {CURRENT}")
        return bytes(self.current.cipher.encrypt(data))

    def decrypt(self, data: bytes) -> bytes:
        """Opened with the current key, else the old one; `Unreadable` if neither opens it."""
        for key in (self.current, self.old):
            if key is not None:
                try:
                    return bytes(key.cipher.decrypt(data))
                except ValueError:
                    continue
        raise Unreadable("opens with none of the keys given")

    def seal(self, data: bytes) -> bytes:
        """Compressed, then encrypted: how every stored body is kept when there is a key."""
        return self.encrypt(zlib.compress(data))

    def unseal(self, data: bytes) -> bytes:
        return zlib.decompress(self.decrypt(data))

    def seal_text(self, text: str) -> str:
        """Text for a text column: sealed and base64-encoded, or unchanged without a key."""
        if self.current is None:
            return text
        return base64.b64encode(self.seal(text.encode("utf-8"))).decode("ascii")

    def open_text(self, stored: str) -> str:
        if self.current is None:
            return stored
        return self.unseal(base64.b64decode(stored)).decode("utf-8")


PLAIN = KeyRing()
"""No key: bodies and documents are kept as they are."""


class KeyRingCipher(Cipher):
    """The event store's cipher: the library's AES-GCM, writing with the current key.

    Configured by the application's `CIPHER_KEY` and `CIPHER_KEY_OLD` settings
    (see `tracker.store.cipher_env`); reading tries the new key, then the old.
    """

    def __init__(self, environment: Environment) -> None:
        self.keys = KeyRing.from_env(
            {CURRENT: environment.get("CIPHER_KEY", ""), OLD: environment.get("CIPHER_KEY_OLD", "")}
        )

    def encrypt(self, plaintext: bytes) -> bytes:
        return self.keys.encrypt(plaintext)

    def decrypt(self, ciphertext: bytes) -> bytes:
        return self.keys.decrypt(ciphertext)
