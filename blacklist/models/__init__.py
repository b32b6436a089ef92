from .changes import ChangeCounter, ChangeEvent, ChangeKind
from .registry import (
    Authority,
    Entry,
    EntryQuerySet,
    EntryStatus,
    Notice,
    NoticeQuerySet,
    NoticeStatus,
    Programme,
    Subject,
)

__all__ = [
    "Authority",
    "ChangeCounter",
    "ChangeEvent",
    "ChangeKind",
    "Entry",
    "EntryQuerySet",
    "EntryStatus",
    "Notice",
    "NoticeQuerySet",
    "NoticeStatus",
    "Programme",
    "Subject",
]
