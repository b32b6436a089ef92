"""The steps of `make loadtest` (bin/loadtest) that need the portal's code: `prepare` the
accounts, keys and samples the load test's users need; time the name search one request at a
time (`baseline`); `report` the figures and check the import once the load is over."""

import datetime
import json
import math
import os
import random
import secrets
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from blacklist.feed.changes import last_change_seq
from blacklist.models import Authority, Entry, ImportRun, ImportStatus, Notice, Programme
from blacklist.platforms.clients import api_client_create
from blacklist.publication import services as publication
from devtools.loadtest.queries import name_query
from devtools.synthetic import fictional_people

IMPORTER, APPROVER = "loadtest-importer", "loadtest-approver"
IMPORTER_PERMISSIONS = ("add_importrun", "view_importrun", "view_notice")
APPROVER_PERMISSIONS = ("approve_notice", "publish_notice", "view_notice")
# Far above what the run asks for: the load must not be refused by the clients' own limits.
CLIENT_RATE_PER_MINUTE = 1_000_000
CLIENT_DAILY_QUOTA = 100_000_000
# The order of the table; kinds not named here follow.
KINDS = ("home", "search by name", "entry page", "checks of 100 IDs", "changes page")
IMPORT_EVENTS = ("import: upload to validated", "import: confirm to committed")
SEARCH = "search by name"
FLOOR_RATIO = 5


class Command(BaseCommand):
    help = "The load test's steps (bin/loadtest runs them): prepare, baseline, report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["prepare", "baseline", "report"])
        parser.add_argument("--plan", type=Path, required=True, help="the plan's JSON file")
        parser.add_argument("--import-file", type=Path, help="prepare: the official's list file")
        parser.add_argument("--import-rows", type=int, default=0, help="prepare: its rows")
        parser.add_argument("--seed", type=int, default=1, help="prepare: seed of the entries")
        parser.add_argument("--clients", type=int, default=4, help="prepare: API clients")
        parser.add_argument("--sample", type=int, default=2000, help="prepare: names and ids")
        parser.add_argument("--url", default="", help="baseline: the portal's address")
        parser.add_argument("--count", type=int, default=200, help="baseline: searches timed")
        parser.add_argument("--baseline", type=Path, help="baseline's output; report's input")
        parser.add_argument("--record", type=Path, help="report: the locustfile's record")
        parser.add_argument("--output", type=Path, help="report: where the figures go")
        parser.add_argument("--users", type=int, default=0, help="report: users of the run")
        parser.add_argument("--wait", type=int, default=900, help="report: seconds to wait")

    def handle(self, *args: object, step: str, **options: Any) -> None:
        if step == "prepare":
            self._prepare(**options)
        elif step == "baseline":
            self._baseline(**options)
        else:
            self._report(**options)

    # --- prepare -----------------------------------------------------------------------------

    def _prepare(
        self,
        *,
        plan: Path,
        import_file: Path | None,
        import_rows: int,
        seed: int,
        clients: int,
        sample: int,
        **_: Any,
    ) -> None:
        if import_file is None or not import_rows:
            raise CommandError("prepare needs --import-file and --import-rows")
        password = secrets.token_urlsafe(16)
        importer = official_create(IMPORTER, IMPORTER_PERMISSIONS, password=password)
        official_create(APPROVER, APPROVER_PERMISSIONS, password=secrets.token_urlsafe(16))
        programme = Programme.objects.filter(public=True).order_by("id").first()
        authority = Authority.objects.order_by("id").first()
        if programme is None or authority is None:
            raise CommandError("load the demo first")
        notice = Notice.objects.create(
            programme=programme,
            authority=authority,
            title=f"负载测试导入({import_rows}条,虚构)",
            body="负载测试用的合成数据,人员均为虚构。",
            prepared_by=importer,
        )
        keys = [
            api_client_create(
                name=f"负载测试平台 {n}",
                scopes=["lookup", "feed"],
                rate_per_minute=CLIENT_RATE_PER_MINUTE,
                daily_subject_quota=CLIENT_DAILY_QUOTA,
                organisation="负载测试(虚构)",
            )[1]
            for n in range(1, clients + 1)
        ]
        public = Entry.objects.currently_public()
        shown = list(public.order_by("?").values_list("public_id", "subject__name")[:sample])
        listed = fictional_people(sample, seed=seed)  # the first people of the fill
        # another seed than the entries' and the import file's: customers nobody listed
        unlisted = fictional_people(sample * 5, seed=seed + 1000)
        document = {
            "names": [name for _public_id, name in shown],
            "entries": [public_id for public_id, _name in shown],
            "listed": [{"id_number": p.id_number, "name": p.name} for p in listed],
            "unlisted": [{"id_number": p.id_number, "name": p.name} for p in unlisted],
            "api_keys": keys,
            "official": IMPORTER,
            "password": password,
            "notice": notice.pk,
            "import_file": str(import_file.resolve()),
            "import_rows": import_rows,
            "last_seq": last_change_seq(),
            "public_before": public.count(),
        }
        plan.write_text(json.dumps(document, ensure_ascii=False))
        plan.chmod(0o600)  # keys and a password, if only for this run
        self.stdout.write(
            f"prepared: {document['public_before']:,} entries in force, {clients} API clients, "
            f"draft notice {notice.pk} for {import_rows:,} rows"
        )

    # --- baseline ----------------------------------------------------------------------------

    def _baseline(
        self, *, plan: Path, url: str, count: int, baseline: Path | None, **_: Any
    ) -> None:
        """Name searches one after another against the same server, before the load: the
        single-request figure the search under load is compared with."""
        names = json.loads(plan.read_text())["names"]
        rng = random.Random(1)  # noqa: S311 - the same queries each run, not a secret
        session = requests.Session()
        times = []
        for n in range(count + 20):  # the first 20 warm the workers up and are not counted
            started = time.perf_counter()
            response = session.get(
                f"{url}/search/",
                params={"q": name_query(rng.choice(names), rng)},
                # a visitor of its own each time, as for the load's citizens
                headers={"X-Real-IP": f"172.16.{n >> 8 & 255}.{n & 255}"},
                timeout=30,
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise CommandError(f"baseline search answered {response.status_code}")
            if n >= 20:
                times.append(elapsed)
        # other work on the machine slows every figure: say how busy it was
        figures = {"requests": count, **_percentiles(times), "load_average": os.getloadavg()[0]}
        if baseline:
            baseline.write_text(json.dumps(figures))
        self.stdout.write(
            f"name search, one request at a time: p50 {figures['p50_ms']:.1f} ms, "
            f"p95 {figures['p95_ms']:.1f} ms ({count} requests)"
        )

    # --- report ------------------------------------------------------------------------------

    def _report(
        self,
        *,
        plan: Path,
        baseline: Path | None,
        record: Path | None,
        output: Path | None,
        users: int,
        wait: int,
        **_: Any,
    ) -> None:
        if baseline is None or record is None or output is None:
            raise CommandError("report needs --baseline, --record and --output")
        load_average = os.getloadavg()[0]  # over the load's last minute
        planned = json.loads(plan.read_text())
        single = json.loads(baseline.read_text())
        seen: dict[str, list[list[Any]]] = json.loads(record.read_text())
        stamps = [r[2] for kind, rows in seen.items() if kind not in IMPORT_EVENTS for r in rows]
        seconds = max(stamps) - min(stamps) if stamps else 0.0
        kinds = {kind: _kind_figures(seen[kind], seconds) for kind in _ordered(seen)}
        everything = [r for kind, rows in seen.items() if kind not in IMPORT_EVENTS for r in rows]
        total = _kind_figures(everything, seconds)
        ratio = kinds[SEARCH]["p95_ms"] / single["p95_ms"] if SEARCH in kinds else math.nan
        checked = import_check(planned, wait=wait)
        checked["committed_during_load"] = bool(seen.get(IMPORT_EVENTS[1]))
        for event in IMPORT_EVENTS:
            if seen.get(event):
                checked[event.removeprefix("import: ").replace(" ", "_") + "_s"] = round(
                    seen[event][0][1] / 1000, 1
                )
        figures = {
            "date": timezone.now().isoformat(timespec="seconds"),
            "machine": _machine(),
            "users": users,
            "seconds": round(seconds, 1),
            "entries_in_force_before": planned["public_before"],
            "kinds": kinds,
            "total": total,
            "load_average": {"before": single["load_average"], "end": load_average},
            "single_request_search": single,
            "search_p95_ratio": round(ratio, 2),
            "import": checked,
        }
        output.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
        self.stdout.write(_table(figures))
        self.stdout.write(f"figures written to {output}")
        failures = []
        if total["5xx"]:
            failures.append(f"{total['5xx']} answers were 5xx")
        if not checked["ok"]:
            failures.append(f"the import check failed: {checked['problem']}")
        if failures:
            raise CommandError("; ".join(failures))


def import_check(planned: dict[str, Any], *, wait: int) -> dict[str, Any]:
    """Once the official's import has committed (under the load, or after it if it
    took longer), publish the notice and count: its entries are exactly the file's
    rows, each person once, and the public list grew by exactly that many."""
    notice = Notice.objects.get(pk=planned["notice"])
    rows = planned["import_rows"]
    deadline = time.monotonic() + wait
    ended = (ImportStatus.COMMITTED, ImportStatus.INVALID, ImportStatus.REFUSED)
    while True:
        run = ImportRun.objects.filter(notice=notice).order_by("-pk").first()
        finished = run is not None and run.status in (*ended, ImportStatus.FAILED)
        if finished or time.monotonic() >= deadline:
            break
        time.sleep(2)
    if run is None or run.status != ImportStatus.COMMITTED:
        problem = f"the import is {run.status}" if run else "no list was uploaded"
        return {"ok": False, "problem": problem, "rows": rows}
    approver = get_user_model().objects.get(username=APPROVER)
    publication.notice_approve(notice=notice, by=approver)
    publication.notice_publish(notice=notice, by=approver)
    entries = Entry.objects.filter(notice=notice)
    found = {
        "rows": rows,
        "valid": run.valid,
        "entries_of_notice": entries.count(),
        "people_of_notice": entries.values("subject").distinct().count(),
        "public_before": planned["public_before"],
        "public_after": Entry.objects.currently_public().count(),
    }
    grew = found["public_after"] - found["public_before"]
    wrong = [
        f"{key} is {found[key]:,}"
        for key in ("valid", "entries_of_notice", "people_of_notice")
        if found[key] != rows
    ]
    if grew != rows:
        wrong.append(f"the public list grew by {grew:,}")
    problem = f"{rows:,} rows, but " + ", ".join(wrong) if wrong else ""
    return {**found, "ok": not wrong, "problem": problem}


def official_create(username: str, permissions: Sequence[str], *, password: str) -> User:
    user = User.objects.create_user(username=username, password=password)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="blacklist", codename__in=permissions)
    )
    return user


def _ordered(seen: dict[str, Any]) -> list[str]:
    named = [kind for kind in KINDS if kind in seen]
    return named + sorted(kind for kind in seen if kind not in KINDS)


def _percentiles(times: Sequence[float]) -> dict[str, float]:
    if len(times) < 2:
        value = times[0] if times else 0.0
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value}
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
    }


def _kind_figures(rows: Sequence[Sequence[Any]], seconds: float) -> dict[str, Any]:
    """rows: (status, milliseconds, wall-clock time, failed) of one kind of request."""
    statuses = [int(row[0]) for row in rows]
    return {
        "requests": len(rows),
        "per_second": round(len(rows) / seconds, 2) if seconds else 0.0,
        **_percentiles([float(row[1]) for row in rows]),
        "errors": sum(1 for row in rows if row[3] or not 0 < int(row[0]) < 400),
        "4xx": sum(1 for status in statuses if 400 <= status < 500),
        "5xx": sum(1 for status in statuses if status >= 500),
    }


def _machine() -> dict[str, Any]:
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgresql,) = cursor.fetchone() or ("?",)
    cache = settings.CACHE_URL
    server = redis.Redis.from_url(cache).info("server")["redis_version"] if cache else "none"
    return {
        "cores": os.cpu_count(),
        "memory_mib": memory,
        "postgresql": postgresql,
        "redis": server,
    }


def _table(figures: dict[str, Any]) -> str:
    lines = [
        f"\nload test: {figures['users']} users for {figures['seconds']:.0f} s, "
        f"{figures['entries_in_force_before']:,} entries in force "
        f"({datetime.date.today().isoformat()})\n",
        "| request | count | per second | p50 ms | p95 ms | p99 ms | errors | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, row in [*figures["kinds"].items(), ("all", figures["total"])]:
        if kind in IMPORT_EVENTS:
            continue
        lines.append(
            f"| {kind} | {row['requests']:,} | {row['per_second']:.1f} | {row['p50_ms']:,.0f} "
            f"| {row['p95_ms']:,.0f} | {row['p99_ms']:,.0f} | {row['errors']} | {row['5xx']} |"
        )
    single = figures["single_request_search"]
    lines.append(
        f"\nname search p95: {figures['kinds'].get(SEARCH, {}).get('p95_ms', 0):,.0f} ms under "
        f"load, {single['p95_ms']:.1f} ms one request at a time: "
        f"{figures['search_p95_ratio']:.1f}× (floor: within {FLOOR_RATIO}×)"
    )
    lines.append(
        "machine load average (1 min): {before:.1f} before the load, {end:.1f} at its end "
        "({cores} cores)".format(**figures["load_average"], cores=figures["machine"]["cores"])
    )
    checked = figures["import"]
    if checked["ok"]:
        timing = ", ".join(
            f"{key.removesuffix('_s').replace('_', ' ')} {value} s"
            for key, value in checked.items()
            if key.endswith("_s")
        )
        lines.append(
            f"import of {checked['rows']:,} rows by one official: {timing}; committed "
            f"{'during' if checked['committed_during_load'] else 'after'} the load; "
            f"{checked['entries_of_notice']:,} entries of {checked['people_of_notice']:,} "
            f"people; public list {checked['public_before']:,} → {checked['public_after']:,}"
        )
    else:
        lines.append(f"import: {checked['problem']}")
    return "\n".join(lines)
