"""Each client's daily quota of subjects checked or looked up."""

import pytest

from blacklist.models import ApiClient
from tests import factories
from tests.factories.people import person, publish

pytestmark = pytest.mark.django_db


def with_quota(platform, quota: int):
    ApiClient.objects.filter(pk=platform.client.pk).update(daily_subject_quota=quota)
    return platform


def subjects(count: int) -> list[dict[str, str]]:
    return [{"ref": str(n), "id_number": person("张三").id_number} for n in range(count)]


def test_checks_past_the_daily_quota_are_refused_with_when_to_retry(make_platform):
    bank = with_quota(make_platform("lookup"), 5)

    first = bank.check(subjects(3))
    over = bank.check(subjects(3))
    rest = bank.check(subjects(2))
    after = bank.check(subjects(1))

    assert first.status_code == 200 and rest.status_code == 200
    assert over.status_code == 429 and after.status_code == 429
    assert over.json()["code"] == "quota_exceeded"
    assert "daily quota of 5 subjects (2 left today)" in over.json()["message"]
    assert 0 < int(over["Retry-After"]) <= 86_400


def test_a_lookup_by_id_number_or_name_counts_as_one_subject(make_platform):
    bank = with_quota(make_platform("lookup"), 2)
    listed = person("王芳")
    publish([listed])

    answers = [
        bank.get("/api/v1/entries/", {"id_number": listed.id_number}).status_code,
        bank.get("/api/v1/entries/", {"name": "王芳"}).status_code,
        bank.get("/api/v1/entries/", {"name": "王芳"}).status_code,
        bank.get("/api/v1/entries/").status_code,  # a plain listing asks about nobody
    ]

    assert answers == [200, 200, 429, 200]


def test_each_client_has_its_own_quota(make_platform):
    small = with_quota(make_platform("lookup"), 1)
    other = with_quota(make_platform("lookup"), 1)

    assert small.check(subjects(1)).status_code == 200
    assert small.check(subjects(1)).status_code == 429
    assert other.check(subjects(1)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_checks_at_once_never_pass_the_quota_together(make_platform):
    bank = with_quota(make_platform("lookup"), 10)
    batches = [subjects(2) for _ in range(8)]

    statuses = factories.run_at_once(lambda: bank.check(batches.pop()).status_code, workers=8)

    assert sorted(statuses) == [200] * 5 + [429] * 3
