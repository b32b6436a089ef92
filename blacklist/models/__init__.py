from .changes import ChangeCounter, ChangeEvent, ChangeKind
from .imports import ImportRun, ImportStatus
from .objections import Objection, ObjectionStatus
from .platforms import ApiClient, ApiKey, ApiScope, CheckPurpose, QueryLog
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
    "ApiClient",
    "ApiKey",
    "ApiScope",
    "Authority",
    "ChangeCounter",
    "ChangeEvent",
    "ChangeKind",
    "CheckPurpose",
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
    "QueryLog",
    "Subject",
    "subject_hmac",
]
