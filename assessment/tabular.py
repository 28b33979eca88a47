"""Answer sheets as tables (CSV) for the command line: one row per firm, one column per criterion id.

Cells are read by assessment.cells, the same reader as the department's import: a criterion's
cell holds the number of the ticked box as printed on the paper form (0 for the first box), for
every answer type; a share written as a figure comes with its unit ("35%") or in the criterion's
figure column ("1.1.3_figure", or the import template's header), a count as a figure in its figure
column. In points mode the cells hold the points already awarded. The first bad cell raises
:class:`SheetError` naming its row (as counted in the file, the header being row 1), its column and
the problem.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assessment import cells
from assessment.errors import UserError
from assessment.framework import Framework
from assessment.scoring import AnswerError, Scores, check_points, score_codes, score_points

ID_COLUMN = "firm_id"


class SheetError(UserError):
    """A problem of an answer sheet, at its row (the header is row 1) and column."""

    def __init__(self, key: str, *, row: int | None = None, column: str | None = None, **params):
        self.row, self.column = row, column
        super().__init__(key, **params)
        self.args = (self.message("en"),)

    def message(self, lang: str) -> str:
        from assessment.i18n import translate

        where = ", ".join(x for x in (translate("sheet.row", lang, row=self.row) if self.row else "",
                                      translate("sheet.column", lang, column=self.column) if self.column else "") if x)
        text = super().message(lang)
        return f"{where}: {text}" if where else text


@dataclass(frozen=True)
class Sheet:
    firm_ids: list[str]
    values: np.ndarray  # (n, n_criteria): answer codes, or points in points mode
    is_points: bool
    profile: dict[str, list[str]] = field(default_factory=dict)  # optional profile columns, e.g. sector

    def score(self, fw: Framework) -> Scores:
        return score_points(fw, self.values) if self.is_points else score_codes(fw, self.values)


def read_csv_text(path: str | Path) -> pd.DataFrame:
    """Read a CSV of strings (nothing guessed), accepting UTF-8 with or without BOM; every cell
    cleaned as the import cleans it."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError("imp.not_utf8", position=exc.start) from None
    if not text.strip():
        raise SheetError("imp.empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise SheetError("imp.not_table", detail=str(exc)[:200]) from None
    frame.columns = [cells.clean(c) for c in frame.columns]
    frame = frame.astype(object).map(cells.clean)
    return frame[~(frame == "").all(axis=1)] if len(frame.columns) else frame


def parse_sheet(
    fw: Framework, frame: pd.DataFrame, *, points: bool = False, profile_columns: tuple[str, ...] = ()
) -> Sheet:
    """Turn a table of answers (or points) into validated matrices for scoring.

    ``profile_columns`` names optional columns (e.g. sector, size_class) that may stand beside the
    criteria; their cells are returned as text.
    """
    columns = list(frame.columns)
    if not columns or columns[0] != ID_COLUMN:
        raise SheetError("sheet.first_column", row=1, column=columns[0] if columns else None, id=ID_COLUMN)
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        raise SheetError("sheet.duplicate_columns", row=1, columns=", ".join(dup))
    missing = [c for c in fw.criterion_ids if c not in columns]
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise SheetError("sheet.missing_criteria", row=1, n=len(missing), columns=shown)
    figure_of = {c: cells.figure_column_of(fw, c) for c in columns[1:]}
    unknown = [c for c in columns[1:] if c not in fw.criterion_by_id and c not in profile_columns
               and (points or figure_of[c] is None)]
    if unknown:
        raise SheetError("sheet.unknown_columns", row=1, column=unknown[0], columns=", ".join(unknown[:10]),
                         framework=fw.key)
    if frame.empty:
        raise SheetError("imp.no_rows")
    ids = frame[ID_COLUMN]
    blank = ids == ""
    if blank.any():
        raise SheetError("sheet.no_firm_id", row=int(np.flatnonzero(blank.to_numpy())[0]) + 2, column=ID_COLUMN)

    n = len(frame)
    if points:
        matrix = np.empty((n, len(fw.criteria)), dtype=np.int16, order="F")  # filled column by column
        for j, crit in enumerate(fw.criteria):
            values, problems = cells.numbers_of(frame[crit.id], whole=True)
            _raise_first(frame[crit.id], crit.id, [(i, key, {}) for i, key in problems])
            bad = [(i, "imp.no_answer", {}) for i in np.flatnonzero(np.isnan(values))]
            bad += [(i, "sheet.points_range", {"max": crit.max_points})
                    for i in np.flatnonzero(~np.isnan(values) & ((values < 0) | (values > crit.max_points)
                                                              | (values != np.floor(values))))]
            _raise_first(frame[crit.id], crit.id, bad)
            matrix[:, j] = values.astype(np.int16)
        try:
            pts = check_points(fw, matrix)
        except AnswerError as exc:
            raise SheetError("sheet.points_step", row=exc.row + 2, column=exc.criterion,
                             value=int(matrix[exc.row, fw.criterion_ids.index(exc.criterion)])) from None
        return Sheet(ids.tolist(), pts, True, _profile(frame, profile_columns))

    figures = {figure_of[c]: c for c in columns[1:] if figure_of.get(c)}
    codes = np.empty((n, len(fw.criteria)), dtype=np.int16, order="F")
    for j, crit in enumerate(fw.criteria):
        fig = frame[figures[crit.id]] if crit.id in figures else None
        answers, problems = cells.answer_column(crit, frame[crit.id], None, fig, None)
        if problems:
            first = min(problems, key=lambda p: p.index)
            shown_column = figures.get(crit.id) if first.column.endswith(cells.FIGURE_SUFFIX) else crit.id
            raise SheetError(first.key, row=first.index + 2, column=shown_column, **dict(first.params))
        codes[:, j] = answers.codes
    return Sheet(ids.tolist(), codes, False, _profile(frame, profile_columns))


def _profile(frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {name: frame[name].tolist() for name in names if name in frame.columns}


def _raise_first(cells_of: pd.Series, column: str, problems: list[tuple[int, str, dict]]) -> None:
    if problems:
        i, key, params = min(problems, key=lambda p: p[0])
        raise SheetError(key, row=int(i) + 2, column=column, value=cells_of.iat[int(i)][:40], **params)
