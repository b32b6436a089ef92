"""Attacks on masked identities through the public search, from one address and from many."""

import re

import pytest
from django.test import Client

from blacklist.models import AlertChannel, ProbeFamily
from blacklist.registry import identity
from tests.factories.people import Person, person, publish
from tests.security.conftest import (
    COMMON_CHARACTERS,
    alerts,
    limit,
    limit_for_everyone,
    target_at,
)

pytestmark = pytest.mark.django_db

NAME = "丁伟涛"


def results(page: str) -> list[str]:
    return re.findall(r'<li class="result">\s*<a href="/entries/([^/"]+)/"', page)


def listed(position: int) -> tuple[str, list[str]]:
    number, candidates = target_at(position)
    publish([Person(NAME, number)])
    return number, candidates


def visitor(address: str = "203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def comparable(page: str, *masks: str) -> str:
    """A page with what differs between any two answers taken out: the form's CSRF token
    and the masked number that was searched."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    for mask in masks:
        page = page.replace(mask, "MASK")
    return page


def test_a_visitor_who_knows_the_name_recovers_no_id_from_its_mask(settings):
    settings.SEARCH_RATE = "10000/m"
    allowed = limit("search", "id_mask")
    number, candidates = listed(allowed)
    browser, recovered = visitor(), []

    for candidate in candidates[: allowed + 5]:
        response = browser.post("/search/", {"q": candidate, "name": NAME})
        if response.status_code == 429:
            break
        recovered += results(response.content.decode())

    assert recovered == []
    assert "try out many ID numbers or names" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    (alert,) = alerts(channel=AlertChannel.SEARCH, address="203.0.113.7")
    assert (alert.family, alert.pattern) == (ProbeFamily.ID_MASK, identity.mask_id(number))


def test_visitors_from_many_addresses_recover_no_id_from_its_mask():
    for_everyone = limit_for_everyone("search", "id_mask")
    number, candidates = listed(for_everyone)
    recovered = []

    for index, candidate in enumerate(candidates[: for_everyone + 5]):
        response = visitor(f"198.51.100.{index + 1}").post(
            "/search/", {"q": candidate, "name": NAME}
        )
        if response.status_code == 429:
            break
        recovered += results(response.content.decode())

    assert recovered == []
    assert response.status_code == 429
    (alert,) = alerts(channel=AlertChannel.SEARCH, actor="everyone")
    assert alert.pattern == identity.mask_id(number)


def test_a_visitor_recovers_no_starred_character_by_searching_names(settings):
    settings.SEARCH_RATE = "10000/m"
    allowed = limit("search", "name_pattern")
    characters = list(dict.fromkeys(COMMON_CHARACTERS))
    publish([person("丁" + characters[allowed] + "涛")])
    browser, recovered = visitor(), []

    for character in characters:
        response = browser.get("/search/", {"q": "丁" + character + "涛"})
        if response.status_code == 429:
            break
        recovered += results(response.content.decode())

    assert recovered == []
    assert response.status_code == 429
    (alert,) = alerts(channel=AlertChannel.SEARCH)
    assert (alert.family, alert.pattern) == (ProbeFamily.NAME_PATTERN, "丁*涛")


def test_an_id_number_alone_is_answered_alike_whether_it_is_listed_or_not():
    listed_person, absent = person(NAME), person(NAME)
    publish([listed_person])
    browser = visitor()

    alone = [browser.post("/search/", {"q": p.id_number}) for p in (listed_person, absent)]

    assert [r.status_code for r in alone] == [400, 400]
    assert comparable(alone[0].content.decode()) == comparable(alone[1].content.decode())
    assert "full name together with the ID number" in alone[0].content.decode()


def test_an_id_number_with_a_wrong_name_is_answered_as_not_found():
    listed_person, absent = person(NAME), person(NAME)
    publish([listed_person])
    browser = visitor()

    wrong = [
        browser.post("/search/", {"q": p.id_number, "name": "丁明涛"})
        for p in (listed_person, absent)
    ]
    right = browser.post("/search/", {"q": listed_person.id_number, "name": "丁 偉濤"})

    masks = [identity.mask_id(p.id_number) for p in (listed_person, absent)]
    assert [r.status_code for r in wrong] == [200, 200]
    assert results(wrong[0].content.decode()) == []
    assert comparable(wrong[0].content.decode(), *masks) == comparable(
        wrong[1].content.decode(), *masks
    )
    assert len(results(right.content.decode())) == 1  # either script, spaced, is the name


def test_a_name_and_id_typed_in_one_box_stay_out_of_the_address_and_come_back_masked():
    listed_person = person(NAME)
    publish([listed_person])

    response = visitor().post("/search/", {"q": f"{NAME} {listed_person.id_number}"})

    page = response.content.decode()
    assert response.status_code == 200  # answered in place: never redirected into a URL
    assert len(results(page)) == 1
    assert listed_person.id_number not in page
    assert identity.mask_id(listed_person.id_number) in page


def test_searches_by_id_number_stop_at_the_daily_cap(settings):
    settings.SEARCH_RATE = "10000/m"
    cap = limit("search", "id_searches")
    browser = visitor()
    people = [person(NAME) for _ in range(cap + 1)]

    statuses = [
        browser.post("/search/", {"q": p.id_number, "name": NAME}).status_code for p in people
    ]

    assert statuses == [200] * cap + [429]
    assert (
        visitor("203.0.113.8")
        .post("/search/", {"q": people[-1].id_number, "name": NAME})
        .status_code
        == 200
    )
    assert visitor().get("/search/", {"q": NAME}).status_code == 200  # names still work


def test_the_daily_cap_is_explained_in_the_visitors_language(settings):
    settings.GUARD_LIMITS = {**settings.GUARD_LIMITS, "search": {"id_searches": 0}}
    browser = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="zh-hans")

    refused = browser.post("/search/", {"q": person(NAME).id_number, "name": NAME})

    assert refused.status_code == 429
    assert "您今天按证件号码查询的次数已达上限" in refused.content.decode()


def test_an_id_number_in_any_field_of_a_name_search_keeps_it_out_of_the_address():
    typed_in_region = person(NAME).id_number

    response = visitor().post("/search/", {"q": NAME, "region": typed_in_region})

    assert response.status_code == 200  # answered in place, not redirected to ?region=…
    assert typed_in_region not in response.content.decode()


def test_a_family_no_longer_limited_for_everyone_leaves_the_search_working(settings):
    """Settings may change during a day: guesses counted under a limit since removed do
    not break the count (they once raised a KeyError, a 500 for every name search)."""
    publish([Person(NAME, target_at(0)[0])])
    everyone = settings.GUARD_LIMITS_EVERYONE
    settings.GUARD_LIMITS_EVERYONE = {
        **everyone,
        "search": {**everyone["search"], ProbeFamily.NAME_PATTERN: 1000},
    }
    assert visitor().get("/search/", {"q": NAME}).status_code == 200
    settings.GUARD_LIMITS_EVERYONE = everyone

    response = visitor().get("/search/", {"q": NAME})

    assert response.status_code == 200
    assert len(results(response.content.decode())) == 1
