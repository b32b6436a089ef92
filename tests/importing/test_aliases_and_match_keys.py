"""Former names and aliases from an import column (曾用名/别名), and the candidate index of
scored checks kept in step by imports, renames, removals and the rebuild command."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from blacklist.importing import removal
from blacklist.importing.pipeline import import_commit, import_start, import_validate
from blacklist.models import Alias, ImportRun, ImportStatus, MatchKey, NameChoice, Notice, Subject
from blacklist.registry import identity, match_index
from tests import factories
from tests.factories import files
from tests.factories.people import person, publish

pytestmark = pytest.mark.django_db

HEADER = ("姓名", "身份证号", "曾用名/别名")


def imported(rows: list[list[object]], *, header=HEADER, notice: Notice | None = None) -> ImportRun:
    notice = notice or factories.draft_notice()
    upload = ContentFile(files.csv_bytes(rows, header=header))
    run = import_validate(run=import_start(notice=notice, upload=upload, name="名单.csv"))
    assert run.status == ImportStatus.VALIDATED, run.errors
    return import_commit(run=run)


def subject(number: str) -> Subject:
    return Subject.objects.get(id_hmac=identity.lookup_hmac(number, key=_lookup_key()))


def _lookup_key() -> bytes:
    from django.conf import settings

    return settings.ID_LOOKUP_KEY


def keys(s: Subject) -> set[int]:
    return set(MatchKey.objects.filter(subject=s).values_list("key", flat=True))


def expected_keys(s: Subject) -> set[int]:
    return {key for _id, _kind, key in match_index.subjects_keys([s.pk])}


def test_aliases_in_one_cell_are_kept_and_give_keys():
    zhang, li = person("张三"), person("李四")
    run = imported(
        [["张三", zhang.id_number, "张叁、Zhang San；张老三"], ["李四", li.id_number, ""]]
    )
    assert run.status == ImportStatus.COMMITTED
    found = subject(zhang.id_number)
    assert list(found.aliases.values_list("name", "name_key", "import_run")) == [
        ("张叁", "张叁", run.pk),
        ("Zhang San", "zhangsan", run.pk),
        ("张老三", "张老三", run.pk),
    ]
    assert not subject(li.id_number).aliases.exists()
    # every name's keys, the birth date's among them, and the same as a rebuild makes
    assert keys(found) == expected_keys(found)
    assert len(keys(found)) > len(keys(subject(li.id_number)))


def test_a_file_without_the_column_imports_as_before_with_keys_of_the_names():
    people = files.people(3, seed=71)
    imported(files.minimal_rows(people), header=files.MINIMAL)
    for someone in people:
        found = subject(someone.id_number)
        assert keys(found) and keys(found) == expected_keys(found)


def test_an_id_number_in_the_alias_column_is_refused_masked():
    zhang = person("张三")
    notice = factories.draft_notice()
    upload = ContentFile(
        files.csv_bytes([["张三", zhang.id_number, f"张叁 {zhang.id_number}"]], header=HEADER)
    )
    run = import_validate(run=import_start(notice=notice, upload=upload, name="名单.csv"))
    assert run.status == ImportStatus.INVALID
    (error,) = run.errors
    assert error["code"] == "id_in_text"
    assert zhang.id_number not in str(run.errors)


def test_too_many_aliases_are_an_error():
    zhang = person("张三")
    many = "、".join(f"张{n}" for n in "一二三四五六七八九十百")
    notice = factories.draft_notice()
    upload = ContentFile(files.csv_bytes([["张三", zhang.id_number, many]], header=HEADER))
    run = import_validate(run=import_start(notice=notice, upload=upload, name="名单.csv"))
    assert [e["code"] for e in run.errors] == ["aliases_invalid"]
    assert not Alias.objects.exists()


def test_an_alias_given_again_for_a_known_subject_is_kept_once():
    zhang = person("张三")
    imported([["张三", zhang.id_number, "张叁"]])
    imported([["张三", zhang.id_number, "张叁、张老三"]])
    found = subject(zhang.id_number)
    assert sorted(found.aliases.values_list("name", flat=True)) == ["张叁", "张老三"]
    assert keys(found) == expected_keys(found)


def test_a_rename_adds_the_new_names_keys_and_keeps_the_old_ones():
    known = person("王小明")
    publish([known])
    before = keys(subject(known.id_number))
    notice = factories.draft_notice()
    upload = ContentFile(files.csv_bytes([["汪晓东", known.id_number]], header=files.MINIMAL))
    run = import_validate(run=import_start(notice=notice, upload=upload, name="名单.csv"))
    import_commit(run=run, names=NameChoice.UPDATE)
    renamed = subject(known.id_number)
    assert renamed.name == "汪晓东"
    assert before < keys(renamed)  # the former name still matches
    assert keys(renamed) == expected_keys(renamed)


def test_removing_a_drafts_rows_removes_the_keys_and_aliases_of_deleted_subjects():
    li = person("李四")
    imported([["李四", li.id_number, "李肆"]])
    kept = subject(li.id_number)
    kept_keys = keys(kept)
    zhang = person("张三")
    run = imported([["张三", zhang.id_number, "张叁"]])
    gone = subject(zhang.id_number)
    assert keys(gone)
    removal.draft_rows_delete(notice=run.notice, run=run, by=factories.official("importer"))
    assert not Subject.objects.filter(pk=gone.pk).exists()
    assert not MatchKey.objects.filter(subject_id=gone.pk).exists()
    assert not Alias.objects.filter(subject_id=gone.pk).exists()
    assert keys(kept) == kept_keys == expected_keys(kept)  # another import's subject keeps its own


def test_keys_of_a_large_write_are_written_when_it_ends_once_each_or_not_at_all():
    a, b = 900_001, 900_002  # subject ids (the keys hold no constraint on them)
    rows = [(a, 1, 11), (b, 1, 11), (a, 2, 12)]
    with match_index.keys_staged():
        match_index.keys_insert(rows)
        match_index.keys_insert(rows[:1])  # given again: kept once
    stored = set(MatchKey.objects.filter(key__in=[11, 12]).values_list("subject_id", "kind", "key"))
    assert stored == set(rows)

    with pytest.raises(RuntimeError), transaction.atomic(), match_index.keys_staged():
        match_index.keys_insert([(a, 1, 13)])
        raise RuntimeError("the write failed")
    assert not MatchKey.objects.filter(key=13).exists()


def test_keys_of_new_subjects_are_written_once_each_however_often_they_are_given():
    new, known = 900_003, 900_004  # a subject this write created, and one from before
    MatchKey.objects.create(subject_id=known, kind=1, key=21)
    with match_index.keys_staged():
        # a name's key and an alias's key may be the same; a person may be twice in a file
        match_index.keys_insert([(new, 1, 21), (new, 1, 22), (new, 1, 22)], fresh=True)
        match_index.keys_insert([(new, 1, 22)], fresh=True)
        match_index.keys_insert([(new, 1, 21), (known, 1, 21), (known, 2, 23)])
    stored = set(
        MatchKey.objects.filter(key__in=[21, 22, 23]).values_list("subject_id", "kind", "key")
    )
    assert stored == {(new, 1, 21), (new, 1, 22), (known, 1, 21), (known, 2, 23)}


def test_the_rebuild_command_writes_the_same_keys():
    zhang = person("张三")
    imported([["张三", zhang.id_number, "张叁"]])
    written = set(MatchKey.objects.values_list("subject_id", "kind", "key"))
    MatchKey.objects.all().delete()
    call_command("rebuild_match_index", verbosity=0)
    assert set(MatchKey.objects.values_list("subject_id", "kind", "key")) == written
