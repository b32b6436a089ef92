import csv
import datetime
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from devtools.synthetic import fictional_people
from devtools.synthetic_load import synthetic_notice_create

HEADER = ["序号", "姓名", "身份证号", "惩戒起始日期", "惩戒终止日期"]


class Command(BaseCommand):
    help = (
        "Make COUNT fictional listings for benchmarks: as an import file (--output) "
        "or as a published notice in the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--output", type=Path, help="write a CSV in the import format instead")

    def handle(
        self, *args: object, count: int, seed: int, output: Path | None, **options: object
    ) -> None:
        if output:
            self._write_csv(output, count=count, seed=seed)
            return
        notice = synthetic_notice_create(count=count, seed=seed, progress=self._progress)
        self.stdout.write(f"notice {notice.pk} published with {count} synthetic entries")

    def _write_csv(self, path: Path, *, count: int, seed: int) -> None:
        start = datetime.date.today() - datetime.timedelta(days=30)
        end = start.replace(year=start.year + 2) - datetime.timedelta(days=1)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            people = fictional_people(count, seed=seed)
            for number, person in enumerate(people, start=1):
                writer.writerow([number, person.name, person.id_number, start, end])
        self.stdout.write(f"wrote {count} rows to {path}")

    def _progress(self, done: int, total: int) -> None:
        sys.stderr.write(f"\r{done}/{total}")
        if done == total:
            sys.stderr.write("\n")
