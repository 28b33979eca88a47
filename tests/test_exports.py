"""Exports: CSV and XLSX read back, formulas neutralised, Vietnamese intact."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

import pytest

from assessment.exports import TooManyRows, neutralise, to_csv_bytes, to_xlsx_bytes, xlsx_bytes_of_chunks
from assessment import frames

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


def test_dashboard_firm_table_round_trips_through_xlsx_and_csv(store, dbi):
    """The department's export: every firm with profile, scores, levels and cluster, read back."""
    from assessment import dashboard, demo
    from assessment.clustering import fit_clusters, pillar_percent_of

    firms = demo.generate(dbi, 40, seed=3, localities=["SL-MC", "SL-BY"])
    store.replace_demo(dbi, firms)
    frame = frames.submitted_frame(store, dbi.key)
    now = frames.latest(frame)
    model, _ = fit_clusters(dbi, pillar_percent_of(dbi, now), k=3)
    table = dashboard.firm_table(dbi, dashboard.with_clusters(dbi, now, model), model, "vi")
    assert {"P1_points", "P6_level", "percent", "cluster", "size_class"} <= set(table.columns)
    back = pd.read_excel(io.BytesIO(to_xlsx_bytes(table)), dtype={"tax_code": str})
    assert len(back) == 40 and back["tax_code"].tolist() == table["tax_code"].tolist()
    assert back["total"].tolist() == table["total"].tolist()
    assert back["P3_points"].tolist() == table["P3_points"].tolist()
    assert back["cluster"].tolist() == table["cluster"].tolist()
    assert back["name"].str.startswith("[DEMO] ").all()
    csv_back = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig", dtype={"tax_code": str})
    assert csv_back["level"].tolist() == table["level"].tolist()


def test_control_characters_never_break_an_xlsx_export():
    frame = pd.DataFrame({"name": ["Công ty\x1f A\x00", "bình\x07 thường"], "total": [1, 2]})
    back = pd.read_excel(io.BytesIO(to_xlsx_bytes(frame)))
    assert back["name"].tolist() == ["Công ty A", "bình thường"]


def test_firm_names_lose_invisible_control_characters():
    from assessment.firms import validate_profile

    profile, errors = validate_profile(
        {"tax_code": "5500123464", "name": "\u202eHTX\x1f Chè\u200b", "sector": "A", "locality": "03980",
         "employees": "3", "revenue_bn": "1"})
    assert not errors and profile.name == "HTX Chè"


def test_an_xlsx_written_chunk_by_chunk_is_the_one_written_whole(monkeypatch):
    """Formulas neutralised, control characters dropped, missing values empty, Vietnamese intact,
    numbers numbers; an empty first chunk still writes the header; past a worksheet's rows: refused."""
    frame = pd.concat([FRAME, pd.DataFrame({"name": ["Công ty\x1f A", None], "total": [None, 7]})], ignore_index=True)
    chunks = [frame.iloc[:0], frame.iloc[:3], frame.iloc[3:]]
    data = xlsx_bytes_of_chunks(chunks)
    pd.testing.assert_frame_equal(pd.read_excel(io.BytesIO(data)), pd.read_excel(io.BytesIO(to_xlsx_bytes(frame))))
    ws = openpyxl.load_workbook(io.BytesIO(data))["firms"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["name", "total"] and values[2] == ["'=HYPERLINK(\"http://x\",\"bấm\")", 45]
    assert values[7] == ["Công ty A", None] and values[8] == [None, 7]
    assert pd.read_excel(io.BytesIO(xlsx_bytes_of_chunks([FRAME.iloc[:0]]))).columns.tolist() == ["name", "total"]
    monkeypatch.setattr("assessment.exports.XLSX_ROWS", 7)
    with pytest.raises(TooManyRows):
        xlsx_bytes_of_chunks(chunks)
