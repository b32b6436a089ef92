"""A real PostgreSQL streaming replica (`bin/pg-replica`, `DATABASE_REPLICA_URLS`).

The test database made on the primary reaches the replica by replication: the replica's alias
mirrors the default database, so it reads the test database under the same name, on its own
server. Tests here commit (`transaction=True`), since only committed rows replicate.
"""

import os
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connections

from tests.api.conftest import Platform, make_platform  # noqa: F401 (fixtures)

REPLAY_TIMEOUT = 120.0  # seconds; a replica on a busy machine may lag, never this far

replica_db = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture(autouse=True)
def empty_cache(isolated_cache) -> None:
    """Rate limits count from zero in every test (see `isolated_cache`)."""


def server(alias: str) -> psycopg.Connection:
    """A connection to the server behind `alias`, outside the test database (which may not
    have reached a replica yet)."""
    config = settings.DATABASES[alias]
    return psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def primary_lsn() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


class Replica:
    """The replica this test reads from, and the means to wait for it or hold it back."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.admin = server(alias)
        self.replay_waits: list[float] = []

    def wait_for_replay(self) -> float:
        """Waits until the replica has replayed everything the primary has written so far;
        returns the seconds that took."""
        target = primary_lsn()
        began = time.monotonic()
        while True:
            (done,) = self.admin.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            ).fetchone()
            waited = time.monotonic() - began
            if done:
                self.replay_waits.append(waited)
                return waited
            if waited > REPLAY_TIMEOUT:
                pytest.fail(f"the replica did not replay up to {target} in {REPLAY_TIMEOUT:.0f} s")
            time.sleep(0.01)

    def pause(self) -> None:
        self.admin.execute("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.admin.execute("SELECT pg_wal_replay_resume()")

    def is_paused(self) -> bool:
        (state,) = self.admin.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()
        return state != "not paused"


@pytest.fixture
def replica(transactional_db, request, settings) -> Iterator[Replica]:
    """The first configured replica, caught up with the primary; requests read from it alone.
    Unreachable or not a replica: the test fails under CI=true (as the worker tests do for an
    unreachable broker), else skips."""
    alias = settings.DATABASE_REPLICAS[0]
    settings.DATABASE_REPLICAS = [alias]
    try:
        found = Replica(alias)
        (standby,) = found.admin.execute("SELECT pg_is_in_recovery()").fetchone()
    except psycopg.Error as error:
        message = f"the replica {alias} is not reachable: {error}"
        if os.getenv("CI"):
            pytest.fail(message)
        pytest.skip(message)
    if not standby:
        pytest.fail(f"{alias} is not a replica: it is not in recovery")
    found.resume()  # an earlier run may have stopped with replay paused
    found.wait_for_replay()
    yield found
    found.resume()
    waits = ", ".join(f"{seconds * 1000:.0f} ms" for seconds in found.replay_waits)
    print(f"\n{request.node.name}: replay caught up in {waits}")  # figures, seen with -s
    found.admin.close()
    connections[alias].close()
