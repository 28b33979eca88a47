"""Reading the cells of answer tables as the person who typed them meant: one reader for the CLI
(assessment.tabular) and the department's import (assessment.importer).

Tables arrive as a :class:`Table`: every cell as cleaned text (NFC, trimmed, the same for CSV and
XLSX) and, for XLSX, the numbers the spreadsheet stored. A cell formatted as a percentage holds
0.35 for "35%": it reads as the text "35%".

Answers follow the printed questionnaire for every answer type: a criterion's column holds the
number printed beside the ticked box (0 for the first box). A figure written on the form ("or
write the share: __ %", "or write the number: __") goes in the criterion's figure column, or into
the criterion's own column only with its unit ("35%"); it then decides the box, and a box typed
beside it must agree.

Numbers are read the way they are written in Vietnam or in English: "1.200.000" (dots for
thousands), "1,5" (a decimal comma), "1,200.5". A cell that could mean two numbers ("1.200": 1.2 or
1200?) takes the meaning the other cells of its column show; when they show none it is refused as
ambiguous, never scaled silently.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.framework import Criterion, nfc

YES = frozenset({"1", "có", "co", "yes", "y", "x", "true", "đúng"})
NO = frozenset({"0", "không", "khong", "no", "n", "false", "sai"})
MAX_COUNT = 1e9  # far above any head count: a cell beyond it is a typing error
FIGURE_SUFFIX = "_figure"  # column id of a criterion's written figure: "1.1.3_figure"
# the header of a share's or a count's figure column in each language (the import template's)
FIGURE_HEADERS = {"share": ("{id} tỷ lệ (%)", "{id} share (%)"), "count": ("{id} số lượng", "{id} number")}

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


# in a column's cells joined by line feeds: anything but printable ASCII, or a space that clean()
# would remove (leading, trailing, doubled)
_NEEDS_CLEANING = re.compile(r"[^\x20-\x7e\n]|^ | $|  ", re.MULTILINE)
_CELL_NEEDS_CLEANING = re.compile(r"[^\x20-\x7e]|^ | $|  ")


def clean_column(values: list[str]) -> list[str]:
    """``clean`` over a column, skipped at once when no cell of it needs cleaning."""
    if not _NEEDS_CLEANING.search("\n".join(values)):
        return values
    search = _CELL_NEEDS_CLEANING.search
    return [clean(v) if search(v) else v for v in values]


def clean(value: object) -> str:
    """A cell as text: NFC, invisible characters removed, runs of spaces made one, trimmed."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    if text.isascii() and text.isprintable() and "  " not in text and text == text.strip():
        return text  # most cells (digits, codes): nothing to clean
    text = _INVISIBLE.sub("", nfc(text))
    return _SPACES.sub(" ", text).strip()


@dataclass
class Table:
    """A table read from a file: cleaned text per cell, and the numbers an XLSX stored (NaN elsewhere)."""

    text: pd.DataFrame
    numbers: pd.DataFrame | None = None  # same shape as text; None for CSV


def figure_header(crit: Criterion, lang: str) -> str:
    return FIGURE_HEADERS[crit.type][0 if lang == "vi" else 1].format(id=crit.id)


def _figure_headers(fw) -> dict[str, str]:
    """Every spelling of every figure column of a framework -> its criterion (computed once)."""
    cached = _FIGURE_HEADER_CACHE.get(id(fw))
    if cached is None or cached[0] is not fw:
        names = {}
        for crit in fw.criteria:
            if crit.type in FIGURE_HEADERS:
                names[(crit.id + FIGURE_SUFFIX).casefold()] = crit.id
                for lang in ("vi", "en"):
                    names[clean(figure_header(crit, lang)).casefold()] = crit.id
        cached = (fw, names)
        _FIGURE_HEADER_CACHE[id(fw)] = cached
    return cached[1]


_FIGURE_HEADER_CACHE: dict[int, tuple[object, dict[str, str]]] = {}


def figure_column_of(fw, header: str) -> str | None:
    """The criterion whose figure column this header names (id + FIGURE_SUFFIX, or the template's
    header in either language), or None."""
    return _figure_headers(fw).get(clean(header).casefold())


# --- numbers --------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^\d+$")
_VI_FULL = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # 1.200,5
_EN_FULL = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$")  # 1,200.5
_VI_GROUPS = re.compile(r"^\d{1,3}(\.\d{3}){2,}$")  # 1.200.000
_EN_GROUPS = re.compile(r"^\d{1,3}(,\d{3}){2,}$")  # 1,200,000
_ONE_COMMA = re.compile(r"^(\d+),(\d+)$")
_ONE_DOT = re.compile(r"^(\d+)\.(\d+)$")
_SPACED = re.compile(r"^\d{1,3}( \d{3})+([.,]\d+)?$")  # 1 200 000


def _convention(text: str) -> str | None:
    """'vi', 'en' when the writing shows it, None when it does not."""
    if _VI_FULL.match(text) or _VI_GROUPS.match(text):
        return "vi"
    if _EN_FULL.match(text) or _EN_GROUPS.match(text):
        return "en"
    m = _ONE_COMMA.match(text)
    if m and (len(m.group(2)) != 3 or len(m.group(1)) > 3 or m.group(1) == "0"):
        return "vi"  # 1,5 / 12,25 / 1234,567 / 0,125: a decimal comma
    m = _ONE_DOT.match(text)
    if m and (len(m.group(2)) != 3 or len(m.group(1)) > 3 or m.group(1) == "0"):
        return "en"  # 1.5 / 0.125: a decimal point
    return None


def column_convention(cells) -> str | None:
    """The way a column writes its numbers, from its unambiguous cells ('vi', 'en', or None when
    it shows none, or both)."""
    seen = {_convention(c.lstrip("+-").rstrip("%").strip()) for c in cells if c and ("." in c or "," in c)}
    seen.discard(None)
    return seen.pop() if len(seen) == 1 else None


def parse_number(text: str, *, whole: bool = False, convention: str | None = None) -> float | str:
    """The number a cell means, or the translation key of why it cannot be read
    ("imp.not_number", "imp.ambiguous_number")."""
    t = text.replace("\u00a0", " ").strip()
    negative = t.startswith("-")
    t = t.lstrip("+-").strip()
    if _SPACED.match(t):
        t = t.replace(" ", "")
    if not t:
        return "imp.not_number"
    if _PLAIN.match(t):
        value = float(t)
    elif _VI_FULL.match(t):
        value = float(t.replace(".", "").replace(",", "."))
    elif _EN_FULL.match(t):
        value = float(t.replace(",", ""))
    elif _VI_GROUPS.match(t):
        value = float(t.replace(".", ""))
    elif _EN_GROUPS.match(t):
        value = float(t.replace(",", ""))
    elif m := (_ONE_COMMA.match(t) or _ONE_DOT.match(t)):
        sep = "," if "," in t else "."
        decimal = float(f"{m.group(1)}.{m.group(2)}")
        thousands = float(m.group(1) + m.group(2))
        own = _convention(t)
        if own is not None:  # the cell itself leaves no doubt
            value = decimal if (own == "vi") == (sep == ",") else thousands
        elif whole:  # a head count has no decimals: 1.200 people are 1200
            value = thousands
        elif convention == "vi":
            value = thousands if sep == "." else decimal
        elif convention == "en":
            value = thousands if sep == "," else decimal
        else:
            return "imp.ambiguous_number"
    else:
        try:  # 1e3, .5 and other forms Python reads unambiguously
            value = float(t)
        except ValueError:
            return "imp.not_number"
        if not np.isfinite(value):
            return "imp.not_number"
    return -value if negative else value


def numbers_of(cells: pd.Series, stored: np.ndarray | None = None, *, whole: bool = False
               ) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """The numbers of a column (NaN where empty or unreadable) and the problems (row index, key).
    ``stored`` holds the numbers an XLSX kept for its cells (NaN where it kept text)."""
    values = np.full(len(cells), np.nan)
    problems: list[tuple[int, str]] = []
    plain = np.array(cells.str.fullmatch(r"\d{1,15}"), dtype=bool)  # most cells: vectorised
    if plain.any():
        values[plain] = cells[plain].astype(np.int64).to_numpy(dtype=float)
    rest = np.flatnonzero(~plain & (cells != "").to_numpy())
    if len(rest):
        texts = cells.iloc[rest].tolist()
        convention = column_convention(texts)
        for i, cell in zip(rest.tolist(), texts):
            got = parse_number(cell, whole=whole, convention=convention)
            if isinstance(got, str):
                problems.append((i, got))
            else:
                values[i] = got
    if stored is not None:  # numbers an XLSX stored win over their text
        have = ~np.isnan(stored)
        values[have] = stored[have]
        problems = [(i, key) for i, key in problems if not have[i]]
    return values, problems


# --- answers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellProblem:
    index: int  # row position in the table (0 = first data row)
    column: str  # the column id (criterion id, or criterion id + FIGURE_SUFFIX)
    key: str  # translation key
    params: tuple[tuple[str, object], ...] = ()


@dataclass
class AnswerColumn:
    codes: np.ndarray  # (n,) answer codes, -1 where unanswered or wrong
    figures: np.ndarray  # (n,) the written figure (share in % or count), NaN where none


def answer_column(crit: Criterion, box: pd.Series, box_numbers: np.ndarray | None = None,
                  figure: pd.Series | None = None, figure_numbers: np.ndarray | None = None
                  ) -> tuple[AnswerColumn, list[CellProblem]]:
    """A criterion's answers from its box column (the number beside the ticked box; for a share
    also "35%") and its optional figure column."""
    n = len(box)
    codes = np.full(n, -1, dtype=np.int16)
    figures = np.full(n, np.nan)
    problems: list[CellProblem] = []
    top = len(crit.choices) - 1
    shown = box.tolist()

    # the figure column (shares: 0-100, with or without %; counts: whole numbers)
    if figure is not None:
        text = figure.str.rstrip("%").str.strip() if crit.type == "share" else figure
        fig_values, bad = numbers_of(text, _percent_points(figure, figure_numbers) if crit.type == "share"
                                     else figure_numbers, whole=crit.type == "count")
        for i, key in bad:
            problems.append(CellProblem(i, crit.id + FIGURE_SUFFIX, key, (("value", figure.iat[i][:40]),)))
        figures = _checked_figures(crit, fig_values, figure.tolist(), crit.id + FIGURE_SUFFIX, problems)

    # the box column
    if crit.type == "yes_no":
        low = box.str.lower()
        yes, no = low.isin(YES).to_numpy(), low.isin(NO).to_numpy()
        codes[yes] = 1
        codes[no] = 0
        for i in np.flatnonzero(~yes & ~no & (box != "").to_numpy()):
            problems.append(CellProblem(int(i), crit.id, "imp.yes_no", (("value", shown[i][:40]),)))
    else:
        with_unit = (np.array(box.str.endswith("%"), dtype=bool) if crit.type == "share" else np.zeros(n, bool))
        if box_numbers is not None and crit.type == "share":
            with_unit |= _percent_cells(box, box_numbers)
        plain = box.where(~with_unit, "")
        values, bad = numbers_of(plain, None if box_numbers is None else np.where(with_unit, np.nan, box_numbers),
                                 whole=True)
        for i, key in bad:
            problems.append(CellProblem(i, crit.id, key, (("value", shown[i][:40]),)))
        ok = ~np.isnan(values)
        wrong = ok & ((values != np.floor(values)) | (values < 0) | (values > top))
        for i in np.flatnonzero(wrong):
            key = "imp.not_box_share" if crit.type == "share" else "imp.not_box"
            problems.append(CellProblem(int(i), crit.id, key, (("value", shown[i][:40]), ("top", top))))
        good = ok & ~wrong
        codes[good] = values[good].astype(np.int16)
        if with_unit.any():  # "35%" in the criterion's own column: a figure with its unit
            unit_values, unit_bad = numbers_of(box.where(with_unit, "").str.rstrip("%").str.strip(),
                                               _percent_points(box, box_numbers) if box_numbers is not None
                                               else None)
            for i, key in unit_bad:
                problems.append(CellProblem(i, crit.id, key, (("value", shown[i][:40]),)))
            unit_values = _checked_figures(crit, unit_values, shown, crit.id, problems)
            take = with_unit & ~np.isnan(unit_values)
            if np.any(take & ~np.isnan(figures)):
                for i in np.flatnonzero(take & ~np.isnan(figures)):
                    problems.append(CellProblem(int(i), crit.id, "imp.two_figures", (("value", shown[i][:40]),)))
            figures = np.where(take & np.isnan(figures), unit_values, figures)

    # a figure decides the box; a box typed beside it must agree
    has_figure = ~np.isnan(figures)
    if has_figure.any():
        from_figure = np.full(n, -1, dtype=np.int16)
        from_figure[has_figure] = crit.codes_for_figures(figures[has_figure]).astype(np.int16)
        boxed = has_figure & (codes >= 0) & ~np.array(box.str.endswith("%"), dtype=bool)
        for i in np.flatnonzero(boxed & (codes != from_figure)):
            problems.append(CellProblem(int(i), crit.id, "imp.box_figure_mismatch", (
                ("box", int(codes[i])), ("figure", _figure_text(crit, figures[i])), ("figure_box", int(from_figure[i])))))
        codes = np.where(has_figure, from_figure, codes)
    missing = (codes < 0) & ~np.isin(np.arange(n), [p.index for p in problems])
    for i in np.flatnonzero(missing):
        problems.append(CellProblem(int(i), crit.id, "imp.no_answer"))
    return AnswerColumn(codes, figures), problems


def _figure_text(crit: Criterion, value: float) -> str:
    return f"{value:g}%" if crit.type == "share" else f"{value:g}"


def _checked_figures(crit: Criterion, values: np.ndarray, shown: list[str], column: str,
                     problems: list[CellProblem]) -> np.ndarray:
    ok = ~np.isnan(values)
    if crit.type == "share":
        bad = ok & ((values < 0) | (values > 100))
        key = "imp.share_range"
    else:
        bad = ok & ((values < 0) | (values != np.floor(values)) | (values > MAX_COUNT))
        key = "imp.count_range"
    for i in np.flatnonzero(bad):
        problems.append(CellProblem(int(i), column, key, (("value", str(shown[i])[:40]),)))
    return np.where(bad, np.nan, values)


def _percent_cells(cells: pd.Series, numbers: np.ndarray) -> np.ndarray:
    """Cells an XLSX formatted as a percentage: the reader turned them into text ending in %."""
    return cells.str.endswith("%").to_numpy() & ~np.isnan(numbers)


def _percent_points(cells: pd.Series, numbers: np.ndarray | None) -> np.ndarray | None:
    """For percent-formatted XLSX cells the stored fraction (0.35) as percentage points (35)."""
    if numbers is None:
        return None
    return np.where(cells.str.endswith("%").to_numpy() & ~np.isnan(numbers), numbers * 100.0, np.nan)


# --- files ----------------------------------------------------------------------------------------


def _xlsx_cell(cell) -> tuple[str, float]:
    """(text, number) of an openpyxl cell; percent-formatted numbers read as "35%"."""
    value = cell.value
    if value is None:
        return "", np.nan
    if isinstance(value, bool):
        return ("1" if value else "0"), float(value)
    if isinstance(value, (dt.datetime, dt.date)):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat(), np.nan
    if isinstance(value, (int, float)):
        number = float(value)
        if "%" in (cell.number_format or ""):
            pct = round(number * 100.0, 10)
            return f"{pct:g}%", number
        text = str(int(number)) if number.is_integer() else repr(number)
        return text, number
    return clean(value), np.nan


def read_xlsx(data: bytes, preferred_sheets: tuple[str, ...]) -> Table:
    """The data sheet of a workbook (one of ``preferred_sheets`` by name, else the first visible
    sheet); hidden sheets are never read. Raises ValueError when the workbook cannot be read."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise ValueError("no visible sheet")
    wanted = {nfc(name).casefold() for name in preferred_sheets}
    sheet = next((ws for ws in visible if nfc(ws.title).strip().casefold() in wanted), visible[0])
    text_rows, number_rows = [], []
    for row in sheet.iter_rows():
        cells = [_xlsx_cell(c) for c in row]
        text_rows.append([c[0] for c in cells])
        number_rows.append([c[1] for c in cells])
    if not text_rows:
        return Table(pd.DataFrame(), pd.DataFrame())
    width = max(len(r) for r in text_rows)
    text_rows = [r + [""] * (width - len(r)) for r in text_rows]
    number_rows = [r + [np.nan] * (width - len(r)) for r in number_rows]
    text = pd.DataFrame(text_rows, dtype=object)
    numbers = pd.DataFrame(number_rows, dtype=float)
    return Table(text, numbers)
