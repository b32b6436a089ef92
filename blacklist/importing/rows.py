"""Judging one row of a list file: a ListingRow, or the problems that stop it."""

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from blacklist import identity
from blacklist.identity import IdentityError, SubjectKind
from blacklist.importing.reader import FIELD_LABELS
from blacklist.listing import ListingRow

MAX_NAME = 200
MAX_OFFENCE = 500
MAX_MEASURES = 2000
GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
# 2020-11-01, 2020/11/01, 2020.11.01, 2020年11月1日; a midnight time as Excel writes it is allowed
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$"
)
FORMULA_PREFIXES = ("=",)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    code: str
    message: str
    value: str = ""
    seq: str = ""

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


def judge_row(number: int, cells: list[object], columns: dict[str, int]) -> JudgedRow | None:
    """None for a blank row; otherwise the row with its listing or its errors."""
    values = {name: cells[index] if index < len(cells) else None for name, index in columns.items()}
    if all(_text(value) == "" for value in values.values()):
        return None
    seq = _text(values.get("seq"))
    judged = JudgedRow(number=number, seq=seq, listing=None)

    def error(column: str, code: str, message: str, value: str = "") -> None:
        judged.errors.append(Problem(number, str(FIELD_LABELS[column]), code, message, value, seq))

    def warning(column: str, code: str, message: str, value: str = "") -> None:
        judged.warnings.append(
            Problem(number, str(FIELD_LABELS[column]), code, message, value, seq)
        )

    for name, value in values.items():
        if isinstance(value, str) and value.strip().startswith(FORMULA_PREFIXES):
            error(name, "formula", _("Formulas are not accepted; enter the value itself."))
    if judged.errors:
        return judged

    name = " ".join(_text(values.get("name")).split())
    if not name:
        error("name", "name_missing", _("The name is missing."))
    elif len(name) > MAX_NAME:
        error(
            "name",
            "name_too_long",
            _("The name is longer than %(max)d characters.") % {"max": MAX_NAME},
        )

    ident = None
    raw_id = values.get("id_number")
    if isinstance(raw_id, float):
        error(
            "id_number",
            "id_as_number",
            _("The ID number is stored as a number and has lost digits: format it as text."),
            "*" * 6,
        )
    else:
        try:
            ident = identity.parse_identity(_text(raw_id))
        except IdentityError as problem:
            error("id_number", problem.code, str(problem.message), identity.mask_id(_text(raw_id)))
    if ident is not None:
        for code in ident.warnings:
            warning(
                "id_number",
                code,
                _("The region code %(code)s is not in the region table.")
                % {"code": ident.region_code},
                identity.mask_id(ident.number),
            )
        given_gender = _text(values.get("gender")).lower()
        is_person = ident.kind == SubjectKind.PERSON
        if given_gender and is_person and GENDERS.get(given_gender) != ident.gender:
            message = _("The gender given does not match the ID number; the ID number is used.")
            warning("gender", "gender_mismatch", message, given_gender)

    term = {}
    for column in ("term_start", "term_end"):
        raw = values.get(column)
        if _text(raw) == "":
            term[column] = None
            continue
        parsed = parse_date(raw)
        if parsed is None:
            error(
                column,
                "date_invalid",
                _("Not a valid date; write it as 2020-11-01, 2020/11/01 or 2020年11月1日."),
                _text(raw)[:40],
            )
        term[column] = parsed
    if term.get("term_start") and term.get("term_end") and term["term_end"] <= term["term_start"]:
        error(
            "term_end",
            "term_order",
            _("The term ends on or before the day it starts."),
            str(term["term_end"]),
        )

    offence, measures = _text(values.get("offence")), _text(values.get("measures"))
    if len(offence) > MAX_OFFENCE:
        error("offence", "too_long", _("Longer than %(max)d characters.") % {"max": MAX_OFFENCE})
    if len(measures) > MAX_MEASURES:
        error("measures", "too_long", _("Longer than %(max)d characters.") % {"max": MAX_MEASURES})

    if not judged.errors and ident is not None:
        judged.listing = ListingRow(
            name=name,
            identity=ident,
            offence=offence,
            measures=measures,
            term_start=term.get("term_start"),
            term_end=term.get("term_end"),
        )
    return judged


def parse_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 1 <= value < 2958466:
        # an Excel serial number in a cell without a date format
        result = from_excel(value)
        return result.date() if isinstance(result, datetime.datetime) else None
    match = _DATE.match(_text(value))
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
