"""No page shows a full ID number; entry addresses reveal nothing; typed input is escaped."""

import re

import pytest
from django.core.management import call_command

from blacklist.models import Entry, Notice
from tests.factories import assert_no_full_ids
from tests.factories.people import entry_of, person, publish

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
MARKUP = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def demo_id_numbers(request) -> list[str]:
    """The demo data loaded; every plain ID number in it."""
    call_command("load_demo")
    return request.getfixturevalue("full_id_numbers")


def entry_links(page: str) -> list[str]:
    return re.findall(r'href="/entries/([^/"]+)/"', page)


def test_no_page_of_the_demo_shows_a_full_id_number(client, demo_id_numbers, settings):
    settings.SEARCH_RATE = "1000/m"
    public = Entry.objects.currently_public().select_related("subject")
    names = {entry.subject.name for entry in public.order_by("id")[:8]}
    pages = [client.get("/"), client.get("/notices/")]
    for notice in Notice.objects.public():
        for number in (1, 2, 3):
            pages.append(client.get(f"/notices/{notice.pk}/", {"page": number}))
    for name in names | {name[:2] for name in names}:
        pages.append(client.get("/search/", {"q": name}))
    for entry in public[:20]:
        searched = {"q": entry.subject.id_number(), "name": entry.subject.name}
        pages.append(client.post("/search/", searched))
        pages.append(client.get(f"/entries/{entry.public_id}/"))
        pages.append(client.get(f"/entries/{entry.public_id}/object/"))
    filed = client.post(
        f"/entries/{public[0].public_id}/object/",
        {"name": "张三", "contact": "13800000000", "reason": "不是我本人"},
        follow=True,
    )
    pages += [filed, client.get("/stats/"), client.get("/exports/")]

    assert filed.redirect_chain[0][0].startswith("/objections/")
    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        assert_no_full_ids(response.content.decode(), demo_id_numbers)


def test_the_second_page_of_a_notice_in_force_shows_masked_ids_only(client, demo_id_numbers):
    notice = Notice.objects.get(batch_number=2, programme__code="two-cards")

    page = client.get(f"/notices/{notice.pk}/", {"page": 2}).content.decode()

    masks = re.findall(r"<td>(\d{6}\*{8}[0-9X]{4}|[0-9A-Z]{6}\*{8}[0-9A-Z]{4})</td>", page)
    assert len(masks) == 50
    assert_no_full_ids(page, demo_id_numbers)


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
