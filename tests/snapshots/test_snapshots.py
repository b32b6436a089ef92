"""Building the snapshots: what each file holds, checksums, sealing at rest, reruns, pruning."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from followthemoney import model
from followthemoney.exc import InvalidData

from blacklist import tasks
from blacklist.feed.changes import last_change_seq
from blacklist.lib import sealing
from blacklist.models import (
    Entry,
    Programme,
    Snapshot,
    SnapshotAudience,
    SnapshotFormat,
    SnapshotState,
)
from blacklist.registry import identity
from blacklist.registry.models import NameMask
from blacklist.snapshots import files as snapshot_files
from blacklist.snapshots import services as snapshots
from tests import factories
from tests.factories import assert_no_full_ids
from tests.factories.listings import SOURCE_URL, Listing
from tests.factories.people import entry_of, person, publish
from tests.snapshots.conftest import (
    build,
    csv_rows,
    file_bytes,
    ftm_entities,
    json_document,
    latest,
    public_ids_in,
)

pytestmark = pytest.mark.django_db

PUBLIC, PLATFORM, IDENTITY = (
    SnapshotAudience.PUBLIC,
    SnapshotAudience.PLATFORM,
    SnapshotAudience.IDENTITY,
)
FORMATS = SnapshotFormat.values
FILES = 9  # three audiences, three formats each


def snapshot_files_on_disk() -> set[str]:
    """Every file in the storage (on disk or not, as the storage is configured)."""
    return factories.stored_files()


# --- what the files hold ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_files_hold_exactly_the_currently_public_entries(listing: Listing, fmt: str):
    build()
    snapshot = latest(PUBLIC, fmt)
    held = public_ids_in(snapshot, file_bytes(snapshot))
    assert held == listing.public_ids(listing.public)
    assert not held & listing.public_ids([listing.platform_only, *listing.hidden])
    assert snapshot.count == len(held) == 6  # the relisted person has two entries


@pytest.mark.parametrize("fmt", FORMATS)
def test_identity_files_add_the_programmes_shown_only_to_platforms(listing: Listing, fmt: str):
    build()
    snapshot = latest(IDENTITY, fmt)
    held = public_ids_in(snapshot, file_bytes(snapshot))
    assert held == listing.public_ids([*listing.public, listing.platform_only])
    assert not held & listing.public_ids(listing.hidden)
    assert snapshot.count == 7


@pytest.mark.parametrize("fmt", FORMATS)
def test_platform_files_hold_every_listed_entry_like_the_identity_files(listing: Listing, fmt: str):
    build()
    snapshot = latest(PLATFORM, fmt)
    held = public_ids_in(snapshot, file_bytes(snapshot))
    assert held == listing.public_ids([*listing.public, listing.platform_only])
    assert held == public_ids_in(latest(IDENTITY, fmt), file_bytes(latest(IDENTITY, fmt)))
    assert not held & listing.public_ids(listing.hidden)
    assert snapshot.count == 7


def test_platform_files_mask_names_and_id_numbers_as_the_api_does(
    listing: Listing, full_id_numbers
):
    build()
    for snapshot in snapshots.snapshots_latest(audience=PLATFORM):
        text = file_bytes(snapshot).decode("utf-8")
        assert_no_full_ids(text, full_id_numbers)
        assert "张三丰" not in text and "张*丰" in text
        assert "孙七" not in text and "孙*" in text  # the programme shown only to platforms
        if snapshot.format != SnapshotFormat.FTM:  # FtM identifiers are for full numbers only
            assert identity.mask_id(listing.platform_only.id_number) in text
        assert "武汉某某科技有限公司" in text
    document = json_document(file_bytes(latest(PLATFORM, SnapshotFormat.JSON)))
    assert document["audience"] == "platform"
    (row,) = [
        row
        for row in csv_rows(file_bytes(latest(PLATFORM, SnapshotFormat.CSV)))
        if row["public_id"] == entry_of(listing.platform_only).public_id
    ]
    assert row["name"] == "孙*"
    assert row["id_number"] == identity.mask_id(listing.platform_only.id_number)
    assert row["id_number"].count("*") == 8


def test_public_files_show_masks_and_never_a_full_id_number(listing: Listing, full_id_numbers):
    build()
    for snapshot in snapshots.snapshots_latest(audience=PUBLIC):
        text = file_bytes(snapshot).decode("utf-8")
        assert_no_full_ids(text, full_id_numbers)
        assert "张三丰" not in text and "张*丰" in text
        if snapshot.format != SnapshotFormat.FTM:  # FtM identifiers are for full numbers only
            assert identity.mask_id(listing.public[0].id_number) in text
        # organisations' names are not masked
        assert "武汉某某科技有限公司" in text


def test_identity_files_carry_full_names_and_id_numbers(listing: Listing):
    build()
    for snapshot in snapshots.snapshots_latest(audience=IDENTITY):
        text = file_bytes(snapshot).decode("utf-8")
        for listed in [*listing.public, listing.platform_only]:
            assert listed.id_number in text, (snapshot.format, listed.name)
        assert "张三丰" in text
        for hidden in listing.hidden:
            assert hidden.id_number not in text


def test_the_csv_opens_in_excel_and_no_cell_runs_as_a_formula(listing: Listing):
    build()
    data = file_bytes(latest(PUBLIC, SnapshotFormat.CSV))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(data)
    assert list(rows[0]) == list(snapshot_files.CSV_COLUMNS)
    offences = {row["offence"] for row in rows}
    assert "'" + listing.formula_offence in offences
    assert "'-武汉某某科技有限公司" in {row["name"] for row in rows}
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_the_csv_has_one_row_per_entry_with_its_notice(listing: Listing):
    build()
    rows = csv_rows(file_bytes(latest(PUBLIC, SnapshotFormat.CSV)))
    zhang = entry_of(listing.public[0])
    (row,) = [row for row in rows if row["public_id"] == zhang.public_id]
    assert row["name"] == "张*丰"
    assert row["id_number"] == identity.mask_id(listing.public[0].id_number)
    assert row["kind"] == "person" and row["gender"] in {"M", "F"}
    assert row["authority"] == zhang.notice.authority.name
    assert row["programme"] == zhang.notice.programme.name
    assert row["document_number"] == "武公告〔2026〕7号"
    assert row["notice_url"] == SOURCE_URL
    assert row["term_start"] == zhang.term_start.isoformat()
    assert row["term_end"] == zhang.term_end.isoformat()
    assert row["listed_on"] == timezone.localdate(zhang.notice.published_at).isoformat()


def test_the_json_document_says_what_it_is_and_holds_every_entry(listing: Listing):
    build()
    snapshot = latest(PUBLIC, SnapshotFormat.JSON)
    document = json_document(file_bytes(snapshot))
    assert document["audience"] == "public"
    assert document["last_seq"] == snapshot.last_seq == last_change_seq()
    assert document["count"] == len(document["entries"]) == snapshot.count
    entry = document["entries"][0]
    assert entry["listed"] is True and entry["status"] == "active"
    assert {"public_id", "subject", "offence", "measures", "notice_title", "listed_on"} <= set(
        entry
    )


# --- FollowTheMoney ----------------------------------------------------------------------------


@pytest.mark.parametrize("audience", [PUBLIC, PLATFORM, IDENTITY])
def test_followthemoney_entities_pass_the_followthemoney_model(listing: Listing, audience: str):
    build()
    entities = ftm_entities(file_bytes(latest(audience, SnapshotFormat.FTM)))
    ids = [entity["id"] for entity in entities]
    assert len(ids) == len(set(ids))
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None, data["schema"]
        try:
            schema.validate(data)
        except InvalidData as error:  # pragma: no cover - the message says which property
            pytest.fail(f"{data['id']}: {error.errors}")
        proxy = model.get_proxy(data, cleaned=False)
        # cleaning drops values the model cannot read: nothing may be dropped
        assert {k: sorted(v) for k, v in proxy.properties.items()} == {
            k: sorted(v) for k, v in data["properties"].items()
        }, data["id"]
    subjects = {e["id"]: e for e in entities if e["schema"] in {"Person", "Company"}}
    sanctions = [e for e in entities if e["schema"] == "Sanction"]
    assert len(sanctions) == (6 if audience == PUBLIC else 7)
    assert len(subjects) == (5 if audience == PUBLIC else 6)  # the relisted person once
    for sanction in sanctions:
        (target,) = sanction["properties"]["entity"]
        assert target in subjects
        for name in ["authority", "program", "reason", "provisions", "country"]:
            assert sanction["properties"][name], name
        for name in ["listingDate", "startDate", "endDate"]:
            assert len(sanction["properties"][name][0]) == 10, name


def test_followthemoney_subjects_are_people_or_companies_with_ids_only_for_identity(
    listing: Listing, full_id_numbers
):
    build()
    public = ftm_entities(file_bytes(latest(PUBLIC, SnapshotFormat.FTM)))
    masked = ftm_entities(file_bytes(latest(PLATFORM, SnapshotFormat.FTM)))
    platforms = ftm_entities(file_bytes(latest(IDENTITY, SnapshotFormat.FTM)))
    companies = [e for e in public if e["schema"] == "Company"]
    assert [c["properties"]["name"] for c in companies] == [["-武汉某某科技有限公司"]]
    for entity in [*public, *masked]:
        assert "idNumber" not in entity["properties"]
        assert "registrationNumber" not in entity["properties"]
    assert_no_full_ids("\n".join(map(str, [*public, *masked])), full_id_numbers)
    # the same subject has the same id in the masked and the full platform files
    assert {e["id"] for e in masked} == {e["id"] for e in platforms}

    by_id = {e["id"]: e for e in platforms}
    zhang = next(e for e in platforms if e["properties"].get("name") == ["张三丰"])
    assert zhang["schema"] == "Person"
    assert zhang["properties"]["idNumber"] == [listing.public[0].id_number]
    company = next(e for e in platforms if e["schema"] == "Company")
    assert company["properties"]["registrationNumber"] == [listing.organisation.id_number]
    # the same subject has the same id in both files, and the id does not give the number away
    assert {e["id"] for e in public if e["schema"] == "Person"} <= set(by_id)
    assert all(p.id_number not in e["id"] for e in platforms for p in listing.public)
    sanction = next(
        e
        for e in platforms
        if e["schema"] == "Sanction" and e["properties"]["entity"] == [zhang["id"]]
    )
    assert sanction["properties"]["sourceUrl"] == [SOURCE_URL]
    assert sanction["properties"]["authorityId"] == ["武公告〔2026〕7号"]


def test_a_subject_whose_entries_span_two_chunks_is_written_once(monkeypatch, listing: Listing):
    monkeypatch.setattr(snapshots, "CHUNK_ROWS", 1)
    build()
    entities = ftm_entities(file_bytes(latest(PUBLIC, SnapshotFormat.FTM)))
    names = [e["properties"]["name"] for e in entities if e["schema"] == "Person"]
    assert names.count(["王*明"]) == 1
    assert sum(1 for e in entities if e["schema"] == "Sanction") == 6


# --- checksums and sealing at rest ---------------------------------------------------------


def test_sha256_and_size_describe_each_file_as_downloaded(listing: Listing):
    built = build()
    assert len(built) == FILES
    for snapshot in built:
        data = file_bytes(snapshot)
        assert hashlib.sha256(data).hexdigest() == snapshot.sha256
        assert len(data) == snapshot.size


def test_files_with_full_id_numbers_are_sealed_on_disk_and_any_key_opens_them(
    settings, listing: Listing, full_id_numbers
):
    build()
    for snapshot in snapshots.snapshots_latest(audience=IDENTITY):
        assert snapshot.encrypted
        raw = factories.stored_bytes(snapshot.file.name)
        text = raw.decode("latin-1")
        assert not [n for n in full_id_numbers if n in text]
        assert "张三丰".encode() not in raw
    # the public and the platform files hold only masks: plain on disk, like the downloads
    for snapshot in [
        *snapshots.snapshots_latest(audience=PUBLIC),
        *snapshots.snapshots_latest(audience=PLATFORM),
    ]:
        assert not snapshot.encrypted
        assert not snapshot.file.name.endswith(".sealed")
        assert factories.stored_bytes(snapshot.file.name) == file_bytes(snapshot)

    # a new key goes first; files sealed with the old one still open
    settings.FIELD_ENCRYPTION_KEYS = [
        sealing.generate_encryption_key(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    snapshot = latest(IDENTITY, SnapshotFormat.CSV)
    assert hashlib.sha256(file_bytes(snapshot)).hexdigest() == snapshot.sha256
    settings.FIELD_ENCRYPTION_KEYS = [sealing.generate_encryption_key()]
    with pytest.raises(ValueError, match="could not be opened"):
        file_bytes(snapshot)


def test_a_sealed_file_cut_short_does_not_open(listing: Listing, monkeypatch):
    monkeypatch.setattr(sealing, "PLAIN_CHUNK", 256)  # several chunks
    build()
    snapshot = latest(IDENTITY, SnapshotFormat.JSON)
    raw = factories.stored_bytes(snapshot.file.name)
    header = len(sealing.MAGIC) + sealing.FILE_ID
    first_record = header + 4 + int.from_bytes(raw[header : header + 4], "big")
    default_storage.delete(snapshot.file.name)
    assert default_storage.save(snapshot.file.name, ContentFile(raw[:first_record])) == (
        snapshot.file.name
    )
    with pytest.raises(ValueError, match="could not be opened"):
        file_bytes(snapshot)


# --- when files are written ----------------------------------------------------------------


def test_a_rerun_with_nothing_changed_writes_nothing(listing: Listing):
    first = build()
    files = snapshot_files_on_disk()
    assert build() == []
    assert tasks.rebuild_snapshots("nightly") == []
    assert Snapshot.objects.count() == len(first) == FILES
    assert snapshot_files_on_disk() == files


def test_a_change_on_the_feed_makes_new_snapshots_without_the_entry(listing: Listing):
    build()
    revoked = entry_of(listing.public[1])
    factories.revoked(revoked, reason="异议成立")
    built = build()
    assert len(built) == FILES
    for snapshot in built:
        assert snapshot.last_seq == last_change_seq()
        assert revoked.public_id not in public_ids_in(snapshot, file_bytes(snapshot))


def test_a_programme_hidden_from_the_public_leaves_the_public_files_at_once(
    listing: Listing, admin_client
):
    build()
    hidden = entry_of(listing.public[0])
    programme = hidden.notice.programme
    data = {
        "code": programme.code,
        "name": programme.name,
        "legal_basis": programme.legal_basis,
        "default_offence": programme.default_offence,
        "default_measures": programme.default_measures,
        "default_term_months": programme.default_term_months,
        "name_mask": programme.name_mask,
    }  # "public" left unticked

    response = admin_client.post(f"/admin/blacklist/programme/{programme.pk}/change/", data)

    assert response.status_code == 302
    built = build()  # what the task queued by the admin runs
    # the platforms' files hold every listed entry whether citizens see it or not: unchanged
    assert {s.audience for s in built} == {PUBLIC}
    assert len(built) == 3
    for snapshot in built:
        assert hidden.public_id not in public_ids_in(snapshot, file_bytes(snapshot))
    for audience in (PLATFORM, IDENTITY):
        for snapshot in snapshots.snapshots_latest(audience=audience):
            assert hidden.public_id in public_ids_in(snapshot, file_bytes(snapshot))


def test_a_new_name_mask_rewrites_the_masked_files_only(listing: Listing):
    build()
    programme = entry_of(listing.public[0]).notice.programme
    # (the admin no longer offers this once a notice is published; the files follow anyway)
    Programme.objects.filter(pk=programme.pk).update(name_mask=NameMask.SURNAME_ONLY)

    built = build()
    # the identity files show full names: no mask of theirs changed
    assert {s.audience for s in built} == {PUBLIC, PLATFORM}
    assert len(built) == 6
    for snapshot in built:
        text = file_bytes(snapshot).decode("utf-8")
        assert "张**" in text and "张*丰" not in text


def test_a_new_day_makes_new_snapshots_even_without_a_change(listing: Listing):
    build()
    yesterday = timezone.now() - datetime.timedelta(days=1)
    Snapshot.objects.update(taken_at=yesterday)
    assert len(build()) == FILES


@pytest.mark.parametrize("audience", [PLATFORM, IDENTITY])
def test_the_snapshot_and_the_feed_after_its_last_seq_give_the_current_list(
    listing: Listing, make_platform, audience: str
):
    build()
    snapshot = latest(audience, SnapshotFormat.JSON)
    held = {e["public_id"] for e in json_document(file_bytes(snapshot))["entries"]}
    # the list moves on after the snapshot
    factories.revoked(entry_of(listing.public[0]), reason="异议成立")
    publish([person("钱八")])
    events = make_platform("feed").get("/api/v1/changes/", {"after": snapshot.last_seq}).json()
    for event in events["events"]:
        if event["kind"] == "listed":
            held.add(event["entry"]["public_id"])
        else:
            held.discard(event["entry"]["public_id"])
    assert held == set(Entry.objects.listed().values_list("public_id", flat=True))


def test_only_the_newest_few_snapshots_are_kept_with_their_files(listing: Listing):
    for round_ in range(snapshots.KEEP + 2):
        publish([person(f"韩{'一二三四五六'[round_]}")])
        assert len(build()) == FILES
    for audience in (PUBLIC, PLATFORM, IDENTITY):
        for fmt in FORMATS:
            kept = Snapshot.objects.filter(audience=audience, format=fmt)
            assert kept.count() == snapshots.KEEP
    assert snapshot_files_on_disk() == {s.file.name for s in Snapshot.objects.all()}


def test_a_build_that_fails_leaves_no_row_and_no_file(monkeypatch, listing: Listing):
    def broken(self, records):
        raise OSError("disk full")

    monkeypatch.setattr(snapshot_files.FtmSnapshot, "add", broken)
    with pytest.raises(OSError, match="disk full"):
        build()
    assert not Snapshot.objects.exists()
    assert snapshot_files_on_disk() == set()
    monkeypatch.undo()
    assert len(build()) == FILES


def test_a_build_while_another_is_writing_refuses_and_writes_nothing(monkeypatch, listing: Listing):
    refused = []
    begin = snapshot_files.CsvSnapshot.begin

    def begin_and_build_again(self, head):
        if not refused:
            with pytest.raises(snapshots.SnapshotsBusy):
                build()
            refused.append(True)
        begin(self, head)

    monkeypatch.setattr(snapshot_files.CsvSnapshot, "begin", begin_and_build_again)
    assert len(build()) == FILES
    assert refused
    assert Snapshot.objects.filter(state=SnapshotState.READY).count() == FILES
    assert not Snapshot.objects.filter(state=SnapshotState.BUILDING).exists()


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_write_one_set_of_files(listing: Listing):
    results = factories.run_at_once(lambda: len(build()), timeout=120)
    outcomes = ["busy" if isinstance(r, snapshots.SnapshotsBusy) else r for r in results]
    assert sorted(map(str, outcomes)) in (["0", str(FILES)], [str(FILES), "busy"])
    assert Snapshot.objects.filter(state=SnapshotState.READY).count() == FILES
    assert not Snapshot.objects.filter(state=SnapshotState.BUILDING).exists()
    assert snapshot_files_on_disk() == {s.file.name for s in Snapshot.objects.all()}


def test_an_abandoned_claim_is_taken_over_after_the_timeout(listing: Listing):
    stale = timezone.now() - snapshots.BUILD_TIMEOUT - datetime.timedelta(minutes=1)
    Snapshot.objects.create(
        format="csv", audience="public", sha256="", size=0, count=0, last_seq=0, taken_at=stale
    )
    assert len(build()) == FILES
    assert not Snapshot.objects.filter(state=SnapshotState.BUILDING).exists()


def test_the_task_rebuilds_and_runs_nightly_at_half_past_two(listing: Listing):
    assert len(tasks.rebuild_snapshots("publication")) == FILES
    assert set(Snapshot.objects.values_list("reason", flat=True)) == {"publication"}
    nightly = PeriodicTask.objects.get(name="Rebuild the published snapshots")
    assert nightly.task == "blacklist.tasks.rebuild_snapshots" and nightly.enabled
    crontab = nightly.crontab
    assert (crontab.minute, crontab.hour, str(crontab.timezone)) == ("30", "2", "Asia/Shanghai")
