"""Querysets compiled once: the same rows and objects as the queryset, read afresh every time."""

import pytest
from django.db.models import QuerySet, Value

from blacklist.models import Entry, Programme
from blacklist.registry.prepared import MARKER, PreparedQuery, prepared
from tests import factories
from tests.web.people import entry_of, person, publish

pytestmark = pytest.mark.django_db


def by_name(value: str):
    return (
        Entry.objects.currently_public()
        .select_related("subject", "notice__programme", "notice__authority")
        .filter(subject__name=value)
        .annotate(shown=Value("yes"))
        .order_by("id")
    )


def test_it_returns_the_objects_the_queryset_returns_with_their_relations_loaded(
    django_assert_num_queries,
):
    zhang, li = person("张三"), person("李四")
    publish([zhang, li])
    query = PreparedQuery(by_name(MARKER), values=1)

    with django_assert_num_queries(1):
        found = query.run("张三")
        shown = [
            (e.public_id, e.subject.name, e.notice.programme.code, e.notice.authority.name)
            for e in found
        ]

    expected = by_name("张三")
    assert shown == [
        (e.public_id, e.subject.name, e.notice.programme.code, e.notice.authority.name)
        for e in expected
    ]
    assert [e.pk for e in found] == [entry_of(zhang).pk]
    assert found[0].term_start == expected[0].term_start  # converted as the ORM does
    assert found[0].shown == "yes"


def test_it_reads_the_database_on_every_call():
    def public() -> QuerySet[Programme]:
        return Programme.objects.filter(public=True).order_by("code")

    factories.programme(code="first")
    before = prepared("test-public-programmes", public).run()
    Programme.objects.filter(code="first").update(public=False)
    factories.programme(code="second")

    after = prepared("test-public-programmes", public).run()

    assert [p.code for p in before] == ["first"]
    assert [p.code for p in after] == ["second"]


def test_it_refuses_a_queryset_that_rewrites_the_value():
    with pytest.raises(ValueError, match="marker"):
        PreparedQuery(Programme.objects.filter(name__contains=MARKER), values=1)
