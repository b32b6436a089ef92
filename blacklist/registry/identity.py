"""ID numbers and credit codes: normalise, validate, region, mask, look up by keyed hash and
seal (through blacklist.lib.sealing). Names are in blacklist.registry.naming, ID numbers
inside other text in blacklist.registry.redaction.

Pure module: no Django settings, models or database. Keys and options are passed in by callers.
Resident IDs follow GB 11643-1999, credit codes GB 32100-2015.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric, uscc

from blacklist.lib import sealing

if TYPE_CHECKING:  # type-only: the lazy translated string type from django-stubs
    from django_stubs_ext import StrOrPromise

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "Identity",
    "IdentityError",
    "SubjectKind",
    "decrypt_id",
    "encrypt_id",
    "encrypt_ids",
    "gender_of",
    "lookup_hmac",
    "lookup_hmacs",
    "make_credit_code",
    "make_resident_id",
    "mask_id",
    "normalize_id",
    "parse_identity",
]

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100 registration authorities: 1-9 plus A (military), N (agriculture), Y (other).
_CREDIT_CODE_AUTHORITIES = frozenset("123456789ANY")

_DIGITS = frozenset("0123456789")
_MIN_BIRTH_YEAR = 1900

# Separators people type or paste inside numbers (after NFKC, so full-width forms are covered).
ID_SEPARATORS = frozenset(
    "-_./·\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fb\u2027\u200b\u200c\u200d\u2060\ufeff"
)
# cn/loc rows that are bookkeeping groupings, not places anyone would recognise.
_PLACEHOLDER_REGIONS = frozenset(
    {"市辖区", "县", "省直辖县级行政单位", "省直辖行政单位", "自治区直辖县级行政单位"}
)
_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class IdentityError(ValueError):
    """An identity number was refused; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: StrOrPromise) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        try:
            return str(self.message)
        except Exception:
            # Rendering a lazy message needs Django settings; keep tracebacks readable without.
            return self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r})"


@dataclass(frozen=True)
class Identity:
    number: str
    kind: SubjectKind
    birth_date: date | None
    gender: str
    region_code: str
    region_name: str
    warnings: tuple[str, ...] = ()


# --- normalisation ----------------------------------------------------------------------------


def until_stable(step: Callable[[str], str], text: str) -> str:
    # Dropping a space NFKC produced ('¸' -> ' ̧') can leave text that composes further; repeat
    # so that normalising twice changes nothing (hashes and search keys must be idempotent).
    result = step(text)
    for _round in range(4):
        again = step(result)
        if again == result:
            break
        result = again
    return result


def _normalize_id_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if not c.isspace() and c not in ID_SEPARATORS)
    return unicodedata.normalize("NFKC", text.upper())


def normalize_id(raw: str) -> str:
    """Canonical form of an ID or credit code: ASCII, no separators, upper case."""
    if raw.isascii() and raw.isalnum():
        return raw.upper()  # the common case, and already stable
    return until_stable(_normalize_id_once, raw)


def _is_digits(text: str) -> bool:
    # str.isdigit alone accepts other scripts' digits and superscripts; IDs are ASCII only.
    return text.isascii() and text.isdigit()


def _looks_like_person(number: str) -> bool:
    return len(number) == 18 and _is_digits(number[:17]) and number[17] in "0123456789X"


# --- resident identity cards (GB 11643) ---------------------------------------------------------


def _ric_check_digit(body17: str) -> str:
    # stdnum expects the full number and ignores its last character.
    return ric.calc_check_digit(body17 + "0")


def make_resident_id(region_code: str, birth: date, sequence: int) -> str:
    """Build an 18-character resident ID with its check digit (demo data, tests)."""
    if len(region_code) != 6 or not _is_digits(region_code):
        raise ValueError("region_code must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be between 0 and 999")
    body = f"{region_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return body + _ric_check_digit(body)


def gender_of(identity_number: str) -> str:
    """'M' or 'F' from the 17th digit of a resident ID (odd is male)."""
    number = normalize_id(identity_number)
    if len(number) != 18:
        raise IdentityError("id_length", _("A resident ID number has 18 characters."))
    if number[16] not in _DIGITS:
        raise IdentityError("id_format", _("A resident ID number has 17 digits then a digit or X."))
    return "M" if int(number[16]) % 2 else "F"


def _parse_person(number: str, *, today: date) -> Identity:
    if len(number) == 15 and _is_digits(number):
        raise IdentityError(
            "id_legacy_15",
            _("This is an old 15-digit ID number; please give the 18-character number."),
        )
    if len(number) != 18:
        raise IdentityError("id_length", _("A resident ID number has 18 characters."))
    if not _looks_like_person(number):
        raise IdentityError("id_format", _("A resident ID number has 17 digits then a digit or X."))
    if number[17] != _ric_check_digit(number[:17]):
        raise IdentityError(
            "id_checksum", _("The check digit does not match; please check the ID number.")
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError(
            "id_birth_date", _("The birth date in the ID number is not a real date.")
        ) from None
    if birth.year < _MIN_BIRTH_YEAR:
        raise IdentityError(
            "id_birth_date", _("The birth date in the ID number is not a real date.")
        )
    if birth > today:
        raise IdentityError(
            "id_birth_future", _("The birth date in the ID number is in the future.")
        )
    region_name, warnings = _person_region(number[:6], birth.year)
    return Identity(
        number=number,
        kind=SubjectKind.PERSON,
        birth_date=birth,
        gender="M" if int(number[16]) % 2 else "F",
        region_code=number[:6],
        region_name=region_name,
        warnings=warnings,
    )


# --- credit codes (GB 32100) ------------------------------------------------------------------


_CREDIT_CODE_FORMAT_MESSAGE = _(
    "A unified social credit code has 18 characters: digits and capital letters "
    "except I, O, S, V and Z."
)


def _credit_code_format_ok(body17: str) -> bool:
    return (
        len(body17) == 17
        and body17[0] in _CREDIT_CODE_AUTHORITIES
        and body17[1] in CREDIT_CODE_ALPHABET
        and _is_digits(body17[2:8])
        and all(c in CREDIT_CODE_ALPHABET for c in body17[8:])
    )


def make_credit_code(body17: str) -> str:
    """Append the MOD-31 check character to the first 17 characters of a credit code."""
    body = normalize_id(body17)
    if not _credit_code_format_ok(body):
        raise ValueError("body17 must be 17 characters of a GB 32100 credit code")
    return body + uscc.calc_check_digit(body)


def _parse_organisation(number: str) -> Identity:
    if len(number) != 18 or not _credit_code_format_ok(number[:17]):
        raise IdentityError("credit_code_format", _CREDIT_CODE_FORMAT_MESSAGE)
    if number[17] not in CREDIT_CODE_ALPHABET:
        raise IdentityError("credit_code_format", _CREDIT_CODE_FORMAT_MESSAGE)
    # Not uscc.validate: it wants chars 1-8 all digits and so refuses valid N/Y/A-prefixed codes.
    if number[17] != uscc.calc_check_digit(number[:17]):
        raise IdentityError(
            "credit_code_checksum",
            _("The check character does not match; please check the credit code."),
        )
    region_code = number[2:8]
    region_name = _region_name(region_code, year=None)
    return Identity(
        number=number,
        kind=SubjectKind.ORGANISATION,
        birth_date=None,
        gender="",
        region_code=region_code,
        region_name=region_name,
        warnings=() if region_name else ("region_unknown",),
    )


# --- entry point ------------------------------------------------------------------------------


def _has_birth_date(number: str, *, today: date) -> bool:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return _MIN_BIRTH_YEAR <= born.year <= today.year


def parse_identity(
    raw: str, *, kind: SubjectKind | None = None, today: date | None = None
) -> Identity:
    """Validate a resident ID or credit code; kind=None detects which one it is."""
    number = normalize_id(raw)
    if not number:
        raise IdentityError("id_empty", _("Please enter an ID number or credit code."))
    today = today or date.today()
    if kind == SubjectKind.PERSON:
        return _parse_person(number, today=today)
    if kind == SubjectKind.ORGANISATION:
        return _parse_organisation(number)
    # Digits (with an optional final X) of any length are a mistyped resident ID, not a code.
    if not _is_digits(number.removesuffix("X")):
        return _parse_organisation(number)
    try:
        return _parse_person(number, today=today)
    except IdentityError as person_error:
        # A resident ID with one digit mistyped passes the MOD-31 check one time in 31:
        # if it carries a birth date where a resident ID does, it stays a person's error.
        if len(number) != 18 or _has_birth_date(number, today=today):
            raise
        try:
            return _parse_organisation(number)
        except IdentityError:
            raise person_error from None


# --- regions ----------------------------------------------------------------------------------


def _periods(value: str) -> list[tuple[int | None, int | None, str]]:
    """Split a cn/loc value like '[-1991]东郊区,[1992-]东丽区' into (start, end, name)."""
    out: list[tuple[int | None, int | None, str]] = []
    for part in value.split(","):
        match = _PERIOD.match(part)
        if match:
            start, end, name = match.groups()
            out.append((int(start) if start else None, int(end) if end else None, name))
        elif part:
            out.append((None, None, part))
    return out


def _pick_name(value: str, year: int | None) -> str:
    periods = _periods(value)
    if not periods:
        return ""
    if year is not None:
        for start, end, name in periods:
            if (start is None or year >= start) and (end is None or year <= end):
                return name
    # No period fits (IDs keep the code of the place where they were issued): take the latest.
    return periods[-1][2]


def _loc_info(code: str) -> dict[str, str]:
    results = numdb.get("cn/loc").info(code)
    return {k: v for _part, props in results for k, v in props.items()}


def _region_name(code: str, *, year: int | None) -> str:
    """'湖北省武汉市武昌区' for '420106'; '' when the table does not know the code."""
    info = _loc_info(code)
    if "county" not in info:
        return ""
    prefecture = _loc_info(code[:4] + "00").get("county", "")
    return _join_region(
        info.get("province", ""), _pick_name(prefecture, year), _pick_name(info["county"], year)
    )


def _join_region(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        if part and part not in _PLACEHOLDER_REGIONS and part not in seen:
            seen.append(part)
    return "".join(seen)


@lru_cache(maxsize=65536)
def _person_region(region_code: str, year: int) -> tuple[str, tuple[str, ...]]:
    # The cn/loc table is walked as text: an import of a million rows sees only a few
    # thousand (code, year) pairs, so cache them.
    name = _region_name(region_code, year=year)
    return name, () if name else ("region_unknown",)


# --- lookup and encryption --------------------------------------------------------------------


def lookup_hmac(normalized: str, *, key: bytes) -> str:
    """Keyed hash for exact lookups without storing the plain number in an index."""
    if not key:
        raise ValueError("lookup key must not be empty")
    # normalize_id is idempotent; applying it here keeps raw and normalised input on one hash.
    message = normalize_id(normalized).encode("utf-8")
    return hmac.digest(key, message, "sha256").hex()


def lookup_hmacs(numbers: Iterable[str], *, key: bytes) -> list[str]:
    """`lookup_hmac` of many numbers: the key is prepared once, not once per number."""
    if not key:
        raise ValueError("lookup key must not be empty")
    keyed = hmac.new(key, digestmod="sha256")
    digests = []
    for number in numbers:
        one = keyed.copy()
        one.update(normalize_id(number).encode("utf-8"))
        digests.append(one.hexdigest())
    return digests


# ID numbers at rest are sealed (blacklist.lib.sealing) under a context of their own.
_ID_CONTEXT = b"subject.id_number"


def encrypt_id(plain: str, *, keys: Sequence[str]) -> str:
    """Seal with the first key (rotation: put the new key first)."""
    return sealing.seal_text(plain, keys=keys, context=_ID_CONTEXT)


def encrypt_ids(plains: Sequence[str], *, keys: Sequence[str]) -> list[str]:
    """`encrypt_id` of many numbers at once."""
    return sealing.seal_texts(plains, keys=keys, context=_ID_CONTEXT)


def decrypt_id(token: str, *, keys: Sequence[str]) -> str:
    """Open with whichever of the keys sealed it."""
    try:
        return sealing.unseal_text(token, keys=keys, context=_ID_CONTEXT)
    except ValueError:
        raise IdentityError(
            "id_decrypt", _("The stored ID number could not be decrypted.")
        ) from None


def mask_id(number: str) -> str:
    """First 6 and last 4 characters; the birth date and sequence never show."""
    text = normalize_id(number)
    if len(text) < 11:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
