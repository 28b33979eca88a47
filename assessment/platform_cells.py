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

import gc
import json
from collections import Counter, defaultdict
from contextlib import contextmanager

from sqlalchemy import Integer, and_, cast, delete, exists, func, literal, or_, select, union_all

from assessment.frames import plain_rows
from assessment.models import AssessmentRow, CatalogueEntryRow, PlatformCellRow, PlatformUseRow
from assessment.year_cells import lock, upsert

KEYS = ["framework_id", "framework_version", "scope", "locality", "sector", "sector_version", "size_class", "level",
        "item"]
SUMS = ["firms", "uses"]
PLACE = ("", "", "", "", -1)  # locality, sector, sector_version, size_class, level of a province-wide item
ANCHOR_SCOPE = -1
ALL, DECLARED, MIV = "", "*", "m"
LOCK = 0x44424950  # the advisory lock's key ("DBIP")
REBUILD_FIRMS = 50_000  # firms per slice of a rebuild


def _no_jit(conn) -> None:
    """PostgreSQL's JIT off for this transaction: the planner's estimates for the counts of a few
    thousand firms (hundreds of thousands of rows, against tens of thousands read) made it compile
    them, 1.2 s of compiling for 0.1 s of counting."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


def _scoped(where=None):
    """The counted rows (of the firms ``where`` picks, an SQL condition on the assessments; all when
    None): each latest row as scope 0, each year_latest row as its year."""
    a = AssessmentRow
    columns = [a.id.label("aid"), a.framework_id, a.framework_version, a.locality, a.sector, a.sector_version,
               a.size_class, a.level, a.prior_id]
    now = select(*columns, literal(0, Integer).label("scope")).where(a.latest == 1)
    yearly = select(*columns, cast(func.extract("year", a.submitted_at), Integer).label("scope")).where(
        a.year_latest == 1)
    if where is not None:
        now, yearly = now.where(where), yearly.where(where)
    return union_all(now, yearly).subquery("s")


@contextmanager
def _no_gc():
    """The cyclic garbage collector paused while the counts build their many small objects (none
    of them cyclic): a third of the counting's time at 50,000 firms went to its passes."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _cells(conn, where, miv: dict) -> dict[tuple, list[int]]:
    with _no_gc():
        return _counted(conn, where, miv)


def _counted(conn, where, miv: dict) -> dict[tuple, list[int]]:
    """{key: [firms, uses]} of the firms ``where`` picks (an SQL condition on the assessments);
    ``miv``: {(framework id, version): the Make in Vietnam entry ids}. Three reads (the counted
    rows, their tools, the recommendations recorded on the firms' assessments), counted here: the
    firms' rows are read once, not once per kind of item."""
    a, p = AssessmentRow, PlatformUseRow
    s = _scoped(where)
    rows = plain_rows(conn, select(s.c.aid, s.c.framework_id, s.c.framework_version, s.c.scope, s.c.locality,
                                   s.c.sector, s.c.sector_version, s.c.size_class, s.c.level, s.c.prior_id))
    if not rows:
        return {}
    counted = select(a.id).where(where, or_(a.latest == 1, a.year_latest == 1))
    tools: dict[int, list] = defaultdict(list)
    for aid, category, entry in plain_rows(conn, select(p.assessment_id, p.category, p.entry_id)
                                           .where(p.assessment_id.in_(counted))):
        tools[aid].append((category, entry))
    # a prior assessment is one of the same firm's own submitted ones (looked up by id below; no
    # condition on the status, whose index SQLite would walk instead of the firms')
    shown = dict(plain_rows(conn, select(a.id, a.recommended).where(where, a.recommended != "")))
    # each listing assessment once: its categories, the entries it names (once each) and its rows naming them
    listing: dict[int, tuple] = {}
    for aid, uses in tools.items():
        entries = [e for _, e in uses if e is not None]
        listing[aid] = (["c:" + c for c in {c for c, _ in uses}], set(entries), ["e:" + e for e in entries])
    cells: dict[tuple, Counter] = defaultdict(Counter)  # cell -> item -> firms
    firms: dict[tuple, Counter] = defaultdict(Counter)  # province scope -> item -> firms
    uses: dict[tuple, Counter] = defaultdict(Counter)  # province scope -> item -> tool rows, or firms using it now
    for aid, fw_id, version, scope, *place, prior in rows:
        items = cells[(fw_id, version, scope, *place)]
        items[ALL] += 1
        province = (fw_id, version, scope)
        categories, named, rows_named = listing.get(aid, ((), (), ()))
        if categories:
            items[DECLARED] += 1
            items.update(categories)
            firms[province].update(["e:" + e for e in named])
            uses[province].update(rows_named)
            if not named.isdisjoint(miv.get((fw_id, version), ())):
                firms[province][MIV] += 1
        recommended = shown.get(prior) if prior is not None else None
        if recommended:
            then = ["r:" + e for e in recommended.split(",")]
            firms[province].update(then)
            uses[province].update(r for r in then if r[2:] in named)
    out = {(*cell, item): [n, 0] for cell, counted in cells.items() for item, n in counted.items()}
    for province in firms.keys() | uses.keys():
        for item in firms[province].keys() | uses[province].keys():
            out[(*province, *PLACE, item)] = [firms[province][item], uses[province][item]]
    return {k: v for k, v in out.items() if any(v)}


def marked_miv(conn, framework_key: str) -> list[str]:
    """The published catalogue entries of a framework marked Make in Vietnam, sorted."""
    c = CatalogueEntryRow
    rows = conn.execute(select(c.id, c.data).where(c.framework == framework_key, c.status == "published")).all()
    return sorted(i for i, data in rows if (data or {}).get("make_in_vietnam") == "yes")


def _anchored(conn, frameworks: list[tuple[str, str]]) -> dict:
    """{(framework id, version): Make in Vietnam ids} of these frameworks' anchors in the table."""
    c = PlatformCellRow
    if not frameworks:
        return {}
    rows = conn.execute(select(c.framework_id, c.framework_version, c.note).where(
        or_(*[and_(c.framework_id == f, c.framework_version == v) for f, v in frameworks]),
        c.scope == ANCHOR_SCOPE)).all()
    return {(f, v): json.loads(n or "[]") for f, v, n in rows}


def _anchor(fw_id: str, version: str, marked: list[str]) -> dict:
    return {**dict(zip(KEYS, (fw_id, version, ANCHOR_SCOPE, *PLACE, ""))), "firms": 0, "uses": 0,
            "note": json.dumps(sorted(marked))}


def _upsert(conn, rows: list[dict], *, add: bool) -> None:
    """Insert the cells; a cell that exists gets the sums added (``add``) or is replaced."""
    upsert(conn, PlatformCellRow, KEYS, SUMS, rows, add=add, replace=(*SUMS, "note"))


def _frameworks(conn) -> list[tuple[str, str]]:
    a = AssessmentRow
    return sorted(conn.execute(select(a.framework_id, a.framework_version).where(a.latest == 1).distinct()).all())


@contextmanager
def update(conn, firm_ids: list[int]):
    """``with update(conn, firm_ids): <set the firms' flags and prior assessments>``: the firms'
    counts taken out before the block and put back after it (states.refresh); nothing is written
    when the block raises."""
    lock(conn, exclusive=False, key=LOCK)
    _no_jit(conn)
    a = AssessmentRow
    mine = a.firm_id.in_(firm_ids)
    anchors: dict = {}
    fresh: dict = {}

    def marks() -> dict:
        """The Make in Vietnam marks of the frameworks the firms' rows have now (looked up again
        after the block: a writer of new firms enters it before their rows exist): an anchor's, or
        for a framework's first counts its catalogue's now (none of its firms was counted before)."""
        now = conn.execute(select(a.framework_id, a.framework_version).where(mine).distinct()).all()
        new = sorted({tuple(k) for k in now} - anchors.keys() - fresh.keys())
        anchors.update(_anchored(conn, new))
        fresh.update({(f, v): marked_miv(conn, f"{f}@{v}") for f, v in new if (f, v) not in anchors})
        return {k: set(m) for k, m in (anchors | fresh).items()}

    before = _cells(conn, mine, marks())
    yield
    after = _cells(conn, mine, marks())
    delta = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, [0, 0]), after.get(key, [0, 0])
        change = [n - o for n, o in zip(new, old)]
        if any(change):
            delta[key] = change
    _upsert(conn, [dict(zip(KEYS, k)) | dict(zip(SUMS, v)) | {"note": None} for k, v in sorted(delta.items())],
            add=True)
    _upsert(conn, [_anchor(f, v, m) for (f, v), m in sorted(fresh.items())], add=False)


def rebuild(conn) -> None:
    """The whole table again from the stored rows, in the caller's transaction: the firms counted
    REBUILD_FIRMS at a time (by firm id), so the process holds one slice of the rows at once."""
    lock(conn, exclusive=True, key=LOCK)
    _no_jit(conn)
    a = AssessmentRow
    marked = {(f, v): marked_miv(conn, f"{f}@{v}") for f, v in _frameworks(conn)}
    miv = {k: set(m) for k, m in marked.items()}
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    first, last = conn.execute(select(func.min(a.firm_id), func.max(a.firm_id))).one()
    for start in range(first or 0, (last or -1) + 1, REBUILD_FIRMS):
        for key, (firms, uses) in _cells(conn, a.firm_id.between(start, start + REBUILD_FIRMS - 1), miv).items():
            cells[key][0] += firms
            cells[key][1] += uses
    from assessment.staging import _bulk  # (staging imports storage, which imports this module)

    conn.execute(delete(PlatformCellRow))
    # into the emptied table at driver speed (COPY on PostgreSQL)
    anchors = [_anchor(f, v, m) for (f, v), m in sorted(marked.items())]
    _bulk(conn, PlatformCellRow.__tablename__, (*KEYS, *SUMS, "note"),
          [(*k, *v, None) for k, v in sorted(cells.items())] + [tuple(r[c] for c in (*KEYS, *SUMS, "note"))
                                                                 for r in anchors])


def recount_miv(conn, framework_key: str) -> None:
    """The ``"m"`` items of a framework counted again with its catalogue's marks now (a catalogue
    write calls this in its transaction), and its anchor saying so."""
    fw_id, _, version = framework_key.partition("@")
    marked = marked_miv(conn, framework_key)
    if _anchored(conn, [(fw_id, version)]).get((fw_id, version)) == marked:
        return
    lock(conn, exclusive=True, key=LOCK)
    c = PlatformCellRow
    conn.execute(delete(c).where(c.framework_id == fw_id, c.framework_version == version, c.item == MIV))
    rows = []
    if marked:
        s = _scoped(None)
        p = PlatformUseRow
        named = exists(select(p.assessment_id).where(p.assessment_id == s.c.aid, p.entry_id.in_(marked)))
        counted = conn.execute(select(s.c.scope, func.count()).where(
            s.c.framework_id == fw_id, s.c.framework_version == version, named).group_by(s.c.scope))
        rows = [dict(zip(KEYS, (fw_id, version, scope, *PLACE, MIV))) | {"firms": n, "uses": 0, "note": None}
                for scope, n in counted]
    _upsert(conn, rows, add=False)
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
