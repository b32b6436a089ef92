"""`make bench`: the project's benchmarks, each figure beside a baseline run in the same go."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "import: validate and commit N fictional rows on a fresh SQLite database, side by side "
        "with django-import-export's bulk mode on the same rows. search: name and ID searches "
        "through the view on a database of N entries, side by side with a naive icontains query. "
        "api: checks of 1,000 IDs and 10,000-event feed pages on the same database, side by "
        "side with a query per subject and DRF model serializers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("suites", nargs="*", default=["import", "search", "api"])
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

    def handle(
        self,
        *args: object,
        suites: list[str],
        entries: int,
        rows: str,
        baseline_rows: int,
        **options: object,
    ) -> None:
        folder = Path(settings.VAR_DIR) / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        if "import" in suites:
            self._import(folder, rows=rows, baseline_rows=baseline_rows)
        if "search" in suites:
            self._search(folder, entries=entries)
        if "api" in suites:
            self._api(folder, entries=entries)

    def _api(self, folder: Path, *, entries: int) -> None:
        database = folder / f"search-{entries}.sqlite3"  # the search benchmark's database
        done = self._run(["bench_api_once", "--entries", str(entries)], folder, database)
        (folder / "api.json").write_text(json.dumps(done, indent=2))
        self.stdout.write(
            f"\nAPI, SQLite, {done['entries']:,} entries in force, {done['events']:,} change events"
        )
        for label, key, naive in (
            ("POST checks/ 1,000 IDs", "checks_1000_ids", "naive_checks_1000_ids"),
            ("GET changes/ 10,000 events", "feed_10000_events", "naive_feed_10000_events"),
        ):
            ours, theirs = done[key], done[naive]
            self.stdout.write(
                f"  {label:27} p50 {ours['p50_ms']:7.1f} ms  p95 {ours['p95_ms']:7.1f} ms   "
                f"naive ORM + serializer p50 {theirs['p50_ms']:8.1f} ms "
                f"({theirs['p50_ms'] / ours['p50_ms']:.0f}× slower)"
            )
        self.stdout.write(f"  listed per check of 1,000 sampled subjects: {done['hits_per_check']}")

    def _search(self, folder: Path, *, entries: int) -> None:
        database = folder / f"search-{entries}.sqlite3"  # kept: filling it takes minutes
        done = self._run(["bench_search_once", "--entries", str(entries)], folder, database)
        (folder / "search.json").write_text(json.dumps(done, indent=2))
        naive = done["naive_icontains"]
        self.stdout.write(
            f"\nsearch, SQLite, {done['entries']:,} entries in force, through the view"
        )
        for label, key in (("name search", "name_view"), ("ID lookup", "id_view")):
            figures = done[key]
            self.stdout.write(
                f"  {label:12}  p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms"
            )
        self.stdout.write(
            f"  naive icontains query (no view)  p50 {naive['p50_ms']:7.2f} ms  "
            f"p95 {naive['p95_ms']:7.2f} ms — name search p95 is "
            f"{naive['p95_ms'] / done['name_view']['p95_ms']:.0f}× lower"
        )

    def _import(self, folder: Path, *, rows: str, baseline_rows: int) -> None:
        results = []
        for size in (int(part) for part in rows.split(",")):
            path = folder / f"rows-{size}.csv"
            if not path.exists():
                call_command(
                    "generate_entries", count=size, output=path, seed=size, stdout=self.stderr
                )
            engines = ["portal"] + (["import-export"] if size <= baseline_rows else [])
            measured = {engine: self._measure(engine, path, folder) for engine in engines}
            results.append({"rows": size, **measured})
            self._report(size, measured)
        (folder / "import.json").write_text(json.dumps(results, indent=2))
        self.stdout.write(f"figures written to {folder / 'import.json'}")

    def _measure(self, engine: str, path: Path, folder: Path) -> dict[str, float]:
        database = folder / f"bench-{engine}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        return self._run(["bench_import_once", str(path), "--engine", engine], folder, database)

    def _run(self, command: list[str], folder: Path, database: Path) -> dict:
        """A bench command in its own process, with production settings; its JSON answer."""
        env = os.environ | {
            "DATABASE_URL": f"sqlite:///{database}",
            "MEDIA_ROOT": str(folder / "media"),
            # as in production: no query log, the same keys
            "DEBUG": "0",
            "ALLOWED_HOSTS": "localhost,testserver",
            # requests come from the test client over plain http, as from a TLS proxy
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "ID_LOOKUP_KEY": settings.ID_LOOKUP_KEY.decode(),
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        }
        done = subprocess.run(  # noqa: S603 - our own interpreter and command
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise CommandError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def _report(self, size: int, measured: dict[str, dict[str, float]]) -> None:
        portal = measured["portal"]
        self.stdout.write(
            f"\n{size:,} rows, SQLite\n"
            f"  portal         validate {portal['validate']:7.1f} s  "
            f"commit {portal['commit']:7.1f} s  total {portal['total']:7.1f} s  "
            f"{size / portal['total']:9,.0f} rows/s  peak {portal['peak_rss_mb']:6.0f} MB"
        )
        baseline = measured.get("import-export")
        if baseline:
            self.stdout.write(
                f"  import-export{' ' * 36}total {baseline['total']:7.1f} s  "
                f"{size / baseline['total']:9,.0f} rows/s  peak {baseline['peak_rss_mb']:6.0f} MB\n"
                f"  portal is {baseline['total'] / portal['total']:.1f}× faster"
            )
