import os
import uuid
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from blacklist.models import Subject
from portal.celery import app

# A busy machine must not fail the suite: no deadlines, no "too slow" health checks.
hypothesis_settings.register_profile(
    "portal",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
hypothesis_settings.load_profile("portal")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers by what a test needs, so `make test-fast` can leave out the slow parts: a real
    browser (tests/browser/) or a real Celery worker (the `worker` and `beat` fixtures).

    The tests of a real read replica (tests/replica/) run only where one is configured
    (`DATABASE_REPLICA_URLS`); elsewhere they are left out, not skipped. CI runs them in a
    step of their own, where a run that selects none fails (pytest's exit status 5)."""
    for item in items:
        if item.nodeid.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)
        if item.nodeid.startswith("tests/replica/"):
            item.add_marker(pytest.mark.replica)
        if {"worker", "beat"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.worker)
    if not django_settings.DATABASE_REPLICAS:
        left_out = [item for item in items if item.get_closest_marker("replica")]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if not item.get_closest_marker("replica")]


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the site's own language: a request through the test client
    leaves the language it negotiated active in the thread, for the next test to inherit."""
    with translation.override(django_settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def primary_reads(request) -> None:
    """With replicas configured, every test but the replica's own reads the primary: a real
    replica lags behind what the test has just written (tests/replica/ shows how far)."""
    if django_settings.DATABASE_REPLICAS and not request.node.get_closest_marker("replica"):
        request.getfixturevalue("settings").DATABASE_REPLICAS = []


@pytest.fixture(autouse=True)
def fresh_storage(settings) -> None:
    """Every test starts from an empty store, as each one gets an empty MEDIA_ROOT: under
    STORAGE_BACKEND=memory a new one (changing STORAGES makes Django build the default
    storage anew), under s3 a prefix of its own in the bucket."""
    if settings.STORAGE_BACKEND == "memory":
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        }
    elif settings.STORAGE_BACKEND == "s3":
        default = settings.STORAGES["default"]
        options = default["OPTIONS"] | {"location": f"test-{uuid.uuid4().hex}"}
        settings.STORAGES = {**settings.STORAGES, "default": default | {"OPTIONS": options}}


@pytest.fixture
def isolated_cache(settings, tmp_path) -> Iterator[None]:
    """Rate-limit counters start from zero in every test: in a file cache folder of its own
    (so that test runs and a development server sharing var/cache do not count each
    other's requests), or under a key prefix of its own on Redis when `CACHE_URL` says so,
    as in CI, where the Redis database may be shared."""
    if settings.CACHE_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.CACHE_URL,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
        yield
        return
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def full_id_numbers(db) -> list[str]:
    """Every plain ID number in the database: none may appear on a page."""
    return [subject.id_number() for subject in Subject.objects.all()]


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception:
        return False
    return True


@pytest.fixture(scope="session", autouse=True)
def broker(tmp_path_factory) -> str:
    """The broker every test sends to; set once, as producers cache their connection.

    Services queue follow-up tasks when their transaction commits, so tests that commit
    send messages too: on the filesystem broker they go to a folder of this test run.
    """
    if app.conf.broker_url.startswith("filesystem://"):
        # Keep test messages away from a development worker sharing var/.
        folder = tmp_path_factory.mktemp("broker")
        app.conf.broker_transport_options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    return app.conf.broker_url


@pytest.fixture
def worker(broker):
    if not broker_reachable():
        message = f"broker {app.conf.broker_url} is not reachable"
        if os.getenv("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Messages left by earlier tests' commits are not this test's work.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
        yield running
    connection.close()
