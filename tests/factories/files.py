"""List files shaped like the ones bureaus send: a title row, a header, one row per person.

Builders write real files (CSV in each accepted encoding, XLSX through openpyxl) and the broken
ones officials upload by mistake or that an attacker crafts.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from blacklist.registry import identity
from devtools.synthetic import FictionalSubject, fictional_people

TITLE = "武汉市公安局关于对涉“两卡”违法犯罪人员实施信用惩戒的公告（第一批）"
SIMPLIFIED = (
    "序号", "姓名", "身份证号", "性别", "户籍地", "违法事实", "惩戒措施", "惩戒起始日期",
    "惩戒终止日期",
)  # fmt: skip
TRADITIONAL = (
    "序號", "姓名", "身份證號", "性別", "戶籍地", "違法事實", "懲戒措施", "懲戒起始日期",
    "懲戒終止日期",
)  # fmt: skip
ENGLISH = (
    "seq", "name", "id_number", "gender", "region", "offence", "measures", "term_start",
    "term_end",
)  # fmt: skip
MINIMAL = ("姓名", "身份证号")
OFFENCE = "出租、出售银行卡"
MEASURES = "限制新开银行账户；限制新办手机卡"
START, END = datetime.date(2020, 11, 1), datetime.date(2025, 10, 31)

Row = Sequence[object]


def people(count: int, *, seed: int = 1) -> list[FictionalSubject]:
    return list(fictional_people(count, seed=seed))


def full_rows(
    subjects: Sequence[FictionalSubject],
    *,
    start: object = START,
    end: object = END,
) -> list[list[object]]:
    """Rows for the SIMPLIFIED / TRADITIONAL / ENGLISH headers."""
    rows: list[list[object]] = []
    for seq, person in enumerate(subjects, start=1):
        ident = identity.parse_identity(person.id_number)
        gender = "男" if ident.gender == "M" else "女"
        region = ident.region_name
        rows.append(
            [seq, person.name, person.id_number, gender, region, OFFENCE, MEASURES, start, end]
        )
    return rows


def minimal_rows(subjects: Sequence[FictionalSubject]) -> list[list[object]]:
    """Rows for the MINIMAL header: name and ID only, everything else from the programme."""
    return [[person.name, person.id_number] for person in subjects]


def csv_bytes(
    rows: Sequence[Row],
    *,
    header: Sequence[str] = SIMPLIFIED,
    encoding: str = "utf-8",
    title: str | None = None,
) -> bytes:
    """CSV as Excel saves it (CRLF, the title in the first cell of an otherwise empty row).

    encoding "utf-16" writes a byte order mark, like Excel's "Unicode text".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title is not None:
        writer.writerow([title] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerows([[csv_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue().encode(encoding)


def csv_cell(cell: object) -> object:
    """A cell as a CSV file holds it: dates in ISO form."""
    return cell.isoformat() if isinstance(cell, datetime.date) else cell


def write_csv(path: Path, rows: Sequence[Row], **options: object) -> Path:
    path.write_bytes(csv_bytes(rows, **options))  # type: ignore[arg-type]
    return path


def xlsx_bytes(
    rows: Sequence[Row],
    *,
    header: Sequence[str] = SIMPLIFIED,
    title: str | None = None,
) -> bytes:
    """A workbook as an official fills it in: IDs in text-formatted cells, dates as dates."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    if title is not None:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.number_format = "@"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx(path: Path, rows: Sequence[Row], **options: object) -> Path:
    path.write_bytes(xlsx_bytes(rows, **options))  # type: ignore[arg-type]
    return path


def write_zip_bomb_xlsx(path: Path, *, padding_mb: int = 64) -> Path:
    """A working workbook whose sheet XML is padded with whitespace: a few dozen KB on disk
    that unpack to `padding_mb` MB (deflate packs runs of spaces about 1000 to 1)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(minimal_rows(people(2)), header=MINIMAL)))
    chunk = b" " * 2**20
    with source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, data)
                continue
            body, end = data.rsplit(b"</worksheet>", 1)
            with bomb.open(info.filename, "w", force_zip64=True) as member:
                member.write(body)
                for _ in range(padding_mb):
                    member.write(chunk)
                member.write(b"</worksheet>" + end)
    return path


def write_encrypted_xlsx(path: Path, *, password: str = "123456") -> Path:  # noqa: S107
    """A real password-protected workbook: Excel wraps it in an OLE (CFB) container."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(xlsx_bytes(minimal_rows(people(2)), header=MINIMAL))
    with path.open("wb") as out:
        OOXMLFile(plain).encrypt(password, out)
    return path
