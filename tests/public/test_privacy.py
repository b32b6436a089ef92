"""No page shows a full ID number; entry addresses reveal nothing; typed input is escaped."""

import re

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from blacklist.models import (
    Digest,
    Entry,
    EntryStatus,
    Notice,
    Objection,
    ObjectionStatus,
    Snapshot,
    SnapshotAudience,
)
from blacklist.registry.identity import SubjectKind
from blacklist.snapshots import services as snapshots
from tests.factories import assert_no_full_ids
from tests.factories.listings import Register, register_of_every_kind
from tests.factories.people import entry_of, person, publish

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
MARKUP = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def register(db) -> Register:
    return register_of_every_kind()


@pytest.fixture
def id_numbers(register: Register, request) -> list[str]:
    """Every plain ID number in the register (looked up once it is built)."""
    return request.getfixturevalue("full_id_numbers")


def entry_links(page: str) -> list[str]:
    return re.findall(r'href="/entries/([^/"]+)/"', page)


def body(response: HttpResponseBase) -> str:
    """The page or the downloaded file, as text."""
    if isinstance(response, StreamingHttpResponse):
        return b"".join(response).decode()
    assert isinstance(response, HttpResponse)
    return response.content.decode()


def test_no_page_shows_a_full_id_number(client, register, id_numbers, settings):
    """Every public page, for every kind of notice, entry, objection and file: the public ones
    answer, the others are not found, and none of them shows a full ID number."""
    settings.SEARCH_RATE = "1000/m"
    search_limits = settings.GUARD_LIMITS["search"] | {"id_searches": 1000}
    settings.GUARD_LIMITS = settings.GUARD_LIMITS | {"search": search_limits}
    snapshots.snapshots_build(reason="test")
    public = set(Entry.objects.currently_public().values_list("pk", flat=True))
    public_notices = set(Notice.objects.public().values_list("pk", flat=True))
    visits: list[tuple[HttpResponseBase, int]] = [
        (client.get(path), 200)
        for path in ("/", "/notices/", "/search/", "/objections/", "/stats/", "/exports/")
    ]
    entries: list[Entry] = []
    for notice in Notice.objects.order_by("id"):
        found = 200 if notice.pk in public_notices else 404
        for number in (1, 2, 3):
            visits.append((client.get(f"/notices/{notice.pk}/", {"page": number}), found))
        entries += Entry.objects.filter(notice=notice).select_related("subject")[:10]
    for entry in entries:
        found = 200 if entry.pk in public else 404
        visits.append((client.get(f"/entries/{entry.public_id}/"), found))
        visits.append((client.get(f"/entries/{entry.public_id}/object/"), found))
        name = entry.subject.name
        visits.append((client.get("/search/", {"q": name}), 200))
        if entry.subject.kind == SubjectKind.PERSON:  # a surname and a first character
            visits.append((client.get("/search/", {"q": name[:2]}), 200))
        searched = {"q": entry.subject.id_number(), "name": name}
        visits.append((client.post("/search/", searched), 200))
    for objection in Objection.objects.all():
        visits.append((client.get(f"/objections/{objection.reference}/"), 200))
        lookup = client.get("/objections/", {"reference": objection.reference}, follow=True)
        visits.append((lookup, 200))
    for digest in Digest.objects.all():
        visits.append((client.get(f"/digests/{digest.month.year}-{digest.month.month}/"), 200))
    for snapshot in Snapshot.objects.all():
        path = f"/exports/{snapshot.pk}/{snapshots.download_name(snapshot)}"
        visits.append(
            (client.get(path), 200 if snapshot.audience == SnapshotAudience.PUBLIC else 404)
        )
    filed = client.post(
        f"/entries/{entry_of(register.listing.public[0]).public_id}/object/",
        {"name": "张三", "contact": "13800000000", "reason": "不是我本人"},
        follow=True,
    )
    visits.append((filed, 200))

    assert filed.redirect_chain[0][0].startswith("/objections/")
    # the sweep met every kind of entry, subject, objection and file
    assert {e.status for e in entries} == set(EntryStatus.values)
    assert {e.subject.kind for e in entries} == set(SubjectKind)
    assert {o.status for o in Objection.objects.all()} == set(ObjectionStatus.values)
    assert {s.audience for s in Snapshot.objects.all()} == set(SnapshotAudience.values)
    assert Digest.objects.exists()
    for response, status in visits:
        request = response.request
        assert response.status_code == status, (request["PATH_INFO"], request.get("QUERY_STRING"))
        assert_no_full_ids(body(response), id_numbers)


def test_the_second_page_of_a_long_notice_shows_masked_ids_only(client, register, id_numbers):
    page = client.get(f"/notices/{register.long_notice.pk}/", {"page": 2}).content.decode()

    masks = re.findall(r"<td>(\d{6}\*{8}[0-9X]{4}|[0-9A-Z]{6}\*{8}[0-9A-Z]{4})</td>", page)
    assert len(masks) == 50
    assert_no_full_ids(page, id_numbers)


def test_an_id_number_in_a_search_address_is_not_repeated_in_the_page(client):
    listed = person("刘洋")
    publish([listed])

    response = client.get("/search/", {"q": listed.id_number, "name": listed.name})

    assert response.status_code == 200
    assert_no_full_ids(response.content.decode(), [listed.id_number])


def test_entry_addresses_are_random_not_sequential(client):
    people = [person(name) for name in ("张三", "张三丰", "张三石")]
    publish(people)
    entries = [entry_of(p) for p in people]

    linked = entry_links(client.get("/search/", {"q": "张三"}).content.decode())

    assert sorted(linked) == sorted(entry.public_id for entry in entries)
    for entry in entries:
        assert not entry.public_id.isdigit()
        assert len(entry.public_id) >= 16
        assert str(entry.pk) != entry.public_id
        assert client.get(f"/entries/{entry.pk}/").status_code == 404


@pytest.mark.parametrize("field", ["q", "region"])
def test_script_typed_into_the_search_comes_back_escaped(client, field):
    publish([person("张三")])
    params = {"q": "张三", field: SCRIPT if field == "region" else f"张三{SCRIPT}"}

    page = client.get("/search/", params).content.decode()

    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_markup_typed_into_an_objection_comes_back_escaped(client):
    zhang = person("张三")
    publish([zhang])

    response = client.post(
        f"/entries/{entry_of(zhang).public_id}/object/",
        {"name": SCRIPT, "contact": MARKUP, "reason": ""},  # the missing reason sends it back
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert "&quot;&gt;&lt;img" in page


def test_markup_in_an_objection_reference_comes_back_escaped(client):
    response = client.get(f"/objections/{MARKUP}/")

    assert response.status_code == 404
    assert "<img" not in response.content.decode()
