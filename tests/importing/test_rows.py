"""Judging one row of a list file: the listing it gives, or the problems that stop it."""

import datetime
import json
import re

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet.formula import ArrayFormula
from stdnum.cn import ric

from blacklist.importing.reader import open_sheet
from blacklist.importing.rows import JudgedRow, judge_row
from blacklist.registry.identity import SubjectKind, make_credit_code, make_resident_id
from tests.factories import assert_no_full_ids, files

COLUMNS = {
    "seq": 0, "name": 1, "id_number": 2, "gender": 3, "region": 4, "offence": 5, "measures": 6,
    "term_start": 7, "term_end": 8,
}  # fmt: skip
PERSON = files.people(1, seed=11)[0]
NEXT_YEAR = datetime.date.today().year + 1
WITH_X = "42010619880517009X"  # a real check digit X
COMPANY = make_credit_code("91420100MA4K3B2L1")


def with_check_digit(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def other_check_digit(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def cells(**given: object) -> list[object]:
    values: dict[str, object] = dict.fromkeys(COLUMNS, "")
    values.update(seq="7", name=PERSON.name, id_number=PERSON.id_number)
    values.update(given)
    return [values[name] for name in COLUMNS]


def judge(**given: object) -> JudgedRow:
    judged = judge_row(12, cells(**given), COLUMNS)
    assert judged is not None
    return judged


def problems_json(judged: JudgedRow) -> str:
    return json.dumps([p.as_dict() for p in judged.errors + judged.warnings], ensure_ascii=False)


def assert_no_id_in_values(judged: JudgedRow, *numbers: str) -> None:
    assert_no_full_ids(problems_json(judged), [PERSON.id_number, *numbers])
    for problem in judged.errors + judged.warnings:
        # A mask shows at most the first six characters in a row.
        assert not re.search(r"\d{7,}", problem.value), problem


# --- errors ---------------------------------------------------------------------------------

BAD_BIRTH = with_check_digit("42010619901301123")
FUTURE = make_resident_id("420106", datetime.date(NEXT_YEAR, 1, 1), 123)
ERRORS = [
    ({"name": ""}, "name_missing", "name"),
    ({"name": "  "}, "name_missing", "name"),
    ({"name": "张" * 201}, "name_too_long", "name"),
    ({"id_number": float(PERSON.id_number)}, "id_as_number", "ID number"),
    # however the file writes a rounded 18-digit number, it is a number, not an ID
    ({"id_number": int(PERSON.id_number[:15] + "000")}, "id_as_number", "ID number"),
    ({"id_number": other_check_digit(PERSON.id_number)}, "id_checksum", "ID number"),
    ({"id_number": BAD_BIRTH}, "id_birth_date", "ID number"),
    ({"id_number": FUTURE}, "id_birth_future", "ID number"),
    ({"id_number": "420106900101123"}, "id_legacy_15", "ID number"),
    ({"id_number": PERSON.id_number[:17]}, "id_length", "ID number"),
    ({"id_number": PERSON.id_number + "1"}, "id_length", "ID number"),
    ({"id_number": "91420100MA4K3B2L"}, "credit_code_format", "ID number"),
    ({"id_number": other_check_digit(COMPANY)}, "credit_code_checksum", "ID number"),
    ({"id_number": ""}, "id_empty", "ID number"),
    ({"term_start": "2020-13-01"}, "date_invalid", "term start"),
    ({"term_end": "五年后"}, "date_invalid", "term end"),
    ({"term_end": "2025-02-30"}, "date_invalid", "term end"),
    ({"term_start": "2025-10-31", "term_end": "2020-11-01"}, "term_order", "term end"),
    ({"term_start": "2020-11-01", "term_end": "2020-11-01"}, "term_order", "term end"),
    ({"offence": "出" * 501}, "too_long", "offence"),
    ({"measures": "限" * 2001}, "too_long", "measures"),
    ({"name": '=HYPERLINK("http://example.com","张三")'}, "formula", "name"),
    ({"id_number": "=A1"}, "formula", "ID number"),
    ({"offence": ArrayFormula("F2", "=SUM(A1:A9)")}, "formula", "offence"),
]


@pytest.mark.parametrize(("given", "code", "column"), ERRORS, ids=[e[1] for e in ERRORS])
def test_it_stops_a_row_with_one_error_and_names_its_column(given, code, column):
    judged = judge(**given)

    assert judged.listing is None
    assert [(p.code, p.column, p.row, p.seq) for p in judged.errors] == [(code, column, 12, "7")]
    assert judged.errors[0].message
    ids = [str(v) for v in given.values() if isinstance(v, str) and re.fullmatch(r"\w{15,}", v)]
    assert_no_id_in_values(judged, *ids)


def test_it_masks_a_mistyped_id_in_the_error():
    wrong = other_check_digit(PERSON.id_number)

    (problem,) = judge(id_number=wrong).errors

    assert problem.value == wrong[:6] + "********" + wrong[-4:]


def test_it_reports_every_error_of_a_row():
    judged = judge(name="", id_number="", term_start="昨天")

    assert sorted(p.code for p in judged.errors) == ["date_invalid", "id_empty", "name_missing"]


# --- what is accepted -----------------------------------------------------------------------


def test_it_gives_a_listing_for_a_good_row():
    judged = judge(
        name=" 张三 ",
        offence="出租银行卡",
        measures="限制开户",
        term_start="2020-11-01",
        term_end="2025-10-31",
    )

    assert judged.errors == judged.warnings == []
    listing = judged.listing
    assert (listing.name, listing.offence, listing.measures) == ("张三", "出租银行卡", "限制开户")
    assert listing.identity.number == PERSON.id_number
    assert (listing.term_start, listing.term_end) == (files.START, files.END)


def test_it_leaves_missing_fields_to_the_programme():
    # A short line, as CSV writers leave them when the last cells are empty.
    columns = {"name": 0, "id_number": 1, "offence": 2, "term_start": 3, "term_end": 4}
    judged = judge_row(3, [PERSON.name, PERSON.id_number], columns)

    assert judged.errors == []
    assert (judged.listing.offence, judged.listing.measures) == ("", "")
    assert (judged.listing.term_start, judged.listing.term_end) == (None, None)


@pytest.mark.parametrize(
    "typed",
    [
        "".join(chr(ord(c) + 0xFEE0) for c in PERSON.id_number),  # full-width digits
        f" {PERSON.id_number[:6]} {PERSON.id_number[6:14]} {PERSON.id_number[14:]} ",
        f"{PERSON.id_number[:6]}-{PERSON.id_number[6:]}",
    ],
    ids=["full-width", "spaces", "hyphen"],
)
def test_it_accepts_an_id_as_people_type_it(typed):
    judged = judge(id_number=typed)

    assert judged.errors == []
    assert judged.listing.identity.number == PERSON.id_number


def test_it_accepts_a_lower_case_x():
    judged = judge(id_number=WITH_X.lower())

    assert judged.errors == []
    assert judged.listing.identity.number == WITH_X


def test_it_accepts_an_organisation_by_its_credit_code():
    judged = judge(name="武汉鑫达通讯器材有限公司", id_number=COMPANY.lower(), gender="男")

    assert judged.errors == judged.warnings == []
    assert judged.listing.identity.kind == SubjectKind.ORGANISATION
    assert judged.listing.identity.number == COMPANY


@pytest.mark.parametrize(
    "written",
    [
        "2020-11-01",
        "2020/11/01",
        "2020/11/1",
        "2020年11月1日",
        "2020年11月01日",
        "2020-11-01 00:00:00",
        datetime.date(2020, 11, 1),
        datetime.datetime(2020, 11, 1),
        44136,  # an Excel serial in a cell without a date format
        44136.0,
    ],
)
def test_it_reads_dates_as_officials_write_them(written):
    judged = judge(term_start=written)

    assert judged.errors == []
    assert judged.listing.term_start == datetime.date(2020, 11, 1)


def test_it_returns_nothing_for_a_blank_row():
    assert judge_row(5, ["", " ", None, "", "\t"], COLUMNS) is None
    assert judge_row(6, [], COLUMNS) is None


# --- warnings -------------------------------------------------------------------------------


def test_a_gender_that_contradicts_the_id_is_a_warning_not_an_error():
    male = make_resident_id("420106", datetime.date(1990, 1, 1), 123)

    judged = judge(id_number=male, gender="女")

    assert judged.errors == []
    assert judged.listing is not None
    assert [(p.code, p.column) for p in judged.warnings] == [("gender_mismatch", "gender")]


@pytest.mark.parametrize("gender", ["男", "M", "male", "Male"])
def test_a_gender_that_agrees_with_the_id_gives_no_warning(gender):
    male = make_resident_id("420106", datetime.date(1990, 1, 1), 123)

    assert judge(id_number=male, gender=gender).warnings == []


def test_an_unknown_region_code_is_a_warning_not_an_error():
    unknown = make_resident_id("990101", datetime.date(1990, 1, 1), 123)

    judged = judge(id_number=unknown)

    assert judged.errors == []
    assert judged.listing.identity.number == unknown
    assert [(p.code, p.column) for p in judged.warnings] == [("region_unknown", "ID number")]
    assert "990101" in judged.warnings[0].message
    assert_no_id_in_values(judged, unknown)


# --- cells as a real workbook holds them ----------------------------------------------------


def test_it_judges_a_real_workbook_cell_by_cell(tmp_path):
    people = files.people(5, seed=12)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "惩戒起始日期", "惩戒终止日期", "违法事实"])
    sheet.append([people[0].name, people[0].id_number, datetime.date(2020, 11, 1), 45961, "出租"])
    sheet.append([people[1].name, float(people[1].id_number), None, None, None])
    sheet.append([people[2].name, people[2].id_number, None, None, "=A2&B2"])
    sheet.append([people[3].name, people[3].id_number, None, None, None])
    sheet["E5"] = ArrayFormula("E5", "=CONCAT(A1:A4)")
    sheet.append([people[4].name, people[4].id_number, "2020年11月1日", "2025/10/31", None])
    sheet["C2"].number_format = "yyyy年m月d日"
    path = tmp_path / "名单.xlsx"
    workbook.save(path)

    with open_sheet(path, name=path.name) as read:
        judged = [judge_row(number, row, read.columns) for number, row in read.rows]

    assert [(j.number, [p.code for p in j.errors]) for j in judged] == [
        (2, []),
        (3, ["id_as_number"]),
        (4, ["formula"]),
        (5, ["formula"]),
        (6, []),
    ]
    for good in (judged[0], judged[4]):
        assert (good.listing.term_start, good.listing.term_end) == (files.START, files.END)
    assert_no_full_ids(
        json.dumps([p.as_dict() for j in judged for p in j.errors]),
        [p.id_number for p in people],
    )


# --- text cells and workbook cells are judged alike -----------------------------------------

UNKNOWN_REGION = make_resident_id("990101", datetime.date(1990, 1, 1), 123)
GOOD_IDS = [
    PERSON.id_number, WITH_X, WITH_X.lower(), COMPANY, COMPANY.lower(),
    "".join(chr(ord(c) + 0xFEE0) for c in PERSON.id_number),
    f" {PERSON.id_number[:6]}-{PERSON.id_number[6:]} ",
]  # fmt: skip
BAD_IDS = [
    UNKNOWN_REGION, FUTURE, BAD_BIRTH, other_check_digit(PERSON.id_number),
    other_check_digit(COMPANY), "420106900101123", PERSON.id_number[:17], "", "=A1", "#REF!",
]  # fmt: skip
STARTS = ["", "2020-11-01", "2020/11/1", "2020年11月01日", "2020-11-01 00:00:00"]
ENDS = ["", " 2025-10-31 ", "2025/10/31", "2025年10月31日"]
BAD_DATES = ["2020-13-01", "2025-02-30", "2020-11-01", "五年后", "=TODAY()", "#VALUE!"]


def mostly(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """Mostly values that pass, so that many rows pass; now and then a bad or random one."""
    return st.sampled_from([*good * 8, *bad, None]).flatmap(
        lambda value: st.text(max_size=9) if value is None else st.just(value)
    )


@given(
    seq=st.sampled_from(["", "7", " 12 "]),
    name=mostly(["张三", " 李  四 ", "阿卜杜·热合曼", "Zhang San"], ["", "张" * 201, "=A1"]),
    id_number=mostly(GOOD_IDS, BAD_IDS),
    gender=mostly(["", "", "", "男", "女", "M", "f", "Male", " 女性 "], ["x", "=B1"]),
    offence=mostly(["", "出租银行卡"], ["出" * 501, "#N/A"]),
    measures=mostly(["", "限制开户"], ["限" * 2001]),
    term_start=mostly(STARTS, BAD_DATES),
    term_end=mostly(ENDS, BAD_DATES),
)
def test_a_row_of_text_cells_is_judged_as_the_same_row_from_a_workbook(**given_cells):
    text_cells = cells(region="", **given_cells)
    # An empty workbook cell reads as None, not "": the row takes the full judgement.
    workbook_cells = cells(region=None, **given_cells)

    from_text = judge_row(12, text_cells, COLUMNS)
    from_workbook = judge_row(12, workbook_cells, COLUMNS)

    if from_workbook is None:
        assert from_text is None
        return
    assert from_text is not None
    assert (from_text.seq, from_text.listing) == (from_workbook.seq, from_workbook.listing)
    assert problems_json(from_text) == problems_json(from_workbook)
