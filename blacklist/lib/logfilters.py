"""A last line of defence for the logs: ID numbers that reach a log record leave it masked.

The portal never logs an ID number itself, but request lines do carry what visitors type
(`/search/?q=…`, `?id_number=…`), and so can messages of libraries. What counts as an ID number
in a text (typed, percent-encoded, read back as Latin-1, escaped) is `redact_id_numbers`'s rule.
"""

import logging
from typing import Any

from blacklist.registry.redaction import redact_id_numbers

_TRACEBACKS = logging.Formatter()


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
        redacted = redact_id_numbers(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        # Formatters reuse exc_text once set, so a traceback is written masked as well.
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_id_numbers(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact_id_numbers(record.stack_info)
        return record

    redacting.redacts_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
