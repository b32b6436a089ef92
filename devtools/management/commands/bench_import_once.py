"""One import measured in a fresh process (called by `manage.py bench`)."""

import json
import resource
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from blacklist.importing.pipeline import import_commit, import_start, import_validate
from blacklist.models import Authority, Notice, Programme


class Command(BaseCommand):
    help = "Import FILE once into an empty database and print the figures as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--engine", choices=["portal", "import-export"], default="portal")

    def handle(self, *args: object, file: Path, engine: str, **options: object) -> None:
        call_command("migrate", verbosity=0)
        notice = draft_notice()
        started = time.perf_counter()
        if engine == "portal":
            with file.open("rb") as handle:
                run = import_start(notice=notice, upload=File(handle), name=file.name)
            run = import_validate(run=run)
            run = import_commit(run=run)
            if run.status != "committed":
                raise RuntimeError(f"import ended {run.status}: {run.refusal}")
            figures: dict[str, float | None] = {
                "validate": run.validate_seconds,
                "commit": run.commit_seconds,
            }
        else:
            from devtools.import_export_baseline import import_with_import_export

            figures = dict(import_with_import_export(path=str(file), notice=notice))
        figures["total"] = time.perf_counter() - started
        figures["rows"] = notice.entries.count()
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(json.dumps({"engine": engine, **figures}))


def draft_notice() -> Notice:
    """An empty draft of a benchmark authority and programme."""
    user, _ = get_user_model().objects.get_or_create(username="bench")
    authority, _ = Authority.objects.get_or_create(
        code="bench", defaults={"name": "基准", "region_code": "420100"}
    )
    programme, _ = Programme.objects.get_or_create(
        code="bench",
        defaults={
            "name": "基准",
            "legal_basis": "-",
            "default_offence": "出租、出售银行卡",
            "default_measures": "限制开户",
            "default_term_months": 24,
        },
    )
    return Notice.objects.create(
        authority=authority, programme=programme, title="bench", prepared_by=user
    )
