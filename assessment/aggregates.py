"""The department's figures, added up by the database: one small table (the *cube*) per framework
instead of every assessment in each app process.

A firm's state in a year is its latest submitted assessment of that calendar year (its own records:
claims and staged imports left out), flagged ``year_latest`` on the row (assessment.states) and read
through the partial index ix_assessments_year_latest. The cube groups those states by year, place,
sector, size class, kind of unit and level, with the number of firms and the sums of their total and pillar
points (migration 0011's integer columns), kept by every write in the table ``year_cells``
(assessment.year_cells; the grouping itself when that table cannot answer). Every figure of the
dashboard for any choice of filters is then a sum over rows of the cube: a filter change reads
nothing from the database.

Filters choose firms by their state in the year (``frames.latest``, the same definition for the
pandas reference): a firm that moved commune during the year counts where its latest assessment of
the year places it. A kept clustering places each firm by an SQL expression of its pillar points
(:func:`cluster_of`, the same integers as ClusterModel.place), so the clusters filter is a group of
the cube and a condition of the firm table like any other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select, tuple_

from assessment import year_cells
from assessment.dashboard import Headline
from assessment.department import Standing
from assessment.firms import localities
from assessment.frames import Filters, add_places, grouping_settings, int_matrix, plain_rows, within
from assessment.frames import latest as frames_latest
from assessment.framework import Framework
from assessment.models import PILLAR_COLUMNS, AssessmentRow, FirmRow, ScoreRow
from assessment.year_cells import cluster_of

GROUPS = ["year", "locality", "sector", "sector_version", "size_class", "kind", "level"]
TEXTS = ("locality", "sector", "sector_version", "size_class", "kind")
PAGE_IDS = 5_000  # a page's candidate rows read by id (deeper pages: by total alone)


def _year(fw: Framework):
    return func.extract("year", AssessmentRow.submitted_at).label("year")


def flagged(fw: Framework, flag) -> list:
    """The conditions of each firm's flagged assessments of ``fw`` (assessment.states)."""
    a = AssessmentRow
    return [a.framework_id == fw.id, a.framework_version == fw.version, flag == 1]


def cube(store, fw: Framework, model=None) -> pd.DataFrame:
    """Firms per year x place x sector x size class x kind x level (x cluster, with a clustering
    ``model`` by pillars), with the sums of their total and pillar points (columns ``firms``,
    ``total``, ``<pillar id>``), and the derived ``area`` and ``section`` of frames.add_places.
    Read from the cells every write keeps (assessment.year_cells); grouped from the rows
    (:func:`grouped`) when those were placed by another clustering than ``model``."""
    with store.engine.connect() as conn:
        rows = year_cells.read(conn, fw, model)
    return grouped(store, fw, model) if rows is None else _frame(fw, rows, model)


def grouped(store, fw: Framework, model=None) -> pd.DataFrame:
    """:func:`cube` grouped from every firm's flagged rows (one grouping of a million rows at a
    million firms)."""
    a = AssessmentRow
    sums = [func.sum(getattr(a, name)) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    keys = [_year(fw)] + [getattr(a, name) for name in GROUPS[1:]]
    if model is not None:
        keys.append(cluster_of(fw, model).label("cluster"))
    query = (select(*keys, func.count(), func.sum(a.total), *sums)
             .where(*flagged(fw, a.year_latest)).group_by(*keys))
    with store.engine.connect() as conn:
        grouping_settings(conn)
        rows = plain_rows(conn, query)
    return _frame(fw, rows, model)


def _frame(fw: Framework, rows: list, model) -> pd.DataFrame:
    names = GROUPS + (["cluster"] if model is not None else []) + ["firms", "total"] + [p.id for p in fw.pillars]
    columns = list(zip(*rows)) if rows else [()] * len(names)
    # column by column, each with its type (several times faster than inferring them row by row)
    frame = pd.DataFrame({name: pd.array(values, dtype="str") if name in TEXTS else np.array(values, dtype=np.int64)
                          for name, values in zip(names, columns)})
    return add_places(frame)


def chosen(cells: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The cube's rows within the filters (year, areas, places, sections, size classes, clusters)."""
    if filters.clusters and "cluster" not in cells.columns:
        raise ValueError("this cube has no clusters: the cube of a clustering has")
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


def cube_of(fw: Framework, frame: pd.DataFrame) -> pd.DataFrame:
    """The cube of a frame of submitted assessments (frames.submitted_frame, with a ``cluster``
    column when a clustering is kept: then the cube has one too), added up by pandas: what the
    reference the database's cube is tested against."""
    names = [p.id for p in fw.pillars]
    keys = GROUPS + (["cluster"] if "cluster" in frame.columns else [])
    if frame.empty:
        return add_places(pd.DataFrame({name: [] for name in keys + ["firms", "total", *names]}))
    years = frame["submitted_at"].dt.year
    parts = [frames_latest(frame[years == y]).assign(year=int(y)) for y in sorted(years.unique())]
    states = pd.concat(parts).rename(columns={f"{pid}_points": pid for pid in names})
    states["firms"] = 1
    keep = [k for k in keys if k not in ("area", "section")]
    out = states.groupby(keep, observed=True)[["firms", "total", *names]].sum().reset_index()
    for name in ("locality", "sector", "sector_version", "size_class", "kind"):
        out[name] = out[name].astype(str)
    return add_places(out)


def _where(fw: Framework, cells: pd.DataFrame, filters: Filters, model=None) -> list:
    """The filters as conditions on each firm's latest assessment of the year (places, sections
    and size classes as the codes stored; the sections' stored (sector, VSIC version) pairs read off
    the cube; the year as a range of dates, which the index serves; clusters placed by ``model``)."""
    import datetime as dt

    a = AssessmentRow
    out = flagged(fw, a.year_latest)
    if filters.year is not None:
        out += [a.submitted_at >= dt.datetime(filters.year, 1, 1), a.submitted_at < dt.datetime(filters.year + 1, 1, 1)]
    if filters.areas:
        codes = {code for code, loc in localities().items() if loc.area in filters.areas} | set(filters.areas)
        out.append(a.locality.in_(sorted(codes)))
    if filters.localities:
        out.append(a.locality.in_(sorted(filters.localities)))
    if filters.sectors:
        pairs = cells[cells["section"].isin(filters.sectors)][["sector", "sector_version"]].drop_duplicates()
        pairs = [tuple(p) for p in pairs.itertuples(index=False)] or [("", "")]
        out.append(tuple_(a.sector, a.sector_version).in_(pairs))
    if filters.sizes:
        out.append(a.size_class.in_(sorted(filters.sizes)))
    if filters.clusters:
        if model is None:
            raise ValueError("a clusters filter needs the clustering that places the firms")
        out.append(cluster_of(fw, model).in_(sorted(int(c) for c in filters.clusters)))
    return out


def firm_rows(store, fw: Framework, cells: pd.DataFrame, filters: Filters, *, offset: int = 0,
              limit: int | None = None, after_id: int | None = None, model=None,
              after: tuple | None = None) -> pd.DataFrame:
    """The firms within the filters (each one's latest assessment of the year), best total first
    then by name, ``limit`` of them from ``offset`` (all when None): the columns dashboard.firm_table
    formats, read page by page from the database. ``after_id``: instead, in assessment id order
    from the first id above it (chunks of an export: no offset to skip); ``after``: the rows
    following the row (total, name, assessment id) in the table's order (chunks in that order).
    ``model``: the clustering a clusters filter places firms by."""
    a = AssessmentRow
    pillars = [getattr(a, name) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    where = _where(fw, cells, filters, model)
    query = (select(a.id, FirmRow.tax_code, FirmRow.name, a.kind, a.sector, a.sector_version, a.locality,
                    a.size_class, a.submitted_at, a.total, a.level, *pillars, ScoreRow.pillar_levels)
             .join(FirmRow, FirmRow.id == a.firm_id)
             .join(ScoreRow, ScoreRow.assessment_id == a.id)
             .where(*where))
    if after_id is not None:
        query = query.where(a.id > after_id).order_by(a.id)
    else:
        query = query.order_by(a.total.desc(), FirmRow.name, a.id)
        if after is not None:
            total, name, aid = after
            query = query.where((a.total < total) | ((a.total == total) & (FirmRow.name > name))
                                | ((a.total == total) & (FirmRow.name == name) & (a.id > aid)))
    with store.engine.connect() as conn:
        if limit is not None and after_id is None and after is None:
            # the page's rows all have a total at least the (offset + limit)-th highest: read that total
            # from the index first, so only the firms above it are joined to their names and sorted
            # (at a million firms the database otherwise joined and sorted all of them for 50 rows)
            lowest = conn.execute(select(a.total).where(*where).order_by(a.total.desc())
                                  .offset(offset + limit - 1).limit(1)).scalar()
            if lowest is not None:
                query = query.where(a.total >= lowest)
                # and those firms' ids from the index too: reading the rows by total, the database
                # fetched every row it passed from the table before testing the filters on it
                # (a cluster of a former district: 245,000 rows for a page of 50, 1.6 s)
                ids = conn.execute(select(a.id).where(*where, a.total >= lowest).limit(PAGE_IDS + 1)).scalars().all()
                if len(ids) <= PAGE_IDS:
                    query = query.where(a.id.in_(ids))
            query = query.offset(offset).limit(limit)
        elif limit is not None:
            query = query.limit(limit)
        rows = conn.execute(query).all()
    names = ["assessment_id", "tax_code", "name", "kind", "sector", "sector_version", "locality", "size_class",
             "submitted_at", "total", "level", *[f"{p.id}_points" for p in fw.pillars], "pillar_levels"]
    frame = pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({name: [] for name in names})
    levels = int_matrix(frame.pop("pillar_levels")) if len(frame) else np.zeros((0, len(fw.pillars)), dtype=np.int32)
    for k, p in enumerate(fw.pillars):
        frame[f"{p.id}_level"] = levels[:, k]
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    return add_places(frame)


def firm_ids(store, fw: Framework, cells: pd.DataFrame, filters: Filters, model=None) -> list[int]:
    """The latest assessment ids of the firms within the filters, in the firm table's order."""
    a = AssessmentRow
    query = (select(a.id).join(FirmRow, FirmRow.id == a.firm_id)
             .where(*_where(fw, cells, filters, model))
             .order_by(a.total.desc(), FirmRow.name, a.id))
    with store.engine.connect() as conn:
        return [int(a) for a in conn.execute(query).scalars()]


def firm_chunks(store, fw: Framework, cells: pd.DataFrame, filters: Filters, *, size: int = 10_000, model=None):
    """:func:`firm_rows` in assessment id order, ``size`` at a time, each chunk read after the last
    one's id: an export of a million firms holds one chunk in memory. No firm: one empty chunk
    (a file still gets its header)."""
    last = 0
    while True:
        part = firm_rows(store, fw, cells, filters, limit=size, after_id=last, model=model)
        if part.empty:
            if last == 0:
                yield part
            return
        yield part
        last = int(part["assessment_id"].iloc[-1])


def table_chunks(store, fw: Framework, cells: pd.DataFrame, filters: Filters, *, model=None, lang: str = "vi",
                 size: int = 10_000):
    """The dashboard's download: the firms within the filters in the table's order (best total
    first, then by name), as the page names its columns (dashboard.firm_table, named, headers) with
    the platforms each firm listed (inventory.listed_columns, the import template's columns),
    ``size`` firms at a time, each chunk read after the last one's row. No firm: one empty chunk."""
    from assessment import dashboard
    from assessment.inventory import listed_columns

    headers = dashboard.headers(fw, lang)
    after = None
    while True:
        found = firm_rows(store, fw, cells, filters, limit=size, after=after, model=model)
        if found.empty and after is not None:
            return
        table = dashboard.named(dashboard.firm_table(fw, dashboard.with_clusters(fw, found, model), model, lang), lang)
        ids = table.pop("assessment_id").tolist()
        listed = listed_columns(store, ids, lang)
        yield pd.concat([table.rename(columns=headers).reset_index(drop=True), listed.reset_index(drop=True)], axis=1)
        if len(found) < size:
            return
        last = found.iloc[-1]
        after = (int(last["total"]), str(last["name"]), int(last["assessment_id"]))
