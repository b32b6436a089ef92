"""`manage.py bench monitors` on a small database, on the engine the suite runs on: it reports
the set-based hits beside the per-event baseline (the figures themselves are not judged)."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.devtools.test_bench import bench_env

pytestmark = pytest.mark.slow


def test_bench_monitors_reports_both_ways_of_computing_hits(tmp_path: Path):
    engine = connection.vendor
    prefix = f"bench_test_{uuid.uuid4().hex[:8]}"
    env = bench_env(tmp_path, engine)
    done = subprocess.run(
        [sys.executable, "manage.py", "bench", "monitors", "--engines", engine,
         "--monitors", "3000", "--publication", "300", "--samples", "2",
         "--database-prefix", prefix],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads((tmp_path / "bench" / "monitors.json").read_text())[engine]
    assert (figures["monitors"], figures["events"], figures["hits"]) == (3000, 300, 30)
    for measured in ("hits_set_based", "hits_per_event", "collect"):
        assert figures[measured]["p50_ms"] > 0, measured
    assert figures["register"]["customers"] == 100_000
    assert "hits, one set-based query p50" in done.stdout
    assert "a query per event p50" in done.stdout
