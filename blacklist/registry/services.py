"""Writes to the registry's reference data: the authorities that issue notices and the
programmes that notices list people under."""

from django.db import transaction

from blacklist.models import Authority, Programme
from blacklist.snapshots import services as snapshots


def authority_save(*, authority: Authority) -> Authority:
    """Saved; the published files name the authority, so they are rewritten at once."""
    with transaction.atomic():
        authority.save()
        snapshots.snapshots_rebuild_soon(reason="settings")
    return authority


def programme_save(*, programme: Programme) -> Programme:
    """Saved; the published files hold the programme's name and its masking, so they are
    rewritten at once."""
    with transaction.atomic():
        programme.save()
        snapshots.snapshots_rebuild_soon(reason="settings")
    return programme
