"""Names of listed persons and organisations: folded for search (either script, any spacing),
masked for the public, and hashed for audit logs.

Pure module: no Django settings, models or database.
"""

import hmac
import re
import unicodedata
from functools import cache, lru_cache
from importlib import resources

from blacklist.registry.identity import SubjectKind, until_stable

__all__ = ["NAME_MASK_STYLES", "fold_name", "mask_name", "name_hmac"]

NAME_MASK_STYLES: tuple[str, ...] = ("keep_ends", "surname_only", "none")
# Name separators: middle dots of minority and foreign names, bullets, dots, hyphens.
_NAME_SEPARATORS = frozenset(
    "·•・.-_\u00b7\u30fb\u2027\uff65\u2022\u2219\u22c5\u200b\u200c\u200d\u2060\ufeff"
)


@cache
def _trad_to_simp() -> dict[int, str]:
    """Per-character traditional -> simplified table from OpenCC's TSCharacters.txt."""
    path = resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    mapping: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _sep, targets = line.partition("\t")
        candidates = targets.split()
        if len(source) == 1 and candidates:
            mapping[source] = candidates[0]
    # Resolve chains (a -> b, b -> c) so folding is idempotent.
    resolved: dict[str, str] = {}
    for source, target in mapping.items():
        seen = {source}
        while target in mapping and target not in seen:
            seen.add(target)
            target = mapping[target]
        if target != source:
            resolved[source] = target
    return str.maketrans(resolved)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_trad_to_simp()).casefold()
    # control characters (a NUL, say) are no part of a name, and no database text takes NUL
    text = "".join(
        c
        for c in text
        if not c.isspace() and c not in _NAME_SEPARATORS and unicodedata.category(c) != "Cc"
    )
    return unicodedata.normalize("NFKC", text)


_PLAIN_HAN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=8192)  # a scored check folds its query once for each candidate it compares
def fold_name(name: str) -> str:
    """Search key for a name: 張三, 张三 and '张 三' fold alike; one character at a time."""
    if _PLAIN_HAN.fullmatch(name):
        # Most names: unified ideographs only, which NFKC and case folding leave alone.
        return name.translate(_trad_to_simp())
    return until_stable(_fold_once, name)


def mask_name(name: str, *, kind: SubjectKind, style: str = "keep_ends") -> str:
    """Public form of a name: persons masked per programme style, organisations unchanged."""
    if style not in NAME_MASK_STYLES:
        raise ValueError(f"unknown name mask style: {style!r}")
    if kind == SubjectKind.ORGANISATION or style == "none":
        return name
    text = unicodedata.normalize("NFKC", name).strip()
    n = len(text)
    if n == 0:
        return ""
    if n == 1:
        return "*"
    if style == "surname_only" or n == 2:
        return text[0] + "*" * (n - 1)
    return text[0] + "*" * (n - 2) + text[-1]


def name_hmac(name: str, *, key: bytes) -> str:
    """Keyed hash of a folded name, for audit logs that must not hold the name itself."""
    if not key:
        raise ValueError("lookup key must not be empty")
    return hmac.digest(key, b"name:" + fold_name(name).encode("utf-8"), "sha256").hex()
