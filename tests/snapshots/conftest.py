"""A published list with every way an entry can be hidden, and readers of the snapshot files."""

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from blacklist.models import Entry, Notice, Snapshot, SnapshotAudience, SnapshotFormat
from blacklist.registry import identity
from blacklist.snapshots import services as snapshots
from tests import factories
from tests.api.conftest import bank, bureau, make_platform  # noqa: F401  (shared fixtures)
from tests.factories import people
from tests.factories.people import Person, person, publish

SOURCE_URL = "https://gaj.wuhan.gov.cn/notices/2026-7"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    """Snapshot files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Rate limits count from zero (see `isolated_cache`)."""


def company(name: str, serial: int) -> Person:
    return Person(name, identity.make_credit_code(f"91420100MA4K{serial:05d}"))


@dataclass
class Listing:
    public: list[Person]  # currently public
    platform_only: Person  # listed, on a programme shown only to credit platforms
    hidden: list[Person]  # on a draft, scheduled or withdrawn notice, expired, revoked...
    organisation: Person
    formula_offence: str

    @staticmethod
    def public_ids(persons: list[Person]) -> set[str]:
        """Every entry of these persons, on any notice."""
        digests = [identity.lookup_hmac(p.id_number, key=settings.ID_LOOKUP_KEY) for p in persons]
        return set(
            Entry.objects.filter(subject__id_hmac__in=digests).values_list("public_id", flat=True)
        )


@pytest.fixture
def listing(db) -> Listing:
    zhang, li = person("张三丰"), person("李四")
    relisted = person("王小明")  # on two notices of public programmes
    organisation = company("-武汉某某科技有限公司", 1)
    notice = publish([zhang, li, relisted, organisation])
    Notice.objects.filter(pk=notice.pk).update(
        source_url=SOURCE_URL, document_number="武公告〔2026〕7号"
    )
    formula = '=HYPERLINK("http://example.com")'
    other = person("赵六")
    publish([other, relisted], prog=factories.programme(code="two-cards-2"), offence=formula)
    platform_only = person("孙七")
    people.platform_only(platform_only)
    ways = [way for way in people.NOT_PUBLIC if way is not people.platform_only]
    hidden = [
        person(name) for name in ["周一", "吴二", "郑三", "冯四", "陈五", "褚六"][: len(ways)]
    ]
    for way, hidden_person in zip(ways, hidden, strict=True):
        way(hidden_person)
    return Listing(
        public=[zhang, li, relisted, organisation, other],
        platform_only=platform_only,
        hidden=hidden,
        organisation=organisation,
        formula_offence=formula,
    )


def build() -> list[Snapshot]:
    return snapshots.snapshots_build(reason="test")


def latest(audience: str, fmt: str) -> Snapshot:
    return next(s for s in snapshots.snapshots_latest(audience=audience) if s.format == fmt)


def public_download(snapshot: Snapshot) -> bytes:
    """The file as a citizen downloads it from /exports/."""
    response = Client().get(f"/exports/{snapshot.pk}/{snapshots.download_name(snapshot)}")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def file_bytes(snapshot: Snapshot) -> bytes:
    """The file as downloaded, whatever its audience (opened as the download opens it)."""
    stream = snapshots.snapshot_stream(snapshot=snapshot)
    assert stream is not None
    try:
        return b"".join(stream)
    finally:
        stream.close()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def json_document(data: bytes) -> dict[str, Any]:
    return json.loads(data)


def ftm_entities(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line]


def public_ids_in(snapshot: Snapshot, data: bytes) -> set[str]:
    """The entries a file holds, read the way a user of each format would."""
    if snapshot.format == SnapshotFormat.CSV:
        return {row["public_id"] for row in csv_rows(data)}
    if snapshot.format == SnapshotFormat.JSON:
        return {entry["public_id"] for entry in json_document(data)["entries"]}
    return {
        value
        for entity in ftm_entities(data)
        if entity["schema"] == "Sanction"
        for value in entity["properties"]["recordId"]
    }


def all_listed_public_ids(*, audience: str) -> set[str]:
    entries = (
        Entry.objects.listed()
        if audience == SnapshotAudience.IDENTITY
        else Entry.objects.currently_public()
    )
    return set(entries.values_list("public_id", flat=True))
