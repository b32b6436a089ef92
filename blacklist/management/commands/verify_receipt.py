import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blacklist.lib import signing
from blacklist.platforms import receipts

# Exit statuses: 0 the receipt verifies, 1 it does not, 2 a file or key could not be read.
INVALID = 1
UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Verify the receipt of a check offline, against the public keys the settings publish "
        "(current and retired) or the one given. FILE holds a receipt, or a whole answer of "
        "checks/ (then its results, time, as_of and purpose must be the receipt's too). Exit "
        "status 0 when it verifies, 1 when it does not (the reason is printed), 2 when a file "
        "or key cannot be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a receipt, or a whole answer of checks/")
        parser.add_argument(
            "--public-key",
            help=(
                "verify with this key only: base64url as keys/ publishes it, or a PEM file; "
                "write --public-key=KEY, since a key may begin with '-'"
            ),
        )
        parser.add_argument(
            "--request",
            type=Path,
            help="the body sent to checks/: its subjects must be those the receipt names",
        )

    def handle(
        self,
        *args: object,
        file: Path,
        public_key: str | None,
        request: Path | None,
        **options: object,
    ) -> None:
        document = _read_json(file)
        answer = document if isinstance(document, dict) and "receipt" in document else None
        receipt = answer["receipt"] if answer is not None else document
        subjects = _subjects_sent(request) if request else None
        keys = [_given_key(public_key)] if public_key else receipts.published_keys()
        try:
            key = receipts.receipt_verify(receipt, keys=keys, answer=answer, subjects=subjects)
        except receipts.ReceiptInvalid as invalid:
            raise CommandError(
                f"INVALID ({invalid.code}): {invalid.message}", returncode=INVALID
            ) from None
        checked = [f"the signature ({key.status} key {key.key_id})"]
        if answer is not None:
            checked.append("the answer's results")
        if subjects is not None:
            checked.append("the subjects sent")
        self.stdout.write(
            f"VALID: check {receipt['check_id']} of {receipt['checked_at']}, "
            f"{receipt['subjects']} subjects, list version {receipt['last_seq']}; "
            f"verified {', '.join(checked)}."
        )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as error:
        raise CommandError(
            f"{path}: not a readable JSON file ({error})", returncode=UNREADABLE
        ) from None


def _subjects_sent(path: Path) -> list[Any]:
    body = _read_json(path)
    if not isinstance(body, dict) or not isinstance(body.get("subjects"), list):
        raise CommandError(f"{path}: not a body of checks/ with subjects", returncode=UNREADABLE)
    return body["subjects"]


def _given_key(text: str) -> receipts.PublishedKey:
    path = Path(text)
    if not text.startswith("-----BEGIN") and path.is_file():
        text = path.read_text(encoding="ascii", errors="replace")
    try:
        key = signing.load_public_key(text)
    except ValueError as error:
        raise CommandError(f"--public-key: {error}", returncode=UNREADABLE) from None
    return receipts.PublishedKey(signing.key_id(key), "given", key)
