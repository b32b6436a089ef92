"""Ed25519 signatures over canonical JSON, and the keys that make them.

Canonical JSON is what Python's `json` module writes with sorted keys, no spaces and the text
left as it is (not escaped to ASCII), encoded as UTF-8: any program that parsed a document can
write the same bytes again and check a hash or a signature over them.

Keys are written as url-safe base64 of their 32 raw bytes (the form FIELD_ENCRYPTION_KEYS use),
or as PEM (`openssl genpkey -algorithm ed25519`, `openssl pkey -pubout`). A public key's id is
the start of the SHA-256 of its raw bytes, so it needs no registry of its own.

Pure module: no Django settings or models; keys are passed in by callers.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "canonical_json",
    "canonical_json_fast",
    "generate_signing_key",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
    "public_key_text",
    "sha256_hex",
    "sign",
    "verify",
]

_PEM = b"-----BEGIN"


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that hashes and signatures are taken over."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


# orjson writes JSON values as Python's json does, with sorted keys, but for floats below 1e-4:
# 0.00001 and 2.5e-7 where Python writes 1e-05 and 2.5e-07. Output without either form is
# canonical (text that holds one only costs the slower way).
_FLOATS_MAY_DIFFER = (b"e-", b"0.0000")


def canonical_json_fast(
    value: Any, *, default: Callable[[Any], Any] | None = None, options: int = 0
) -> bytes:
    """`canonical_json` of a value as orjson writes it (other types through `default`, NaN as
    null, orjson's `options` besides sorted keys): the same bytes, some ten times faster for
    a large answer. Python's json writes them when a float may be written otherwise, or
    orjson cannot write the value."""
    try:
        data = orjson.dumps(value, default=default, option=orjson.OPT_SORT_KEYS | options)
    except orjson.JSONEncodeError:
        return canonical_json(value)
    if any(form in data for form in _FLOATS_MAY_DIFFER):
        return canonical_json(orjson.loads(data))
    return data


def sha256_hex(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def generate_signing_key() -> str:
    return _b64(Ed25519PrivateKey.generate().private_bytes_raw())


def load_private_key(text: str) -> Ed25519PrivateKey:
    """A private key from base64url of its 32 bytes, or from PEM; ValueError if neither."""
    data = text.strip().encode("ascii", "replace")
    if data.startswith(_PEM):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (TypeError, UnsupportedAlgorithm) as error:  # encrypted, or not a key we know
            raise ValueError(str(error)) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw32(data))


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from base64url of its 32 bytes, or from PEM; ValueError if neither."""
    data = text.strip().encode("ascii", "replace")
    if data.startswith(_PEM):
        try:
            key = serialization.load_pem_public_key(data)
        except UnsupportedAlgorithm as error:
            raise ValueError(str(error)) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(_raw32(data))


def public_key_text(key: Ed25519PublicKey) -> str:
    return _b64(key.public_bytes_raw())


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def key_id(key: Ed25519PublicKey) -> str:
    return hashlib.sha256(key.public_bytes_raw()).hexdigest()[:16]


def sign(value: Any, key: Ed25519PrivateKey) -> str:
    """The signature of a JSON value's canonical form, in base64url."""
    return _b64(key.sign(canonical_json(value)))


def verify(value: Any, signature: str, key: Ed25519PublicKey) -> bool:
    try:
        key.verify(_decode(signature.encode("ascii")), canonical_json(value))
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode(data: bytes) -> bytes:
    """Strict base64url: a character outside the alphabet is an error, not skipped."""
    try:
        return base64.b64decode(data, altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not base64url") from None


def _raw32(data: bytes) -> bytes:
    raw = _decode(data)
    if len(raw) != 32:
        raise ValueError("an Ed25519 key is 32 bytes")
    return raw
