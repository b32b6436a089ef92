"""The load test's pieces that can be checked without a load: the count that decides whether
an import under load lost or doubled an entry, and the locustfile's users."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from blacklist.models import Entry
from devtools.management.commands.loadtest import (
    APPROVER,
    APPROVER_PERMISSIONS,
    import_check,
    official_create,
)
from tests import factories

ROWS = 30


@pytest.fixture
def imported(tmp_path) -> dict:
    """A draft notice with a committed list of ROWS rows, as the load test's plan names it."""
    official_create(APPROVER, APPROVER_PERMISSIONS, password="not-used-here")
    factories.published_notice(count=5)
    notice = factories.draft_notice()
    path = tmp_path / "rows.csv"
    call_command("generate_entries", count=ROWS, seed=7, output=path)
    before = Entry.objects.currently_public().count()
    call_command("import_list", str(path), "--notice", str(notice.pk))
    return {"notice": notice.pk, "import_rows": ROWS, "public_before": before}


@pytest.mark.django_db
def test_an_import_with_every_row_publishes_exactly_its_rows(imported):
    checked = import_check(imported, wait=0)

    assert checked["ok"], checked["problem"]
    assert checked["entries_of_notice"] == checked["people_of_notice"] == ROWS
    assert checked["public_after"] == checked["public_before"] + ROWS == 5 + ROWS


@pytest.mark.django_db
def test_an_import_that_wrote_fewer_entries_than_its_file_has_rows_fails(imported):
    checked = import_check({**imported, "import_rows": ROWS + 1}, wait=0)

    assert not checked["ok"]
    assert checked["problem"] == (
        f"{ROWS + 1} rows, but valid is {ROWS}, entries_of_notice is {ROWS}, "
        f"people_of_notice is {ROWS}, the public list grew by {ROWS}"
    )


@pytest.mark.django_db
def test_an_import_never_uploaded_fails():
    official_create(APPROVER, APPROVER_PERMISSIONS, password="not-used-here")
    notice = factories.draft_notice()
    checked = import_check({"notice": notice.pk, "import_rows": ROWS, "public_before": 0}, wait=0)
    assert checked == {"ok": False, "problem": "no list was uploaded", "rows": ROWS}


@pytest.mark.skipif(  # CI installs the extra: there a missing locust fails the test
    importlib.util.find_spec("locust") is None and not os.getenv("CI"),
    reason='needs the load extra: pip install ".[load]"',
)
def test_locust_loads_the_three_kinds_of_user_and_their_tasks():
    # In a process of its own: locust patches the standard library for gevent on import.
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            "devtools/loadtest/locustfile.py",
            "--show-task-ratio-json",
        ],
        cwd=settings.BASE_DIR,
        env={"PYTHONPATH": str(settings.BASE_DIR), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    ratios = json.loads(shown.stdout)["per_class"]
    assert {name: set(user["tasks"]) for name, user in ratios.items()} == {
        "Citizen": {"visit"},
        "Platform": {"check", "follow_changes"},
        "Official": {"import_list"},
    }
    assert ratios["Platform"]["tasks"]["check"]["ratio"] == pytest.approx(0.5)
