"""The one way work is handed to the Celery worker: by task name, once the transaction that
asked for it has committed (a worker must never look for rows that are not there yet, nor act
on a change that was rolled back). Outside a transaction the task leaves at once.

By name, so that services never import the tasks module (tasks import services); the name is
looked up in the app's registry, so a name no task has fails in tests, not in production.
"""

import logging
from typing import Any

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def queue_after_commit(task: str, *, swept: bool = True, **kwargs: Any) -> None:
    """`swept`: a periodic job does the same work anyway (the nightly snapshot rebuild, the
    per-minute webhook sweep), so a broker that is down is logged and the write stands.
    Otherwise (an import handed to the worker) the failure reaches the official."""

    def send() -> None:
        try:
            current_app.tasks[task].apply_async(kwargs=kwargs)
        except Exception:
            if not swept:
                raise
            log.warning("could not queue %s", task, exc_info=True)

    transaction.on_commit(send)
