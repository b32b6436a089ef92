"""`manage.py import_list PATH --notice ID [--dry-run] [--json]`: what a calling program sees."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blacklist.models import Entry, Notice, Subject
from blacklist.registry import identity
from blacklist.registry.listing import ListingRow, listings_add
from tests import factories
from tests.factories import assert_no_full_ids, files

pytestmark = pytest.mark.django_db
SUMMARY_KEYS = {"rows", "valid", "invalid", "duplicates", "created", "linked", "errors"}


def import_list(path: Path, notice: Notice, *options: str) -> tuple[int, dict, str]:
    """Exit status, the JSON summary (the last line printed) and everything printed."""
    out = io.StringIO()
    try:
        call_command("import_list", str(path), "--notice", str(notice.pk), *options, stdout=out)
    except SystemExit as exit_:
        status = exit_.code
    else:
        status = 0
    printed = out.getvalue()
    summary = json.loads(printed.strip().splitlines()[-1]) if "--json" in options else {}
    return status, summary, printed


def registry() -> tuple[int, int]:
    return Subject.objects.count(), Entry.objects.count()


def test_it_imports_a_good_file_and_ends_with_one_json_summary(tmp_path):
    notice = factories.draft_notice()
    people = files.people(4, seed=51)
    known = people[0]
    listings_add(
        notice=factories.draft_notice(batch=1),
        rows=[ListingRow(known.name, identity.parse_identity(known.id_number))],
    )
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(people), title=files.TITLE)

    status, summary, printed = import_list(path, notice, "--json")

    assert status == 0
    assert summary.keys() >= SUMMARY_KEYS
    assert {key: summary[key] for key in SUMMARY_KEYS} == {
        "rows": 4, "valid": 4, "invalid": 0, "duplicates": 0, "created": 3, "linked": 1,
        "errors": [],
    }  # fmt: skip
    assert Entry.objects.filter(notice=notice).count() == 4
    assert_no_full_ids(printed, [p.id_number for p in people])


def test_it_lists_row_errors_with_row_and_column_and_writes_nothing(tmp_path):
    notice = factories.draft_notice()
    people = files.people(3, seed=52)
    rows = [*files.minimal_rows(people), ["", "42010619900101"], *files.minimal_rows(people[:1])]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=files.MINIMAL)

    status, summary, printed = import_list(path, notice, "--json")

    assert status == 1
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (5, 3, 2)
    assert summary["duplicates"] == 1
    assert summary["errors"] == [
        {"row": 5, "column": "name", "code": "name_missing", "message": "The name is missing."},
        {
            "row": 5,
            "column": "ID number",
            "code": "id_length",
            "message": "A resident ID number has 18 characters.",
        },
        {
            "row": 6,
            "column": "ID number",
            "code": "duplicate_in_file",
            "message": "The same ID number is already in row 2 of this file.",
        },
    ]
    assert registry() == (0, 0)
    assert_no_full_ids(printed, [p.id_number for p in people])


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("名单.xlsx", files.csv_bytes([["张三", "420106199001011231"]], header=files.MINIMAL),
         "type_mismatch"),
        ("名单.txt", b"hello", "extension"),
        ("名单.csv", files.csv_bytes([], header=files.MINIMAL), "no_rows"),
        ("名单.csv", files.csv_bytes([["张三", "男"]], header=("姓名", "性别")), "missing_columns"),
    ],
)  # fmt: skip
def test_it_refuses_a_file_and_puts_the_refusal_first(tmp_path, name, content, code):
    notice = factories.draft_notice()
    path = tmp_path / name
    path.write_bytes(content)

    status, summary, _ = import_list(path, notice, "--json")

    assert status == 1
    assert summary["errors"][0]["row"] is None
    assert summary["errors"][0]["column"] is None
    assert summary["errors"][0]["code"] == code
    assert summary["errors"][0]["message"]
    assert registry() == (0, 0)


def test_a_dry_run_validates_a_good_file_writes_nothing_and_exits_0(tmp_path):
    notice = factories.draft_notice()
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(files.people(3, seed=53)))

    status, summary, _ = import_list(path, notice, "--dry-run", "--json")

    assert status == 0
    assert (summary["rows"], summary["valid"], summary["errors"]) == (3, 3, [])
    assert registry() == (0, 0)
    # the dry run did not use up the file: the real import still goes through
    assert import_list(path, notice, "--json")[0] == 0
    assert registry() == (3, 3)


def test_a_dry_run_of_a_file_with_errors_exits_1(tmp_path):
    notice = factories.draft_notice()
    path = files.write_csv(tmp_path / "名单.csv", [["张三", "123"]], header=files.MINIMAL)

    status, summary, _ = import_list(path, notice, "--dry-run", "--json")

    assert status == 1
    assert [e["code"] for e in summary["errors"]] == ["id_length"]


def test_it_prints_a_readable_report_without_json(tmp_path):
    notice = factories.draft_notice()
    rows = [["张三", "42010619900101123"], *files.minimal_rows(files.people(2, seed=54))]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=files.MINIMAL)

    status, _, printed = import_list(path, notice)

    assert status == 1
    assert "3 rows, 2 valid, 1 invalid" in printed
    assert "row 2 [ID number] id_length" in printed


def test_it_stops_on_a_notice_that_is_not_a_draft(tmp_path):
    notice = factories.published_notice(count=1)
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(files.people(2, seed=55)))

    with pytest.raises(CommandError):
        import_list(path, notice, "--json")

    assert registry() == (1, 1)


def test_it_stops_on_a_missing_file_or_notice(tmp_path):
    notice = factories.draft_notice()
    with pytest.raises(CommandError):
        import_list(tmp_path / "nowhere.csv", notice)
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(files.people(1, seed=56)))
    with pytest.raises(CommandError):
        call_command("import_list", str(path), "--notice", "999999")
