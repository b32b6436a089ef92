"""Receipts of checks: every answer of `checks/` carries one, signed with the portal's Ed25519
key, so that a platform can later show anyone holding the published public key what it asked,
when, for what purpose, against which version of the list, and what the portal answered.

A receipt is a JSON object (README, "Receipts"):

    version, check_id, checked_at, as_of, last_seq, purpose, subjects (how many),
    subjects_sha256, results_sha256, key_id, signature

`signature` is Ed25519 over the canonical JSON (`blacklist.lib.signing`) of the receipt without
it. The hashes are SHA-256 hex of the canonical JSON of the `subjects` array as the request
sent it and of the `results` array as answered: the platform recomputes both from its own
request and the answer, and no ID number is written into the receipt.

One signature per answer, however many subjects (a tenth of a millisecond); what grows with
the answer is hashing it, a few milliseconds for 1,000 results.
"""

import datetime
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from rest_framework.settings import api_settings

from blacklist.lib import signing

RECEIPT_VERSION = 1
ALGORITHM = "Ed25519"
FIELDS = (
    "version",
    "check_id",
    "checked_at",
    "as_of",
    "last_seq",
    "purpose",
    "subjects",
    "subjects_sha256",
    "results_sha256",
    "key_id",
    "signature",
)
# What the query log keeps of a receipt: not the subjects' hash, an unkeyed hash of ID
# numbers that a guess of a few subjects could confirm (the log keeps keyed hashes only).
STORED_FIELDS = tuple(name for name in FIELDS if name not in ("subjects_sha256", "signature"))


class KeyStatus:
    CURRENT = "current"  # signs new receipts
    RETIRED = "retired"  # signs nothing more; receipts it signed still verify


KEY_STATUSES = (KeyStatus.CURRENT, KeyStatus.RETIRED)


@dataclass(frozen=True)
class PublishedKey:
    key_id: str
    status: str
    key: Ed25519PublicKey


class ReceiptInvalid(Exception):
    """Why a receipt does not verify: a stable `code` and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def receipt_issue(
    *,
    purpose: str,
    as_of: datetime.date | None,
    last_seq: int,
    checked_at: datetime.datetime,
    subjects: Sequence[Any],
    results: Sequence[Any],
) -> dict[str, Any]:
    """The signed receipt of one check answer, under a new check id."""
    key = _private_key(settings.RECEIPT_SIGNING_KEY)
    receipt = {
        "version": RECEIPT_VERSION,
        "check_id": str(uuid.uuid4()),
        "checked_at": checked_at.isoformat(),
        "as_of": as_of.isoformat() if as_of else None,
        "last_seq": last_seq,
        "purpose": purpose,
        "subjects": len(subjects),
        "subjects_sha256": _sha256_hex(list(subjects)),
        "results_sha256": _sha256_hex(list(results)),
        "key_id": signing.key_id(key.public_key()),
    }
    return receipt | {"signature": signing.sign(receipt, key)}


def receipt_stored(receipt: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a receipt the query log keeps, for officials to look a check up by id."""
    return {name: receipt[name] for name in STORED_FIELDS}


def published_keys() -> list[PublishedKey]:
    """The key that signs receipts now, then the retired ones still honoured."""
    current = _private_key(settings.RECEIPT_SIGNING_KEY).public_key()
    keys = [PublishedKey(signing.key_id(current), KeyStatus.CURRENT, current)]
    for text in settings.RECEIPT_RETIRED_PUBLIC_KEYS:
        public = _public_key(text)
        if all(known.key_id != signing.key_id(public) for known in keys):
            keys.append(PublishedKey(signing.key_id(public), KeyStatus.RETIRED, public))
    return keys


def key_documents(keys: Sequence[PublishedKey]) -> list[dict[str, str]]:
    """The keys as `/api/v1/keys/` publishes them."""
    return [
        {
            "key_id": published.key_id,
            "status": published.status,
            "algorithm": ALGORITHM,
            "public_key": signing.public_key_text(published.key),
            "public_key_pem": signing.public_key_pem(published.key),
        }
        for published in keys
    ]


def receipt_verify(
    receipt: object,
    *,
    keys: Sequence[PublishedKey],
    answer: Mapping[str, Any] | None = None,
    subjects: Sequence[Any] | None = None,
) -> PublishedKey:
    """Check a receipt's signature against `keys`, and, when given, that the answer it came
    with and the subjects sent are the ones it names. Returns the key that signed it;
    ReceiptInvalid says why not."""
    if not isinstance(receipt, dict):
        raise ReceiptInvalid("malformed", "A receipt is a JSON object.")
    missing = [name for name in FIELDS if name not in receipt]
    if missing:
        raise ReceiptInvalid("malformed", f"The receipt lacks {', '.join(missing)}.")
    named, signature = receipt["key_id"], receipt["signature"]
    if not isinstance(named, str) or not isinstance(signature, str):
        raise ReceiptInvalid("malformed", "key_id and signature must be text.")
    key = next((published for published in keys if published.key_id == named), None)
    if key is None:
        known = ", ".join(published.key_id for published in keys)
        raise ReceiptInvalid(
            "unknown_key", f"Key {named!r} is not among the published keys ({known})."
        )
    signed = {name: value for name, value in receipt.items() if name != "signature"}
    if not signing.verify(signed, signature, key.key):
        raise ReceiptInvalid(
            "bad_signature",
            f"The signature does not verify with key {named}: the receipt was changed after "
            "it was signed, or this key did not sign it.",
        )
    if answer is not None:
        _check_answer(receipt, answer)
    if subjects is not None:
        _check_hash(receipt, "subjects_sha256", list(subjects), "subjects sent")
    return key


def _check_answer(receipt: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
    """The answer around a receipt must be the one it was issued for."""
    for name in ("checked_at", "as_of", "purpose"):
        if name in answer and answer[name] != receipt[name]:
            raise ReceiptInvalid(
                "answer_differs",
                f"The answer's {name} ({answer[name]!r}) is not the receipt's ({receipt[name]!r}).",
            )
    if "results" in answer:
        if not isinstance(answer["results"], list):
            raise ReceiptInvalid("answer_differs", "The answer's results are not a list.")
        _check_hash(receipt, "results_sha256", answer["results"], "answer's results")


def _check_hash(receipt: Mapping[str, Any], field: str, value: list[Any], what: str) -> None:
    try:
        digest = signing.sha256_hex(value)
    except ValueError:  # NaN or infinity: never in an answer
        digest = ""
    if digest != receipt[field]:
        raise ReceiptInvalid(
            "hash_differs",
            f"The {what} have SHA-256 {digest or 'of nothing valid'}, the receipt's "
            f"{field} is {receipt[field]}: they were changed, or belong to another check.",
        )


def _sha256_hex(value: list[Any]) -> str:
    """The hash of a value as the caller reads it: written as the API writes its answers
    (dates, lazy translations and the like become JSON), in canonical form."""
    renderer = api_settings.DEFAULT_RENDERER_CLASSES[0]
    written = signing.canonical_json_fast(value, default=renderer.default, options=renderer.options)
    return hashlib.sha256(written).hexdigest()


# The settings hold keys as text: each is parsed once.
@lru_cache(maxsize=4)
def _private_key(text: str) -> Ed25519PrivateKey:
    return signing.load_private_key(text)


@lru_cache(maxsize=32)
def _public_key(text: str) -> Ed25519PublicKey:
    return signing.load_public_key(text)
