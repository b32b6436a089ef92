"""The import pipeline: upload, validate (writes nothing), commit (all rows or none)."""

import datetime
import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone

from blacklist.importing import pipeline
from blacklist.importing.pipeline import import_commit, import_start, import_validate
from blacklist.models import Entry, ImportRun, ImportStatus, Notice, Subject
from blacklist.publication import services as publication
from blacklist.registry import identity, naming
from blacklist.registry.listing import ListingRow, listings_add
from devtools.synthetic import FictionalSubject
from tests import factories
from tests.factories import assert_no_full_ids, files

pytestmark = pytest.mark.django_db


def upload(notice: Notice, path: Path, *, name: str | None = None) -> ImportRun:
    with path.open("rb") as handle:
        return import_start(notice=notice, upload=File(handle), name=name or path.name)


def validated(notice: Notice, path: Path) -> ImportRun:
    return import_validate(run=upload(notice, path))


def registry() -> tuple[int, int]:
    return Subject.objects.count(), Entry.objects.count()


def list_on(notice: Notice, people: list[FictionalSubject]) -> None:
    rows = [ListingRow(p.name, identity.parse_identity(p.id_number)) for p in people]
    listings_add(notice=notice, rows=rows)


def csv_of(tmp_path: Path, people: list[FictionalSubject], *, name: str = "名单.csv") -> Path:
    return files.write_csv(tmp_path / name, files.full_rows(people))


def codes(run: ImportRun) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["code"]) for e in run.errors]


# --- a good file ----------------------------------------------------------------------------


def test_it_validates_then_commits_exactly_the_rows_of_a_good_file(tmp_path):
    notice = factories.draft_notice()
    people = files.people(5, seed=21)
    run = validated(notice, csv_of(tmp_path, people))

    assert run.status == ImportStatus.VALIDATED
    assert (run.rows, run.valid, run.invalid, run.duplicates) == (5, 5, 0, 0)
    assert (run.subjects_new, run.subjects_known, run.error_count, run.errors) == (5, 0, 0, [])
    assert run.can_commit
    assert registry() == (0, 0)

    run = import_commit(run=run)

    assert run.status == ImportStatus.COMMITTED
    assert (run.subjects_new, run.subjects_known) == (5, 0)
    assert run.committed_at is not None and run.commit_seconds is not None
    entries = factories.entries_of(notice)
    assert registry() == (5, 5)
    by_id = {entry.subject.id_number(): entry for entry in entries}
    assert sorted(by_id) == sorted(p.id_number for p in people)
    for person in people:
        entry = by_id[person.id_number]
        assert entry.subject.name == person.name
        assert entry.subject.name_key == naming.fold_name(person.name)
        assert entry.subject.id_masked == identity.mask_id(person.id_number)
        assert (entry.offence, entry.measures) == (files.OFFENCE, files.MEASURES)
        assert (entry.term_start, entry.term_end) == (files.START, files.END)


def test_it_takes_offence_measures_and_term_from_the_programme_when_the_file_has_none(tmp_path):
    programme = factories.programme(code="two-cards-sellers", term_months=24)
    notice = factories.draft_notice(prog=programme)
    people = files.people(3, seed=22)
    path = files.write_csv(tmp_path / "名单.csv", files.minimal_rows(people), header=files.MINIMAL)

    import_commit(run=validated(notice, path))

    today = timezone.localdate()
    start, end = programme.default_term(today)
    assert end == datetime.date(today.year + 2, today.month, today.day) - datetime.timedelta(1)
    for entry in factories.entries_of(notice):
        assert (entry.offence, entry.measures) == ("出租、出售银行卡", "限制开户")
        assert (entry.term_start, entry.term_end) == (start, end)


def test_it_starts_the_term_on_the_planned_publication_day(tmp_path):
    notice = factories.draft_notice()
    notice.publish_at = timezone.now() + datetime.timedelta(days=10)
    notice.save()
    path = files.write_csv(
        tmp_path / "名单.csv", files.minimal_rows(files.people(2, seed=23)), header=files.MINIMAL
    )

    import_commit(run=validated(notice, path))

    planned = timezone.localdate(notice.publish_at)
    assert {e.term_start for e in factories.entries_of(notice)} == {planned}


def test_it_imports_a_gb18030_file_with_traditional_headers_and_a_title(tmp_path):
    notice = factories.draft_notice()
    people = files.people(4, seed=24)
    path = files.write_csv(
        tmp_path / "名單.csv",
        files.full_rows(people),
        header=files.TRADITIONAL,
        encoding="gb18030",
        title=files.TITLE,
    )

    run = import_commit(run=validated(notice, path))

    assert (run.status, run.encoding, run.valid) == (ImportStatus.COMMITTED, "gb18030", 4)
    assert Entry.objects.filter(notice=notice).count() == 4


def test_it_imports_a_workbook_with_a_title_and_date_cells(tmp_path):
    notice = factories.draft_notice()
    people = files.people(4, seed=25)
    path = files.write_xlsx(tmp_path / "名单.xlsx", files.full_rows(people), title=files.TITLE)

    run = import_commit(run=validated(notice, path))

    assert (run.status, run.file_format, run.valid) == (ImportStatus.COMMITTED, "xlsx", 4)
    entries = factories.entries_of(notice)
    assert {(e.term_start, e.term_end) for e in entries} == {(files.START, files.END)}


def test_it_warns_about_columns_it_does_not_use(tmp_path):
    notice = factories.draft_notice()
    person = files.people(1, seed=26)[0]
    rows = [[person.name, person.id_number, "13800000000"]]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=("姓名", "身份证号", "联系电话"))

    run = validated(notice, path)

    assert run.status == ImportStatus.VALIDATED
    assert [(w["row"], w["column"], w["code"]) for w in run.warnings] == [
        (1, "联系电话", "column_ignored")
    ]


def test_a_row_with_a_warning_is_still_imported(tmp_path):
    notice = factories.draft_notice()
    unknown_region = identity.make_resident_id("990101", datetime.date(1990, 1, 1), 5)
    rows = [["张三", unknown_region, "女"]]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=("姓名", "身份证号", "性别"))

    run = validated(notice, path)

    assert (run.status, run.valid, run.warning_count) == (ImportStatus.VALIDATED, 1, 2)
    assert {w["code"] for w in run.warnings} == {"region_unknown", "gender_mismatch"}
    assert import_commit(run=run).status == ImportStatus.COMMITTED


# --- subjects across notices ----------------------------------------------------------------


def test_a_person_known_from_another_notice_is_linked_not_duplicated(tmp_path):
    known, new = files.people(4, seed=27)[:2], files.people(4, seed=27)[2:]
    list_on(factories.draft_notice(batch=1), known)
    notice = factories.draft_notice(batch=2)

    run = validated(notice, csv_of(tmp_path, known + new))

    assert (run.subjects_new, run.subjects_known) == (2, 2)
    run = import_commit(run=run)
    assert (run.subjects_new, run.subjects_known) == (2, 2)
    assert registry() == (4, 6)
    for person in known:
        digest = identity.lookup_hmac(person.id_number, key=pipeline.settings.ID_LOOKUP_KEY)
        assert Entry.objects.filter(subject__id_hmac=digest).count() == 2


def test_the_same_file_can_be_imported_into_another_notice(tmp_path):
    path = csv_of(tmp_path, files.people(3, seed=28))
    import_commit(run=validated(factories.draft_notice(batch=1), path))

    run = import_commit(run=validated(factories.draft_notice(batch=2), path))

    assert (run.status, run.subjects_new, run.subjects_known) == (ImportStatus.COMMITTED, 0, 3)
    assert registry() == (3, 6)


# --- validation writes nothing --------------------------------------------------------------


def test_validation_writes_nothing_to_the_registry(tmp_path):
    factories.published_notice(count=2)
    before = registry()
    notice = factories.draft_notice()

    good = validated(notice, csv_of(tmp_path, files.people(5, seed=29)))
    bad = validated(
        notice, files.write_csv(tmp_path / "坏.csv", [["", "123"]], header=files.MINIMAL)
    )

    assert (good.status, bad.status) == (ImportStatus.VALIDATED, ImportStatus.INVALID)
    assert registry() == before


def test_a_file_with_any_error_cannot_be_committed_and_writes_nothing(tmp_path):
    notice = factories.draft_notice()
    rows = files.full_rows(files.people(5, seed=30))
    rows[3][2] = rows[3][2][:17] + ("1" if rows[3][2][17] != "1" else "2")
    run = validated(notice, files.write_csv(tmp_path / "名单.csv", rows))

    assert run.status == ImportStatus.INVALID
    assert (run.rows, run.valid, run.invalid, run.error_count) == (5, 4, 1, 1)
    assert codes(run) == [(5, "ID number", "id_checksum")]
    assert run.errors[0]["seq"] == "4"
    assert not run.can_commit
    with pytest.raises(ValidationError):
        import_commit(run=run)
    run.refresh_from_db()
    assert run.status == ImportStatus.INVALID
    assert registry() == (0, 0)


def test_it_refuses_a_file_with_a_header_and_no_rows(tmp_path):
    notice = factories.draft_notice()
    path = files.write_csv(tmp_path / "名单.csv", [], header=files.SIMPLIFIED)

    run = validated(notice, path)

    assert (run.status, run.refusal_code) == (ImportStatus.REFUSED, "no_rows")
    with pytest.raises(ValidationError):
        import_commit(run=run)


def test_it_records_a_file_refused_by_its_content(tmp_path):
    notice = factories.draft_notice()
    path = files.write_zip_bomb_xlsx(tmp_path / "名单.xlsx", padding_mb=16)

    run = validated(notice, path)

    assert (run.status, run.refusal_code) == (ImportStatus.REFUSED, "zip_bomb")
    assert run.refusal


@pytest.mark.parametrize(
    ("name", "limit", "code"),
    [("名单.txt", None, "extension"), ("名单.csv", 100, "too_large")],
)
def test_it_refuses_by_name_and_size_before_storing_the_file(tmp_path, settings, name, limit, code):
    if limit:
        settings.IMPORT_MAX_BYTES = limit
    notice = factories.draft_notice()

    run = upload(notice, csv_of(tmp_path, files.people(3, seed=31)), name=name)

    assert (run.status, run.refusal_code) == (ImportStatus.REFUSED, code)
    assert not run.file
    assert factories.stored_files() == set()


def test_the_pipeline_refuses_terms_that_end_before_the_default_start(tmp_path):
    notice = factories.draft_notice()
    person = files.people(1, seed=32)[0]
    rows = [[person.name, person.id_number, "2020-12-31"]]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=("姓名", "身份证号", "惩戒终止日期"))

    run = validated(notice, path)

    assert run.status == ImportStatus.INVALID
    assert codes(run) == [(2, "term end", "term_order")]


def test_it_keeps_only_the_first_errors_but_counts_them_all(tmp_path, settings):
    settings.IMPORT_MAX_STORED_ERRORS = 3
    notice = factories.draft_notice()
    rows = [["", p.id_number] for p in files.people(8, seed=33)]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=files.MINIMAL)

    run = validated(notice, path)

    assert (run.invalid, run.error_count, len(run.errors)) == (8, 8, 3)
    assert [e["row"] for e in run.errors] == [2, 3, 4]


# --- duplicates -----------------------------------------------------------------------------


def test_it_reports_a_duplicate_on_its_second_row_naming_the_first(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 2)  # the second copy sits in a later chunk
    notice = factories.draft_notice()
    people = files.people(4, seed=34)
    again = "".join(chr(ord(c) + 0xFEE0) for c in people[1].id_number)  # full-width, same ID
    rows = [*files.minimal_rows(people), [people[1].name, again]]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=files.MINIMAL)

    run = validated(notice, path)

    assert run.status == ImportStatus.INVALID
    assert (run.rows, run.valid, run.invalid, run.duplicates) == (5, 4, 1, 1)
    assert codes(run) == [(6, "ID number", "duplicate_in_file")]
    assert "row 3" in run.errors[0]["message"]
    assert run.errors[0]["value"] == identity.mask_id(people[1].id_number)


def test_it_refuses_a_person_the_notice_already_lists(tmp_path):
    notice = factories.draft_notice()
    people = files.people(3, seed=35)
    list_on(notice, people[2:])

    run = validated(notice, csv_of(tmp_path, people))

    assert run.status == ImportStatus.INVALID
    assert codes(run) == [(4, "ID number", "already_listed")]
    assert registry() == (1, 1)


# --- committing once ------------------------------------------------------------------------


def test_the_same_file_committed_twice_to_a_notice_is_refused_and_writes_nothing(tmp_path):
    notice = factories.draft_notice()
    path = csv_of(tmp_path, files.people(3, seed=36))
    import_commit(run=validated(notice, path))
    before = registry()

    again = validated(notice, files.write_csv(tmp_path / "副本.csv", [], header=files.MINIMAL))
    assert again.refusal_code == "no_rows"  # a different file is judged on its own
    run = validated(notice, path)

    assert (run.status, run.refusal_code) == (ImportStatus.REFUSED, "already_imported")
    assert registry() == before


def test_two_validated_runs_of_the_same_file_land_once(tmp_path):
    notice = factories.draft_notice()
    path = csv_of(tmp_path, files.people(3, seed=37))
    first, second = validated(notice, path), validated(notice, path)
    assert first.can_commit and second.can_commit

    import_commit(run=first)
    before = registry()
    second = import_commit(run=second)

    assert (second.status, second.refusal_code) == (ImportStatus.FAILED, "already_imported")
    assert registry() == before == (3, 3)


def test_committing_twice_is_a_no_op(tmp_path):
    notice = factories.draft_notice()
    run = import_commit(run=validated(notice, csv_of(tmp_path, files.people(3, seed=38))))

    again = import_commit(run=ImportRun.objects.get(pk=run.pk))

    assert again.status == ImportStatus.COMMITTED
    assert registry() == (3, 3)


def test_only_a_draft_notice_accepts_an_import(tmp_path):
    notice = factories.published_notice(count=1)
    before = registry()

    with pytest.raises(ValidationError):
        upload(notice, csv_of(tmp_path, files.people(2, seed=39)))

    assert not ImportRun.objects.exists()
    assert registry() == before


def test_a_notice_approved_after_validation_refuses_the_commit(tmp_path):
    notice = factories.draft_notice()
    list_on(notice, files.people(1, seed=40))
    run = validated(notice, csv_of(tmp_path, files.people(3, seed=41)))
    publication.notice_approve(notice=notice, by=factories.official("approver"))

    run = import_commit(run=run)

    assert (run.status, run.refusal_code) == (ImportStatus.FAILED, "notice_not_draft")
    assert registry() == (1, 1)
    assert factories.stored_files("imports/spool") == set()  # the validated rows went with it


def test_a_failure_mid_commit_leaves_the_registry_as_it_was(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK", 2)  # rows 1-4 are written before row 5 fails
    factories.published_notice(count=2)
    notice = factories.draft_notice()
    people = files.people(5, seed=42)
    run = validated(notice, csv_of(tmp_path, people))
    assert run.can_commit
    # Someone lists the file's last person on the notice between validation and commit.
    list_on(notice, people[-1:])
    before = registry()

    run = import_commit(run=run)

    assert (run.status, run.refusal_code) == (ImportStatus.FAILED, "changed")
    assert registry() == before
    assert Entry.objects.filter(notice=notice).count() == 1
    assert factories.stored_files("imports/spool") == set()


# --- what the run shows ---------------------------------------------------------------------


def test_it_reports_progress_of_both_phases_to_the_end(tmp_path):
    notice = factories.draft_notice()
    calls: list[tuple[str, int, int | None]] = []

    def report(phase: str, done: int, total: int | None) -> None:
        calls.append((phase, done, total))

    run = upload(notice, csv_of(tmp_path, files.people(5, seed=45)))

    import_commit(run=import_validate(run=run, progress=report), progress=report)

    assert calls[-1] == ("commit", 5, 5)
    assert ("validate", 5, 5) in calls
    assert pipeline.import_progress(run=run)["done"] == 5


def test_the_sample_shows_rows_as_they_will_be_published(tmp_path):
    notice = factories.draft_notice()
    people = files.people(3, seed=43)

    run = validated(notice, csv_of(tmp_path, people))

    assert [row["row"] for row in run.sample] == [2, 3, 4]
    for row, person in zip(run.sample, people, strict=True):
        masked = naming.mask_name(person.name, kind=identity.SubjectKind.PERSON)
        assert (row["name"], row["id_number"]) == (masked, identity.mask_id(person.id_number))
        assert (row["term_start"], row["term_end"]) == ("2020-11-01", "2025-10-31")


def test_errors_warnings_and_sample_never_hold_a_full_id(tmp_path):
    notice = factories.draft_notice()
    people = files.people(8, seed=44)
    list_on(notice, people[:1])
    rows = files.full_rows(people)
    rows[2][2] = rows[2][2][:17] + ("1" if rows[2][2][17] != "1" else "2")  # id_checksum
    rows[3][3] = "女" if rows[3][3] == "男" else "男"  # gender_mismatch
    rows.append(list(rows[4]))  # duplicate_in_file
    rows.append(["9", "李四", rows[5][2].lower(), "", "", "", "", "2025-01-01", "2020-01-01"])
    numbers = [p.id_number for p in people] + [rows[2][2]]

    run = validated(notice, files.write_csv(tmp_path / "名单.csv", rows))
    good = validated(factories.draft_notice(), csv_of(tmp_path, people, name="好.csv"))

    assert {e["code"] for e in run.errors} == {
        "already_listed", "id_checksum", "duplicate_in_file", "term_order"
    }  # fmt: skip
    assert len(good.sample) == 8
    text = json.dumps(run.errors + run.warnings + run.sample + good.sample, ensure_ascii=False)
    assert_no_full_ids(text, numbers)


# --- the stored file -------------------------------------------------------------------------


def test_the_uploaded_file_is_kept_sealed_and_still_imports(tmp_path, monkeypatch):
    local = tmp_path / "local-temp"
    local.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(local))  # where the plain copy is made
    notice = factories.draft_notice()
    people = files.people(5, seed=61)
    source = csv_of(tmp_path, people)

    run = upload(notice, source)

    stored = factories.stored_bytes(run.file.name)
    assert_no_full_ids(stored.decode("latin-1"), [p.id_number for p in people])
    assert people[0].name.encode() not in stored
    assert run.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    run = import_commit(run=import_validate(run=run))
    assert (run.status, run.valid) == (ImportStatus.COMMITTED, 5)
    assert list(local.iterdir()) == []  # the plain copy is gone


def test_stored_files_are_deleted_after_retention_and_the_record_stays(tmp_path, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    notice = factories.draft_notice()
    old = import_commit(
        run=import_validate(run=upload(notice, csv_of(tmp_path, files.people(3, seed=62))))
    )
    waiting = import_validate(
        run=upload(notice, csv_of(tmp_path, files.people(2, seed=64), name="待.csv"))
    )
    recent = upload(notice, csv_of(tmp_path, files.people(2, seed=63), name="新.csv"))
    ImportRun.objects.filter(pk__in=[old.pk, waiting.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    old_file = old.file.name

    assert pipeline.import_files_purge() == 1
    assert pipeline.import_files_purge() == 0  # a rerun has nothing to do

    old.refresh_from_db()
    assert not old.file and old_file not in factories.stored_files()
    assert pipeline.spool_name(old) not in factories.stored_files()
    assert (old.sha256, old.rows, old.valid) != ("", 0, 0)
    assert ImportRun.objects.get(pk=recent.pk).file.name in factories.stored_files()
    # a validated run waiting for confirmation keeps what it needs to be committed
    waiting.refresh_from_db()
    assert {waiting.file.name, pipeline.spool_name(waiting)} <= factories.stored_files()
    assert import_commit(run=waiting).status == ImportStatus.COMMITTED
