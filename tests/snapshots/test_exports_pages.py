"""The public /exports/ page and its downloads, and the snapshots in the officials' admin."""

import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from blacklist.models import Programme, Snapshot, SnapshotAudience, SnapshotFormat
from blacklist.snapshots import services as snapshots
from portal.celery import app
from tests import factories
from tests.factories import assert_no_full_ids
from tests.factories.listings import Listing
from tests.factories.people import entry_of
from tests.snapshots.conftest import build, latest, public_download, public_ids_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def en() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def download_links(html: str) -> list[str]:
    return re.findall(r'href="(/exports/\d+/[^"]+)"', html)


def test_the_page_lists_the_latest_public_file_of_each_format(listing: Listing, en: Client):
    build()
    page = en.get("/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    public = snapshots.snapshots_latest(audience=SnapshotAudience.PUBLIC)
    assert len(public) == 3
    for snapshot in public:
        assert snapshot.sha256 in html
        assert f"/exports/{snapshot.pk}/{snapshots.download_name(snapshot)}" in html
    assert len(download_links(html)) == 3
    assert ">6<" in html  # the number of entries in each file
    assert "CSV (opens in Excel)" in html and "FollowTheMoney" in html
    for snapshot in snapshots.snapshots_latest(audience=SnapshotAudience.IDENTITY):
        assert snapshot.sha256 not in html
        assert f"/exports/{snapshot.pk}/" not in html


def test_the_page_says_so_when_no_file_is_published_yet(db, en: Client):
    page = en.get("/exports/")
    assert page.status_code == 200
    assert "No file has been published yet." in page.content.decode()
    assert download_links(page.content.decode()) == []


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        (SnapshotFormat.CSV, "text/csv; charset=utf-8", ".csv"),
        (SnapshotFormat.JSON, "application/json", ".json"),
        (SnapshotFormat.FTM, "application/x-ndjson", ".ftm.jsonl"),
    ],
)
def test_a_download_is_an_attachment_of_its_type_matching_its_checksum(
    listing: Listing, en: Client, fmt: str, content_type: str, extension: str
):
    build()
    html = en.get("/exports/").content.decode()
    snapshot = latest(SnapshotAudience.PUBLIC, fmt)
    (link,) = [link for link in download_links(html) if link.startswith(f"/exports/{snapshot.pk}/")]
    response = en.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and extension + '"' in disposition
    body = b"".join(response.streaming_content)
    digest = hashlib.sha256(body).hexdigest()
    assert digest in html
    assert response["ETag"] == f'"{digest}"'
    assert int(response["Content-Length"]) == len(body)


def test_the_page_and_its_downloads_show_no_full_id_number(
    listing: Listing, en: Client, full_id_numbers
):
    build()
    html = en.get("/exports/").content.decode()
    assert_no_full_ids(html, full_id_numbers)
    links = download_links(html)
    assert len(links) == 3  # csv, json and FollowTheMoney: a page without links proves nothing
    for link in links:
        body = b"".join(en.get(link).streaming_content).decode("utf-8")
        assert_no_full_ids(body, full_id_numbers)


@pytest.mark.parametrize("audience", [SnapshotAudience.IDENTITY, SnapshotAudience.PLATFORM])
def test_the_platforms_files_are_never_served_on_the_public_site(
    listing: Listing, en: Client, audience: str
):
    build()
    platforms = snapshots.snapshots_latest(audience=audience)
    assert len(platforms) == 3
    html = en.get("/exports/").content.decode()
    for snapshot in platforms:
        assert snapshot.sha256 not in html
        response = en.get(f"/exports/{snapshot.pk}/{snapshots.download_name(snapshot)}")
        assert response.status_code == 404
        public_name = snapshots.download_name(snapshot).replace(f"-{audience}", "")
        assert en.get(f"/exports/{snapshot.pk}/{public_name}").status_code == 404


def test_the_public_site_leaves_out_the_programmes_shown_only_to_platforms(
    listing: Listing, en: Client
):
    build()
    html = en.get("/exports/").content.decode()
    links = download_links(html)
    assert len(links) == 3
    platform_only = entry_of(listing.platform_only).public_id
    for link in links:
        body = b"".join(en.get(link).streaming_content).decode("utf-8")
        assert platform_only not in body
        assert "孙" not in body


def test_a_replaced_file_is_no_longer_served(listing: Listing, en: Client):
    build()
    old = latest(SnapshotAudience.PUBLIC, SnapshotFormat.CSV)
    old_link = f"/exports/{old.pk}/{snapshots.download_name(old)}"
    revoked = entry_of(listing.public[0])
    factories.revoked(revoked, reason="异议成立")
    build()
    assert en.get(old_link).status_code == 404
    new = latest(SnapshotAudience.PUBLIC, SnapshotFormat.CSV)
    assert revoked.public_id not in public_ids_in(new, public_download(new))


def test_a_wrong_file_name_or_id_is_not_found(listing: Listing, en: Client):
    build()
    snapshot = latest(SnapshotAudience.PUBLIC, SnapshotFormat.CSV)
    assert en.get(f"/exports/{snapshot.pk}/list.csv").status_code == 404
    assert en.get(f"/exports/999999/{snapshots.download_name(snapshot)}").status_code == 404
    assert en.post(f"/exports/{snapshot.pk}/{snapshots.download_name(snapshot)}").status_code == 405


# --- the admin ---------------------------------------------------------------------------------


def staff(*permissions: str) -> Client:
    user = get_user_model().objects.create_user("official", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def eager_tasks():
    """Queued tasks run at once, in the test's transaction."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_an_official_sees_the_snapshots_read_only_and_rebuilds_them_now(
    listing: Listing, eager_tasks, django_capture_on_commit_callbacks
):
    official = staff("view_snapshot", "change_snapshot")
    page = official.get("/admin/blacklist/snapshot/")
    assert page.status_code == 200
    assert "Rebuild now" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = official.post("/admin/blacklist/snapshot/rebuild/", follow=True)
    assert response.status_code == 200
    assert "are being rebuilt" in response.content.decode()
    assert Snapshot.objects.filter(reason="admin").count() == 9  # three audiences, three formats
    listed = official.get("/admin/blacklist/snapshot/").content.decode()
    assert latest(SnapshotAudience.PUBLIC, SnapshotFormat.CSV).sha256 in listed
    snapshot = Snapshot.objects.first()
    assert snapshot is not None
    detail = official.get(f"/admin/blacklist/snapshot/{snapshot.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert official.get("/admin/blacklist/snapshot/add/").status_code == 403


def test_an_official_without_the_permission_cannot_rebuild(listing: Listing):
    official = staff("view_snapshot")
    assert "Rebuild now" not in official.get("/admin/blacklist/snapshot/").content.decode()
    assert official.post("/admin/blacklist/snapshot/rebuild/").status_code == 403
    assert official.get("/admin/blacklist/snapshot/rebuild/").status_code == 403
    assert not Snapshot.objects.exists()


def test_an_official_renaming_a_programme_has_the_files_rewritten_at_once(
    listing: Listing, eager_tasks, django_capture_on_commit_callbacks
):
    build()
    programme = Programme.objects.filter(public=True).order_by("pk").first()
    assert programme is not None
    official = staff("change_programme", "view_programme")
    form = official.get(f"/admin/blacklist/programme/{programme.pk}/change/").context["adminform"]
    data = {name: value for name, value in form.form.initial.items() if value is not None}
    data["name"] = "出租、出售银行卡惩戒名单"

    with django_capture_on_commit_callbacks(execute=True):
        response = official.post(f"/admin/blacklist/programme/{programme.pk}/change/", data)

    assert response.status_code == 302
    rebuilt = Snapshot.objects.filter(reason="settings")
    assert rebuilt.count() == 9  # every audience and format names the programme
    csv = public_download(latest(SnapshotAudience.PUBLIC, SnapshotFormat.CSV))
    assert "出租、出售银行卡惩戒名单" in csv.decode("utf-8-sig")
