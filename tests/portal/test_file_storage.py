"""Every file the portal keeps lives in the storage, never on a local disk: snapshots, uploaded
lists, the validated rows waiting for confirmation and objections' attachments all work on a
storage that has no paths, so web and workers on different machines can share an object store.

Two stores without a disk: Django's in-memory storage, and the same narrowed to what an object
store such as S3 offers (keys only: a "folder" never exists, listing a missing one is empty).
"""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blacklist.models import Entry, ImportRun, ImportStatus, Objection, Snapshot, SnapshotState
from blacklist.snapshots import services as snapshots
from devtools.synthetic import fictional_people
from tests import factories
from tests.factories.people import entry_of, person, publish

pytestmark = pytest.mark.django_db


class KeyOnlyStorage(InMemoryStorage):
    """The in-memory storage as an object store behaves: only files exist, and listing a
    prefix that holds nothing answers with nothing rather than an error. (Its `path()` stays:
    the storage itself resolves names with it.)"""

    def exists(self, name: str) -> bool:
        folder, _, file = name.rpartition("/")
        return file in self.listdir(folder)[1]

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        try:
            return super().listdir(path)
        except FileNotFoundError:
            return [], []


@pytest.fixture(
    autouse=True,
    params=[
        "django.core.files.storage.InMemoryStorage",
        "tests.portal.test_file_storage.KeyOnlyStorage",
    ],
    ids=["in-memory", "key-only"],
)
def diskless(request, settings, tmp_path, isolated_cache):
    """The default storage has no disk. InMemoryStorage.path() still answers with a name under
    MEDIA_ROOT, so that folder must stay absent: nothing may be written beside the storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": request.param}}
    yield
    assert not (tmp_path / "media").exists()


def test_a_snapshot_built_into_the_store_is_downloaded_whole():
    zhang = person("张三丰")
    publish([zhang, person("李四")])

    built = snapshots.snapshots_build(reason="test")
    public_csv = next(s for s in built if (s.audience, s.format) == ("public", "csv"))
    response = Client().get(f"/exports/{public_csv.pk}/{snapshots.download_name(public_csv)}")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )

    assert response.status_code == 200
    assert response["Content-Length"] == str(public_csv.size)
    assert {row["public_id"] for row in rows} == set(
        Entry.objects.currently_public().values_list("public_id", flat=True)
    )
    assert factories.stored_files("snapshots") == {s.file.name for s in built}


def test_a_sealed_snapshot_is_read_back_from_the_store():
    zhang = person("张三丰")
    publish([zhang])

    built = snapshots.snapshots_build(reason="test")
    sealed = next(s for s in built if (s.audience, s.format) == ("identity", "csv"))
    stream = snapshots.snapshot_stream(snapshot=sealed)
    assert stream is not None
    try:
        plain = b"".join(stream)
    finally:
        stream.close()

    assert zhang.id_number.encode() not in factories.stored_bytes(sealed.file.name)
    assert zhang.id_number.encode() in plain


def test_a_snapshot_file_that_no_row_points_to_is_swept_from_the_store(monkeypatch):
    publish([person("张三丰")])
    built = snapshots.snapshots_build(reason="test")
    # What a build that died between saving its file and marking its row leaves behind.
    orphan = default_storage.save("snapshots/public/20260101-000000-dead.csv", ContentFile(b"x"))
    monkeypatch.setattr(snapshots, "BUILD_TIMEOUT", datetime.timedelta(0))  # old at once

    assert snapshots.snapshots_build(reason="test") == []  # nothing changed: no new files

    assert orphan not in factories.stored_files("snapshots")
    assert factories.stored_files("snapshots") == {s.file.name for s in built}


def test_old_snapshots_are_pruned_from_the_store():
    publish([person("张三丰")])
    first = snapshots.snapshots_build(reason="test")
    for n in range(snapshots.KEEP):
        publish([person(f"王{n}明")], prog=factories.programme(code=f"p{n}"))
        snapshots.snapshots_build(reason="test")

    kept = Snapshot.objects.filter(state=SnapshotState.READY).values_list("file", flat=True)
    assert factories.stored_files("snapshots") == set(kept)
    assert not {s.file.name for s in first} & factories.stored_files("snapshots")


def test_a_list_uploaded_in_the_admin_is_validated_and_committed_from_the_store(client):
    client.force_login(get_user_model().objects.create_superuser("importer", password="pw-1x"))
    notice = factories.draft_notice()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "身份證號"])
    writer.writerows([p.name, p.id_number] for p in fictional_people(8, seed=5))
    upload = SimpleUploadedFile("名单.csv", text.getvalue().encode("gb18030"))

    response = client.post("/admin/blacklist/importrun/add/", {"notice": notice.pk, "file": upload})
    run = ImportRun.objects.get()
    validated = (run.status, run.valid, factories.stored_files("imports"))
    client.post(f"/admin/blacklist/importrun/{run.pk}/commit/")
    run.refresh_from_db()

    assert response.status_code == 302
    assert validated == (
        ImportStatus.VALIDATED,
        8,
        {run.file.name, f"imports/spool/run-{run.pk}.spool"},
    )
    assert (run.status, Entry.objects.filter(notice=notice).count()) == (ImportStatus.COMMITTED, 8)
    assert factories.stored_files("imports") == {run.file.name}  # the spool went at the commit


def test_an_objection_attachment_is_kept_in_the_store_and_given_to_a_reviewer():
    listed = person("张三丰")
    publish([listed])
    scan = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"scan " * 5000
    filed = Client().post(
        f"/entries/{entry_of(listed).public_id}/object/",
        {
            "name": "张三丰",
            "contact": "13800000000",
            "reason": "我从未出租银行卡。",
            "attachment": SimpleUploadedFile("scan.png", scan),
        },
    )
    objection = Objection.objects.get()
    reviewer = factories.official("reviewer")
    reviewer.groups.add(Group.objects.get(name="objection reviewer"))
    client = Client()
    client.force_login(reviewer)

    at_rest = factories.stored_bytes(objection.attachment.name)
    response = client.get(f"/admin/blacklist/objection/{objection.pk}/change/attachment/")

    assert filed.status_code == 303
    assert scan not in at_rest  # sealed
    assert (response.status_code, b"".join(response.streaming_content)) == (200, scan)
