"""How people type a resident ID number, and how programs then write it into text.

One table drives both the normaliser's tests (tests/test_identity.py: each typed form reads back
as the number) and the masking's (tests/test_logs.py: each typed form, written as a URL, a
development-server request line, a repr or JSON, glued to other text or in a traceback, is
masked), so that what the portal reads as an ID number and what it masks cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, quote_plus

from blacklist.registry.identity import make_resident_id, mask_id, normalize_id

NUMBER = make_resident_id("420106", date(1987, 3, 14), 101)  # ends in X
OTHER = make_resident_id("110105", date(1962, 8, 27), 451)
LEGACY = "420106870314123"  # the old 15-digit form: no check character, two-digit year

assert NUMBER.endswith("X"), NUMBER


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def groups(number: str, separator: str) -> str:
    """Region, birth date and sequence apart, as on the card: 420106 19870314 101X."""
    return separator.join([number[:6], number[6:14], number[14:]])


def between_each(number: str, separator: str) -> str:
    return separator.join(number)


@dataclass(frozen=True)
class TypedForm:
    label: str
    raw: str
    number: str

    @property
    def mask(self) -> str:
        return mask_id(self.number)

    def written_masked(self, write: Callable[[str], str]) -> str:
        """What masking leaves of the written form: separators around the number stay."""
        body = self.raw.strip("".join(c for c in self.raw if not normalize_id(c)))
        before, _body, after = self.raw.partition(body)
        return write(before) + self.mask + write(after)

    @property
    def hidden(self) -> str:
        """What the mask hides: the birth date and, for a 15-digit number, part of it."""
        return self.number[6:-4]


TYPED_FORMS = [
    TypedForm("plain", NUMBER, NUMBER),
    TypedForm("plain, all digits", OTHER, OTHER),
    TypedForm("old 15-digit form", LEGACY, LEGACY),
    TypedForm("lower-case x", NUMBER.lower(), NUMBER),
    TypedForm("full-width", full_width(NUMBER), NUMBER),
    TypedForm("full-width, lower-case x", full_width(NUMBER.lower()), NUMBER),
    TypedForm("full-width, all digits", full_width(OTHER), OTHER),
    TypedForm("spaces around and between", f" {groups(NUMBER, ' ')} ", NUMBER),
    TypedForm("dashes", groups(NUMBER, "-"), NUMBER),
    TypedForm("double dashes", groups(NUMBER, "--"), NUMBER),
    TypedForm("spaced dashes", groups(OTHER, " - "), OTHER),
    TypedForm("dots", groups(NUMBER, "."), NUMBER),
    TypedForm("underscores", groups(NUMBER, "_"), NUMBER),
    TypedForm("slashes", groups(NUMBER, "/"), NUMBER),
    TypedForm(
        "dot, underscore and slash", f"{NUMBER[:6]}.{NUMBER[6:14]}_{NUMBER[14:17]}/X", NUMBER
    ),
    TypedForm("ideographic space U+3000", groups(NUMBER, "\u3000"), NUMBER),
    TypedForm("no-break space", groups(OTHER, "\u00a0"), OTHER),
    TypedForm("tab", groups(OTHER, "\t"), OTHER),
    TypedForm("middle dot", groups(NUMBER, "·"), NUMBER),
    TypedForm("katakana middle dot U+30FB", groups(NUMBER, "\u30fb"), NUMBER),
    TypedForm("half-width katakana middle dot U+FF65", groups(NUMBER, "\uff65"), NUMBER),
    TypedForm("em dash", groups(NUMBER, "\u2014"), NUMBER),
    TypedForm("en dash", groups(OTHER, "\u2013"), OTHER),
    TypedForm("minus sign", groups(OTHER, "\u2212"), OTHER),
    TypedForm("hyphen U+2010", groups(OTHER, "\u2010"), OTHER),
    TypedForm("full-width dash, dot, slash, low line", full_width(groups(NUMBER, "-./_")), NUMBER),
    TypedForm("full-width with ideographic spaces", full_width(groups(NUMBER, "\u3000")), NUMBER),
    TypedForm("zero-width characters", f"\ufeff{groups(NUMBER, chr(0x200B))}\u2060", NUMBER),
    TypedForm("a separator between every character", between_each(NUMBER, "-"), NUMBER),
    TypedForm("mixed separators between every character", between_each(OTHER, " ·"), OTHER),
    TypedForm("mathematical bold digits", "".join(chr(0x1D7CE + int(c)) for c in OTHER), OTHER),
    TypedForm("superscript and circled digits", "¹¹⓪¹⓪⑤" + OTHER[6:], OTHER),
]


def _latin1(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _http_server(text: str) -> str:
    # Python's http.server (wsgiref) writes a request line read as Latin-1, controls escaped.
    escaped = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
    return _latin1(text).translate(escaped | {ord("\\"): "\\\\"})


def _percent_lower(text: str) -> str:
    head, *escapes = quote(text, safe="").split("%")
    return "%".join([head, *(escape[:2].lower() + escape[2:] for escape in escapes)])


# How a program writes what was typed: into a URL, a request line, a repr or a JSON document.
WRITTEN: dict[str, Callable[[str], str]] = {
    "as typed": lambda text: text,
    "percent-encoded": lambda text: quote(text, safe=""),
    "percent-encoded, lower-case hex": _percent_lower,
    "percent-encoded, + for spaces": lambda text: quote_plus(text, safe=""),
    "UTF-8 read as Latin-1 (development server)": _latin1,
    "UTF-8 read as Latin-1, controls escaped (http.server)": _http_server,
    "repr": lambda text: repr(text)[1:-1],
    "ascii": lambda text: ascii(text)[1:-1],
    "JSON": lambda text: json.dumps(text)[1:-1],
}

# Where the number sits in a text: `{}` is the written number.
PLACES = {
    "alone": "{}",
    "in a message": "no subject for {}, retrying",
    "in a query string": '"GET /search/?q={}&page=2 HTTP/1.1" 200 5120',
    "glued to Chinese": "张三{}李四",
    "glued to a parameter": "id={}&name=x",
    "glued to Latin letters": "abc{}def",
}
