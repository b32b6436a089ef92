"""Uploaded list files at rest: sealed on arrival and read through a short-lived plain copy.

A list file holds full ID numbers, which the portal keeps only encrypted (see
`blacklist.lib.sealing`).
"""

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.utils import timezone

from blacklist.lib.sealing import SealedReader, SealedWriter, is_sealed
from blacklist.models import ImportRun

SEALED_SUFFIX = ".sealed"


def upload_store(*, run: ImportRun, upload: File) -> None:
    """Seal the upload into the run's storage; sets its name and the plain file's SHA-256.
    Sealed into a local temporary file first, so the storage only ever receives it whole."""
    storage = run.file.storage
    day = timezone.localdate()
    # A random name: two uploads at the same moment never share (or overwrite) a file.
    token = secrets.token_hex(8)
    name = f"imports/{day:%Y/%m}/upload-{token}.{run.file_format}{SEALED_SUFFIX}"
    with tempfile.TemporaryFile() as sealed:
        writer = SealedWriter(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
        for chunk in upload.chunks():
            writer.write(chunk)
        run.sha256 = writer.close()
        sealed.seek(0)
        run.file.name = storage.save(name, File(sealed))


@contextmanager
def upload_opened(*, run: ImportRun) -> Iterator[Path]:
    """The plain file for the reader, in a private local temporary folder removed afterwards
    (the reader needs a seekable local file; the storage may be on another machine)."""
    with (
        run.file.storage.open(run.file.name, "rb") as stored,
        tempfile.TemporaryDirectory(prefix="import-") as private,  # mode 0700
    ):
        plain = Path(private) / f"upload.{run.file_format}"
        with plain.open("wb") as out:
            if is_sealed(stored):
                for chunk in SealedReader(stored, keys=settings.FIELD_ENCRYPTION_KEYS):
                    out.write(chunk)
            else:  # stored before uploads were sealed
                shutil.copyfileobj(stored, out)
        yield plain
