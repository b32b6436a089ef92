"""Which database answers a read: the primary, or a read replica (DATABASE_REPLICA_URLS).

A read goes to a replica only when all three hold; otherwise, and for every write, the primary
answers (README, "Read replicas"):

- the web request allows it (`ReplicaReadsMiddleware`): GET or HEAD on a public page or an API
  read, never the admin, never the change feed or the entry it points at;
- the model is published registry data (`REPLICA_MODELS`): never sessions, users, API keys and
  clients, the guard's and the quota's counters, the feed, snapshots, objections or imports;
- no transaction is open on the primary: what is read inside one belongs to it.

Celery tasks and management commands never set the request's flag, so they read the primary.
"""

import random
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

# The replica this request reads from; None: the primary.
_replica: ContextVar[str | None] = ContextVar("replica", default=None)

# What the public pages and the API's reads show. Rows of other models are written by the
# requests that read them (guard, quotas, query log, sessions) or must match the latest commit
# (the feed's checkpoint, snapshots whose files are replaced in the storage at once).
REPLICA_MODELS = {
    "blacklist.authority",
    "blacklist.programme",
    "blacklist.notice",
    "blacklist.subject",
    "blacklist.formername",
    "blacklist.entry",
    "blacklist.digest",
}
# The feed reads `last_seq` and the notices of its events: all from the latest commit. A
# platform fetches the entry an event names at once, so that read follows the feed.
PRIMARY_VIEWS = {"api-changes", "api-entry"}
SAFE_METHODS = ("GET", "HEAD")


def replica_reads_allowed(request: HttpRequest) -> bool:
    match = request.resolver_match
    if request.method not in SAFE_METHODS or match is None:
        return False
    return "admin" not in match.namespaces and match.url_name not in PRIMARY_VIEWS


class ReplicaReadsMiddleware:
    """Lets the reads of one request go to one replica, chosen at random, when it may."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _replica.set(None)
        try:
            return self.get_response(request)
        finally:
            _replica.reset(token)

    def process_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        if settings.DATABASE_REPLICAS and replica_reads_allowed(request):
            _replica.set(random.choice(settings.DATABASE_REPLICAS))  # noqa: S311


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        replica = _replica.get()
        if replica is None:
            return None
        if model._meta.label_lower not in REPLICA_MODELS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        # Objects related to a row read from the primary are read from the primary too.
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return replica

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # a replica holds the primary's rows, byte for byte

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
