"""Judging one row of a list file: a ListingRow, or the problems that stop it."""

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from blacklist.importing.reader import FIELD_LABELS
from blacklist.registry import identity, matching, redaction
from blacklist.registry.identity import IdentityError, SubjectKind
from blacklist.registry.listing import ListingDefaults, ListingRow, listings_prepare

MAX_NAME = 200
MAX_OFFENCE = 500
MAX_MEASURES = 2000
MAX_ALIASES = 10  # names in one cell of former names and aliases
MAX_VALUE_SHOWN = 40  # of a cell's value in an error
# Columns kept as text and published: an ID number typed there would be shown in full.
TEXT_COLUMNS = ("name", "offence", "measures", "aliases")
GENDERS = {
    "男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F", "male": "M", "female": "F",
}  # fmt: skip
# What Excel writes into a cell whose formula failed; never a real value.
EXCEL_ERRORS = frozenset(
    ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!")
)
# 2020-11-01, 2020/11/01, 2020.11.01, 2020年11月1日; a midnight time as Excel writes it is allowed
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$"
)
FORMULA_PREFIXES = ("=",)


@dataclass(frozen=True)
class Problem:
    """An error or warning about a row, as stored, shown and downloaded: ID numbers in it,
    in whatever column they were typed, are masked (and values cut short) when it is made."""

    row: int
    column: str
    code: str
    message: str
    value: str = ""
    seq: str = ""

    def __post_init__(self) -> None:
        for name in ("column", "message", "seq"):
            object.__setattr__(self, name, redaction.redact_id_numbers(getattr(self, name)))
        value = redaction.redact_id_numbers(self.value)
        object.__setattr__(self, "value", value[:MAX_VALUE_SHOWN])

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "seq": self.seq,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


@dataclass
class JudgedRow:
    number: int
    seq: str
    listing: ListingRow | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def judge_row(
    number: int, cells: list[object], columns: dict[str, int], *, today: datetime.date | None = None
) -> JudgedRow | None:
    """None for a blank row; otherwise the row with its listing or its errors. (A file's rows
    are judged in chunks by `chunk_judge`, which works out what depends on the columns once.)"""
    day = today or datetime.date.today()
    clean = clean_row_reader(columns, today=day)(cells)
    if clean is None:
        return _judge_fully(number, cells, columns, today=day)
    return JudgedRow(number=number, seq=clean[0], listing=clean[1])


CleanReader = Callable[[list[object]], tuple[str, ListingRow] | None]
_FIELDS = (
    "seq", "name", "id_number", "gender", "term_start", "term_end", "offence", "measures",
    "aliases",
)  # fmt: skip


def clean_row_reader(columns: dict[str, int], *, today: datetime.date) -> CleanReader:
    """The short path through judge_row for the common row, one of plain text cells that passes
    every check: its (序號, listing). None for any other row (blank, a cell that is not text,
    anything suspect, any error or warning), which gets the full judgement instead; so the short
    path only has to agree with the full one on rows that pass."""
    indices = list(columns.values())
    width = max(indices, default=-1) + 1
    missing = len(indices)  # a field without a column reads the "" appended to each row's texts
    where = {name: position for position, name in enumerate(columns)}
    seq_at, name_at, id_at, gender_at, start_at, end_at, offence_at, measures_at, aliases_at = (
        where.get(field, missing) for field in _FIELDS
    )
    dates: dict[str, datetime.date | None] = {}
    free_texts: set[str] = set()  # offences and measures repeat from row to row

    def free_of_ids(text: str) -> bool:
        if text in free_texts:
            return True
        if redaction.contains_id_number(text):
            return False
        if len(free_texts) < 4096:
            free_texts.add(text)
        return True

    def read(cells: list[object]) -> tuple[str, ListingRow] | None:
        if len(cells) < width:
            cells = [*cells, *[""] * (width - len(cells))]
        try:
            texts = [cells[index].strip() for index in indices]  # type: ignore[attr-defined]
            # Every value that may be a formula or an Excel error starts a cell with = or #.
            joined = "\x00" + "\x00".join(texts)
        except (AttributeError, TypeError):  # a cell that is not text: numbers, dates, formulas
            return None
        if "\x00=" in joined or "\x00#" in joined or not any(texts):
            return None
        texts.append("")
        full_name = " ".join(texts[name_at].split())
        if not full_name or len(full_name) > MAX_NAME:
            return None
        try:
            ident = identity.parse_identity(texts[id_at], today=today)
        except IdentityError:
            return None
        if ident.warnings:
            return None
        given = texts[gender_at].lower()
        if given and ident.kind == SubjectKind.PERSON and GENDERS.get(given) != ident.gender:
            return None
        try:
            start, end = _read_date(texts[start_at], dates), _read_date(texts[end_at], dates)
        except ValueError:
            return None
        if start and end and end <= start:
            return None
        offence_text, measures_text = texts[offence_at], texts[measures_at]
        if len(offence_text) > MAX_OFFENCE or len(measures_text) > MAX_MEASURES:
            return None
        if redaction.contains_id_number(full_name) or not (
            free_of_ids(offence_text) and free_of_ids(measures_text)
        ):
            return None
        aliases: tuple[str, ...] = ()
        if texts[aliases_at]:
            named = _aliases(texts[aliases_at])
            if named is None or redaction.contains_id_number(texts[aliases_at]):
                return None
            aliases = named
        listing = ListingRow(full_name, ident, offence_text, measures_text, start, end, aliases)
        return texts[seq_at], listing

    return read


def _read_date(text: str, cache: dict[str, datetime.date | None]) -> datetime.date | None:
    """None for no date; ValueError for text that is not a date."""
    if not text:
        return None
    try:
        parsed = cache[text]
    except KeyError:
        parsed = _parse_date_text(text)
        if len(cache) < 4096:  # most files give every row the same few dates
            cache[text] = parsed
    if parsed is None:
        raise ValueError(text)
    return parsed


def _judge_fully(
    number: int, cells: list[object], columns: dict[str, int], *, today: datetime.date
) -> JudgedRow | None:
    raw = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
    text = {name: _text(value) for name, value in raw.items()}
    if not any(text.values()):
        return None
    judged = JudgedRow(number=number, seq=text.get("seq", ""), listing=None)
    formulas = [
        name
        for name, value in text.items()
        if _is_formula(raw[name], value) or value in EXCEL_ERRORS
    ]
    for name in formulas:
        _error(judged, name, "formula", _("Formulas are not accepted; enter the value itself."))
    if formulas:
        return judged
    for column in TEXT_COLUMNS:
        if redaction.contains_id_number(value := text.get(column, "")):
            message = _(
                "An ID number belongs in the ID number column only; this cell holds one: %(value)s"
            ) % {"value": value}  # masked, as in every problem
            _error(judged, column, "id_in_text", message, value)
    name = _judge_name(judged, text.get("name", ""))
    ident = _judge_identity(judged, raw.get("id_number"), text.get("id_number", ""), today=today)
    if ident is not None:
        _judge_gender(judged, ident, text.get("gender", ""))
    start = _judge_date(judged, "term_start", raw.get("term_start"), text.get("term_start", ""))
    end = _judge_date(judged, "term_end", raw.get("term_end"), text.get("term_end", ""))
    if start and end and end <= start:
        message = _("The term ends on or before the day it starts.")
        _error(judged, "term_end", "term_order", message, str(end))
    offence, measures = text.get("offence", ""), text.get("measures", "")
    for column, value, limit in (
        ("offence", offence, MAX_OFFENCE),
        ("measures", measures, MAX_MEASURES),
    ):
        if len(value) > limit:
            _error(
                judged, column, "too_long", _("Longer than %(max)d characters.") % {"max": limit}
            )
    aliases = _judge_aliases(judged, text.get("aliases", ""))
    if not judged.errors and ident is not None:
        judged.listing = ListingRow(name, ident, offence, measures, start, end, aliases)
    return judged


def _aliases(text: str) -> tuple[str, ...] | None:
    """The names of a cell of former names and aliases; None if too many or one too long."""
    names = matching.alias_names(text)
    if len(names) > MAX_ALIASES or any(len(name) > MAX_NAME for name in names):
        return None
    return tuple(names)


def _judge_aliases(judged: JudgedRow, text: str) -> tuple[str, ...]:
    if not text:
        return ()
    names = _aliases(text)
    if names is None:
        message = _(
            "At most %(count)d former names or aliases of at most %(max)d characters each, "
            "separated by 、 ; or ,"
        ) % {"count": MAX_ALIASES, "max": MAX_NAME}
        _error(judged, "aliases", "aliases_invalid", message)
        return ()
    return names


# openpyxl reads array and data-table formulas as objects, not as "=..." strings
_FORMULA_TYPES = (ArrayFormula, DataTableFormula)


def _is_formula(raw: object, text: str) -> bool:
    return text.startswith(FORMULA_PREFIXES) or isinstance(raw, _FORMULA_TYPES)


def _error(judged: JudgedRow, column: str, code: str, message: str, value: str = "") -> None:
    label = str(FIELD_LABELS[column])
    judged.errors.append(Problem(judged.number, label, code, message, value, judged.seq))


def _warning(judged: JudgedRow, column: str, code: str, message: str, value: str = "") -> None:
    label = str(FIELD_LABELS[column])
    judged.warnings.append(Problem(judged.number, label, code, message, value, judged.seq))


def _judge_name(judged: JudgedRow, value: str) -> str:
    name = " ".join(value.split())
    if not name:
        _error(judged, "name", "name_missing", _("The name is missing."))
    elif len(name) > MAX_NAME:
        message = _("The name is longer than %(max)d characters.") % {"max": MAX_NAME}
        _error(judged, "name", "name_too_long", message)
    return name


def _judge_identity(
    judged: JudgedRow, raw: object, text: str, *, today: datetime.date
) -> identity.Identity | None:
    # A spreadsheet number is a double: 16 digits or more have been rounded, however the
    # file writes them (4.2010619900101101E+17 or 420106199001011000).
    if isinstance(raw, float) or (isinstance(raw, int) and abs(raw) >= 10**15):
        message = _("The ID number is stored as a number and has lost digits: format it as text.")
        _error(judged, "id_number", "id_as_number", message, "*" * 6)
        return None
    try:
        ident = identity.parse_identity(text, today=today)
    except IdentityError as problem:
        _error(judged, "id_number", problem.code, str(problem.message), identity.mask_id(text))
        return None
    for code in ident.warnings:
        message = _("The region code %(code)s is not in the region table.")
        _warning(
            judged,
            "id_number",
            code,
            message % {"code": ident.region_code},
            identity.mask_id(ident.number),
        )
    return ident


def _judge_gender(judged: JudgedRow, ident: identity.Identity, value: str) -> None:
    given = value.lower()
    if given and ident.kind == SubjectKind.PERSON and GENDERS.get(given) != ident.gender:
        message = _("The gender given does not match the ID number; the ID number is used.")
        _warning(judged, "gender", "gender_mismatch", message, given)


def _judge_date(judged: JudgedRow, column: str, raw: object, text: str) -> datetime.date | None:
    if not text:
        return None
    parsed = parse_date(raw)
    if parsed is None:
        message = _("Not a valid date; write it as 2020-11-01, 2020/11/01 or 2020年11月1日.")
        _error(judged, column, "date_invalid", message, text)
    return parsed


def parse_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:
        # an Excel serial number in a cell without a date format
        result = from_excel(value)
        return result.date() if isinstance(result, datetime.datetime) else None
    return _parse_date_text(_text(value))


def _parse_date_text(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text)  # the common case, in C
    except ValueError:
        pass
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- the rows of a file ---------------------------------------------------------------------


class RowOutcome(NamedTuple):
    """A judged row. `ready` is the prepared listing of a row without errors, as a tuple in
    PreparedListing's order; checks against the registry and the rest of the file come later."""

    number: int
    seq: str
    ready: tuple[str, ...] | None
    errors: Sequence[Problem]
    warnings: Sequence[Problem]


@dataclass(frozen=True)
class FileRules:
    """Everything judging a file's rows needs, as plain values (no database)."""

    columns: dict[str, int]
    today: datetime.date
    defaults: ListingDefaults
    encryption_keys: tuple[str, ...]
    lookup_key: bytes


ChunkJudge = Callable[[Sequence[tuple[int, list[object]]], bool], list[RowOutcome]]


def chunk_judge(rules: FileRules) -> ChunkJudge:
    """Judges numbered rows (blank ones are left out) and prepares the listings of the good
    ones; seal=False leaves their sealed ID numbers empty (a file with errors is never written).
    Touches no database: the checks against the registry are the pipeline's."""
    read_clean = clean_row_reader(rules.columns, today=rules.today)

    def judge_chunk(rows: Sequence[tuple[int, list[object]]], seal: bool) -> list[RowOutcome]:
        judged: list[tuple[int, str, ListingRow | None, Sequence[Problem], Sequence[Problem]]] = []
        for number, cells in rows:
            clean = read_clean(cells)
            if clean is not None:
                judged.append((number, clean[0], clean[1], (), ()))
                continue
            full = _judge_fully(number, cells, rules.columns, today=rules.today)
            if full is not None:
                judged.append((number, full.seq, full.listing, full.errors, full.warnings))
        listings = [listing for _n, _s, listing, _e, _w in judged if listing is not None]
        prepared = iter(
            listings_prepare(
                listings,
                defaults=rules.defaults,
                encryption_keys=rules.encryption_keys,
                lookup_key=rules.lookup_key,
                seal=seal,
            )
        )
        return [
            RowOutcome(number, seq, None if listing is None else next(prepared), errors, warnings)
            for number, seq, listing, errors, warnings in judged
        ]

    return judge_chunk
