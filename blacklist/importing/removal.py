"""Taking a list committed to a draft by mistake out again. Nothing published is ever deleted.

A draft's rows were never public, on the feed or in a snapshot, so they can go without a
trace on the change feed: the entries, and every subject left with no entry at all (with its
search index row, candidate keys, former names and aliases), so that no sealed ID number of a
person who was never published stays behind. The imports keep their record (checksum, counts,
who and when) but lose their stored file, which holds the same ID numbers.
"""

import logging
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from blacklist.models import Entry, ImportRun, ImportStatus, Notice, NoticeStatus, Subject
from blacklist.public import search
from blacklist.publication import services as publication
from blacklist.registry import match_index

log = logging.getLogger(__name__)
CHUNK = 5000


class RowsDeleted(NamedTuple):
    entries: int
    subjects: int


def draft_rows_delete(
    *, notice: Notice, by: AbstractBaseUser, run: ImportRun | None = None
) -> RowsDeleted:
    """Delete the rows of a draft notice, all of them or those one import wrote, in one
    transaction; refused for any notice that is not a draft."""
    if run is not None and run.notice_id != notice.pk:
        raise ValidationError(_("This import belongs to another notice."))
    with transaction.atomic():
        # Locked as an import's commit and an approval lock it: neither can slip in between.
        locked = Notice.objects.select_for_update().get(pk=notice.pk)
        if locked.status != NoticeStatus.DRAFT:
            raise ValidationError(
                _("Only the rows of a draft notice can be deleted: nothing published ever is.")
            )
        entries = Entry.objects.filter(notice_id=notice.pk)
        runs = ImportRun.objects.filter(notice_id=notice.pk, status=ImportStatus.COMMITTED)
        if run is not None:
            entries, runs = entries.filter(import_run_id=run.pk), runs.filter(pk=run.pk)
        rows = list(entries.order_by("id").values_list("id", "subject_id"))
        for chunk in _chunks([entry_id for entry_id, _subject in rows]):
            Entry.objects.filter(pk__in=chunk).delete()
        orphans = [pk for chunk in _chunks([s for _e, s in rows]) for pk in _delete_orphans(chunk)]
        # in one go: the keys are found by a read of their whole table (see MatchKey)
        match_index.keys_delete(orphans)
        subjects = len(orphans)
        files = [name for name in runs.values_list("file", flat=True) if name]
        runs.update(status=ImportStatus.REMOVED, file="")
        transaction.on_commit(lambda: _delete_files(files))
        which = f" of import {run.pk}" if run is not None else ""
        message = f"deleted {len(rows)} rows{which}, {subjects} subjects no notice lists"
        publication.audit_notice(notice, by=by, message=message)
    log.info("notice %s: %s", notice.pk, message)
    return RowsDeleted(entries=len(rows), subjects=subjects)


def _delete_orphans(subject_ids: Sequence[int]) -> list[int]:
    """Delete those of the subjects that no entry of any notice names any more; their ids
    (their candidate keys are the caller's to delete)."""
    orphans = list(
        Subject.objects.select_for_update()
        .filter(pk__in=subject_ids)
        .exclude(Exists(Entry.objects.filter(subject_id=OuterRef("pk"))))
        .values_list("pk", "name_key")
    )
    if not orphans:
        return []
    search.unindex_subjects(orphans)
    deleted = [pk for pk, _key in orphans]
    Subject.objects.filter(pk__in=deleted).delete()
    return deleted


def _delete_files(names: list[str]) -> None:
    """The uploaded files (sealed); a committed run's spool was deleted at its commit."""
    storage = ImportRun._meta.get_field("file").storage  # type: ignore[union-attr]
    for name in names:
        storage.delete(name)


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
