from .changes import ChangeCounter, ChangeEvent, ChangeKind
from .imports import ImportRun, ImportStatus
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
    "ImportRun",
    "ImportStatus",
    "Notice",
    "NoticeQuerySet",
    "NoticeStatus",
    "Programme",
    "Subject",
]
