"""Officials import a list through the admin: upload, check, preview, confirm."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from blacklist.models import Entry, ImportRun, ImportStatus, Subject
from devtools.synthetic import fictional_people
from tests import factories

pytestmark = pytest.mark.django_db


def csv_upload(rows: list[list[object]], *, name: str = "名单.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["序號", "姓名", "身份證號", "性別"])
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("gb18030"), content_type="text/csv")


def people(count: int, seed: int = 31) -> list[list[object]]:
    return [
        [n, p.name, p.id_number, ""] for n, p in enumerate(fictional_people(count, seed=seed), 1)
    ]


@pytest.fixture
def official_client(client):
    user = get_user_model().objects.create_superuser("importer", password="unused-pw-1")
    client.force_login(user)
    return client


def upload(client, notice, file) -> ImportRun:
    response = client.post("/admin/blacklist/importrun/add/", {"notice": notice.pk, "file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportRun.objects.latest("pk")


def test_a_good_file_is_previewed_masked_then_committed_on_confirmation(official_client):
    notice = factories.draft_notice()
    rows = people(12)
    run = upload(official_client, notice, csv_upload(rows))

    preview = official_client.get(f"/admin/blacklist/importrun/{run.pk}/change/")
    page = preview.content.decode()
    assert preview.status_code == 200
    run.refresh_from_db()
    assert (run.status, run.rows, run.valid, run.invalid) == (ImportStatus.VALIDATED, 12, 12, 0)
    assert run.encoding == "gb18030"
    factories.assert_no_full_ids(page, [row[2] for row in rows])
    assert run.sample[0]["id_number"] in page
    assert not Entry.objects.filter(notice=notice).exists()  # nothing before confirmation

    official_client.post(f"/admin/blacklist/importrun/{run.pk}/commit/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert Entry.objects.filter(notice=notice).count() == 12


def test_a_file_with_errors_shows_them_and_cannot_be_committed(official_client):
    notice = factories.draft_notice()
    rows = people(5)
    rows[2][2] = rows[2][2][:-1] + ("0" if rows[2][2][-1] != "0" else "1")  # wrong check digit
    rows[4][1] = ""  # no name
    run = upload(official_client, notice, csv_upload(rows))

    page = official_client.get(f"/admin/blacklist/importrun/{run.pk}/change/").content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.INVALID
    assert {(e["row"], e["code"]) for e in run.errors} == {(4, "id_checksum"), (6, "name_missing")}
    assert "id_checksum" in page
    assert f"/admin/blacklist/importrun/{run.pk}/commit/" not in page  # no confirm button
    factories.assert_no_full_ids(page, [row[2] for row in rows])

    official_client.post(f"/admin/blacklist/importrun/{run.pk}/commit/")
    run.refresh_from_db()
    assert run.status == ImportStatus.INVALID
    assert not Entry.objects.filter(notice=notice).exists()
    assert Subject.objects.count() == 0


def test_the_errors_download_as_csv_without_full_ids(official_client):
    notice = factories.draft_notice()
    rows = people(3)
    rows.append(list(rows[0]))  # the same person twice
    rows[3][0] = 4
    run = upload(official_client, notice, csv_upload(rows))

    response = official_client.get(f"/admin/blacklist/importrun/{run.pk}/errors.csv")
    text = response.content.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text)))
    assert response["Content-Type"].startswith("text/csv")
    assert records[1][0] == "5" and records[1][3] == "duplicate_in_file"
    assert "2" in records[1][4]  # names the row it repeats
    factories.assert_no_full_ids(text, [row[2] for row in rows])


def test_a_refused_file_says_why(official_client):
    notice = factories.draft_notice()
    file = SimpleUploadedFile("list.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    run = upload(official_client, notice, file)
    page = official_client.get(f"/admin/blacklist/importrun/{run.pk}/change/").content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.REFUSED and run.refusal_code == "encrypted_or_xls"
    assert run.refusal in page


def test_only_draft_notices_are_offered(official_client):
    draft = factories.draft_notice()
    published = factories.published_notice(count=1)
    page = official_client.get("/admin/blacklist/importrun/add/").content.decode()
    assert f'value="{draft.pk}"' in page
    assert f'value="{published.pk}"' not in page


def test_progress_answers_as_json(official_client):
    run = upload(official_client, factories.draft_notice(), csv_upload(people(3)))
    progress = official_client.get(f"/admin/blacklist/importrun/{run.pk}/progress/").json()
    assert progress["status"] == ImportStatus.VALIDATED
    assert progress["done"] == progress["total"] == 3
    assert "3" in progress["label"]


def test_people_outside_the_admin_cannot_see_imports(client):
    run = upload_as_superuser(client)
    client.logout()
    client.force_login(get_user_model().objects.create_user("citizen", password="unused-pw-2"))
    for page in ("change/", "errors.csv", "progress/"):
        response = client.get(f"/admin/blacklist/importrun/{run.pk}/{page}")
        assert response.status_code == 302  # to the login page
        assert "login" in response["Location"]


def upload_as_superuser(client) -> ImportRun:
    user = get_user_model().objects.create_superuser("someone", password="unused-pw-3")
    client.force_login(user)
    return upload(client, factories.draft_notice(), csv_upload(people(2)))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_committed_by_a_worker(official_client, worker, settings):
    settings.IMPORT_INLINE_MAX_BYTES = 0
    settings.IMPORT_INLINE_MAX_ROWS = 0
    notice = factories.draft_notice()
    run = upload(official_client, notice, csv_upload(people(300)))

    def status() -> str:
        return official_client.get(f"/admin/blacklist/importrun/{run.pk}/progress/").json()[
            "status"
        ]

    assert factories.wait_for(lambda: status() == ImportStatus.VALIDATED)
    official_client.post(f"/admin/blacklist/importrun/{run.pk}/commit/")
    assert factories.wait_for(lambda: status() == ImportStatus.COMMITTED)
    assert Entry.objects.filter(notice=notice).count() == 300
