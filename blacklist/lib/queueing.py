"""The one way work is handed to the Celery worker: by task name, once the transaction that
asked for it has committed (a worker must never look for rows that are not there yet, nor act
on a change that was rolled back). Outside a transaction the task leaves at once.

By name, so that services never import the tasks module (tasks import services); the name is
looked up in the app's registry, so a name no task has fails loudly in the log and in tests. A broker
that is down loses nothing for good: every follow-up has a periodic sweep behind it (the
nightly snapshot rebuild, the per-minute webhook sweep, the import's "start again" button),
so the failure is logged and the write stands.
"""

import logging
from typing import Any

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


def queue_after_commit(task: str, **kwargs: Any) -> None:
    def send() -> None:
        try:
            current_app.tasks[task].apply_async(kwargs=kwargs)
        except Exception:
            log.warning("could not queue %s", task, exc_info=True)

    transaction.on_commit(send)
