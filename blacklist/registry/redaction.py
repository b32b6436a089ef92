"""ID numbers inside other text (log lines, stored messages, a search box): found in whatever
form they were typed or escaped, and masked.

Pure module: no Django settings, models or database. What counts as an ID number is what
`identity.normalize_id` accepts; one table of typed forms (tests/registry/identity_forms.py)
drives the tests of both.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from urllib.parse import unquote

from blacklist.registry.identity import ID_SEPARATORS, mask_id, normalize_id

__all__ = ["contains_id_number", "redact_id_numbers", "split_id_number"]


# A hidden character can reach text typed (ï¼\x91 is ４), percent-encoded in a URL (%EF%BC%94,
# either hex case, '+' for a space), as UTF-8 read as Latin-1 (the development server's request
# lines), that with control bytes escaped (http.server's), or escaped by repr() or JSON.
_LATIN1_CONTROLS = str.maketrans(
    {c: rf"\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]} | {ord("\\"): r"\\"}
)
# Code points whose NFKC form is a digit, an X or a separator lie in the first two planes.
_LAST_SCANNED = 0x1FFFF

_ESCAPE_PARTS = re.compile(r"(\\[xuU]|\\.)([0-9a-fA-F]*)")

# One character of a form: the set of characters that may stand there (hex in either case).
_Piece = frozenset[str]
_Form = tuple[_Piece, ...]


def _literal(text: str) -> _Form:
    return tuple(frozenset({c}) for c in text)


def _any_case_hex(text: str) -> _Form:
    return tuple(frozenset({c.upper(), c.lower()}) for c in text)


def _escaped(char: str) -> set[_Form]:
    """repr()/ascii() and JSON escapes of a character (\\u3000, \\xa0, \\ud835\\udfce, \\f)."""
    forms: set[_Form] = set()
    for escaped in {ascii(char)[1:-1], json.dumps(char)[1:-1]} - {char}:
        form: _Form = ()
        for kind, digits in _ESCAPE_PARTS.findall(escaped):
            form += _literal(kind) + _any_case_hex(digits)
        forms.add(form)
    return forms


def _encodings(char: str) -> set[_Form]:
    """Every way `char` can be written into a log line, a URL or a message."""
    data = char.encode("utf-8")
    latin = data.decode("latin-1")
    percent = sum((_literal("%") + _any_case_hex(f"{byte:02X}") for byte in data), ())
    forms = {_literal(char), _literal(latin), _literal(latin.translate(_LATIN1_CONTROLS)), percent}
    return forms | _escaped(char)


@cache
def _id_characters() -> tuple[dict[str, list[str]], list[str]]:
    """Characters `normalize_id` reads as each of 0-9 and X, and those it drops as separators."""
    meaning: dict[str, list[str]] = {key: [] for key in "0123456789X"}
    separators: list[str] = []
    for code in range(_LAST_SCANNED + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = unicodedata.normalize("NFKC", char)
        if folded == char and not (char.isspace() or char in ID_SEPARATORS or char.isalnum()):
            continue  # the common case: a character that stands for itself and means nothing
        key = "".join(c for c in folded if not c.isspace() and c not in ID_SEPARATORS).upper()
        if not key:
            separators.append(char)
        elif key in meaning:
            meaning[key].append(char)
    return meaning, separators


def _trie(forms: Iterable[_Form]) -> str:
    """One regular expression for a set of forms, sharing their common beginnings."""
    tree: dict[_Piece, dict] = {}  # type: ignore[type-arg]
    for form in forms:
        node = tree
        for piece in (*form, frozenset()):  # the empty piece marks where a form ends
            node = node.setdefault(piece, {})
    return _tree_pattern(tree)


def _piece_pattern(piece: _Piece) -> str:
    if len(piece) == 1:
        return re.escape(next(iter(piece)))
    # Runs as ranges: a class that lists characters beyond U+FFFF one by one is slow to search.
    runs: list[list[int]] = []
    for code in sorted(map(ord, piece)):
        if runs and runs[-1][1] == code - 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "[" + "".join(_run_pattern(start, end) for start, end in runs) + "]"


def _run_pattern(start: int, end: int) -> str:
    first, last = re.escape(chr(start)), re.escape(chr(end))
    return first if start == end else f"{first}{last}" if end == start + 1 else f"{first}-{last}"


def _tree_pattern(node: dict) -> str:  # type: ignore[type-arg]
    ends = frozenset() in node
    leaves: set[str] = set()
    branches: list[str] = []
    for piece, child in sorted(node.items(), key=lambda item: sorted(item[0])):
        if not piece:
            continue
        if list(child) == [frozenset()]:
            leaves |= piece  # one character and done: gathered into one class
        else:
            branches.append(_piece_pattern(piece) + _tree_pattern(child))
    if leaves:
        branches.insert(0, _piece_pattern(frozenset(leaves)))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


# An ASCII digit that ends an escape (%20, \\u3000) is no digit right before a number. (Other
# hex digits of an escape may begin a match: masking too much is the safe side.)
_ASCII_DIGIT_NOT_ENDING_AN_ESCAPE = (
    r"(?:(?<![0-9])|(?<=%[0-9A-Fa-f][0-9])|(?<=\\x[0-9A-Fa-f][0-9])"
    r"|(?<=\\u[0-9A-Fa-f]{3}[0-9])|(?<=\\U[0-9A-Fa-f]{7}[0-9]))"
)


@cache
def _id_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(where a number may begin, the number itself)."""
    meaning, separators = _id_characters()
    digit_forms = {f for key in "0123456789" for c in meaning[key] for f in _encodings(c)}
    last_forms = digit_forms | {f for c in meaning["X"] for f in _encodings(c)}
    separator_forms = {f for c in separators for f in _encodings(c)} | {_literal("+")}
    digit, last, separator = _trie(digit_forms), _trie(last_forms), _trie(separator_forms)
    # Only a digit right before or after stops a match: letters, Han and '=' may be glued on.
    # Look-behinds need a fixed width, so there is one for each length of a digit's forms.
    ascii_digits = {_literal(c) for c in "0123456789"}
    not_after_digit = _ASCII_DIGIT_NOT_ENDING_AN_ESCAPE + "".join(
        f"(?<!{_trie(f for f in digit_forms - ascii_digits if len(f) == length)})"
        for length in sorted({len(f) for f in digit_forms - ascii_digits})
    )
    # Most texts hold no character that can begin a digit: one class, searched fast, says so.
    begins = _piece_pattern(frozenset().union(*(f[0] for f in digit_forms)))
    resident = f"{digit}(?:{separator}*{digit}){{16}}{separator}*{last}"
    legacy = f"{digit}(?:{separator}*{digit}){{14}}"
    number = f"(?={begins}){not_after_digit}(?:{resident}|{legacy})(?!{digit})"
    return re.compile(begins), re.compile(number)


def _numbers_in(text: str) -> Iterator[re.Match[str]]:
    begins, number = _id_patterns()
    first = begins.search(text)
    # Searching from there keeps what comes before in sight of the look-behinds.
    return number.finditer(text, first.start()) if first else iter(())


_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|U[0-9a-fA-F]{8}|[ntrf])")
_SHORT_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}
_UTF8_AS_LATIN1 = re.compile(
    "[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(0)[1:]
    return _SHORT_ESCAPES.get(escape) or chr(int(escape[1:], 16))


def _utf8_read_back(match: re.Match[str]) -> str:
    try:
        return match.group(0).encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)


def _read_back(found: str) -> str:
    """The characters someone typed, from the forms `_encodings` writes."""
    text = _ESCAPE.sub(_unescape, found)
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")  # JSON pairs
    text = unquote(text.replace("+", " "))
    return _UTF8_AS_LATIN1.sub(_utf8_read_back, text)


def _masked(match: re.Match[str]) -> str:
    return mask_id(normalize_id(_read_back(match.group(0))))


def redact_id_numbers(text: str) -> str:
    """`text` with every resident ID number in it, in whatever form it was typed, masked."""
    parts, done = [], 0
    for found in _numbers_in(text):
        parts += [text[done : found.start()], _masked(found)]
        done = found.end()
    return "".join([*parts, text[done:]]) if parts else text


def contains_id_number(text: str) -> bool:
    """Whether `text` holds a resident ID number in any form `redact_id_numbers` masks."""
    begins, number = _id_patterns()
    first = begins.search(text)
    return first is not None and number.search(text, first.start()) is not None


def split_id_number(text: str) -> tuple[str, str] | None:
    """The first resident ID number in `text`, normalised, and the text around it (a name
    typed beside the number), or None when there is none."""
    found = next(_numbers_in(text), None)
    if found is None:
        return None
    rest = (text[: found.start()] + " " + text[found.end() :]).strip()
    return normalize_id(_read_back(found.group(0))), rest
