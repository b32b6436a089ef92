"""POST /api/v1/checks/: screening customers by ID number and/or name, now or on a past day."""

import datetime
import json

import pytest
from django.utils import timezone

from blacklist.models import Entry, QueryLog
from blacklist.publication import services as publication
from tests import factories
from tests.api.conftest import Platform
from tests.factories.people import approved_with, draft_with, entry_of, person, publish, today

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def answers(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_one_result_per_subject_in_order_with_the_callers_refs(bank: Platform):
    zhang, stranger = person("张三"), person("陌生人")
    publish([zhang])
    results = answers(
        bank.check(
            [
                {"ref": "c-3", "id_number": stranger.id_number},
                {"ref": "c-1", "id_number": zhang.id_number},
                {"ref": "c-2", "id_number": zhang.id_number.translate(FULL_WIDTH)},
            ]
        )
    )
    assert [r["ref"] for r in results] == ["c-3", "c-1", "c-2"]
    assert [r["listed"] for r in results] == [False, True, True]
    assert [r["match"] for r in results] == [None, "id_number", "id_number"]
    assert results[0]["entries"] == []
    assert results[1]["entries"][0]["public_id"] == entry_of(zhang).public_id
    assert results[1]["note"] is None and results[1]["error"] is None


def test_lower_case_x_and_spaces_match_the_same_person(bank: Platform):
    li = person("李四", ends_with_x=True)
    publish([li])
    typed = li.id_number[:6] + " " + li.id_number[6:-1] + "x"
    (result,) = answers(bank.check([{"ref": "1", "id_number": typed}]))
    assert result["listed"] is True


def test_a_name_alone_matches_folded_full_names_and_never_answers_listed(bureau: Platform):
    publish([person("張三豐")])
    (hit, miss, part) = answers(
        bureau.check(
            [
                {"ref": "a", "name": "张三丰"},
                {"ref": "b", "name": "张三"},
                {"ref": "c", "name": "三丰"},
            ]
        )
    )
    assert hit["listed"] is None and hit["match"] == "name"
    assert [entry["subject"]["name"] for entry in hit["entries"]] == ["張三豐"]
    assert "not an identification" in hit["note"]
    assert miss["listed"] is None and miss["match"] is None and miss["entries"] == []
    assert part["listed"] is None and part["match"] is None


def test_a_name_alone_tells_a_client_without_identity_only_that_a_name_matched(bank: Platform):
    listed = person("丁伟涛")
    publish([listed])

    (hit, miss) = answers(
        bank.check([{"ref": "a", "name": "丁伟涛"}, {"ref": "b", "name": "丁明涛"}])
    )

    assert hit == {
        "ref": "a",
        "listed": None,
        "match": "name",
        "name_agrees": None,
        "entries": [],
        "note": "A listed entry bears this name. A name is not an identification: check this "
        "customer by ID number to learn whether they are listed.",
        "error": None,
    }
    assert miss["match"] is None and miss["entries"] == [] and miss["note"] is None
    assert entry_of(listed).public_id not in json.dumps([hit, miss])


def test_an_id_match_says_whether_the_name_given_agrees(bank: Platform):
    wang = person("王小明")
    publish([wang])
    same, other = answers(
        bank.check(
            [
                {"ref": "1", "id_number": wang.id_number, "name": "王 小明"},
                {"ref": "2", "id_number": wang.id_number, "name": "王大明"},
            ]
        )
    )
    assert same["match"] == other["match"] == "id_number"
    assert same["name_agrees"] is True and other["name_agrees"] is False


def test_an_invalid_id_gets_its_own_error_and_the_rest_are_still_answered(bank: Platform):
    zhang = person("张三")
    publish([zhang])
    wrong_check_digit = zhang.id_number[:-1] + ("0" if zhang.id_number[-1] != "0" else "1")
    bad, good, empty = answers(
        bank.check(
            [
                {"ref": "bad", "id_number": wrong_check_digit},
                {"ref": "good", "id_number": zhang.id_number},
                {"ref": "empty", "id_number": " ", "name": ""},
            ]
        )
    )
    assert bad["listed"] is None and bad["error"]["code"].startswith("id_")
    assert bad["error"]["message"]
    assert good["listed"] is True
    assert empty["listed"] is None and empty["error"]["code"] == "nothing_to_check"


def test_expired_revoked_withdrawn_and_unpublished_entries_are_not_listed_now(bank: Platform):
    expired, revoked, withdrawn, drafted, scheduled = (person(n) for n in "甲乙丙丁戊")
    publish(
        [expired],
        start=today() - datetime.timedelta(days=800),
        end=today() - datetime.timedelta(days=1),
    )
    publish([revoked])
    factories.revoked(entry_of(revoked), reason="objection upheld")
    gone = publish([withdrawn])
    type(gone).objects.filter(pk=gone.pk).update(status="withdrawn", withdrawn_at=timezone.now())
    draft_with([drafted])
    notice = draft_with([scheduled])
    publication.notice_approve(notice=notice, by=factories.official("approver"))
    publication.notice_schedule(
        notice=notice, publish_at=timezone.now() + datetime.timedelta(hours=1)
    )
    results = answers(
        bank.check(
            [
                {"ref": p.name, "id_number": p.id_number}
                for p in (expired, revoked, withdrawn, drafted, scheduled)
            ]
        )
    )
    assert [r["listed"] for r in results] == [False] * 5


def test_as_of_answers_from_terms_and_publication_history(bank: Platform):
    zhang, li = person("张三"), person("李四")
    start = today() - datetime.timedelta(days=100)
    end = today() - datetime.timedelta(days=10)
    published_at = timezone.now() - datetime.timedelta(days=101)
    for people, term_end in (([zhang], end), ([li], None)):
        publication.notice_publish(
            notice=approved_with(people, start=start, end=term_end), published_at=published_at
        )
    publication.entries_expire_due()
    revoked_on = timezone.now() - datetime.timedelta(days=5)
    factories.revoked(entry_of(li), reason="objection upheld")
    Entry.objects.filter(pk=entry_of(li).pk).update(status_changed_at=revoked_on)

    def listed(number: str, day: datetime.date) -> bool:
        (result,) = answers(bank.check([{"ref": "x", "id_number": number}], as_of=day.isoformat()))
        return result["listed"]

    assert listed(zhang.id_number, start)
    assert listed(zhang.id_number, end)
    assert not listed(zhang.id_number, start - datetime.timedelta(days=1))
    assert not listed(zhang.id_number, end + datetime.timedelta(days=1))
    assert listed(li.id_number, today() - datetime.timedelta(days=6))
    assert not listed(li.id_number, timezone.localdate(revoked_on))
    assert not listed(li.id_number, today())


def test_as_of_before_publication_is_not_listed(bank: Platform):
    zhang = person("张三")
    notice = publish([zhang], start=today() - datetime.timedelta(days=60))
    type(notice).objects.filter(pk=notice.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=20)
    )
    (before,) = answers(
        bank.check(
            [{"ref": "x", "id_number": zhang.id_number}],
            as_of=(today() - datetime.timedelta(days=30)).isoformat(),
        )
    )
    (after,) = answers(
        bank.check(
            [{"ref": "x", "id_number": zhang.id_number}],
            as_of=(today() - datetime.timedelta(days=10)).isoformat(),
        )
    )
    assert before["listed"] is False and after["listed"] is True


def test_a_future_as_of_is_refused(bank: Platform):
    response = bank.check(
        [{"ref": "1", "name": "张三"}], as_of=(today() + datetime.timedelta(days=1)).isoformat()
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["as_of"]


def test_a_thousand_subjects_are_answered_and_one_more_is_413(bank: Platform):
    people = [person(f"丙{i}") for i in range(3)]
    publish(people)
    subjects = [{"ref": str(i), "id_number": people[i % 3].id_number} for i in range(1000)]
    results = answers(bank.check(subjects))
    assert len(results) == 1000 and all(r["listed"] for r in results)
    too_many = bank.check([*subjects, {"ref": "1000", "name": "张三"}])
    assert too_many.status_code == 413
    assert too_many.json()["code"] == "too_many_subjects"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"subjects": [{"ref": "1", "name": "张三"}]}, ["purpose"]),
        ({"purpose": "curiosity", "subjects": [{"ref": "1", "name": "张三"}]}, ["purpose"]),
        ({"purpose": "credit_review", "subjects": []}, ["subjects"]),
        ({"purpose": "credit_review", "subjects": [{"name": "张三"}]}, ["subjects[0].ref"]),
        (
            {"purpose": "credit_review", "subjects": [{"ref": "1", "id_number": 420106}]},
            ["subjects[0].id_number"],
        ),
        ({"purpose": "credit_review", "subjects": [{"ref": "1"}], "as_of": "yesterday"}, ["as_of"]),
        (  # a misspelt field must not turn an ID check into a name check
            {"purpose": "credit_review", "subjects": [{"ref": "1", "id_numer": "x", "name": "张"}]},
            ["subjects[0].id_numer"],
        ),
        ({"purpose": "credit_review", "subjects": [{"ref": "1"}], "asof": "2021-01-01"}, ["asof"]),
    ],
)
def test_invalid_requests_are_400_with_the_fields_named(bank: Platform, body, fields):
    response = bank.post("/api/v1/checks/", body)
    assert response.status_code == 400
    assert sorted(response.json()["fields"]) == sorted(fields)


def test_malformed_json_is_400(bank: Platform):
    response = bank.http.post(
        "/api/v1/checks/", "{not json", content_type="application/json", **bank.headers()
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_checks_are_audited_with_purpose_counts_and_hmacs_only(bank: Platform):
    zhang = person("张三")
    publish([zhang])
    bank.check(
        [{"ref": "1", "id_number": zhang.id_number}, {"ref": "2", "name": "李四"}],
        purpose="credit_review",
    )
    log = QueryLog.objects.get(endpoint="api-checks")
    assert log.client == bank.client
    assert (log.purpose, log.subjects, log.hits, log.status_code) == ("credit_review", 2, 1, 200)
    assert len(log.identifiers) == 2 and all(len(h) == 64 for h in log.identifiers)
    stored = str(QueryLog.objects.values_list("identifiers", flat=True)[0])
    assert zhang.id_number not in stored and "李四" not in stored


def test_text_that_json_cannot_carry_is_a_parse_error(bank: Platform):
    body = '{"purpose": "\\udc00", "subjects": [{"ref": "a", "name": "x"}]}'
    response = bank.http.post(
        "/api/v1/checks/", body, content_type="application/json", **bank.headers()
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_control_characters_in_a_name_are_no_part_of_it(bank: Platform):
    zhang = person("张三")
    publish([zhang])
    (result,) = bank.check([{"ref": "1", "name": "张\u0000三"}]).json()["results"]
    assert result["listed"] is None and result["match"] == "name"
