"""Recording a new spelling of a known subject's name, the old one kept as a former name.

Only an official's explicit choice renames a subject (an import confirmed with "record the
file's spelling"); an import never does it by itself. A rename changes the name shown on every
notice that lists the subject, so platforms holding a copy are told: each entry of the subject
that the change feed has listed and not ended gets an `updated` event, in the same transaction.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from blacklist.feed.changes import changes_record
from blacklist.models import ChangeKind, Entry, EntryStatus, FormerName, ImportRun, Subject
from blacklist.public import search
from blacklist.registry import match_index, matching

LOOKUP_CHUNK = 5000


def subjects_rename(
    *,
    names: Sequence[tuple[str, str, str]],
    import_run: ImportRun | None = None,
    keys: Sequence[str] = (),
) -> int:
    """Give the subjects with these ID digests these names: (digest, name, folded name), with
    the candidate keys of each new name (`keys`, matching.encode_keys, in the same order).

    Subjects whose current name already folds to the same key are left alone. Keeps the
    search index, the candidate index and the change feed in step; returns how many subjects
    were renamed. The old name's candidate keys stay: scored checks match former names too.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("subjects_rename must run inside the transaction of the import")
    wanted = {digest: (name, key) for digest, name, key in names}
    new_keys = dict(zip((digest for digest, _n, _k in names), keys, strict=False))
    digests = list(wanted)
    differing: list[str] = []
    for start in range(0, len(digests), LOOKUP_CHUNK):
        known = Subject.objects.filter(id_hmac__in=digests[start : start + LOOKUP_CHUNK])
        differing += [
            digest
            for digest, key in known.values_list("id_hmac", "name_key")
            if key != wanted[digest][1]
        ]
    # Read again under a lock: a rename committed meanwhile is then kept as a former name.
    renamed: list[tuple[int, str, str, str, str]] = []  # id, old name, old key, new name, key
    keyed: dict[int, str] = {}  # id -> the new name's candidate keys
    for start in range(0, len(differing), LOOKUP_CHUNK):
        locked = Subject.objects.select_for_update().filter(
            id_hmac__in=differing[start : start + LOOKUP_CHUNK]
        )
        for subject_id, digest, old_name, old_key in locked.values_list(
            "id", "id_hmac", "name", "name_key"
        ):
            new_name, new_key = wanted[digest]
            if new_key != old_key:
                renamed.append((subject_id, old_name, old_key, new_name, new_key))
                keyed[subject_id] = new_keys.get(digest, "")
    if renamed:
        _record(renamed, import_run=import_run)
        match_index.keys_insert(
            (subject_id, kind, key)
            for subject_id, text in keyed.items()
            for kind, key in matching.decode_keys(text)
        )
    return len(renamed)


def _record(renamed: list[tuple[int, str, str, str, str]], *, import_run: ImportRun | None) -> None:
    now = timezone.now()
    FormerName.objects.bulk_create(
        FormerName(
            subject_id=subject_id,
            name=old_name,
            name_key=old_key,
            replaced_at=now,
            import_run=import_run,
        )
        for subject_id, old_name, old_key, _name, _key in renamed
    )
    Subject.objects.bulk_update(
        [
            Subject(id=subject_id, name=name, name_key=key, updated_at=now)
            for subject_id, _old, _old_key, name, key in renamed
        ],
        ["name", "name_key", "updated_at"],
        batch_size=1000,
    )
    search.reindex_subjects(
        (subject_id, old_key, key) for subject_id, _o, old_key, _n, key in renamed
    )
    ids = [subject_id for subject_id, *_rest in renamed]
    # Every entry of the subject now reads differently (`changed_since`); the feed tells the
    # platforms about those it has listed and not ended. Locked first, so that an expiry
    # running at once either ends an entry before this or sees it updated.
    entries = Entry.objects.filter(subject_id__in=ids)
    entries.update(updated_at=now)
    in_force = list(
        entries.select_for_update()
        .filter(announced=True, status=EntryStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    changes_record(entry_ids=in_force, kind=ChangeKind.UPDATED)
