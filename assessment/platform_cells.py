"""The Platforms in use page's counts, kept by every write (table ``platform_cells``), so that the
page reads some thousands of counts instead of every firm's assessment and every tool it listed.

Two scopes of rows are counted: each firm's latest own submitted assessment of a framework (scope
0, the ``latest`` rows) and its latest of each calendar year (scope = the year, ``year_latest``;
assessment.states). Per framework x scope x place x sector x size class x level, the items:

- ``""``: the firms; ``"*"``: those that listed at least one platform;
- ``"c:<category>"``: those that listed something in the category (a firm with two tools in it
  counts once);

and across the province (place, sector and size class empty, level -1):

- ``"e:<entry>"``: the firms using a catalogue entry (once each), and in ``uses`` the tool rows
  naming it (the Make in Vietnam share of uses);
- ``"m"``: the firms using at least one entry the catalogue marks Make in Vietnam, as marked when
  the anchor was written;
- ``"r:<entry>"``: how often the entry was among what the results page recommended at a firm's
  assessment just before (``prior_id``), and in ``uses`` how many of those firms use it now.

They change only where a firm's flags, its prior assessment or the catalogue's marks change:

- :func:`update` (states.refresh, for the firms a write touched, in its transaction): the firms'
  counts read before their flags are set and after, the difference added (an upsert per cell, in
  key order);
- :func:`rebuild`: the whole table from the stored rows (the migration that made it, a demo
  cleared, a backup restored);
- :func:`recount_miv`: the ``"m"`` items and the anchor again, when the catalogue changes.

One anchor row per framework (scope -1) holds, in ``note``, the Make in Vietnam entries the ``"m"``
items were counted with; a reader whose catalogue marks others counts them itself (:func:`count_miv`).
On PostgreSQL an update takes a shared advisory lock and a rebuild or recount an exclusive one, as
assessment.year_cells does.
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager

from sqlalchemy import Integer, cast, delete, exists, func, literal, select, union_all

from assessment.frames import grouping_settings, plain_rows
from assessment.models import AssessmentRow, CatalogueEntryRow, PlatformCellRow, PlatformUseRow
from assessment.year_cells import lock, upsert

KEYS = ["framework_id", "framework_version", "scope", "locality", "sector", "sector_version", "size_class", "level",
        "item"]
SUMS = ["firms", "uses"]
PLACE = ("", "", "", "", -1)  # locality, sector, sector_version, size_class, level of a province-wide item
ANCHOR_SCOPE = -1
ALL, DECLARED, MIV = "", "*", "m"
LOCK = 0x44424950  # the advisory lock's key ("DBIP")
BATCH = 10_000  # cells per INSERT


def _scoped(firm_ids: list[int] | None):
    """The counted rows (of these firms; all when None): each latest row as scope 0, each
    year_latest row as its year."""
    a = AssessmentRow
    columns = [a.id.label("aid"), a.framework_id, a.framework_version, a.locality, a.sector, a.sector_version,
               a.size_class, a.level, a.prior_id]
    now = select(*columns, literal(0, Integer).label("scope")).where(a.latest == 1)
    yearly = select(*columns, cast(func.extract("year", a.submitted_at), Integer).label("scope")).where(
        a.year_latest == 1)
    if firm_ids is not None:
        now, yearly = now.where(a.firm_id.in_(firm_ids)), yearly.where(a.firm_id.in_(firm_ids))
    return union_all(now, yearly).subquery("s")


def _tools(firm_ids: list[int] | None, column):
    """Each assessment's distinct values of a tools' column (of these firms' assessments)."""
    p = PlatformUseRow
    query = select(p.assessment_id, column.label("value")).where(column.is_not(None)).distinct()
    if firm_ids is not None:
        query = query.where(p.assessment_id.in_(select(AssessmentRow.id).where(AssessmentRow.firm_id.in_(firm_ids))))
    return query.subquery()


def _count(conn, query, into: dict, at: int = 0) -> None:
    for row in plain_rows(conn, query):
        into[tuple(row[:len(KEYS)])][at] += int(row[len(KEYS)])


def _cells(conn, firm_ids: list[int] | None, miv: dict) -> dict[tuple, list[int]]:
    """{key: [firms, uses]} of these firms (all when None); ``miv``: {(framework id, version): the
    Make in Vietnam entry ids}."""
    s = _scoped(firm_ids)
    p = PlatformUseRow
    cell = [s.c.framework_id, s.c.framework_version, s.c.scope, s.c.locality, s.c.sector, s.c.sector_version,
            s.c.size_class, s.c.level]
    province = [s.c.framework_id, s.c.framework_version, s.c.scope]
    blank = [literal(v) for v in PLACE]
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    _count(conn, select(*cell, literal(ALL), func.count()).group_by(*cell), out)
    listed = exists(select(p.assessment_id).where(p.assessment_id == s.c.aid))
    _count(conn, select(*cell, literal(DECLARED), func.count()).where(listed).group_by(*cell), out)
    cats = _tools(firm_ids, p.category)
    _count(conn, select(*cell, literal("c:") + cats.c.value, func.count()).join(cats, cats.c.assessment_id == s.c.aid)
           .group_by(*cell, cats.c.value), out)
    entries = _tools(firm_ids, p.entry_id)
    _count(conn, select(*province, *blank, literal("e:") + entries.c.value, func.count())
           .join(entries, entries.c.assessment_id == s.c.aid).group_by(*province, entries.c.value), out)
    _count(conn, select(*province, *blank, literal("e:") + p.entry_id, func.count())
           .join(p, p.assessment_id == s.c.aid).where(p.entry_id.is_not(None)).group_by(*province, p.entry_id),
           out, at=1)
    for (fw_id, version), marked in sorted(miv.items()):
        if not marked:
            continue
        named = exists(select(p.assessment_id).where(p.assessment_id == s.c.aid, p.entry_id.in_(sorted(marked))))
        _count(conn, select(*province, *blank, literal(MIV), func.count())
               .where(s.c.framework_id == fw_id, s.c.framework_version == version, named).group_by(*province), out)
    _recommended(conn, s, out)
    return {k: v for k, v in out.items() if any(v)}


def _recommended(conn, s, out: dict) -> None:
    """The ``"r:"`` items: for each counted row whose prior assessment recorded what it was
    recommended, each of those entries once, and whether the row lists it now."""
    prior = AssessmentRow.__table__.alias("prior")
    pairs = (select(s.c.framework_id, s.c.framework_version, s.c.scope, s.c.aid, prior.c.recommended)
             .join(prior, prior.c.id == s.c.prior_id).where(prior.c.recommended != ""))
    rows = plain_rows(conn, pairs)
    if not rows:
        return
    # the entries those rows list now, in one join (an assessment counted in two scopes comes twice)
    p = PlatformUseRow
    listed = (select(p.assessment_id, p.entry_id).join(s, s.c.aid == p.assessment_id)
              .join(prior, prior.c.id == s.c.prior_id).where(prior.c.recommended != "", p.entry_id.is_not(None)))
    used: dict[int, set] = defaultdict(set)
    for aid, entry in plain_rows(conn, listed):
        used[aid].add(entry)
    for fw_id, version, scope, aid, recommended in rows:
        mine = used.get(aid, ())
        for entry in recommended.split(","):
            counts = out[(fw_id, version, scope, *PLACE, "r:" + entry)]
            counts[0] += 1
            counts[1] += entry in mine


def marked_miv(conn, framework_key: str) -> list[str]:
    """The published catalogue entries of a framework marked Make in Vietnam, sorted."""
    c = CatalogueEntryRow
    rows = conn.execute(select(c.id, c.data).where(c.framework == framework_key, c.status == "published")).all()
    return sorted(i for i, data in rows if (data or {}).get("make_in_vietnam") == "yes")


def _anchored(conn) -> dict:
    """{(framework id, version): Make in Vietnam ids} of the anchors in the table."""
    c = PlatformCellRow
    rows = conn.execute(select(c.framework_id, c.framework_version, c.note).where(c.scope == ANCHOR_SCOPE)).all()
    return {(f, v): json.loads(n or "[]") for f, v, n in rows}


def _anchor(fw_id: str, version: str, marked: list[str]) -> dict:
    return {**dict(zip(KEYS, (fw_id, version, ANCHOR_SCOPE, *PLACE, ""))), "firms": 0, "uses": 0,
            "note": json.dumps(sorted(marked))}


def _upsert(conn, rows: list[dict], *, add: bool) -> None:
    """Insert the cells; a cell that exists gets the sums added (``add``) or is replaced."""
    upsert(conn, PlatformCellRow, KEYS, SUMS, rows, add=add, replace=(*SUMS, "note"), batch=BATCH)


def _frameworks(conn) -> list[tuple[str, str]]:
    a = AssessmentRow
    return sorted(conn.execute(select(a.framework_id, a.framework_version).where(a.latest == 1).distinct()).all())


@contextmanager
def update(conn, firm_ids: list[int]):
    """``with update(conn, firm_ids): <set the firms' flags and prior assessments>``: the firms'
    counts taken out before the block and put back after it (states.refresh); nothing is written
    when the block raises."""
    lock(conn, exclusive=False, key=LOCK)
    anchors = _anchored(conn)
    before = _cells(conn, firm_ids, anchors)
    yield
    # a framework's first counts: its anchor, with the Make in Vietnam entries of its catalogue now
    fresh = {}
    for fw_id, version in _frameworks_of(conn, firm_ids):
        if (fw_id, version) not in anchors:
            fresh[fw_id, version] = marked_miv(conn, f"{fw_id}@{version}")
    after = _cells(conn, firm_ids, anchors | fresh)
    delta = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, [0, 0]), after.get(key, [0, 0])
        change = [n - o for n, o in zip(new, old)]
        if any(change):
            delta[key] = change
    _upsert(conn, [dict(zip(KEYS, k)) | dict(zip(SUMS, v)) | {"note": None} for k, v in sorted(delta.items())],
            add=True)
    _upsert(conn, [_anchor(f, v, m) for (f, v), m in sorted(fresh.items())], add=False)


def _frameworks_of(conn, firm_ids: list[int]) -> list[tuple[str, str]]:
    a = AssessmentRow
    return sorted(conn.execute(select(a.framework_id, a.framework_version)
                               .where(a.latest == 1, a.firm_id.in_(firm_ids)).distinct()).all())


def rebuild(conn) -> None:
    """The whole table again from the stored rows, in the caller's transaction."""
    lock(conn, exclusive=True, key=LOCK)
    grouping_settings(conn)
    marked = {(f, v): marked_miv(conn, f"{f}@{v}") for f, v in _frameworks(conn)}
    cells = _cells(conn, None, marked)
    conn.execute(delete(PlatformCellRow))
    _upsert(conn, [dict(zip(KEYS, k)) | dict(zip(SUMS, v)) | {"note": None} for k, v in sorted(cells.items())],
            add=False)
    _upsert(conn, [_anchor(f, v, m) for (f, v), m in sorted(marked.items())], add=False)


def recount_miv(conn, framework_key: str) -> None:
    """The ``"m"`` items of a framework counted again with its catalogue's marks now (a catalogue
    write calls this in its transaction), and its anchor saying so."""
    fw_id, _, version = framework_key.partition("@")
    marked = marked_miv(conn, framework_key)
    if _anchored(conn).get((fw_id, version)) == marked:
        return
    lock(conn, exclusive=True, key=LOCK)
    c = PlatformCellRow
    conn.execute(delete(c).where(c.framework_id == fw_id, c.framework_version == version, c.item == MIV))
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    if marked:
        s = _scoped(None)
        p = PlatformUseRow
        named = exists(select(p.assessment_id).where(p.assessment_id == s.c.aid, p.entry_id.in_(marked)))
        province = [s.c.framework_id, s.c.framework_version, s.c.scope]
        _count(conn, select(*province, *[literal(v) for v in PLACE], literal(MIV), func.count())
               .where(s.c.framework_id == fw_id, s.c.framework_version == version, named).group_by(*province), counts)
    _upsert(conn, [dict(zip(KEYS, k)) | dict(zip(SUMS, v)) | {"note": None} for k, v in sorted(counts.items())],
            add=False)
    _upsert(conn, [_anchor(fw_id, version, marked)], add=False)


def read(conn, fw, scope: int) -> tuple[list[tuple], list[str] | None]:
    """A framework's counts of one scope, (locality, sector, sector_version, size_class, level,
    item, firms, uses) each, and the Make in Vietnam entries its ``"m"`` item counted (None: no
    anchor, nothing counted yet)."""
    c = PlatformCellRow
    rows = plain_rows(conn, select(c.scope, c.locality, c.sector, c.sector_version, c.size_class, c.level, c.item,
                                   c.firms, c.uses, c.note)
                      .where(c.framework_id == fw.id, c.framework_version == fw.version,
                             c.scope.in_([scope, ANCHOR_SCOPE])))
    marked = next((json.loads(r[-1] or "[]") for r in rows if r[0] == ANCHOR_SCOPE), None)
    return [tuple(r[1:-1]) for r in rows if r[0] == scope and (r[7] or r[8])], marked


def entry_firms(conn, fw) -> tuple[list[int], list[tuple[int, str, int]]]:
    """The scopes holding firms (0, then the years), and (scope, entry id, firms) of every entry in
    use: the catalogue page's users per entry now and per year."""
    c = PlatformCellRow
    mine = [c.framework_id == fw.id, c.framework_version == fw.version, c.scope >= 0]
    scopes = conn.execute(select(c.scope).where(*mine, c.item == ALL, c.firms > 0).distinct()).scalars().all()
    rows = conn.execute(select(c.scope, c.item, c.firms).where(*mine, c.level == -1, c.item.startswith("e:"),
                                                                c.firms > 0)).all()
    return sorted(int(s) for s in scopes), [(int(s), item[2:], int(n)) for s, item, n in rows]


def count_miv(conn, fw, scope: int, marked: list[str]) -> int:
    """The firms of a scope using one of these entries, counted from the rows (a reader whose
    catalogue marks other entries than the anchor's)."""
    if not marked:
        return 0
    s = _scoped(None)
    p = PlatformUseRow
    named = exists(select(p.assessment_id).where(p.assessment_id == s.c.aid, p.entry_id.in_(sorted(marked))))
    return int(conn.execute(select(func.count()).select_from(s).where(
        s.c.framework_id == fw.id, s.c.framework_version == fw.version, s.c.scope == scope, named)).scalar())
