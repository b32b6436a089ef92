"""Test data, built through the same services officials use."""

import datetime
import itertools
import threading
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import connection
from django.utils import timezone

from blacklist.models import Authority, Entry, Notice, Programme
from blacklist.publication import services as publication
from blacklist.registry import identity
from blacklist.registry.listing import ListingRow, listings_add
from devtools.synthetic import fictional_people

_seeds = itertools.count(1000)


def official(username: str) -> AbstractUser:
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    return user


def authority(code: str = "wuhan-psb") -> Authority:
    return Authority.objects.get_or_create(
        code=code, defaults={"name": "武汉市公安局", "region_code": "420100"}
    )[0]


def programme(*, code: str = "two-cards", public: bool = True, term_months: int = 24) -> Programme:
    return Programme.objects.get_or_create(
        code=code,
        defaults={
            "name": f"{code} programme",
            "legal_basis": "basis",
            "default_offence": "出租、出售银行卡",
            "default_measures": "限制开户",
            "default_term_months": term_months,
            "public": public,
        },
    )[0]


def draft_notice(*, prog: Programme | None = None, batch: int | None = None) -> Notice:
    return Notice.objects.create(
        programme=prog or programme(),
        authority=authority(),
        batch_number=batch,
        title="测试公告",
        prepared_by=official("preparer"),
    )


def people_rows(count: int, **fields: object) -> list[ListingRow]:
    return [
        ListingRow(name=p.name, identity=identity.parse_identity(p.id_number), **fields)  # type: ignore[arg-type]
        for p in fictional_people(count, seed=next(_seeds))
    ]


def published_notice(
    *,
    count: int = 3,
    prog: Programme | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Notice:
    """A published notice whose `count` entries run from `start` (default: 30 days ago)."""
    notice = draft_notice(prog=prog)
    start = start or datetime.date.today() - datetime.timedelta(days=30)
    listings_add(notice=notice, rows=people_rows(count, term_start=start, term_end=end))
    publication.notice_approve(notice=notice, by=official("approver"))
    return publication.notice_publish(notice=notice)


def withdrawn(notice: Notice, *, reason: str = "名单有误") -> Notice:
    """Withdrawn as the portal asks: one official asks for it, another confirms."""
    publication.notice_withdrawal_request(notice=notice, reason=reason, by=official("pub-asks"))
    return publication.notice_withdrawal_confirm(notice=notice, by=official("pub-confirms"))


def revoked(entry: Entry, *, reason: str = "错误列入") -> Entry:
    """Revoked as the portal asks: one official asks for it, another confirms."""
    publication.entry_revocation_request(entry=entry, reason=reason, by=official("rev-asks"))
    return publication.entry_revocation_confirm(entry=entry, by=official("rev-confirms"))


def terms_end(notice: Notice, *, on: datetime.date | None = None) -> None:
    """Time passes: the notice's listings, published while in force, have a term that
    ended on `on` (yesterday in the portal's time zone by default)."""
    on = on or timezone.localdate() - datetime.timedelta(days=1)
    Entry.objects.filter(notice=notice).update(
        term_start=on - datetime.timedelta(days=365), term_end=on
    )


def entries_of(notice: Notice) -> list[Entry]:
    return list(Entry.objects.filter(notice=notice).select_related("subject").order_by("id"))


def assert_no_full_ids(text: str, numbers: list[str]) -> None:
    assert numbers, "no ID numbers to look for"
    leaked = [number for number in numbers if number in text]
    assert not leaked, f"{len(leaked)} full ID numbers in the output"


def run_at_once(job: Callable[[], object], workers: int = 2, timeout: float = 60) -> list[object]:
    """`job` in `workers` threads released together; its results, or the errors it raised."""
    barrier = threading.Barrier(workers)
    results: list[object] = []

    def target() -> None:
        barrier.wait()
        try:
            results.append(job())
        except Exception as error:  # reported by the caller's assertions
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def stored_files(folder: str = "") -> set[str]:
    """Every file name in the default storage under `folder`, whatever the storage is."""
    from django.core.files.storage import default_storage

    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return set()
    prefix = f"{folder}/" if folder else ""
    names = {prefix + name for name in files}
    for sub in folders:
        names |= stored_files(prefix + sub)
    return names


def stored_bytes(name: str) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(name, "rb") as file:
        return file.read()
