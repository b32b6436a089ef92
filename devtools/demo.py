"""Loading the demonstration data from seeds/demo.json. Safe to run any number of times."""

import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from blacklist.models import Authority, Entry, Notice, Programme
from blacklist.publication import digests
from blacklist.publication import services as publication
from blacklist.registry import bulk, identity
from blacklist.registry.listing import ListingRow, listings_add
from devtools.synthetic import FictionalSubject, fictional_companies, fictional_people

SEED_FILE = Path(settings.BASE_DIR) / "seeds" / "demo.json"


@dataclass(frozen=True)
class DemoResult:
    notices_created: int
    entries_created: int
    entries_expired: int


def demo_load(*, path: Path = SEED_FILE) -> DemoResult:
    seed = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        officials = [_official(**data) for data in seed["officials"]]
        for data in seed["authorities"]:
            Authority.objects.update_or_create(code=data["code"], defaults=data)
        for data in seed["programmes"]:
            Programme.objects.update_or_create(code=data["code"], defaults=data)
    notices_created = entries_created = 0
    for data in seed["notices"]:
        created = _notice(data, preparer=officials[0], approver=officials[1])
        if created is not None:
            notices_created += 1
            entries_created += created
    expired = publication.entries_expire_due()
    bulk.refresh_statistics()
    digests.digest_build(month=digests.previous_month())
    return DemoResult(notices_created, entries_created, expired)


def _official(*, username: str, first_name: str, last_name: str) -> User:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _notice(data: dict, *, preparer: User, approver: User) -> int | None:
    """Creates one notice with its entries in one transaction; None when it already exists."""
    authority = Authority.objects.get(code=data["authority"])
    programme = Programme.objects.get(code=data["programme"])
    if Notice.objects.filter(
        authority=authority, programme=programme, batch_number=data["batch_number"]
    ).exists():
        return None
    published_at = data.get("published_at")
    with transaction.atomic():
        notice = Notice.objects.create(
            authority=authority,
            programme=programme,
            batch_number=data["batch_number"],
            title=data["title"],
            document_number=data["document_number"],
            body=data["body"],
            prepared_by=preparer,
        )
        if published_at is None:
            return 0
        published = datetime.datetime.fromisoformat(published_at)
        rows = [
            ListingRow(
                name=subject.name,
                identity=identity.parse_identity(subject.id_number),
                term_start=_date(data.get("term_start")),
                term_end=_date(data.get("term_end")),
            )
            for subject in _subjects(data, authority=authority, programme=programme)
        ]
        result = listings_add(notice=notice, rows=rows, default_start=published.date())
        publication.notice_approve(notice=notice, by=approver)
        publication.notice_publish(notice=notice, published_at=published)
    return result.entries


def _subjects(data: dict, *, authority: Authority, programme: Programme) -> list[FictionalSubject]:
    subjects = []
    if relisted := data.get("relisted"):
        earlier = (
            Entry.objects.filter(
                notice__authority=authority,
                notice__programme=programme,
                notice__batch_number=relisted["batch_number"],
            )
            .select_related("subject")
            .order_by("id")
        )
        chosen = random.Random(relisted["seed"]).sample(list(earlier), relisted["count"])
        subjects += [FictionalSubject(e.subject.name, e.subject.id_number()) for e in chosen]
    if people := data.get("people"):
        subjects += fictional_people(people["count"], seed=people["seed"])
    if companies := data.get("companies"):
        subjects += fictional_companies(companies["count"], seed=companies["seed"])
    return subjects


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None
