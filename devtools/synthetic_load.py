"""Synthetic listings in the database, for benchmarks on realistic volumes."""

import datetime
import itertools
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from blacklist.models import Authority, Notice, Programme
from blacklist.publication import services as publication
from blacklist.registry import bulk, identity
from blacklist.registry.listing import ListingRow, listings_add
from devtools.synthetic import fictional_people

CHUNK = 10_000


def synthetic_notice_create(
    *, count: int, seed: int, progress: Callable[[int, int], None] | None = None
) -> Notice:
    """A published notice of `count` fictional persons, active for two years from today."""
    authority, _ = Authority.objects.get_or_create(
        code="synthetic", defaults={"name": "合成数据机关(虚构)", "region_code": "420100"}
    )
    programme = Programme.objects.filter(public=True).order_by("id").first()
    if programme is None:
        raise LookupError("load the demo first: no public programme exists")
    users = get_user_model().objects
    preparer, _ = users.get_or_create(username="synthetic-preparer")
    approver, _ = users.get_or_create(username="synthetic-approver")
    last_batch = Notice.objects.filter(authority=authority).aggregate(n=Max("batch_number"))["n"]
    with transaction.atomic():
        notice = Notice.objects.create(
            authority=authority,
            programme=programme,
            batch_number=(last_batch or 0) + 1,
            title=f"合成数据名单({count}条,虚构)",
            body="基准测试用的合成数据,人员均为虚构。",
            prepared_by=preparer,
        )
        start = timezone.localdate() - datetime.timedelta(days=1)
        people = fictional_people(count, seed=seed)
        done = 0
        while chunk := list(itertools.islice(people, CHUNK)):
            rows = [
                ListingRow(name=p.name, identity=identity.parse_identity(p.id_number))
                for p in chunk
            ]
            listings_add(notice=notice, rows=rows, default_start=start)
            done += len(rows)
            if progress:
                progress(done, count)
        publication.notice_approve(notice=notice, by=approver)
        publication.notice_publish(notice=notice)
    bulk.refresh_statistics()
    return notice
