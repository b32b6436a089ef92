"""An attacker's tools: candidates for what a mask hides, built from what the portal shows."""

import datetime
from collections.abc import Iterator

import pytest
from django.conf import settings

from blacklist.models import EnumerationAlert
from blacklist.registry import identity
from tests.api.conftest import Platform, bank, bureau, make_platform  # noqa: F401 (fixtures)
from tests.factories.people import Person, publish

# The hidden birth dates an attacker would try: anyone aged 18 to 86.
FIRST_BIRTH_DAY = datetime.date(1940, 1, 1)
LAST_BIRTH_DAY = datetime.date(2008, 12, 31)

# Common characters for the starred place of a masked name, as an attacker would try them.
COMMON_CHARACTERS = (
    "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文辉力永健世广志义兴良海山仁波宁贵"
    "福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振"
)
# Each once, in the order an attacker tries them.
MASKED_NAME_TARGETS = list(dict.fromkeys(COMMON_CHARACTERS))


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Rate limits count from zero in every attack (see `isolated_cache`)."""


def candidates_for(masked: str) -> Iterator[str]:
    """Every full resident ID that the mask `420704********8269` may hide, oldest first:
    the birth dates whose check character fits."""
    region, sequence = masked[:6], int(masked[14:17])
    day = FIRST_BIRTH_DAY
    while day <= LAST_BIRTH_DAY:
        number = identity.make_resident_id(region, day, sequence)
        if number[14:] == masked[14:]:  # the check character fits
            yield number
        day += datetime.timedelta(days=1)


def target_at(position: int, *, masked_like: str = "420704********8269") -> tuple[str, list[str]]:
    """A full ID number that is the `position`th candidate (from 0) of its own mask, and
    the candidates in the order an attacker tries them: the target just past a limit is
    found by any attack the portal does not stop in time."""
    candidates = list(candidates_for(masked_like))
    return candidates[position], candidates


def limit(channel: str, family: str) -> int:
    return settings.GUARD_LIMITS[channel][family]


def limit_for_everyone(channel: str, family: str) -> int:
    return settings.GUARD_LIMITS_EVERYONE[channel][family]


def alerts(**filters: object) -> list[EnumerationAlert]:
    return list(EnumerationAlert.objects.filter(**filters))


def name_mask_target(channel: str) -> str:
    """Publish 丁?涛, whose hidden character an attacker reaches only past the channel's limit
    of names tried around one mask; that character."""
    hidden = MASKED_NAME_TARGETS[limit(channel, "name_pattern")]
    publish([Person("丁" + hidden + "涛", target_at(0)[0])])
    return hidden


def person_with(name: str, number: str) -> Person:
    return Person(name, number)
