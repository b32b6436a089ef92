"""Uploaded list files at rest: sealed on arrival and read through a short-lived plain copy.

A list file holds full ID numbers, which the portal keeps only encrypted (see
`blacklist.lib.sealing`).
"""

import secrets
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
    """Seal the upload into the run's storage; sets its name and the plain file's SHA-256."""
    storage = run.file.storage
    day = timezone.localdate()
    # A random name: two uploads at the same moment never share (or overwrite) a file.
    token = secrets.token_hex(8)
    name = f"imports/{day:%Y/%m}/upload-{token}.{run.file_format}{SEALED_SUFFIX}"
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = SealedWriter(path, keys=settings.FIELD_ENCRYPTION_KEYS)
    try:
        for chunk in upload.chunks():
            writer.write(chunk)
        run.sha256 = writer.close()
    except BaseException:
        writer.discard()
        path.unlink(missing_ok=True)
        raise
    run.file.name = name


@contextmanager
def upload_opened(*, run: ImportRun) -> Iterator[Path]:
    """The plain file for the reader, in a private temporary folder removed afterwards."""
    stored = Path(run.file.path)
    if not is_sealed(stored):  # stored before uploads were sealed
        yield stored
        return
    folder = Path(settings.MEDIA_ROOT) / "imports" / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as private:  # mode 0700
        plain = Path(private) / f"upload.{run.file_format}"
        with stored.open("rb") as sealed, plain.open("wb") as out:
            reader = SealedReader(sealed, keys=settings.FIELD_ENCRYPTION_KEYS)
            for chunk in reader:
                out.write(chunk)
        yield plain
