"""`field__one_of=values`: the rows `__in` finds, with the whole list as one parameter."""

import pytest
from django.db import connection

from blacklist.lib.manyof import one_of
from blacklist.models import Entry, MatchKey, Subject
from blacklist.registry import match_index
from tests import factories

pytestmark = pytest.mark.django_db


def test_rows_found_are_those_in_finds_for_numbers_text_and_keys_of_relations():
    notice = factories.published_notice(count=6)
    subjects = list(Subject.objects.order_by("id"))
    wanted = {subjects[0].id, subjects[2].id, subjects[5].id, 10**12}
    names = {subjects[1].name_key, subjects[3].name_key, "无此人"}

    assert set(Subject.objects.filter(id__one_of=wanted)) == set(
        Subject.objects.filter(id__in=wanted)
    )
    assert set(Subject.objects.filter(name_key__one_of=names)) == {subjects[1], subjects[3]}
    entries = notice.entries.filter(subject_id__one_of=wanted)
    assert sorted(e.subject_id for e in entries) == sorted(wanted - {10**12})
    assert not Subject.objects.filter(id__one_of=set())
    assert not Subject.objects.filter(name_key__one_of=set())


def test_far_more_values_than_sqlite_allows_placeholders_and_64_bit_keys():
    notice = factories.published_notice(count=1)
    subject = notice.entries.get().subject
    extremes = [-(2**63), 2**63 - 1, -1]
    MatchKey.objects.bulk_create(
        MatchKey(subject=subject, key=key, kind=1) for key in [*extremes, 12345]
    )
    asked = [*extremes, *range(10**9, 10**9 + 40_000)]  # SQLite allows 32,766 placeholders

    found = match_index.candidates_by_key(asked, listed=Entry.objects.all(), per_key=10)

    assert found == {key: [subject.id] for key in extremes}


def test_the_raw_form_is_one_parameter_whatever_the_number_of_values():
    sql, params = one_of(range(50_000))

    assert len(params) == 1
    with connection.cursor() as cursor:
        table = Subject._meta.db_table
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE id {sql}", params)  # noqa: S608
        assert cursor.fetchone()[0] == 0
