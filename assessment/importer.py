"""Import of paper or spreadsheet responses (CSV or XLSX): templates, validation report, preview.

A file has one row per firm: the profile columns, the assessment date, then for each criterion the
number printed beside the ticked box on the paper form (0 for the first box), the same convention
for every answer type. A figure written on the form ("or write the share: __ %", "or write the
number: __") goes in the criterion's figure column ("1.1.3 tỷ lệ (%)", "3.2.1 số lượng"), or, for a
share, into the criterion's own column with its unit ("35%"). Profile headers may be written in
Vietnamese, in English or as the column ids below.

Cells are read by assessment.cells, the reader the CLI uses too: trimmed and NFC-normalised the same
way for CSV and XLSX, percent-formatted cells as percentages, Vietnamese and English number writing
as meant (or refused as ambiguous). Only the template's data sheet (or the first visible sheet) of a
workbook is read. ``validate`` returns a :class:`Report`: every problem with its row (as numbered in
the spreadsheet), its column and the reason in the user's language, the valid rows, and a preview
of what would be stored. ``Store.import_assessments`` writes them (all or nothing).
"""

from __future__ import annotations

from collections.abc import Sequence

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment import cells, inventory
from assessment.answers import Answer
from assessment.errors import UserError
from assessment.firms import (
    FirmProfile,
    areas,
    current_localities,
    localities,
    normalise_tax_code,
    resolve_locality,
    sector_version_on,
    sectors,
    validate_profile,
)
from assessment.framework import Criterion, Framework, nfc
from assessment.i18n import translate
from assessment.models import answers_from_document

MAX_BYTES = 48 * 1024 * 1024  # a 200,000-row file of the template is about 42 MB
MAX_ROWS = 200_000
MAX_LISTED = 500  # problems listed one by one; the rest are counted
HEADER_SEARCH = 20  # rows searched for the header when the first row is a title

# column id -> (Vietnamese header, English header)
PROFILE_COLUMNS: dict[str, tuple[str, str]] = {
    "kind": ("Loại hình", "Kind of unit"),
    "tax_code": ("Mã số thuế", "Tax code"),
    "name": ("Tên doanh nghiệp", "Firm name"),
    "sector": ("Ngành (mã VSIC cấp 1)", "Sector (VSIC section)"),
    "sector_version": ("Phiên bản VSIC", "VSIC version"),
    "locality": ("Xã, phường (mã hoặc tên)", "Commune or ward (code or name)"),
    "employees": ("Số lao động", "Employees"),
    "revenue_bn": ("Doanh thu (tỷ đồng)", "Revenue (billion VND)"),
    "capital_bn": ("Nguồn vốn (tỷ đồng)", "Capital (billion VND)"),
    "assessment_date": ("Ngày đánh giá", "Assessment date"),
    "contact_name": ("Người liên hệ", "Contact person"),
    "contact_phone": ("Điện thoại", "Phone"),
    "contact_email": ("Email", "E-mail"),
}
# headers of earlier templates, still read
OLD_HEADERS = {"locality": ("Địa bàn (mã)", "Locality (code)")}
REQUIRED = ("tax_code", "name", "sector", "locality", "employees")
FIGURES = ("employees", "revenue_bn", "capital_bn")
FIGURE_HEADERS = cells.FIGURE_HEADERS
figure_header = cells.figure_header


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
    figures: tuple[tuple[str, float], ...] = ()  # criterion id -> the figure written on the form
    notes: tuple[tuple[str, tuple], ...] = ()  # what the import read differently from the cell (key, params)
    platforms: tuple = ()  # the platforms the form lists (assessment.inventory.PlatformUse)

    def document(self, fw: Framework) -> dict[str, Any]:
        """What the form said, in its stored form (assessment.models.answers_document): the box of
        every criterion, with the figure where one was written. Built directly: an import stores
        200,000 of these."""
        document: dict[str, Any] = dict(zip(fw.criterion_ids, self.codes.tolist()))
        for cid, figure in self.figures:
            if fw.criterion_by_id[cid].type == "share":
                document[cid] = [document[cid], figure, 100.0, None]
            else:
                document[cid] = [document[cid], None, None, figure]
        return document

    def answers(self, fw: Framework) -> dict[str, Answer]:
        """What the form said, per criterion: the box, and the figure where one was written."""
        return answers_from_document(self.document(fw))


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

    def preview(self, fw: Framework, lang: str) -> pd.DataFrame:
        """What would be stored, one line per valid row: firm, tax code, locality, size class, total
        and level, so that a misread file is seen before anything is written."""
        from assessment.scoring import score_codes

        head = {k: translate(f"imp.preview.{k}", lang) for k in
                ("row", "name", "kind", "tax_code", "locality", "area", "sector", "size", "date", "total", "level",
                 "notes")}
        if not self.valid:
            return pd.DataFrame(columns=list(head.values()))
        scores = score_codes(fw, np.stack([r.codes for r in self.valid]))
        units, area_names = localities(), {a.code: a.name for a in areas().values()}
        return pd.DataFrame({
            head["row"]: [r.row for r in self.valid],
            head["name"]: [r.profile.name for r in self.valid],
            head["kind"]: [translate(f"kind.{r.profile.kind}", lang) for r in self.valid],
            head["tax_code"]: [r.profile.tax_code for r in self.valid],
            head["locality"]: [units[r.profile.locality].name if r.profile.locality in units else r.profile.locality
                               for r in self.valid],
            head["area"]: [area_names.get(units[r.profile.locality].area, "") if r.profile.locality in units else ""
                           for r in self.valid],
            head["sector"]: [f"{r.profile.sector} (VSIC {r.profile.sector_version})" for r in self.valid],
            head["size"]: [r.profile.size_class.name(lang) for r in self.valid],
            head["date"]: [r.submitted_at.date().isoformat() for r in self.valid],
            head["total"]: scores.total.astype(int),
            head["level"]: [fw.level_name(int(lv), lang) for lv in scores.level],
            head["notes"]: ["; ".join(translate(k, lang, **dict(params)) for k, params in r.notes) for r in self.valid],
        })


def _p(row, column, key, **params) -> Problem:
    return Problem(row, column, key, tuple(params.items()))


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", nfc(str(text))).strip().casefold()


_HEADER_TO_ID = {_norm(alias): cid for cid, names in PROFILE_COLUMNS.items()
                 for alias in (cid, *names, *OLD_HEADERS.get(cid, ()))}


def _kind_of(text: Any) -> str | None:
    """A kind of unit as written: its id, or its name in either language, accents optional; an
    empty cell is an enterprise (templates before the column existed)."""
    from assessment.firms import KINDS, fold
    from assessment.i18n import translate

    wanted = fold(str(text or ""))
    if not wanted:
        return "enterprise"
    for kind in KINDS:
        names = {kind, fold(translate(f"kind.{kind}", "vi")), fold(translate(f"kind.{kind}", "en"))}
        names |= {n.split(",")[0].strip() for n in names}  # "chi nhanh" for "chi nhanh, don vi phu thuoc"
        if wanted in names:
            return kind
    return None


PLATFORM_PREFIX = "platforms:"  # column id of a category's platforms: "platforms:sales"


def platform_header(category: str, lang: str) -> str:
    """The template's column of one category's platforms."""
    from assessment.catalogue import CATEGORIES

    return translate("imp.platform_column", lang, category=CATEGORIES[category](lang))


def _platform_headers() -> dict[str, str]:
    from assessment.catalogue import CATEGORIES

    return {_norm(platform_header(c, lang)): PLATFORM_PREFIX + c for c in CATEGORIES for lang in ("vi", "en")} | {
        _norm(PLATFORM_PREFIX + c): PLATFORM_PREFIX + c for c in CATEGORIES}


def _column_id(fw: Framework, header: str) -> str | None:
    """Profile column id, criterion id, criterion id + FIGURE_SUFFIX, or a category's platforms
    column id, of a header as written."""
    norm = _norm(header)
    if norm in _HEADER_TO_ID:
        return _HEADER_TO_ID[norm]
    if norm in _platform_headers():
        return _platform_headers()[norm]
    if header in fw.criterion_by_id:
        return header
    crit = cells.figure_column_of(fw, header)
    return None if crit is None else crit + cells.FIGURE_SUFFIX


# --- templates ----------------------------------------------------------------------------------


def template_columns(fw: Framework, lang: str) -> list[str]:
    from assessment.catalogue import CATEGORIES

    out = [names[0 if lang == "vi" else 1] for names in PROFILE_COLUMNS.values()]
    for crit in fw.criteria:
        if crit.from_platforms:  # answered from the platforms columns
            continue
        out.append(crit.id)
        if crit.type in FIGURE_HEADERS:
            out.append(figure_header(crit, lang))
    return out + [platform_header(c, lang) for c in CATEGORIES]  # optional: the platforms in use


def answer_rule(crit: Criterion, lang: str) -> str:
    """What to write in a criterion's column: the box numbers as printed on the form."""
    boxes = "; ".join(f"{code} = {text(lang)}" for code, (_, text) in enumerate(crit.choices))
    rule = translate("imp.rule_boxes", lang, boxes=boxes)
    if crit.type == "share":
        rule += " " + translate("imp.rule_share", lang, column=figure_header(crit, lang))
    elif crit.type == "count":
        rule += " " + translate("imp.rule_count", lang, column=figure_header(crit, lang),
                                unit=crit.unit(lang) if crit.unit else "")
    return rule


def guide_frame(fw: Framework, lang: str) -> pd.DataFrame:
    rows = [(names[0 if lang == "vi" else 1], translate(f"imp.col.{cid}", lang)) for cid, names in PROFILE_COLUMNS.items()]
    for c in fw.criteria:
        if c.from_platforms:
            rows.append((c.id, f"{c.title(lang)}: " + translate("imp.rule_from_platforms", lang)))
            continue
        rows.append((c.id, f"{c.title(lang)}: {answer_rule(c, lang)}"))
        if c.type in FIGURE_HEADERS:
            rows.append((figure_header(c, lang), translate(f"imp.rule_{c.type}_figure", lang, id=c.id)))
    from assessment.catalogue import CATEGORIES

    rows += [(platform_header(c, lang), translate("imp.rule_platforms", lang)) for c in CATEGORIES]
    head = ("Cột", "Cách ghi") if lang == "vi" else ("Column", "What to write")
    return pd.DataFrame([(translate("imp.guide_boxes", lang), "")] + rows, columns=list(head))


def codes_frame(lang: str) -> pd.DataFrame:
    """The codes a row may use: kinds of unit, sectors of VSIC 2025 and 2018, communes and wards
    (with their area and the former communes they absorbed)."""
    from assessment.firms import KINDS

    area_names = {a.code: a.name for a in areas().values()}
    rows = [(translate("imp.sheet_kind", lang), k, translate(f"kind.{k}", lang), "") for k in KINDS]
    for version in ("2025", "2018"):
        rows += [(translate("imp.sheet_sector", lang, version=version), s.code, s.name(lang), "")
                 for s in sectors(version).values()]
    rows += [(translate("imp.sheet_locality", lang), u.code, u.name,
              translate("imp.sheet_locality_note", lang, area=area_names.get(u.area, u.area),
                        former=", ".join(u.former) or "–"))
             for u in current_localities().values()]
    head = ("Loại", "Mã", "Tên", "Ghi chú") if lang == "vi" else ("Kind", "Code", "Name", "Note")
    return pd.DataFrame(rows, columns=list(head))


def template_csv(fw: Framework, lang: str) -> bytes:
    from assessment import exports

    return exports.to_csv_bytes(pd.DataFrame(columns=template_columns(fw, lang)))


def template_xlsx(fw: Framework, lang: str) -> bytes:
    """The template: a data sheet with the headers (cells formatted as text, so a tax code keeps its
    leading zero), a guide per column, and the sector/locality codes."""
    from assessment import exports

    return exports.to_xlsx_sheets([
        (translate("imp.sheet_data", lang), pd.DataFrame(columns=template_columns(fw, lang))),
        (translate("imp.sheet_guide", lang), guide_frame(fw, lang)),
        (translate("imp.sheet_codes", lang), codes_frame(lang)),
    ], text_sheets={translate("imp.sheet_data", lang)})


# --- reading ------------------------------------------------------------------------------------


class FileProblem(UserError):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.key, **problem.params)


@dataclass
class Sheet:
    """The data of a file under its header: text cells, the numbers an XLSX stored, and the
    spreadsheet row number of each data row (the header row is ``header_row``)."""

    frame: pd.DataFrame
    numbers: pd.DataFrame | None
    rows: np.ndarray
    header_row: int = 1


def _grid_csv(data: bytes) -> cells.Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem(_p(None, None, "imp.not_utf8", position=exc.start)) from None
    if not text.strip():
        raise FileProblem(_p(None, None, "imp.empty"))
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise FileProblem(_p(None, None, "imp.not_table", detail=str(exc)[:200])) from None
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    for col in grid.columns:  # cleaned as XLSX cells are, a column at a time
        grid[col] = cells.clean_column(grid[col].tolist())
    return cells.Table(grid, None)


def read_grid(data: bytes, filename: str) -> cells.Table:
    """Every cell of the table (CSV, UTF-8 with or without BOM) or of the workbook's data sheet."""
    if len(data) > MAX_BYTES:
        raise FileProblem(_p(None, None, "imp.too_large", mb=MAX_BYTES // (1024 * 1024)))
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        if not data.startswith(b"PK"):
            raise FileProblem(_p(None, None, "imp.not_xlsx"))
        try:
            return cells.read_xlsx(data, tuple(translate("imp.sheet_data", lang) for lang in ("vi", "en")))
        except Exception:  # noqa: BLE001 - any unreadable workbook gets the same message
            raise FileProblem(_p(None, None, "imp.not_xlsx")) from None
    if suffix == ".csv":
        return _grid_csv(data)
    raise FileProblem(_p(None, None, "imp.bad_type"))


def sheet_of(fw: Framework, grid: cells.Table) -> Sheet:
    """The data under the header row. A title above the header, or no header, is one problem."""
    text = grid.text
    if text.empty or text.shape[1] == 0:
        raise FileProblem(_p(None, None, "imp.no_rows"))
    known = [sum(_column_id(fw, c) is not None for c in text.iloc[i].tolist() if c)
             for i in range(min(HEADER_SEARCH, len(text)))]
    header = 0
    if known[0] < min(3, text.shape[1]):
        better = [i for i, k in enumerate(known) if k >= 3]
        if better:
            raise FileProblem(_p(better[0] + 1, None, "imp.header_below", line=better[0] + 1))
        if known[0] == 0:
            raise FileProblem(_p(1, None, "imp.no_header"))
    body = text.iloc[header + 1:]
    numbers = None if grid.numbers is None else grid.numbers.iloc[header + 1:]
    rows = np.arange(len(body)) + header + 2
    keep = ~(body == "").all(axis=1).to_numpy()  # blank rows (often trailing) are not firms
    body, rows = body[keep], rows[keep]
    numbers = None if numbers is None else numbers[keep]
    if body.empty:
        raise FileProblem(_p(None, None, "imp.no_rows"))
    if len(body) > MAX_ROWS:
        raise FileProblem(_p(None, None, "imp.too_many_rows", max=MAX_ROWS))
    columns = text.iloc[header].tolist()
    # trailing columns with neither a header nor any value are not columns
    while columns and not columns[-1] and (body.iloc[:, len(columns) - 1] == "").all():
        columns.pop()
    body = body.iloc[:, :len(columns)]
    body.columns = columns
    if numbers is not None:
        numbers = numbers.iloc[:, :len(columns)]
        numbers.columns = columns
    return Sheet(body.reset_index(drop=True), None if numbers is None else numbers.reset_index(drop=True), rows,
                 header + 1)


def read_table(data: bytes, filename: str, fw: Framework) -> Sheet:
    return sheet_of(fw, read_grid(data, filename))


# --- validation ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a file's rows mostly share a few dates
def parse_date(text: str) -> dt.datetime | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _as_sheet(data: pd.DataFrame | Sheet) -> Sheet:
    if isinstance(data, Sheet):
        return data
    frame = data.copy()
    frame.columns = [cells.clean(c) for c in frame.columns]
    frame = frame.astype(object).map(cells.clean)
    return Sheet(frame.reset_index(drop=True), None, np.arange(len(frame)) + 2)


def validate(fw: Framework, data: pd.DataFrame | Sheet, *,
             existing: set[tuple[str, int]] = frozenset(), today: dt.date | None = None,
             entries: Sequence = ()) -> Report:
    """Check every cell; ``existing`` holds (tax code, year) pairs already in the database;
    ``entries``: the framework's catalogue, to read the platforms columns by entry id or name."""
    today = today or dt.date.today()
    sheet = _as_sheet(data)
    frame = sheet.frame
    report = Report(n_rows=len(frame))
    header = _check_header(fw, list(frame.columns))
    if isinstance(header, list):
        report.problems.extend(header)
        report.file_error = True
        return report
    col_of = header  # column id -> header as written
    rows = sheet.rows
    bad_cells: dict[int, list[Problem]] = {}

    def add(i: int, problem: Problem) -> None:
        bad_cells.setdefault(i, []).append(problem)

    def column(cid: str):
        name = col_of[cid]
        return frame[name], None if sheet.numbers is None else sheet.numbers[name].to_numpy(dtype=float)

    # criteria, column by column (vectorised)
    codes = np.zeros((len(frame), len(fw.criteria)), dtype=np.int16)
    figures: dict[str, np.ndarray] = {}
    for j, crit in enumerate(fw.criteria):
        if crit.from_platforms:  # no column: answered from the row's platforms below
            continue
        box, box_numbers = column(crit.id)
        fig_id = crit.id + cells.FIGURE_SUFFIX
        fig, fig_numbers = column(fig_id) if fig_id in col_of else (None, None)
        answers, problems = cells.answer_column(crit, box, box_numbers, fig, fig_numbers)
        codes[:, j] = np.maximum(answers.codes, 0)
        if not np.isnan(answers.figures).all():
            figures[crit.id] = answers.figures
        for p in problems:
            add(p.index, _p(int(rows[p.index]), col_of[p.column], p.key, **dict(p.params)))

    # profile figures, a column at a time (the column shows how its numbers are written)
    figure_values: dict[str, np.ndarray] = {}
    for cid in FIGURES:
        if cid not in col_of:
            continue
        cells_of, stored = column(cid)
        values, problems = cells.numbers_of(cells_of, stored, whole=cid == "employees")
        figure_values[cid] = values
        for i, key in problems:
            add(i, _p(int(rows[i]), col_of[cid], key, value=cells_of.iat[i][:40]))

    # profile and date, row by row
    seen: dict[tuple[str, int], int] = {}
    profiles: dict[int, tuple[FirmProfile, dt.datetime]] = {}
    profile_ids = [cid for cid in col_of if cid in PROFILE_COLUMNS]
    text_columns = {cid: frame[col_of[cid]].tolist() for cid in profile_ids}
    notes: dict[int, list[tuple[str, tuple]]] = {}
    for i in range(len(frame)):
        raw = {cid: text_columns[cid][i] for cid in profile_ids}
        unreadable = {p.column for p in bad_cells.get(i, ())}
        for cid, values in figure_values.items():
            raw[cid] = None if np.isnan(values[i]) else float(values[i])
        date_text = raw.get("assessment_date", "") or ""
        when = parse_date(date_text) if date_text else dt.datetime.combine(today, dt.time(9, 0))
        if when is None:
            add(i, _p(int(rows[i]), col_of.get("assessment_date"), "imp.bad_date", value=date_text[:40]))
        elif when.date() > today:
            add(i, _p(int(rows[i]), col_of.get("assessment_date"), "imp.future_date", value=date_text))
        day = when.date() if when is not None and when.date() <= today else today
        # the kind of unit, the sector system (a column, else the assessment's date), the commune
        kind = _kind_of(raw.get("kind"))
        if kind is None:
            add(i, _p(int(rows[i]), col_of.get("kind"), "imp.bad_kind", value=str(raw.get("kind"))[:40]))
            continue
        raw["kind"] = kind
        version = str(raw.get("sector_version") or "").strip()
        if version and version not in ("2018", "2025"):
            add(i, _p(int(rows[i]), col_of.get("sector_version"), "imp.bad_sector_version", value=version[:20]))
            continue
        raw["sector_version"] = version or sector_version_on(day)
        raw["sector"] = str(raw.get("sector") or "").strip().upper()
        place = str(raw.get("locality") or "").strip()
        match = resolve_locality(place, day=day)
        if match is not None:
            raw["locality"] = match.locality.code
            if match.former is not None:
                notes.setdefault(i, []).append(("imp.note_former", (("value", place[:60]), ("unit", match.locality.name))))
            elif match.locality.code != place:
                notes.setdefault(i, []).append(("imp.note_name", (("value", place[:60]), ("code", match.locality.code))))
        profile, errors = validate_profile(raw, on=day)
        for e in errors:
            col = col_of.get(e.field) or col_of.get("revenue_bn") or col_of.get("capital_bn")
            if col in unreadable:
                continue  # the cell could not be read as a number: already said
            value = str(text_columns.get(e.field, [""] * len(frame))[i])[:40]
            if e.field == "tax_code" and kind != "household" and re.fullmatch(r"\d{9}(-\d{3})?", normalise_tax_code(value)):
                add(i, _p(int(rows[i]), col, "imp.tax_code_nine", value=value))
            elif e.field == "sector" and value:
                add(i, _p(int(rows[i]), col, "imp.bad_sector", value=value, version=raw["sector_version"]))
            elif e.field == "locality" and value and match is not None:  # a unit, but not in force on that date
                add(i, _p(int(rows[i]), col, "imp.locality_not_then", value=value, day=day.strftime("%d/%m/%Y")))
            elif e.field == "locality" and value:
                add(i, _p(int(rows[i]), col, "imp.bad_locality", value=value))
            else:
                add(i, _p(int(rows[i]), col, e.key, **{"what": col, "value": value, **e.kwargs()}))
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
        written = tuple((cid, float(values[i])) for cid, values in figures.items() if not np.isnan(values[i]))
        platforms = _platforms(col_of, frame, i, entries, today.year)
        for cid, answer in inventory.answers_from_platforms(fw, platforms).items():
            codes[i, fw.criterion_ids.index(cid)] = answer.code
        report.valid.append(ImportRow(int(rows[i]), profile, when, codes[i].copy(), written, tuple(notes.get(i, ())),
                                      platforms))
    return report


def _platforms(col_of: dict[str, str], frame: pd.DataFrame, i: int, entries: Sequence, this_year: int) -> tuple:
    """A row's platforms: per category column, entries by id or name (accents and case aside),
    others by the name written; separated by ";" (or new lines)."""
    from assessment.catalogue import CATEGORIES
    from assessment.firms import fold
    from assessment.inventory import PlatformUse

    by_name = {}
    for e in entries:
        for label in (e.id, e.name, e.name_en or ""):
            if label:
                by_name[(e.category, fold(label))] = e
    uses = []
    for cid, header in col_of.items():
        if not cid.startswith(PLATFORM_PREFIX):
            continue
        category = cid[len(PLATFORM_PREFIX):]
        for token in re.split(r"[;\n]+", str(frame[header].iat[i] or "")):
            token = nfc(token).strip()
            if not token:
                continue
            entry = by_name.get((category, fold(token)))
            uses.append(PlatformUse(category, entry.name if entry else token, entry.id if entry else None))
    return tuple(inventory.clean(uses, categories=CATEGORIES, this_year=this_year))


def _check_header(fw: Framework, columns: list[str]) -> dict[str, str] | list[Problem]:
    problems: list[Problem] = []
    col_of: dict[str, str] = {}
    for col in columns:
        key = _column_id(fw, col)
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
    missing = [c.id for c in fw.criteria if c.id not in col_of and not c.from_platforms]
    if missing:
        problems.append(_p(1, ", ".join(missing[:8]) + (" …" if len(missing) > 8 else ""), "imp.missing_criteria",
                           n=len(missing)))
    return problems or col_of


def import_file(store, fw: Framework, data: bytes, filename: str, *,
                today: dt.date | None = None) -> Report:
    """Read and validate a file against the framework and what the database already holds."""
    try:
        sheet = read_table(data, filename, fw)
    except FileProblem as exc:
        return Report(problems=[exc.problem], file_error=True)
    tax_codes = set()
    for col in sheet.frame.columns:
        if _HEADER_TO_ID.get(_norm(col)) == "tax_code":
            tax_codes = {normalise_tax_code(v) for v in sheet.frame[col]}
    existing = store.submitted_periods(fw.key, tax_codes) if tax_codes else set()
    return validate(fw, sheet, existing=existing, today=today, entries=_published(store, fw))


def _published(store, fw: Framework) -> list:
    """The framework's published catalogue, to read platforms columns (none without a database)."""
    if getattr(store, "engine", None) is None:
        return []
    from assessment.catalogue_store import CatalogueStore

    catalogue = CatalogueStore(store, fw)
    catalogue.seed_if_empty()
    return catalogue.published()
