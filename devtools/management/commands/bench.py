"""`make bench`: the project's benchmarks on SQLite and PostgreSQL side by side, each figure
beside a baseline run in the same go."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import psycopg
import redis
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from psycopg import sql

ENGINES = ("sqlite", "postgresql")
LOCAL_POSTGRESQL = "postgres://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/14"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class Command(BaseCommand):
    help = (
        "import: validate and commit N fictional rows on a fresh database, side by side with "
        "django-import-export's bulk mode on the same rows. search: name and ID searches "
        "through the view on a database of N entries, side by side with a naive icontains "
        "query. api: checks of 1,000 IDs and 10,000-event feed pages on the same database, side "
        "by side with a query per subject and DRF model serializers. scored: checks of 1,000 "
        "name-only subjects in scored mode on the same database, side by side with rapidfuzz "
        "over all names. monitors: the monitor.hit "
        "hits of a publication of P entries among M monitors, one set-based query side by side "
        "with a query per event, in a fresh database. Each suite runs on SQLite "
        "and on PostgreSQL (BENCH_PG_URL, else a local server if one answers), which gets "
        "databases of its own, dropped at the end."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "suites",
            nargs="*",
            default=["import", "search", "api", "scored"],
            help="also: monitors",
        )
        parser.add_argument(
            "--entries", type=int, default=1_000_000, help="size of the search database"
        )
        parser.add_argument("--rows", default="100000,1000000", help="sizes, comma separated")
        parser.add_argument(
            "--baseline-rows",
            type=int,
            default=100_000,
            help="largest size the (much slower) baseline is run on",
        )
        parser.add_argument(
            "--monitors", type=int, default=1_000_000, help="monitors in the monitors suite"
        )
        parser.add_argument(
            "--publication",
            type=int,
            default=10_000,
            help="entries of the publication whose hits the monitors suite computes",
        )
        parser.add_argument(
            "--engines", default=",".join(ENGINES), help="sqlite, postgresql or both"
        )
        parser.add_argument(
            "--samples",
            type=int,
            help="searches per kind and API calls per kind (default: 300 and 30)",
        )
        parser.add_argument(
            "--database-prefix",
            default="bench",
            help="name of the PostgreSQL databases: <prefix>_search_<entries>, <prefix>_import_…",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="keep the PostgreSQL search database for the next run (SQLite's file is kept)",
        )

    def handle(
        self,
        *args: object,
        suites: list[str],
        entries: int,
        rows: str,
        baseline_rows: int,
        engines: str,
        keep: bool,
        database_prefix: str,
        samples: int | None,
        monitors: int,
        publication: int,
        **options: object,
    ) -> None:
        unknown = set(suites) - {"import", "search", "api", "scored", "monitors"}
        if unknown:
            raise CommandError(f"unknown suite: {', '.join(sorted(unknown))}")
        self.folder = Path(settings.VAR_DIR) / "bench"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.engines = self._engines(engines.split(","))
        self.prefix = database_prefix
        self.samples = samples
        self.cache_url = self._cache_url()
        self.stdout.write(f"engines: {', '.join(LABELS[e] for e in self.engines)}")
        self.stdout.write(f"cache: {self.cache_url or 'files under var/ (no Redis answered)'}")
        if "import" in suites:
            self._import(rows=rows, baseline_rows=baseline_rows)
        if {"search", "api", "scored"} & set(suites):
            with self._search_databases(entries, keep=keep) as databases:
                if "search" in suites:
                    self._search(databases, entries=entries)
                if "api" in suites:
                    self._api(databases, entries=entries)
                if "scored" in suites:
                    self._scored(databases, entries=entries)
        if "monitors" in suites:
            self._monitors(monitors=monitors, publication=publication)

    # --- the engines -----------------------------------------------------------------------

    def _engines(self, asked: Sequence[str]) -> list[str]:
        wrong = set(asked) - set(ENGINES)
        if wrong:
            raise CommandError(f"unknown engine: {', '.join(sorted(wrong))}")
        engines = [engine for engine in ENGINES if engine in asked]
        self.server = os.getenv("BENCH_PG_URL", "").strip()
        if "postgresql" in engines:
            try:
                with psycopg.connect(self.server or LOCAL_POSTGRESQL, connect_timeout=3):
                    pass
            except psycopg.Error as error:
                if self.server:
                    raise CommandError(f"BENCH_PG_URL does not answer: {error}") from error
                self.stderr.write(f"no PostgreSQL at {LOCAL_POSTGRESQL}: SQLite only")
                engines.remove("postgresql")
            self.server = self.server or LOCAL_POSTGRESQL
        return engines

    def _cache_url(self) -> str:
        """The cache every run shares, Redis as in production: BENCH_CACHE_URL, else a local
        server if one answers, else the embedded files (each write of a rate-limit count
        lists their folder: some tenths of a millisecond a search)."""
        url = os.getenv("BENCH_CACHE_URL", "").strip()
        try:
            redis.Redis.from_url(
                url or LOCAL_REDIS, socket_connect_timeout=3, socket_timeout=3
            ).ping()
        except redis.RedisError as error:
            if url:
                raise CommandError(f"BENCH_CACHE_URL does not answer: {error}") from error
            return ""
        return url or LOCAL_REDIS

    def _pg_url(self, database: str) -> str:
        base, _, _ = self.server.rpartition("/")
        return f"{base}/{database}"

    def _pg_admin(self, statement: sql.Composed) -> None:
        with psycopg.connect(self.server, autocommit=True) as connection:
            connection.execute(statement)

    @contextmanager
    def _pg_database(self, name: str, *, keep: bool = False, fresh: bool = True) -> Iterator[str]:
        if fresh:
            self._pg_admin(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        with suppress(psycopg.errors.DuplicateDatabase):  # kept from a run with --keep
            self._pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield self._pg_url(name)
        finally:
            if not keep:
                self._pg_admin(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    @contextmanager
    def _search_databases(self, entries: int, *, keep: bool) -> Iterator[dict[str, str]]:
        """The search and api suites' database on each engine. SQLite's file is kept: a
        second run skips the fill; PostgreSQL's is dropped unless --keep."""
        databases = {}
        if "sqlite" in self.engines:
            databases["sqlite"] = f"sqlite:///{self.folder / f'search-{entries}.sqlite3'}"
        if "postgresql" not in self.engines:
            yield databases
            return
        with self._pg_database(f"{self.prefix}_search_{entries}", keep=keep, fresh=False) as url:
            yield databases | {"postgresql": url}

    # --- the suites ------------------------------------------------------------------------

    def _search(self, databases: dict[str, str], *, entries: int) -> None:
        done = self._run_each(databases, "bench_search_once", entries, samples="--queries")
        (self.folder / "search.json").write_text(json.dumps(done, indent=2))
        self.stdout.write(f"\nsearch through the view, {entries:,} entries in force")
        self._table(
            done,
            [
                ("name search p50", "name_view", "p50_ms"),
                ("name search p95", "name_view", "p95_ms"),
                ("ID lookup p50", "id_view", "p50_ms"),
                ("ID lookup p95", "id_view", "p95_ms"),
                ("naive icontains p95", "naive_icontains", "p95_ms"),
            ],
        )
        for engine, figures in done.items():
            naive, ours = figures["naive_icontains"]["p95_ms"], figures["name_view"]["p95_ms"]
            self.stdout.write(
                f"  {LABELS[engine]}: name search p95 {naive / ours:.0f}× below the naive query; "
                f"{figures['entries']:,} in force; fill {_fill(figures)}"
            )

    def _api(self, databases: dict[str, str], *, entries: int) -> None:
        done = self._run_each(databases, "bench_api_once", entries, samples="--rounds")
        (self.folder / "api.json").write_text(json.dumps(done, indent=2))
        events = ", ".join(f"{LABELS[e]} {f['events']:,}" for e, f in done.items())
        self.stdout.write(f"\nAPI, {entries:,} entries in force; change events: {events}")
        self._table(
            done,
            [
                ("POST checks/ 1,000 IDs p50", "checks_1000_ids", "p50_ms"),
                ("POST checks/ 1,000 IDs p95", "checks_1000_ids", "p95_ms"),
                ("  query per subject p50", "naive_checks_1000_ids", "p50_ms"),
                ("GET changes/ 10,000 p50", "feed_10000_events", "p50_ms"),
                ("GET changes/ 10,000 p95", "feed_10000_events", "p95_ms"),
                ("  model serializers p50", "naive_feed_10000_events", "p50_ms"),
            ],
        )
        for engine, figures in done.items():
            self.stdout.write(
                f"  {LABELS[engine]}: listed per check of 1,000 sampled subjects: "
                f"{figures['hits_per_check']}"
            )

    def _scored(self, databases: dict[str, str], *, entries: int) -> None:
        done = self._run_each(databases, "bench_scored_once", entries, samples="--rounds")
        (self.folder / "scored.json").write_text(json.dumps(done, indent=2))
        self.stdout.write(f"\nscored checks, {entries:,} entries in force")
        self._table(
            done,
            [
                ("POST checks/ 1,000 names p50", "scored_1000_names", "p50_ms"),
                ("POST checks/ 1,000 names p95", "scored_1000_names", "p95_ms"),
            ],
        )
        for engine, figures in done.items():
            self.stdout.write(
                f"  {LABELS[engine]}: listed customers found {figures['found_rate']:.1%}, "
                f"{figures['candidates_per_subject']} candidates a subject; rapidfuzz over all "
                f"names {figures['naive_rapidfuzz_1000_names_ms']:,.0f} ms per 1,000 names "
                f"(from {figures['naive_rapidfuzz_subjects_timed']}), found "
                f"{figures['naive_found_rate']:.1%}"
            )

    def _monitors(self, *, monitors: int, publication: int) -> None:
        command = ["bench_monitors_once", "--monitors", str(monitors)]
        command += ["--publication", str(publication)]
        if self.samples:
            command += ["--rounds", str(self.samples)]
        done = {}
        for engine in self.engines:
            if engine == "postgresql":
                with self._pg_database(f"{self.prefix}_monitors") as url:
                    done[engine] = self._run(command, url)
                continue
            database = self.folder / "bench-monitors.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            done[engine] = self._run(command, f"sqlite:///{database}")
        (self.folder / "monitors.json").write_text(json.dumps(done, indent=2))
        first = next(iter(done.values()))
        self.stdout.write(
            f"\nmonitor hits, {first['monitors']:,} monitors of {first['clients']} platforms, "
            f"a publication of {first['events']:,} entries ({first['hits']:,} of them monitored)"
        )
        self._table(
            done,
            [
                ("hits, one set-based query p50", "hits_set_based", "p50_ms"),
                ("hits, one set-based query p95", "hits_set_based", "p95_ms"),
                ("  a query per event p50", "hits_per_event", "p50_ms"),
                ("collect (hits + deliveries) p50", "collect", "p50_ms"),
                ("collect (hits + deliveries) p95", "collect", "p95_ms"),
            ],
        )
        for engine, figures in done.items():
            ours, naive = figures["hits_set_based"]["p50_ms"], figures["hits_per_event"]["p50_ms"]
            register = figures.get("register")
            self.stdout.write(
                f"  {LABELS[engine]}: set-based {naive / ours:.0f}× below a query per event; "
                f"publication {figures['publish_seconds']:.1f} s; "
                + (
                    f"POST monitors/ of {register['customers']:,} new customers "
                    f"{register['seconds']:.1f} s; "
                    if register
                    else ""
                )
                + f"fill {figures['fill_seconds']:,.0f} s"
            )

    def _import(self, *, rows: str, baseline_rows: int) -> None:
        results = []
        for size in (int(part) for part in rows.split(",")):
            path = self.folder / f"rows-{size}.csv"
            if not path.exists():
                call_command(
                    "generate_entries", count=size, output=path, seed=size, stdout=self.stderr
                )
            tools = ["portal"] + (["import-export"] if size <= baseline_rows else [])
            measured = {
                engine: {tool: self._measure(engine, tool, path) for tool in tools}
                for engine in self.engines
            }
            results.append({"rows": size, **measured})
            self._report_import(size, measured)
        (self.folder / "import.json").write_text(json.dumps(results, indent=2))
        self.stdout.write(f"figures written to {self.folder}")

    def _measure(self, engine: str, tool: str, path: Path) -> dict[str, float]:
        command = ["bench_import_once", str(path), "--engine", tool]
        if engine == "postgresql":
            with self._pg_database(f"{self.prefix}_import_{tool.replace('-', '_')}") as url:
                return self._run(command, url)
        database = self.folder / f"bench-{tool}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        return self._run(command, f"sqlite:///{database}")

    # --- running and reporting -------------------------------------------------------------

    def _run_each(
        self, databases: dict[str, str], command: str, entries: int, *, samples: str
    ) -> dict[str, dict]:
        """One bench command on each engine's database; the answers by engine."""
        arguments = [command, "--entries", str(entries)]
        if self.samples:
            arguments += [samples, str(self.samples)]
        return {engine: self._run(arguments, url) for engine, url in databases.items()}

    def _run(self, command: list[str], database_url: str) -> dict:
        """A bench command in its own process, with production settings; its JSON answer."""
        env = os.environ | {
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(self.folder / "media"),
            "CACHE_URL": self.cache_url,
            # as in production: no query log, the same keys
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost,testserver",
            # requests come from the test client over plain http, as from a TLS proxy
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ID_LOOKUP_KEY": settings.ID_LOOKUP_KEY.decode(),
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "RECEIPT_SIGNING_KEY": settings.RECEIPT_SIGNING_KEY,
        }
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 - our own interpreter and command
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise CommandError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        self.stderr.write(f"  ({' '.join(command)}: {time.monotonic() - started:.0f} s)")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _table(self, done: dict[str, dict], rows: list[tuple[str, str, str]]) -> None:
        """One line per figure, one column per engine, and PostgreSQL over SQLite."""
        engines = list(done)
        both = len(engines) == 2
        self.stdout.write(
            f"  {'':30}"
            + "".join(f"{LABELS[e]:>14}" for e in engines)
            + (f"{'PG / SQLite':>14}" if both else "")
        )
        for label, key, figure in rows:
            values = [done[e][key][figure] for e in engines]
            line = f"  {label:30}" + "".join(f"{v:>11.2f} ms" for v in values)
            if both:
                line += f"{values[1] / values[0]:>13.2f}×"
            self.stdout.write(line)

    def _report_import(self, size: int, measured: dict[str, dict[str, dict[str, float]]]) -> None:
        self.stdout.write(f"\nimport of {size:,} rows (validate + commit)")
        for engine, tools in measured.items():
            portal = tools["portal"]
            self.stdout.write(
                f"  {LABELS[engine]:11} portal         validate {portal['validate']:7.1f} s  "
                f"commit {portal['commit']:7.1f} s  total {portal['total']:7.1f} s  "
                f"{size / portal['total']:9,.0f} rows/s  peak {portal['peak_rss_mb']:6.0f} MB"
            )
            baseline = tools.get("import-export")
            if baseline:
                self.stdout.write(
                    f"  {LABELS[engine]:11} import-export{' ' * 36}total "
                    f"{baseline['total']:7.1f} s  {size / baseline['total']:9,.0f} rows/s  "
                    f"peak {baseline['peak_rss_mb']:6.0f} MB — portal "
                    f"{baseline['total'] / portal['total']:.1f}× faster"
                )
        if len(measured) == 2:
            sqlite, postgresql = (measured[e]["portal"]["total"] for e in ENGINES)
            self.stdout.write(f"  PostgreSQL / SQLite total: {postgresql / sqlite:.2f}×")


def _fill(figures: dict) -> str:
    seconds = figures.get("fill_seconds", 0)
    return f"{seconds:,.0f} s" if seconds else "none (the database was kept)"
