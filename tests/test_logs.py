"""Logs never show a full ID number, even when a visitor puts one in a URL."""

import datetime
import logging

import pytest

from blacklist import identity
from blacklist.identity import redact_id_numbers as redact_ids

NUMBER = identity.make_resident_id("420106", datetime.date(1990, 1, 1), 123)


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


@pytest.mark.parametrize("logger", ["django.server", "blacklist", "celery.app.trace"])
def test_a_request_line_with_an_id_number_is_logged_masked(logger, caplog):
    caplog.set_level(logging.INFO)

    logging.getLogger(logger).info('"GET /search/?q=%s HTTP/1.1" 200 5120', NUMBER)

    assert caplog.records, "nothing was logged"
    assert NUMBER not in caplog.text
    assert identity.mask_id(NUMBER) in caplog.text


def test_typed_variants_and_percent_encoding_are_masked_too():
    typed = [
        NUMBER.lower(),
        f"{NUMBER[:6]}+{NUMBER[6:14]}+{NUMBER[14:]}",  # spaces in a query string
        f"{NUMBER[:6]}%20{NUMBER[6:14]}%20{NUMBER[14:]}",
        f"{NUMBER[:6]}-{NUMBER[6:14]}-{NUMBER[14:]}",
        full_width(NUMBER),
        full_width(NUMBER).encode().hex("%").upper().join(["%", ""]),
        # the development server's request line: the raw UTF-8 path read as Latin-1
        full_width(NUMBER).encode().decode("latin-1"),
        full_width(NUMBER.lower()).encode().decode("latin-1"),
    ]
    for variant in typed:
        assert identity.mask_id(NUMBER) in redact_ids(f"q={variant}&page=2"), variant


def test_other_numbers_are_left_alone():
    line = "seq 1234567890123456789012 took 12345678 ms; code 91420100MA4K000010"
    assert redact_ids(line) == line


def test_a_traceback_that_names_an_id_number_is_logged_masked(caplog):
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError(f"no subject {NUMBER}")
    except ValueError:
        logging.getLogger("blacklist").exception("lookup failed")

    assert "ValueError" in caplog.text
    assert NUMBER not in caplog.text
