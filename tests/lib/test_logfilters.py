"""Logs never show a full ID number, in whatever form a visitor or a program put it there."""

from __future__ import annotations

import datetime
import logging
import sys
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blacklist.registry import identity
from blacklist.registry.identity import normalize_id
from blacklist.registry.redaction import contains_id_number, redact_id_numbers
from tests.registry.identity_forms import (
    LEGACY,
    NUMBER,
    OTHER,
    PLACES,
    TYPED_FORMS,
    WRITTEN,
    TypedForm,
)

FORMS = [pytest.param(form, id=form.label) for form in TYPED_FORMS]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("how", list(WRITTEN))
def test_every_typed_form_is_masked_however_written_and_wherever_it_sits(
    form: TypedForm, how: str
) -> None:
    write = WRITTEN[how]
    for place in PLACES.values():
        text = place.format(write(form.raw))

        assert contains_id_number(text)
        assert redact_id_numbers(text) == place.format(form.written_masked(write))


@pytest.mark.parametrize("logger", ["django.server", "blacklist", "celery.app.trace"])
def test_a_request_line_with_an_id_number_is_logged_masked(
    logger: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    logging.getLogger(logger).info('"GET /search/?q=%s HTTP/1.1" 200 5120', NUMBER)

    assert caplog.records, "nothing was logged"
    assert NUMBER not in caplog.text
    assert identity.mask_id(NUMBER) in caplog.text


@pytest.mark.parametrize("form", FORMS)
def test_a_log_record_keeps_only_the_mask(
    form: TypedForm, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    log = logging.getLogger("blacklist")
    typed, url = WRITTEN["as typed"], WRITTEN["percent-encoded"]

    log.info("no subject for %s", form.raw)
    log.info('"GET /search/?q=%s&page=2 HTTP/1.1" 200 5120', url(form.raw))
    log.info("张三%s李四", form.raw)
    log.info("%s", WRITTEN["UTF-8 read as Latin-1 (development server)"](form.raw))

    assert [record.getMessage() for record in caplog.records] == [
        f"no subject for {form.written_masked(typed)}",
        f'"GET /search/?q={form.written_masked(url)}&page=2 HTTP/1.1" 200 5120',
        f"张三{form.written_masked(typed)}李四",
        form.written_masked(WRITTEN["UTF-8 read as Latin-1 (development server)"]),
    ]
    assert form.hidden not in normalize_id(caplog.text)


@pytest.mark.parametrize("form", FORMS)
def test_a_traceback_keeps_only_the_mask(form: TypedForm, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    log = logging.getLogger("blacklist")

    try:
        raise ValueError(f"no subject {form.raw}")
    except ValueError:
        log.exception("lookup failed")
    subjects: dict[str, str] = {}
    try:
        subjects[form.raw]  # a KeyError shows the key's repr
    except KeyError:
        log.exception("lookup failed")

    assert f"ValueError: no subject {form.written_masked(WRITTEN['as typed'])}" in caplog.text
    assert f"KeyError: '{form.written_masked(WRITTEN['repr'])}'" in caplog.text
    assert form.hidden not in normalize_id(caplog.text)


def test_other_numbers_are_left_alone() -> None:
    line = "seq 1234567890123456789012 took 12345678 ms; code 91420100MA4K000010"
    assert redact_id_numbers(line) == line
    assert not contains_id_number(line)


@pytest.mark.parametrize("digit", ["7", "７", "%37", "%EF%BC%97", "%ef%bc%97", "ï¼\x97", "𝟕"])
def test_a_digit_in_any_form_right_before_or_after_is_no_id_number(digit: str) -> None:
    # A longer number is something else (a card, an order number), whichever way it is written.
    for text in (digit + OTHER, OTHER + digit, digit + LEGACY, LEGACY + digit):
        assert redact_id_numbers(text) == text
        assert not contains_id_number(text)


# --- the masking follows the normaliser: what normalize_id reads as a number is masked ----------


@cache
def _read_by_normalize_id() -> dict[str, list[str]]:
    """Each character of the first two planes under what normalize_id makes of it alone."""
    meaning: dict[str, list[str]] = {key: [] for key in ["", *"0123456789X"]}
    for code in range(0x20000):
        if not 0xD800 <= code <= 0xDFFF and (key := normalize_id(chr(code))) in meaning:
            meaning[key].append(chr(code))
    return meaning


@st.composite
def typed_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid ID number typed with any characters normalize_id reads as its digits, X and
    separators (any run of them between any two characters)."""
    meaning = _read_by_normalize_id()
    number = identity.make_resident_id(
        draw(st.sampled_from(["420106", "110105", "310104", "650102"])),
        draw(st.dates(datetime.date(1930, 1, 1), datetime.date(2020, 12, 31))),
        draw(st.integers(0, 999)),
    )
    separators = st.lists(st.sampled_from(meaning[""]), max_size=3).map("".join)
    typed = draw(st.sampled_from(meaning[number[0]]))
    for char in number[1:]:
        typed += draw(separators) + draw(st.sampled_from(meaning[char]))
    return number, typed


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(
    typed=typed_numbers(), how=st.sampled_from(list(WRITTEN)), place=st.sampled_from(list(PLACES))
)
def test_property_whatever_normalize_id_reads_as_a_number_is_masked(
    typed: tuple[str, str], how: str, place: str
) -> None:
    number, raw = typed
    assert normalize_id(raw) == number
    text = PLACES[place].format(WRITTEN[how](raw))

    assert redact_id_numbers(text) == PLACES[place].format(identity.mask_id(number))


def test_no_character_beyond_the_first_two_planes_is_read_as_part_of_a_number() -> None:
    # The masking scans the first two planes only; the others hold ideographs and private use.
    beyond = (chr(code) for code in range(0x20000, sys.maxunicode + 1))
    assert [c for c in beyond if normalize_id(c) in {"", *"0123456789X"}] == []
