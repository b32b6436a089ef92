"""The one import pipeline, used by the admin, `manage.py import_list` and Celery.

upload (import_start) → validate (import_validate: judges every row and keeps the valid ones,
sealed and masked, in a spool file in the storage beside the upload, so that a worker on
another machine can commit what the web process validated; nothing is written to the
registry) → an official confirms → commit (import_commit: writes the spooled rows in one
transaction, so a failure at any row leaves the registry as it was; the spool is deleted once
the run is committed or refused).
"""

import datetime
import itertools
import logging
import marshal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blacklist.importing.reader import FIELD_LABELS, FileRefused, check_upload, open_sheet
from blacklist.importing.rows import FileRules, Problem, RowOutcome, chunk_judge
from blacklist.importing.uploads import upload_opened, upload_store
from blacklist.lib.queueing import queue_after_commit
from blacklist.models import ImportRun, ImportStatus, NameChoice, Notice, NoticeStatus
from blacklist.registry import naming, redaction
from blacklist.registry.bulk import KnownSubject, large_write, refresh_statistics, subject_lookup
from blacklist.registry.identity import SubjectKind
from blacklist.registry.listing import (
    ListingResult,
    PreparedListing,
    listing_defaults,
    listings_write,
)
from blacklist.registry.renames import subjects_rename

log = logging.getLogger(__name__)
CHUNK = 5000  # rows judged at once
# Rows written at once: each write has a fixed cost (a staging table, its statistics, the
# statements), which a larger batch shares; memory grows with it.
WRITE_ROWS = 25_000
SAMPLE_ROWS = 20
ProgressCallback = Callable[[str, int, int | None], None]  # (phase, rows done, rows in all)
Report = Callable[[int, int | None], None]  # within one phase


class ImportRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        message = redaction.redact_id_numbers(message)  # stored with the run, like row errors
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
    name_conflicts: int = 0
    error_count: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    warnings: list[dict[str, object]] = field(default_factory=list)
    sample: list[dict[str, object]] = field(default_factory=list)

    def add_errors(self, problems: Sequence[Problem]) -> None:
        self.error_count += len(problems)
        room = settings.IMPORT_MAX_STORED_ERRORS - len(self.errors)
        self.errors.extend(problem.as_dict() for problem in problems[: max(room, 0)])

    def add_warnings(self, problems: Sequence[Problem]) -> None:
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
        original_name=redaction.redact_id_numbers(name)[:255],  # a file named after a person
        size=upload.size or 0,
    )
    try:
        run.file_format = check_upload(name=name, size=run.size)
    except FileRefused as refused:
        return _refuse(run, refused.code, refused.message)
    upload_store(run=run, upload=upload)
    run.save()
    return run


def _refuse(run: ImportRun, code: str, message: str) -> ImportRun:
    run.status, run.refusal_code, run.refusal = ImportStatus.REFUSED, code, message
    run.save()
    log.info("import %s refused: %s", run.pk, code)
    return run


def import_validation_start(*, run: ImportRun) -> None:
    """Small files are judged at once, in the request; large ones by a worker."""
    if run.size <= settings.IMPORT_INLINE_MAX_BYTES:
        import_validate(run=run)
    else:
        queue_after_commit("blacklist.tasks.validate_import", swept=False, run_id=run.pk)


def import_commit_start(
    *, run: ImportRun, names: NameChoice = NameChoice.KEEP, by: AbstractBaseUser | None = None
) -> None:
    """Small lists are written at once, in the request; large ones by a worker."""
    if run.valid <= settings.IMPORT_INLINE_MAX_ROWS:
        import_commit(run=run, names=names, by=by)
    else:
        queue_after_commit(
            "blacklist.tasks.commit_import",
            swept=False,
            run_id=run.pk,
            names=NameChoice(names).value,
            by_id=by.pk if by is not None else None,
        )


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


def import_commit(
    *,
    run: ImportRun,
    names: NameChoice = NameChoice.KEEP,
    by: AbstractBaseUser | None = None,
    progress: ProgressCallback | None = None,
) -> ImportRun:
    """Write a validated file to its notice, all rows or none.

    `names` is the official's choice for rows whose ID number is known under another name:
    keep the stored name, or record the file's spelling (the old name becomes a former name).
    """
    names = NameChoice(names)
    # COMMITTING is claimable again: a worker that died mid-commit rolled its writes back.
    claimed = ImportRun.objects.filter(
        pk=run.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.COMMITTING], invalid=0
    ).update(status=ImportStatus.COMMITTING, name_choice=names, name_choice_by=by, committed_by=by)
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
            run.subjects_renamed = result.subjects_renamed
            if result.subjects_renamed:
                # renamed subjects change the published files: rewritten now, not at night
                queue_after_commit("blacklist.tasks.rebuild_snapshots", reason="renames")
            run.status = ImportStatus.COMMITTED
            run.committed_at = timezone.now()
            run.commit_seconds = time.monotonic() - started
            run.save()
    except (FileRefused, ImportRefused) as refused:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, refusal_code=refused.code, refusal=refused.message
        )
        _spool_delete(run)  # a failed run is never committed: its rows need not wait
        run.refresh_from_db()
        return run
    except Exception:  # the spool stays: the run is validated again and may be retried
        ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.VALIDATED)
        raise
    _spool_delete(run)
    refresh_statistics()
    log.info("import %s committed %d rows to notice %s", run.pk, run.valid, run.notice_id)
    return run


def _write_spooled(run: ImportRun, *, notice: Notice, progress: Report) -> ListingResult:
    created = linked = done = renamed = 0
    # Only when validation saw a known subject named differently: the common file pays nothing.
    rename = run.name_choice == NameChoice.UPDATE and run.name_conflicts > 0
    try:
        with large_write():
            for chunk in _spooled(run):
                if rename:
                    names = [(str(r[_DIGEST]), str(r[_NAME]), str(r[_NAME_KEY])) for r in chunk]
                    keys = [str(r[_NAME_KEYS]) if len(r) > _NAME_KEYS else "" for r in chunk]
                    renamed += subjects_rename(names=names, import_run=run, keys=keys)
                result = listings_write(notice=notice, rows=chunk, import_run=run)
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
    return ListingResult(
        entries=done, subjects_created=created, subjects_linked=linked, subjects_renamed=renamed
    )


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
        "subjects_known", "name_conflicts", "error_count", "errors", "warnings", "sample",
    ):  # fmt: skip
        setattr(run, name, getattr(tally, name))


# --- judging rows --------------------------------------------------------------------------


def _judge(run: ImportRun, *, progress: Report) -> Tally:
    """Read and judge the whole file; spool the valid rows while there is no error."""
    notice = run.notice
    _refuse_if_already_imported(run)
    tally = Tally()
    seen: dict[bytes, int] = {}  # short digest of each identity -> first row (bounded memory)
    with (
        upload_opened(run=run) as plain,
        open_sheet(plain, name=run.original_name) as sheet,
        tempfile.TemporaryFile() as spool,  # local until whole, then into the storage
    ):
        run.encoding = sheet.encoding
        if sheet.ignored:
            message = _("This column is not used.")
            tally.add_warnings(
                [Problem(sheet.header_row, h, "column_ignored", message) for h in sheet.ignored]
            )
        rules = FileRules(
            columns=sheet.columns,
            today=datetime.date.today(),
            defaults=listing_defaults(notice),
            encryption_keys=tuple(settings.FIELD_ENCRYPTION_KEYS),
            lookup_key=settings.ID_LOOKUP_KEY,
        )
        judge = chunk_judge(rules)
        for rows in _chunks(sheet.rows):
            # Once the file has an error nothing will be written: the rest need not be sealed.
            judged = judge(rows, not tally.invalid)
            prepared = _check_chunk(judged, notice=notice, tally=tally, seen=seen)
            if not tally.invalid:
                _spool_write(spool, prepared)
            progress(tally.rows, max(sheet.rows_estimate or 0, tally.rows))
        if tally.rows and not tally.invalid:
            spool.seek(0)
            _spool_save(run, spool)
    if tally.rows == 0:
        raise ImportRefused("no_rows", _("The file has a header but no rows."))
    progress(tally.rows, tally.rows)
    return tally


def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored files of runs past the retention period; returns how many.

    The run keeps its checksum, counts and errors, so the record of what was imported stays.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    # Only runs that are over: one validated and waiting for confirmation keeps its file and
    # spool (sealed) until it is committed or fails, so that confirming it still works.
    finished = [
        ImportStatus.COMMITTED,
        ImportStatus.INVALID,
        ImportStatus.REFUSED,
        ImportStatus.FAILED,
    ]
    old = ImportRun.objects.filter(created_at__lt=cutoff, status__in=finished).exclude(file="")
    purged = 0
    for run in old.iterator():
        # Only the run that still names the file deletes it: a rerun finds nothing to do.
        if ImportRun.objects.filter(pk=run.pk, file=run.file.name).update(file=""):
            run.file.storage.delete(run.file.name)
            _spool_delete(run)
            purged += 1
    if purged:
        log.info("deleted the stored files of %d imports past retention", purged)
    return purged


def spool_name(run: ImportRun) -> str:
    """The validated rows of a run, in the storage (a worker on another machine commits what
    the web process validated): HMACs, sealed and masked IDs; never a plain ID number."""
    return f"imports/spool/run-{run.pk}.spool"


def _spool_save(run: ImportRun, spool: BinaryIO) -> None:
    storage = run.file.storage
    storage.delete(spool_name(run))  # a run validated again replaces its rows
    saved = storage.save(spool_name(run), File(spool))
    if saved != spool_name(run):  # two validations of one run at once: neither is trusted
        storage.delete(saved)
        raise ImportRefused("spool", _("The validated rows are incomplete; validate again."))


def _spool_delete(run: ImportRun) -> None:
    run.file.storage.delete(spool_name(run))


def _spool_write(spool: BinaryIO, rows: list[tuple[str, ...]]) -> None:
    # marshal: plain tuples of strings, the fastest format Python reads back. Each chunk is
    # length-prefixed, because marshal.load on a file reads it in tiny pieces.
    data = marshal.dumps(rows)
    spool.write(len(data).to_bytes(8, "big"))
    spool.write(data)


def _spooled(run: ImportRun) -> Iterator[list[tuple[object, ...]]]:
    """The validated rows, in batches of about WRITE_ROWS."""
    batch: list[tuple[object, ...]] = []
    # The file is our own, written by import_validate, never an upload.
    with run.file.storage.open(spool_name(run), "rb") as spool:
        while size := int.from_bytes(spool.read(8), "big"):
            batch.extend(marshal.loads(spool.read(size)))  # noqa: S302
            if len(batch) >= WRITE_ROWS:
                yield batch
                batch = []
    if batch:
        yield batch


def _chunks(rows: Iterator[tuple[int, list[object]]]) -> Iterator[list[tuple[int, list[object]]]]:
    while chunk := list(itertools.islice(rows, CHUNK)):
        yield chunk


_NAME, _NAME_KEY, _DIGEST, _TERM_START, _TERM_END, _NAME_KEYS = (
    PreparedListing._fields.index(name)
    for name in ("name", "name_key", "digest", "term_start", "term_end", "name_keys")
)


def _check_chunk(
    outcomes: list[RowOutcome], *, notice: Notice, tally: Tally, seen: dict[bytes, int]
) -> list[tuple[str, ...]]:
    """Count judged rows and check the good ones against the rest of the file and the
    registry; returns the rows to spool."""
    known = subject_lookup(  # digest -> its stored name, on this notice already
        [ready[_DIGEST] for _n, _s, ready, _e, _w in outcomes if ready], notice_id=notice.pk
    )
    prepared: list[tuple[str, ...]] = []
    for number, seq, ready, errors, warnings in outcomes:
        tally.rows += 1
        if ready is not None:
            digest = ready[_DIGEST]
            first = seen.setdefault(bytes.fromhex(digest[:16]), number)
            stored = known.get(digest)
            on_notice = stored is not None and stored.on_notice
            if first != number or on_notice or ready[_TERM_END] <= ready[_TERM_START]:
                listing = PreparedListing(*ready)
                errors = [*errors, *_cross_problems(number, seq, listing, first, known, tally)]
            elif stored is not None and stored.name_key != ready[_NAME_KEY]:
                tally.name_conflicts += 1
                listing = PreparedListing(*ready)
                warnings = [*warnings, _name_differs(number, seq, listing, stored, notice=notice)]
        if errors:
            tally.add_errors(errors)
        if warnings:
            tally.add_warnings(warnings)
        if errors or ready is None:
            tally.invalid += 1
            continue
        tally.valid += 1
        if ready[_DIGEST] in known:
            tally.subjects_known += 1
        else:
            tally.subjects_new += 1
        if tally.invalid:
            continue  # the file cannot be committed
        if len(tally.sample) < SAMPLE_ROWS:
            tally.sample.append(
                _as_published(
                    number, PreparedListing(*ready), stored=known.get(ready[_DIGEST]), notice=notice
                )
            )
        prepared.append(ready)
    return prepared


def _cross_problems(
    number: int,
    seq: str,
    listing: PreparedListing,
    first: int,
    known: dict[str, KnownSubject],
    tally: Tally,
) -> list[Problem]:
    """A duplicate of row `first` in the file, a subject the notice already lists, a term that
    ends before the default start."""
    problems: list[Problem] = []

    def add(column: str, code: str, message: str) -> None:
        label = str(FIELD_LABELS[column])
        problems.append(Problem(number, label, code, message, listing.id_masked, seq))

    if first != number:
        tally.duplicates += 1
        message = _("The same ID number is already in row %(row)d of this file.")
        add("id_number", "duplicate_in_file", message % {"row": first})
    if (stored := known.get(listing.digest)) is not None and stored.on_notice:
        message = _("This person or organisation is already listed by this notice.")
        add("id_number", "already_listed", message)
    if listing.term_end <= listing.term_start:  # ISO dates compare as text
        add("term_end", "term_order", _("The term ends on or before the day it starts."))
    return problems


def _name_differs(
    number: int, seq: str, listing: PreparedListing, stored: KnownSubject, *, notice: Notice
) -> Problem:
    """A known ID number under another name: published under the stored name unless the
    official records the file's spelling when confirming. Masked, as everywhere else."""
    message = _(
        "This ID number (%(id)s) is already registered as %(stored)s; the file gives "
        "%(given)s. The registered name is kept unless you choose to record the file's "
        "spelling when confirming."
    ) % {
        "id": listing.id_masked,
        "stored": _masked_name(stored.name, listing, notice=notice),
        "given": _masked_name(listing.name, listing, notice=notice),
    }
    label = str(FIELD_LABELS["name"])
    return Problem(number, label, "name_differs", message, listing.id_masked, seq)


def _masked_name(name: str, listing: PreparedListing, *, notice: Notice) -> str:
    return naming.mask_name(name, kind=SubjectKind(listing.kind), style=notice.programme.name_mask)


def _as_published(
    number: int, ready: PreparedListing, *, stored: KnownSubject | None, notice: Notice
) -> dict[str, object]:
    """A row as it will be published: a known subject keeps its registered name by default;
    the file's spelling, if it differs, is shown beside it."""
    row: dict[str, object] = {
        "row": number,
        "name": _masked_name(stored.name if stored else ready.name, ready, notice=notice),
        "id_number": ready.id_masked,
        "gender": ready.gender,
        "region": ready.region_name,
        "offence": ready.offence,
        "measures": ready.measures,
        "term_start": ready.term_start,
        "term_end": ready.term_end,
    }
    if stored is not None and stored.name_key != ready.name_key:
        row["name_in_file"] = _masked_name(ready.name, ready, notice=notice)
    return row


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
