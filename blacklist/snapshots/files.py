"""The files of a snapshot: CSV, JSON and FollowTheMoney, written as a stream, sealed at rest.

No database here: `blacklist.snapshots.services` reads the list and hands each format one
`ExportRecord` at a time. A file grows by appending, so a million entries take the memory
of one chunk of rows, never of the list.
"""

import datetime
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from blacklist.lib.csvfiles import write_csv
from blacklist.lib.sealing import SealedWriter
from blacklist.registry import identity

# --- where the text goes ---------------------------------------------------------------------


class PlainWriter:
    """The unsealed counterpart of `SealedWriter`, for files that hold only masks."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)
        self._file.write(data)

    def close(self) -> str:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        self._file.close()


class SnapshotSink:
    """Text in, bytes on disk. The checksum and size are of the bytes as downloaded;
    with `keys` the disk holds them only sealed (see `blacklist.lib.sealing`)."""

    def __init__(self, path: Path, *, keys: Sequence[str] | None) -> None:
        self._out = SealedWriter(path, keys=keys) if keys else PlainWriter(path)

    @property
    def size(self) -> int:
        return self._out.size

    def write(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def close(self) -> str:
        """Finish the file, on disk for good (fsync), and return its SHA-256."""
        return self._out.close()

    def discard(self) -> None:
        self._out.discard()


# --- what each format is given -----------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotHead:
    audience: str
    taken_at: datetime.datetime
    last_seq: int
    count: int
    reveal: bool  # full ID numbers and names


@dataclass(frozen=True)
class ExportRecord:
    """One entry: `entry` is its JSON document, `entity_id` its subject's FtM id."""

    entry: dict[str, Any]
    entity_id: str


class FormatWriter(Protocol):
    def begin(self, head: SnapshotHead) -> None: ...
    def add(self, records: Sequence[ExportRecord]) -> None: ...
    def end(self) -> None: ...


# Stable English keys, not translated labels: programs read these files by column name.
CSV_COLUMNS = (
    "public_id",
    "name",
    "id_number",
    "kind",
    "gender",
    "region_code",
    "region",
    "programme",
    "authority",
    "notice_title",
    "document_number",
    "offence",
    "measures",
    "term_start",
    "term_end",
    "listed_on",
    "notice_url",
)


class CsvSnapshot:
    """UTF-8 with a BOM, formula-like cells neutralised (`write_csv`), one row per entry."""

    def __init__(self, sink: SnapshotSink) -> None:
        self.sink = sink

    def begin(self, head: SnapshotHead) -> None:
        write_csv(self.sink, [CSV_COLUMNS])

    def add(self, records: Sequence[ExportRecord]) -> None:
        write_csv(self.sink, (_csv_row(record.entry) for record in records), bom=False)

    def end(self) -> None:
        pass


def _csv_row(entry: dict[str, Any]) -> list[Any]:
    subject = entry["subject"]
    return [
        entry["public_id"],
        subject["name"],
        subject["id_number"],
        subject["kind"],
        subject["gender"],
        subject["region_code"],
        subject["region_name"],
        entry["programme_name"],
        entry["authority"],
        entry["notice_title"],
        entry["document_number"],
        entry["offence"],
        entry["measures"],
        entry["term_start"],
        entry["term_end"],
        entry["listed_on"],
        entry["notice_url"],
    ]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class JsonSnapshot:
    """One JSON document: the snapshot's metadata, then `entries`, written as they come."""

    def __init__(self, sink: SnapshotSink) -> None:
        self.sink = sink
        self._first = True

    def begin(self, head: SnapshotHead) -> None:
        meta = {
            "audience": head.audience,
            "taken_at": head.taken_at.isoformat(),
            "last_seq": head.last_seq,
            "count": head.count,
        }
        self.sink.write(_dumps(meta)[:-1] + ',"entries":[')

    def add(self, records: Sequence[ExportRecord]) -> None:
        if not records:
            return
        text = ",\n".join(_dumps(record.entry) for record in records)
        self.sink.write(("\n" if self._first else ",\n") + text)
        self._first = False

    def end(self) -> None:
        self.sink.write("\n]}\n")


# --- FollowTheMoney ------------------------------------------------------------------------------

FTM_GENDERS = {"M": "male", "F": "female"}


class FtmSnapshot:
    """JSON lines of FollowTheMoney entities: a Person or Company per subject, then a
    Sanction per entry. Records come ordered by subject, so a subject's entries are
    gathered one subject at a time."""

    def __init__(self, sink: SnapshotSink) -> None:
        self.sink = sink
        self._group: list[ExportRecord] = []
        self._reveal = False

    def begin(self, head: SnapshotHead) -> None:
        self._reveal = head.reveal

    def add(self, records: Sequence[ExportRecord]) -> None:
        lines: list[str] = []
        for record in records:
            if self._group and self._group[0].entity_id != record.entity_id:
                lines.extend(self._flush())
            self._group.append(record)
        if lines:
            self.sink.write("".join(lines))

    def end(self) -> None:
        self.sink.write("".join(self._flush()))

    def _flush(self) -> Iterator[str]:
        group, self._group = self._group, []
        if not group:
            return
        yield _dumps(subject_entity(group, reveal=self._reveal)) + "\n"
        for record in group:
            yield _dumps(sanction_entity(record)) + "\n"


def subject_entity(group: Sequence[ExportRecord], *, reveal: bool) -> dict[str, Any]:
    subject = group[0].entry["subject"]
    organisation = subject["kind"] == identity.SubjectKind.ORGANISATION.value
    # A person's public name follows each programme's mask, so it may have more than one.
    names = list(dict.fromkeys(record.entry["subject"]["name"] for record in group))
    properties: dict[str, list[str]] = {
        "name": names,
        "country": ["cn"],
        "topics": ["reg.action"],
    }
    if subject["region_name"]:
        properties["address"] = [subject["region_name"]]
    if not organisation and subject["gender"] in FTM_GENDERS:
        properties["gender"] = [FTM_GENDERS[subject["gender"]]]
    if reveal and organisation:
        properties["registrationNumber"] = [subject["id_number"]]
        properties["uscCode"] = [subject["id_number"]]
    elif reveal:
        properties["idNumber"] = [subject["id_number"]]
    return {
        "id": group[0].entity_id,
        "schema": "Company" if organisation else "Person",
        "properties": properties,
    }


def sanction_entity(record: ExportRecord) -> dict[str, Any]:
    entry = record.entry
    properties: dict[str, list[str]] = {
        "entity": [record.entity_id],
        "authority": [entry["authority"]],
        "program": [entry["programme_name"]],
        "programId": [entry["programme"]],
        "reason": [entry["offence"]],
        "provisions": [entry["measures"]],
        "listingDate": [entry["listed_on"]],
        "startDate": [entry["term_start"]],
        "endDate": [entry["term_end"]],
        "country": ["cn"],
        "recordId": [entry["public_id"]],
        "summary": [entry["notice_title"]],
    }
    if entry["document_number"]:
        properties["authorityId"] = [entry["document_number"]]
    if entry["notice_url"]:
        properties["sourceUrl"] = [entry["notice_url"]]
    return {
        "id": f"{record.entity_id}-{entry['public_id']}",
        "schema": "Sanction",
        "properties": {key: values for key, values in properties.items() if all(values)},
    }


def entity_id(id_hmac: str) -> str:
    """A subject's FtM id: the same in every snapshot and audience, and no way back to the ID
    number (it is a hash of the keyed HMAC, not the lookup key itself)."""
    digest = hashlib.sha256(b"ftm-entity:" + id_hmac.encode("ascii")).hexdigest()
    return f"cn-penalty-{digest[:32]}"
