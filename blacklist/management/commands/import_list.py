import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from blacklist.importing.pipeline import import_commit, import_start, import_validate
from blacklist.models import ImportRun, ImportStatus, NameChoice, Notice


class Command(BaseCommand):
    help = (
        "Import a list file (CSV or XLSX) into a draft notice: validate every row, then commit "
        "all of them or none. Exit status 0 when the file was accepted, 1 when it was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--notice", type=int, required=True, help="id of a draft notice")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--json", action="store_true", help="end with one JSON summary line")
        parser.add_argument(
            "--rename",
            choices=NameChoice.values,
            default=NameChoice.KEEP.value,
            help="for an ID number already registered under another name: keep the registered "
            "name (default), or update it to the file's spelling and keep the old one as a "
            "former name",
        )

    def handle(
        self,
        *args: object,
        path: Path,
        notice: int,
        dry_run: bool,
        json: bool,
        rename: str,
        **options: object,
    ) -> None:
        try:
            target = Notice.objects.get(pk=notice)
        except Notice.DoesNotExist:
            raise CommandError(f"notice {notice} does not exist") from None
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        with path.open("rb") as handle:
            try:
                run = import_start(notice=target, upload=File(handle), name=path.name)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        with ProgressBar(disable=json or not self.stderr.isatty()) as bar:
            run = import_validate(run=run, progress=bar.update)
            if run.can_commit and not dry_run:
                run = import_commit(run=run, names=NameChoice(rename), progress=bar.update)
        accepted = run.status == ImportStatus.COMMITTED or (dry_run and run.can_commit)
        self._report(run, as_json=json)
        if not accepted:
            raise SystemExit(1)

    def _report(self, run: ImportRun, *, as_json: bool) -> None:
        summary: dict[str, Any] = {
            "import": run.pk,
            "status": run.status,
            "rows": run.rows,
            "valid": run.valid,
            "invalid": run.invalid,
            "duplicates": run.duplicates,
            "created": run.subjects_new,
            "linked": run.subjects_known,
            "warnings": run.warning_count,
            "name_differs": run.name_conflicts,
            "rename": run.name_choice or None,
            "renamed": run.subjects_renamed,
            "errors": [
                {key: error[key] for key in ("row", "column", "code", "message")}
                for error in run.errors
            ],
        }
        if run.refusal:
            summary["refusal"] = {"code": run.refusal_code, "message": run.refusal}
            summary["errors"].insert(
                0, {"row": None, "column": None, "code": run.refusal_code, "message": run.refusal}
            )
        if as_json:
            self.stdout.write(json_dumps(summary))
            return
        self.stdout.write(
            f"{run.original_name}: {run.get_status_display()} — {run.rows} rows, "
            f"{run.valid} valid, {run.invalid} invalid, "
            f"{run.subjects_new} new subjects, {run.subjects_known} known"
        )
        if run.refusal:
            self.stdout.write(f"refused: {run.refusal}")
        for error in run.errors[:50]:
            self.stdout.write(
                f"  row {error['row']} [{error['column']}] {error['code']}: {error['message']}"
            )
        if run.error_count > 50:
            self.stdout.write(f"  … {run.error_count - 50} more errors (see the admin)")
        if run.name_conflicts:
            self._report_names(run)

    def _report_names(self, run: ImportRun) -> None:
        """Known ID numbers under another name, masked, and what became of them."""
        differing = [w for w in run.warnings if w["code"] == "name_differs"]
        for warning in differing[:50]:
            self.stdout.write(f"  row {warning['row']} name_differs: {warning['message']}")
        if run.name_conflicts > len(differing[:50]):
            more = run.name_conflicts - len(differing[:50])
            self.stdout.write(f"  … {more} more name_differs warnings (see the admin)")
        if run.name_choice == NameChoice.UPDATE:
            self.stdout.write(f"renamed {run.subjects_renamed} subjects to the file's spelling")
        elif run.status == ImportStatus.COMMITTED:
            self.stdout.write("kept the registered names (--rename update records the file's)")


def json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class ProgressBar:
    """A tqdm bar per phase on stderr."""

    def __init__(self, *, disable: bool) -> None:
        self.disable = disable
        self.bars: dict[str, tqdm] = {}

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()

    def update(self, phase: str, done: int, total: int | None) -> None:
        bar = self.bars.get(phase)
        if bar is None:
            bar = self.bars[phase] = tqdm(
                desc=phase, total=total, unit="rows", disable=self.disable
            )
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)
