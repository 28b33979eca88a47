"""Exports: CSV and XLSX read back, formulas neutralised, Vietnamese intact."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from assessment.exports import neutralise, to_csv_bytes, to_xlsx_bytes

FRAME = pd.DataFrame({
    "name": ["Hợp tác xã Chè Tà Xùa", "=HYPERLINK(\"http://x\",\"bấm\")", "+84 912", "-1+1", "@SUM(A1)", "bình thường"],
    "total": [120, 45, 3, -1, 0, 64],
})


def test_dangerous_cells_become_text():
    out = neutralise(FRAME)
    assert out["name"].tolist()[1:5] == ["'=HYPERLINK(\"http://x\",\"bấm\")", "'+84 912", "'-1+1", "'@SUM(A1)"]
    assert out["name"].tolist()[0] == "Hợp tác xã Chè Tà Xùa" and out["total"].tolist() == [120, 45, 3, -1, 0, 64]


def test_csv_round_trip():
    data = to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["name"].tolist()[0] == "Hợp tác xã Chè Tà Xùa" and back["name"].tolist()[1].startswith("'=")
    assert back["total"].tolist() == [120, 45, 3, -1, 0, 64]


def test_xlsx_round_trip_has_no_formulas():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(FRAME)))
    ws = wb["firms"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0] == ["Hợp tác xã Chè Tà Xùa", 120]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # nothing is a formula
    assert values[1][0].startswith("'=") and values[3] == ["'-1+1", -1]
