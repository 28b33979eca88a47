"""Scoring: answer codes -> points -> component and pillar points -> levels, for many firms at once.

Every function here works on whole matrices (one row per firm, one column per criterion in the
framework's order), so scoring a province costs a handful of numpy operations, not a loop per firm.
Level rules come from the framework file; the thresholds are turned into whole-point minima with
exact fractions (:attr:`Framework.pillar_level_min_points`), so no float rounding can move a firm
across a boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.framework import Framework

MISSING = -1  # answer code of an unanswered criterion


class AnswerError(ValueError):
    """Answer codes or points that the framework does not allow."""

    def __init__(self, message: str, *, row: int | None = None, criterion: str | None = None):
        self.row, self.criterion = row, criterion
        super().__init__(message)


@dataclass(frozen=True)
class Scores:
    """Results for n firms. Arrays are indexed [firm] or [firm, pillar/component]."""

    framework: Framework
    component_points: np.ndarray  # (n, n_components) int16
    pillar_points: np.ndarray  # (n, n_pillars) int16
    pillar_level: np.ndarray  # (n, n_pillars) int8
    total: np.ndarray  # (n,) int32
    level: np.ndarray  # (n,) int8
    # What was scored, criterion-major (n_criteria, n): answer codes or points.
    source: np.ndarray
    source_is_codes: bool

    @property
    def criterion_points(self) -> np.ndarray:
        """(n, n_criteria) points of every criterion (built on demand when codes were scored)."""
        if not self.source_is_codes:
            return self.source.T
        return _lookup_points(self.framework, self.source).T

    def criterion_points_of(self, i: int) -> np.ndarray:
        column = self.source[:, i]
        if not self.source_is_codes:
            return column
        return np.array([lut[c] for lut, c in zip(self.framework.code_luts, column)], dtype=np.int16)

    def __len__(self) -> int:
        return len(self.total)

    @property
    def pillar_percent(self) -> np.ndarray:
        return self.pillar_points * (100.0 / self.framework.pillar_max)

    @property
    def component_percent(self) -> np.ndarray:
        return self.component_points * (100.0 / self.framework.component_max)

    @property
    def total_percent(self) -> np.ndarray:
        return self.total * (100.0 / self.framework.spec.max_points)

    def to_frame(self, *, percent_decimals: int = 1) -> pd.DataFrame:
        """Columns total, level, then P1_points, P1_percent, P1_level, ... for each pillar."""
        cols: dict[str, np.ndarray] = {"total": self.total, "level": self.level}
        pct = self.pillar_percent.round(percent_decimals)
        for i, p in enumerate(self.framework.pillars):
            cols[f"{p.id}_points"] = self.pillar_points[:, i]
            cols[f"{p.id}_percent"] = pct[:, i]
            cols[f"{p.id}_level"] = self.pillar_level[:, i]
        return pd.DataFrame(cols)

    def to_dicts(self) -> list[dict]:
        """Every firm's ``firm(i).to_dict()`` at once (what an import stores for 200,000 rows)."""
        fw = self.framework
        pillars = [(p.id, p.max_points) for p in fw.pillars]
        points = self.criterion_points.tolist()
        return [
            {"framework": fw.key, "total": total, "max_points": fw.spec.max_points, "level": level,
             "pillars": [{"id": pid, "points": pp, "max_points": pmax, "level": pl}
                         for (pid, pmax), pp, pl in zip(pillars, p_points, p_levels)],
             "criterion_points": dict(zip(fw.criterion_ids, c_points))}
            for total, level, p_points, p_levels, c_points in zip(
                self.total.tolist(), self.level.tolist(), self.pillar_points.tolist(), self.pillar_level.tolist(),
                points)
        ]

    def firm(self, i: int = 0) -> FirmResult:
        """The result of one firm as a small serialisable record."""
        fw = self.framework
        return FirmResult(
            framework=fw.key,
            total=int(self.total[i]),
            max_points=fw.spec.max_points,
            level=int(self.level[i]),
            pillars=tuple(
                PillarResult(
                    id=p.id,
                    points=int(self.pillar_points[i, j]),
                    max_points=p.max_points,
                    level=int(self.pillar_level[i, j]),
                )
                for j, p in enumerate(fw.pillars)
            ),
            criterion_points={cid: int(v) for cid, v in zip(fw.criterion_ids, self.criterion_points_of(i))},
        )


@dataclass(frozen=True)
class PillarResult:
    id: str
    points: int
    max_points: int
    level: int

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.max_points


@dataclass(frozen=True)
class FirmResult:
    """One firm's scored assessment, as stored with the assessment."""

    framework: str
    total: int
    max_points: int
    level: int
    pillars: tuple[PillarResult, ...]
    criterion_points: dict[str, int]

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_points

    def to_dict(self) -> dict:
        return {
            "framework": self.framework,
            "total": self.total,
            "max_points": self.max_points,
            "level": self.level,
            "pillars": [
                {"id": p.id, "points": p.points, "max_points": p.max_points, "level": p.level}
                for p in self.pillars
            ],
            "criterion_points": dict(self.criterion_points),
        }

    @classmethod
    def from_dict(cls, data: dict) -> FirmResult:
        return cls(
            framework=data["framework"],
            total=data["total"],
            max_points=data["max_points"],
            level=data["level"],
            pillars=tuple(PillarResult(**p) for p in data["pillars"]),
            criterion_points=dict(data["criterion_points"]),
        )


# --- answers -> points ------------------------------------------------------------------------


def points_from_codes(fw: Framework, codes: np.ndarray) -> np.ndarray:
    """Map answer codes (n, n_criteria) to points through each criterion's lookup table.

    Raises AnswerError naming the first bad cell (row and criterion) when a code is missing or
    outside the criterion's options.
    """
    by_crit = _criterion_major(fw, codes)
    _check_codes(fw, by_crit)
    return _lookup_points(fw, by_crit).T


def _check_codes(fw: Framework, by_crit: np.ndarray) -> None:
    bad = (by_crit.min(axis=1) < 0) | (by_crit.max(axis=1) >= fw.n_codes)
    if bad.any():
        col = int(np.flatnonzero(bad)[0])
        cells = by_crit[col]
        row = int(np.flatnonzero((cells < 0) | (cells >= fw.n_codes[col]))[0])
        crit = fw.criteria[col]
        value = int(cells[row])
        problem = "no answer" if value == MISSING else f"answer {value} is not one of 0..{fw.n_codes[col] - 1}"
        raise AnswerError(f"{problem} for criterion {crit.id}", row=row, criterion=crit.id)


def _lookup_points(fw: Framework, by_crit_codes: np.ndarray) -> np.ndarray:
    points = np.empty(by_crit_codes.shape, dtype=np.int16)
    for j, lut in enumerate(fw.code_luts):
        if fw.lut_is_identity[j]:
            points[j] = by_crit_codes[j]
        else:
            np.take(lut, by_crit_codes[j], out=points[j])
    return points


def check_points(fw: Framework, points: np.ndarray) -> np.ndarray:
    """Validate a matrix of points already awarded (paper forms, other DBI tools).

    A cell may hold any whole number from 0 to the criterion's maximum in the step its answers
    use (the greatest common divisor of their points): 0-5 for most criteria, 0-25 in steps of 5
    for the strategy criterion, as paper forms and other DBI tools record them. Returns int16.
    """
    points = _as_matrix(fw, points)
    for j, crit in enumerate(fw.criteria):
        step = math.gcd(*crit.code_points)
        allowed = np.arange(0, crit.max_points + 1, step)
        col = points[:, j]
        ok = np.isin(col, allowed)
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0])
            raise AnswerError(
                f"{int(col[row])} points is not possible for criterion {crit.id} "
                f"(allowed: {', '.join(map(str, allowed))})",
                row=row,
                criterion=crit.id,
            )
    return points.astype(np.int16, copy=False)


def _as_matrix(fw: Framework, values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2 or values.shape[1] != len(fw.criteria):
        raise ValueError(
            f"expected a matrix with {len(fw.criteria)} columns (one per criterion), got shape {values.shape}"
        )
    if not np.issubdtype(values.dtype, np.integer):
        raise ValueError("answer codes and points must be whole numbers")
    return values


def _criterion_major(fw: Framework, values: np.ndarray) -> np.ndarray:
    """The (n, n_criteria) matrix as a C-contiguous (n_criteria, n) array.

    Every step of scoring then works on whole contiguous rows of n firms (a criterion, a
    component, a pillar), which is what makes it fast. A Fortran-ordered input (as built
    column by column from a table) costs no copy.
    """
    return np.ascontiguousarray(_as_matrix(fw, values).T)


# --- points -> results ------------------------------------------------------------------------


def score_points(fw: Framework, points: np.ndarray) -> Scores:
    """Score a matrix of criterion points (n, n_criteria), already validated (:func:`check_points`).

    Examples
    --------
    >>> from assessment.framework import load_framework, DEFAULT_FRAMEWORK_FILE
    >>> fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    >>> s = score_points(fw, np.full((1, 60), 0, dtype=np.int16))
    >>> int(s.total[0]), int(s.level[0])
    (0, 0)
    """
    return _score(fw, _criterion_major(fw, points), codes=False)


def score_codes(fw: Framework, codes: np.ndarray) -> Scores:
    """Score a matrix of answer codes (n, n_criteria): the usual entry point.

    Raises AnswerError naming the first missing or impossible answer.
    """
    by_crit = _criterion_major(fw, codes)
    _check_codes(fw, by_crit)
    return _score(fw, by_crit, codes=True)


def _score(fw: Framework, by_crit: np.ndarray, *, codes: bool) -> Scores:
    """Scoring proper, on criterion-major rows of n firms each.

    Component sums add whole rows in place (numpy's reduceat is an order of magnitude slower on
    this layout); answer codes go through their criterion's lookup table row by row, so the
    points matrix itself is never materialised; sums stay in 8-bit integers when the framework's
    pillar maxima allow it (the DBI's do: at most 80), which halves the memory traffic.
    """
    n = by_crit.shape[1]
    acc = np.int8 if int(fw.pillar_max.max()) <= np.iinfo(np.int8).max else np.int16
    components = np.zeros((len(fw.components), n), dtype=acc)
    for j, k in enumerate(fw.component_of_criterion):
        row = by_crit[j]
        if codes and not fw.lut_is_identity[j]:
            row = fw.code_luts[j].take(row)
        np.add(components[k], row, out=components[k], casting="unsafe")
    pillars = np.zeros((len(fw.pillars), n), dtype=acc)
    for k, i in enumerate(fw.pillar_of_component):
        np.add(pillars[i], components[k], out=pillars[i])
    pillar_level = pillar_levels_of(fw, pillars)
    total = pillars.sum(axis=0, dtype=np.int32)
    level = overall_levels_of(fw, total, pillar_level)
    return Scores(fw, components.T, pillars.T, pillar_level.T, total, level, by_crit, codes)


def pillar_levels(fw: Framework, pillar_points: np.ndarray) -> np.ndarray:
    """Level of each pillar for an (n, n_pillars) matrix of pillar points."""
    return pillar_levels_of(fw, np.ascontiguousarray(np.asarray(pillar_points).T)).T


def pillar_levels_of(fw: Framework, by_pillar: np.ndarray) -> np.ndarray:
    """(n_pillars, n) points -> levels, through each pillar's points-to-level table."""
    levels = np.empty(by_pillar.shape, dtype=np.int8)
    for i, table in enumerate(fw.pillar_level_table):
        np.take(table, by_pillar[i], out=levels[i])
    return levels


def overall_levels(fw: Framework, total: np.ndarray, pillar_level: np.ndarray) -> np.ndarray:
    """The highest level whose total threshold and pillar condition are both met.

    ``pillar_level`` is (n, n_pillars).
    """
    return overall_levels_of(fw, np.asarray(total), np.ascontiguousarray(np.asarray(pillar_level).T))


def overall_levels_of(fw: Framework, total: np.ndarray, by_pillar_level: np.ndarray) -> np.ndarray:
    level = np.zeros(total.shape, dtype=np.int8)
    n_at_least: dict[int, np.ndarray] = {}
    for rule, min_total in zip(fw.spec.overall_levels, fw.overall_min_total):
        if rule.pillar_level not in n_at_least:
            n_at_least[rule.pillar_level] = (by_pillar_level >= rule.pillar_level).sum(axis=0, dtype=np.int8)
        met = (total >= min_total) & (n_at_least[rule.pillar_level] >= rule.min_pillars)
        np.copyto(level, np.int8(rule.level), where=met)
    return level


# --- explanations for one firm -----------------------------------------------------------------


@dataclass(frozen=True)
class LostPoints:
    criterion_id: str
    pillar_id: str
    points: int
    max_points: int

    @property
    def lost(self) -> int:
        return self.max_points - self.points


def explain(fw: Framework, criterion_points: dict[str, int], *, top: int = 3) -> dict[str, list[LostPoints]]:
    """For one firm, the criteria that lose the most points, per pillar (pillar order kept).

    Ties keep the framework's criterion order; criteria already at their maximum are left out.
    """
    out: dict[str, list[LostPoints]] = {}
    for p in fw.pillars:
        rows = [
            LostPoints(c.id, p.id, int(criterion_points.get(c.id, 0)), c.max_points) for c in p.criteria
        ]
        rows = [r for r in rows if r.lost > 0]
        rows.sort(key=lambda r: -r.lost)  # stable: ties stay in criterion order
        out[p.id] = rows[:top]
    return out
