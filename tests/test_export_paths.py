"""Formula-safe everywhere: every CSV and XLSX the product writes goes through assessment.exports,
and each export path, fed a hostile firm name, writes nothing a spreadsheet would run.

The first test enumerates the paths statically: no module but assessment/exports.py may write CSV
or XLSX itself. The others drive each path for real: the dashboard's and clusters' tables, the
import's problem report, preview, templates and access codes, the catalogue export, and the CLI's
score, roadmap, recommend, cluster and import outputs.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assessment import exports, importer

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3+4", "@SUM(A1:A2)", "\t=1", "\r=2", "x\r=1+2", "a\n=3+4"]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
WRITERS = re.compile(r"\.to_csv\(|\.to_excel\(|ExcelWriter\(|csv\.writer\(|DictWriter\(|openpyxl\.Workbook\(")


def test_no_module_writes_csv_or_xlsx_but_the_export_path():
    offenders = []
    for path in (ROOT / "assessment").rglob("*.py"):
        if path.name == "exports.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if WRITERS.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == [], "write CSV/XLSX through assessment.exports:\n" + "\n".join(offenders)


def assert_safe_csv(data: bytes, *, rows: int | None = None) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    for row in table:
        for cell in row:
            assert not (cell.startswith(exports.DANGEROUS) and not NUMBER.match(cell)), repr(cell)
    if rows is not None:
        assert len(table) == rows, table
    return table


def assert_safe_xlsx(data: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(exports.DANGEROUS), (ws.title, cell.coordinate, cell.value)


def test_the_export_path_neutralises_text_and_quotes_line_breaks():
    frame = pd.DataFrame({"name": HOSTILE, "total": list(range(len(HOSTILE))), "delta": [-5] * len(HOSTILE)})
    table = assert_safe_csv(exports.to_csv_bytes(frame), rows=len(HOSTILE) + 1)
    assert [r[0] for r in table[1:]] == ["'" + h if h.startswith(exports.DANGEROUS) else h for h in HOSTILE]
    assert table[1][1:] == ["0", "-5"]  # numbers stay numbers, negative ones too
    assert_safe_xlsx(exports.to_xlsx_bytes(frame))
    back = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(frame)))
    assert back["total"].dtype.kind == "i" and back["delta"].tolist() == [-5] * len(HOSTILE)


def test_the_import_problem_report_is_one_row_per_problem_whatever_the_cells_held(dbi):
    from tests.test_import import _row

    rows = [_row(dbi, **{"Tên doanh nghiệp": h, dbi.criterion_ids[0]: h}) for h in HOSTILE]
    report = importer.validate(dbi, pd.DataFrame(rows))
    data = exports.to_csv_bytes(report.table("vi"))
    table = assert_safe_csv(data, rows=len(report.problems[:importer.MAX_LISTED]) + 1)
    assert [r[2] for r in table[1:]] == [exports.restore(m) for m in report.table("vi").iloc[:, 2]]  # one cell each


def test_import_preview_templates_and_codes(dbi, store):
    from tests.test_import import _row

    rows = [_row(dbi, **{"Tên doanh nghiệp": h, "Mã số thuế": code})
            for h, code in zip(HOSTILE, ("0101248141", "0300588569", "0100109106", "5500123457"))]
    report = importer.validate(dbi, pd.DataFrame(rows))
    preview = report.preview(dbi, "vi")
    assert_safe_csv(exports.to_csv_bytes(preview), rows=len(rows) + 1)
    assert_safe_xlsx(exports.to_xlsx_bytes(preview))
    assert_safe_csv(importer.template_csv(dbi, "vi"), rows=1)
    assert_safe_xlsx(importer.template_xlsx(dbi, "en"))
    written = store.import_assessments(dbi, report.valid)
    codes = pd.DataFrame(written, columns=["row", "tax_code", "assessment_id", "access_code"])
    table = assert_safe_csv(exports.to_csv_bytes(codes), rows=len(rows) + 1)
    assert [r[1] for r in table[1:]] == [r.profile.tax_code for r in report.valid]  # leading zeros kept


def test_the_catalogue_export_is_safe_and_still_round_trips(dbi, store):
    from assessment.catalogue_store import CatalogueStore, rows_from_csv, to_csv

    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    entries = cat.entries()
    data = to_csv(entries)
    assert_safe_csv(data)
    hostile = entries[0].model_copy(update={"name": "=HYPERLINK(\"http://x\")", "provider": "@evil"})
    data = to_csv([hostile, *entries[1:]])
    assert_safe_csv(data)
    back = rows_from_csv(data.decode("utf-8-sig"))
    assert back[0]["name"] == "=HYPERLINK(\"http://x\")" and back[0]["provider"] == "@evil"


def _run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=180)


@pytest.mark.parametrize("command", ["score", "roadmap", "recommend", "cluster"])
def test_cli_outputs_are_safe(tmp_path, dbi, command):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"firm_id": HOSTILE})
    for crit in dbi.criteria:
        frame[crit.id] = rng.integers(0, len(crit.choices), len(HOSTILE))
    src = tmp_path / "in.csv"
    src.write_bytes(exports.to_csv_bytes(frame.assign(firm_id=HOSTILE)).replace(b"'", b""))  # raw, as people type
    out = tmp_path / "out.csv"
    extra = ["--k", "2"] if command == "cluster" else []
    proc = _run(command, str(src), "-o", str(out), *extra)
    assert proc.returncode == 0, proc.stderr
    table = assert_safe_csv(out.read_bytes())
    firm_cells = {r[0] for r in table[1:]}
    assert "'=HYPERLINK(\"http://x\",\"y\")" in firm_cells
    stdout = _run(command, str(src), *extra)
    assert stdout.returncode == 0 and stdout.stdout
    assert_safe_csv(stdout.stdout.encode("utf-8"))
