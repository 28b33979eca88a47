"""Import of paper or spreadsheet responses (CSV or XLSX): templates, validation report, writing.

A file has one row per firm: the profile columns, the assessment date, then one column per
criterion id holding the answer (the option number printed on the form, 0/1 for yes/no, a
percentage for a share, a whole number for a count). Profile headers may be written in Vietnamese,
in English or as the column ids below; criterion columns are the criterion ids in every language.

``read_table`` turns the bytes into a table of strings; ``validate`` checks every cell and returns
a :class:`Report` listing every problem with its row (as numbered in the spreadsheet, the header
being row 1), its column and the reason, in the user's language, together with the rows that are
valid. Duplicates (the same firm and period twice in the file, or already in the database) are
problems too. ``Store.import_assessments`` writes valid rows in one transaction: nothing is
written unless the caller chose to (all rows valid, or only the valid ones).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment.answers import Answer
from assessment.errors import UserError
from assessment.firms import FirmProfile, localities, normalise_tax_code, sectors, validate_profile
from assessment.framework import Criterion, Framework, nfc
from assessment.i18n import translate

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_LISTED = 500  # problems listed one by one; the rest are counted

# column id -> (Vietnamese header, English header)
PROFILE_COLUMNS: dict[str, tuple[str, str]] = {
    "tax_code": ("Mã số thuế", "Tax code"),
    "name": ("Tên doanh nghiệp", "Firm name"),
    "sector": ("Ngành (mã VSIC cấp 1)", "Sector (VSIC section)"),
    "locality": ("Địa bàn (mã)", "Locality (code)"),
    "employees": ("Số lao động", "Employees"),
    "revenue_bn": ("Doanh thu (tỷ đồng)", "Revenue (billion VND)"),
    "capital_bn": ("Nguồn vốn (tỷ đồng)", "Capital (billion VND)"),
    "assessment_date": ("Ngày đánh giá", "Assessment date"),
    "contact_name": ("Người liên hệ", "Contact person"),
    "contact_phone": ("Điện thoại", "Phone"),
    "contact_email": ("Email", "E-mail"),
}
REQUIRED = ("tax_code", "name", "sector", "locality", "employees")
_YES = {"1", "có", "co", "yes", "y", "x", "true"}
_NO = {"0", "không", "khong", "no", "n", "false"}


class Problem(UserError):
    """A problem of an imported file, at its row (the header is row 1; None for the whole file) and
    column (the header as written in the file)."""

    def __init__(self, row: int | None, column: str | None, key: str, params: tuple[tuple[str, Any], ...] = ()):
        self.row, self.column = row, column
        super().__init__(key, f"row {row}, column {column}: {key}", **dict(params))


@dataclass(frozen=True)
class ImportRow:
    row: int
    profile: FirmProfile
    submitted_at: dt.datetime
    codes: np.ndarray  # (n_criteria,) answer codes
    answers: dict[str, Answer]


@dataclass
class Report:
    n_rows: int = 0
    valid: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_error: bool = False  # the file itself is unusable: no row can be imported

    @property
    def bad_rows(self) -> list[int]:
        return sorted({p.row for p in self.problems if p.row is not None and p.row > 1})

    @property
    def ok(self) -> bool:
        return not self.problems

    def table(self, lang: str) -> pd.DataFrame:
        """The problems as a table: row, column, reason (in ``lang``)."""
        head = ("Dòng", "Cột", "Lý do") if lang == "vi" else ("Row", "Column", "Reason")
        return pd.DataFrame([(p.row or "", p.column or "", p.message(lang)) for p in self.problems[:MAX_LISTED]],
                            columns=list(head))


def _p(row, column, key, **params) -> Problem:
    return Problem(row, column, key, tuple(params.items()))


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", nfc(str(text))).strip().casefold()


_HEADER_TO_ID = {_norm(alias): cid for cid, names in PROFILE_COLUMNS.items() for alias in (cid, *names)}


# --- templates ----------------------------------------------------------------------------------


def template_columns(fw: Framework, lang: str) -> list[str]:
    return [names[0 if lang == "vi" else 1] for names in PROFILE_COLUMNS.values()] + list(fw.criterion_ids)


def answer_rule(crit: Criterion, lang: str) -> str:
    """What to write in a criterion's column, e.g. '0 = Không; 1 = Có'."""
    if crit.type in ("choice", "yes_no"):
        return "; ".join(f"{code} = {text(lang)}" for code, (_, text) in enumerate(crit.choices))
    if crit.type == "share":
        return translate("imp.rule_share", lang)
    return translate("imp.rule_count", lang, unit=crit.unit(lang) if crit.unit else "")


def guide_frame(fw: Framework, lang: str) -> pd.DataFrame:
    rows = [(names[0 if lang == "vi" else 1], translate(f"imp.col.{cid}", lang)) for cid, names in PROFILE_COLUMNS.items()]
    rows += [(c.id, f"{c.title(lang)}: {answer_rule(c, lang)}") for c in fw.criteria]
    head = ("Cột", "Cách ghi") if lang == "vi" else ("Column", "What to write")
    return pd.DataFrame(rows, columns=list(head))


def codes_frame(localities_file: str, lang: str) -> pd.DataFrame:
    rows = [(translate("imp.sheet_sector", lang), s.code, s.name(lang)) for s in sectors().values()]
    rows += [(translate("imp.sheet_locality", lang), u.code, u.name) for u in localities(localities_file).values()]
    head = ("Loại", "Mã", "Tên") if lang == "vi" else ("Kind", "Code", "Name")
    return pd.DataFrame(rows, columns=list(head))


def template_csv(fw: Framework, lang: str) -> bytes:
    return pd.DataFrame(columns=template_columns(fw, lang)).to_csv(index=False).encode("utf-8-sig")


def template_xlsx(fw: Framework, lang: str, localities_file: str) -> bytes:
    """The template: a data sheet with the headers, a guide per column, and the sector/locality codes."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        pd.DataFrame(columns=template_columns(fw, lang)).to_excel(writer, sheet_name=translate("imp.sheet_data", lang),
                                                                  index=False)
        guide_frame(fw, lang).to_excel(writer, sheet_name=translate("imp.sheet_guide", lang), index=False)
        codes_frame(localities_file, lang).to_excel(writer, sheet_name=translate("imp.sheet_codes", lang), index=False)
        for ws in writer.book.worksheets:
            for col in ws.columns:
                ws.column_dimensions[col[0].column_letter].width = min(
                    60, max(10, max(len(str(c.value or "")) for c in col) + 2))
    return buf.getvalue()


# --- reading ------------------------------------------------------------------------------------


class FileProblem(ValueError):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.key)


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """The first sheet (XLSX) or the table (CSV, UTF-8 with or without BOM) as strings."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_p(None, None, "imp.too_large", mb=MAX_BYTES // (1024 * 1024)))
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        if not data.startswith(b"PK"):
            raise FileProblem(_p(None, None, "imp.not_xlsx"))
        try:
            frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
        except Exception:  # noqa: BLE001 - any unreadable workbook gets the same message
            raise FileProblem(_p(None, None, "imp.not_xlsx")) from None
        frame = frame.map(_cell_text)
    elif suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileProblem(_p(None, None, "imp.not_utf8", position=exc.start)) from None
        if not text.strip():
            raise FileProblem(_p(None, None, "imp.empty"))
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=None, engine="python")
        except (pd.errors.ParserError, csv.Error) as exc:
            raise FileProblem(_p(None, None, "imp.not_table", detail=str(exc)[:200])) from None
    else:
        raise FileProblem(_p(None, None, "imp.bad_type"))
    frame.columns = [nfc(str(c)).strip() for c in frame.columns]
    # spreadsheets often carry fully empty rows at the end
    frame = frame[~(frame == "").all(axis=1)] if len(frame.columns) else frame
    if frame.empty:
        raise FileProblem(_p(None, None, "imp.no_rows"))
    if len(frame) > MAX_ROWS:
        raise FileProblem(_p(None, None, "imp.too_many_rows", max=MAX_ROWS))
    return frame


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()


# --- validation ---------------------------------------------------------------------------------


def parse_date(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def validate(fw: Framework, frame: pd.DataFrame, *, localities_file: str,
             existing: set[tuple[str, int]] = frozenset(), today: dt.date | None = None) -> Report:
    """Check every cell; ``existing`` holds (tax code, year) pairs already in the database."""
    today = today or dt.date.today()
    report = Report(n_rows=len(frame))
    header = _check_header(fw, list(frame.columns))
    if isinstance(header, list):
        report.problems.extend(header)
        report.file_error = True
        return report
    col_of = header  # column id or criterion id -> header as written
    rows = np.arange(len(frame)) + 2
    bad_cells: dict[int, list[Problem]] = {}

    def add(i: int, problem: Problem) -> None:
        bad_cells.setdefault(i, []).append(problem)

    # criteria, column by column (vectorised)
    codes = np.zeros((len(frame), len(fw.criteria)), dtype=np.int16)
    figures: dict[str, np.ndarray] = {}
    for j, crit in enumerate(fw.criteria):
        cells = frame[col_of[crit.id]].astype(str).str.strip()
        col_codes, col_figures, problems = _criterion_column(crit, cells)
        codes[:, j] = col_codes
        if col_figures is not None:
            figures[crit.id] = col_figures
        for i, key, params in problems:
            add(i, _p(int(rows[i]), col_of[crit.id], key, value=cells.iloc[i][:40], **params))

    # profile and date, row by row
    seen: dict[tuple[str, int], int] = {}
    profiles: dict[int, tuple[FirmProfile, dt.datetime]] = {}
    for i in range(len(frame)):
        raw = {cid: str(frame.iat[i, frame.columns.get_loc(col)]) for cid, col in col_of.items() if cid in PROFILE_COLUMNS}
        profile, errors = validate_profile(raw, localities_file=localities_file)
        for e in errors:
            col = col_of.get(e.field) or col_of.get("revenue_bn") or col_of.get("capital_bn")
            value = raw.get(e.field, "")[:40]
            if e.field == "tax_code" and re.fullmatch(r"\d{9}(-\d{3})?", normalise_tax_code(value)):
                add(i, _p(int(rows[i]), col, "imp.tax_code_nine", value=value))
            elif e.field == "sector" and value:
                add(i, _p(int(rows[i]), col, "imp.bad_sector", value=value))
            elif e.field == "locality" and value:
                add(i, _p(int(rows[i]), col, "imp.bad_locality", value=value))
            else:
                add(i, _p(int(rows[i]), col, e.key, what=col, **e.kwargs()))
        date_text = raw.get("assessment_date", "").strip()
        when = parse_date(date_text) if date_text else dt.datetime.combine(today, dt.time(9, 0))
        if when is None:
            add(i, _p(int(rows[i]), col_of.get("assessment_date"), "imp.bad_date", value=date_text[:40]))
        elif when.date() > today:
            add(i, _p(int(rows[i]), col_of.get("assessment_date"), "imp.future_date", value=date_text))
        if profile is None or when is None:
            continue
        key = (profile.tax_code, when.year)
        if key in seen:
            add(i, _p(int(rows[i]), col_of["tax_code"], "imp.duplicate_file", tax_code=profile.tax_code,
                      year=when.year, other=seen[key]))
        else:
            seen[key] = int(rows[i])
        if key in existing:
            add(i, _p(int(rows[i]), col_of["tax_code"], "imp.duplicate_db", tax_code=profile.tax_code, year=when.year))
        profiles[i] = (profile, when)

    for i in sorted(bad_cells):
        report.problems.extend(bad_cells[i])
    for i in range(len(frame)):
        if i in bad_cells or i not in profiles:
            continue
        profile, when = profiles[i]
        answers = {}
        for j, crit in enumerate(fw.criteria):
            code = int(codes[i, j])
            if crit.id in figures and crit.type == "share":
                answers[crit.id] = Answer(code, numerator=float(figures[crit.id][i]), denominator=100.0)
            elif crit.id in figures:
                answers[crit.id] = Answer(code, value=float(figures[crit.id][i]))
            else:
                answers[crit.id] = Answer(code)
        report.valid.append(ImportRow(int(rows[i]), profile, when, codes[i].copy(), answers))
    return report


def _check_header(fw: Framework, columns: list[str]) -> dict[str, str] | list[Problem]:
    problems: list[Problem] = []
    col_of: dict[str, str] = {}
    for col in columns:
        key = _HEADER_TO_ID.get(_norm(col)) or (col if col in fw.criterion_by_id else None)
        if key is None:
            if _norm(col).startswith("unnamed:") or not col:
                problems.append(_p(1, col, "imp.blank_header"))
            else:
                problems.append(_p(1, col, "imp.unknown_column", framework=fw.key))
        elif key in col_of:
            problems.append(_p(1, col, "imp.duplicate_column", other=col_of[key]))
        else:
            col_of[key] = col
    missing_profile = [PROFILE_COLUMNS[c][0] + " / " + PROFILE_COLUMNS[c][1] for c in REQUIRED if c not in col_of]
    if "revenue_bn" not in col_of and "capital_bn" not in col_of:
        missing_profile.append(PROFILE_COLUMNS["revenue_bn"][1] + " | " + PROFILE_COLUMNS["capital_bn"][1])
    for name in missing_profile:
        problems.append(_p(1, name, "imp.missing_column"))
    missing = [c for c in fw.criterion_ids if c not in col_of]
    if missing:
        problems.append(_p(1, ", ".join(missing[:8]) + (" …" if len(missing) > 8 else ""), "imp.missing_criteria",
                           n=len(missing)))
    return problems or col_of


def _criterion_column(crit: Criterion, cells: pd.Series):
    """Answer codes, declared figures (share/count) and the problems (row index, key, params) of a column."""
    n = len(cells)
    codes = np.zeros(n, dtype=np.int16)
    problems: list[tuple[int, str, dict]] = []
    empty = (cells == "").to_numpy()
    for i in np.flatnonzero(empty):
        problems.append((int(i), "imp.no_answer", {}))
    if crit.type == "yes_no":
        low = cells.str.lower()
        bad = ~low.isin(_YES | _NO).to_numpy() & ~empty
        for i in np.flatnonzero(bad):
            problems.append((int(i), "imp.yes_no", {}))
        codes[:] = low.isin(_YES).to_numpy()
        return codes, None, problems
    numbers = pd.to_numeric(cells.str.rstrip("%").str.strip().str.replace(",", ".", regex=False),
                            errors="coerce").to_numpy(dtype=float)
    not_number = np.isnan(numbers) & ~empty
    for i in np.flatnonzero(not_number):
        problems.append((int(i), "imp.not_number", {}))
    ok = ~np.isnan(numbers)
    if crit.type == "choice":
        top = len(crit.choices) - 1
        bad = ok & ((numbers != np.floor(numbers)) | (numbers < 0) | (numbers > top))
        for i in np.flatnonzero(bad):
            problems.append((int(i), "imp.not_option", {"top": top}))
        good = ok & ~bad
        codes[good] = numbers[good].astype(np.int16)
        return codes, None, problems
    if crit.type == "share":
        bad = ok & ((numbers < 0) | (numbers > 100))
        for i in np.flatnonzero(bad):
            problems.append((int(i), "imp.share_range", {}))
    else:
        bad = ok & ((numbers < 0) | (numbers != np.floor(numbers)) | (numbers > 1e9))
        for i in np.flatnonzero(bad):
            problems.append((int(i), "imp.count_range", {}))
    good = ok & ~bad
    codes[good] = crit.codes_for_figures(numbers[good]).astype(np.int16)
    return codes, np.where(good, numbers, 0.0), problems


def import_file(store, fw: Framework, data: bytes, filename: str, *, localities_file: str,
                today: dt.date | None = None) -> Report:
    """Read and validate a file against the framework and what the database already holds."""
    try:
        frame = read_table(data, filename)
    except FileProblem as exc:
        return Report(problems=[exc.problem], file_error=True)
    tax_codes = set()
    for col in frame.columns:
        if _HEADER_TO_ID.get(_norm(col)) == "tax_code":
            tax_codes = {normalise_tax_code(v) for v in frame[col]}
    existing = store.submitted_periods(fw.key, tax_codes) if tax_codes else set()
    return validate(fw, frame, localities_file=localities_file, existing=existing, today=today)
