"""Prepared statements: the ID search's queries are planned once a connection on PostgreSQL,
a name search's at each run, and the answers are those of each search's own values."""

import pytest
from django.db import connection

from tests import factories
from tests.factories.people import entry_of, person, publish
from tests.public.test_search import results

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_id_searches_reuse_one_prepared_plan_and_name_searches_none(client):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    liu, wang = person("刘洋"), person("王芳")
    publish([liu, wang])

    found = [
        results(client.post("/search/", {"q": p.id_number, "name": p.name}).content.decode())
        for p in (liu, wang, liu)
    ]
    by_id = [s for s in prepared_statements() if '"blacklist_entry"' in s and "id_hmac" in s]
    found_by_name = results(client.get("/search/", {"q": "王芳"}).content.decode())
    after_name = prepared_statements()

    assert found == [[entry_of(p).public_id] for p in (liu, wang, liu)]
    assert len(by_id) == 1  # one statement, run with each number
    assert "blacklist_guess" in " ".join(after_name)  # the guard's statement too
    assert found_by_name == [entry_of(wang).public_id]
    assert not [s for s in after_name if "blacklist_name_index" in s]


def test_a_prepared_id_search_still_follows_the_one_public_rule(client):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    liu = person("刘洋")
    publish([liu])
    entry = entry_of(liu)
    asked = {"q": liu.id_number, "name": liu.name}
    for _ in range(7):  # past the five runs after which PostgreSQL may keep one plan
        assert results(client.post("/search/", asked).content.decode()) == [entry.public_id]
    factories.revoked(entry, reason="错误列入")

    assert results(client.post("/search/", asked).content.decode()) == []
