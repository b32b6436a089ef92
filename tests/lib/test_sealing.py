"""Sealing at rest: values open only under their own context and keys; a sealed file that was
cut, reordered, spliced or altered does not open, and yields nothing of the damaged part."""

import io
import struct

import pytest

from blacklist.lib import sealing

KEY, OLD_KEY, OTHER_KEY = (sealing.generate_encryption_key() for _ in range(3))
CHUNK = 64  # small chunks: several per file


# --- values -----------------------------------------------------------------------------------


def test_a_value_opens_under_its_context_and_keys_only():
    token = sealing.seal_text("420106199001011004", keys=[KEY], context=b"subject.id_number")

    assert "420106199001011004" not in token
    assert sealing.unseal_text(token, keys=[KEY], context=b"subject.id_number") == (
        "420106199001011004"
    )
    with pytest.raises(ValueError, match="could not be opened"):
        sealing.unseal_text(token, keys=[KEY], context=b"subscription.secret")
    with pytest.raises(ValueError, match="could not be opened"):
        sealing.unseal_text(token, keys=[OTHER_KEY], context=b"subject.id_number")


def test_rotation_seals_with_the_first_key_and_opens_with_any():
    old = sealing.seal_text("旧", keys=[OLD_KEY], context=b"c")
    new = sealing.seal_text("新", keys=[KEY, OLD_KEY], context=b"c")

    assert sealing.unseal_text(old, keys=[KEY, OLD_KEY], context=b"c") == "旧"
    assert sealing.unseal_text(new, keys=[KEY], context=b"c") == "新"
    with pytest.raises(ValueError):
        sealing.unseal_text(new, keys=[OLD_KEY], context=b"c")


def test_the_same_value_seals_differently_each_time():
    tokens = sealing.seal_texts(["同一个值"] * 3, keys=[KEY], context=b"c")

    assert len(set(tokens)) == 3
    assert {sealing.unseal_text(t, keys=[KEY], context=b"c") for t in tokens} == {"同一个值"}


@pytest.mark.parametrize("token", ["", "g1.", "g1.AAAA", "plain text", "g1.!!!"])
def test_a_token_that_is_not_one_does_not_open(token):
    with pytest.raises(ValueError, match="could not be opened"):
        sealing.unseal_text(token, keys=[KEY], context=b"c")


# --- files ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr(sealing, "PLAIN_CHUNK", CHUNK)


PLAIN = bytes(range(256)) * 2  # 512 bytes: eight chunks, the last one full too


def sealed(plain: bytes = PLAIN, *, keys=(KEY,)) -> bytes:
    out = io.BytesIO()
    writer = sealing.SealedWriter(out, keys=list(keys))
    writer.write(plain)
    writer.close()
    return out.getvalue()


def opened(data: bytes, *, keys=(KEY,)) -> bytes:
    return b"".join(sealing.SealedReader(io.BytesIO(data), keys=list(keys)))


def split(data: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the records (length + sealed chunk) of a sealed file."""
    header_size = len(sealing.MAGIC) + sealing.FILE_ID
    header, rest, records = data[:header_size], data[header_size:], []
    while rest:
        (length,) = struct.unpack(">I", rest[:4])
        records.append(rest[: 4 + length])
        rest = rest[4 + length :]
    return header, records


def read_until_refused(data: bytes) -> bytes:
    """What a reader hands out before it refuses the file (a stream stops at the refusal)."""
    given = b""
    with pytest.raises(ValueError):
        for chunk in sealing.SealedReader(io.BytesIO(data), keys=[KEY]):
            given += chunk
    return given


def test_a_sealed_file_opens_to_its_plain_bytes_and_hides_them():
    data = sealed()
    _header, records = split(data)

    assert opened(data) == PLAIN
    assert len(records) == len(PLAIN) // CHUNK
    assert PLAIN[:32] not in data
    assert sealed() != data  # a new file id and new nonces every time


def test_reordered_chunks_do_not_open():
    header, records = split(sealed())
    records[1], records[2] = records[2], records[1]

    given = read_until_refused(header + b"".join(records))

    assert given == PLAIN[:CHUNK]  # only the untouched first chunk


def test_a_chunk_spliced_from_another_file_under_the_same_key_does_not_open():
    header, records = split(sealed())
    _other_header, other_records = split(sealed())
    records[3] = other_records[3]  # same place, same key, another file

    given = read_until_refused(header + b"".join(records))

    assert given == PLAIN[: 3 * CHUNK]


def test_a_file_whose_header_is_swapped_for_another_files_does_not_open():
    _header, records = split(sealed())
    other_header, _records = split(sealed())

    assert read_until_refused(other_header + b"".join(records)) == b""


@pytest.mark.parametrize("kept", [1, 4, 7])
def test_a_file_cut_at_a_chunk_boundary_does_not_open(kept):
    header, records = split(sealed())

    given = read_until_refused(header + b"".join(records[:kept]))

    # the chunk read last was not sealed as the last one: refused, never handed out
    assert given == PLAIN[: (kept - 1) * CHUNK]


@pytest.mark.parametrize("cut", [1, 3, 20, 50])
def test_a_file_cut_inside_a_chunk_does_not_open(cut):
    data = sealed()
    header, records = split(data)

    given = read_until_refused(data[: len(header) + len(records[0]) + cut])

    # the first chunk, sealed as one that others follow, was whole; the second never opens
    assert given == PLAIN[:CHUNK]


def test_a_flipped_byte_anywhere_in_a_chunk_does_not_open():
    data = bytearray(sealed())
    header, records = split(bytes(data))
    position = len(header) + len(records[0]) + len(records[1]) + 30  # inside the third chunk
    data[position] ^= 0x01

    assert read_until_refused(bytes(data)) == PLAIN[: 2 * CHUNK]


def test_a_file_under_another_key_or_not_sealed_does_not_open():
    with pytest.raises(ValueError, match="could not be opened"):
        opened(sealed(), keys=(OTHER_KEY,))
    with pytest.raises(ValueError, match="not a sealed file"):
        opened(b"420106199001011004,\xe5\xbc\xa0\xe4\xb8\x89\n")
    with pytest.raises(ValueError, match="empty"):
        opened(sealing.MAGIC + bytes(sealing.FILE_ID))


def test_files_of_the_first_format_still_open():
    """Uploads and attachments are kept for weeks: those sealed before the file id still open."""
    legacy = io.BytesIO()
    legacy.write(sealing.LEGACY_MAGIC)
    chunks = [PLAIN[:CHUNK], PLAIN[CHUNK:]]
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        context = sealing.LEGACY_MAGIC + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")
        blob = sealing.seal_bytes(chunk, keys=[KEY], context=context)
        legacy.write(len(blob).to_bytes(4, "big") + blob)

    assert opened(legacy.getvalue()) == PLAIN
