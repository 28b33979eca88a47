"""The department's cube kept by every write (table ``year_cells``), so that drawing the dashboard
reads some tens of thousands of cells instead of grouping every firm's latest assessment of each year.

The cells are aggregates.cube's: each firm's latest own submitted assessment of each calendar year
(the ``year_latest`` rows, assessment.states) counted per framework x year x place x sector x size
class x kind of unit x level x cluster of the framework's kept clustering (-1: none kept), with the
sums of their total and pillar points. They change only where the flags change:

- :func:`update` (called by states.refresh for the firms a write touched, in its transaction): the
  firms' cells are read before their flags are set and again after, and the difference is added to
  the table (an upsert per cell, in key order);
- :func:`rebuild`: the whole table in one grouping, when a clustering is kept (every firm's cluster
  changes), a demo is cleared, a backup restored, or by the migration that made the table.

One anchor row per framework (year 0, level -1, cluster -1, no firms) holds the clustering its
cells were placed by (``model``, ClusterModel.to_json; NULL: none). :func:`read` returns the cells
with their anchor in one statement, so a reader never mixes two clusterings, and a reader that asks
for another clustering than the anchor's (kept a moment ago, before its cache knew) gets None and
groups the rows itself (aggregates.grouped).

On PostgreSQL an update takes a shared advisory lock for its transaction and a rebuild an exclusive
one: updates run side by side (each cell row locked by the database as it is changed, in the same
order for everyone), never beside a rebuild. On SQLite a write holds the whole database.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import BigInteger, Integer, and_, case, cast, delete, func, literal, select, text

from assessment.clustering import ClusterModel
from assessment.frames import grouping_settings, plain_rows
from assessment.framework import FrameworkError, get_framework
from assessment.models import PILLAR_COLUMNS, AssessmentRow, ClusterModelRow, YearCellRow

KEYS = ["framework_id", "framework_version", "year", "locality", "sector", "sector_version", "size_class", "kind",
        "level", "cluster"]
SUMS = ["firms", "total", *PILLAR_COLUMNS]
ANCHOR = {"year": 0, "locality": "", "sector": "", "sector_version": "", "size_class": "", "kind": "", "level": -1,
          "cluster": -1}
LOCK = 0x44424943  # the advisory lock's key ("DBIC")


def cluster_of(fw, model):
    """Each assessment's cluster in ``model`` (a clustering by pillars) as an SQL expression of its
    pillar points: the first cluster whose centre is at least as near as every later one's, each
    comparison an exact integer sum (ClusterModel.pair_forms; ClusterModel.place is the same in
    numpy)."""
    a = AssessmentRow
    columns = [cast(getattr(a, name), BigInteger) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    forms = {(i, j): (const, coefs) for i, j, const, coefs in model.pair_forms([p.max_points for p in fw.pillars])}

    def nearer(i: int, j: int):
        const, coefs = forms[i, j]
        expr = literal(const, BigInteger)
        for column, coef in zip(columns, coefs):
            if coef:
                expr = expr + column * coef
        return expr <= 0

    return case(*[(and_(*[nearer(i, j) for j in range(i + 1, model.k)]), i) for i in range(model.k - 1)],
                else_=model.k - 1)


def lock(conn, exclusive: bool, key: int = LOCK) -> None:
    """On PostgreSQL, a transaction-level advisory lock on a derived table (shared for the updates
    that run side by side, exclusive for a rebuild); SQLite holds the whole database for a write."""
    if conn.dialect.name == "postgresql":
        how = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        conn.execute(text(f"SELECT {how}(:key)"), {"key": key})


def _placed(models: dict) -> dict:
    """{(framework id, version): (Framework, ClusterModel)} for the models whose framework is known
    here (a clustering of a framework no longer shipped places nothing)."""
    out = {}
    for (fw_id, version), model in models.items():
        try:
            fw = get_framework(f"{fw_id}@{version}")
        except FrameworkError:
            continue
        if len(model.features) == len(fw.pillars):
            out[fw_id, version] = (fw, model)
    return out


def _grouping(placed: dict, firm_ids: list[int] | None = None):
    """The cells of the flagged rows (of these firms; all when None), keys then sums."""
    a = AssessmentRow
    if placed:
        cluster = case(*[(and_(a.framework_id == f, a.framework_version == v), cluster_of(fw, model))
                         for (f, v), (fw, model) in placed.items()], else_=-1)
    else:
        cluster = literal(-1, Integer)
    keys = [a.framework_id, a.framework_version, cast(func.extract("year", a.submitted_at), Integer), a.locality,
            a.sector, a.sector_version, a.size_class, a.kind, a.level, cast(cluster, Integer)]
    sums = [func.count(), func.sum(a.total)] + [func.coalesce(func.sum(getattr(a, c)), 0) for c in PILLAR_COLUMNS]
    query = select(*keys, *[cast(s, BigInteger) for s in sums]).where(a.year_latest == 1).group_by(*keys)
    return query if firm_ids is None else query.where(a.firm_id.in_(firm_ids))


def _anchored(conn) -> dict:
    """{(framework id, version): ClusterModel or None} of the anchors in the table."""
    c = YearCellRow
    rows = conn.execute(select(c.framework_id, c.framework_version, c.model).where(c.year == 0, c.level == -1)).all()
    return {(f, v): (ClusterModel.from_json(m) if m else None) for f, v, m in rows}


def upsert(conn, table, keys: list[str], sums: list[str], rows: list[dict], *, add: bool,
           replace: tuple[str, ...] = ()) -> None:
    """Insert cells into a derived table keyed on ``keys`` (a unique index); a cell that exists gets
    the ``sums`` added (``add``), or its ``replace`` columns replaced, or is left as it is. On
    PostgreSQL many cells go by COPY into a temporary table and one INSERT ... SELECT (35,000 cells
    one statement each: 3.9 s), in key order (concurrent writers lock the rows in the same order)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= MANY:
        _upsert_copied(conn, table, keys, sums, rows, add=add, replace=replace)
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    c = table.__table__.c
    if add:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={s: c[s] + stmt.excluded[s] for s in sums})
    elif replace:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={k: stmt.excluded[k] for k in replace})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    for start in range(0, len(rows), 10_000):
        conn.execute(stmt, rows[start:start + 10_000])


MANY = 1_000  # cells from which PostgreSQL's upsert goes through a temporary table


def _upsert_copied(conn, table, keys: list[str], sums: list[str], rows: list[dict], *, add: bool,
                   replace: tuple[str, ...]) -> None:
    name = table.__tablename__
    columns = list(rows[0])
    staged = f"staged_{name}"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged} ON COMMIT DROP AS "
                         f"SELECT {', '.join(columns)} FROM {name} WITH NO DATA")
    conn.exec_driver_sql(f"TRUNCATE {staged}")
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {staged} ({', '.join(columns)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(tuple(r[c] for c in columns))
    if add:
        action = "DO UPDATE SET " + ", ".join(f"{s} = {name}.{s} + excluded.{s}" for s in sums)
    elif replace:
        action = "DO UPDATE SET " + ", ".join(f"{k} = excluded.{k}" for k in replace)
    else:
        action = "DO NOTHING"
    conn.exec_driver_sql(f"INSERT INTO {name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {staged} "
                         f"ORDER BY {', '.join(keys)} ON CONFLICT ({', '.join(keys)}) {action}")


def _upsert(conn, rows: list[dict], *, add: bool) -> None:
    upsert(conn, YearCellRow, KEYS, SUMS, rows, add=add)


def _cells(conn, placed: dict, firm_ids: list[int]) -> dict[tuple, list[int]]:
    return {tuple(r[:len(KEYS)]): [int(v) for v in r[len(KEYS):]] for r in conn.execute(_grouping(placed, firm_ids))}


@contextmanager
def update(conn, firm_ids: list[int]):
    """``with update(conn, firm_ids): <set the firms' flags>``: the firms' cells taken out before the
    block and put back after it (states.refresh); nothing is written when the block raises. The
    caller's transaction holds the change."""
    lock(conn, exclusive=False)
    anchors = _anchored(conn)
    placed = _placed({k: m for k, m in anchors.items() if m is not None})
    before = _cells(conn, placed, firm_ids)
    yield
    after = _cells(conn, placed, firm_ids)
    delta = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, [0] * len(SUMS)), after.get(key, [0] * len(SUMS))
        change = [n - o for n, o in zip(new, old)]
        if any(change):
            delta[key] = change
    _upsert(conn, [dict(zip(KEYS, k)) | dict(zip(SUMS, v)) for k, v in sorted(delta.items())], add=True)
    # a framework's first cells: its anchor (no clustering: keeping one rebuilds the table)
    _upsert(conn, [_anchor(f, v, None) for f, v in sorted({k[:2] for k in delta} - set(anchors))], add=False)


def _anchor(fw_id: str, version: str, model) -> dict:
    return {"framework_id": fw_id, "framework_version": version, **ANCHOR, **dict.fromkeys(SUMS, 0),
            "model": None if model is None else model.to_json()}


def rebuild(conn) -> None:
    """The whole table again from the flagged rows, placed by each framework's kept clustering, in
    the caller's transaction (one grouping of every flagged row)."""
    lock(conn, exclusive=True)
    kept = {}
    for key, model in conn.execute(select(ClusterModelRow.framework, ClusterModelRow.model)
                                   .where(ClusterModelRow.active.is_(True)).order_by(ClusterModelRow.id)):
        fw_id, _, version = key.partition("@")
        kept[fw_id, version] = ClusterModel.from_json(model)  # the latest of a framework (Department.cluster_model)
    placed = _placed(kept)
    grouping_settings(conn)
    conn.execute(delete(YearCellRow))
    conn.execute(YearCellRow.__table__.insert().from_select(KEYS + SUMS, _grouping(placed)))
    c = YearCellRow
    frameworks = set(conn.execute(select(c.framework_id, c.framework_version).distinct()).all()) | set(kept)
    _upsert(conn, [_anchor(f, v, placed[f, v][1] if (f, v) in placed else None) for f, v in sorted(frameworks)],
            add=False)


def read(conn, fw, model=None) -> list[tuple] | None:
    """The framework's cells with firms, keys from ``year`` on then the sums of the framework's
    pillars (with ``cluster`` only when ``model`` is given); None when the table cannot answer: no
    anchor (never built for it), or a clustering other than ``model`` placed the cells."""
    c = YearCellRow
    pillars = [cast(func.sum(getattr(c, name)), BigInteger) for name in PILLAR_COLUMNS[:len(fw.pillars)]]
    names = [k for k in KEYS[2:] if k != "cluster" or model is not None]
    keys = [getattr(c, k) for k in names]
    query = (select(*keys, cast(func.sum(c.firms), BigInteger), cast(func.sum(c.total), BigInteger), *pillars,
                    func.max(c.model))
             .where(c.framework_id == fw.id, c.framework_version == fw.version).group_by(*keys))
    rows = plain_rows(conn, query)  # the driver's tuples: tens of thousands of cells
    anchors = [r for r in rows if r[0] == 0 and r[names.index("level")] == -1]
    if not anchors:
        return None
    if model is not None and anchors[0][-1] != model.to_json():
        return None
    return [tuple(r[:-1]) for r in rows if r[0] != 0 and r[len(keys)] > 0]
