"""The demo data as a visitor sees it: the notices, batches and endings it is made of."""

import pytest

from blacklist.models import Entry, Notice
from tests.factories import assert_no_full_ids

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_the_home_page_lists_the_latest_public_notices(client):
    page = client.get("/").content.decode()
    assert "第一批" in page and "第二批" in page
    assert "电信网络诈骗犯罪人员联合惩戒名单" not in page  # a programme for platforms only
    assert "草稿" not in page


def test_the_first_batch_page_says_every_listing_has_ended(client, full_id_numbers):
    notice = Notice.objects.get(batch_number=1, programme__code="two-cards")
    page = client.get(f"/notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "382 listings have ended with their term" in page
    assert_no_full_ids(page, full_id_numbers)


def test_a_notice_in_force_shows_masked_names_and_ids(client, full_id_numbers):
    notice = Notice.objects.get(batch_number=2)
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    entry = Entry.objects.currently_public().filter(notice=notice, subject__kind="person").first()
    assert entry.subject.id_masked in page
    assert entry.public_name() in page
    assert entry.public_name() != entry.subject.name
    assert_no_full_ids(page, full_id_numbers)


def test_platform_only_and_draft_notices_are_not_found(client):
    for notice in Notice.objects.exclude(pk__in=Notice.objects.public()):
        assert client.get(f"/notices/{notice.pk}/").status_code == 404


def test_healthz_answers(client):
    assert client.get("/healthz").json() == {"status": "ok"}
