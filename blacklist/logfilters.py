"""A last line of defence for the logs: ID numbers that reach a log record leave it masked.

The portal never logs an ID number itself, but request lines do carry what visitors type
(`/search/?q=…`, `?id_number=…`), and so can messages of libraries.
"""

import logging
import re
from typing import Any
from urllib.parse import unquote

from blacklist.identity import mask_id

# An 18-character resident ID (or the old 15-digit form), also when typed with full-width
# digits and sent percent-encoded as UTF-8 (%EF%BC%90 … %EF%BC%99).
_DIGIT = r"(?:[0-9]|%EF%BC%9[0-9]|[０-９])"
ID_PATTERN = re.compile(
    rf"(?<![0-9A-Za-z]){_DIGIT}{{17}}(?:{_DIGIT}|[Xx]|%EF%BC%B8|%EF%BD%98|Ｘ|ｘ)"
    rf"(?![0-9A-Za-z])|(?<![0-9A-Za-z%]){_DIGIT}{{15}}(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def _masked(match: re.Match[str]) -> str:
    return mask_id(unquote(match.group(0)))


def redact_ids(text: str) -> str:
    return ID_PATTERN.sub(_masked, text)


def install() -> None:
    """Mask ID numbers in every log record this process creates, whichever handler writes it
    (Django's, the development server's, a Celery worker's own)."""
    create = logging.getLogRecordFactory()
    if getattr(create, "redacts_ids", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = create(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            return record
        redacted = redact_ids(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return record

    redacting.redacts_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
