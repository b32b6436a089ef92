"""A last line of defence for the logs: ID numbers that reach a log record leave it masked.

The portal never logs an ID number itself, but request lines do carry what visitors type
(`/search/?q=…`, `?id_number=…`), and so can messages of libraries.
"""

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from blacklist.identity import mask_id, normalize_id

_TRACEBACKS = logging.Formatter()

# An 18-character resident ID (or the old 15-digit form) as visitors type it: full-width digits,
# spaces or dashes between the groups, percent-encoded in a URL (%EF%BC%90 … %EF%BC%99, %20, +).
# The development server writes a raw UTF-8 path decoded as Latin-1, so ４ arrives as "ï¼\x94".
_DIGIT = r"(?:[0-9]|%EF%BC%9[0-9]|[０-９]|ï¼[\x90-\x99])"
_LAST = rf"(?:{_DIGIT}|[Xx]|%EF%BC%B8|%EF%BD%98|Ｘ|ｘ|ï¼¸|ï½\x98)"
_SEP = r"(?:[ \-+]|%20|%2D|%2B)?"
ID_PATTERN = re.compile(
    rf"(?<![0-9A-Za-z%]){_DIGIT}(?:{_SEP}{_DIGIT}){{16}}{_SEP}{_LAST}(?![0-9A-Za-z])"
    rf"|(?<![0-9A-Za-z%]){_DIGIT}{{15}}(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def _masked(match: re.Match[str]) -> str:
    text = unquote_plus(match.group(0))
    if "ï" in text:  # UTF-8 read as Latin-1: read it back
        text = text.encode("latin-1", "replace").decode("utf-8", "replace")
    return mask_id(normalize_id(text))


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
        # Formatters reuse exc_text once set, so a traceback is written masked as well.
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_ids(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact_ids(record.stack_info)
        return record

    redacting.redacts_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
