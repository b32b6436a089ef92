"""Reading list files: what is read from each kind of file, and which files are refused whole."""

import datetime
import io
import random
import zipfile
from pathlib import Path

import pytest

from blacklist.importing.reader import FileRefused, Sheet, open_sheet
from devtools.synthetic import FictionalSubject
from tests.factories import files

PEOPLE = files.people(3)
# A rare character (U+4DAE) that GB18030 encodes in four bytes: real names use such characters.
PEOPLE[0] = FictionalSubject(name="刘䶮", id_number=PEOPLE[0].id_number)
COLUMNS = {
    "seq": 0, "name": 1, "id_number": 2, "gender": 3, "region": 4, "offence": 5, "measures": 6,
    "term_start": 7, "term_end": 8,
}  # fmt: skip


def read(path: Path, *, name: str | None = None) -> tuple[Sheet, list[tuple[int, list[object]]]]:
    with open_sheet(path, name=name or path.name) as sheet:
        return sheet, list(sheet.rows)


def refusal(path: Path, *, name: str | None = None) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read(path, name=name)
    return caught.value


def csv_expected(rows: list[list[object]], *, first: int) -> list[tuple[int, list[str]]]:
    """What a CSV reader gives back: every cell as text, numbered as in a spreadsheet."""
    return [(first + i, [str(files.csv_cell(c)) for c in row]) for i, row in enumerate(rows)]


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_it_reads_the_same_rows_in_every_encoding(tmp_path, encoding):
    rows = files.full_rows(PEOPLE)
    path = files.write_csv(tmp_path / "名单.csv", rows, header=files.TRADITIONAL, encoding=encoding)

    sheet, read_rows = read(path)

    assert (sheet.file_format, sheet.encoding) == ("csv", encoding)
    assert sheet.columns == COLUMNS
    assert sheet.header_row == 1
    assert read_rows == csv_expected(rows, first=2)
    assert read_rows[0][1][1] == "刘䶮"


def test_it_reads_an_xlsx_with_numbers_and_dates_as_the_cells_hold_them(tmp_path):
    rows = files.full_rows(PEOPLE)
    path = files.write_xlsx(tmp_path / "名单.xlsx", rows)

    sheet, read_rows = read(path)

    assert (sheet.file_format, sheet.columns, sheet.header_row) == ("xlsx", COLUMNS, 1)
    start, end = (datetime.datetime(d.year, d.month, d.day) for d in (files.START, files.END))
    assert read_rows == [(n, [*row[:7], start, end]) for n, row in enumerate(rows, start=2)]


def test_it_reads_a_gb18030_file_longer_than_its_sniffed_start(tmp_path):
    # The encoding is chosen from the first 64 KB; a character may straddle that boundary.
    rows = files.full_rows(files.people(1500, seed=5))
    path = files.write_csv(tmp_path / "名单.csv", rows, encoding="gb18030")
    assert path.stat().st_size > 64 * 1024

    sheet, read_rows = read(path)

    assert sheet.encoding == "gb18030"
    assert read_rows == csv_expected(rows, first=2)


def test_it_reads_quoted_cells_with_commas_quotes_and_line_breaks(tmp_path):
    # Excel quotes such cells and doubles the quotes inside; a line break (Alt+Enter) stays
    # inside its row, so row numbers still match the spreadsheet's.
    rows = files.full_rows(PEOPLE)
    for row in rows:
        row[5] = '出租,出售"银行卡"'
        row[6] = "限制开户;\n限制新办手机卡"
    path = files.write_csv(tmp_path / "名单.csv", rows, title=files.TITLE)

    _, read_rows = read(path)

    assert read_rows == csv_expected(rows, first=3)


def test_it_reads_a_big_endian_utf16_file(tmp_path):
    rows = files.minimal_rows(PEOPLE)
    text = files.csv_bytes(rows, header=files.MINIMAL).decode()
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))

    sheet, read_rows = read(path)

    assert sheet.encoding == "utf-16"
    assert read_rows == csv_expected(rows, first=2)


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_it_reads_other_delimiters_that_spreadsheets_write(tmp_path, delimiter):
    # Excel's "Unicode text" is UTF-16 with tabs; some locales' Excel writes semicolons.
    rows = files.minimal_rows(PEOPLE)
    text = "".join(delimiter.join(row) + "\r\n" for row in [list(files.MINIMAL), *rows])
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode("utf-16"))

    sheet, read_rows = read(path)

    assert (sheet.encoding, sheet.columns) == ("utf-16", {"name": 0, "id_number": 1})
    assert read_rows == csv_expected(rows, first=2)


# --- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [files.SIMPLIFIED, files.TRADITIONAL, files.ENGLISH], ids=["zh-hans", "zh-hant", "en"]
)
def test_it_understands_headers_in_simplified_traditional_and_english(tmp_path, header):
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(PEOPLE), header=header)

    sheet, _ = read(path)

    assert sheet.columns == COLUMNS
    assert sheet.ignored == []


def test_it_ignores_spaces_case_and_required_marks_around_headers(tmp_path):
    header = ("  姓名 ", "\t*身份證號：", " Gender ", "TERM_START")
    rows = [[p.name, p.id_number, "男", "2020-11-01"] for p in PEOPLE]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=header)

    sheet, _ = read(path)

    assert sheet.columns == {"name": 0, "id_number": 1, "gender": 2, "term_start": 3}


def test_it_accepts_other_names_officials_give_the_columns(tmp_path):
    header = ("單位名稱", "統一社會信用代碼", "懲戒事由", "住址")
    path = files.write_csv(tmp_path / "名单.csv", [], header=header)

    sheet, _ = read(path)

    assert sheet.columns == {"name": 0, "id_number": 1, "offence": 2, "region": 3}


@pytest.mark.parametrize("writer", [files.write_csv, files.write_xlsx], ids=["csv", "xlsx"])
def test_it_skips_the_title_row_above_the_header(tmp_path, writer):
    suffix = ".csv" if writer is files.write_csv else ".xlsx"
    rows = files.minimal_rows(PEOPLE)
    path = writer(tmp_path / f"名单{suffix}", rows, header=files.MINIMAL, title=files.TITLE)

    sheet, read_rows = read(path)

    assert sheet.header_row == 2
    assert sheet.columns == {"name": 0, "id_number": 1}
    assert [number for number, _ in read_rows] == [3, 4, 5]
    assert [cells[:2] for _, cells in read_rows] == rows


def test_it_finds_the_header_below_several_title_and_blank_lines(tmp_path):
    body = files.csv_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL)
    preamble = f"{files.TITLE}\r\n\r\n文号：武公通〔2020〕12号,\r\n\r\n".encode()
    path = tmp_path / "名单.csv"
    path.write_bytes(preamble + body)

    sheet, read_rows = read(path)

    assert sheet.header_row == 5
    assert read_rows[0] == (6, [PEOPLE[0].name, PEOPLE[0].id_number])


def test_it_lists_unknown_columns_as_ignored(tmp_path):
    header = ("序号", "姓名", "备注", "身份证号", "联系电话")
    rows = [[1, PEOPLE[0].name, "无", PEOPLE[0].id_number, "13800000000"]]
    path = files.write_csv(tmp_path / "名单.csv", rows, header=header)

    sheet, read_rows = read(path)

    assert sheet.columns == {"seq": 0, "name": 1, "id_number": 3}
    assert sheet.ignored == ["备注", "联系电话"]
    assert read_rows == [(2, ["1", PEOPLE[0].name, "无", PEOPLE[0].id_number, "13800000000"])]


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (("姓名", "性别", "户籍地"), ["ID number"]),
        (("身份证号", "性别"), ["name"]),
        (("序号", "备注"), ["name", "ID number"]),
    ],
)
def test_it_refuses_a_file_without_a_required_column_and_names_it(tmp_path, header, missing):
    path = files.write_csv(tmp_path / "名单.csv", [["1"] * len(header)], header=header)

    refused = refusal(path)

    assert refused.code == "missing_columns"
    assert all(label in refused.message for label in missing)


def test_it_refuses_two_columns_that_mean_the_same_thing(tmp_path):
    header = ("姓名", "身份证号", "身份證號")
    path = files.write_csv(tmp_path / "名单.csv", [], header=header)

    refused = refusal(path)

    assert refused.code == "duplicate_column"
    assert "身份證號" in refused.message


# --- files refused whole --------------------------------------------------------------------


def test_it_refuses_an_empty_file(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"")

    assert refusal(path).code == "empty"


def test_it_refuses_a_file_of_blank_lines(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"\r\n,,,\r\n\r\n")

    assert refusal(path).code == "empty"


def test_it_reads_a_header_without_rows_as_no_rows(tmp_path):
    # Not the reader's to refuse: the pipeline refuses it (no_rows, see test_pipeline).
    path = files.write_csv(tmp_path / "名单.csv", [], header=files.SIMPLIFIED)

    sheet, read_rows = read(path)

    assert sheet.columns == COLUMNS
    assert read_rows == []


@pytest.mark.parametrize("name", ["名单.txt", "名单.xls", "名单.csv.exe", "名单"])
def test_it_refuses_files_not_named_csv_or_xlsx(tmp_path, name):
    path = files.write_csv(
        tmp_path / "upload.bin", files.minimal_rows(PEOPLE), header=files.MINIMAL
    )

    assert refusal(path, name=name).code == "extension"


def test_it_takes_the_extension_in_any_case(tmp_path):
    path = files.write_csv(tmp_path / "名单.CSV", files.minimal_rows(PEOPLE), header=files.MINIMAL)

    sheet, read_rows = read(path)

    assert (sheet.file_format, len(read_rows)) == ("csv", 3)


def test_it_refuses_a_csv_that_is_really_a_workbook(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(files.xlsx_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL))

    assert refusal(path).code == "type_mismatch"


def test_it_refuses_a_workbook_that_is_really_a_csv(tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(files.csv_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL))

    assert refusal(path).code == "type_mismatch"


def test_it_refuses_binary_garbage_named_csv(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(random.Random(7).randbytes(16 * 1024))

    assert refusal(path).code == "binary"


def test_it_refuses_a_utf16_file_without_its_byte_order_mark(tmp_path):
    data = files.csv_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL, encoding="utf-16-le")
    path = tmp_path / "名单.csv"
    path.write_bytes(data)

    assert refusal(path).code == "binary"


def test_it_refuses_bytes_that_are_neither_utf8_nor_gb18030(tmp_path):
    data = files.csv_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL, encoding="gb18030")
    path = tmp_path / "名单.csv"
    path.write_bytes(data + "1,王".encode("gb18030") + b"\xff\xfe,420106\r\n")

    assert refusal(path).code == "encoding"


def test_it_refuses_a_gb18030_file_with_a_utf8_row_past_its_start_and_says_where(tmp_path):
    # A row pasted from a UTF-8 source after the part the encoding is chosen from.
    rows = files.minimal_rows(files.people(4000, seed=3))
    data = files.csv_bytes(rows, header=files.MINIMAL, encoding="gb18030")
    data += "张三丰,420106199001011231\r\n".encode()
    assert len(data) > 64 * 1024
    with pytest.raises(UnicodeDecodeError) as python_says:
        data.decode("gb18030")
    path = tmp_path / "名单.csv"
    path.write_bytes(data)

    refused = refusal(path)

    assert refused.code == "encoding"
    assert f"position {python_says.value.start})" in refused.message


def test_it_refuses_a_csv_with_an_unclosed_quote(tmp_path):
    # The quote swallows every following line into one field, past the csv module's limit.
    rows = files.minimal_rows(files.people(6000, seed=4))
    data = files.csv_bytes(rows, header=files.MINIMAL)
    header, rest = data.split(b"\r\n", 1)
    path = tmp_path / "名单.csv"
    path.write_bytes(header + b'\r\n"' + rest)

    assert refusal(path).code == "csv_format"


def test_it_refuses_a_truncated_workbook(tmp_path):
    data = files.xlsx_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(data[: len(data) // 2])

    assert refusal(path).code == "corrupt"


def test_it_refuses_a_zip_that_is_not_a_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "名单.csv", files.csv_bytes(files.minimal_rows(PEOPLE), header=files.MINIMAL)
        )
    path = tmp_path / "名单.xlsx"
    path.write_bytes(buffer.getvalue())

    assert refusal(path).code == "corrupt"


def test_it_refuses_a_zip_bomb_before_unpacking_it(tmp_path):
    path = files.write_zip_bomb_xlsx(tmp_path / "名单.xlsx", padding_mb=64)
    assert path.stat().st_size < 256 * 1024

    refused = refusal(path)

    assert refused.code == "zip_bomb"
    assert "64 MB" in refused.message


def test_it_refuses_a_workbook_that_unpacks_past_the_limit(tmp_path, settings):
    path = files.write_xlsx(tmp_path / "名单.xlsx", files.full_rows(PEOPLE))
    settings.IMPORT_MAX_UNPACKED_BYTES = 4096

    assert refusal(path).code == "zip_bomb"


def test_it_refuses_a_password_protected_workbook(tmp_path):
    pytest.importorskip("msoffcrypto", reason="msoffcrypto-tool makes the encrypted workbook")
    path = files.write_encrypted_xlsx(tmp_path / "名单.xlsx")

    refused = refusal(path)

    assert refused.code == "encrypted_or_xls"
    assert "password" in refused.message


def test_it_refuses_an_old_xls_renamed_to_xlsx(tmp_path):
    # .xls files are OLE containers too, and so are encrypted workbooks.
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))

    assert refusal(path).code == "encrypted_or_xls"


def test_it_refuses_a_file_over_the_size_limit(tmp_path, settings):
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(PEOPLE))
    settings.IMPORT_MAX_BYTES = path.stat().st_size - 1

    assert refusal(path).code == "too_large"


def test_it_accepts_a_file_of_exactly_the_size_limit(tmp_path, settings):
    path = files.write_csv(tmp_path / "名单.csv", files.full_rows(PEOPLE))
    settings.IMPORT_MAX_BYTES = path.stat().st_size

    _, read_rows = read(path)

    assert len(read_rows) == 3
