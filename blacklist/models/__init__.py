"""Every model of the app, gathered from the rooms that own them so that Django finds them.

Each room keeps its models in its own `models.py`; code imports them from here or from there.
"""

from blacklist.feed.models import ChangeCounter, ChangeEvent, ChangeKind
from blacklist.guard.models import (
    AlertChannel,
    ClientDailyUsage,
    EnumerationAlert,
    Guess,
    ProbeFamily,
)
from blacklist.importing.models import ImportRun, ImportStatus, NameChoice
from blacklist.monitoring.models import HitCursor, Monitor, MonitoredClient
from blacklist.objections.models import Objection, ObjectionStatus
from blacklist.platforms.models import ApiClient, ApiKey, ApiScope, CheckPurpose, QueryLog
from blacklist.publication.models import Digest
from blacklist.registry.models import (
    Alias,
    Authority,
    Entry,
    EntryQuerySet,
    EntryStatus,
    FormerName,
    MatchKey,
    MatchKeyKind,
    Notice,
    NoticeQuerySet,
    NoticeStatus,
    Programme,
    Subject,
    subject_hmac,
)
from blacklist.snapshots.models import Snapshot, SnapshotAudience, SnapshotFormat, SnapshotState
from blacklist.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Subscription,
    WebhookEvent,
)

__all__ = [
    "AlertChannel",
    "Alias",
    "ApiClient",
    "ApiKey",
    "ApiScope",
    "Authority",
    "ChangeCounter",
    "ChangeEvent",
    "ChangeKind",
    "CheckPurpose",
    "ClientDailyUsage",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Digest",
    "Entry",
    "EntryQuerySet",
    "EntryStatus",
    "EnumerationAlert",
    "FormerName",
    "Guess",
    "HitCursor",
    "ImportRun",
    "ImportStatus",
    "MatchKey",
    "MatchKeyKind",
    "Monitor",
    "MonitoredClient",
    "NameChoice",
    "Notice",
    "NoticeQuerySet",
    "NoticeStatus",
    "Objection",
    "ObjectionStatus",
    "ProbeFamily",
    "Programme",
    "QueryLog",
    "Snapshot",
    "SnapshotAudience",
    "SnapshotFormat",
    "SnapshotState",
    "Subject",
    "Subscription",
    "WebhookEvent",
    "subject_hmac",
]
