"""Receipts of checks: signed answers that verify with the key published at /api/v1/keys/,
offline with `manage.py verify_receipt`, and no longer once anything in them was changed."""

import copy
import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from blacklist.lib import signing
from blacklist.models import QueryLog
from tests.api.conftest import Platform
from tests.factories.people import person, publish, today

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def readme_verifier():
    """The verification example of the README, run as a platform would copy it."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    (code,) = [
        block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "receipt" in block
    ]
    scope: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    return scope["verify_receipt"]


verify_receipt = readme_verifier()


def published_keys() -> dict:
    """GET /api/v1/keys/ as anyone may call it: no API key."""
    response = Client().get("/api/v1/keys/")
    assert response.status_code == 200
    return response.json()


def hexdigest(value: Any) -> str:
    """SHA-256 of canonical JSON, computed here the way a platform would."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def listed():
    zhang = person("张三")
    publish([zhang])
    return zhang


@pytest.fixture
def sent(listed) -> list[dict[str, str]]:
    """Subjects as a platform types them: a full-width ID, a name beside it, a name alone."""
    return [
        {"ref": "c-1", "id_number": listed.id_number.translate(FULL_WIDTH), "name": "张 三"},
        {"ref": "c-2", "id_number": person("陌生人").id_number},
        {"ref": "c-3", "name": "李四"},
    ]


@pytest.fixture
def answer(bank: Platform, sent) -> dict:
    response = bank.check(sent, purpose="credit_review")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_answer_carries_a_receipt_that_verifies_with_the_published_key(answer, sent):
    assert verify_receipt(answer, published_keys(), sent) is True


def test_the_receipt_says_what_was_checked_when_and_against_which_list(
    bank: Platform, answer, sent
):
    receipt = answer["receipt"]
    (current,) = published_keys()["keys"]

    assert receipt["version"] == 1
    assert receipt["key_id"] == current["key_id"] and current["status"] == "current"
    assert (receipt["purpose"], receipt["as_of"], receipt["subjects"]) == ("credit_review", None, 3)
    assert receipt["checked_at"] == answer["checked_at"]
    assert receipt["last_seq"] == bank.get("/api/v1/changes/").json()["last_seq"] > 0
    assert receipt["subjects_sha256"] == hexdigest(sent)
    assert receipt["results_sha256"] == hexdigest(answer["results"])


def test_the_receipt_holds_no_id_number_or_name(answer, listed, sent):
    text = json.dumps(answer["receipt"], ensure_ascii=False)

    for value in (listed.id_number, sent[0]["id_number"], sent[1]["id_number"], "张", "李四"):
        assert value not in text


def test_every_answer_has_a_check_id_of_its_own(bank: Platform, sent):
    ids = {bank.check(sent).json()["receipt"]["check_id"] for _ in range(3)}

    assert len(ids) == 3


def test_a_check_as_of_a_past_day_signs_that_day(bank: Platform, sent):
    day = (today() - datetime.timedelta(days=3)).isoformat()
    answer = bank.check(sent, as_of=day).json()

    assert answer["receipt"]["as_of"] == answer["as_of"] == day
    assert verify_receipt(answer, published_keys(), sent)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("results_sha256", "0" * 64),
        ("subjects_sha256", "0" * 64),
        ("last_seq", 0),
        ("purpose", "account_opening"),
        ("checked_at", "2020-11-01T00:00:00+08:00"),
        ("as_of", "2020-11-01"),
        ("subjects", 1),
        ("check_id", "00000000-0000-4000-8000-000000000000"),
    ],
)
def test_a_receipt_with_any_field_changed_no_longer_verifies(answer, sent, field, value):
    changed = copy.deepcopy(answer)
    changed["receipt"][field] = value

    assert verify_receipt(changed, published_keys(), sent) is False


def test_results_changed_after_the_answer_no_longer_match_the_receipt(answer, sent):
    changed = copy.deepcopy(answer)
    changed["results"][1]["listed"] = True

    assert verify_receipt(changed, published_keys(), sent) is False


def test_other_subjects_than_those_sent_do_not_match_the_receipt(answer, sent):
    assert verify_receipt(answer, published_keys(), sent[:2]) is False


def test_the_keys_are_public_and_cacheable(bank: Platform):
    anonymous = Client().get("/api/v1/keys/")
    with_a_bad_key = Client().get("/api/v1/keys/", HTTP_AUTHORIZATION="Api-Key nonsense")

    assert anonymous.status_code == with_a_bad_key.status_code == 200
    assert "public" in anonymous["Cache-Control"] and "max-age=3600" in anonymous["Cache-Control"]
    (key,) = anonymous.json()["keys"]
    assert key["algorithm"] == "Ed25519"
    assert signing.load_public_key(key["public_key_pem"]).public_bytes_raw() == (
        signing.load_public_key(key["public_key"]).public_bytes_raw()
    )
    assert not QueryLog.objects.exists()


def rotate(settings, *, retired: list[str]) -> None:
    settings.RECEIPT_SIGNING_KEY = signing.generate_signing_key()
    settings.RECEIPT_RETIRED_PUBLIC_KEYS = retired


def test_after_a_rotation_receipts_of_the_retired_key_still_verify_while_it_is_listed(
    settings, bank: Platform, answer, sent
):
    (old,) = published_keys()["keys"]
    rotate(settings, retired=[old["public_key"]])
    keys = published_keys()
    new = bank.check(sent).json()

    assert [(key["key_id"], key["status"]) for key in keys["keys"]][1] == (old["key_id"], "retired")
    assert keys["keys"][0]["status"] == "current"
    assert new["receipt"]["key_id"] == keys["keys"][0]["key_id"] != old["key_id"]
    assert verify_receipt(answer, keys, sent) and verify_receipt(new, keys, sent)
    rotate(settings, retired=[])  # the old key is no longer published
    assert verify_receipt(answer, published_keys(), sent) is False


def test_the_query_log_keeps_the_check_id_and_the_receipt_without_the_subjects_hash(answer, listed):
    log = QueryLog.objects.get(endpoint="api-checks")
    receipt = answer["receipt"]

    assert str(log.check_id) == receipt["check_id"]
    assert log.receipt == {
        name: value
        for name, value in receipt.items()
        if name not in ("subjects_sha256", "signature")
    }
    assert listed.id_number not in json.dumps(log.receipt)


def test_a_refused_check_has_no_receipt(bank: Platform):
    response = bank.check([{"ref": "1", "id_numer": "x"}])

    assert response.status_code == 400 and "receipt" not in response.json()
    assert QueryLog.objects.get().check_id is None


def test_officials_find_a_check_by_the_id_on_its_receipt(bank: Platform, answer, sent):
    bank.check(sent)
    official = get_user_model().objects.create_superuser("auditor", "a@example.org", "pw")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(official)

    page = browser.get("/admin/blacklist/querylog/", {"q": answer["receipt"]["check_id"]})

    assert page.status_code == 200
    (found,) = page.context["cl"].result_list
    assert str(found.check_id) == answer["receipt"]["check_id"]


# --- manage.py verify_receipt ------------------------------------------------------------------


def verify(tmp_path: Path, document: Any, *options: str) -> str:
    """The command on a file holding `document`: its output, or CommandError."""
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("verify_receipt", str(path), *options, stdout=out)
    return out.getvalue()


def refused(tmp_path: Path, document: Any, *options: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        verify(tmp_path, document, *options)
    return raised.value


def test_the_command_verifies_a_receipt_or_a_whole_answer(tmp_path, answer, sent):
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"purpose": "credit_review", "subjects": sent}))

    alone = verify(tmp_path, answer["receipt"])
    whole = verify(tmp_path, answer, "--request", str(request))

    assert alone.startswith(f"VALID: check {answer['receipt']['check_id']}")
    assert "the answer's results" in whole and "the subjects sent" in whole


@pytest.mark.parametrize(
    ("field", "value"),
    [("results_sha256", "0" * 64), ("last_seq", 0), ("purpose", "account_opening")],
)
def test_the_command_refuses_a_changed_receipt(tmp_path, answer, field, value):
    changed = dict(answer["receipt"], **{field: value})

    error = refused(tmp_path, changed)

    assert error.returncode == 1
    assert "INVALID (bad_signature)" in str(error)


def test_the_command_refuses_an_answer_whose_results_were_changed(tmp_path, answer):
    changed = copy.deepcopy(answer)
    changed["results"][0]["listed"] = False

    error = refused(tmp_path, changed)

    assert error.returncode == 1 and "INVALID (hash_differs)" in str(error)


def test_the_command_names_an_unknown_key(tmp_path, settings, answer):
    rotate(settings, retired=[])

    error = refused(tmp_path, answer)

    assert error.returncode == 1
    assert f"INVALID (unknown_key): Key '{answer['receipt']['key_id']}'" in str(error)


def test_the_command_verifies_with_a_key_given_and_only_that_one(tmp_path, answer):
    (published,) = published_keys()["keys"]
    pem = tmp_path / "key.pem"
    pem.write_text(published["public_key_pem"])
    # one key in 64 begins with "-" in base64url, which argparse takes for an option unless
    # it is given as --public-key=KEY: the other key is always such a one
    other = next(
        text
        for text in iter(lambda: signing.public_key_text(_new_public_key()), None)
        if text.startswith("-")
    )

    assert verify(tmp_path, answer, f"--public-key={published['public_key']}").startswith("VALID")
    assert verify(tmp_path, answer, "--public-key", str(pem)).startswith("VALID")
    error = refused(tmp_path, answer, f"--public-key={other}")
    assert error.returncode == 1 and "unknown_key" in str(error)


def _new_public_key():
    return signing.load_private_key(signing.generate_signing_key()).public_key()


def test_the_command_refuses_what_it_cannot_read(tmp_path, answer):
    (tmp_path / "receipt.json").write_text("{not json")
    with pytest.raises(CommandError) as raised:
        call_command("verify_receipt", str(tmp_path / "receipt.json"))

    assert raised.value.returncode == 2
    assert refused(tmp_path, ["a", "list"]).returncode == 1  # read, but no receipt


def test_the_command_exits_0_when_valid_and_1_when_not(tmp_path, answer):
    """As a shell sees it (the command needs no database)."""
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(answer))
    bad.write_text(json.dumps(dict(answer, purpose="account_opening")))

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "verify_receipt", str(path)],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )

    valid, invalid = run(good), run(bad)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.startswith("VALID")
    assert invalid.returncode == 1
    assert "INVALID (answer_differs): The answer's purpose" in invalid.stderr
