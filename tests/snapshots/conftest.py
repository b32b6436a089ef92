"""A published list with every way an entry can be hidden, and readers of the snapshot files."""

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client

from blacklist.models import Entry, Snapshot, SnapshotAudience, SnapshotFormat
from blacklist.snapshots import services as snapshots
from tests.api.conftest import bank, bureau, make_platform  # noqa: F401  (shared fixtures)
from tests.factories.listings import Listing, every_kind


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    """Snapshot files go to a folder of this test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Rate limits count from zero (see `isolated_cache`)."""


@pytest.fixture
def listing(db) -> Listing:
    return every_kind()


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
