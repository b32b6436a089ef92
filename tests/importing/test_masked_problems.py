"""An ID number typed into any column of a list file is still an ID number: the preview, the
errors download, the stored run and the command line show it masked, never in full."""

import csv
import datetime
import importlib
import io
import json
import unicodedata
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from blacklist.importing.rows import Problem, judge_row
from blacklist.models import ImportRun, ImportStatus
from blacklist.registry import identity
from tests import factories
from tests.factories import files
from tests.registry.identity_forms import full_width

pytestmark = pytest.mark.django_db


def stray(day: int) -> str:
    """A valid ID number of nobody in the file, with a birth date found nowhere else."""
    return identity.make_resident_id("420106", datetime.date(1971, 2, day), 300 + day)


IN_SEQ, IN_START, IN_END, IN_NAME, IN_OFFENCE, IN_MEASURES, IN_HEADER, IN_FILE_NAME = (
    stray(day) for day in range(3, 11)
)
STRAYS = [IN_SEQ, IN_START, IN_END, IN_NAME, IN_OFFENCE, IN_MEASURES, IN_HEADER, IN_FILE_NAME]
HEADER = (*files.SIMPLIFIED, f"联系人{IN_HEADER}")  # an extra column, ignored with a warning


def list_rows() -> list[list[object]]:
    """Four people; every row but the first carries a stray ID number somewhere."""
    people = files.people(4, seed=71)
    rows = [[*row, ""] for row in files.full_rows(people)]
    rows[1][0] = IN_SEQ  # 序号, and the row has an error to name it by
    rows[1][7] = IN_START  # a date column
    rows[2][8] = f"{IN_END[:6]}-{IN_END[6:14]}-{IN_END[14:]}"
    rows[2][1] = f"{rows[2][1]}{IN_NAME}"  # glued to the name
    rows[3][5] = f"{files.OFFENCE}（{full_width(IN_OFFENCE)}）"
    rows[3][6] = f"{files.MEASURES} {IN_MEASURES[:6]} {IN_MEASURES[6:]}"
    rows[3][0] = full_width(IN_SEQ)
    return rows


def assert_nowhere(text: str, numbers: list[str]) -> None:
    """Neither a number nor the birth date its mask hides, in any width."""
    folded = unicodedata.normalize("NFKC", text)
    for number in numbers:
        assert number not in folded
        assert number[6:14] not in folded, f"the hidden digits of {identity.mask_id(number)}"


def assert_only_masked(text: str, numbers: list[str]) -> None:
    """No number in full, each one's mask instead."""
    assert_nowhere(text, numbers)
    for number in numbers:
        assert identity.mask_id(number) in text


@pytest.fixture
def official_client(client):
    user = get_user_model().objects.create_superuser("importer", password="unused-pw-1")
    client.force_login(user)
    return client


@pytest.mark.parametrize("make", [files.csv_bytes, files.xlsx_bytes], ids=["csv", "xlsx"])
def test_the_preview_the_errors_download_and_the_run_show_stray_id_numbers_masked(
    official_client, make
):
    notice = factories.draft_notice()
    extension = "csv" if make is files.csv_bytes else "xlsx"
    upload = SimpleUploadedFile(
        f"名单{IN_FILE_NAME}.{extension}", make(list_rows(), header=HEADER, title=files.TITLE)
    )

    response = official_client.post(
        "/admin/blacklist/importrun/add/", {"notice": notice.pk, "file": upload}
    )
    run = ImportRun.objects.latest("pk")
    preview = official_client.get(response["Location"]).content.decode()
    download = official_client.get(f"/admin/blacklist/importrun/{run.pk}/errors.csv")

    run.refresh_from_db()
    assert run.status == ImportStatus.INVALID
    assert sorted((e["row"], e["code"]) for e in run.errors) == [
        (4, "date_invalid"),  # 序号 and term start
        (5, "date_invalid"),  # term end
        (5, "id_in_text"),  # name
        (6, "id_in_text"),  # offence
        (6, "id_in_text"),  # measures; and 序号 in full width
    ]
    assert [w["code"] for w in run.warnings] == ["column_ignored"]
    stored = json.dumps([run.errors, run.warnings, run.original_name], ensure_ascii=False)
    assert_only_masked(stored, STRAYS)
    assert_only_masked(preview, STRAYS)
    errors_csv = download.content.decode("utf-8-sig")
    assert_only_masked(errors_csv, [IN_SEQ, IN_START, IN_END, IN_NAME, IN_OFFENCE, IN_MEASURES])
    seqs = {record[0]: record[1] for record in csv.reader(io.StringIO(errors_csv))}
    assert seqs["4"] == seqs["6"] == identity.mask_id(IN_SEQ)


def test_import_list_json_shows_stray_id_numbers_masked(tmp_path: Path):
    notice = factories.draft_notice()
    path = files.write_csv(
        tmp_path / "名单.csv", list_rows(), header=HEADER, title=files.TITLE, encoding="gb18030"
    )
    out = io.StringIO()

    with pytest.raises(SystemExit) as exit_:
        call_command("import_list", str(path), "--notice", str(notice.pk), "--json", stdout=out)

    assert exit_.value.code == 1
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["rows"], summary["valid"], summary["invalid"]) == (4, 1, 3)
    # Its errors carry row, column, code and message: the messages quote the text columns.
    assert_only_masked(out.getvalue(), [IN_NAME, IN_OFFENCE, IN_MEASURES])
    assert_nowhere(out.getvalue(), [IN_SEQ, IN_START, IN_END, IN_HEADER])


@pytest.mark.parametrize("column", ["name", "offence", "measures"])
def test_an_id_number_in_a_published_text_column_is_an_error(column: str):
    person = files.people(1, seed=72)[0]
    columns = {"name": 0, "id_number": 1, "offence": 2, "measures": 3}
    cells = [person.name, person.id_number, files.OFFENCE, files.MEASURES]
    cells[columns[column]] += f" {IN_NAME}"

    judged = judge_row(2, cells, columns)

    assert judged is not None and judged.listing is None
    [problem] = judged.errors
    masked = cells[columns[column]].replace(IN_NAME, identity.mask_id(IN_NAME))
    assert (problem.code, problem.value) == ("id_in_text", masked)
    assert problem.message.endswith(masked)


def test_a_problem_keeps_only_masked_id_numbers_in_every_field():
    problem = Problem(
        3, f"备注{IN_HEADER}", "x", f"about {IN_NAME}", f"{'长' * 30}{IN_START}", full_width(IN_SEQ)
    )

    assert problem.as_dict() == {
        "row": 3,
        "seq": identity.mask_id(IN_SEQ),
        "column": f"备注{identity.mask_id(IN_HEADER)}",
        "code": "x",
        "message": f"about {identity.mask_id(IN_NAME)}",
        "value": f"{'长' * 30}{identity.mask_id(IN_START)}"[:40],  # masked, then cut
    }


def test_problems_stored_before_masking_covered_every_column_are_masked_by_the_migration():
    masking = importlib.import_module("blacklist.migrations.0022_mask_stored_import_problems")
    number = identity.make_resident_id("420106", datetime.date(1990, 1, 1), 12)
    run = ImportRun.objects.create(
        notice=factories.draft_notice(),
        uploaded_by=factories.official("importer"),
        original_name=f"名单{number}.csv",
        size=1,
        sha256="0" * 64,
        refusal=f"refused: {number}",
        errors=[{"row": 3, "column": "序号", "code": "x", "value": number, "message": number}],
        warnings=[{"row": 4, "value": f"张三{number}"}],
    )

    masking.forwards(django_apps, None)

    run.refresh_from_db()
    stored = json.dumps(
        [run.original_name, run.refusal, run.errors, run.warnings], ensure_ascii=False
    )
    assert number not in stored
    assert stored.count(identity.mask_id(number)) == 5
