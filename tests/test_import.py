"""Import of paper or spreadsheet responses: templates, every kind of problem, duplicates, writing."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from assessment import importer
from assessment.cli import main
from assessment.config import settings
from assessment.scoring import score_codes
from assessment import frames
from tests.conftest import tax_code

TODAY = dt.date(2026, 11, 27)



def _row(fw, lang="vi", **changes) -> dict:
    cols = importer.template_columns(fw, lang)
    row = dict.fromkeys(cols, "")
    names = {cid: names[0 if lang == "vi" else 1] for cid, names in importer.PROFILE_COLUMNS.items()}
    row.update({names["tax_code"]: "5500123464", names["name"]: "HTX Chè Shan tuyết Tà Xùa", names["sector"]: "A",
                names["locality"]: "03980", names["employees"]: "12", names["revenue_bn"]: "5,5",
                names["assessment_date"]: "27/10/2026"})
    for i, c in enumerate(fw.criteria):
        row[c.id] = {"choice": str(i % len(c.choices)), "yes_no": "có", "share": "35%", "count": "2"}[c.type]
    row.update(changes)
    return row


def _validate(fw, rows, existing=frozenset()):
    return importer.validate(fw, pd.DataFrame(rows), existing=set(existing), today=TODAY)


def _problem_keys(report):
    return [(p.row, p.column, p.key) for p in report.problems]


def test_a_valid_row_scores_as_its_answers(dbi):
    report = _validate(dbi, [_row(dbi)])
    assert report.ok and len(report.valid) == 1
    r = report.valid[0]
    assert r.profile.name == "HTX Chè Shan tuyết Tà Xùa" and r.profile.revenue_bn == 5.5
    assert r.submitted_at.date() == dt.date(2026, 10, 27) and r.row == 2
    share = next(c for c in dbi.criteria if c.type == "share")
    assert r.answers(dbi)[share.id].numerator == 35.0
    assert r.codes[dbi.criterion_ids.index(share.id)] == share.code_for_figure(35)


def test_yes_no_answers_in_words_or_digits(mini):
    yes_no = [c for c in mini.criteria if c.type == "yes_no"]
    rows = [_row(mini, **{yes_no[0].id: "Có", yes_no[1].id: "0"}), _row(mini, **{"Mã số thuế": "5500123457",
                                                                               yes_no[0].id: "không", yes_no[1].id: "1"})]
    report = _validate(mini, rows)
    assert report.ok
    got = [[int(r.codes[mini.criterion_ids.index(c.id)]) for c in yes_no] for r in report.valid]
    assert got == [[1, 0], [0, 1]]


def test_english_headers_and_column_ids_are_accepted(dbi):
    en = _row(dbi, "en")
    assert _validate(dbi, [en]).ok
    ids = {({n[1]: cid for cid, n in importer.PROFILE_COLUMNS.items()}.get(k, k)): v for k, v in en.items()}
    assert "tax_code" in ids and _validate(dbi, [ids]).ok


@pytest.mark.parametrize("fw_name", ["mini"])
def test_every_kind_of_cell_problem_is_listed_with_row_column_reason(fw_name, request):
    dbi = request.getfixturevalue(fw_name)  # the mini framework has all four answer types
    choice = next(c for c in dbi.criteria if c.type == "choice")
    yes_no = next(c for c in dbi.criteria if c.type == "yes_no")
    share = next(c for c in dbi.criteria if c.type == "share")
    count = next(c for c in dbi.criteria if c.type == "count")
    rows = [
        _row(dbi),
        _row(dbi, **{"Mã số thuế": "12345", choice.id: "9"}),
        _row(dbi, **{yes_no.id: "maybe", share.id: "140%", count.id: "2.5"}),
        _row(dbi, **{"Ngành (mã VSIC cấp 1)": "Z", "Xã, phường (mã hoặc tên)": "HN-01", choice.id: ""}),
        _row(dbi, **{"Ngày đánh giá": "31/02/2026", "Số lao động": "nhiều", share.id: "abc"}),
        _row(dbi, **{"Ngày đánh giá": "01/01/2027", "Tên doanh nghiệp": "", "Doanh thu (tỷ đồng)": ""}),
    ]
    report = _validate(dbi, rows)
    keys = set(_problem_keys(report))
    assert (3, "Mã số thuế", "err.tax_code.format") in keys
    assert (3, choice.id, "imp.not_box") in keys
    assert (4, yes_no.id, "imp.yes_no") in keys
    assert (4, share.id, "imp.share_range") in keys
    assert (4, count.id, "imp.not_box") in keys
    assert (5, "Ngành (mã VSIC cấp 1)", "imp.bad_sector") in keys
    assert (5, "Xã, phường (mã hoặc tên)", "imp.bad_locality") in keys
    assert (5, choice.id, "imp.no_answer") in keys
    assert (6, "Ngày đánh giá", "imp.bad_date") in keys
    assert (6, "Số lao động", "imp.not_number") in keys
    assert (6, share.id, "imp.not_number") in keys
    assert (7, "Ngày đánh giá", "imp.future_date") in keys
    assert (7, "Tên doanh nghiệp", "err.name.missing") in keys
    assert (7, "Doanh thu (tỷ đồng)", "err.money.missing") in keys
    assert report.bad_rows == [3, 4, 5, 6, 7] and [r.row for r in report.valid] == [2]
    # messages in both languages name the value
    nine = next(p for p in report.problems if p.key == "imp.not_box" and p.row == 3)
    assert "“9”" in nine.message("vi") and "0 đến" in nine.message("vi") and "ticked box" in nine.message("en")
    assert all(not p.message(lang).startswith("[") for p in report.problems for lang in ("vi", "en"))


def test_header_problems_stop_before_any_row(dbi):
    row = _row(dbi)
    row["Cột lạ"] = "x"
    del row["Mã số thuế"], row[dbi.criterion_ids[0]]
    report = _validate(dbi, [row])
    keys = [(p.row, p.key) for p in report.problems]
    assert (1, "imp.unknown_column") in keys and (1, "imp.missing_column") in keys
    assert (1, "imp.missing_criteria") in keys and report.file_error and not report.valid


def test_duplicates_in_the_file_and_in_the_database(dbi):
    rows = [_row(dbi), _row(dbi), _row(dbi, **{"Ngày đánh giá": "2025-10-01"}),
            _row(dbi, **{"Mã số thuế": "5500999999"})]
    report = _validate(dbi, rows, existing={("5500999999", 2026)})
    assert set(_problem_keys(report)) == {(3, "Mã số thuế", "imp.duplicate_file"),
                                          (5, "Mã số thuế", "imp.duplicate_db")}
    assert "dòng 2" in report.problems[0].message("vi")
    assert [r.row for r in report.valid] == [2, 4]  # another year of the same firm is not a duplicate


@pytest.mark.parametrize("name, data, key", [
    ("a.csv", "Mã số thuế;Tên\n".encode("utf-16"), "imp.not_utf8"),
    ("a.csv", b"", "imp.empty"),
    ("a.xlsx", b"not a workbook", "imp.not_xlsx"),
    ("a.xlsx", b"PK\x03\x04broken", "imp.not_xlsx"),
    ("a.pdf", b"%PDF-1.7", "imp.bad_type"),
    ("a.csv", b"tax_code,name\n", "imp.no_rows"),
    ("a.csv", b"x" * (importer.MAX_BYTES + 1), "imp.too_large"),
])
def test_unreadable_files_get_one_clear_message(name, data, key, dbi):
    with pytest.raises(importer.FileProblem) as err:
        importer.read_table(data, name, dbi)
    assert err.value.problem.key == key
    assert not err.value.problem.message("vi").startswith("[")


def test_xlsx_template_round_trip(dbi):
    data = importer.template_xlsx(dbi, "vi")
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str)
    assert list(sheets) == ["Dữ liệu", "Hướng dẫn", "Bảng mã"]
    assert list(sheets["Dữ liệu"].columns) == importer.template_columns(dbi, "vi")
    assert "1.1.3 tỷ lệ (%)" in sheets["Dữ liệu"].columns  # a share's written figure has a column of its own
    assert set(dbi.criterion_ids) <= set(sheets["Hướng dẫn"]["Cột"])
    assert "03980" in set(sheets["Bảng mã"]["Mã"]) and "SL-MC" not in set(sheets["Bảng mã"]["Mã"])
    # filled in as a spreadsheet program would (numbers as numbers, the date as a date)
    row = _row(dbi)
    filled = pd.DataFrame([row])
    filled["Số lao động"] = 12
    filled["Ngày đánh giá"] = pd.Timestamp("2026-10-27")
    for c in dbi.criteria:
        if c.type == "choice":
            filled[c.id] = int(row[c.id])
    buf = io.BytesIO()
    filled.to_excel(buf, index=False)
    report = importer.validate(dbi, importer.read_table(buf.getvalue(), "x.xlsx", dbi),
                               today=TODAY)
    assert report.ok, report.table("en")
    assert report.valid[0].submitted_at == dt.datetime(2026, 10, 27)
    csv = importer.template_csv(dbi, "en").decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Kind of unit,Tax code,Firm name,")


def test_store_writes_scored_assessments_with_history(store, dbi):
    first = _validate(dbi, [_row(dbi, **{"Ngày đánh giá": "2025-10-01"})]).valid
    later_row = _row(dbi, **{"Tên doanh nghiệp": "HTX Chè Tà Xùa (đổi tên)"})
    later = _validate(dbi, [later_row]).valid
    store.import_assessments(dbi, first)
    written = store.import_assessments(dbi, later)
    (row, tax_code, aid, code), = written
    assert (row, tax_code) == (2, "5500123464") and store.find_by_code(code) == aid
    rec = store.get(aid)
    expected = score_codes(dbi, later[0].codes[None, :]).firm(0)
    assert rec.submitted and rec.result.total == expected.total and rec.result.level == expected.level
    assert len(rec.answers) == len(dbi.criteria)
    assert [h.submitted_at.year for h in store.history(aid)] == [2025]
    assert store.submitted_periods(dbi.key, {"5500123464"}) == {("5500123464", 2025), ("5500123464", 2026)}
    frame = frames.submitted_frame(store, dbi.key)
    assert len(frame) == 2 and set(frame["name"]) == {"HTX Chè Tà Xùa (đổi tên)"}


def _write_csv(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")


def test_cli_import_all_or_nothing_then_valid_only(tmp_path, monkeypatch, dbi, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DBI_DATABASE_URL", url)
    settings.cache_clear() if hasattr(settings, "cache_clear") else None
    good = [_row(dbi, **{"Mã số thuế": tax_code(i, "5500")}) for i in range(3)]
    bad = _row(dbi, **{"Mã số thuế": "55001234xx"})
    path = tmp_path / "in.csv"
    _write_csv(path, [*good, bad])
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "row 5, column Mã số thuế" in err and "nothing written" in err
    from assessment.storage import Store
    assert Store.from_url(url).count_assessments() == 0
    assert main(["import", str(path), "--dry-run"]) == 1 and Store.from_url(url).count_assessments() == 0
    codes = tmp_path / "codes.csv"
    assert main(["import", str(path), "--valid-only", "--codes", str(codes)]) == 1  # some rows skipped
    assert Store.from_url(url).count_assessments() == 3
    handed = pd.read_csv(codes, dtype=str)
    assert list(handed["row"]) == ["2", "3", "4"] and handed["access_code"].str.len().min() >= 20
    # the same file again: every row is now a duplicate of the database, nothing more written
    assert main(["import", str(path), "--valid-only"]) == 1
    assert "already has a 2026 assessment in the system" in capsys.readouterr().err
    assert Store.from_url(url).count_assessments() == 3


def test_cli_template_then_import_of_an_empty_template(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DBI_DATABASE_URL", f"sqlite:///{tmp_path / 't.sqlite3'}")
    out = tmp_path / "mau.xlsx"
    assert main(["template", "--lang", "vi", "-o", str(out)]) == 0
    assert main(["import", str(out), "--lang", "vi"]) == 1
    assert "không có doanh nghiệp nào" in capsys.readouterr().err


def test_many_rows_validate_quickly_enough_to_be_usable(dbi):
    rows = [_row(dbi, **{"Mã số thuế": tax_code(i)}) for i in range(2_000)]
    report = _validate(dbi, rows)
    assert report.ok and len(report.valid) == 2_000
    assert np.array_equal(np.stack([r.codes for r in report.valid[:2]]), np.stack([report.valid[0].codes] * 2))


def test_tax_codes_in_an_import_are_checked_digit_by_digit(dbi):
    rows = [_row(dbi, **{"Mã số thuế": "5500123456"}), _row(dbi, **{"Mã số thuế": "101248141"}),
            _row(dbi, **{"Mã số thuế": "0101248141"})]
    report = _validate(dbi, rows)
    keys = {(p.row, p.key): p for p in report.problems}
    assert (2, "err.tax_code.check_digit") in keys
    nine = keys[(3, "imp.tax_code_nine")]
    assert "“101248141”" in nine.message("vi") and "số 0" in nine.message("vi")
    assert "leading zero" in nine.message("en")
    assert [r.row for r in report.valid] == [4]


def test_the_cli_refuses_a_tax_code_whose_check_digit_is_wrong(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DBI_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert main(["report", "--firm", "5500123456", "-o", str(tmp_path / "out")]) == 1
    assert "does not match" in capsys.readouterr().err
