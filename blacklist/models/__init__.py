from .changes import ChangeCounter, ChangeEvent, ChangeKind
from .imports import ImportRun, ImportStatus
from .objections import Objection, ObjectionStatus
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
    subject_hmac,
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
    "Objection",
    "ObjectionStatus",
    "Programme",
    "Subject",
    "subject_hmac",
]
