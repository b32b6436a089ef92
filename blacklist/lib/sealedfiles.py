"""Files sealed at rest: AES-GCM chunks under FIELD_ENCRYPTION_KEYS, written and read as streams.

Used for whatever holds full ID numbers on disk: the identity snapshot files, the list
files officials upload and the documents people attach to objections.

A sealed file is MAGIC, then records of a 4-byte big-endian length and a `seal_bytes` chunk.
Each chunk's authenticated context is MAGIC + its index + whether it is the last one, so a file
cut short, chunks reordered or spliced from another file do not open.
"""

import hashlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, BinaryIO

from blacklist.registry import identity

MAGIC = b"BLSNAP1\n"  # the first sealed files were snapshots; the format is the same for all
PLAIN_CHUNK = 64 * 1024
_LENGTH = 4


def _context(index: int, *, last: bool) -> bytes:
    return MAGIC + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Plain bytes in, sealed bytes on disk; the SHA-256 and size are of the plain bytes.

    Writes to a new file at `path`, or into an open binary file that stays the caller's
    (a temporary file that is then handed to a storage backend).
    """

    def __init__(self, path: Path | IO[bytes], *, keys: Sequence[str]) -> None:
        self._owned = isinstance(path, Path)
        # A new path is never opened over another file.
        self._file: IO[bytes] = path.open("xb") if isinstance(path, Path) else path
        self._keys = keys
        self._hash = hashlib.sha256()
        self._pending = bytearray()
        self._index = 0
        self.size = 0
        self._file.write(MAGIC)

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)
        self._pending += data
        while len(self._pending) > PLAIN_CHUNK:
            self._seal(bytes(self._pending[:PLAIN_CHUNK]), last=False)
            del self._pending[:PLAIN_CHUNK]

    def close(self) -> str:
        """Finish the file, on disk for good (fsync), and return the plain bytes' SHA-256."""
        self._seal(bytes(self._pending), last=True)  # even when empty: it marks the end
        self._pending.clear()
        self._file.flush()
        if self._owned:
            os.fsync(self._file.fileno())
            self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        if self._owned:
            self._file.close()

    def _seal(self, data: bytes, *, last: bool) -> None:
        blob = identity.seal_bytes(data, keys=self._keys, context=_context(self._index, last=last))
        self._file.write(len(blob).to_bytes(_LENGTH, "big") + blob)
        self._index += 1


class SealedReader:
    """The plain bytes of a sealed file, chunk by chunk; ValueError if it was altered.

    An iterable with `close()`, so that a streaming response closes the file even when the
    client goes away before the end.
    """

    def __init__(self, file: BinaryIO, *, keys: Sequence[str]) -> None:
        self._file = file
        self._keys = keys

    def __iter__(self) -> Iterator[bytes]:
        if self._file.read(len(MAGIC)) != MAGIC:
            raise ValueError("not a sealed file")
        index = 0
        header = self._file.read(_LENGTH)
        while header:
            blob = self._file.read(int.from_bytes(header, "big"))
            header = self._file.read(_LENGTH)  # none after the last chunk
            yield identity.unseal_bytes(
                blob, keys=self._keys, context=_context(index, last=not header)
            )
            index += 1
        if index == 0:
            raise ValueError("the sealed file is empty")

    def close(self) -> None:
        self._file.close()


def is_sealed(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(MAGIC)) == MAGIC
