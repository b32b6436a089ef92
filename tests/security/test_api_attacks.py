"""Attacks on masked identities through the API, with only what a platform's key hands out.

Each attack places the hidden value just past the guard's limit, so an attack that the
portal did not stop in time would find it.
"""

import pytest

from blacklist.models import AlertChannel, ProbeFamily
from blacklist.registry import identity
from tests.api.conftest import Platform
from tests.factories.people import Person, draft_with, publish
from tests.security.conftest import (
    MASKED_NAME_TARGETS,
    alerts,
    limit,
    limit_for_everyone,
    name_mask_target,
    target_at,
)

pytestmark = pytest.mark.django_db


def listed(position: int, name: str = "丁伟涛") -> tuple[str, list[str]]:
    """A listed person whose ID number is the `position`th candidate of its mask."""
    number, candidates = target_at(position)
    publish([Person(name, number)])
    return number, candidates


def check_ids(platform: Platform, numbers: list[str]):
    return platform.check([{"ref": number, "id_number": number} for number in numbers])


def test_a_lookup_key_recovers_no_id_from_its_mask_by_checks_of_a_thousand(bank: Platform):
    number, candidates = listed(1500)
    recovered, answered, refusal = [], 0, None

    for start in range(0, len(candidates), 1000):
        response = check_ids(bank, candidates[start : start + 1000])
        if response.status_code == 429:
            refusal = response
            break
        answered += 1
        recovered += [r["ref"] for r in response.json()["results"] if r["listed"]]

    assert recovered == []
    assert answered == 0  # the first thousand already share one person's mask
    assert refusal is not None and refusal.json()["code"] == "enumeration_suspected"
    assert int(refusal["Retry-After"]) > 0
    (alert,) = alerts(client=bank.client)
    assert (alert.channel, alert.family) == (AlertChannel.API, ProbeFamily.ID_MASK)
    assert alert.pattern == identity.mask_id(number) and alert.guesses == 1000


def test_a_lookup_key_checking_one_candidate_at_a_time_is_refused_before_the_hidden_one(
    bank: Platform,
):
    allowed = limit("api", "id_mask")
    number, candidates = listed(allowed)
    answered, recovered = [], []

    for candidate in candidates[: allowed + 5]:
        response = check_ids(bank, [candidate])
        if response.status_code == 429:
            break
        answered.append(candidate)
        recovered += [r["ref"] for r in response.json()["results"] if r["listed"]]

    assert recovered == []
    assert answered == candidates[:allowed]
    assert response.json()["code"] == "enumeration_suspected"
    # the refusal holds for the rest of the day, even for the hidden number itself
    assert check_ids(bank, [number]).status_code == 429
    assert alerts(client=bank.client, family=ProbeFamily.ID_MASK)


def test_a_lookup_key_recovers_no_id_through_the_entries_filter(bank: Platform):
    allowed = limit("api", "id_mask")
    _number, candidates = listed(allowed)
    recovered = []

    for candidate in candidates[: allowed + 5]:
        response = bank.get("/api/v1/entries/", {"id_number": candidate})
        if response.status_code == 429:
            break
        recovered += response.json()["results"]

    assert recovered == []
    assert response.json()["code"] == "enumeration_suspected"
    assert alerts(client=bank.client)


def test_a_feed_key_cannot_ask_about_id_numbers_at_all(
    make_platform,
):
    feed_only = make_platform("feed")
    number, candidates = listed(3)

    checked = check_ids(feed_only, candidates[:10])
    looked_up = feed_only.get("/api/v1/entries/", {"id_number": number})
    feed = feed_only.get("/api/v1/changes/", {"after": 0})

    assert (checked.status_code, looked_up.status_code) == (403, 403)
    assert feed.status_code == 200 and identity.mask_id(number) in feed.content.decode()
    assert number not in feed.content.decode()


def test_candidates_spread_over_several_keys_find_nothing_and_alert_officials(make_platform):
    allowed = limit("api", "id_mask")
    keys = [make_platform("lookup") for _ in range(3)]
    number, candidates = listed(len(keys) * allowed)
    tried = list(candidates)
    recovered = []

    for platform in keys:  # a refused candidate is tried again with the next key
        while tried:
            response = check_ids(platform, tried[:1])
            if response.status_code == 429:
                break
            recovered += [r["ref"] for r in response.json()["results"] if r["listed"]]
            tried.pop(0)

    assert recovered == []
    assert {alert.client for alert in alerts(family=ProbeFamily.ID_MASK)} >= {
        platform.client for platform in keys
    }
    (everyone,) = alerts(actor="everyone", channel=AlertChannel.API)
    assert everyone.pattern == identity.mask_id(number)
    assert everyone.guesses > limit_for_everyone("api", "id_mask")


def test_a_lookup_key_recovers_no_starred_character_by_name_only_checks(bank: Platform):
    name_mask_target("api")
    recovered = []

    tried = ["丁" + c + "涛" for c in MASKED_NAME_TARGETS]
    for start in range(0, len(tried), 10):
        response = bank.check([{"ref": name, "name": name} for name in tried[start : start + 10]])
        if response.status_code == 429:
            break
        recovered += [r["ref"] for r in response.json()["results"] if r["match"]]

    assert recovered == []
    assert response.json()["code"] == "enumeration_suspected"
    (alert,) = alerts(client=bank.client)
    assert (alert.family, alert.pattern) == (ProbeFamily.NAME_PATTERN, "丁*涛")


def test_a_lookup_key_recovers_no_starred_character_through_the_name_filter(bank: Platform):
    name_mask_target("api")
    recovered = []

    for character in MASKED_NAME_TARGETS:
        response = bank.get("/api/v1/entries/", {"name": "丁" + character + "涛"})
        if response.status_code == 429:
            break
        recovered += response.json()["results"]

    assert recovered == []
    assert response.json()["code"] == "enumeration_suspected"


def test_a_known_id_number_does_not_confirm_names_tried_against_it(bank: Platform):
    allowed = limit("api", "id_names")
    number = target_at(0)[0]
    publish([Person("丁" + MASKED_NAME_TARGETS[allowed] + "涛", number)])
    agreed = []

    for character in MASKED_NAME_TARGETS[: allowed + 5]:
        name = "丁" + character + "涛"
        response = bank.check([{"ref": name, "id_number": number, "name": name}])
        if response.status_code == 429:
            break
        agreed += [r["ref"] for r in response.json()["results"] if r["name_agrees"]]

    assert agreed == []
    assert response.json()["code"] == "enumeration_suspected"
    (alert,) = alerts(client=bank.client)
    assert alert.family == ProbeFamily.ID_NAMES
    assert alert.pattern.startswith(identity.mask_id(number) + "#")


def test_a_client_with_identity_is_not_refused_since_it_sees_full_numbers_anyway(
    bureau: Platform,
):
    number, candidates = listed(1500)

    response = check_ids(bureau, candidates[1000:2000])

    assert response.status_code == 200
    assert [r["ref"] for r in response.json()["results"] if r["listed"]] == [number]
    assert alerts() == []


def test_the_refusal_speaks_the_callers_language(bank: Platform):
    _number, candidates = listed(0)
    bank.http.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hant"

    refusal = check_ids(bank, candidates[:1000])

    assert refusal.status_code == 429
    assert refusal.json()["message"].startswith("已拒絕：該客戶端查詢了大量")


def test_a_refusal_never_tells_of_a_person_on_a_draft(bank: Platform):
    number, candidates = target_at(0)
    draft_with([Person("丁伟涛", number)])

    response = check_ids(bank, candidates[:1000])

    assert response.status_code == 200  # guesses around a mask nobody published are no threat
    assert not any(r["listed"] for r in response.json()["results"])
    assert alerts() == []
