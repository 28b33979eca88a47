"""Exports of firm tables to CSV and XLSX, safe to open in a spreadsheet.

Any text cell starting with = + - @ (or a tab / carriage return) is prefixed with an apostrophe,
so a firm name such as "=HYPERLINK(...)" is shown as text and never run as a formula (CSV/formula
injection). Numbers stay numbers.
"""

from __future__ import annotations

import io

import pandas as pd

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(DANGEROUS) else v)
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs show Vietnamese correctly."""
    return neutralise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "firms") -> bytes:
    """XLSX; control characters a worksheet cannot hold are dropped rather than failing the export."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    safe = neutralise(frame)
    for col in safe.columns:
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, sheet_name=sheet[:31], index=False)
    return buf.getvalue()
