"""Reading list files: CSV (UTF-8, UTF-8 with BOM, GB18030, UTF-16) and XLSX, streamed.

A file is refused as a whole (FileRefused) when it cannot be read safely; rows are
only read here, never judged (rows.py does that).
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blacklist.registry.naming import fold_name
from blacklist.registry.redaction import redact_id_numbers

# field -> accepted headers (simplified, traditional and English all fold to these)
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "seq", "no"),
    "name": ("姓名", "名称", "单位名称", "企业名称", "机构名称", "name"),
    "id_number": (
        "身份证号", "身份证号码", "身分证号", "身分证字号", "公民身份号码", "证件号码", "证件号",
        "统一社会信用代码",
        "社会信用代码", "id_number", "id",
    ),
    "gender": ("性别", "gender", "sex"),
    "region": ("户籍地", "户籍所在地", "住址", "地址", "region"),
    "offence": ("违法事实", "惩戒事由", "事由", "offence", "offense"),
    "measures": ("惩戒措施", "措施", "measures"),
    "aliases": ("曾用名", "别名", "曾用名/别名", "其他姓名", "aliases", "former_names"),
    "term_start": ("惩戒起始日期", "惩戒开始日期", "起始日期", "开始日期", "term_start"),
    "term_end": ("惩戒终止日期", "惩戒结束日期", "终止日期", "结束日期", "term_end"),
}  # fmt: skip
REQUIRED = ("name", "id_number")
FIELD_LABELS = {
    "seq": gettext_lazy("sequence"),
    "name": gettext_lazy("name"),
    "id_number": gettext_lazy("ID number"),
    "gender": gettext_lazy("gender"),
    "region": gettext_lazy("region"),
    "offence": gettext_lazy("offence"),
    "measures": gettext_lazy("measures"),
    "aliases": gettext_lazy("former names and aliases"),
    "term_start": gettext_lazy("term start"),
    "term_end": gettext_lazy("term end"),
}
HEADER_SCAN_ROWS = 10  # title rows above the header are common in bureau spreadsheets
SNIFF_BYTES = 64 * 1024
# No cell of a penalty list comes near this; an unclosed quote that swallows the rest of the
# file does. The csv module keeps one limit per process and libraries raise it on import, so
# the reader sets its own each time.
CSV_FIELD_LIMIT = 128 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and old .xls
EXTENSIONS = {".csv": "csv", ".xlsx": "xlsx"}


def _fold_header(text: str) -> str:
    return fold_name(text.replace("*", "").replace(":", "").replace("：", ""))


_HEADER_LOOKUP = {
    _fold_header(header): name for name, headers in HEADERS.items() for header in headers
}


class FileRefused(Exception):
    """The whole file is refused; nothing is written."""

    def __init__(self, code: str, message: str) -> None:
        message = redact_id_numbers(message)  # it may quote a header or a cell; it is stored
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Sheet:
    file_format: str
    encoding: str
    columns: dict[str, int]
    ignored: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[object]]]
    rows_estimate: int | None = None


def check_upload(*, name: str, size: int) -> str:
    """Refuse by name and size before anything is stored; returns the expected format."""
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise FileRefused("extension", _("Only .csv and .xlsx files can be imported."))
    if size == 0:
        raise FileRefused("empty", _("The file is empty."))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRefused(
            "too_large",
            _("The file is larger than the limit of %(limit)d MB.")
            % {"limit": settings.IMPORT_MAX_BYTES // 2**20},
        )
    return EXTENSIONS[suffix]


@contextmanager
def open_sheet(path: Path, *, name: str) -> Iterator[Sheet]:
    expected = check_upload(name=name, size=path.stat().st_size)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(OLE_MAGIC):
        raise FileRefused(
            "encrypted_or_xls",
            _(
                "This Excel file is password-protected or in the old .xls format: remove the "
                "password and save it as .xlsx."
            ),
        )
    actual = "xlsx" if head.startswith(ZIP_MAGIC) else "csv"
    if actual != expected:
        raise FileRefused(
            "type_mismatch",
            _("The file's name says .%(expected)s but its content is not a %(expected)s file.")
            % {"expected": expected},
        )
    if actual == "xlsx":
        with _xlsx_sheet(path) as sheet:
            yield sheet
    else:
        with _csv_sheet(path, head) as sheet:
            yield sheet


# --- CSV ----------------------------------------------------------------------------------------


def _csv_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileRefused("binary", _("The file is not a text file (it contains binary data)."))
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: the sample may end in the middle of a character
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused(
        "encoding", _("The file's text encoding could not be read: save it as UTF-8 or GB18030.")
    )


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n")
    return controls > max(2, len(text) // 100)


@contextmanager
def _csv_sheet(path: Path, head: bytes) -> Iterator[Sheet]:
    encoding = _csv_encoding(head)
    sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    if _looks_binary(sample):
        raise FileRefused("binary", _("The file is not a text file (it contains binary data)."))
    # Only the delimiter is sniffed: the sniffer's guesses of quoting (doublequote, quotechar)
    # are unreliable, and every spreadsheet writes quotes as Excel does.
    try:
        delimiter = csv.Sniffer().sniff(sample[:8192], delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    with path.open("r", encoding=encoding, errors="strict", newline="") as text:
        csv.field_size_limit(CSV_FIELD_LIMIT)
        reader = csv.reader(text, csv.excel, delimiter=delimiter)
        records = _decoding_errors_refused(reader, text)
        # csv.reader gives a new list for every record: no copy needed
        numbered: Iterator[tuple[int, list[object]]] = enumerate(records, start=1)  # type: ignore[arg-type]
        columns, ignored, header_row, rest = _find_header(numbered)
        average = max(len(head) // max(sample.count("\n"), 1), 1)
        yield Sheet(
            "csv",
            encoding,
            columns,
            ignored,
            header_row,
            rest,
            path.stat().st_size // average,
        )


def _decoding_errors_refused(records: Iterator[list[str]], text: TextIO) -> Iterator[list[str]]:
    try:
        yield from records
    except UnicodeDecodeError as error:
        # error.start counts from the start of the chunk being decoded (the bytes just read,
        # after any left over from the chunk before), not from the start of the file.
        position = text.buffer.tell() - len(error.object) + error.start
        raise FileRefused(
            "encoding",
            _("The file mixes text encodings (unreadable bytes at position %(position)d).")
            % {"position": position},
        ) from None
    except csv.Error as error:
        raise FileRefused(
            "csv_format", _("The CSV file is malformed: %(error)s") % {"error": error}
        ) from None


# --- XLSX ---------------------------------------------------------------------------------------


@contextmanager
def _xlsx_sheet(path: Path) -> Iterator[Sheet]:
    _refuse_zip_bombs(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken package
        raise FileRefused(
            "corrupt", _("The Excel file is damaged or not a real .xlsx file.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows = _xlsx_rows(sheet.iter_rows(values_only=True))
        columns, ignored, header_row, rest = _find_header(rows)
        estimate = (sheet.max_row or 0) - header_row if sheet.max_row else None
        yield Sheet("xlsx", "", columns, ignored, header_row, rest, estimate)
    finally:
        workbook.close()


def _xlsx_rows(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[int, list[object]]]:
    try:
        for number, cells in enumerate(rows, start=1):
            yield number, list(cells)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileRefused(
            "corrupt", _("The Excel file is damaged: %(error)s") % {"error": error}
        ) from None


def _refuse_zip_bombs(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(
            "corrupt", _("The Excel file is damaged or not a real .xlsx file.")
        ) from None
    packed = max(path.stat().st_size, 1)
    if (
        unpacked > settings.IMPORT_MAX_UNPACKED_BYTES
        or unpacked / packed > settings.IMPORT_MAX_ZIP_RATIO
    ):
        raise FileRefused(
            "zip_bomb",
            _("The Excel file unpacks to far more data than it holds (%(size)d MB); it is refused.")
            % {"size": unpacked // 2**20},
        )


# --- header -------------------------------------------------------------------------------------


def _find_header(
    rows: Iterator[tuple[int, list[object]]],
) -> tuple[dict[str, int], list[str], int, Iterator[tuple[int, list[object]]]]:
    """The first row among the first few that names the required columns."""
    best: tuple[int, dict[str, int], list[str]] | None = None
    for number, cells in rows:
        if not any(_text(cell) for cell in cells):
            continue
        columns, ignored = _map_header(cells)
        if best is None or len(columns) > len(best[1]):
            best = (number, columns, ignored)
        if all(name in columns for name in REQUIRED) or number >= HEADER_SCAN_ROWS:
            break
    if best is None:
        raise FileRefused("empty", _("The file has no header row and no data."))
    number, columns, ignored = best
    missing = [str(FIELD_LABELS[name]) for name in REQUIRED if name not in columns]
    if missing:
        raise FileRefused(
            "missing_columns",
            _("Required columns are missing: %(columns)s (for example 姓名 and 身份证号).")
            % {"columns": ", ".join(missing)},
        )
    return columns, ignored, number, rows


def _map_header(cells: list[object]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(_text(cell) for cell in cells):
        if not header:
            continue
        name = _HEADER_LOOKUP.get(_fold_header(header))
        if name is None:
            ignored.append(header)
        elif name in columns:
            raise FileRefused(
                "duplicate_column",
                _("Two columns mean the same thing (%(header)s); keep one.") % {"header": header},
            )
        else:
            columns[name] = index
    return columns, ignored


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()
