"""`make bench` on a small database, on the engine the suite runs on: every suite runs in its
own process and reports figures for that engine (the figures themselves are not judged)."""

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow


def _postgresql_server() -> str:
    database = settings.DATABASES["default"]
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
    return f"postgres://{database['USER']}@{host}:{port}/postgres"


def bench_env(folder: Path, engine: str) -> dict[str, str]:
    """`manage.py bench` in a process of its own, with production settings, writing under
    `folder`, on the suite's engine."""
    env = os.environ | {
        "DEBUG": "0",
        "VAR_DIR": str(folder),
        "SECRET_KEY": settings.SECRET_KEY,
        "ID_LOOKUP_KEY": settings.ID_LOOKUP_KEY.decode(),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "RECEIPT_SIGNING_KEY": settings.RECEIPT_SIGNING_KEY,
    }
    if engine == "postgresql":
        env["BENCH_PG_URL"] = _postgresql_server()
    return env


def test_bench_reports_every_suite_for_the_engine_it_ran_on(tmp_path: Path):
    engine = connection.vendor
    prefix = f"bench_test_{uuid.uuid4().hex[:8]}"
    env = bench_env(tmp_path, engine)
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "import", "search", "api", "scored",
         "--engines", engine, "--entries", "10600", "--rows", "1500",
         "--baseline-rows", "0", "--samples", "10", "--database-prefix", prefix],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    folder = tmp_path / "bench"
    search = json.loads((folder / "search.json").read_text())
    api = json.loads((folder / "api.json").read_text())
    scored = json.loads((folder / "scored.json").read_text())
    (imported,) = json.loads((folder / "import.json").read_text())
    assert list(search) == list(api) == list(scored) == [engine]
    assert scored[engine]["scored_1000_names"]["p50_ms"] > 0
    assert scored[engine]["found_rate"] > 0.9  # listed customers written otherwise are found
    assert search[engine]["entries"] >= 10_600
    assert search[engine]["fill_seconds"] > 0  # filled in this run
    assert 0 < search[engine]["name_view"]["p50_ms"] <= search[engine]["name_view"]["p95_ms"]
    assert api[engine]["hits_per_check"] > 0
    assert imported["rows"] == 1500
    assert imported[engine]["portal"]["rows"] == 1500
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine]
    assert re.search(rf"{label} +portal +validate", done.stdout)
    assert "name search p95" in done.stdout and "GET changes/ 10,000 p95" in done.stdout
    assert "POST checks/ 1,000 names p95" in done.stdout
    if engine == "postgresql":  # the databases it made are gone
        import psycopg

        with psycopg.connect(env["BENCH_PG_URL"]) as server:
            left = server.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]
            ).fetchall()
        assert left == []
