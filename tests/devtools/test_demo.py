import datetime

import pytest
from django.core.management import call_command

from blacklist.models import ChangeEvent, Entry, EntryStatus, Notice, NoticeStatus, Subject
from tests import factories

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "notices": Notice.objects.count(),
        "subjects": Subject.objects.count(),
        "entries": Entry.objects.count(),
        "events": ChangeEvent.objects.count(),
    }


def test_loading_the_demo_twice_changes_nothing(demo):
    before = counts()
    call_command("load_demo")
    assert counts() == before
    assert before["notices"] >= 3


def test_the_wuhan_first_batch_has_382_persons_who_have_all_expired(demo):
    notice = Notice.objects.get(batch_number=1, programme__code="two-cards")
    assert notice.authority.name == "武汉市公安局"
    assert notice.published_at.date() == datetime.date(2020, 11, 1)
    entries = Entry.objects.filter(notice=notice)
    assert entries.count() == 382
    assert set(entries.values_list("term_start", "term_end")) == {
        (datetime.date(2020, 11, 1), datetime.date(2025, 10, 31))
    }
    assert set(entries.values_list("status", flat=True)) == {EntryStatus.EXPIRED}
    assert not Entry.objects.currently_public().filter(notice=notice).exists()


def test_the_demo_has_listings_in_force_today(demo):
    assert Entry.objects.currently_public().count() > 100


def test_a_person_listed_again_is_the_same_subject(demo):
    relisted = Subject.objects.filter(entries__notice__batch_number=2).filter(
        entries__notice__batch_number=1
    )
    assert relisted.distinct().count() == 10


def test_the_demo_says_its_persons_are_fictional(demo, client):
    for notice in Notice.objects.exclude(status=NoticeStatus.DRAFT):
        assert "虚构" in notice.body
    assert "fictional" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_demo_ids_are_valid_hubei_resident_ids(demo):
    for subject in Subject.objects.filter(kind="person")[:50]:
        assert subject.region_code.startswith("42")
        assert subject.id_number()[:6] == subject.region_code


def test_generate_entries_writes_an_import_file(tmp_path):
    path = tmp_path / "rows.csv"
    call_command("generate_entries", "--count", "25", "--output", str(path))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("序号,姓名,身份证号")
    assert len(lines) == 26
    assert len({line.split(",")[2] for line in lines[1:]}) == 25


def test_generate_entries_publishes_a_synthetic_notice(demo):
    before = Entry.objects.currently_public().count()
    call_command("generate_entries", "--count", "120")
    assert Entry.objects.currently_public().count() == before + 120
    assert factories.entries_of(Notice.objects.get(title__contains="120"))
