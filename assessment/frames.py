"""The submitted assessments as tables, and each firm's latest assessment: the one definition that
the dashboard, peers, clusters, exports, scorecards, the catalogue's usage and the CLI read.

``submitted_frame`` reads one row per submitted assessment of a framework (claims and staged
imports excluded: only firms' own records) from the compact score rows, so 100,000 firms load
without decoding a results document each; ``latest`` keeps each firm's latest within filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, cast, func, select, type_coerce

from assessment.framework import Framework, get_framework
from assessment.models import SUBMITTED, AssessmentRow, FirmRow, ScoreRow

PROFILE = ["kind", "sector", "sector_version", "locality", "size_class"]
# latest_sample's hash of an assessment id: (id x multiplier + seed) mod a prime below 2^32 (the
# product stays within 64 bits for ids up to about 3 x 10^9)
SAMPLE_MULTIPLIER, SAMPLE_PRIME = 2_654_435_761, 4_294_967_291


@dataclass(frozen=True)
class Filters:
    localities: tuple[str, ...] = ()  # unit codes (communes, wards, or former districts)
    sectors: tuple[str, ...] = ()  # VSIC 2025 sections (the "section" column: 2018 letters mapped)
    sizes: tuple[str, ...] = ()  # size class ids ("household" for household businesses)
    year: int | None = None  # assessment period (calendar year); None = all
    clusters: tuple[int, ...] = ()  # needs a "cluster" column (dashboard.with_clusters)
    areas: tuple[str, ...] = ()  # reporting areas (former districts)

    def other_year(self, year: int | None) -> Filters:
        return replace(self, year=year)


def submitted_frame(store, framework: Framework | str, *, criteria: bool = False, where=()):
    """Every submitted assessment of a framework (or its ``id@version``) as a DataFrame, one row
    each, in id order: ids, tax code, name, profile columns, date, total, level and per pillar its
    points and level; ``criteria=True`` returns (frame, points) with the (n, n_criteria) criterion
    points too. ``where``: more conditions on the assessments."""
    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    fw_id, fw_version = fw.id, fw.version
    # on SQLite the dates arrive as text: pandas parses them all at once, faster than row by row
    when = (type_coerce(AssessmentRow.submitted_at, String) if store.engine.dialect.name == "sqlite"
            else AssessmentRow.submitted_at)
    query = (
        select(AssessmentRow.id, AssessmentRow.firm_id, FirmRow.tax_code, FirmRow.name, AssessmentRow.kind,
               AssessmentRow.sector, AssessmentRow.sector_version, AssessmentRow.locality, AssessmentRow.size_class,
               when,
               AssessmentRow.total, AssessmentRow.level, ScoreRow.pillar_points, ScoreRow.pillar_levels,
               *([ScoreRow.criterion_points] if criteria else []))
        .join(FirmRow, FirmRow.id == AssessmentRow.firm_id)
        .join(ScoreRow, ScoreRow.assessment_id == AssessmentRow.id)
        .where(AssessmentRow.status == SUBMITTED, AssessmentRow.claim.is_(None),
               AssessmentRow.framework_id == fw_id, AssessmentRow.framework_version == fw_version, *where)
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
    add_places(frame)
    points = int_matrix(frame.pop("pillar_points"))
    levels = int_matrix(frame.pop("pillar_levels"))
    for k, pid in enumerate(p.id for p in fw.pillars):
        frame[f"{pid}_points"] = points[:, k] if len(frame) else np.zeros(0, dtype=np.int32)
        frame[f"{pid}_level"] = levels[:, k] if len(frame) else np.zeros(0, dtype=np.int32)
    if criteria:
        return frame, int_matrix(frame.pop("criterion_points"))
    return frame


def plain_rows(conn, query) -> list[tuple]:
    """A query's rows as the driver's own tuples: no result object per row, several times faster
    for a few hundred thousand rows. The query's values are our own constants (ids, statuses),
    written into the SQL by SQLAlchemy's literal rendering."""
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def grouping_settings(conn) -> None:
    """For one grouping of every firm's flagged row, in this connection's transaction only, on
    PostgreSQL: 64 MB of work memory (the grouping of a million rows into some 40,000 cells fits a
    hash table of a few tens of MB; with the default 4 MB it sorted on disk: 3.5 s against 1.2 s),
    and the scan shared by two workers (the planner's default costs kept it on one: at 1,000,000
    firms on 2 cores 2.9 s against 2.0 s)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        conn.exec_driver_sql("SET LOCAL parallel_setup_cost = 0")
        conn.exec_driver_sql("SET LOCAL parallel_tuple_cost = 0.001")


def recommended_of(store, assessment_ids) -> list[str | None]:
    """What the results page recommended each of these submitted assessments when it was
    submitted (entry ids joined by ","; None where not recorded), in the order given."""
    ids = [int(a) for a in assessment_ids]
    found: dict[int, str | None] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 50_000):
            # integers we made written into the statement: no bound parameter per id to compile
            chunk = ",".join(map(str, ids[start:start + 50_000]))
            cursor = conn.connection.cursor()
            try:
                cursor.execute(f"SELECT id, recommended FROM {AssessmentRow.__tablename__} WHERE id IN ({chunk})")
                found.update(cursor.fetchall())
            finally:
                cursor.close()
    return [found.get(a) for a in ids]


DEPARTMENT_COLUMNS = ["assessment_id", "firm_id", "submitted_at", "kind", "sector", "sector_version", "locality",
                      "size_class", "total", "level"]
TEXT_COLUMNS = {"kind", "sector", "sector_version", "locality", "size_class"}


def department_rows(store, framework: Framework | str) -> pd.DataFrame:
    """Every submitted assessment of a framework with only the narrow columns the department's
    views group and filter by (DEPARTMENT_COLUMNS, then ``area`` and ``section``), claims left
    out, in id order. Read from the covering index ix_assessments_department: no answers, names or
    criterion points, a fraction of :func:`submitted_frame`'s cost."""
    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    when = (type_coerce(AssessmentRow.submitted_at, String) if store.engine.dialect.name == "sqlite"
            else AssessmentRow.submitted_at)
    query = (select(AssessmentRow.id, AssessmentRow.firm_id, when, AssessmentRow.kind, AssessmentRow.sector,
                    AssessmentRow.sector_version, AssessmentRow.locality, AssessmentRow.size_class,
                    AssessmentRow.total, AssessmentRow.level)
             .where(AssessmentRow.framework_id == fw.id, AssessmentRow.framework_version == fw.version,
                    AssessmentRow.status == SUBMITTED, AssessmentRow.claim.is_(None)))
    # no ORDER BY: SQLite would then walk another index and read the wide rows; sorted below
    with store.engine.connect() as conn:
        rows = plain_rows(conn, query)
    # one object array, then column by column: integers as integers, the few-valued texts as
    # categoricals (a fraction of the cost of per-cell strings), dates parsed in one pass
    table = np.array(rows, dtype=object).reshape(len(rows), len(DEPARTMENT_COLUMNS))
    data = {}
    for j, name in enumerate(DEPARTMENT_COLUMNS):
        column = table[:, j]
        if name in TEXT_COLUMNS:
            data[name] = pd.Categorical(column)
        elif name == "submitted_at":
            data[name] = pd.to_datetime(column, format="ISO8601")
        else:
            data[name] = column.astype(np.int64)
    frame = pd.DataFrame(data)
    frame = frame.sort_values("assessment_id", kind="stable").reset_index(drop=True)
    return add_places(frame)


def criterion_points(store, assessment_ids) -> np.ndarray:
    """The criterion points of these submitted assessments, one row each in the order given."""
    ids = [int(a) for a in assessment_ids]
    found: dict[int, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 5000):  # under every database's limit of bound parameters
            chunk = ids[start:start + 5000]
            found.update(conn.execute(select(ScoreRow.assessment_id, ScoreRow.criterion_points)
                                      .where(ScoreRow.assessment_id.in_(chunk))).all())
    return int_matrix(pd.Series([found[a] for a in ids], dtype=object))


def rows_of(store, framework: Framework | str, ids) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`submitted_frame`'s rows of these submitted assessments, with their criterion points,
    in the order given (read 20,000 ids at a time: under every database's limit of parameters, and
    each query scans the firms once to join their names)."""
    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    ids = np.asarray(ids, dtype=np.int64)
    parts, points = [], []
    for start in range(0, len(ids), 20_000):
        chunk = [int(v) for v in ids[start:start + 20_000]]
        part, p = submitted_frame(store, fw, criteria=True, where=[AssessmentRow.id.in_(chunk)])
        parts.append(part)
        points.append(p)
    if not parts:
        empty, p = submitted_frame(store, fw, criteria=True, where=[AssessmentRow.id == -1])
        return empty, np.zeros((0, len(fw.criteria)), dtype=np.int32)
    frame = pd.concat(parts, ignore_index=True)
    at = pd.Series(np.arange(len(frame)), index=frame["assessment_id"].to_numpy())
    order = at.loc[ids].to_numpy()
    return frame.iloc[order].reset_index(drop=True), np.concatenate(points)[order]


def latest_sample(store, framework: Framework | str, *, size: int, seed: int = 0) -> tuple[int, pd.DataFrame, np.ndarray]:
    """(firms, rows, criterion points) of a seeded random sample of ``size`` firms' latest
    submitted assessments (every firm, in random order, when there are no more): what the pages
    that need each firm's criterion points (clusters, the catalogue's recommendations) read at
    any scale."""
    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    a = AssessmentRow
    latest = [a.framework_id == fw.id, a.framework_version == fw.version, a.latest == 1]
    # the firms with the lowest values of a hash of their assessment id: a seeded random sample of
    # exactly ``size`` that the database picks from the index of the latest rows (a million ids
    # are not sent here to be drawn from); then shuffled, so any first part of it is random too
    key = (cast(a.id, BigInteger) * SAMPLE_MULTIPLIER + seed) % SAMPLE_PRIME
    with store.engine.connect() as conn:
        firms = conn.execute(select(func.count()).where(*latest)).scalar_one()
        ids = conn.execute(select(a.id).where(*latest).order_by(key, a.id).limit(size)).scalars().all()
    rows, points = rows_of(store, fw, np.sort(np.asarray(ids, dtype=np.int64)))  # read in id order: faster
    order = np.random.default_rng(seed).permutation(len(rows))
    return int(firms), rows.iloc[order].reset_index(drop=True), points[order]


def latest(frame: pd.DataFrame, filters: Filters | None = None) -> pd.DataFrame:
    """Each firm's latest submitted assessment (of the filters' year, if one is given): the latest
    date, and of two on the same date the later one stored (the same order as a firm's history);
    then the firms whose latest assessment is within the other filters. A firm is where, and what,
    its latest assessment of the period says (the database's figures count the same way:
    aggregates.latest_states)."""
    f = frame
    filters = filters or Filters()
    if filters.year is not None:
        f = f[f["submitted_at"].dt.year == filters.year]
    f = f.sort_values(["firm_id", "submitted_at", "assessment_id"], kind="stable").drop_duplicates("firm_id", keep="last")
    return within(f, filters)


def within(f: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of ``f`` within the filters' places, sectors, size classes and clusters (not the
    year): firms' latest assessments here, the database's figures in aggregates.chosen."""
    if filters.areas:
        f = f[f["area"].isin(filters.areas)]
    if filters.localities:
        f = f[f["locality"].isin(filters.localities)]
    if filters.sectors:
        f = f[f["section"].isin(filters.sectors)]
    if filters.sizes:
        f = f[f["size_class"].isin(filters.sizes)]
    if filters.clusters and "cluster" in f.columns:
        f = f[f["cluster"].isin(filters.clusters)]
    return f


def latest_frame(store, framework: Framework | str, *, criteria: bool = False):
    """Each firm's latest submitted assessment of a framework, in firm order (``criteria=True``:
    with the criterion points of those rows, as (frame, points)): the rows flagged ``latest``
    (assessment.states), read alone; :func:`latest` of :func:`submitted_frame` is the same."""
    found = submitted_frame(store, framework, criteria=criteria, where=[AssessmentRow.latest == 1])
    frame, points = found if criteria else (found, None)
    order = np.argsort(frame["firm_id"].to_numpy(), kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    return (frame, points[order]) if criteria else frame


def add_places(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns derived from the reference data, in place: ``area`` (the reporting area of the unit,
    a former district; a former district is its own area) and ``section`` (the VSIC 2025 section,
    2018 letters mapped where the section-level correspondence is one to one; firms.section_2025)."""
    from assessment.firms import localities, section_2025

    area_of = {code: loc.area for code, loc in localities().items()}
    # plain lists: iterating pandas string columns element by element is several times slower
    frame["area"] = [area_of.get(code, code) for code in frame["locality"].tolist()] if len(frame) \
        else pd.Series(dtype=object)
    codes, versions = frame["sector"].tolist(), frame["sector_version"].tolist()
    section = {pair: section_2025(*pair) for pair in set(zip(codes, versions))}
    frame["section"] = [section[pair] for pair in zip(codes, versions)]
    return frame


def int_matrix(cells) -> np.ndarray:
    """Comma-separated integers, one string per row, as an (n, width) int array (all rows alike)."""
    if len(cells) == 0:
        return np.zeros((0, 0), dtype=np.int32)
    # numpy's own text parser: several times faster than a Python int per cell
    return np.fromstring(",".join(cells.tolist()), dtype=np.int32, sep=",").reshape(len(cells), -1)
