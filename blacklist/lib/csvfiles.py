"""CSV files people open in Excel: UTF-8 with a BOM, and no cell that runs as a formula."""

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def csv_safe(cell: Any) -> Any:
    """Spreadsheet programs run cells that start like formulas; make them plain text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def write_csv(out: Writable, rows: Iterable[Iterable[Any]], *, bom: bool = True) -> None:
    """Write rows; `bom=False` continues a file written in several calls."""
    if bom:
        out.write(BOM)  # Excel opens UTF-8 correctly only with it
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
