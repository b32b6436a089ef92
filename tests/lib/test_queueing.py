"""Follow-up work leaves for the worker only once the change that asked for it has committed."""

import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from blacklist.lib.queueing import queue_after_commit
from portal.celery import app


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """What reaches the broker (Celery's own producer call, not a component of ours)."""
    calls: list[tuple[str, dict]] = []
    app.conf.task_always_eager = False
    monkeypatch.setattr(
        app, "send_task", lambda name, args=None, kwargs=None, **_: calls.append((name, kwargs))
    )
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_task_leaves_after_the_commit_and_never_after_a_rollback(sent):
    with transaction.atomic():
        queue_after_commit("blacklist.tasks.rebuild_snapshots", reason="test")
        assert sent == []
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_after_commit("blacklist.tasks.rebuild_snapshots", reason="rolled back")
        raise RuntimeError

    assert sent == [("blacklist.tasks.rebuild_snapshots", {"reason": "test"})]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_does_not_undo_the_change(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    app.conf.task_always_eager = False
    monkeypatch.setattr(app, "send_task", down)
    # Heard at the module's own logger: a Celery worker started earlier in the run sets up
    # logging its own way, which pytest's capture does not survive.
    logger = logging.getLogger("blacklist.lib.queueing")
    heard: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = heard.append  # type: ignore[method-assign]
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "level", logging.WARNING)
    logger.addHandler(handler)
    try:
        with transaction.atomic():
            queue_after_commit("blacklist.tasks.deliver_due_webhooks")
    finally:
        logger.removeHandler(handler)

    assert [record.getMessage() for record in heard] == [
        "could not queue blacklist.tasks.deliver_due_webhooks"
    ]


def test_every_task_named_in_the_code_exists():
    """Tasks are queued by name: a renamed task must not leave a name that no worker knows."""
    import blacklist.tasks  # noqa: F401  (registers the tasks)

    source = "\n".join(
        path.read_text() for path in Path(settings.BASE_DIR, "blacklist").rglob("*.py")
    )
    named = set(re.findall(r'"(blacklist\.tasks\.\w+)"', source))

    assert "blacklist.tasks.rebuild_snapshots" in named
    assert sorted(named - set(app.tasks)) == []
