"""An import never silently changes who a person is: a known ID number under another name is
a warning, and the official chooses between the registered name and the file's spelling."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client

from blacklist.importing.pipeline import import_commit, import_start, import_validate
from blacklist.models import Entry, ImportRun, ImportStatus, NameChoice, Notice, Subject
from blacklist.platforms.clients import api_client_create
from blacklist.publication import services as publication
from tests import factories
from tests.factories import files
from tests.factories.people import Person, entry_of, person, publish

pytestmark = pytest.mark.django_db

# Names that differ in a character the public mask shows: 王*明 and 汪*明.
REGISTERED, RESPELT = "王小明", "汪小明"


@pytest.fixture(autouse=True)
def _counters_from_zero(isolated_cache) -> None:
    """Searches and API calls here count against rate limits of this test alone."""


def listed_as(name: str) -> Person:
    """A person on a published notice, in force: on the change feed already."""
    someone = person(name)
    publish([someone])
    return someone


def validated(rows: list[list[object]], *, notice: Notice | None = None) -> ImportRun:
    notice = notice or factories.draft_notice()
    upload = ContentFile(files.csv_bytes(rows, header=files.MINIMAL))
    run = import_start(notice=notice, upload=upload, name="名单.csv")
    return import_validate(run=run)


def found_by_search(text: str, *, shown: str) -> bool:
    """Whether a visitor's name search lists an entry under the masked name `shown`."""
    response = Client().get("/search/", {"q": text})
    assert response.status_code == 200
    return shown in response.content.decode()


def subject_of(someone: Person) -> Subject:
    return entry_of(someone).subject


def test_a_known_id_under_another_name_is_a_masked_warning_that_does_not_block():
    known = listed_as(REGISTERED)
    other = person("李四")

    run = validated([[RESPELT, known.id_number], [other.name, other.id_number]])

    assert (run.status, run.valid, run.invalid, run.name_conflicts) == (
        ImportStatus.VALIDATED, 2, 0, 1,
    )  # fmt: skip
    (warning,) = [w for w in run.warnings if w["code"] == "name_differs"]
    masked_id = subject_of(known).id_masked
    assert (warning["row"], warning["value"]) == (2, masked_id)
    assert "王*明" in warning["message"] and "汪*明" in warning["message"]
    assert masked_id in warning["message"]
    # The preview shows the name that will be published, with the file's spelling beside it.
    assert run.sample[0]["name"] == "王*明" and run.sample[0]["name_in_file"] == "汪*明"
    assert "name_in_file" not in run.sample[1]
    stored = json.dumps([run.warnings, run.errors, run.sample], ensure_ascii=False)
    assert REGISTERED not in stored and RESPELT not in stored
    factories.assert_no_full_ids(stored, [known.id_number, other.id_number])


def test_the_same_name_in_the_other_script_or_spacing_is_no_warning():
    known = listed_as("张晓明")

    run = validated([["張 曉明", known.id_number]])

    assert (run.status, run.name_conflicts, run.warnings) == (ImportStatus.VALIDATED, 0, [])


def test_by_default_the_registered_name_is_kept():
    known = listed_as(REGISTERED)
    run = validated([[RESPELT, known.id_number]])

    run = import_commit(run=run)

    assert (run.status, run.name_choice, run.subjects_renamed) == (
        ImportStatus.COMMITTED, NameChoice.KEEP, 0,
    )  # fmt: skip
    subject = subject_of(known)
    assert subject.name == REGISTERED
    assert not subject.former_names.exists()
    assert found_by_search(REGISTERED, shown="王*明")
    assert not found_by_search(RESPELT, shown="王*明")


def test_recording_the_files_spelling_renames_and_keeps_the_old_name():
    known = listed_as(REGISTERED)
    run = validated([[RESPELT, known.id_number]])
    chooser = factories.official("importer")

    run = import_commit(run=run, names=NameChoice.UPDATE, by=chooser)

    assert (run.status, run.name_choice, run.name_choice_by, run.subjects_renamed) == (
        ImportStatus.COMMITTED, NameChoice.UPDATE, chooser, 1,
    )  # fmt: skip
    subject = subject_of(known)
    assert (subject.name, subject.name_key) == (RESPELT, RESPELT)
    (former,) = subject.former_names.all()
    assert (former.name, former.name_key, former.import_run) == (REGISTERED, REGISTERED, run)
    # The published entry reads under its new name; the public search follows current names.
    assert found_by_search(RESPELT, shown="汪*明")
    assert found_by_search("汪小", shown="汪*明")
    assert not found_by_search(REGISTERED, shown="汪*明")
    assert not found_by_search(REGISTERED, shown="王*明")


def test_a_second_rename_keeps_both_former_names_and_the_index_in_step():
    known = listed_as(REGISTERED)
    import_commit(run=validated([[RESPELT, known.id_number]]), names=NameChoice.UPDATE)

    import_commit(run=validated([["汪晓明", known.id_number]]), names=NameChoice.UPDATE)

    subject = subject_of(known)
    assert subject.name == "汪晓明"
    assert [f.name for f in subject.former_names.all()] == [REGISTERED, RESPELT]
    assert found_by_search("汪晓明", shown="汪*明")
    assert not found_by_search(RESPELT, shown="汪*明")


def test_a_rename_is_on_the_change_feed_for_platforms_holding_a_copy():
    known = listed_as(REGISTERED)
    _client, key = api_client_create(
        name="bank", scopes=["lookup", "feed", "identity"], rate_per_minute=1000
    )
    http = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    before = http.get("/api/v1/changes/", {"after": 0}).json()
    listed_entry = entry_of(known).public_id

    import_commit(run=validated([[RESPELT, known.id_number]]), names=NameChoice.UPDATE)

    page = http.get("/api/v1/changes/", {"after": before["next_after"]}).json()
    assert [(e["kind"], e["entry"]["public_id"]) for e in page["events"]] == [
        ("updated", listed_entry)
    ]
    assert page["events"][0]["entry"]["subject"]["name"] == RESPELT


def test_only_entries_the_feed_holds_are_updated_on_it():
    known = person(REGISTERED)
    factories.terms_end(publish([known]))
    assert publication.entries_expire_due() == 1  # listed on the feed, then ended on it
    in_force = Entry.objects.get(notice=publish([known]))
    _client, key = api_client_create(name="bank", scopes=["feed"], rate_per_minute=1000)
    http = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    before = http.get("/api/v1/changes/", {"after": 0}).json()["next_after"]

    import_commit(run=validated([[RESPELT, known.id_number]]), names=NameChoice.UPDATE)

    events = http.get("/api/v1/changes/", {"after": before}).json()["events"]
    assert [(e["kind"], e["entry"]["public_id"]) for e in events] == [
        ("updated", in_force.public_id)
    ]
    assert events[0]["entry"]["subject"]["name"] == "汪*明"  # masked without `identity`


def test_keeping_the_names_adds_nothing_to_the_change_feed():
    known = listed_as(REGISTERED)
    _client, key = api_client_create(name="bank", scopes=["feed"], rate_per_minute=1000)
    http = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    before = http.get("/api/v1/changes/", {"after": 0}).json()["next_after"]

    import_commit(run=validated([[RESPELT, known.id_number]]))

    assert http.get("/api/v1/changes/", {"after": before}).json()["events"] == []


def test_officials_find_a_renamed_subject_by_its_former_name(admin_client):
    known = listed_as(REGISTERED)
    import_commit(run=validated([[RESPELT, known.id_number]]), names=NameChoice.UPDATE)

    page = admin_client.get("/admin/blacklist/subject/", {"q": REGISTERED}).content.decode()

    assert RESPELT in page


# --- the command line ------------------------------------------------------------------------


def import_list(path: Path, notice: Notice, *options: str) -> tuple[dict, str]:
    out = io.StringIO()
    call_command("import_list", str(path), "--notice", str(notice.pk), *options, stdout=out)
    printed = out.getvalue()
    summary = json.loads(printed.strip().splitlines()[-1]) if "--json" in options else {}
    return summary, printed


def test_the_command_keeps_the_registered_name_unless_told_to_rename(tmp_path):
    first, second = listed_as(REGISTERED), listed_as("赵小红")
    rows = [[RESPELT, first.id_number]]
    path = files.write_csv(tmp_path / "a.csv", rows, header=files.MINIMAL)

    summary, printed = import_list(path, factories.draft_notice(), "--json")

    assert (summary["name_differs"], summary["rename"], summary["renamed"]) == (1, "keep", 0)
    assert subject_of(first).name == REGISTERED
    factories.assert_no_full_ids(printed, [first.id_number])

    path = files.write_csv(tmp_path / "b.csv", [["钱小红", second.id_number]], header=files.MINIMAL)
    summary, printed = import_list(path, factories.draft_notice(), "--rename", "update")

    assert "name_differs" in printed and "赵*红" in printed and "钱*红" in printed
    factories.assert_no_full_ids(printed, [second.id_number])
    assert subject_of(second).name == "钱小红"
    run = ImportRun.objects.latest("pk")
    assert (run.name_choice, run.name_choice_by, run.subjects_renamed) == ("update", None, 1)


def test_the_command_refuses_an_unknown_choice(tmp_path):
    path = files.write_csv(tmp_path / "a.csv", [["李四", person("李四").id_number]])
    with pytest.raises(CommandError, match="invalid choice"):
        import_list(path, factories.draft_notice(), "--rename", "replace")


# --- the admin's confirmation ----------------------------------------------------------------


def test_the_admin_preview_warns_and_the_official_chooses_at_confirmation(admin_client):
    known, other = listed_as(REGISTERED), listed_as("赵小红")
    rows = [[RESPELT, known.id_number], ["钱小红", other.id_number]]
    run = validated(rows)

    page = admin_client.get(f"/admin/blacklist/importrun/{run.pk}/change/").content.decode()

    assert page.count("name_differs") >= 2
    for masked in ("王*明", "汪*明", "赵*红", "钱*红", subject_of(known).id_masked):
        assert masked in page
    assert 'name="names" value="keep"' in page and 'name="names" value="update"' in page
    factories.assert_no_full_ids(page, [known.id_number, other.id_number])
    for plain in (REGISTERED, RESPELT, "赵小红", "钱小红"):
        assert plain not in page

    admin_client.post(f"/admin/blacklist/importrun/{run.pk}/commit/", {"names": "update"})

    run.refresh_from_db()
    assert (run.status, run.name_choice, run.name_choice_by.username, run.subjects_renamed) == (
        ImportStatus.COMMITTED, "update", "admin", 2,
    )  # fmt: skip
    assert (subject_of(known).name, subject_of(other).name) == (RESPELT, "钱小红")
    page = admin_client.get(
        f"/admin/blacklist/importrun/{run.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "2 subjects renamed" in page


def test_the_admin_confirmation_keeps_the_names_when_nothing_is_chosen(admin_client):
    known = listed_as(REGISTERED)
    run = validated([[RESPELT, known.id_number]])

    admin_client.post(f"/admin/blacklist/importrun/{run.pk}/commit/")

    run.refresh_from_db()
    assert (run.status, run.name_choice, run.name_choice_by.username) == (
        ImportStatus.COMMITTED, "keep", "admin",
    )  # fmt: skip
    assert subject_of(known).name == REGISTERED


def test_a_file_without_such_rows_is_confirmed_without_the_question(admin_client):
    run = validated([["李四", person("李四").id_number]])

    page = admin_client.get(f"/admin/blacklist/importrun/{run.pk}/change/").content.decode()

    assert 'name="names"' not in page
