"""The one import pipeline, used by the admin, `manage.py import_list` and Celery.

upload (import_start) → validate (import_validate: judges every row and keeps the valid ones,
sealed and masked, in a spool file next to the upload; nothing is written to the registry) →
an official confirms → commit (import_commit: writes the spooled rows in one transaction, so a
failure at any row leaves the registry as it was).
"""

import datetime
import hashlib
import logging
import marshal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist import identity
from blacklist.bulk import refresh_statistics, subject_lookup, write_cache
from blacklist.identity import SubjectKind
from blacklist.importing.reader import FIELD_LABELS, FileRefused, check_upload, open_sheet
from blacklist.importing.rows import JudgedRow, Problem, judge_row
from blacklist.listing import (
    ListingResult,
    PreparedListing,
    default_term_start,
    listing_prepare,
    listings_write,
    term_of,
)
from blacklist.models import ImportRun, ImportStatus, Notice, NoticeStatus, subject_hmac

log = logging.getLogger(__name__)
CHUNK = 5000
SAMPLE_ROWS = 20
ProgressCallback = Callable[[str, int, int | None], None]  # (phase, rows done, rows in all)
Report = Callable[[int, int | None], None]  # within one phase


class ImportRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Tally:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    warning_count: int = 0
    subjects_new: int = 0
    subjects_known: int = 0
    error_count: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    warnings: list[dict[str, object]] = field(default_factory=list)
    sample: list[dict[str, object]] = field(default_factory=list)

    def add_errors(self, problems: list[Problem]) -> None:
        self.error_count += len(problems)
        room = settings.IMPORT_MAX_STORED_ERRORS - len(self.errors)
        self.errors.extend(problem.as_dict() for problem in problems[: max(room, 0)])

    def add_warnings(self, problems: list[Problem]) -> None:
        self.warning_count += len(problems)
        room = settings.IMPORT_MAX_STORED_ERRORS - len(self.warnings)
        self.warnings.extend(problem.as_dict() for problem in problems[: max(room, 0)])


# --- upload --------------------------------------------------------------------------------


def import_start(
    *, notice: Notice, upload: File, name: str, by: AbstractBaseUser | None = None
) -> ImportRun:
    """Store an uploaded file against a draft notice. Refusals by name or size are recorded too."""
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError(_("Only a draft notice accepts imports."))
    run = ImportRun(
        notice=notice,
        uploaded_by=by,  # type: ignore[misc]  # any user model, not only auth.User
        original_name=name[:255],
        size=upload.size or 0,
    )
    try:
        run.file_format = check_upload(name=name, size=run.size)
    except FileRefused as refused:
        return _refuse(run, refused.code, refused.message)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    run.sha256 = digest.hexdigest()
    upload.seek(0)
    run.file.save(f"{run.sha256[:16]}-{run.file_format}.{run.file_format}", upload, save=False)
    run.save()
    return run


def _refuse(run: ImportRun, code: str, message: str) -> ImportRun:
    run.status, run.refusal_code, run.refusal = ImportStatus.REFUSED, code, message
    run.save()
    log.info("import %s refused: %s", run.pk, code)
    return run


# --- validate and commit -------------------------------------------------------------------


def import_validate(*, run: ImportRun, progress: ProgressCallback | None = None) -> ImportRun:
    """Judge every row; writes only the run's own record."""
    claimed = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportStatus.UPLOADED, ImportStatus.VALIDATING]
    ).update(status=ImportStatus.VALIDATING)
    run.refresh_from_db()
    if not claimed:
        return run  # already judged: nothing to do
    started = time.monotonic()
    try:
        tally = _judge(run, progress=_reporter(run, "validate", progress))
    except (FileRefused, ImportRefused) as refused:
        return _refuse(run, refused.code, refused.message)
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.FAILED)
        raise
    _store(run, tally)
    run.status = ImportStatus.INVALID if tally.invalid else ImportStatus.VALIDATED
    run.validated_at = timezone.now()
    run.validate_seconds = time.monotonic() - started
    run.save()
    return run


def import_commit(*, run: ImportRun, progress: ProgressCallback | None = None) -> ImportRun:
    """Write a validated file to its notice, all rows or none."""
    # COMMITTING is claimable again: a worker that died mid-commit rolled its writes back.
    claimed = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.COMMITTING], invalid=0
    ).update(status=ImportStatus.COMMITTING)
    run.refresh_from_db()
    if not claimed:
        if run.status == ImportStatus.COMMITTED:
            return run  # a repeated request or task
        raise ValidationError(_("Only a validated file without errors can be committed."))
    started = time.monotonic()
    try:
        with transaction.atomic():
            # Locking the notice serialises commits to it: the same file cannot land twice.
            notice = Notice.objects.select_for_update().get(pk=run.notice_id)
            if ImportRun.objects.get(pk=run.pk).status == ImportStatus.COMMITTED:
                run.refresh_from_db()
                return run  # a concurrent attempt finished while this one waited for the lock
            if notice.status != NoticeStatus.DRAFT:
                raise ImportRefused("notice_not_draft", _("Only a draft notice accepts imports."))
            _refuse_if_already_imported(run)
            result = _write_spooled(run, notice=notice, progress=_reporter(run, "commit", progress))
            run.subjects_new, run.subjects_known = result.subjects_created, result.subjects_linked
            run.status = ImportStatus.COMMITTED
            run.committed_at = timezone.now()
            run.commit_seconds = time.monotonic() - started
            run.save()
    except (FileRefused, ImportRefused) as refused:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, refusal_code=refused.code, refusal=refused.message
        )
        run.refresh_from_db()
        return run
    except Exception:
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.VALIDATED)
        raise
    spool_path(run).unlink(missing_ok=True)
    refresh_statistics()
    log.info("import %s committed %d rows to notice %s", run.pk, run.valid, run.notice_id)
    return run


def _write_spooled(run: ImportRun, *, notice: Notice, progress: Report) -> ListingResult:
    created = linked = done = 0
    try:
        with write_cache():
            for chunk in _spooled(run):
                result = listings_write(notice=notice, rows=chunk)
                created, linked = created + result.subjects_created, linked + result.subjects_linked
                done += result.entries
                progress(done, run.valid)
    except IntegrityError:
        # Someone listed one of these subjects on this notice since validation: the whole
        # transaction is rolled back by the caller.
        raise ImportRefused(
            "changed", _("The notice changed since validation; nothing was written.")
        ) from None
    if done != run.valid:
        raise ImportRefused("spool", _("The validated rows are incomplete; validate again."))
    return ListingResult(entries=done, subjects_created=created, subjects_linked=linked)


def _refuse_if_already_imported(run: ImportRun) -> None:
    if ImportRun.objects.filter(
        notice_id=run.notice_id, sha256=run.sha256, status=ImportStatus.COMMITTED
    ).exists():
        raise ImportRefused(
            "already_imported", _("This file has already been imported into this notice.")
        )


def _store(run: ImportRun, tally: Tally) -> None:
    for name in (
        "rows", "valid", "invalid", "duplicates", "warning_count", "subjects_new",
        "subjects_known", "error_count", "errors", "warnings", "sample",
    ):  # fmt: skip
        setattr(run, name, getattr(tally, name))


# --- judging rows --------------------------------------------------------------------------


def _judge(run: ImportRun, *, progress: Report) -> Tally:
    """Read and judge the whole file; spool the valid rows while there is no error."""
    notice = run.notice
    _refuse_if_already_imported(run)
    tally = Tally()
    start_default = default_term_start(notice)
    seen: dict[bytes, int] = {}  # short digest of each identity -> first row (bounded memory)
    with (
        open_sheet(Path(run.file.path), name=run.original_name) as sheet,
        spool_path(run).open("wb") as spool,
    ):
        run.encoding = sheet.encoding
        if sheet.ignored:
            message = _("This column is not used.")
            tally.add_warnings(
                [Problem(sheet.header_row, h, "column_ignored", message) for h in sheet.ignored]
            )
        for chunk in _chunks(sheet.rows):
            judged = [row for row in (judge_row(n, c, sheet.columns) for n, c in chunk) if row]
            prepared = _judge_chunk(
                judged, notice=notice, tally=tally, seen=seen, start_default=start_default
            )
            if not tally.invalid:
                _spool_write(spool, prepared)
            progress(tally.rows, max(sheet.rows_estimate or 0, tally.rows))
    if tally.rows == 0:
        raise ImportRefused("no_rows", _("The file has a header but no rows."))
    progress(tally.rows, tally.rows)
    return tally


def spool_path(run: ImportRun) -> Path:
    """The validated rows of a run: HMACs, sealed and masked IDs; never a plain ID number."""
    folder = Path(settings.MEDIA_ROOT) / "imports" / "spool"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run.pk}.spool"


def _spool_write(spool: BinaryIO, rows: list[PreparedListing]) -> None:
    # marshal: plain tuples of strings, the fastest format Python reads back. Each chunk is
    # length-prefixed, because marshal.load on a file reads it in tiny pieces.
    data = marshal.dumps([tuple(row) for row in rows])
    spool.write(len(data).to_bytes(8, "big"))
    spool.write(data)


def _spooled(run: ImportRun) -> Iterator[list[tuple[object, ...]]]:
    # The file is our own, written by import_validate, never an upload.
    with spool_path(run).open("rb") as spool:
        while size := int.from_bytes(spool.read(8), "big"):
            yield marshal.loads(spool.read(size))  # noqa: S302


def _chunks(rows: Iterator[tuple[int, list[object]]]) -> Iterator[list[tuple[int, list[object]]]]:
    chunk: list[tuple[int, list[object]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _judge_chunk(
    judged: list[JudgedRow],
    *,
    notice: Notice,
    tally: Tally,
    seen: dict[bytes, int],
    start_default: datetime.date,
) -> list[PreparedListing]:
    digests = {
        row.number: subject_hmac(row.listing.identity.number) for row in judged if row.listing
    }
    known = subject_lookup(list(digests.values()), notice_id=notice.pk)  # digest -> on notice
    prepared: list[PreparedListing] = []
    for row in judged:
        tally.rows += 1
        listing = row.listing
        if listing:
            digest = digests[row.number]
            problem = _problem_adder(row, number=listing.identity.number)
            short = bytes.fromhex(digest[:16])
            if short in seen:
                tally.duplicates += 1
                message = _("The same ID number is already in row %(row)d of this file.")
                problem("id_number", "duplicate_in_file", message % {"row": seen[short]})
            else:
                seen[short] = row.number
            if known.get(digest):
                message = _("This person or organisation is already listed by this notice.")
                problem("id_number", "already_listed", message)
            start, end = term_of(listing, notice=notice, default_start=start_default)
            if end <= start:
                message = _("The term ends on or before the day it starts.")
                problem("term_end", "term_order", message)
        tally.add_errors(row.errors)
        tally.add_warnings(row.warnings)
        if row.errors or not listing:
            tally.invalid += 1
            continue
        tally.valid += 1
        if digest in known:
            tally.subjects_known += 1
        else:
            tally.subjects_new += 1
        if tally.invalid:
            continue  # the file cannot be committed: no need to seal the rest
        ready = listing_prepare(listing, notice=notice, default_start=start_default, digest=digest)
        if len(tally.sample) < SAMPLE_ROWS:
            tally.sample.append(_as_published(row.number, ready, notice=notice))
        prepared.append(ready)
    return prepared


def _problem_adder(row: JudgedRow, *, number: str) -> Callable[[str, str, str], None]:
    def add(column: str, code: str, message: str) -> None:
        label, masked = str(FIELD_LABELS[column]), identity.mask_id(number)
        row.errors.append(Problem(row.number, label, code, message, masked, row.seq))

    return add


def _as_published(number: int, ready: PreparedListing, *, notice: Notice) -> dict[str, object]:
    return {
        "row": number,
        "name": identity.mask_name(
            ready.name, kind=SubjectKind(ready.kind), style=notice.programme.name_mask
        ),
        "id_number": ready.id_masked,
        "gender": ready.gender,
        "region": ready.region_name,
        "offence": ready.offence,
        "measures": ready.measures,
        "term_start": ready.term_start,
        "term_end": ready.term_end,
    }


# --- progress ------------------------------------------------------------------------------


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


def _reporter(run: ImportRun, phase: str, extra: ProgressCallback | None) -> Report:
    """Progress goes to the cache, which other processes read while the transaction is open."""
    started = time.monotonic()

    def report(done: int, total: int | None) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed
        cache.set(
            progress_key(run.pk),
            {
                "phase": phase,
                "done": done,
                "total": total,
                "rate": round(rate),
                "seconds_left": round((total - done) / rate) if total and rate else None,
            },
            timeout=3600,
        )
        if extra:
            extra(phase, done, total)

    return report


def import_progress(*, run: ImportRun) -> dict[str, object]:
    """What the admin's progress bar shows."""
    current = cache.get(progress_key(run.pk)) or {}
    return {"status": run.status, "status_label": run.get_status_display(), **current}
