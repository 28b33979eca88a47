"""The one export path: every CSV and XLSX the product writes (the app's downloads, the CLI's
outputs, the import's reports, templates and code lists, the catalogue) goes through here.

- Any text cell starting with = + - @, a tab, a carriage return or a line feed is prefixed with an
  apostrophe, so a firm name such as "=HYPERLINK(...)" is shown as text and never run as a formula
  (CSV/formula injection). Numbers stay numbers.
- CSV is UTF-8 with a byte-order mark (spreadsheet programs then show Vietnamese correctly) and
  RFC 4180 line ends, so every cell holding a line break or a carriage return is quoted: a value
  such as "x\\r=1+2" stays one cell instead of starting a new row with a formula.
- XLSX drops the control characters a worksheet cannot hold rather than failing the export.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _neutral(value):
    return "'" + value if isinstance(value, str) and value.startswith(DANGEROUS) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_neutral)
    out.columns = [_neutral(str(c)) for c in out.columns]
    return out


def restore(text: str) -> str:
    """The value before ``neutralise`` (for files of ours read back, e.g. the catalogue's CSV)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(DANGEROUS) else text


def csv_text(frame: pd.DataFrame) -> str:
    return neutralise(frame).to_csv(index=False, lineterminator="\r\n")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show Vietnamese correctly."""
    return csv_text(frame).encode("utf-8-sig")


def write_csv(frame: pd.DataFrame, path: str | os.PathLike | None) -> None:
    """To a file (written whole or not at all: a .part file renamed at the end), or to standard
    output when ``path`` is None."""
    if path is None:
        sys.stdout.write(csv_text(frame))
        sys.stdout.flush()
        return
    tmp = Path(str(path) + ".part")
    tmp.write_bytes(to_csv_bytes(frame))
    tmp.replace(path)


def _csv_parts(chunks: Iterable[pd.DataFrame]):
    """(text, rows) of each frame as CSV, the header written with the first only."""
    for k, frame in enumerate(chunks):
        text = csv_text(frame)
        yield (text if k == 0 else text.split("\r\n", 1)[1]), len(frame)


def write_csv_chunks(chunks: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Frames with the same columns written one after the other as one CSV file (as write_csv: UTF-8
    with a byte-order mark, formulas neutralised, whole or not at all), holding one chunk in memory
    at a time; returns the rows written (an empty first chunk writes the header alone)."""
    tmp = Path(str(path) + ".part")
    rows = 0
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            for text, n in _csv_parts(chunks):
                f.write(text)
                rows += n
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows


def csv_bytes_of_chunks(chunks: Iterable[pd.DataFrame]) -> bytes:
    """:func:`to_csv_bytes` of the frames one after the other, holding the file and one frame (not
    a frame of every row) in memory."""
    out = io.BytesIO()
    out.write("\ufeff".encode())
    for text, _ in _csv_parts(chunks):
        out.write(text.encode("utf-8"))
    return out.getvalue()


def _xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = neutralise(frame)
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    return safe


def to_xlsx_sheets(sheets: list[tuple[str, pd.DataFrame]], *, text_sheets: set[str] = frozenset()) -> bytes:
    """Several sheets in one workbook; the columns of ``text_sheets`` are formatted as text, so a
    code typed into them (a tax code with its leading zero) stays as typed."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets:
            _xlsx_safe(frame).to_excel(writer, sheet_name=name[:31], index=False)
            ws = writer.book[name[:31]]
            for k, col in enumerate(ws.iter_cols(min_row=1, max_row=max(ws.max_row, 1)), start=1):
                letter = col[0].column_letter
                width = max(len(str(c.value or "")) for c in col) + 2
                ws.column_dimensions[letter].width = min(60, max(10, width))
                if name in text_sheets:
                    for row in range(2, 502):  # the rows people type into
                        ws.cell(row=row, column=k).number_format = "@"
    return buf.getvalue()


XLSX_ROWS = 1_048_575  # a worksheet's rows under its header (Excel's limit: 1,048,576 rows)


class TooManyRows(ValueError):
    """More rows than a worksheet holds."""


def xlsx_bytes_of_chunks(chunks: Iterable[pd.DataFrame], sheet: str = "firms") -> bytes:
    """One sheet of the frames one after the other (same columns), written row by row by openpyxl's
    write-only workbook: the file and one frame in memory, not a frame of every row nor a cell object
    per value. Cells as :func:`to_xlsx_bytes` writes them (formulas neutralised, control characters
    dropped, missing values empty); TooManyRows past a worksheet's 1,048,575 rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    rows, header = 0, False
    try:
        for frame in chunks:
            safe = _xlsx_safe(frame)
            if not header:
                ws.append([str(c) for c in safe.columns])
                header = True
            rows += len(safe)
            if rows > XLSX_ROWS:
                raise TooManyRows(f"{rows:,}+ rows: a worksheet holds {XLSX_ROWS:,}")
            columns = [safe[c].astype(object).where(safe[c].notna(), None).tolist() for c in safe.columns]
            for row in zip(*columns):
                ws.append(row)
    except BaseException:
        ws.close()  # the sheet's stream ended, its temporary file closed and removed
        out = getattr(ws._writer, "out", None)
        if out:
            Path(out).unlink(missing_ok=True)
        raise
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "firms") -> bytes:
    """XLSX; control characters a worksheet cannot hold are dropped rather than failing the export."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        _xlsx_safe(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
    return buf.getvalue()
