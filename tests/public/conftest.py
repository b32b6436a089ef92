import pytest
from django.test import Client

from blacklist.objections import services as objections
from tests.factories.people import entry_of, person, publish


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Every test here counts rate limits from zero (see `isolated_cache`)."""


@pytest.fixture
def en() -> Client:
    """A visitor whose browser asks for English, so messages read as in the source."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def public_urls(db) -> list[str]:
    """One address of every public HTML page, each with something on it."""
    zhang = person("张三丰")
    notice = publish([zhang, person("李四")])
    entry = entry_of(zhang)
    objection = objections.objection_file(entry=entry, name="张三丰", contact="x", reason="y")
    return [
        "/",
        "/search/",
        "/search/?q=张三",
        "/notices/",
        f"/notices/{notice.pk}/",
        f"/entries/{entry.public_id}/",
        f"/entries/{entry.public_id}/object/",
        "/objections/",
        f"/objections/{objection.reference}/",
        "/stats/",
        "/exports/",
    ]
