"""Answer sheets as tables (CSV): one row per firm, one column per criterion id.

Cells hold answers (the option number for a choice, 0/1 for yes/no, a percentage for a share, a
whole number for a count) or, in points mode, the points already awarded. Parsing is done column
by column over all firms; the first bad cell raises :class:`SheetError` naming its row (as
counted in the file, the header being row 1), its column and the problem.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.framework import Criterion, Framework
from assessment.scoring import AnswerError, Scores, check_points, score_codes, score_points

ID_COLUMN = "firm_id"
_YES = {"1", "yes", "y", "có", "co", "true", "x"}
_NO = {"0", "no", "n", "không", "khong", "false", ""}


class SheetError(ValueError):
    def __init__(self, problem: str, *, row: int | None = None, column: str | None = None):
        self.row, self.column, self.problem = row, column, problem
        where = ", ".join(x for x in (f"row {row}" if row else "", f"column {column}" if column else "") if x)
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True)
class Sheet:
    firm_ids: list[str]
    values: np.ndarray  # (n, n_criteria): answer codes, or points in points mode
    is_points: bool
    profile: dict[str, list[str]] = field(default_factory=dict)  # optional profile columns, e.g. sector

    def score(self, fw: Framework) -> Scores:
        return score_points(fw, self.values) if self.is_points else score_codes(fw, self.values)


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """Read a CSV of strings (nothing guessed), accepting UTF-8 with or without BOM."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(f"the file is not UTF-8 text (bad byte at position {exc.start}); save it as CSV UTF-8") from None
    if not text.strip():
        raise SheetError("the file is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise SheetError(f"not a readable CSV table ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def parse_sheet(
    fw: Framework, frame: pd.DataFrame, *, points: bool = False, profile_columns: tuple[str, ...] = ()
) -> Sheet:
    """Turn a table of answers (or points) into validated matrices for scoring.

    ``profile_columns`` names optional columns (e.g. sector, size_class) that may stand beside the
    criteria; their cells are returned as text.
    """
    columns = list(frame.columns)
    if not columns or columns[0] != ID_COLUMN:
        raise SheetError(f"the first column must be '{ID_COLUMN}'", row=1, column=columns[0] if columns else None)
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise SheetError(f"column(s) {', '.join(dup)} appear more than once", row=1)
    missing = [c for c in fw.criterion_ids if c not in columns]
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise SheetError(f"{len(missing)} criterion column(s) missing: {shown}", row=1)
    unknown = [c for c in columns[1:] if c not in fw.criterion_by_id and c not in profile_columns]
    if unknown:
        raise SheetError(
            f"unknown column(s) {', '.join(unknown[:10])}: not criteria of {fw.key}", row=1, column=unknown[0]
        )
    if frame.empty:
        raise SheetError("the file has a header but no firms")
    ids = frame[ID_COLUMN].str.strip()
    blank = ids == ""
    if blank.any():
        raise SheetError("firm_id is empty", row=int(np.flatnonzero(blank.to_numpy())[0]) + 2, column=ID_COLUMN)

    n = len(frame)
    if points:
        matrix = np.empty((n, len(fw.criteria)), dtype=np.int16, order="F")  # filled column by column
        for j, crit in enumerate(fw.criteria):
            matrix[:, j] = _whole_numbers(frame[crit.id], crit.id, lo=0, hi=crit.max_points)
        try:
            pts = check_points(fw, matrix)
        except AnswerError as exc:
            raise SheetError(str(exc).replace(f" for criterion {exc.criterion}", ""), row=exc.row + 2,
                             column=exc.criterion) from None
        return Sheet(ids.tolist(), pts, True, _profile(frame, profile_columns))

    codes = np.empty((n, len(fw.criteria)), dtype=np.int16, order="F")
    for j, crit in enumerate(fw.criteria):
        codes[:, j] = _codes_of_column(crit, frame[crit.id])
    return Sheet(ids.tolist(), codes, False, _profile(frame, profile_columns))


def _profile(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: frame[name].str.strip().tolist() for name in names if name in frame.columns}


def _codes_of_column(crit: Criterion, column: pd.Series) -> np.ndarray:
    cells = column.str.strip()
    if crit.type == "yes_no":
        low = cells.str.lower()
        bad = ~low.isin(_YES | _NO) | (low == "")
        _raise_first(bad, crit.id, "expected 1 (yes) or 0 (no)", cells)
        return low.isin(_YES).to_numpy().astype(np.int16)
    if crit.type == "choice":
        return _whole_numbers(cells, crit.id, lo=0, hi=len(crit.choices) - 1, what="option number")
    values = _numbers(cells.str.rstrip("%").str.strip().str.replace(",", ".", regex=False), crit.id, cells)
    if crit.type == "share":
        _raise_first(pd.Series(values > 100), crit.id, "a share cannot exceed 100 (percent)", cells)
    else:
        _raise_first(pd.Series(values != np.floor(values)), crit.id, "a count must be a whole number", cells)
    return crit.codes_for_figures(values).astype(np.int16)


def _numbers(cells: pd.Series, column: str, shown: pd.Series) -> np.ndarray:
    _raise_first(shown.str.strip() == "", column, "no answer", shown)
    values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
    _raise_first(pd.Series(np.isnan(values)), column, "not a number", shown)
    _raise_first(pd.Series(~np.isfinite(values) | (values < 0)), column, "must be a number of at least 0", shown)
    return values


def _whole_numbers(cells: pd.Series, column: str, *, lo: int, hi: int, what: str = "points") -> np.ndarray:
    values = _numbers(cells.str.strip(), column, cells)
    _raise_first(pd.Series(values != np.floor(values)), column, f"{what} must be a whole number", cells)
    _raise_first(pd.Series((values < lo) | (values > hi)), column, f"{what} must be between {lo} and {hi}", cells)
    return values.astype(np.int16)


def _raise_first(bad: pd.Series, column: str, problem: str, cells: pd.Series) -> None:
    flags = bad.to_numpy()
    if flags.any():
        i = int(np.flatnonzero(flags)[0])
        value = cells.iloc[i]
        shown = f"'{value}'" if value != "" else "an empty cell"
        raise SheetError(f"{shown}: {problem}", row=i + 2, column=column)
