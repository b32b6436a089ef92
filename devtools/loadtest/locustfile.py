"""The load test's users (`make loadtest`, bin/loadtest): citizens on the public site, credit
platforms on the API, and one official importing a large list through the admin meanwhile.

Reads the plan `manage.py loadtest prepare` wrote (LOADTEST_PLAN): keys, the official's login,
the draft notice, names, ID numbers and entry ids to ask for. Every request's status and time
is kept and written to LOADTEST_RECORD when locust quits, so the report computes exact
percentiles and counts each 5xx. Needs no Django: locust runs it in its own process.
"""

import json
import os
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

from devtools.loadtest.queries import name_query

PLAN: dict[str, Any] = (
    json.loads(Path(os.environ["LOADTEST_PLAN"]).read_text()) if os.getenv("LOADTEST_PLAN") else {}
)
CHECK_SIZE = 100
FEED_PAGE = 1000
POLL_SECONDS = 2
ENTRY_LINK = re.compile(r'href="/entries/([A-Za-z0-9_-]+)/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DONE = {"committed"}
REFUSED = {"invalid", "refused", "failed"}

# Every request by kind: (status, milliseconds, wall-clock time, failed)
_seen: dict[str, list[tuple[int, float, float, bool]]] = defaultdict(list)
_addresses = iter(range(1, 2**24))


def next_address() -> str:
    """A visitor address of its own for each simulated person, as a proxy in front would
    report it (CLIENT_IP_HEADER=X-Real-IP): the per-address limits and the screening guard
    count each person apart, as they do in production."""
    n = next(_addresses)
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: Exception | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    _seen[name].append((status, response_time, time.time(), exception is not None))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    target = os.getenv("LOADTEST_RECORD")
    if target:
        Path(target).write_text(json.dumps(_seen))


class Citizen(HttpUser):
    """Opens the home page, searches a listed person's name, opens an entry it found."""

    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["X-Real-IP"] = next_address()

    @task
    def visit(self) -> None:
        self.client.get("/", name="home")
        query = name_query(random.choice(PLAN["names"]))
        with self.client.get(
            "/search/", params={"q": query}, name="search by name", catch_response=True
        ) as found:
            links = ENTRY_LINK.findall(found.text or "")
        public_id = random.choice(links) if links else random.choice(PLAN["entries"])
        self.client.get(f"/entries/{public_id}/", name="entry page")


class Platform(HttpUser):
    """Screens customers 100 at a time and follows the change feed."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Api-Key {random.choice(PLAN['api_keys'])}"
        self.after = random.randrange(PLAN["last_seq"] + 1)

    @task
    def check(self) -> None:
        # about one customer in ten is listed, with the name the bank holds
        listed = random.sample(PLAN["listed"], CHECK_SIZE // 10)
        others = random.sample(PLAN["unlisted"], CHECK_SIZE - len(listed))
        subjects = [
            {"ref": f"c{n}", "id_number": person["id_number"], "name": person["name"]}
            for n, person in enumerate(listed + others)
        ]
        random.shuffle(subjects)
        self.client.post(
            "/api/v1/checks/",
            json={"purpose": "account_opening", "subjects": subjects},
            name="checks of 100 IDs",
        )

    @task
    def follow_changes(self) -> None:
        with self.client.get(
            "/api/v1/changes/",
            params={"after": self.after, "limit": FEED_PAGE},
            name="changes page",
            catch_response=True,
        ) as page:
            if page.status_code != 200:
                return
            body = page.json()
            # at the end of the feed, another platform starts somewhere else
            caught_up = body["next_after"] == self.after
            self.after = random.randrange(body["last_seq"] + 1) if caught_up else body["next_after"]


class Official(HttpUser):
    """Logs into the admin, uploads the list file, waits for the worker's validation,
    confirms, and waits for the commit; then stays idle."""

    fixed_count = 1
    wait_time = between(1, 1)

    def on_start(self) -> None:
        self.client.headers["X-Real-IP"] = next_address()

    @task
    def import_list(self) -> None:
        if getattr(self, "tried", False):  # once only, even if a step failed
            raise StopUser()
        self.tried = True
        login = self._form("/admin/login/", name="admin: login page")
        self._post(
            "/admin/login/?next=/admin/",
            {**login, "username": PLAN["official"], "password": PLAN["password"]},
            name="admin: log in",
        )
        started = time.monotonic()
        upload = self._form("/admin/blacklist/importrun/add/", name="admin: upload page")
        path = Path(PLAN["import_file"])
        with path.open("rb") as file:
            sent = self._post(
                "/admin/blacklist/importrun/add/",
                {**upload, "notice": str(PLAN["notice"])},
                files={"file": (path.name, file, "text/csv")},
                name="admin: upload",
            )
        match = re.search(r"/importrun/(\d+)/", sent.headers.get("Location", ""))
        if match is None:
            raise StopUser()
        run = int(match.group(1))
        self._wait(run, {"validated"}, event="import: upload to validated", since=started)
        confirm = self._form(f"/admin/blacklist/importrun/{run}/change/", name="admin: preview")
        committing = time.monotonic()
        self._post(
            f"/admin/blacklist/importrun/{run}/commit/",
            {**confirm, "names": "keep"},
            name="admin: confirm",
        )
        self._wait(run, DONE, event="import: confirm to committed", since=committing)
        raise StopUser()

    def _form(self, url: str, *, name: str) -> dict[str, str]:
        page = self.client.get(url, name=name)
        token = CSRF_FIELD.search(page.text or "")
        return {"csrfmiddlewaretoken": token.group(1) if token else ""}

    def _post(self, url: str, data: dict[str, str], *, name: str, files: Any = None) -> Any:
        with self.client.post(
            url, data=data, files=files, name=name, allow_redirects=False, catch_response=True
        ) as sent:
            if sent.status_code != 302:
                sent.failure(f"expected a redirect, got {sent.status_code}")
            return sent

    def _wait(self, run: int, wanted: set[str], *, event: str, since: float) -> None:
        """Polls the progress bar's address as the admin page does; the time from `since`
        until the run reaches `wanted` is reported as one request named `event`."""
        while True:
            status = self.client.get(
                f"/admin/blacklist/importrun/{run}/progress/", name="admin: import progress"
            ).json()["status"]
            if status in wanted or status in REFUSED:
                break
            time.sleep(POLL_SECONDS)
        events.request.fire(
            request_type="IMPORT",
            name=event,
            response_time=(time.monotonic() - since) * 1000,
            response_length=0,
            exception=None if status in wanted else RuntimeError(f"import {status}"),
            context={},
        )
