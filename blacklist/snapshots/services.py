"""Snapshots of the published list: the service that writes them and the selectors that serve them.

Three audiences, three formats each. Citizens get the currently public entries with the
masks of the public pages. Credit platforms get every listed entry (programmes not shown to
citizens included), the same entries the change feed covers: with the masks of the API
(`platform`), or, for clients with the `identity` scope, with full names and ID numbers in
files that are sealed at rest (`identity`). Each snapshot records the last change event it
includes, so a platform can load it and then follow the change feed from there.
"""

import datetime
import hashlib
import json
import logging
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from blacklist.feed.changes import last_change_seq
from blacklist.lib.queueing import queue_after_commit
from blacklist.lib.sealing import SealedReader
from blacklist.models import (
    Authority,
    Entry,
    Programme,
    Snapshot,
    SnapshotAudience,
    SnapshotFormat,
    SnapshotState,
)
from blacklist.platforms import selectors as platforms
from blacklist.platforms.selectors import ENTRY_FIELDS
from blacklist.snapshots.files import (
    CsvSnapshot,
    ExportRecord,
    FormatWriter,
    FtmSnapshot,
    JsonSnapshot,
    SnapshotHead,
    SnapshotSink,
    entity_id,
)

log = logging.getLogger(__name__)

FOLDER = "snapshots"
KEEP = 3  # ready snapshots kept per format and audience; older files are deleted
CHUNK_ROWS = 2000
# A claim older than this was left by a build that died: longer than the task's hard limit.
BUILD_TIMEOUT = datetime.timedelta(hours=1)

PAIRS = [(audience, fmt) for audience in SnapshotAudience.values for fmt in SnapshotFormat.values]
EXTENSIONS: dict[str, str] = {
    SnapshotFormat.CSV: "csv",
    SnapshotFormat.JSON: "json",
    SnapshotFormat.FTM: "ftm.jsonl",
}
CONTENT_TYPES: dict[str, str] = {
    SnapshotFormat.CSV: "text/csv; charset=utf-8",
    SnapshotFormat.JSON: "application/json",
    SnapshotFormat.FTM: "application/x-ndjson",
}
WRITERS: dict[str, Callable[[SnapshotSink], FormatWriter]] = {
    SnapshotFormat.CSV: CsvSnapshot,
    SnapshotFormat.JSON: JsonSnapshot,
    SnapshotFormat.FTM: FtmSnapshot,
}
# The rows each file is written from: what the API shows of an entry, then the subject's key.
ROW_FIELDS = (*ENTRY_FIELDS, "subject__id_hmac")


class SnapshotsBusy(Exception):
    """Another build is writing snapshots now; try again once it is done."""


# --- services ------------------------------------------------------------------------------------


def snapshots_rebuild_soon(*, reason: str) -> None:
    """Have the worker rebuild the files once the change that needs it has committed."""
    queue_after_commit("blacklist.tasks.rebuild_snapshots", reason=reason)


def snapshots_build(*, reason: str) -> list[Snapshot]:
    """Write the snapshots whose list has changed; returns the new ones (none when current).

    A snapshot is current when the newest one of its format and audience includes the
    last change event and was taken today (terms start and end by date alone, so a new
    day can change the list without an event). Raises SnapshotsBusy while another build
    holds the claim.
    """
    _sweep_orphans()
    claims = _claim(reason=reason)
    if not claims:
        return []
    try:
        built = _finish(claims, _write(claims))
    except BaseException:
        Snapshot.objects.filter(
            pk__in=[c.pk for c in claims], state=SnapshotState.BUILDING
        ).delete()
        raise
    _prune()
    log.info("snapshots written (%s): %s", reason, ", ".join(str(s.pk) for s in built))
    return built


def _claim(*, reason: str) -> list[Snapshot]:
    """Claim every format that is due, or none.

    Two builds at once must not both write, on any database and with several workers. The
    claim is a `building` row per format and audience, and a partial unique index allows one
    such row per pair: the second build's insert fails (PostgreSQL makes it wait for the
    first's commit, SQLite's writer lock queues it), so it writes nothing. Whether a format
    is due is decided after claiming, so a build that follows a finished one by a moment sees
    its snapshots and stops. Claims of a build that died are taken over after BUILD_TIMEOUT.
    """
    now = timezone.now()
    with transaction.atomic():
        Snapshot.objects.filter(
            state=SnapshotState.BUILDING, taken_at__lt=now - BUILD_TIMEOUT
        ).delete()
        try:
            with transaction.atomic():
                claims = Snapshot.objects.bulk_create(
                    Snapshot(
                        format=fmt,
                        audience=audience,
                        state=SnapshotState.BUILDING,
                        sha256="",
                        size=0,
                        count=0,
                        last_seq=0,
                        taken_at=now,
                        reason=reason[:40],
                    )
                    for audience, fmt in PAIRS
                )
        except IntegrityError as error:
            raise SnapshotsBusy("another build is writing the snapshots") from error
        due = _due(last_seq=last_change_seq(), rules=_all_rules(), today=timezone.localdate(now))
        Snapshot.objects.filter(
            pk__in=[c.pk for c in claims if (c.audience, c.format) not in due]
        ).delete()
    return [claim for claim in claims if (claim.audience, claim.format) in due]


def rules_fingerprint(*, audience: str) -> str:
    """What an audience's files depend on besides the entries: the programmes' names, whether
    citizens see a programme (only the public files follow that) and its name mask (only
    masked files show it), and the authorities' names."""
    fields = ["pk", "code", "name"]
    if audience == SnapshotAudience.PUBLIC:
        fields.append("public")
    if not reveals(audience):
        fields.append("name_mask")
    facts = [
        list(Programme.objects.order_by("pk").values_list(*fields)),
        list(Authority.objects.order_by("pk").values_list("pk", "code", "name", "partner")),
    ]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _all_rules() -> dict[str, str]:
    return {audience: rules_fingerprint(audience=audience) for audience in SnapshotAudience.values}


def reveals(audience: str) -> bool:
    """Whether an audience's files hold full names and ID numbers: only those are sealed."""
    return audience == SnapshotAudience.IDENTITY


def _entries(audience: str, *, today: datetime.date) -> QuerySet[Entry]:
    """Citizens get the public rule; platforms every listed entry, like the change feed."""
    if audience == SnapshotAudience.PUBLIC:
        return Entry.objects.currently_public(today=today)
    return Entry.objects.listed(today=today)


def _due(*, last_seq: int, rules: dict[str, str], today: datetime.date) -> set[tuple[str, str]]:
    due = set()
    for audience, fmt in PAIRS:
        newest = _ready(audience=audience, fmt=fmt).first()
        if (
            newest is None
            or newest.last_seq != last_seq
            or newest.rules != rules[audience]
            or timezone.localdate(newest.taken_at) != today
        ):
            due.add((audience, fmt))
    return due


@dataclass(frozen=True)
class _Written:
    temp: Path
    sha256: str
    size: int
    count: int
    last_seq: int
    rules: str
    taken_at: datetime.datetime


def _write(claims: Sequence[Snapshot]) -> dict[int, _Written]:
    """Write each claimed file to a local temporary file, all from one reading of the database.
    Local, not in the storage: an object store has no half-written files and no renames, so a
    file reaches the storage only whole (`_finish`)."""
    folder = Path(tempfile.mkdtemp(prefix="snapshots-"))
    temps = {claim.pk: folder / f"{claim.pk}.partial" for claim in claims}
    written: dict[int, _Written] = {}
    try:
        with _consistent_read():
            # Read inside the same view of the database as the entries: the snapshot holds
            # exactly the events up to last_seq, and the feed after it holds the rest.
            last_seq = last_change_seq()
            rules = _all_rules()
            taken_at = timezone.now()
            notices = _notice_facts()
            for audience in SnapshotAudience.values:
                mine = [claim for claim in claims if claim.audience == audience]
                if mine:
                    written |= _write_audience(
                        audience,
                        {claim.pk: (claim.format, temps[claim.pk]) for claim in mine},
                        last_seq=last_seq,
                        rules=rules[audience],
                        taken_at=taken_at,
                        notices=notices,
                    )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return written


def _write_audience(
    audience: str,
    files: dict[int, tuple[str, Path]],
    *,
    last_seq: int,
    rules: str,
    taken_at: datetime.datetime,
    notices: dict[int, dict[str, str]],
) -> dict[int, _Written]:
    reveal = reveals(audience)
    today = timezone.localdate(taken_at)
    entries = _entries(audience, today=today)
    head = SnapshotHead(
        audience=audience,
        taken_at=timezone.localtime(taken_at),
        last_seq=last_seq,
        count=entries.count(),
        reveal=reveal,
    )
    keys = settings.FIELD_ENCRYPTION_KEYS if reveal else None
    sinks = {pk: SnapshotSink(temp, keys=keys) for pk, (_fmt, temp) in files.items()}
    try:
        writers: list[FormatWriter] = [WRITERS[fmt](sinks[pk]) for pk, (fmt, _t) in files.items()]
        for writer in writers:
            writer.begin(head)
        seen = 0
        # Ordered by subject, so that the FollowTheMoney file writes each subject once.
        for rows in _row_chunks(entries.order_by("subject_id", "id").values_list(*ROW_FIELDS)):
            records = _records(rows, reveal=reveal, today=today, notices=notices)
            seen += len(records)
            for writer in writers:
                writer.add(records)
        for writer in writers:
            writer.end()
    except BaseException:
        for sink in sinks.values():
            sink.discard()
        raise
    if seen != head.count:
        raise RuntimeError(f"read {seen} entries of {head.count}: the read was not consistent")
    return {
        pk: _Written(
            temp=temp,
            sha256=sinks[pk].close(),
            size=sinks[pk].size,
            count=seen,
            last_seq=last_seq,
            rules=rules,
            taken_at=taken_at,
        )
        for pk, (_fmt, temp) in files.items()
    }


def _records(
    rows: Sequence[tuple[Any, ...]],
    *,
    reveal: bool,
    today: datetime.date,
    notices: dict[int, dict[str, str]],
) -> list[ExportRecord]:
    # The API's own entry documents (and masks), so a snapshot reads like the entries and
    # the change feed it continues; the notice's facts come from a map, not a join per row.
    documents = platforms.entry_documents(rows, reveal=reveal, today=today)
    hmac_at = len(ENTRY_FIELDS)
    return [
        ExportRecord(
            entry=document | notices[document["notice"]], entity_id=entity_id(row[hmac_at])
        )
        for row, document in zip(rows, documents, strict=True)
    ]


def _notice_facts() -> dict[int, dict[str, str]]:
    return {
        notice.pk: {
            "programme_name": notice.programme.name,
            "authority": notice.authority.name,
            "notice_title": notice.title,
            "document_number": notice.document_number,
            "listed_on": timezone.localdate(notice.published_at).isoformat()
            if notice.published_at
            else "",
            "notice_url": notice.source_url,
        }
        for notice in platforms.notices_for_platforms()
    }


def _row_chunks(queryset: QuerySet[Any]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as the driver returns them, CHUNK_ROWS at a time: a server-side cursor on
    PostgreSQL, SQLite's own stepping. Like the API's feed, Django's per-value converters
    are skipped (dates and times arrive as objects; see `platforms.entry_documents`)."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield rows


@contextmanager
def _consistent_read() -> Iterator[None]:
    """One view of the database for the whole build, without holding up writers.

    PostgreSQL: a read-only REPEATABLE READ transaction; nobody waits for it. SQLite: the
    portal opens transactions with BEGIN IMMEDIATE, the writers' lock, which would stop
    publications and the API's audit log for the length of a build; a DEFERRED transaction
    reads one snapshot of the WAL while writers go on. Inside a caller's transaction, that
    transaction is the view already.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                cursor.execute("COMMIT")  # nothing was written: the same as a rollback
    else:
        with transaction.atomic():
            yield


def _finish(claims: Sequence[Snapshot], written: dict[int, _Written]) -> list[Snapshot]:
    """Save the files into the storage, then mark their rows ready.

    A crash between the two leaves a file no row points to (swept later), never a row
    pointing to half a file.
    """
    names = {}
    try:
        for claim in claims:
            done = written[claim.pk]
            stamp = timezone.localtime(done.taken_at).strftime("%Y%m%d-%H%M%S")
            suffix = ".sealed" if reveals(claim.audience) else ""
            name = (
                f"{FOLDER}/{claim.audience}/{stamp}-{secrets.token_hex(6)}"
                f".{EXTENSIONS[claim.format]}{suffix}"
            )
            with done.temp.open("rb") as temp:
                names[claim.pk] = default_storage.save(name, File(temp))
    finally:
        for done in written.values():
            shutil.rmtree(done.temp.parent, ignore_errors=True)
    finished = []
    with transaction.atomic():
        for claim in claims:
            done = written[claim.pk]
            changed = Snapshot.objects.filter(pk=claim.pk, state=SnapshotState.BUILDING).update(
                state=SnapshotState.READY,
                file=names[claim.pk],
                encrypted=reveals(claim.audience),
                sha256=done.sha256,
                size=done.size,
                count=done.count,
                last_seq=done.last_seq,
                rules=done.rules,
                taken_at=done.taken_at,
            )
            if changed:
                finished.append(claim.pk)
            else:  # the claim was taken over as abandoned; its file is swept later
                log.warning("snapshot claim %s was lost before it was finished", claim.pk)
    return list(Snapshot.objects.filter(pk__in=finished).order_by("audience", "format"))


def _prune() -> None:
    """Keep the newest KEEP ready snapshots of each kind; delete older rows, then files."""
    for audience, fmt in PAIRS:
        old = list(_ready(audience=audience, fmt=fmt)[KEEP:])
        if not old:
            continue
        Snapshot.objects.filter(pk__in=[s.pk for s in old]).delete()
        for snapshot in old:
            default_storage.delete(snapshot.file.name)


def _sweep_orphans() -> None:
    """Delete files no snapshot points to (left by a build that died) once they are old."""
    known = set(Snapshot.objects.exclude(file="").values_list("file", flat=True))
    cutoff = timezone.now() - BUILD_TIMEOUT
    for name in _stored_files(FOLDER):
        if name not in known and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)


def _stored_files(folder: str) -> Iterator[str]:
    """Every file under a folder of the storage, by name. Not `exists(folder)`: an object
    store has keys, not folders, so a folder never "exists" there; listing it is what works."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:  # a filesystem or in-memory storage without the folder yet
        return
    for file in files:
        yield f"{folder}/{file}"
    for sub in folders:
        yield from _stored_files(f"{folder}/{sub}")


# --- selectors -----------------------------------------------------------------------------------


def _ready(*, audience: str, fmt: str) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(
        state=SnapshotState.READY, audience=audience, format=fmt
    ).order_by("-taken_at", "-id")


def snapshots_latest(*, audience: str) -> list[Snapshot]:
    """The newest ready snapshot of each format for an audience: what is offered."""
    found = (_ready(audience=audience, fmt=fmt).first() for fmt in SnapshotFormat.values)
    return [snapshot for snapshot in found if snapshot is not None]


def snapshot_offered(*, pk: int, audience: str) -> Snapshot | None:
    """A snapshot that may be downloaded: the newest of its format for the audience only,
    as an older one may still hold entries revoked or withdrawn since."""
    return next((s for s in snapshots_latest(audience=audience) if s.pk == pk), None)


def download_name(snapshot: Snapshot) -> str:
    taken = timezone.localtime(snapshot.taken_at).strftime("%Y%m%d-%H%M")
    audience = "" if snapshot.audience == SnapshotAudience.PUBLIC else f"-{snapshot.audience}"
    return f"credit-penalties-{taken}{audience}.{EXTENSIONS[snapshot.format]}"


def content_type(snapshot: Snapshot) -> str:
    return CONTENT_TYPES[snapshot.format]


def snapshot_stream(*, snapshot: Snapshot) -> BinaryIO | SealedReader | None:
    """The file as downloaded: the plain file, or a sealed one opened a chunk at a time;
    None if it has just been pruned. Either has `close()`, which the response calls."""
    try:
        file = cast(BinaryIO, default_storage.open(snapshot.file.name, "rb"))
    except FileNotFoundError:
        return None
    if snapshot.encrypted:
        return SealedReader(file, keys=settings.FIELD_ENCRYPTION_KEYS)
    return file
