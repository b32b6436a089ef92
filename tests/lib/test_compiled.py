"""A compiled query gives what its queryset gives, with each run's values, read afresh."""

import pytest
from django.db import connection

from blacklist.lib.compiled import CompiledQuery
from blacklist.models import Entry, Subject
from tests import factories

pytestmark = pytest.mark.django_db

MARKER = "\x00name"


def shown(entries: list[Entry]) -> list[tuple]:
    return [
        (e.public_id, e.term_start, e.subject.name, e.notice.programme.name, e.notice.title)
        for e in entries
    ]


def by_name():
    return (
        Entry.objects.select_related("subject", "notice__programme")
        .only(
            "public_id", "term_start", "subject__name", "notice__title", "notice__programme__name"
        )
        .order_by("-term_start", "id")
    )


def test_each_run_gives_what_the_queryset_gives_with_that_runs_value():
    factories.published_notice(count=4)
    names = list(Subject.objects.values_list("name_key", flat=True))
    compiled = CompiledQuery(
        by_name().filter(subject__name_key=MARKER),
        wrapper=connection,
        markers={"name": MARKER},
    )

    found = {name: shown(compiled.run(name=name)) for name in [*names, "无此人"]}

    for name, entries in found.items():
        assert entries == shown(list(by_name().filter(subject__name_key=name)))
    assert sum(len(entries) for entries in found.values()) == 4
    assert found["无此人"] == []


def test_rows_are_read_afresh_at_each_run():
    notice = factories.published_notice(count=1)
    entry = notice.entries.get()
    compiled = CompiledQuery(
        by_name().filter(subject__name_key=MARKER), wrapper=connection, markers={"name": MARKER}
    )
    before = compiled.run(name=entry.subject.name_key)

    Subject.objects.filter(pk=entry.subject_id).update(name="改名后")

    after = compiled.run(name=entry.subject.name_key)
    assert [e.subject.name for e in before] != [e.subject.name for e in after]
    assert [e.subject.name for e in after] == ["改名后"]


def test_a_marker_the_statement_does_not_hold_once_is_refused():
    with pytest.raises(ValueError, match="'name' is in the statement 0 times"):
        CompiledQuery(by_name(), wrapper=connection, markers={"name": MARKER})
    twice = by_name().filter(subject__name_key=MARKER, subject__name=MARKER)
    with pytest.raises(ValueError, match="2 times"):
        CompiledQuery(twice, wrapper=connection, markers={"name": MARKER})


def test_a_run_needs_every_marked_value_and_no_other():
    compiled = CompiledQuery(
        by_name().filter(subject__name_key=MARKER), wrapper=connection, markers={"name": MARKER}
    )
    with pytest.raises(TypeError):
        compiled.run()
    with pytest.raises(TypeError):
        compiled.run(name="x", digest="y")
