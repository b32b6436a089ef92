"""Programmes, notices and entries as platforms read them: visibility, masks, filters, pages."""

import datetime

import pytest
from django.utils import timezone

from blacklist.models import Entry
from blacklist.publication import services as publication
from tests import factories
from tests.api.conftest import Platform
from tests.factories.people import approved_with, draft_with, entry_of, person, publish, today

pytestmark = pytest.mark.django_db


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_programmes_include_those_shown_only_to_platforms(bank: Platform):
    factories.programme(code="two-cards")
    factories.programme(code="fraud-joint", public=False)
    codes = {p["code"]: p["public"] for p in bank.get("/api/v1/programmes/").json()}
    assert codes == {"two-cards": True, "fraud-joint": False}


def test_only_published_notices_are_listed(bank: Platform):
    published = publish([person("张三")])
    draft = draft_with([person("李四")])
    approved = approved_with([person("王五")])
    scheduled = publication.notice_schedule(
        notice=approved_with([person("赵六")]),
        publish_at=timezone.now() + datetime.timedelta(days=1),
    )
    withdrawn = publish([person("孙七")])
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(
        status="withdrawn", withdrawn_at=timezone.now()
    )
    listed = [n["id"] for n in results(bank.get("/api/v1/notices/"))]
    assert listed == [published.pk]
    assert bank.get(f"/api/v1/notices/{published.pk}/").json()["title"] == published.title
    for hidden in (draft, approved, scheduled, withdrawn):
        response = bank.get(f"/api/v1/notices/{hidden.pk}/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    hidden_entries = {
        entry_of_notice["notice"] for entry_of_notice in results(bank.get("/api/v1/entries/"))
    }
    assert hidden_entries == {published.pk}


def test_entries_of_non_public_programmes_are_visible_to_platforms(bank: Platform):
    secret = factories.programme(code="fraud-joint", public=False)
    zhang = person("张三")
    publish([zhang], prog=secret)
    (entry,) = results(bank.get("/api/v1/entries/"))
    assert entry["programme"] == "fraud-joint"
    assert entry["public_id"] == entry_of(zhang).public_id


def test_without_the_identity_scope_ids_and_names_are_masked(bank: Platform, bureau: Platform):
    zhang = person("张三丰", ends_with_x=True)
    publish([zhang])
    (masked,) = results(bank.get("/api/v1/entries/"))
    assert masked["subject"]["id_number"] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert masked["subject"]["name"] == "张*丰"
    assert zhang.id_number not in bank.get("/api/v1/entries/").content.decode()
    (full,) = results(bureau.get("/api/v1/entries/"))
    assert full["subject"]["id_number"] == zhang.id_number
    assert full["subject"]["name"] == "张三丰"
    assert full["subject"]["id_number_masked"] == masked["subject"]["id_number"]
    detail = bureau.get(f"/api/v1/entries/{full['public_id']}/").json()
    assert detail == full


def test_filters_narrow_entries(bank: Platform):
    wuhan, beijing = person("張三", region="420106"), person("李四", region="110101")
    old = person("王五")
    first = publish([wuhan, beijing])
    second = publish(
        [old],
        start=today() - datetime.timedelta(days=800),
        end=today() - datetime.timedelta(days=70),
    )
    publication.entries_expire_due()

    def ids(**params) -> set[str]:
        return {e["public_id"] for e in results(bank.get("/api/v1/entries/", params))}

    w, b, o = entry_of(wuhan).public_id, entry_of(beijing).public_id, entry_of(old).public_id
    assert ids() == {w, b, o}
    assert ids(notice=first.pk) == {w, b}
    assert ids(notice=second.pk) == {o}
    assert ids(status="expired") == {o}
    assert ids(listed="true") == {w, b}
    assert ids(listed="false") == {o}
    assert ids(region="4201") == {w, o}
    assert ids(region="110101") == {b}
    assert ids(name="张三") == {w}  # simplified finds the traditional spelling
    assert ids(name="張 三") == {w}
    assert ids(id_number=beijing.id_number) == {b}
    full_width = beijing.id_number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert ids(id_number=full_width) == {b}
    assert ids(term_end_to=(today() - datetime.timedelta(days=1)).isoformat()) == {o}
    assert ids(term_start_from=(today() - datetime.timedelta(days=31)).isoformat()) == {w, b}
    assert ids(programme="two-cards") == {w, b, o}
    assert ids(programme="other") == set()
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert ids(changed_since=later) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"id_number": "420106197501011234"}, "id_number"),
        ({"region": "Wuhan"}, "region"),
        ({"term_end_to": "31/10/2025"}, "term_end_to"),
        ({"status": "gone"}, "status"),
        ({"notice": "x"}, "notice"),
        ({"notice": "99999999999999999999"}, "notice"),
        ({"notice": "0"}, "notice"),
        ({"listed": "yes"}, "listed"),
        ({"listed": ["maybe", "true"]}, "listed"),  # given twice: not the last one silently
        ({"region": "42 "}, "region"),
        ({"page_size": "²"}, "page_size"),
        ({"page_size": ["5", "7"]}, "page_size"),
        ({"changed_since": "0001-01-01T00:00:00"}, "changed_since"),
        ({"changed_since": "9999-12-31T23:59:59-14:00"}, "changed_since"),
        ({"name": ""}, "name"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
    ],
)
def test_bad_filters_are_refused_with_400_naming_the_field(bank: Platform, params, field):
    response = bank.get("/api/v1/entries/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert field in body["message"]


def test_cursor_pages_walk_every_entry_once_in_a_stable_order(bank: Platform):
    publish([person(f"甲{i}") for i in range(7)])
    publish([person(f"乙{i}") for i in range(5)])
    seen, url, params = [], "/api/v1/entries/", {"page_size": 5}
    while url:
        page = bank.get(url, params).json()
        seen += [e["public_id"] for e in page["results"]]
        url, params = page["next"], None
    assert len(seen) == 12 and len(set(seen)) == 12
    assert seen == sorted(seen)


def test_an_invalid_cursor_is_a_json_404(bank: Platform):
    response = bank.get("/api/v1/entries/", {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_paths_and_methods_answer_in_json(bank: Platform):
    missing = bank.get("/api/v1/nothing-here/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert bank.get("/api/v1/entries/0000/").json()["code"] == "not_found"
    wrong = bank.post("/api/v1/entries/", {})
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"


def test_changed_since_finds_entries_imported_earlier_and_published_now(bank: Platform):
    zhang = person("张三")
    notice = approved_with([zhang])
    Entry.objects.filter(notice=notice).update(
        updated_at=timezone.now() - datetime.timedelta(days=3)  # imported days ago
    )
    since = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
    unchanged = bank.get("/api/v1/entries/", {"changed_since": since})
    assert results(unchanged) == []

    publication.notice_publish(notice=notice)

    found = results(bank.get("/api/v1/entries/", {"changed_since": since}))
    assert [entry["public_id"] for entry in found] == [entry_of(zhang).public_id]


def test_odd_but_valid_filters_are_answered(bank: Platform):
    wuhan = person("张三", region="420106")
    publish([wuhan])
    found = results(bank.get("/api/v1/entries/", {"region": "４２０１"}))  # typed full-width
    assert [entry["public_id"] for entry in found] == [entry_of(wuhan).public_id]
    # an offset PostgreSQL itself would refuse, and years at the edges
    for moment in ("2020-01-01T00:00:00-22:00", "1900-01-02T00:00:00", "9998-12-31T00:00:00"):
        response = bank.get("/api/v1/entries/", {"changed_since": moment})
        assert response.status_code == 200, (moment, response.content)


@pytest.mark.parametrize("cursor", ["!!", "", "bm90IGEgY3Vyc29y"])
def test_a_cursor_that_is_not_ours_is_404(bank: Platform, cursor):
    response = bank.get("/api/v1/entries/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_path_with_a_newline_gets_the_json_404(bank: Platform):
    response = bank.get("/api/v1/notices/1%0A/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
