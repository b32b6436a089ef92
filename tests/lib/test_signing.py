"""Ed25519 signatures over canonical JSON, and the keys' written forms."""

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from blacklist.lib import signing
from blacklist.lib.sealing import generate_encryption_key


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_text_as_utf8():
    value = {"b": [1, 0.5, None, True], "a": {"名": "张三", "z": "\n"}}

    assert signing.canonical_json(value) == (
        '{"a":{"z":"\\n","名":"张三"},"b":[1,0.5,null,true]}'.encode()
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=2000, deadline=None)
@given(JSON_VALUES)
def test_the_fast_canonical_form_is_byte_for_byte_the_canonical_form(value):
    # a receipt's hash is recomputed by verifiers with Python's json (or any canonical JSON)
    assert signing.canonical_json_fast(value) == signing.canonical_json(value)


@pytest.mark.parametrize("number", [1e-05, 2.5e-07, 1e16, 1.5e300, -0.0, 0.001, 123.456])
def test_floats_orjson_writes_otherwise_come_out_in_the_canonical_form(number):
    assert signing.canonical_json_fast([number]) == signing.canonical_json([number])


def test_the_fast_form_writes_other_types_through_the_default_as_an_answer_does():
    value = {"day": datetime.date(2026, 12, 4), "note": _Lazy("名")}

    written = signing.canonical_json_fast(value, default=str)

    assert written == '{"day":"2026-12-04","note":"名"}'.encode()


class _Lazy:
    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_a_signature_verifies_until_anything_in_the_value_changes():
    key = signing.load_private_key(signing.generate_signing_key())
    value = {"last_seq": 7, "purpose": "credit_review"}
    signature = signing.sign(value, key)

    assert signing.verify({"purpose": "credit_review", "last_seq": 7}, signature, key.public_key())
    assert not signing.verify({**value, "last_seq": 8}, signature, key.public_key())
    assert not signing.verify(value, signature[:-4] + "AAA=", key.public_key())
    assert not signing.verify(value, "not base64!", key.public_key())
    other = signing.load_private_key(signing.generate_signing_key()).public_key()
    assert not signing.verify(value, signature, other)


def test_keys_read_from_base64url_or_pem_are_the_same_key():
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key()

    from_pem = signing.load_private_key(pem).public_key()
    assert signing.key_id(from_pem) == signing.key_id(public)
    assert signing.load_public_key(signing.public_key_text(public)) == public
    assert signing.load_public_key(signing.public_key_pem(public)) == public
    assert len(signing.key_id(public)) == 16


@pytest.mark.parametrize(
    "text",
    ["", "not-a-key", generate_encryption_key()[:-4], "-----BEGIN PRIVATE KEY-----\nAAAA\n"],
)
def test_anything_but_an_ed25519_key_is_refused(text):
    with pytest.raises(ValueError):
        signing.load_private_key(text)
    with pytest.raises(ValueError):
        signing.load_public_key(text)
