"""POST/GET/DELETE /api/v1/monitors/: a platform registers its customers, reads and removes them."""

import json

import pytest
from django.conf import settings
from django.db import connection

from blacklist.guard import services as guard
from blacklist.models import ApiClient, Monitor, QueryLog, Subject
from blacklist.registry import identity
from tests.api.conftest import Platform
from tests.factories.people import (
    Person,
    company,
    expired,
    on_a_draft,
    person,
    platform_only,
    publish,
)
from tests.monitoring.helpers import register, remove
from tests.security.conftest import alerts, limit, target_at

pytestmark = pytest.mark.django_db


def digest(number: str) -> str:
    return identity.lookup_hmac(number, key=settings.ID_LOOKUP_KEY)


def test_registering_answers_at_once_which_customers_are_listed(bank: Platform):
    listed, stranger, drafted, ended, others = (
        person(name) for name in ("张三", "陌生人", "草稿人", "期满人", "平台人")
    )
    firm = company("武汉恒通商贸有限公司", 1)
    publish([listed, firm])
    on_a_draft(drafted)
    expired(ended)
    platform_only(others)

    answer = register(
        bank,
        {"c-6": drafted, "c-1": listed, "c-2": stranger, "c-3": ended, "c-4": others, "c-5": firm},
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["registered"], body["updated"], body["unchanged"]) == (6, 0, 0)
    # listed as checks answer it: a draft or an ended term is not; a platform-only programme is
    assert body["already_listed"] == ["c-1", "c-4", "c-5"]
    assert body["last_seq"] > 0
    kinds = dict(Monitor.objects.values_list("ref", "kind"))
    assert kinds["c-5"] == "organisation" and kinds["c-1"] == "person"


def test_the_portal_keeps_the_ref_and_a_keyed_hash_never_the_id_number(bank: Platform):
    customers = {f"acct-{n}": person(f"客户{n}") for n in range(3)}
    publish([customers["acct-0"]])

    assert register(bank, customers).status_code == 200

    table = connection.ops.quote_name(Monitor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        stored = json.dumps(cursor.fetchall(), default=str)
    for ref, customer in customers.items():
        assert ref in stored and digest(customer.id_number) in stored
        assert customer.id_number not in stored
        assert identity.mask_id(customer.id_number) not in stored  # not even masked
    sealed = Subject.objects.values_list("id_encrypted", flat=True).get()
    assert sealed not in stored
    (audit,) = QueryLog.objects.filter(endpoint="api-monitors")
    assert (audit.method, audit.purpose, audit.subjects, audit.hits) == (
        "POST",
        "ongoing_monitoring",
        3,
        1,
    )
    assert audit.identifiers == [digest(c.id_number) for c in customers.values()]


def test_registering_again_changes_nothing_and_another_number_repoints_the_ref(bank: Platform):
    first, second, listed = person("甲"), person("乙"), person("丙")
    publish([listed])
    assert register(bank, {"a": first, "b": second}).status_code == 200
    before = {m.ref: (m.id_hmac, m.created_at) for m in Monitor.objects.all()}

    again = register(bank, {"a": first, "b": listed, "c": second}).json()

    assert (again["registered"], again["updated"], again["unchanged"]) == (1, 1, 1)
    assert again["already_listed"] == ["b"]
    now = {m.ref: (m.id_hmac, m.created_at) for m in Monitor.objects.all()}
    assert now["a"] == before["a"]
    assert now["b"] == (digest(listed.id_number), before["b"][1])  # registered when it was
    assert now["c"][0] == digest(second.id_number)  # one person may have two refs
    assert Monitor.objects.count() == 3


def test_full_width_and_spaced_numbers_are_the_same_customer(bank: Platform):
    listed = person("张三", ends_with_x=True)
    publish([listed])
    typed = listed.id_number[:6] + " " + listed.id_number[6:-1] + "x"
    wide = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    body = bank.post(
        "/api/v1/monitors/",
        {"subjects": [{"ref": "1", "id_number": typed}, {"ref": "2", "id_number": wide}]},
    ).json()

    assert body["already_listed"] == ["1", "2"]
    assert set(Monitor.objects.values_list("id_hmac", flat=True)) == {digest(listed.id_number)}


def test_more_than_100000_customers_are_refused_before_anything_is_counted(bank: Platform):
    one = person("某人").id_number
    subjects = [{"ref": str(n), "id_number": one} for n in range(100_001)]

    answer = bank.post("/api/v1/monitors/", {"subjects": subjects})

    assert answer.status_code == 413
    assert answer.json()["code"] == "too_many_subjects"
    assert "At most 100000 items in `subjects`; this request has 100001" in answer.json()["message"]
    assert not Monitor.objects.exists()
    assert guard.quota_take(client=bank.client, subjects=0) == 0
    (audit,) = QueryLog.objects.filter(endpoint="api-monitors")
    assert (audit.status_code, audit.subjects, audit.identifiers) == (413, 100_001, [])


def test_one_invalid_customer_refuses_all_naming_each_problem_by_path_and_ref(bank: Platform):
    good, other = person("好人"), person("另一人")
    wrong_check = good.id_number[:-1] + ("0" if good.id_number[-1] != "0" else "1")
    subjects = [
        {"ref": "ok-1", "id_number": good.id_number},
        {"ref": "bad-1", "id_number": wrong_check},
        {"ref": "ok-1", "id_number": other.id_number},
        {"ref": f"cust-{other.id_number}", "id_number": other.id_number},
        {"ref": "no-number"},
        {"ref": "extra", "id_number": other.id_number, "name": "另一人"},
    ]
    bank.http.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    answer = bank.post("/api/v1/monitors/", {"subjects": subjects})

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert sorted(body["fields"]) == [
        "subjects[1].id_number",
        "subjects[2].ref",
        "subjects[3].ref",
        "subjects[4].id_number",
        "subjects[5].name",
    ]
    assert body["fields"]["subjects[1].id_number"][0].startswith("编号 bad-1：")
    assert body["fields"]["subjects[2].ref"][0].startswith("编号 ok-1：")
    assert "身份证号" in body["fields"]["subjects[3].ref"][0]
    assert other.id_number not in answer.content.decode()
    assert not Monitor.objects.exists()


def test_a_thousand_invalid_customers_are_named_and_the_rest_counted(bank: Platform):
    subjects = [{"ref": str(n), "id_number": "not a number"} for n in range(1500)]

    body = bank.post("/api/v1/monitors/", {"subjects": subjects}).json()

    assert len(body["fields"]) == 1001
    assert body["fields"]["subjects"] == ["500 more items have errors; the first 1000 are named."]
    assert "subjects[999].id_number" in body["fields"]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_monitors_need_the_feed_scope(make_platform, method: str):
    screening_only = make_platform("lookup")
    call = getattr(screening_only.http, method)
    answer = call(
        "/api/v1/monitors/",
        *([] if method == "get" else ["{}"]),
        **({} if method == "get" else {"content_type": "application/json"}),
        **screening_only.headers(),
    )
    assert answer.status_code == 403
    assert "`feed`" in answer.json()["message"]
    assert (
        screening_only.http.delete("/api/v1/monitors/x/", **screening_only.headers()).status_code
        == 403
    )


def test_registering_counts_against_the_daily_quota_like_a_check(make_platform):
    bank = make_platform("lookup,feed")
    ApiClient.objects.filter(pk=bank.client.pk).update(daily_subject_quota=5)
    bank.client.refresh_from_db()
    people = [person(f"客户{n}") for n in range(6)]

    first = register(bank, {str(n): p for n, p in enumerate(people[:3])})
    over = register(bank, {str(n): p for n, p in enumerate(people[3:], start=3)})
    check = bank.check([{"ref": "x", "id_number": people[5].id_number}] * 2)

    assert first.status_code == 200
    assert over.status_code == 429 and over.json()["code"] == "quota_exceeded"
    assert "(2 left today)" in over.json()["message"]
    assert check.status_code == 200  # the two left, shared with checks
    assert bank.check([{"ref": "y", "id_number": people[5].id_number}]).status_code == 429
    assert sorted(Monitor.objects.values_list("ref", flat=True)) == ["0", "1", "2"]


def test_registering_cannot_try_out_what_a_mask_hides(bank: Platform):
    allowed = limit("api", "id_mask")
    number, candidates = target_at(allowed)  # the hidden one just past the limit
    publish([Person("丁伟涛", number)])

    below = register(bank, {f"r{n}": Person("", c) for n, c in enumerate(candidates[:allowed])})
    past = register(bank, {"hidden": Person("", number)})
    checked = bank.check([{"ref": "hidden", "id_number": number}])

    assert below.status_code == 200 and below.json()["already_listed"] == []
    assert past.status_code == 429 and past.json()["code"] == "enumeration_suspected"
    assert checked.status_code == 429  # one count of guesses, shared with checks
    assert not Monitor.objects.filter(ref="hidden").exists()  # refused: nothing kept
    (alert,) = alerts(client=bank.client)
    assert alert.pattern == identity.mask_id(number)


def test_a_client_with_identity_is_not_counted_by_the_guard(bureau: Platform):
    number, candidates = target_at(100)
    publish([Person("丁伟涛", number)])

    answer = register(bureau, {f"r{n}": Person("", c) for n, c in enumerate(candidates[:200])})

    assert answer.status_code == 200
    assert answer.json()["already_listed"] == ["r100"]


def test_options_describe_the_registration(bank: Platform):
    answer = bank.http.options("/api/v1/monitors/", **bank.headers())
    assert answer.status_code == 200
    assert "subjects" in answer.json()["actions"]["POST"]


def test_monitors_are_listed_by_ref_a_page_at_a_time_and_found_by_ref(
    bank: Platform, make_platform
):
    register(bank, {f"c-{n:02d}": person(f"客户{n}") for n in range(25)})
    register(make_platform(), {"other": person("别家客户")})

    first = bank.get("/api/v1/monitors/", {"page_size": "10"}).json()
    second = bank.get(first["next"]).json()
    one = bank.get("/api/v1/monitors/", {"ref": "c-07"}).json()

    assert [m["ref"] for m in first["results"]] == [f"c-{n:02d}" for n in range(10)]
    assert [m["ref"] for m in second["results"]] == [f"c-{n:02d}" for n in range(10, 20)]
    assert set(first["results"][0]) == {"ref", "kind", "registered_at", "updated_at"}
    assert [m["ref"] for m in one["results"]] == ["c-07"]
    assert bank.get("/api/v1/monitors/", {"ref": "other"}).json()["results"] == []


def test_customers_are_removed_by_a_list_of_refs_or_one_ref(bank: Platform, make_platform):
    register(bank, {ref: person(ref) for ref in ("a", "b", "c", "d/e")})
    neighbour = make_platform()
    register(neighbour, {"a": person("邻")})

    removed = remove(bank, ["a", "b", "zz", "a"])
    one = bank.http.delete("/api/v1/monitors/d%2Fe/", **bank.headers())
    missing = bank.http.delete("/api/v1/monitors/nobody/", **bank.headers())

    assert removed.status_code == 200
    assert removed.json() == {"removed": 2, "unknown": ["zz"]}
    assert one.status_code == 200 and one.json() == {"removed": 1, "unknown": []}
    assert missing.status_code == 404
    assert list(Monitor.objects.filter(client=bank.client).values_list("ref", flat=True)) == ["c"]
    assert Monitor.objects.filter(client=neighbour.client, ref="a").exists()


def test_a_ref_with_a_nul_character_is_refused_not_stored(bank: Platform):
    answer = bank.post(
        "/api/v1/monitors/", {"subjects": [{"ref": "a\x00b", "id_number": person("某").id_number}]}
    )
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["subjects[0].ref"]
    assert bank.http.delete("/api/v1/monitors/a%00b/", **bank.headers()).status_code == 404
    assert bank.get("/api/v1/monitors/", {"ref": "a\x00b"}).status_code == 400
