"""POST /api/v1/checks/ with `match_mode: scored`: candidates with a score and an explanation
per feature, for clients with the `identity` scope only."""

import dataclasses
import datetime
import hashlib
import json

import pytest

from blacklist.models import QueryLog
from blacklist.registry import identity
from tests.api.conftest import Platform
from tests.factories.people import Person, company, draft_with, entry_of, person, publish

pytestmark = pytest.mark.django_db


def scored(platform: Platform, subjects: list[dict], **fields) -> list[dict]:
    response = platform.check(subjects, match_mode="scored", **fields)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["match_mode"] == ("scored" if "identity" in platform.client.scopes else "exact")
    return body["results"]


def born(p: Person) -> str:
    return f"{p.id_number[6:10]}-{p.id_number[10:12]}-{p.id_number[12:14]}"


def gender(p: Person) -> str:
    """As the ID number says (odd 17th digit: M): test people are of either."""
    return identity.parse_identity(p.id_number).gender


def test_romanised_homophone_and_traditional_names_find_the_listed_person(bureau: Platform):
    zhang = person("张伟")
    publish([zhang])
    results = scored(
        bureau,
        [
            {"ref": "upper", "name": "ZHANG Wei"},
            {"ref": "reordered", "name": "Wei Zhang"},
            {"ref": "joined", "name": "zhangwei"},
            {"ref": "tones", "name": "Zhāng Wěi"},
            {"ref": "homophone", "name": "张玮"},
            {"ref": "traditional", "name": "張偉"},
        ],
    )
    methods = {r["ref"]: r["candidates"][0]["explanation"]["name"]["method"] for r in results}
    assert methods == {
        "upper": "romanised",
        "reordered": "reordered",
        "joined": "romanised",
        "tones": "romanised",
        "homophone": "same_pinyin",
        "traditional": "exact",
    }
    scripts = {
        r["ref"]: r["candidates"][0]["explanation"]["name_script"]["method"] for r in results
    }
    assert scripts["upper"] == "romanised" and scripts["traditional"] == "traditional"
    assert scripts["homophone"] == "same"
    for result in results:
        assert result["listed"] is None  # a name never identifies
        assert result["match"] == "name" and result["note"]
        (candidate,) = result["candidates"]
        assert candidate["name"] == "张伟"
        assert candidate["entries"][0]["public_id"] == entry_of(zhang).public_id
        assert candidate["entries"][0]["subject"]["id_number"] == zhang.id_number


def test_the_score_explains_each_feature(bureau: Platform):
    zhang = person("张伟")
    publish([zhang])
    (result,) = scored(
        bureau, [{"ref": "1", "name": "张玮", "birth_date": born(zhang), "gender": gender(zhang)}]
    )
    (candidate,) = result["candidates"]
    explanation = candidate["explanation"]
    assert explanation["name"] == {
        "result": "partial",
        "effect": 0.9,
        "method": "same_pinyin",
        "agreed": ["张", "玮~伟"],
        "differed": [],
        "matched_name": "张伟",
        "name_source": "name",
    }
    assert explanation["birth_date"]["result"] == "match"
    assert explanation["birth_date"]["effect"] == 0.1
    assert explanation["gender"]["result"] == "match"
    assert explanation["region"]["result"] == "unknown"
    assert candidate["score"] == 1.0


def test_a_common_name_reads_a_bounded_number_of_namesakes_and_a_birth_date_still_finds_its_own(
    bureau: Platform, settings
):
    settings.SCORED_CANDIDATES_PER_KEY = 2
    namesakes = [person("张伟") for _ in range(5)]
    publish(namesakes)
    namesakes.sort(key=lambda p: entry_of(p).subject_id)  # oldest subject first
    by_entry = {entry_of(p).public_id: p for p in namesakes}

    (by_name,) = scored(bureau, [{"ref": "1", "name": "张伟"}], limit=1)
    (read,) = by_name["candidates"]
    # the key yields the two newest namesakes only; the first of them by id is answered
    assert by_entry[read["entries"][0]["public_id"]] is namesakes[3]

    first = namesakes[0]
    (dated,) = scored(bureau, [{"ref": "1", "name": "张伟", "birth_date": born(first)}], limit=1)
    (found,) = dated["candidates"]
    assert by_entry[found["entries"][0]["public_id"]] is first
    assert found["explanation"]["birth_date"]["result"] == "match"


def test_namesakes_of_a_draft_never_take_a_listed_persons_place_in_the_bound(
    bureau: Platform, settings
):
    settings.SCORED_CANDIDATES_PER_KEY = 2
    listed = person("张伟")
    publish([listed])
    draft_with([person("张伟") for _ in range(3)])  # newer subjects, not listed
    homophones = [person("张玮") for _ in range(2)]
    publish(homophones)  # listed and newer too, scoring less

    (result,) = scored(bureau, [{"ref": "1", "name": "张伟"}], limit=1)

    (candidate,) = result["candidates"]
    assert candidate["entries"][0]["public_id"] == entry_of(listed).public_id
    assert candidate["score"] == 1.0


def test_a_different_birth_date_takes_a_namesake_below_the_threshold(bureau: Platform):
    zhang = person("张伟")
    publish([zhang])
    other_day = datetime.date.fromisoformat(born(zhang)) + datetime.timedelta(days=400)
    (result,) = scored(bureau, [{"ref": "1", "name": "张伟", "birth_date": str(other_day)}])
    assert result["candidates"] == [] and result["match"] is None
    (low,) = scored(
        bureau,
        [{"ref": "1", "name": "张伟", "birth_date": str(other_day)}],
        threshold=0.5,
    )
    explanation = low["candidates"][0]["explanation"]
    assert explanation["birth_date"]["result"] == "mismatch"
    assert explanation["birth_date"]["effect"] == -0.4
    assert low["candidates"][0]["score"] == 0.6


def test_one_character_apart_is_found_with_the_birth_date(bureau: Platform):
    li = person("李建国")
    publish([li])
    (without, with_date) = scored(
        bureau,
        [{"ref": "1", "name": "李建军"}, {"ref": "2", "name": "李建军", "birth_date": born(li)}],
    )
    assert without["candidates"] == []
    (candidate,) = with_date["candidates"]
    assert candidate["explanation"]["name"]["method"] == "one_character"
    assert candidate["explanation"]["name"]["differed"] == ["军≠国"]
    assert candidate["score"] == pytest.approx(0.9)


def test_heteronym_surnames_match_their_surname_reading(bureau: Platform):
    shan, zeng = person("单田芳"), person("曾小红")
    publish([shan, zeng])
    results = scored(
        bureau, [{"ref": "1", "name": "Shan Tianfang"}, {"ref": "2", "name": "Zeng Xiaohong"}]
    )
    assert [r["candidates"][0]["name"] for r in results] == ["单田芳", "曾小红"]


def test_former_names_and_aliases_match(bureau: Platform):
    wang = dataclasses.replace(person("王小明"), aliases=("王晓明", "Wong Siu Ming"))
    publish([wang])
    (alias, romanised) = scored(
        bureau, [{"ref": "1", "name": "王晓明"}, {"ref": "2", "name": "Wong Siu Ming"}]
    )
    name = alias["candidates"][0]["explanation"]["name"]
    assert (name["method"], name["name_source"], name["matched_name"]) == (
        "exact",
        "alias",
        "王晓明",
    )
    assert alias["candidates"][0]["name"] == "王小明"
    assert romanised["candidates"][0]["explanation"]["name"]["name_source"] == "alias"


def test_organisations_match_without_their_legal_form_or_bracketed_place(bureau: Platform):
    firm = company("武汉某某科技有限公司", 1)
    publish([firm])
    results = scored(
        bureau,
        [
            {"ref": "1", "name": "武汉某某科技有限责任公司"},
            {"ref": "2", "name": "某某科技（武汉）有限公司"},
            {"ref": "3", "name": "武汉某某贸易有限公司"},
        ],
    )
    assert [r["candidates"][0]["explanation"]["name"]["method"] for r in results[:2]] == [
        "legal_form",
        "place_name",
    ]
    assert results[2]["candidates"] == []


def test_an_id_number_still_decides_alone_and_its_subject_is_not_proposed_again(bureau: Platform):
    zhang, namesake = person("张伟"), person("张伟")
    publish([zhang, namesake])
    (result,) = scored(bureau, [{"ref": "1", "id_number": zhang.id_number, "name": "Zhang Wei"}])
    assert result["listed"] is True and result["match"] == "id_number"
    assert result["entries"][0]["public_id"] == entry_of(zhang).public_id
    # the namesake is compared with what the ID number says: born another day (perhaps of
    # the other gender too), below the threshold
    assert result["candidates"] == []
    (low,) = scored(
        bureau, [{"ref": "1", "id_number": zhang.id_number, "name": "Zhang Wei"}], threshold=0.01
    )
    (candidate,) = low["candidates"]
    assert candidate["entries"][0]["public_id"] == entry_of(namesake).public_id
    assert candidate["explanation"]["birth_date"]["result"] == "mismatch"


def test_an_invalid_id_number_is_an_error_and_its_digits_still_help(bureau: Platform):
    zhang = person("张伟")
    publish([zhang])
    broken = zhang.id_number[:17] + ("0" if zhang.id_number[17] != "0" else "1")
    (result,) = scored(bureau, [{"ref": "1", "id_number": broken, "name": "张伟"}])
    assert result["error"]["code"] == "id_checksum"
    assert result["listed"] is None
    (candidate,) = result["candidates"]
    assert candidate["explanation"]["birth_date"]["result"] == "match"
    assert candidate["explanation"]["region"]["result"] == "match"


def test_threshold_and_limit(bureau: Platform):
    people = [person(name) for name in ("张伟", "章伟", "张玮", "张卫")]
    publish(people)
    (result,) = scored(bureau, [{"ref": "1", "name": "张伟"}], limit=2)
    first, second = result["candidates"]
    assert (first["name"], first["score"]) == ("张伟", 1.0)
    assert second["name"] in {"章伟", "张玮", "张卫"} and second["score"] == 0.9
    (strict,) = scored(bureau, [{"ref": "1", "name": "张伟"}], threshold=0.95)
    assert [c["name"] for c in strict["candidates"]] == ["张伟"]


def test_only_listed_subjects_are_candidates(bureau: Platform):
    from tests.factories.people import expired, on_a_draft

    on_a_draft(person("张伟"))
    expired(person("张伟"))
    (result,) = scored(bureau, [{"ref": "1", "name": "张伟"}])
    assert result["candidates"] == []


def test_without_identity_a_scored_check_is_answered_as_an_exact_one(bank: Platform):
    publish([person("张伟")])
    results = scored(bank, [{"ref": "1", "name": "张伟"}, {"ref": "2", "name": "张玮"}])
    assert [r["match"] for r in results] == ["name", None]
    assert all("candidates" not in r and r["entries"] == [] for r in results)


def test_exact_mode_answers_as_before(bureau: Platform):
    publish([person("张伟")])
    response = bureau.check([{"ref": "1", "name": "张玮"}])
    body = response.json()
    assert (body["match_mode"], body["threshold"], body["limit"]) == ("exact", None, None)
    assert "candidates" not in body["results"][0] and body["results"][0]["match"] is None


def test_a_scored_check_is_logged_like_any_other(bureau: Platform):
    publish([person("张伟")])
    scored(bureau, [{"ref": "1", "name": "Zhang Wei"}])
    log = QueryLog.objects.get()
    assert log.subjects == 1 and log.hits == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("match_mode", "fuzzy"),
        ("threshold", 1.5),
        ("threshold", -0.1),
        ("threshold", False),
        ("threshold", "0.5"),
        ("limit", 0),
        ("limit", 51),
        ("limit", "5"),
        ("limit", True),
        ("limit", 2.5),
    ],
)
def test_bad_scoring_options_are_refused(bureau: Platform, field: str, value: object):
    response = bureau.check([{"ref": "1", "name": "张伟"}], **{field: value})
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_gender_must_be_m_or_f(bureau: Platform):
    response = bureau.check([{"ref": "1", "name": "张伟", "gender": "X"}], match_mode="scored")
    assert response.status_code == 400
    assert "subjects[0].gender" in response.json()["fields"]


def test_region_codes_and_names_compare(bureau: Platform):
    zhang = person("张伟", region="420106")
    publish([zhang])
    results = scored(
        bureau,
        [
            {"ref": "code", "name": "张伟", "region": "4201"},
            {"ref": "name", "name": "张伟", "region": "武汉"},
            {"ref": "away", "name": "张伟", "region": "110101"},
        ],
    )
    assert [r["candidates"][0]["explanation"]["region"]["result"] for r in results] == [
        "match",
        "match",
        "mismatch",
    ]
    assert identity.parse_identity(zhang.id_number).region_code == "420106"


def test_odd_names_are_answered_not_failed(bureau: Platform):
    publish([person("张伟"), company("武汉某某科技有限公司", 2)])
    odd = [
        "张" * 200, "z" * 200, " ".join(["zhang"] * 33), "Zhang-Wei", "zhang'wei", "ZHANG1 WEI3",
        "张 Wei", "123", "·", "Ⅻ", "𠀀𠀁", "有限公司", "(武汉)", "Co., Ltd.", "ü",
        "\u3000张伟\u3000",
    ]  # fmt: skip
    results = scored(bureau, [{"ref": str(i), "name": name} for i, name in enumerate(odd)])
    assert [r["ref"] for r in results] == [str(i) for i in range(len(odd))]
    assert all(isinstance(r["candidates"], list) for r in results)
    by_ref = {r["ref"]: r for r in results}
    assert [c["name"] for c in by_ref["15"]["candidates"]] == ["张伟"]


def test_a_scored_answer_is_signed_with_its_candidates(bureau: Platform):
    publish([person("张伟")])
    response = bureau.check([{"ref": "1", "name": "Zhang Wei"}], match_mode="scored")
    body = response.json()
    assert body["results"][0]["candidates"][0]["score"] == 0.9
    text = json.dumps(body["results"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert body["receipt"]["results_sha256"] == hashlib.sha256(text.encode()).hexdigest()
