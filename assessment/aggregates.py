"""The department's figures, added up by the database: one small table (the *cube*) per framework
instead of every assessment in each app process.

A firm's state in a year is its latest submitted assessment of that calendar year (its own records:
claims and staged imports left out), picked by the database with a window function over the
covering index ix_assessments_department. The cube groups those states by year, place, sector, size
class, kind of unit and level, with the number of firms and the sums of their total and pillar
points (migration 0011's integer columns). Every figure of the dashboard for any choice of filters
is then a sum over rows of the cube: a filter change reads nothing from the database.

Filters choose firms by their state in the year (``frames.latest``, the same definition for the
pandas reference): a firm that moved commune during the year counts where its latest assessment of
the year places it. The clusters filter needs each firm's cluster, which only the whole-frame path
has (``dashboard``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from assessment.dashboard import Headline
from assessment.department import Standing
from assessment.frames import Filters, add_places, plain_rows, within
from assessment.framework import Framework
from assessment.models import PILLAR_COLUMNS, SUBMITTED, AssessmentRow

GROUPS = ["year", "locality", "sector", "sector_version", "size_class", "kind", "level"]


def latest_states(fw: Framework, *, per_year: bool = True):
    """A subquery of each firm's latest own submitted assessment of ``fw`` (of each calendar year
    when ``per_year``): the assessment's narrow columns, ``year``, and ``rn`` = 1 on the latest."""
    a = AssessmentRow
    year = func.extract("year", a.submitted_at)
    partition = [a.firm_id, year] if per_year else [a.firm_id]
    rank = func.row_number().over(partition_by=partition, order_by=[a.submitted_at.desc(), a.id.desc()])
    pillars = [getattr(a, name) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    return (select(a.id, a.firm_id, year.label("year"), a.submitted_at, a.locality, a.sector, a.sector_version,
                   a.size_class, a.kind, a.level, a.total, *pillars, rank.label("rn"))
            .where(a.framework_id == fw.id, a.framework_version == fw.version, a.status == SUBMITTED,
                   a.claim.is_(None))
            .subquery("states"))


def cube(store, fw: Framework) -> pd.DataFrame:
    """Firms per year x place x sector x size class x kind x level, with the sums of their total
    and pillar points (columns ``firms``, ``total``, ``<pillar id>``), and the derived ``area``
    and ``section`` of frames.add_places."""
    states = latest_states(fw)
    sums = [func.sum(states.c[name]) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    keys = [states.c[name] for name in GROUPS]
    query = (select(*keys, func.count(), func.sum(states.c.total), *sums)
             .where(states.c.rn == 1).group_by(*keys))
    with store.engine.connect() as conn:
        rows = plain_rows(conn, query)
    names = GROUPS + ["firms", "total"] + [p.id for p in fw.pillars]
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({name: [] for name in names})
    for name in names:
        if name not in ("locality", "sector", "sector_version", "size_class", "kind"):
            frame[name] = frame[name].astype(np.int64)
    return add_places(frame)


def chosen(cells: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The cube's rows within the filters (year, areas, places, sections, size classes)."""
    if filters.clusters:
        raise ValueError("the cube has no clusters: use dashboard.headline on a frame with clusters")
    f = cells if filters.year is None else cells[cells["year"] == filters.year]
    return within(f, filters)


def headline(fw: Framework, cells: pd.DataFrame, filters: Filters) -> Headline:
    """dashboard.headline from the cube."""
    now = chosen(cells, filters)
    firms = int(now["firms"].sum())
    by_level = now.groupby("level")["firms"].sum()
    shares = {lv: (float(by_level.get(lv, 0)) / firms if firms else 0.0) for lv in range(fw.max_level + 1)}
    pillar = {p.id: (100.0 * (now[p.id].sum() / firms) / p.max_points) if firms else 0.0 for p in fw.pillars}
    previous = None
    if filters.year is not None:
        before = chosen(cells, filters.other_year(filters.year - 1))
        n = int(before["firms"].sum())
        previous = float(before["total"].sum() / n) if n else None
    return Headline(firms, shares, float(now["total"].sum() / firms) if firms else 0.0, pillar, previous)


def place_pillar(fw: Framework, now: pd.DataFrame, by: str = "area") -> pd.DataFrame:
    """dashboard.place_pillar from the cube's chosen rows."""
    rows = []
    for place, group in now.groupby(by, observed=True):
        n = int(group["firms"].sum())
        if not n:
            continue
        for p in fw.pillars:
            rows.append({"place": place, "pillar": p.id, "percent": round(100.0 * (group[p.id].sum() / n) / p.max_points, 1),
                         "firms": n})
    return pd.DataFrame(rows, columns=["place", "pillar", "percent", "firms"])


def sector_comparison(fw: Framework, now: pd.DataFrame) -> pd.DataFrame:
    """dashboard.sector_comparison from the cube's chosen rows."""
    if now.empty:
        return pd.DataFrame(columns=["section", "firms", "percent", "share_level2"])
    g = now.assign(at2=now["firms"].where(now["level"] >= 2, 0)).groupby("section")
    firms = g["firms"].sum()
    out = pd.DataFrame({
        "firms": firms,
        "percent": (100.0 * (g["total"].sum() / firms) / fw.spec.max_points).round(1),
        "share_level2": (100.0 * g["at2"].sum() / firms).round(1),
    }).reset_index()
    out = out[out["firms"] > 0]
    return out.sort_values("percent", ascending=False)


def trend(cells: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """dashboard.trend from the cube: firms and mean total per year within the other filters."""
    f = chosen(cells, filters.other_year(None))
    rows = []
    for y in sorted(cells["year"].unique().tolist()):
        mine = f[f["year"] == y]
        n = int(mine["firms"].sum())
        rows.append({"year": int(y), "firms": n, "mean_total": round(float(mine["total"].sum() / n), 1) if n else 0.0})
    return pd.DataFrame(rows, columns=["year", "firms", "mean_total"])


def standing(now: pd.DataFrame) -> Standing:
    """The firms of the cube's chosen rows, as department.progress measures them."""
    by_level = now.groupby("level")["firms"].sum()
    return Standing(int(now["firms"].sum()), {int(k): int(v) for k, v in by_level.items()}, int(now["total"].sum()))
