"""Encrypted exports: the JSON Lines of `tracker export`, sealed with a passphrase.

`tracker export --encrypt` writes this format instead of plain text;
`tracker import` and `tracker keys decrypt-export` recognise it by its first
bytes and read it with TRACKER_EXPORT_PASSPHRASE. The format, so that a short
program can read it without the tracker (the README shows one):

    magic   8 bytes   b"TRKEXP1\\n"
    salt    16 bytes  scrypt(passphrase, salt, n=2**15, r=8, p=1) gives the 32-byte key
    frames  each: length (4 bytes, big-endian) | nonce (12 bytes) | AES-GCM ciphertext + tag

Each frame holds up to 64 KiB of the UTF-8 text. Its associated data is the
magic, the salt, the frame's number (8 bytes, big-endian) and one byte, 1 for
the last frame and 0 otherwise: frames cannot be reordered, dropped or cut
off without the reader noticing.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tracker.errors import DomainError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer

MAGIC = b"TRKEXP1\n"
SALT_BYTES = 16
NONCE_BYTES = 12
FRAME_BYTES = 64 * 1024
PASSPHRASE = "TRACKER_EXPORT_PASSPHRASE"
MIN_PASSPHRASE = 12
SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 2**26, "dklen": 32}


class ExportRefused(DomainError):
    """An encrypted export that cannot be written or read: no passphrase, wrong one, damaged."""

    code = "export_refused"


def passphrase(env: Mapping[str, str] | None = None) -> str:
    """TRACKER_EXPORT_PASSPHRASE, which encrypted exports are written and read with."""
    value = (os.environ if env is None else env).get(PASSPHRASE, "")
    if len(value) < MIN_PASSPHRASE:
        raise ExportRefused(
            f"{PASSPHRASE} must be set to a passphrase of at least {MIN_PASSPHRASE} characters "
            "to write or read an encrypted export"
        )
    return value


def _cipher(secret: str, salt: bytes) -> AESGCM:
    return AESGCM(hashlib.scrypt(secret.encode("utf-8"), salt=salt, **SCRYPT))


def _associated(header: bytes, number: int, last: bool) -> bytes:
    return header + struct.pack(">Q?", number, last)


class _Frames(io.RawIOBase):
    """The binary stream under the export's text: cuts it into sealed frames."""

    def __init__(self, out: BinaryIO, secret: str, frame_bytes: int) -> None:
        super().__init__()
        self._frame_bytes = frame_bytes
        salt = os.urandom(SALT_BYTES)
        self._out, self._header = out, MAGIC + salt
        self._aead = _cipher(secret, salt)
        self._pending = bytearray()
        self._number = 0
        out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data)
        self._pending += view
        while len(self._pending) > self._frame_bytes:
            self._emit(bytes(self._pending[: self._frame_bytes]), last=False)
            del self._pending[: self._frame_bytes]
        return view.nbytes

    def finish(self) -> None:
        """Seal what is left as the last frame: only then is the file complete."""
        self._emit(bytes(self._pending), last=True)
        self._pending.clear()
        self._out.flush()

    def _emit(self, plain: bytes, *, last: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plain, _associated(self._header, self._number, last))
        self._out.write(struct.pack(">I", NONCE_BYTES + len(sealed)) + nonce + sealed)
        self._number += 1


@contextmanager
def sealing(out: BinaryIO, secret: str, frame_bytes: int = FRAME_BYTES) -> Iterator[TextIO]:
    """A text stream whose lines reach `out` encrypted; complete only if the block ends well."""
    frames = _Frames(out, secret, frame_bytes)
    text = io.TextIOWrapper(io.BufferedWriter(frames), encoding="utf-8", newline="\n")
    yield text
    text.flush()
    frames.finish()


@contextmanager
def export_output(output: Path | None, encrypt: bool) -> Iterator[TextIO]:
    """Where `tracker export` writes: `output` or stdout, plain or encrypted."""
    secret = passphrase() if encrypt else ""
    if output is None:
        if not encrypt:
            yield sys.stdout
            return
        with sealing(sys.stdout.buffer, secret) as text:
            yield text
        return
    if not encrypt:
        with output.open("w", encoding="utf-8") as out:
            yield out
        return
    with output.open("wb") as raw, sealing(raw, secret) as text:
        yield text


class _Opening(io.RawIOBase):
    """The plain bytes of an encrypted export, frame by frame."""

    def __init__(self, source: BinaryIO, secret: str) -> None:
        super().__init__()
        salt = source.read(SALT_BYTES)
        if len(salt) != SALT_BYTES:
            raise ExportRefused("the encrypted export is cut short in its header")
        self._source, self._header = source, MAGIC + salt
        self._aead = _cipher(secret, salt)
        self._number = 0
        self._done = False
        self._plain = b""
        self._next = self._length()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        while not self._plain and not self._done:
            self._plain = self._frame()
        view = memoryview(buffer).cast("B")
        count = min(view.nbytes, len(self._plain))
        view[:count] = self._plain[:count]
        self._plain = self._plain[count:]
        return count

    def _length(self) -> int | None:
        raw = self._source.read(4)
        if not raw:
            return None
        if len(raw) != 4:
            raise ExportRefused(f"the encrypted export is cut short in part {self._number + 1}")
        return int(struct.unpack(">I", raw)[0])

    def _frame(self) -> bytes:
        length = self._next
        body = self._source.read(length) if length else b""
        if length is None or len(body) != length or length < NONCE_BYTES:
            raise ExportRefused(f"the encrypted export is cut short in part {self._number + 1}")
        self._next = self._length()
        last = self._next is None
        plain = self._open(body, last)
        self._number += 1
        self._done = last
        return plain

    def _open(self, body: bytes, last: bool) -> bytes:
        nonce, sealed = body[:NONCE_BYTES], body[NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, sealed, _associated(self._header, self._number, last))
        except InvalidTag:
            pass
        if last:
            try:
                self._aead.decrypt(nonce, sealed, _associated(self._header, self._number, False))
            except InvalidTag:
                pass
            else:
                raise ExportRefused(f"the encrypted export is cut short after part {self._number}")
        if self._number == 0:
            raise ExportRefused(f"{PASSPHRASE} does not open this export (or the file is damaged)")
        raise ExportRefused(f"part {self._number + 1} of the encrypted export is damaged")


def opened(source: BinaryIO, secret: str) -> BinaryIO:
    """The export's plain bytes; its first part is opened at once: a wrong passphrase fails here."""
    reader = io.BufferedReader(_Opening(source, secret), FRAME_BYTES)
    reader.peek(1)
    return reader


def export_lines(source: BinaryIO) -> Iterable[bytes]:
    """The lines of an export file, plain or encrypted (a file, not a pipe: it is read twice)."""
    if source.read(len(MAGIC)) != MAGIC:
        source.seek(0)
        return source
    return opened(source, passphrase())
