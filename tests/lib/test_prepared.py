"""Prepared statements: the ID search's queries are planned once a connection on PostgreSQL,
a name search's at each run, and the answers are those of each search's own values."""

import pytest
from django.db import connection

from blacklist.models import Subject
from tests import factories
from tests.factories.people import entry_of, person, publish
from tests.public.test_search import results

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def prepared_statements() -> list[tuple[str, int]]:
    """What this connection holds prepared, and how often each ran by a plan for any values."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        return cursor.fetchall()


def test_id_searches_reuse_one_prepared_statement_and_name_searches_none(client):
    liu, wang = person("刘洋"), person("王芳")
    publish([liu, wang])

    found = [
        results(client.post("/search/", {"q": p.id_number, "name": p.name}).content.decode())
        for p in (liu, wang, liu)
    ]
    by_id = [s for s, _ in prepared_statements() if '"blacklist_entry"' in s and "id_hmac" in s]
    found_by_name = results(client.get("/search/", {"q": "王芳"}).content.decode())
    after_name = [statement for statement, _ in prepared_statements()]

    assert found == [[entry_of(p).public_id] for p in (liu, wang, liu)]
    assert len(by_id) == 1  # one statement, run with each number
    assert "blacklist_guess" in " ".join(after_name)  # the guard's statement too
    assert found_by_name == [entry_of(wang).public_id]
    assert not [s for s in after_name if "blacklist_name_index" in s]


def test_a_plan_kept_for_any_id_number_still_follows_the_one_public_rule(client):
    liu = person("刘洋")
    publish([liu])
    entry = entry_of(liu)
    asked = {"q": liu.id_number, "name": liu.name}
    for _ in range(8):  # past the five runs after which PostgreSQL may keep one plan
        assert results(client.post("/search/", asked).content.decode()) == [entry.public_id]
    kept = [n for s, n in prepared_statements() if '"blacklist_entry"' in s and "id_hmac" in s]

    factories.revoked(entry, reason="错误列入")

    assert kept and kept[0] > 0  # the plan for any values served
    assert results(client.post("/search/", asked).content.decode()) == []


def test_other_queries_keep_values_in_the_statement_past_the_servers_limit(client):
    liu = person("刘洋")
    publish([liu])
    client.post("/search/", {"q": liu.id_number, "name": liu.name})

    # a server-bound statement takes at most 65,535 values
    assert Subject.objects.filter(id__in=range(1, 70_001)).count() == 1


def test_turned_off_nothing_is_prepared(client, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    liu = person("刘洋")
    publish([liu])

    for _ in range(3):
        response = client.post("/search/", {"q": liu.id_number, "name": liu.name})
        assert results(response.content.decode()) == [entry_of(liu).public_id]

    assert prepared_statements() == []
