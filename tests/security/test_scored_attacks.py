"""Scored checks give no key without `identity` a way around the guard: asked for, they are
answered in exact mode and count the same guesses."""

import pytest

from blacklist.models import ProbeFamily
from tests.api.conftest import Platform
from tests.factories.people import Person, publish
from tests.security.conftest import MASKED_NAME_TARGETS, alerts, name_mask_target, target_at

pytestmark = pytest.mark.django_db


def test_scored_name_checks_recover_no_starred_character_and_are_refused_alike(bank: Platform):
    name_mask_target("api")
    recovered = []

    tried = ["丁" + c + "涛" for c in MASKED_NAME_TARGETS]
    for start in range(0, len(tried), 10):
        response = bank.check(
            [{"ref": name, "name": name} for name in tried[start : start + 10]],
            match_mode="scored",
        )
        if response.status_code == 429:
            break
        assert response.json()["match_mode"] == "exact"
        for result in response.json()["results"]:
            assert "candidates" not in result
            if result["match"]:
                recovered.append(result["ref"])

    assert recovered == []
    assert response.json()["code"] == "enumeration_suspected"
    (alert,) = alerts(client=bank.client)
    assert (alert.family, alert.pattern) == (ProbeFamily.NAME_PATTERN, "丁*涛")


def test_one_scored_check_of_near_names_names_nobody_to_a_key_without_identity(bank: Platform):
    publish([Person("丁伟涛", target_at(0)[0])])
    response = bank.check([{"ref": "1", "name": "Ding Weitao"}], match_mode="scored")
    (result,) = response.json()["results"]
    assert (result["match"], result["entries"]) == (None, [])
    assert "candidates" not in result
