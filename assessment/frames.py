"""The submitted assessments as tables, and each firm's latest assessment: the one definition that
the dashboard, peers, clusters, exports, scorecards, the catalogue's usage and the CLI read.

``submitted_frame`` reads one row per submitted assessment of a framework (claims and staged
imports excluded: only firms' own records) from the compact score rows, so 100,000 firms load
without decoding a results document each; ``latest`` keeps each firm's latest within filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import String, select, type_coerce

from assessment.framework import Framework, get_framework
from assessment.models import SUBMITTED, AssessmentRow, FirmRow, ScoreRow

PROFILE = ["sector", "locality", "size_class"]


@dataclass(frozen=True)
class Filters:
    localities: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    year: int | None = None  # assessment period (calendar year); None = all
    clusters: tuple[int, ...] = ()  # needs a "cluster" column (dashboard.with_clusters)

    def other_year(self, year: int | None) -> Filters:
        return Filters(self.localities, self.sectors, self.sizes, year, self.clusters)


def submitted_frame(store, framework: Framework | str, *, criteria: bool = False):
    """Every submitted assessment of a framework (or its ``id@version``) as a DataFrame, one row
    each, in id order: ids, tax code, name, profile columns, date, total, level and per pillar its
    points and level; ``criteria=True`` returns (frame, points) with the (n, n_criteria) criterion
    points too."""
    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    fw_id, fw_version = fw.id, fw.version
    # on SQLite the dates arrive as text: pandas parses them all at once, faster than row by row
    when = (type_coerce(AssessmentRow.submitted_at, String) if store.engine.dialect.name == "sqlite"
            else AssessmentRow.submitted_at)
    query = (
        select(AssessmentRow.id, AssessmentRow.firm_id, FirmRow.tax_code, FirmRow.name, AssessmentRow.sector,
               AssessmentRow.locality, AssessmentRow.size_class, when,
               AssessmentRow.total, AssessmentRow.level, ScoreRow.pillar_points, ScoreRow.pillar_levels,
               *([ScoreRow.criterion_points] if criteria else []))
        .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
        .join(ScoreRow, ScoreRow.assessment_id == AssessmentRow.id)
        .where(AssessmentRow.status == SUBMITTED, AssessmentRow.claim.is_(None),
               AssessmentRow.framework_id == fw_id, AssessmentRow.framework_version == fw_version)
        .order_by(AssessmentRow.id)
    )
    columns = ["assessment_id", "firm_id", "tax_code", "name", *PROFILE, "submitted_at", "total", "level",
               "pillar_points", "pillar_levels"]
    columns += ["criterion_points"] if criteria else []
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    # column by column: much faster than letting pandas inspect each row object
    frame = pd.DataFrame({name: list(values) for name, values in zip(columns, zip(*rows))} if rows
                         else {name: [] for name in columns})
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], format="ISO8601")
    points = int_matrix(frame.pop("pillar_points"))
    levels = int_matrix(frame.pop("pillar_levels"))
    for k, pid in enumerate(p.id for p in fw.pillars):
        frame[f"{pid}_points"] = points[:, k] if len(frame) else np.zeros(0, dtype=np.int32)
        frame[f"{pid}_level"] = levels[:, k] if len(frame) else np.zeros(0, dtype=np.int32)
    if criteria:
        return frame, int_matrix(frame.pop("criterion_points"))
    return frame


def latest(frame: pd.DataFrame, filters: Filters | None = None) -> pd.DataFrame:
    """Each firm's latest submitted assessment within the filters: the latest date, and of two on
    the same date the later one stored (the same order as a firm's history)."""
    f = frame
    filters = filters or Filters()
    if filters.year is not None:
        f = f[f["submitted_at"].dt.year == filters.year]
    if filters.localities:
        f = f[f["locality"].isin(filters.localities)]
    if filters.sectors:
        f = f[f["sector"].isin(filters.sectors)]
    if filters.sizes:
        f = f[f["size_class"].isin(filters.sizes)]
    if filters.clusters and "cluster" in f.columns:
        f = f[f["cluster"].isin(filters.clusters)]
    ordered = f.sort_values(["firm_id", "submitted_at", "assessment_id"], kind="stable")
    return ordered.drop_duplicates("firm_id", keep="last")


def latest_frame(store, framework: Framework | str, *, criteria: bool = False):
    """Each firm's latest submitted assessment of a framework (``criteria=True``: with the
    criterion points of those rows, as (frame, points))."""
    if criteria:
        frame, points = submitted_frame(store, framework, criteria=True)
        now = latest(frame)
        return now.reset_index(drop=True), points[now.index.to_numpy()]
    return latest(submitted_frame(store, framework))


def int_matrix(cells) -> np.ndarray:
    """Comma-separated integers, one string per row, as an (n, width) int array (all rows alike)."""
    if len(cells) == 0:
        return np.zeros((0, 0), dtype=np.int32)
    flat = ",".join(cells.tolist()).split(",")
    return np.array(flat, dtype=np.int32).reshape(len(cells), -1)
