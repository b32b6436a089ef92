"""The monthly digest re-issues the state of the public list once a month."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from blacklist.models import Digest
from blacklist.publication import digests
from blacklist.publication import services as publication
from tests import factories

pytestmark = pytest.mark.django_db


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def test_the_digest_counts_this_months_listings_revocations_and_expiries():
    public = factories.published_notice(count=4)
    factories.published_notice(count=5, prog=factories.programme(code="hidden", public=False))
    factories.terms_end(factories.published_notice(count=2))
    publication.entries_expire_due()
    factories.revoked(factories.entries_of(public)[0], reason="异议成立")
    month = this_month()

    # Issued once the month is over: look at it from the first day of the next one.
    with pytest.raises(ValidationError):
        digests.digest_build(month=month)
    digest = build_as_if_next_month(month)

    assert (digest.newly_listed, digest.expired, digest.revoked) == (6, 2, 1)
    assert digest.currently_listed == 3  # at the end of the month; non-public programme left out
    assert [row["programme"] for row in digest.by_programme] == ["two-cards"]


def build_as_if_next_month(month: datetime.date) -> Digest:
    """The month is over on the first of the next: the digest reads history, not today."""
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    return digests.digest_build(month=month, today=following)


def test_building_a_digest_again_returns_the_one_issued():
    factories.published_notice(count=2)
    last_month = digests.previous_month()
    first = digests.digest_build(month=last_month)
    factories.published_notice(count=3)

    again = digests.digest_build(month=last_month)

    assert again.pk == first.pk and Digest.objects.count() == 1


def test_the_digest_is_published_on_the_statistics_page(client):
    digest = digests.digest_build(month=digests.previous_month())

    stats = client.get("/stats/").content.decode()
    url = f"/digests/{digest.month:%Y-%m}/"
    assert url in stats
    page = client.get(url)
    assert page.status_code == 200
    assert f"{digest.month:%Y-%m}" in page.content.decode()
    assert client.get("/digests/1999-01/").status_code == 404
    assert client.get("/digests/2026-13/").status_code == 404
    assert client.get("/digests/99999999999999999999-1/").status_code == 404
