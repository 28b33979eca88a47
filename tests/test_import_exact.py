"""Paper forms and spreadsheets are read as the person meant.

- The printed form, the template, its guide and the importer share one convention: a criterion's
  cell holds the number printed beside the ticked box, for every answer type. Every option of every
  criterion goes answer -> number printed on the blank form (read back from the PDF) -> template
  cell -> import -> the same answer and points.
- Spreadsheet numbers: percent-formatted cells, Vietnamese number writing, dong instead of billion
  dong, cells trimmed and NFC-normalised alike in CSV and XLSX, title rows, blank rows, hidden sheets.
- Files saved by LibreOffice Calc in the Vietnamese locale (tests/fixtures/libreoffice, made by the
  script beside them) import as typed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pypdf
import pytest

from assessment import cells, importer
from assessment import frames
from assessment.report import blank_form_pdf
from assessment.scoring import score_codes
from assessment.staging import ImportConflict
from tests.conftest import tax_code

TODAY = dt.date(2026, 11, 27)
LIBREOFFICE = Path(__file__).resolve().parent / "fixtures" / "libreoffice"



def _profile(i: int, lang: str = "vi") -> dict:
    names = {cid: n[0 if lang == "vi" else 1] for cid, n in importer.PROFILE_COLUMNS.items()}
    return {names["tax_code"]: tax_code(i), names["name"]: f"HTX Số {i}", names["sector"]: "A",
            names["locality"]: "03980", names["employees"]: "12", names["revenue_bn"]: "5,5",
            names["assessment_date"]: "27/10/2026"}


def _form(fw, boxes: dict[str, str], i: int = 0, lang: str = "vi") -> dict:
    row = dict.fromkeys(importer.template_columns(fw, lang), "")
    row.update(_profile(i, lang))
    row.update(boxes)
    return row


def _validate(fw, rows, **kw):
    return importer.validate(fw, pd.DataFrame(rows), today=TODAY, **kw)


def printed_boxes(fw, lang: str) -> dict[str, list[tuple[int, str]]]:
    """Per criterion, (number printed beside the box, the option's text) read back from the PDF."""
    pdf = blank_form_pdf(fw, lang, today=TODAY)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = unicodedata.normalize("NFC", text)
    out: dict[str, list[tuple[int, str]]] = {}
    ids = fw.criterion_ids
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"^(\S+)  ", text, flags=re.M) if m.group(1) in ids]
    for k, (pos, cid) in enumerate(starts):
        block = text[pos:starts[k + 1][0] if k + 1 < len(starts) else len(text)]
        out[cid] = [(int(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(\d+) (.+)$", block, flags=re.M)]
    return out


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_option_of_every_criterion_round_trips_through_the_printed_form(dbi, store, lang):
    printed = printed_boxes(dbi, lang)
    assert set(printed) == set(dbi.criterion_ids)
    widest = max(len(c.choices) for c in dbi.criteria)
    rows, expected = [], []
    for option in range(widest):  # form k ticks box k everywhere (or the last box where there is no k)
        boxes, codes = {}, []
        for crit in dbi.criteria:
            code = min(option, len(crit.choices) - 1)
            number, shown = printed[crit.id][code]
            assert shown.startswith(crit.choices[code][1](lang)[:20]), (crit.id, code, shown)
            boxes[crit.id] = str(number)  # the community team types the number printed by the box
            codes.append(code)
        rows.append(_form(dbi, boxes, option, lang))
        expected.append(codes)
    report = _validate(dbi, rows)
    assert report.ok, report.table("en").head(5).to_string()
    got = np.stack([r.codes for r in report.valid])
    assert got.tolist() == expected
    written = store.import_assessments(dbi, report.valid)
    for (_, _, aid, _), codes in zip(written, expected):
        rec = store.get(aid)
        assert {c: a.code for c, a in rec.answers.items()} == dict(zip(dbi.criterion_ids, codes))
        assert rec.result.criterion_points == {c.id: c.choices[k][0] for c, k in zip(dbi.criteria, codes)}


def test_the_top_box_everywhere_stores_320_points_and_level_5(dbi, store):
    boxes = {c.id: str(len(c.choices) - 1) for c in dbi.criteria}
    report = _validate(dbi, [_form(dbi, boxes)])
    assert report.ok
    (_, _, aid, _), = store.import_assessments(dbi, report.valid)
    rec = store.get(aid)
    assert (rec.result.total, rec.result.level) == (320, 5)


def test_box_4_everywhere_is_not_read_as_four_percent_or_four_people(dbi):
    """The defect this convention fixes: box 4 ("over 60% up to 80%") was read as 4 %."""
    boxes = {c.id: str(min(4, len(c.choices) - 1)) for c in dbi.criteria}
    report = _validate(dbi, [_form(dbi, boxes)])
    expected = score_codes(dbi, np.array([[min(4, len(c.choices) - 1) for c in dbi.criteria]])).firm(0)
    got = score_codes(dbi, report.valid[0].codes[None, :]).firm(0)
    assert got.total == expected.total and got.criterion_points == expected.criterion_points


def test_figures_written_on_the_form_go_in_their_own_column_or_with_their_unit(dbi):
    share = next(c for c in dbi.criteria if c.type == "share")
    count = next(c for c in dbi.criteria if c.type == "count")
    base = {c.id: "0" for c in dbi.criteria}
    fig_share, fig_count = importer.figure_header(share, "vi"), importer.figure_header(count, "vi")
    rows = [
        _form(dbi, {**base, share.id: "", fig_share: "35"}, 0),  # the figure column
        _form(dbi, {**base, share.id: "35%"}, 1),  # in the criterion's column, with its unit
        _form(dbi, {**base, share.id: str(share.code_for_figure(35)), fig_share: "35"}, 2),  # both, agreeing
        _form(dbi, {**base, count.id: "", fig_count: "3"}, 3),
        _form(dbi, {**base, share.id: "1", fig_share: "75"}, 4),  # box 1 ticked, 75 % written: disagree
        _form(dbi, {**base, share.id: "35"}, 5),  # a bare 35 is not a box: refused, never 35 %
    ]
    report = _validate(dbi, rows)
    ok = {r.row: r for r in report.valid}
    for row in (2, 3, 4):
        assert ok[row].codes[dbi.criterion_ids.index(share.id)] == share.code_for_figure(35)
        assert ok[row].answers(dbi)[share.id].numerator == 35.0
    assert ok[5].codes[dbi.criterion_ids.index(count.id)] == count.code_for_figure(3)
    assert ok[5].answers(dbi)[count.id].value == 3.0
    problems = {(p.row, p.key): p for p in report.problems}
    mismatch = problems[(6, "imp.box_figure_mismatch")]
    assert "75%" in mismatch.message("en") and "ô 1" in mismatch.message("vi")
    assert (7, "imp.not_box_share") in problems and sorted(ok) == [2, 3, 4, 5]


def test_the_guide_sheet_says_the_same_convention(dbi):
    guide = importer.guide_frame(dbi, "vi")
    share = next(c for c in dbi.criteria if c.type == "share")
    line = guide.loc[guide["Cột"] == share.id, "Cách ghi"].item()
    assert "số của ô được đánh dấu" in line and "0 = " in line and importer.figure_header(share, "vi") in line
    assert importer.figure_header(share, "vi") in set(guide["Cột"])
    assert importer.figure_header(share, "vi") in importer.template_columns(dbi, "vi")


# --- numbers as people write them -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "whole", "convention", "expected"), [
    ("1.200.000", False, None, 1_200_000.0), ("1,5", False, None, 1.5), ("1.200,5", False, None, 1200.5),
    ("1,200.5", False, None, 1200.5), ("1.5", False, None, 1.5), ("12", False, None, 12.0),
    ("1.200", False, None, "imp.ambiguous_number"), ("1,200", False, None, "imp.ambiguous_number"),
    ("1.200", True, None, 1200.0), ("1.200", False, "vi", 1200.0), ("1.200", False, "en", 1.2),
    ("1,200", False, "vi", 1.2), ("0,125", False, None, 0.125), ("1 200 000", False, None, 1_200_000.0),
    ("abc", False, None, "imp.not_number"), ("", False, None, "imp.not_number"),
])
def test_numbers_are_read_as_written(text, whole, convention, expected):
    assert cells.parse_number(text, whole=whole, convention=convention) == expected


def test_a_column_shows_how_its_numbers_are_written(dbi):
    rows = [_form(dbi, {c.id: "0" for c in dbi.criteria}, i) for i in range(3)]
    rows[0]["Doanh thu (tỷ đồng)"] = "1,5"  # a decimal comma: the column writes the Vietnamese way
    rows[1]["Doanh thu (tỷ đồng)"] = "1.200"  # so this is 1200, not 1.2
    rows[2]["Doanh thu (tỷ đồng)"] = "12,25"
    report = _validate(dbi, rows)
    assert report.ok
    assert [r.profile.revenue_bn for r in report.valid] == [1.5, 1200.0, 12.25]


def test_an_ambiguous_number_is_refused_with_row_and_column_never_scaled(dbi):
    rows = [_form(dbi, {c.id: "0" for c in dbi.criteria}, i) for i in range(2)]
    rows[0]["Doanh thu (tỷ đồng)"] = "1.200"
    rows[1]["Doanh thu (tỷ đồng)"] = "3"
    report = _validate(dbi, rows)
    (problem,) = report.problems
    assert (problem.row, problem.column, problem.key) == (2, "Doanh thu (tỷ đồng)", "imp.ambiguous_number")
    assert "“1.200”" in problem.message("vi") and "1200" in problem.message("en")


def test_revenue_typed_in_dong_is_refused_with_a_hint_about_the_unit(dbi):
    row = _form(dbi, {c.id: "0" for c in dbi.criteria})
    row["Doanh thu (tỷ đồng)"] = "1.500.000.000"
    (problem,) = _validate(dbi, [row]).problems
    assert problem.key == "err.money.unit" and "tỷ đồng" in problem.message("vi")
    assert "billion" in problem.message("en")


def test_csv_cells_are_trimmed_and_normalised_like_xlsx(mini):
    dbi = mini  # it has a yes/no criterion
    yes_no = next(c for c in dbi.criteria if c.type == "yes_no")
    row = _form(dbi, {c.id: "0" for c in dbi.criteria})
    row.update({"Ngành (mã VSIC cấp 1)": "A ", "Xã, phường (mã hoặc tên)": " 03980 ", "Tên doanh nghiệp": "  HTX  Chè  ",
                yes_no.id: unicodedata.normalize("NFD", "Có ")})
    frame = pd.DataFrame([row])
    data = frame.to_csv(index=False).encode("utf-8")
    report = importer.import_file(_NoDb(), dbi, data, "phieu.csv", today=TODAY)
    assert report.ok, report.table("en").to_string()
    r = report.valid[0]
    assert (r.profile.sector, r.profile.locality, r.profile.name) == ("A", "03980", "HTX Chè")
    assert r.codes[dbi.criterion_ids.index(yes_no.id)] == 1


class _NoDb:
    def submitted_periods(self, *_args):
        return set()


def test_blank_rows_are_ignored_and_a_title_row_gives_one_message(dbi):
    row = _form(dbi, {c.id: "0" for c in dbi.criteria})
    header = list(row)
    body = [list(row.values()), [""] * len(header), [""] * len(header)]
    ok = _csv([header, *body])
    report = importer.import_file(_NoDb(), dbi, ok, "a.csv", today=TODAY)
    assert report.ok and report.n_rows == 1
    titled = _csv([["Phiếu khảo sát chuyển đổi số xã Mộc Châu 2026"] + [""] * (len(header) - 1), header, *body])
    report = importer.import_file(_NoDb(), dbi, titled, "b.csv", today=TODAY)
    assert [(p.row, p.key) for p in report.problems] == [(2, "imp.header_below")]
    assert "dòng 2" in report.problems[0].message("vi")


def _csv(rows: list[list[str]]) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def test_only_the_data_sheet_is_read_and_hidden_sheets_never(dbi):
    from openpyxl import Workbook

    row = _form(dbi, {c.id: "0" for c in dbi.criteria})
    wb = Workbook()
    hidden = wb.active
    hidden.title = "Nháp"
    hidden.append(["rác"])
    hidden.sheet_state = "hidden"
    notes = wb.create_sheet("Ghi chú")
    notes.append(["Ghi chú của tổ công nghệ số cộng đồng"])
    data = wb.create_sheet("Dữ liệu")
    data.append(list(row))
    data.append(list(row.values()))
    buf = io.BytesIO()
    wb.save(buf)
    report = importer.import_file(_NoDb(), dbi, buf.getvalue(), "x.xlsx", today=TODAY)
    assert report.ok and len(report.valid) == 1
    # without a sheet named as the template's, the first visible one is read (here: the notes)
    del wb["Dữ liệu"]
    buf = io.BytesIO()
    wb.save(buf)
    report = importer.import_file(_NoDb(), dbi, buf.getvalue(), "x.xlsx", today=TODAY)
    assert report.file_error and [p.key for p in report.problems] == ["imp.no_header"]


def test_a_percent_formatted_cell_is_a_percentage(dbi):
    from openpyxl import Workbook

    share = next(c for c in dbi.criteria if c.type == "share")
    row = _form(dbi, {c.id: "0" for c in dbi.criteria})
    wb = Workbook()
    ws = wb.active
    ws.title = "Dữ liệu"
    ws.append(list(row))
    ws.append([0.35 if k == share.id else (12 if k == "Số lao động" else v) for k, v in row.items()])
    ws.cell(row=2, column=list(row).index(share.id) + 1).number_format = "0%"
    buf = io.BytesIO()
    wb.save(buf)
    report = importer.import_file(_NoDb(), dbi, buf.getvalue(), "x.xlsx", today=TODAY)
    assert report.ok, report.table("en").to_string()
    r = report.valid[0]
    assert r.answers(dbi)[share.id].numerator == pytest.approx(35.0)
    assert r.codes[dbi.criterion_ids.index(share.id)] == share.code_for_figure(35)


def test_the_preview_shows_what_will_be_stored(dbi):
    rows = [_form(dbi, {c.id: str(len(c.choices) - 1) for c in dbi.criteria}, 0),
            _form(dbi, {c.id: "0" for c in dbi.criteria}, 1)]
    report = _validate(dbi, rows)
    preview = report.preview(dbi, "vi")
    assert list(preview.columns) == ["Dòng", "Doanh nghiệp", "Loại hình", "Mã số thuế", "Địa bàn", "Khu vực", "Ngành",
                                     "Quy mô", "Ngày", "Tổng điểm", "Mức", "Ghi chú"]
    assert preview["Khu vực"].iloc[0] == "Mộc Châu" and preview["Ngành"].iloc[0] == "A (VSIC 2025)"
    assert preview["Tổng điểm"].tolist() == [320, 0]
    assert preview["Mức"].tolist() == [dbi.level_name(5, "vi"), dbi.level_name(0, "vi")]
    assert preview["Địa bàn"].iloc[0] == "Phường Mộc Châu"  # the locality's name, not its code
    assert list(report.preview(dbi, "en").columns)[:4] == ["Row", "Firm", "Kind", "Tax code"]


# --- files saved by LibreOffice Calc in the Vietnamese locale --------------------------------------

def test_a_file_saved_by_libreoffice_in_the_vietnamese_locale_imports_as_typed(dbi):
    data = (LIBREOFFICE / "phieu-vi.xlsx").read_bytes()
    report = importer.import_file(_NoDb(), dbi, data, "phieu-vi.xlsx", today=TODAY)
    typed = pd.read_csv(LIBREOFFICE / "phieu-vi.csv", dtype=str, keep_default_na=False)
    share = next(c for c in dbi.criteria if c.type == "share")
    by_row = {r.row: r for r in report.valid}
    # row 2: "35%" typed in a share column (Calc stores 0.35 as a percentage), revenue "1,5" (1.5 bn)
    assert typed.loc[0, share.id] == "35%"
    assert by_row[2].answers(dbi)[share.id].numerator == pytest.approx(35.0)
    assert by_row[2].profile.revenue_bn == 1.5 and by_row[2].profile.employees == 12
    # row 3: revenue "1.200" (Calc reads 1200 in this locale), employees "1.200" read alike
    assert by_row[3].profile.revenue_bn == 1200.0
    assert by_row[3].submitted_at == dt.datetime(2026, 10, 27)
    # the commune as written: a code, a name without accents (noted), the kind by its Vietnamese name
    assert by_row[2].profile.locality == by_row[3].profile.locality == "03980"
    assert by_row[2].profile.kind == "cooperative" and by_row[3].profile.kind == "enterprise"
    # Calc stored the typed code 03980 as the number 3980: read as meant, and said
    assert [k for k, _ in by_row[2].notes] == [k for k, _ in by_row[3].notes] == ["imp.note_name"]
    assert by_row[2].profile.sector_version == "2025"  # dated after 15/11/2025, no version column
    # row 4: a tax code with a leading zero, which Calc stored as a number: the hint, with the value
    (nine,) = [p for p in report.problems if p.row == 4]
    assert nine.key == "imp.tax_code_nine" and "101248141" in nine.message("vi")


# --- duplicates enforced by the database ----------------------------------------------------------

def test_two_admins_confirming_the_same_file_at_once_write_it_once(dbi, store):
    rows = [_form(dbi, {c.id: "1" for c in dbi.criteria}, i) for i in range(30)]
    report = _validate(dbi, rows)
    assert report.ok
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def confirm():
        barrier.wait()
        try:
            store.import_assessments(dbi, report.valid, who="admin", chunk=7)
            outcomes.append("written")
        except ImportConflict as exc:
            assert exc.key == "imp.conflict"
            outcomes.append("refused")

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["refused", "written"]
    frame = frames.submitted_frame(store, dbi.key)
    assert len(frame) == 30 and frame["tax_code"].nunique() == 30
    assert store.count_assessments() == 30  # nothing of the refused one is left, staged or not
