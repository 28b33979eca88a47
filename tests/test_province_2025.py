"""The province as it is now, through the import, the pages and the scorecard: communes by code,
name or former name; old district codes for their time; VSIC versions by column or date; kinds of
unit with their identifiers; the configured department's name."""

from __future__ import annotations

import io

import pandas as pd
import pypdf

from assessment import demo, firm_view, importer, report
from assessment.firms import localities
from tests.test_import_exact import TODAY, _form, _validate


def _row(dbi, i, **profile):
    row = _form(dbi, {c.id: "1" for c in dbi.criteria}, i)
    names = {cid: n[0] for cid, n in importer.PROFILE_COLUMNS.items()}
    row.update({names[k]: v for k, v in profile.items()})
    return row


def test_import_reads_a_commune_by_code_name_or_former_name_and_says_so(dbi):
    rows = [_row(dbi, 0, locality="04222"), _row(dbi, 1, locality="xa chieng khuong"),
            _row(dbi, 2, locality="CHIỀNG KHƯƠNG"), _row(dbi, 3, locality="Xã Chiềng Xuân"),
            _row(dbi, 4, locality="SL-BY", assessment_date="10/03/2025"),  # a district, in its time
            _row(dbi, 5, locality="SL-BY"),  # a district after 01/7/2025: refused, and why
            _row(dbi, 6, locality="Hà Nội")]
    rep = _validate(dbi, rows)
    by_row = {r.row: r for r in rep.valid}
    assert [by_row[k].profile.locality for k in (2, 3, 4)] == ["04222"] * 3
    assert by_row[2].notes == () and [k for k, _ in by_row[3].notes] == ["imp.note_name"]
    chieng_son = next(u for u in localities().values() if u.name == "Xã Chiềng Sơn")
    assert by_row[5].profile.locality == chieng_son.code
    (note,) = by_row[5].notes
    assert note[0] == "imp.note_former" and "Xã Chiềng Xuân" in dict(note[1])["value"]
    assert by_row[6].profile.locality == "SL-BY" and by_row[6].profile.sector_version == "2018"
    problems = {p.row: p.key for p in rep.problems}
    assert problems == {7: "imp.locality_not_then", 8: "imp.bad_locality"}
    preview = rep.preview(dbi, "vi")
    assert "nay thuộc Xã Chiềng Sơn" in preview.loc[preview["Dòng"] == 5, "Ghi chú"].iloc[0]
    assert preview.loc[preview["Dòng"] == 2, "Khu vực"].iloc[0] == "Sông Mã"


def test_import_takes_the_sector_version_from_its_column_or_the_date(dbi):
    rows = [_row(dbi, 0, sector="K"),  # 2026: VSIC 2025 K (telecoms, programming)
            _row(dbi, 1, sector="K", assessment_date="01/11/2025", locality="04222"),  # before 15/11/2025: 2018 K
            _row(dbi, 2, sector="V", sector_version="2018"),  # V does not exist in VSIC 2018
            _row(dbi, 3, sector="V", sector_version="2025")]
    rep = _validate(dbi, rows)
    by_row = {r.row: r.profile for r in rep.valid}
    assert (by_row[2].sector, by_row[2].sector_version) == ("K", "2025")
    assert (by_row[3].sector, by_row[3].sector_version) == ("K", "2018")
    assert by_row[5].sector_version == "2025"
    assert [(p.row, p.key) for p in rep.problems] == [(4, "imp.bad_sector")]
    assert "VSIC 2018" in rep.problems[0].message("en")


def test_import_checks_the_identifier_by_the_kind_of_unit(dbi):
    rows = [_row(dbi, 0, kind="Hộ kinh doanh", tax_code="014203001234"),
            _row(dbi, 1, kind="ho kinh doanh", tax_code="5500123464"),  # an enterprise code for a household
            _row(dbi, 2, kind="Chi nhánh", tax_code="5500123464-002"),
            _row(dbi, 3, kind="Hợp tác xã"),
            _row(dbi, 4, kind="Công ty mẹ")]
    rep = _validate(dbi, rows)
    by_row = {r.row: r.profile for r in rep.valid}
    assert by_row[2].kind == "household" and by_row[2].size_class.id == "household"
    assert by_row[4].kind == "branch" and by_row[5].kind == "cooperative"
    assert {(p.row, p.key) for p in rep.problems} == {(3, "err.tax_code.household_format"), (6, "imp.bad_kind")}
    assert "Hộ kinh doanh" in set(rep.preview(dbi, "vi")["Loại hình"])


def test_the_template_guide_and_codes_describe_the_new_columns(dbi):
    sheets = pd.read_excel(io.BytesIO(importer.template_xlsx(dbi, "vi")), sheet_name=None, dtype=str)
    data, guide, codes = sheets["Dữ liệu"], sheets["Hướng dẫn"], sheets["Bảng mã"]
    assert {"Loại hình", "Phiên bản VSIC", "Xã, phường (mã hoặc tên)"} <= set(data.columns)
    rules = dict(zip(guide["Cột"], guide["Cách ghi"]))
    assert "15/11/2025" in rules["Phiên bản VSIC"] and "tên xã cũ" in rules["Xã, phường (mã hoặc tên)"]
    communes = codes[codes["Loại"] == "Xã, phường"]
    assert len(communes) == 75 and communes["Ghi chú"].str.contains("khu vực").all()
    assert set(codes["Loại"]) >= {"Loại hình", "Ngành VSIC 2025", "Ngành VSIC 2018"}


def test_the_configured_department_is_named_on_the_pages_and_the_scorecard(dbi, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from assessment.storage import Store

    monkeypatch.setenv("DBI_DEPARTMENT", "Sở Tài chính tỉnh Điện Biên")
    monkeypatch.setenv("DBI_DEPARTMENT_EN", "Điện Biên Department of Finance")
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    from assessment.config import settings
    from assessment.ui import state
    from tests.test_failures import _page_script

    monkeypatch.setenv("TEST_PAGE", "methodology")
    at = AppTest.from_function(_page_script, default_timeout=60).run()
    assert not at.exception
    assert any("Sở Tài chính tỉnh Điện Biên" in c.value for c in at.caption)
    assert "Sở Tài chính tỉnh Điện Biên" in state.sections("vi", {p.name: p.name for p in state.PAGES})
    assert settings().department("en") == "Điện Biên Department of Finance"
    store = Store.from_url(url)
    store.replace_demo(dbi, demo.generate(dbi, 3, seed=1))
    record = store.get(1)
    pdf = report.scorecard_pdf(dbi, firm_view.view(dbi, record, firm_view.Context()), "en", today=TODAY)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Điện Biên Department of Finance" in text
    assert "Decision 1567/QĐ-BKHCN" in text.replace("\n", " ")  # the index version, said on the card
