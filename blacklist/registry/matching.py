"""Scored name matching for checks: normalised names, candidate keys and explained scores.

Exact screening matches an ID number, or a full name folded character for character. Scored
matching finds the listed names a customer record may mean although it is written otherwise:
in pinyin (any case, order, spacing or tone marks), with a homophone for a character, one
character apart, under a former name or an alias, or an organisation with another legal form.

Two steps, as in the sanctions screening systems platforms already use:

1. Candidate keys. Every name of a subject gives a few keys (`subject_keys`), stored as
   64-bit keyed hashes; a query gives its own keys (`query_keys`), and subjects sharing one
   are the candidates. Keys are chosen so that candidates stay few: the toneless pinyin of a
   person's name (which exact names, homophones and romanised input share), the name with one
   character left out *together with the birth date* (a name alone one character apart
   from thousands of people tells nothing), and an organisation's name without its legal form.
2. Scores. `score_candidate` compares the query with each name of a candidate and with its
   birth date, gender and region, feature by feature; each feature says what agreed, what did
   not, and what it added to the score (0–1).

Pure module: no Django settings, models or database. The key secret is passed in.
"""

from __future__ import annotations

import datetime
import hashlib
import heapq
import importlib.util
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz.distance import Indel

from blacklist.registry.naming import fold_name

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_THRESHOLD",
    "KEY_NEIGHBOUR",
    "KEY_ORGANISATION",
    "KEY_PINYIN",
    "Listed",
    "Query",
    "Scored",
    "alias_names",
    "decode_keys",
    "encode_keys",
    "org_core",
    "query_keys",
    "score_candidate",
    "subject_keys",
]

# Chosen on the labelled evaluation set (tests/registry/matching_eval.csv): see the README.
DEFAULT_THRESHOLD = 0.7
DEFAULT_LIMIT = 5  # as yente's /match

# What the `name` feature's method and the `name_script` feature may be.
NAME_METHODS = (
    "exact", "same_pinyin", "one_character", "romanised", "reordered", "legal_form",
    "place_name", "similar", "different",
)  # fmt: skip
NAME_SCRIPTS = ("same", "traditional", "romanised")

KEY_PINYIN = 1  # toneless pinyin of a name, in order (persons; Latin names: their letters)
KEY_NEIGHBOUR = 2  # a person's name with one character left out, with the birth date
KEY_ORGANISATION = 3  # an organisation's name without legal form, place name first

# Several aliases in one field of a prepared listing: never inside a name (cells split on it)
ALIAS_JOINER = "\u3001"
# Several names in one import cell: 张三、张叁; 张三;张叁; 张三,张叁
ALIAS_SEPARATORS = re.compile(r"[、;；,，/|\n]+")
_MAX_PINYIN_VARIANTS = 4  # stored per name (readings of the surname and of heteronyms)
_MAX_QUERY_VARIANTS = 16
_MAX_WORDS_PERMUTED = 4

# Name scores (before birth date, gender and region) — see the README's table.
SCORE_EXACT = 1.0
SCORE_SAME_PINYIN = 0.9  # one homophone; each further one costs HOMOPHONE_STEP
HOMOPHONE_STEP = 0.05
SCORE_ROMANISED = 0.9
SCORE_REORDERED = 0.85
SCORE_ONE_CHARACTER = 0.8
SCORE_LEGAL_FORM = 0.95  # an organisation's name equal but for its legal form or a bracket
SCORE_FUZZY_CAP = 0.85  # a name compared letter by letter can only come close
# What the other features add or take away.
BIRTH_DATE_AGREES = 0.1
BIRTH_DATE_DIFFERS = -0.4
GENDER_DIFFERS = -0.35
REGION_AGREES = 0.05
REGION_DIFFERS = -0.1


# --- normalisation -----------------------------------------------------------------------------


_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U000323af]+")


def is_han_name(folded: str) -> bool:
    return _HAN.fullmatch(folded) is not None


def _strip_tones(syllable: str) -> str:
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", syllable) if not unicodedata.combining(c)
    )
    return plain.replace("v", "u")  # lü written lv, lu or lü: one spelling


@cache
def _pinyin_table() -> dict[int, str]:
    """pypinyin's table of characters' readings (code point -> "zhāng,cháng"), read from its
    data file: importing the package would load its phrase tables too, some 50 MB a process."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pypinyin is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    return {int(code): raw for code, raw in json.loads(path.read_text("utf-8")).items()}


@cache
def readings(char: str) -> tuple[str, ...]:
    """The toneless pinyin readings of a character, the most common first; () if none."""
    raw = _pinyin_table().get(ord(char))
    if not raw:
        return ()
    return tuple(dict.fromkeys(_strip_tones(r) for r in raw.split(",")))


def latin_words(name: str) -> list[str]:
    """Letters of a romanised name, word by word: case, tone marks, tone digits, hyphens and
    apostrophes dropped (`ZHANG San`, `Zhāng Sān`, `zhang1 san1` → ['zhang', 'san'])."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "").replace("v", "u")
    return re.findall(r"[a-z]+", text)


def is_latin_name(name: str) -> bool:
    letters = [c for c in unicodedata.normalize("NFKD", name) if c.isalpha()]
    return bool(letters) and all(c.isascii() for c in letters)


@cache
def _syllables() -> frozenset[str]:
    return frozenset(_strip_tones(r) for raw in _pinyin_table().values() for r in raw.split(","))


def split_syllables(letters: str) -> list[str] | None:
    """A run of pinyin without spaces cut into syllables (longest first), or None."""
    known = _syllables()
    memo: dict[int, list[str] | None] = {len(letters): []}

    def cut(start: int) -> list[str] | None:
        if start in memo:
            return memo[start]
        found = None
        for end in range(min(len(letters), start + 6), start, -1):
            if letters[start:end] in known and (rest := cut(end)) is not None:
                found = [letters[start:end], *rest]
                break
        memo[start] = found
        return found

    return cut(0) if letters else None


# Legal forms, longest first: 武汉某某科技有限责任公司 and 武汉某某科技有限公司 are one company.
_LEGAL_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "分公司", "总公司", "合伙企业",
    "个人独资企业", "公司", "coltd", "company", "limited", "ltd", "co", "inc", "llc", "corp",
)  # fmt: skip
_BRACKETS = re.compile(r"[(\[（【]([^()\[\]（）【】]{1,12})[)\]）】]")
_PLACE_ENDINGS = ("省", "市", "区", "县", "州", "盟", "旗")


# Small: every check asks it of each name, and each full garbage collection walks every entry.
@lru_cache(maxsize=4096)
def org_core(name: str) -> tuple[str, str, str]:
    """An organisation's name as (core, legal form, place in brackets): brackets of a place
    name moved to the front (某某科技(武汉)有限公司 → 武汉某某科技), the legal form cut off,
    Latin letters without punctuation (Co., Ltd.)."""
    text = unicodedata.normalize("NFKC", name)
    place = ""
    match = _BRACKETS.search(text)
    if match and (inner := fold_name(match.group(1))) and _looks_like_place(inner, text):
        place = inner
        text = text[: match.start()] + text[match.end() :]
    folded = "".join(c for c in fold_name(text) if c.isalnum())
    # 武汉市某某 and 武汉某某, (武汉市) and (武汉): the city's 市 or the province's 省 dropped
    place = place[:-1] if place.endswith(("市", "省")) and len(place) > 2 else place
    for at in (2, 3):
        if len(folded) > at + 2 and folded[at] in "市省" and is_han_name(folded[:at]):
            folded = folded[:at] + folded[at + 1 :]
            break
    if place and not folded.startswith(place):
        folded = place + folded
    form = ""
    for suffix in _LEGAL_FORMS:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            form = suffix
            folded = folded[: -len(suffix)]
            break
    return folded, form, place


def _looks_like_place(inner: str, whole: str) -> bool:
    # Brackets that hold a place (湖北, 武汉市, 中国): 2–6 Han characters, not a note such as 虚构
    return 2 <= len(inner) <= 6 and is_han_name(inner) and (
        inner.endswith(_PLACE_ENDINGS) or len(inner) <= 3
    ) and inner not in ("虚构", "普通合伙", "有限合伙")  # fmt: skip


def looks_like_organisation(name: str) -> bool:
    return bool(org_core(name)[1]) or len(fold_name(name)) > 6


def alias_names(cell: str) -> list[str]:
    """The names in an import cell of former names or aliases, each once, in order."""
    names = (" ".join(part.split()) for part in ALIAS_SEPARATORS.split(cell or ""))
    return list(dict.fromkeys(name for name in names if name))


# --- keys --------------------------------------------------------------------------------------


def key_hash(kind: int, text: str, *, secret: bytes) -> int:
    """A key as stored: 64 bits of a keyed BLAKE2b, signed (what both databases' bigint holds)."""
    hasher = _keyed(secret).copy()  # a copy of the keyed state: cheaper than keying again
    hasher.update(f"{kind}:{text}".encode())
    return int.from_bytes(hasher.digest(), "big", signed=True)


@lru_cache(maxsize=4)
def _keyed(secret: bytes) -> hashlib.blake2b:
    return hashlib.blake2b(key=secret[:64], digest_size=8, person=b"matchkey")


def pinyin_strings(folded: str, *, limit: int = _MAX_PINYIN_VARIANTS) -> list[str]:
    """Toneless pinyin of a folded name, without spaces: every reading of the surname
    (单 dan/shan/chan, 曾 zeng/ceng, 区 qu/ou) and of other characters with several
    (at most `limit` spellings in all, the most common readings first). Latin names: their
    letters. Empty for names that are neither."""
    if is_han_name(folded):
        options = [readings(c) or (c,) for c in folded]
        options = [options[0], *(o[:2] for o in options[1:])]
        return ["".join(p) for p in itertools.islice(itertools.product(*options), limit)]
    if is_latin_name(folded):
        return ["".join(latin_words(folded))]
    return []


def neighbours(folded: str) -> list[str]:
    """A person's name with each character in turn left out (张?丰, ?三丰, 张三?)."""
    if not (2 <= len(folded) <= 6 and is_han_name(folded)):
        return []
    return [folded[:i] + "?" + folded[i + 1 :] for i in range(len(folded))]


def _person_name_keys(folded: str, *, secret: bytes) -> list[int]:
    return [key_hash(KEY_PINYIN, p, secret=secret) for p in pinyin_strings(folded)]


@lru_cache(maxsize=65536)
def _name_keys_cached(folded: str, kind: str, secret: bytes) -> tuple[tuple[int, int], ...]:
    if kind == "organisation":
        core = org_core(folded)[0]
        return (
            ((KEY_ORGANISATION, key_hash(KEY_ORGANISATION, core, secret=secret)),) if core else ()
        )
    return tuple(
        (KEY_PINYIN, key_hash(KEY_PINYIN, p, secret=secret)) for p in pinyin_strings(folded)
    )


def subject_keys(
    names: Iterable[str],
    *,
    kind: str,
    birth_date: datetime.date | None,
    secret: bytes,
) -> list[tuple[int, int]]:
    """The candidate keys of a subject's names (its name, former names or aliases), each once,
    as (kind of key, key).

    Persons: the pinyin of each name; with a birth date, each name with one character left out
    and the date. Organisations: each name without legal form.
    """
    keys: dict[tuple[int, int], None] = {}
    for name in names:
        folded = fold_name(name)
        if not folded:
            continue
        keys.update(dict.fromkeys(_name_keys_cached(folded, kind, secret)))
        if kind != "organisation" and birth_date is not None:
            day = birth_date.isoformat()
            keys.update(
                ((KEY_NEIGHBOUR, key_hash(KEY_NEIGHBOUR, f"{pattern}|{day}", secret=secret)), None)
                for pattern in neighbours(folded)
            )
    return list(keys)


def encode_keys(pairs: Iterable[tuple[int, int]]) -> str:
    """Keys as one short text (`1:-4411 2:93`): how a prepared listing carries them."""
    return " ".join(f"{kind}:{key}" for kind, key in pairs)


def decode_keys(text: str) -> list[tuple[int, int]]:
    return [(int(k), int(v)) for k, _sep, v in (part.partition(":") for part in text.split())]


def query_pinyin_strings(name: str) -> list[str]:
    """The pinyin spellings a query may stand for: Han names as stored (more readings);
    romanised names in their own order and reordered (San Zhang, Sanfeng Zhang, sanzhang)."""
    folded = fold_name(name)
    if is_han_name(folded):
        return pinyin_strings(folded, limit=_MAX_QUERY_VARIANTS)
    if not is_latin_name(name):
        return []
    words = latin_words(name)
    if not words:
        return []
    spellings = dict.fromkeys(["".join(words)])
    if len(words) <= _MAX_WORDS_PERMUTED:
        spellings.update(dict.fromkeys("".join(p) for p in itertools.permutations(words)))
    if len(words) == 1 and (syllables := split_syllables(words[0])):
        # one run of letters: the surname may come last (sanzhang, sanfengzhang)
        for cut in range(1, len(syllables)):
            spellings["".join(syllables[cut:] + syllables[:cut])] = None
    return list(spellings)


def query_keys(name: str, *, birth_date: datetime.date | None, secret: bytes) -> list[int]:
    """The keys a query looks up: every reading it may stand for, as a person and as an
    organisation (a check does not say which it is)."""
    keys = dict.fromkeys(key_hash(KEY_PINYIN, p, secret=secret) for p in query_pinyin_strings(name))
    folded = fold_name(name)
    if birth_date is not None:
        day = birth_date.isoformat()
        keys.update(
            (key_hash(KEY_NEIGHBOUR, f"{pattern}|{day}", secret=secret), None)
            for pattern in neighbours(folded)
        )
    if looks_like_organisation(name) and (core := org_core(name)[0]):
        keys[key_hash(KEY_ORGANISATION, core, secret=secret)] = None
    return list(keys)


# --- scores ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """What a check gives about one subject besides an ID number."""

    name: str
    birth_date: datetime.date | None = None
    gender: str = ""  # "M", "F" or ""
    region: str = ""  # a region code (2, 4 or 6 digits) or a region's name


@dataclass(frozen=True, slots=True)
class Listed:
    """A candidate as the registry holds it."""

    kind: str  # "person" or "organisation"
    name: str
    other_names: tuple[tuple[str, str], ...] = ()  # (name, "former_name" or "alias")
    birth_date: datetime.date | None = None
    gender: str = ""
    region_code: str = ""
    region_name: str = ""


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a comparison: how it came out, what it added to the score, and what
    agreed and what did not."""

    result: str  # "match", "partial", "mismatch" or "unknown" (not given on one side)
    effect: float  # what it added to (or took from) the score
    method: str = ""  # how it was compared (for `name`: exact, same_pinyin, romanised ...)
    agreed: tuple[str, ...] = ()
    differed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "result": self.result,
            "effect": round(self.effect, 3),
            "method": self.method or None,
            "agreed": list(self.agreed),
            "differed": list(self.differed),
        }


UNKNOWN = Feature("unknown", 0.0)


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate's score and what it is made of; the explanation is built only for the
    candidates returned (a check scores thousands)."""

    score: float
    name: Feature
    matched_name: str  # the listed name compared: the current one, a former name or an alias
    name_source: str  # name, former_name or alias
    script: str  # how the query was written: same, traditional, romanised
    birth_date: Feature = UNKNOWN
    gender: Feature = UNKNOWN
    region: Feature = UNKNOWN

    @property
    def features(self) -> dict[str, Feature]:
        script_result = "match" if self.script == "same" else "partial"
        return {
            "name": self.name,
            "name_script": Feature(
                script_result if self.name.effect else "unknown", 0.0, self.script
            ),
            "birth_date": self.birth_date,
            "gender": self.gender,
            "region": self.region,
        }

    def explanation(self) -> dict[str, dict[str, object]]:
        explained = {name: feature.as_dict() for name, feature in self.features.items()}
        explained["name"] |= {"matched_name": self.matched_name, "name_source": self.name_source}
        return explained


def score_candidate(query: Query, listed: Listed) -> Scored:
    """The score (0–1) of a listed subject for a query, and the explanation of each feature:
    `name`, `name_script`, `birth_date`, `gender`, `region`."""
    name, script = compare_names(query.name, listed.name, kind=listed.kind)
    matched, source = listed.name, "name"
    for other, other_source in listed.other_names:  # the first of equals: the current name
        feature, other_script = compare_names(query.name, other, kind=listed.kind)
        if feature.effect > name.effect:
            name, script, matched, source = feature, other_script, other, other_source
    birth_date = _birth_date(query.birth_date, listed.birth_date)
    gender = _gender(query.gender, listed.gender)
    region = _region(query.region, listed.region_code, listed.region_name)
    # nothing else makes a match of a name that does not match
    total = (
        name.effect + birth_date.effect + gender.effect + region.effect if name.effect > 0 else 0
    )
    return Scored(
        round(min(max(total, 0.0), 1.0), 3), name, matched, source, script,
        birth_date, gender, region,
    )  # fmt: skip


def compare_names(query: str, listed: str, *, kind: str) -> tuple[Feature, str]:
    """The `name` feature and the script the query was written in relative to the listed
    name: same, traditional (folded to simplified), romanised."""
    q, t = fold_name(query), fold_name(listed)
    script = _script(query, listed, q, t)
    if q == t:
        return Feature("match", SCORE_EXACT, "exact", agreed=(t,)), script
    if kind == "organisation":
        return _compare_organisations(query, listed), script
    if is_han_name(q) and is_han_name(t):
        return _compare_han(q, t), script
    if is_han_name(t) and is_latin_name(query):
        return _compare_romanised(query, t), "romanised"
    if is_han_name(q) and is_latin_name(listed):
        return _compare_romanised(listed, q), "romanised"
    if is_latin_name(query) and is_latin_name(listed):
        return _compare_latin(query, listed), script
    return _fuzzy(q, t), script


def _script(query: str, listed: str, q: str, t: str) -> str:
    if is_latin_name(query) and is_han_name(t):
        return "romanised"
    stripped = "".join(unicodedata.normalize("NFKC", query).split())
    if stripped != q and stripped.casefold() != q:
        return "traditional"  # folding changed characters: another script or variant forms
    return "same"


def _compare_han(q: str, t: str) -> Feature:
    if len(q) != len(t):
        return _fuzzy(q, t)
    agreed, homophones, differed = [], [], []
    for a, b in zip(q, t, strict=True):
        if a == b:
            agreed.append(a)
        elif set(readings(a)) & set(readings(b)):
            homophones.append(f"{a}~{b}")
        else:
            differed.append(f"{a}≠{b}")
    if not differed:
        score = SCORE_SAME_PINYIN - HOMOPHONE_STEP * (len(homophones) - 1)
        return Feature("partial", score, "same_pinyin", (*agreed, *homophones))
    if len(differed) == 1 and len(q) >= 2:
        score = SCORE_ONE_CHARACTER - HOMOPHONE_STEP * len(homophones)
        return Feature("partial", score, "one_character", (*agreed, *homophones), tuple(differed))
    return Feature("mismatch", 0.0, "different", (*agreed, *homophones), tuple(differed))


def _compare_romanised(latin: str, han: str) -> Feature:
    spellings = query_pinyin_strings(latin)
    own = "".join(latin_words(latin))
    candidates = pinyin_strings(han, limit=_MAX_QUERY_VARIANTS)
    for spelling in candidates:
        if spelling == own:
            return Feature("partial", SCORE_ROMANISED, "romanised", (han, spelling))
    for spelling in candidates:
        if spelling in spellings:
            return Feature("partial", SCORE_REORDERED, "reordered", (han, spelling))
    return Feature("mismatch", 0.0, "different", (), (f"{own}≠{candidates[0]}",))


def _compare_latin(query: str, listed: str) -> Feature:
    a, b = latin_words(query), latin_words(listed)
    if "".join(a) == "".join(b):
        return Feature("match", SCORE_EXACT, "exact", ("".join(a),))
    if sorted(a) == sorted(b) and a:
        return Feature("partial", SCORE_REORDERED, "reordered", tuple(a))
    return _fuzzy("".join(sorted(a)), "".join(sorted(b)))


def _compare_organisations(query: str, listed: str) -> Feature:
    (core_q, form_q, place_q), (core_t, form_t, place_t) = org_core(query), org_core(listed)
    if core_q and core_q == core_t:
        method = "legal_form" if form_q != form_t else "place_name"
        differed = [f"{form_q or '-'}≠{form_t or '-'}"] if form_q != form_t else []
        if place_q != place_t:
            differed.append(f"({place_q or '-'})≠({place_t or '-'})")
        return Feature("partial", SCORE_LEGAL_FORM, method, (core_t,), tuple(differed))
    return _fuzzy(core_q or fold_name(query), core_t or fold_name(listed))


def _fuzzy(q: str, t: str) -> Feature:
    """Letter by letter: close only when nearly every letter agrees."""
    similarity = Indel.normalized_similarity(q, t)
    if similarity >= 0.9:
        return Feature("partial", SCORE_FUZZY_CAP * similarity, "similar", (t,), (q,))
    return Feature("mismatch", 0.0, "different", (), (f"{q}≠{t}",))


def _birth_date(given: datetime.date | None, listed: datetime.date | None) -> Feature:
    if given is None or listed is None:
        return UNKNOWN
    if given == listed:
        return Feature("match", BIRTH_DATE_AGREES, "exact", (given.isoformat(),))
    agreed: list[str] = []
    differed: list[str] = []
    for part, a, b in (("year", given.year, listed.year), ("month", given.month, listed.month),
                       ("day", given.day, listed.day)):  # fmt: skip
        (agreed if a == b else differed).append(part)
    if _typed_otherwise(given, listed):
        return Feature("partial", 0.0, "transposed", tuple(agreed), tuple(differed))
    return Feature("mismatch", BIRTH_DATE_DIFFERS, "exact", tuple(agreed), tuple(differed))


def _typed_otherwise(a: datetime.date, b: datetime.date) -> bool:
    """The same date typed with two digits swapped (1990-12-21 for 1990-12-12) or month and
    day swapped (1990-03-04 for 1990-04-03): the kind of slip a record holds."""
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    apart = [i for i in range(8) if x[i] != y[i]]
    if len(apart) == 2 and apart[1] == apart[0] + 1:
        i = apart[0]
        return x[i] == y[i + 1] and x[i + 1] == y[i]
    return a.year == b.year and (a.month, a.day) == (b.day, b.month)


def _gender(given: str, listed: str) -> Feature:
    if not given or not listed:
        return UNKNOWN
    if given == listed:
        return Feature("match", 0.0, "exact", (given,))
    return Feature("mismatch", GENDER_DIFFERS, "exact", (), (f"{given}≠{listed}",))


def _region(given: str, code: str, name: str) -> Feature:
    given = given.strip()
    if not given or not (code or name):
        return UNKNOWN
    if given.isdigit() and len(given) in (2, 4, 6):
        if code.startswith(given):
            return Feature("match", REGION_AGREES, "code", (given,))
        common = next((n for n in (4, 2) if n <= len(given) and code[:n] == given[:n]), 0)
        if common:
            return Feature("partial", 0.0, "code", (given[:common],), (given[common:],))
        return Feature("mismatch", REGION_DIFFERS, "code", (), (given,))
    folded = fold_name(given)
    if folded and folded in fold_name(name):
        return Feature("match", REGION_AGREES, "name", (folded,))
    return Feature("mismatch", REGION_DIFFERS, "name", (), (folded,))


def best_candidates(
    scored: Iterable[tuple[int, Scored]], *, threshold: float, limit: int
) -> list[tuple[int, Scored]]:
    """Candidates at or above the threshold, best first (ties by subject id), at most `limit`."""
    kept = ((subject_id, s) for subject_id, s in scored if s.score >= threshold)
    return heapq.nsmallest(limit, kept, key=lambda pair: (-pair[1].score, pair[0]))
