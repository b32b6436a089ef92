"""GET /api/v1/exports/ and its downloads: the audience follows the client's identity scope."""

import hashlib
import json

import pytest
import yaml
from django.test import Client

from blacklist.models import Entry, QueryLog, Snapshot, SnapshotAudience
from blacklist.registry import identity
from tests import factories
from tests.api.conftest import Platform
from tests.factories import assert_no_full_ids
from tests.factories.listings import Listing
from tests.factories.people import entry_of, person, publish
from tests.snapshots.conftest import build, csv_rows, public_ids_in

pytestmark = pytest.mark.django_db


def listing_of(platform: Platform) -> list[dict]:
    response = platform.get("/api/v1/exports/")
    assert response.status_code == 200, response.content
    return response.json()


def download(platform: Platform, item: dict, **headers: str):
    return platform.http.get(item["download_url"], **platform.headers(), **headers)


def body_of(platform: Platform, item: dict) -> bytes:
    response = download(platform, item)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_a_platform_without_identity_gets_every_listed_entry_masked(
    listing: Listing, bank: Platform, full_id_numbers
):
    build()
    items = listing_of(bank)
    assert sorted(item["format"] for item in items) == ["csv", "ftm", "json"]
    for item in items:
        assert item["audience"] == "platform"
        snapshot = Snapshot.objects.get(pk=item["id"])
        assert (item["sha256"], item["count"], item["size"], item["last_seq"]) == (
            snapshot.sha256,
            7,  # the programme shown only to platforms included
            snapshot.size,
            snapshot.last_seq,
        )
        assert item["taken_at"].endswith("+08:00")
        assert item["download_url"].startswith("http://testserver/api/v1/exports/")
        response = download(bank, item)
        assert response.status_code == 200
        assert response["Content-Type"] == item["content_type"]
        assert item["filename"] in response["Content-Disposition"]
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
        assert len(body) == item["size"]
        assert_no_full_ids(body.decode("utf-8"), full_id_numbers)
        assert public_ids_in(snapshot, body) == listing.public_ids(
            [*listing.public, listing.platform_only]
        )


def test_the_platform_files_mask_the_platform_only_entries_as_the_api_does(
    listing: Listing, bank: Platform
):
    build()
    (csv_item,) = [item for item in listing_of(bank) if item["format"] == "csv"]
    rows = {row["public_id"]: row for row in csv_rows(body_of(bank, csv_item))}
    entry = entry_of(listing.platform_only)
    shown = bank.get(f"/api/v1/entries/{entry.public_id}/").json()["subject"]
    row = rows[entry.public_id]
    assert (row["name"], row["id_number"]) == (shown["name"], shown["id_number"])
    assert row["name"] == "孙*"
    assert row["id_number"] == identity.mask_id(listing.platform_only.id_number)
    assert listing.platform_only.id_number not in row["id_number"]


def test_a_platform_with_identity_gets_the_files_with_full_id_numbers(
    listing: Listing, bureau: Platform
):
    build()
    items = listing_of(bureau)
    assert {item["audience"] for item in items} == {"identity"}
    assert len(items) == 3
    for item in items:
        response = download(bureau, item)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == item["sha256"]
        text = body.decode("utf-8")
        assert listing.platform_only.id_number in text
        assert listing.public[0].id_number in text
        snapshot = Snapshot.objects.get(pk=item["id"])
        assert public_ids_in(snapshot, body) == listing.public_ids(
            [*listing.public, listing.platform_only]
        )


def test_a_platform_cannot_download_the_other_audiences_files(
    listing: Listing, bank: Platform, bureau: Platform
):
    build()
    others = {
        bank: [SnapshotAudience.IDENTITY, SnapshotAudience.PUBLIC],
        bureau: [SnapshotAudience.PLATFORM, SnapshotAudience.PUBLIC],
    }
    for platform, audiences in others.items():
        for snapshot in Snapshot.objects.filter(audience__in=audiences):
            response = platform.get(f"/api/v1/exports/{snapshot.pk}/download/")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


def test_the_platform_snapshot_and_the_feed_after_it_give_exactly_the_listed_entries(
    listing: Listing, bank: Platform
):
    build()
    (item,) = [item for item in listing_of(bank) if item["format"] == "json"]
    document = json.loads(body_of(bank, item))
    assert document["last_seq"] == item["last_seq"]
    held = {entry["public_id"] for entry in document["entries"]}
    assert held == set(Entry.objects.listed().values_list("public_id", flat=True))
    # the list moves on after the snapshot, on a public and a platform-only programme
    factories.revoked(entry_of(listing.public[0]), reason="异议成立")
    factories.revoked(entry_of(listing.platform_only), reason="异议成立")
    publish([person("钱八")])
    publish([person("李九")], prog=factories.programme(code="platforms-only-2", public=False))

    after = item["last_seq"]
    while True:
        page = bank.get("/api/v1/changes/", {"after": after}).json()
        for event in page["events"]:
            if event["kind"] == "listed":
                held.add(event["entry"]["public_id"])
            else:
                held.discard(event["entry"]["public_id"])
        if page["next_after"] == after:
            break
        after = page["next_after"]
    assert held == set(Entry.objects.listed().values_list("public_id", flat=True))
    assert held != set(Entry.objects.currently_public().values_list("public_id", flat=True))


def test_only_the_newest_file_of_a_format_downloads(listing: Listing, bank: Platform):
    build()
    (old,) = [item for item in listing_of(bank) if item["format"] == "json"]
    Snapshot.objects.update(taken_at="2000-01-01T00:00:00Z")  # a new day: a rebuild writes
    build()
    (new,) = [item for item in listing_of(bank) if item["format"] == "json"]
    assert new["id"] != old["id"]
    assert download(bank, old).status_code == 404
    assert download(bank, new).status_code == 200


def test_a_download_is_the_file_whatever_the_client_accepts(listing: Listing, bank: Platform):
    build()
    (csv_item,) = [item for item in listing_of(bank) if item["format"] == "csv"]
    response = download(bank, csv_item, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xef\xbb\xbf")


def test_a_platform_holding_the_newest_file_is_told_so_without_the_file(
    listing: Listing, bank: Platform
):
    build()
    (item,) = [item for item in listing_of(bank) if item["format"] == "json"]
    first = download(bank, item)
    assert first["ETag"] == f'"{item["sha256"]}"'
    again = download(bank, item, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    assert download(bank, item, HTTP_IF_NONE_MATCH='"0000"').status_code == 200


def test_exports_need_the_feed_scope_and_a_key(listing: Listing, make_platform):
    build()
    snapshot = Snapshot.objects.filter(audience=SnapshotAudience.PLATFORM).first()
    assert snapshot is not None
    lookup_only = make_platform("lookup")
    for path in ("/api/v1/exports/", f"/api/v1/exports/{snapshot.pk}/download/"):
        assert lookup_only.get(path).status_code == 403
        assert Client().get(path).status_code == 401


def test_export_reads_are_written_to_the_audit_log(listing: Listing, bank: Platform):
    build()
    (item, *_rest) = listing_of(bank)
    download(bank, item)
    bank.get("/api/v1/exports/999999/download/")
    rows = list(
        QueryLog.objects.filter(client=bank.client)
        .order_by("id")
        .values_list("endpoint", "method", "status_code")
    )
    assert rows == [
        ("api-exports", "GET", 200),
        ("api-export-download", "GET", 200),
        ("api-export-download", "GET", 404),
    ]
    download_row = QueryLog.objects.filter(status_code=200, endpoint="api-export-download").get()
    assert download_row.subjects == item["count"]  # the whole list went out


def test_the_schema_describes_the_listing_and_every_download_type(listing: Listing, bank: Platform):
    build()
    schema = yaml.safe_load(
        Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi").content
    )
    listing_op = schema["paths"]["/api/v1/exports/"]["get"]
    item_schema = listing_op["responses"]["200"]["content"]["application/json"]["schema"]
    assert item_schema["type"] == "array"
    properties = schema["components"]["schemas"]["Snapshot"]["properties"]
    assert {"sha256", "count", "size", "taken_at", "last_seq", "download_url"} <= set(properties)
    # which files a client gets: `platform` without the identity scope, `identity` with it
    description = " ".join(listing_op["description"].split())
    assert "the `identity` scope get the `identity` files" in description
    assert "every other client the `platform` files" in description
    (audience_ref,) = properties["audience"]["allOf"]
    audiences = schema["components"]["schemas"][audience_ref["$ref"].rsplit("/", 1)[1]]
    assert audiences["enum"] == ["platform", "identity"]
    download_op = schema["paths"]["/api/v1/exports/{id}/download/"]["get"]
    documented = set(download_op["responses"]["200"]["content"])
    for item in listing_of(bank):
        served = download(bank, item)["Content-Type"].split(";")[0]
        assert served in documented
    document = schema["components"]["schemas"]["SnapshotDocument"]
    assert {"audience", "taken_at", "last_seq", "count", "entries"} <= set(document["properties"])
