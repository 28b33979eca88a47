"""Which digital platforms a firm uses: its declared inventory, and the province's adoption.

A firm lists, per catalogue category, the platforms and services it uses: entries of the published
catalogue (kept by id, with the name they had, so a retired entry still reads) or others by name;
for each, roughly since when, and which of its other tools it exchanges data with (the sales
system sends invoices to accounting). The inventory belongs to one assessment, whatever framework
its questions were answered with; nothing is required.

The department's view (:class:`Adoption`): shares of firms using each entry and category, by area,
commune, sector, size class or level; firms using nothing in a category; the level of users against
non-users of the same size class and sector (descriptive, groups under MIN_GROUP firms left out);
recommended against adopted; the Make in Vietnam share. The page reads it from the counts every
write keeps (:func:`read_adoption`, assessment.platform_cells); :func:`adoption` computes it from
every row (one per firm's latest assessment, one per declared tool), the reference those counts are
held to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assessment.framework import nfc

if TYPE_CHECKING:
    import pandas as pd

# no figure about a group of fewer firms is shown (k-anonymity of the department's view): groups by
# area, commune, sector, size class or level, and the strata of users against non-users. A count of
# firms using one platform across the province is not a group of firms and is shown as it is.
MIN_GROUP = 5
MAX_NAME = 120


@dataclass(frozen=True)
class PlatformUse:
    """One tool of the firm: a catalogue entry (``entry_id``) or another one (``entry_id`` None)."""

    category: str
    name: str
    entry_id: str | None = None
    since: int | None = None  # the year the firm started using it
    linked: tuple[int, ...] = ()  # positions (in the firm's list) of the tools it exchanges data with

    @property
    def key(self) -> str:
        """How a tool is told apart within one firm's list: its entry id, or its name."""
        return self.entry_id or f"other:{nfc(self.name).casefold()}"


@dataclass
class Inventory:
    """A firm's tools, in the order given."""

    uses: list[PlatformUse] = field(default_factory=list)

    def entries(self) -> set[str]:
        return {u.entry_id for u in self.uses if u.entry_id}

    def categories(self) -> set[str]:
        return {u.category for u in self.uses}

    def in_category(self, category: str) -> list[PlatformUse]:
        return [u for u in self.uses if u.category == category]

    def exchange(self, a: int, b: int) -> bool:
        """Whether tools ``a`` and ``b`` (positions) exchange data, said on either side."""
        return b in self.uses[a].linked or a in self.uses[b].linked

    def unlinked_pairs(self) -> list[tuple[int, int]]:
        """Pairs of tools of different categories that do not exchange data."""
        return [(a, b) for a in range(len(self.uses)) for b in range(a + 1, len(self.uses))
                if self.uses[a].category != self.uses[b].category and not self.exchange(a, b)]


def clean(uses: Iterable[PlatformUse], *, categories: Iterable[str], entries: dict[str, object] | None = None,
          this_year: int) -> list[PlatformUse]:
    """The tools as stored: known categories, names trimmed and NFC, one of each tool per firm,
    years within 1990..this year, links only to other tools of the list (re-numbered)."""
    known = set(categories)
    kept: list[PlatformUse] = []
    seen: dict[str, int] = {}
    old_to_new: dict[int, int] = {}
    for old, use in enumerate(uses):
        name = nfc(str(use.name or "")).strip()[:MAX_NAME]
        if use.category not in known or not name:
            continue
        if use.entry_id is not None and entries is not None and use.entry_id not in entries:
            continue
        candidate = PlatformUse(use.category, name, use.entry_id,
                                use.since if use.since is None or 1990 <= use.since <= this_year else None,
                                use.linked)
        if candidate.key in seen:
            old_to_new[old] = seen[candidate.key]
            continue
        seen[candidate.key] = len(kept)
        old_to_new[old] = len(kept)
        kept.append(candidate)
    return [PlatformUse(u.category, u.name, u.entry_id, u.since,
                        tuple(sorted({old_to_new[j] for j in u.linked if j in old_to_new and old_to_new[j] != i})))
            for i, u in enumerate(kept)]


def rows_of(uses: Sequence[PlatformUse]) -> list[dict]:
    """The stored rows of one assessment's tools (models.PlatformUseRow, without the assessment id)."""
    return [{"seq": i, "category": u.category, "entry_id": u.entry_id, "name": u.name, "since": u.since,
             "linked": ",".join(map(str, u.linked))} for i, u in enumerate(uses)]


def from_rows(rows) -> list[PlatformUse]:
    """Tools from stored rows (ordered by seq)."""
    return [PlatformUse(r.category, r.name, r.entry_id, r.since,
                        tuple(int(x) for x in (r.linked or "").split(",") if x.strip().isdigit())) for r in rows]


# --- the department's view: adoption over each firm's latest assessment ---------------------------

BY = {"area": "area", "commune": "locality", "sector": "section", "size": "size_class", "level": "level"}


def uses_frame(store, framework, submitted_ids=None) -> "pd.DataFrame":
    """The platform rows of every submitted assessment of a framework (claims and staged imports
    excluded, as frames.submitted_frame): assessment_id, category, entry_id (categorical columns;
    entry_id missing for a tool outside the catalogue). ``submitted_ids``: those assessments' ids
    when already read (frames.department_rows)."""
    from sqlalchemy import select

    from assessment.framework import Framework, get_framework
    from assessment.models import SUBMITTED, AssessmentRow

    fw = framework if isinstance(framework, Framework) else get_framework(framework)
    if submitted_ids is None:
        with store.engine.connect() as conn:
            submitted_ids = conn.execute(select(AssessmentRow.id).where(
                AssessmentRow.status == SUBMITTED, AssessmentRow.claim.is_(None), AssessmentRow.framework_id == fw.id,
                AssessmentRow.framework_version == fw.version)).scalars().all()
    return _uses_of(*_read_uses(store), submitted_ids)


def _read_uses(store) -> tuple:
    """Every declared tool as an (n, 3) integer array (assessment id, category code, entry code, -1
    for none) with the texts of the codes. One plain scan (of the index ix_platform_uses_tools),
    kept by the assessments' ids afterwards (a join costs three times as much on SQLite); the
    database turns the texts into small integers, so Python receives only integers and each
    distinct text once."""
    import numpy as np
    from sqlalchemy import case, select

    from assessment.frames import plain_rows
    from assessment.models import PlatformUseRow

    with store.engine.connect() as conn:
        # the distinct texts, from the indexes on category and entry_id
        categories = sorted(conn.execute(select(PlatformUseRow.category).distinct()).scalars().all())
        entries = sorted(e for e in conn.execute(select(PlatformUseRow.entry_id).distinct()).scalars().all() if e)
        code = (lambda column, values: case({v: k for k, v in enumerate(values)}, value=column, else_=-1)
                if values else -1)
        rows = plain_rows(conn, select(PlatformUseRow.assessment_id, code(PlatformUseRow.category, categories),
                                       code(PlatformUseRow.entry_id, entries)))
    return np.array(rows, dtype=np.int64).reshape(-1, 3), categories, entries


def _uses_of(table, categories: list, entries: list, ids) -> "pd.DataFrame":
    """The tools of these assessments (ids) from :func:`_read_uses`, as uses_frame returns them."""
    import numpy as np
    import pandas as pd

    part = table[np.isin(table[:, 0], np.asarray(ids, dtype=np.int64))]
    return pd.DataFrame({
        "assessment_id": part[:, 0],
        "category": pd.Categorical.from_codes(part[:, 1], categories=pd.Index(categories, dtype=object))
        if categories else pd.Categorical([None] * len(part)),
        "entry_id": pd.Categorical.from_codes(part[:, 2], categories=pd.Index(entries, dtype=object))
        if entries else pd.Categorical([None] * len(part)),
    })


def stored_names(store, entry_ids) -> dict:
    """The name firms knew each of these entries by, and the category they listed it under (for
    entries no longer in the published catalogue): {entry id: (name, category)}, the first of each
    in the order of the texts where firms wrote more than one."""
    from sqlalchemy import func, select

    from assessment.models import PlatformUseRow as p

    wanted = sorted(set(entry_ids))
    if not wanted:
        return {}
    found = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 5000):  # under every database's limit of bound parameters
            found.update((e, (n, c)) for e, n, c in conn.execute(
                select(p.entry_id, func.min(p.name), func.min(p.category))
                .where(p.entry_id.in_(wanted[start:start + 5000])).group_by(p.entry_id)))
    return found


def listed_columns(store, assessment_ids: Sequence[int], lang: str = "vi") -> "pd.DataFrame":
    """The platforms of these assessments as the import template writes them: one column per
    catalogue category (the template's header), the tools' names separated by "; ", indexed by
    assessment id (an assessment without a list has empty cells). A department export holding
    these columns imports back to the same platforms."""
    import pandas as pd
    from sqlalchemy import select

    from assessment.catalogue import CATEGORIES
    from assessment.importer import platform_header
    from assessment.models import PlatformUseRow

    ids = list(dict.fromkeys(int(a) for a in assessment_ids))
    names: dict[tuple[int, str], list[str]] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 5000):  # under every database's limit of bound parameters
            chunk = ids[start:start + 5000]
            rows = conn.execute(select(PlatformUseRow.assessment_id, PlatformUseRow.category, PlatformUseRow.name)
                                .where(PlatformUseRow.assessment_id.in_(chunk))
                                .order_by(PlatformUseRow.assessment_id, PlatformUseRow.seq))
            for aid, category, name in rows:
                names.setdefault((aid, category), []).append(name)
    return pd.DataFrame({platform_header(c, lang): ["; ".join(names.get((a, c), ())) for a in ids]
                         for c in CATEGORIES}, index=pd.Index(ids, name="assessment_id"))


def read_adoption(store, fw, entries: Sequence, *, by: str = "area", lang: str = "vi",
                  year: int | None = None) -> Adoption:
    """:func:`adoption` of each firm's latest assessment (of ``year``: its latest of that year),
    from the counts every write keeps (assessment.platform_cells): some thousands of rows, whatever
    the number of firms. ``entries``: the published catalogue (names, what the index rewards, Make
    in Vietnam: counted here when the catalogue marks other entries than the counts were made with).
    :func:`frame_adoption` is the same from every row, the reference the tests hold this to."""
    from assessment import platform_cells

    scope = 0 if year is None else int(year)
    marked = sorted(e.id for e in entries if e.make_in_vietnam == "yes")
    with store.engine.connect() as conn:
        rows, counted = platform_cells.read(conn, fw, scope)
        miv_firms = None if counted == marked else platform_cells.count_miv(conn, fw, scope, marked)
    known = {e.id for e in entries}
    retired = [item[2:] for *_, item, _, _ in rows if item.startswith(("e:", "r:")) and item[2:] not in known]
    return cell_adoption(fw, rows, entries, by=by, lang=lang, names=stored_names(store, retired), miv_firms=miv_firms)


def cell_adoption(fw, rows: Sequence[tuple], entries: Sequence, *, by: str = "area", lang: str = "vi",
                  names: dict | None = None, miv_firms: int | None = None) -> Adoption:
    """:func:`adoption` from platform_cells.read's rows (locality, sector, sector_version,
    size_class, level, item, firms, uses). ``miv_firms``: the firms using a Make in Vietnam entry
    when counted apart (None: the rows' ``"m"`` item)."""
    import numpy as np
    import pandas as pd

    from assessment.catalogue import CATEGORIES
    from assessment.frames import add_places

    cats = list(CATEGORIES)
    by_id = {e.id: e for e in entries}
    names = names or {}
    frame = pd.DataFrame(list(rows), columns=["locality", "sector", "sector_version", "size_class", "level", "item",
                                              "firms", "uses"])
    place = frame["level"] >= 0
    cells = frame[place]
    province = frame[~place]
    n = int(cells.loc[cells["item"] == "", "firms"].sum())
    declared = int(cells.loc[cells["item"] == "*", "firms"].sum())
    base = max(declared, 1)

    def items(prefix: str) -> pd.DataFrame:
        part = province[province["item"].str.startswith(prefix)]
        return part.assign(entry_id=part["item"].str[len(prefix):]).groupby("entry_id", sort=True)[["firms", "uses"]].sum()

    def name_of(e: str) -> str:
        return by_id[e].display_name(lang) if e in by_id else names.get(e, (e, ""))[0]

    # per entry: firms using it
    used = items("e:")
    used = used[used["firms"] > 0]
    per_entry = pd.DataFrame({"entry_id": used.index.tolist(), "firms": used["firms"].to_numpy(dtype=np.int64)})
    per_entry["name"] = [name_of(e) for e in per_entry["entry_id"]]
    per_entry["category"] = [by_id[e].category if e in by_id else names.get(e, ("", ""))[1]
                             for e in per_entry["entry_id"]]
    per_entry["make_in_vietnam"] = [by_id[e].make_in_vietnam if e in by_id else "unknown" for e in per_entry["entry_id"]]
    per_entry["share"] = (100.0 * per_entry["firms"] / base).round(1)
    per_entry = per_entry[["entry_id", "firms", "name", "category", "make_in_vietnam", "share"]]
    per_entry = per_entry.sort_values(["firms", "entry_id"], ascending=[False, True]).reset_index(drop=True)
    # per category, and the cells as one row each with a column per category
    keys = ["locality", "sector", "sector_version", "size_class", "level"]
    wide = cells.pivot_table(index=keys, columns="item", values="firms", aggfunc="sum", fill_value=0)
    for column in ["", "*", *(f"c:{c}" for c in cats)]:
        if column not in wide.columns:
            wide[column] = 0
    wide = wide.reset_index()
    has = wide[[f"c:{c}" for c in cats]].to_numpy(dtype=np.int64)
    listed = wide["*"].to_numpy(dtype=np.int64)
    by_category = pd.DataFrame({"category": cats, "firms": has.sum(axis=0).astype(np.int64)})
    by_category["share"] = (100.0 * by_category["firms"] / base).round(1)
    by_category["none_share"] = (100.0 - by_category["share"]).round(1)
    by_category["rewarded"] = [any(e.category == c and e.improves for e in entries) for c in cats]
    # by group: each group's declaring firms and its users per category
    wide = add_places(wide)
    group = wide[BY[by]]
    keep = group.notna().to_numpy()
    sums = pd.DataFrame(np.column_stack([listed, has])[keep], columns=["size", *cats]).groupby(
        group[keep].tolist(), sort=True).sum()
    big = sums[sums["size"] >= MIN_GROUP]
    by_group = pd.DataFrame({
        "group": np.repeat(big.index.to_numpy(dtype=object), len(cats)),
        "category": cats * len(big),
        "firms": big[cats].to_numpy(dtype=np.int64).reshape(-1),
        "firms_in_group": np.repeat(big["size"].to_numpy(dtype=np.int64), len(cats)),
    })
    by_group["share"] = (100.0 * by_group["firms"] / by_group["firms_in_group"]).round(1)
    by_group = by_group.sort_values(["group", "category"], kind="stable").reset_index(drop=True)
    # users against others of the same size class and sector (VSIC 2025 section)
    inside = (wide["size_class"].notna() & wide["section"].notna()).to_numpy()
    strata = pd.Series(list(zip(wide["size_class"], wide["section"])))[inside].tolist()
    level = wide["level"].to_numpy(dtype=np.int64)[inside]
    out = []
    if strata:
        code, _ = pd.factorize(pd.Series(strata, dtype=object))
        m = int(code.max()) + 1
        n_all = np.bincount(code, weights=listed[inside], minlength=m)
        level_all = np.bincount(code, weights=listed[inside] * level, minlength=m)
        for k, c in enumerate(cats):
            n_u = np.bincount(code, weights=has[inside, k], minlength=m)
            level_u = np.bincount(code, weights=has[inside, k] * level, minlength=m)
            n_o, level_o = n_all - n_u, level_all - level_u
            ok = (n_u >= MIN_GROUP) & (n_o >= MIN_GROUP)
            if not ok.any():
                continue
            lu = float(np.average(level_u[ok] / n_u[ok], weights=n_u[ok]))
            lo = float(np.average(level_o[ok] / n_o[ok], weights=n_u[ok]))
            out.append({"category": c, "users": int(n_u[ok].sum()), "others": int(n_o[ok].sum()),
                        "strata": int(ok.sum()), "level_users": round(lu, 2), "level_others": round(lo, 2),
                        "difference": round(lu - lo, 2)})
    users_vs_others = pd.DataFrame(out, columns=["category", "users", "others", "strata", "level_users",
                                                 "level_others", "difference"])
    # recommended then, used now
    then = items("r:")
    then = then[then["firms"] >= MIN_GROUP]
    recommended = pd.DataFrame({"entry_id": then.index.tolist(), "name": [name_of(e) for e in then.index],
                                "recommended": then["firms"].to_numpy(dtype=np.int64),
                                "adopted_after": then["uses"].to_numpy(dtype=np.int64)})
    recommended["rate"] = (100.0 * recommended["adopted_after"] / recommended["recommended"].clip(lower=1)).round(1)
    recommended = recommended.sort_values(["recommended", "entry_id"], ascending=[False, True]).reset_index(drop=True)
    # Make in Vietnam, where the department marked it
    miv = {e.id for e in entries if e.make_in_vietnam == "yes"}
    if miv_firms is None:
        miv_firms = int(province.loc[province["item"] == "m", "firms"].sum())
    all_uses = int(used["uses"].sum())
    miv_uses = int(used.loc[used.index.isin(miv), "uses"].sum())
    make_in_vietnam = {"marked": len(miv), "firms": int(miv_firms),
                       "share_of_declared": round(100.0 * miv_firms / base, 1),
                       "share_of_uses": round(100.0 * miv_uses / all_uses, 1) if all_uses else 0.0}
    return Adoption(n, declared, per_entry, by_category, by_group, users_vs_others, recommended, make_in_vietnam)


def frame_adoption(store, fw, entries: Sequence, *, by: str = "area", lang: str = "vi",
                   filters=None, rows=None, uses=None) -> Adoption:
    """:func:`adoption` over every stored row: each firm's latest assessment (within ``filters``),
    and for recommended-against-adopted the assessment before it with what its results page
    recommended (recorded at submit; None, not recorded, counts nothing). ``rows``
    (frames.department_rows) and ``uses`` (:func:`uses_frame`) may be given when already read.
    The reference :func:`read_adoption` is held to (and the path the page took before the counts
    were kept: 16.6 s and 1.26 GB at 1,000,000 firms, bench/README.md)."""
    from assessment import frames

    rows = rows if rows is not None else frames.department_rows(store, fw)
    uses = uses if uses is not None else uses_frame(store, fw, rows["assessment_id"])
    now = frames.latest(rows, filters)
    latest_at = now.set_index("firm_id")["submitted_at"]
    latest_id = now.set_index("firm_id")["assessment_id"]
    before = rows[rows["firm_id"].isin(now["firm_id"]) & ~rows["assessment_id"].isin(now["assessment_id"])]
    before = before[before["submitted_at"].to_numpy() <= before["firm_id"].map(latest_at).to_numpy()]
    previous = before.sort_values(["firm_id", "submitted_at", "assessment_id"], kind="stable").drop_duplicates(
        "firm_id", keep="last")
    previous = previous.assign(latest_id=previous["firm_id"].map(latest_id)).reset_index(drop=True)
    if len(previous):
        previous = previous.assign(recommended=[r or "" for r in frames.recommended_of(store, previous["assessment_id"])])
    known = {e.id for e in entries}
    names = stored_names(store, [e for e in uses["entry_id"].dropna().unique().tolist() if e not in known])
    return adoption(fw, now, uses, entries, by=by, previous=previous, lang=lang, names=names)


def record_recommended(conn) -> int:
    """What the results page recommends, recorded on every own submitted assessment that has none
    (stored before recommendations were recorded at submit, migration 0010), ranked with its
    framework's published catalogue now (nothing for a framework without one); how many."""
    import pandas as pd
    from sqlalchemy import bindparam, select, update

    from assessment.catalogue import Entry
    from assessment.frames import int_matrix
    from assessment.framework import FrameworkError, get_framework
    from assessment.models import SUBMITTED, AssessmentRow, CatalogueEntryRow, PlatformUseRow, ScoreRow

    a, p = AssessmentRow, PlatformUseRow
    missing = [a.status == SUBMITTED, a.claim.is_(None), a.recommended.is_(None)]
    done = 0
    for fw_id, version in conn.execute(select(a.framework_id, a.framework_version).where(*missing).distinct()).all():
        try:
            fw = get_framework(f"{fw_id}@{version}")
        except FrameworkError:
            continue
        c = CatalogueEntryRow
        entries = [Entry.model_validate(d) for d in conn.execute(
            select(c.data).where(c.framework == fw.key, c.status == "published").order_by(c.id)).scalars()]
        if not entries:
            continue
        ids = conn.execute(select(a.id).where(*missing, a.framework_id == fw_id, a.framework_version == version)
                           .order_by(a.id)).scalars().all()
        for start in range(0, len(ids), 5000):  # under every database's limit of bound parameters
            chunk = ids[start:start + 5000]
            then = pd.DataFrame(conn.execute(select(a.id, a.size_class, a.sector).where(a.id.in_(chunk))
                                             .order_by(a.id)).all(), columns=["assessment_id", "size_class", "sector"])
            points_of = dict(conn.execute(select(ScoreRow.assessment_id, ScoreRow.criterion_points)
                                          .where(ScoreRow.assessment_id.in_(chunk))).all())
            then = then[then["assessment_id"].isin(list(points_of))].reset_index(drop=True)
            points = int_matrix(pd.Series([points_of[i] for i in then["assessment_id"]], dtype=object))
            tools = pd.DataFrame(conn.execute(select(p.assessment_id, p.category, p.entry_id)
                                              .where(p.assessment_id.in_(chunk))).all(),
                                 columns=["assessment_id", "category", "entry_id"])
            ranked = _recommended_again(fw, entries, then, points, tools) if len(then) else []
            if ranked:
                conn.execute(update(a).where(a.id == bindparam("b_id")).values(recommended=bindparam("b_rec")),
                             [{"b_id": int(i), "b_rec": r} for i, r in zip(then["assessment_id"], ranked)])
            done += len(ranked)
    return done


def _recommended_again(fw, entries: Sequence, then: "pd.DataFrame", points, uses: "pd.DataFrame") -> list[str]:
    """What the results page would recommend these assessments from this catalogue, with the
    platforms each listed (for assessments submitted before it was recorded)."""
    from assessment.recommend import Declared, shown

    # the tools of those assessments as columns, each with its assessment's position in ``then``
    hit, position = _positions(then["assessment_id"], uses["assessment_id"])
    listed = uses[hit]
    declared = Declared(position[hit], [e if isinstance(e, str) else None for e in listed["entry_id"].tolist()],
                        listed["category"].tolist())
    return shown(fw, entries, points, size_classes=then["size_class"].tolist(), sectors=then["sector"].tolist(),
                 inventories=declared)


def _positions(table_ids, wanted) -> tuple:
    """Where each of ``wanted`` stands in ``table_ids`` (unique ids): (found mask, position; the
    position is 0 where not found, so read it through the mask)."""
    import numpy as np

    ids = np.asarray(table_ids, dtype=np.int64)
    want = np.asarray(wanted, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros(len(want), dtype=bool), np.zeros(len(want), dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids[order], want), len(ids) - 1)
    return ids[order][at] == want, order[at]


def _codes(values: "pd.Series", fixed: list[str] | None = None) -> tuple:
    """A column of texts as integer codes (-1 where missing) and the texts they stand for: its
    own distinct values, or ``fixed`` (values outside it get -1). Categorical columns are used as
    they are (uses_frame's), others are factorised once."""
    import numpy as np
    import pandas as pd

    s = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype(object).astype("category")
    codes = s.cat.codes.to_numpy(dtype=np.int64)
    names = [str(c) for c in s.cat.categories]
    if fixed is None:
        return codes, names
    # the appended -1 is where a missing value's code (-1) lands
    remap = np.array([fixed.index(x) if x in fixed else -1 for x in names] + [-1], dtype=np.int64)
    return remap[codes], list(fixed)


@dataclass
class Adoption:
    """What firms use, over each firm's latest assessment (firms: those that declared at least one
    platform; ``n_firms``: all firms, ``n_declared``: those that declared)."""

    n_firms: int
    n_declared: int
    by_entry: "pd.DataFrame"  # entry_id, name, category, make_in_vietnam, firms, share
    by_category: "pd.DataFrame"  # category, firms, share, none_share, rewarded
    by_group: "pd.DataFrame"  # group, category, firms_in_group, firms, share (groups of MIN_GROUP or more)
    users_vs_others: "pd.DataFrame"  # category, users, others, strata, level_users, level_others, difference
    recommended: "pd.DataFrame"  # entry_id, name, recommended, adopted_after, rate
    make_in_vietnam: dict  # firms_using_miv, share_of_declared, share_of_uses


def adoption(fw, latest: "pd.DataFrame", uses: "pd.DataFrame", entries: Sequence, *, by: str = "area",
             previous: "pd.DataFrame | None" = None, lang: str = "vi", names: dict | None = None) -> Adoption:
    """Adoption figures (numpy over integer codes: one row per firm, one per tool).

    ``latest``: each firm's latest assessment (frames.department_rows after frames.latest, with
    area, section, size_class, level); ``uses``: the platform rows (:func:`uses_frame`);
    ``entries``: the catalogue (names, Make in Vietnam; ``names``: the stored names of entries no
    longer published). ``previous`` (the firms' assessment before their latest, with ``latest_id``
    and ``recommended``, the entry ids its results page recommended) gives recommended-against-
    adopted: which entries the tool recommended then, and which the firm uses now.
    """
    import numpy as np
    import pandas as pd

    from assessment.catalogue import CATEGORIES

    n = len(latest)
    cats = list(CATEGORIES)
    by_id = {e.id: e for e in entries}
    names = names or {}
    # plain arrays: each tool's row in ``latest`` (or none: not a latest assessment), category and entry codes
    found, position = _positions(latest["assessment_id"], uses["assessment_id"])
    use = uses[found]
    row = position[found]
    cat, _ = _codes(use["category"], cats)
    ent, ent_ids = _codes(use["entry_id"])
    has = np.zeros((n, len(cats)), dtype=bool)  # firm x category: uses something in it
    has[row[cat >= 0], cat[cat >= 0]] = True
    listed = np.zeros(n, dtype=bool)
    listed[row] = True
    declared = int(listed.sum())
    base = max(declared, 1)
    # per entry: firms using it (a firm listing an entry twice counts once)
    uses_entry = np.zeros((n, len(ent_ids)), dtype=bool)  # firm x entry
    uses_entry[row[ent >= 0], ent[ent >= 0]] = True
    firms_of = uses_entry.sum(axis=0)
    per_entry = pd.DataFrame({"entry_id": ent_ids, "firms": firms_of.astype(np.int64)})
    # a retired entry (no longer published) keeps the name firms knew it by, and its category
    per_entry["name"] = [by_id[e].display_name(lang) if e in by_id else names.get(e, (e, ""))[0] for e in ent_ids]
    per_entry["category"] = [by_id[e].category if e in by_id else names.get(e, ("", ""))[1] for e in ent_ids]
    per_entry["make_in_vietnam"] = [by_id[e].make_in_vietnam if e in by_id else "unknown" for e in ent_ids]
    per_entry["share"] = (100.0 * per_entry["firms"] / base).round(1)
    per_entry = per_entry[per_entry["firms"] > 0]
    per_entry = per_entry.sort_values(["firms", "entry_id"], ascending=[False, True]).reset_index(drop=True)
    # per category: firms using anything in it, and those using nothing (among those that declared)
    by_category = pd.DataFrame({"category": cats, "firms": has.sum(axis=0).astype(np.int64)})
    by_category["share"] = (100.0 * by_category["firms"] / base).round(1)
    by_category["none_share"] = (100.0 - by_category["share"]).round(1)
    # the categories the index rewards: those with a catalogue entry that lifts one of its criteria
    by_category["rewarded"] = [any(e.category == c and e.improves for e in entries) for c in cats]
    # by group (area, sector, size class or level): the share of each group's declaring firms per category
    group, groups = pd.factorize(latest[BY[by]].to_numpy(dtype=object), use_na_sentinel=True)
    mine = listed & (group >= 0)
    sizes = np.bincount(group[mine], minlength=len(groups))
    counts = np.stack([np.bincount(group[mine], weights=has[mine, k], minlength=len(groups))
                       for k in range(len(cats))], axis=1).astype(np.int64) if len(groups) else np.zeros((0, len(cats)))
    # every category of every group of MIN_GROUP firms or more (0 % shown as such); nothing of a smaller group
    g_at, c_at = np.nonzero(np.broadcast_to(sizes[:, None] >= MIN_GROUP, counts.shape))
    by_group = pd.DataFrame({"group": [groups[g] for g in g_at], "category": [cats[c] for c in c_at],
                             "firms": counts[g_at, c_at].astype(np.int64), "firms_in_group": sizes[g_at].astype(np.int64)})
    by_group["share"] = (100.0 * by_group["firms"] / by_group["firms_in_group"]).round(1)
    if len(by_group):
        by_group = by_group.sort_values(["group", "category"], kind="stable").reset_index(drop=True)
    # users against others of the same size class and sector: levels, descriptive only
    size, _ = pd.factorize(latest["size_class"].to_numpy(dtype=object), use_na_sentinel=True)
    section, sections = pd.factorize(latest["section"].to_numpy(dtype=object), use_na_sentinel=True)
    stratum = np.where((size >= 0) & (section >= 0), size * max(len(sections), 1) + section, -1)
    inside = listed & (stratum >= 0)
    strata, level = stratum[inside], latest["level"].to_numpy(dtype=np.float64)[inside]
    m = int(strata.max()) + 1 if len(strata) else 0
    out = []
    for k, c in enumerate(cats):
        user = has[inside, k]
        n_u = np.bincount(strata[user], minlength=m)
        n_o = np.bincount(strata[~user], minlength=m)
        ok = (n_u >= MIN_GROUP) & (n_o >= MIN_GROUP)
        if not ok.any():
            continue
        mean_u = np.bincount(strata[user], weights=level[user], minlength=m)[ok] / n_u[ok]
        mean_o = np.bincount(strata[~user], weights=level[~user], minlength=m)[ok] / n_o[ok]
        lu = float(np.average(mean_u, weights=n_u[ok]))
        lo = float(np.average(mean_o, weights=n_u[ok]))
        out.append({"category": c, "users": int(n_u[ok].sum()), "others": int(n_o[ok].sum()), "strata": int(ok.sum()),
                    "level_users": round(lu, 2), "level_others": round(lo, 2), "difference": round(lu - lo, 2)})
    users_vs_others = pd.DataFrame(out, columns=["category", "users", "others", "strata", "level_users",
                                                 "level_others", "difference"])
    # recommended then (recorded with the earlier assessment), adopted now
    recommended = pd.DataFrame(columns=["entry_id", "name", "recommended", "adopted_after", "rate"])
    if previous is not None and len(previous) and "recommended" in previous.columns:
        # each earlier assessment's firm as its row in ``latest``: what it uses now is uses_entry[row]
        _, p_row = _positions(latest["assessment_id"], previous["latest_id"])
        # every (firm, entry recommended then) as two arrays: the firm's row now, the entry's code
        lists = previous["recommended"].tolist()
        counts = [x.count(",") + 1 if x else 0 for x in lists]
        flat = ",".join(x for x in lists if x).split(",") if sum(counts) else []
        rec_code, rec_ids = pd.factorize(np.array(flat, dtype=object)) if flat else (np.zeros(0, np.int64), [])
        rec_ids = [str(e) for e in rec_ids]
        firm_row = np.repeat(p_row, counts)
        ent_at = {e: k for k, e in enumerate(ent_ids)}
        now_code = np.array([ent_at.get(e, -1) for e in rec_ids], dtype=np.int64)[rec_code]
        adopted = (now_code >= 0) & uses_entry[firm_row, np.maximum(now_code, 0)] if len(ent_ids) else now_code >= 0
        n_rec = np.bincount(rec_code, minlength=len(rec_ids))
        n_took = np.bincount(rec_code, weights=adopted, minlength=len(rec_ids)).astype(np.int64)
        rec_n = dict(zip(rec_ids, n_rec.tolist()))
        took = dict(zip(rec_ids, n_took.tolist()))
        recommended = pd.DataFrame([{"entry_id": e,
                                     "name": by_id[e].display_name(lang) if e in by_id else names.get(e, (e, ""))[0],
                                     "recommended": k, "adopted_after": took[e],
                                     "rate": round(100.0 * took[e] / k, 1)} for e, k in rec_n.items() if k >= MIN_GROUP],
                                   columns=["entry_id", "name", "recommended", "adopted_after", "rate"])
        recommended = recommended.sort_values(["recommended", "entry_id"], ascending=[False, True]).reset_index(drop=True)
    # Make in Vietnam, where the department marked it
    miv = {e.id for e in entries if e.make_in_vietnam == "yes"}
    is_miv = np.array([e in miv for e in ent_ids], dtype=bool)
    known = ent >= 0
    miv_rows = np.zeros(len(ent), dtype=bool)
    miv_rows[known] = is_miv[ent[known]] if len(ent_ids) else False
    miv_firms = int(uses_entry[:, is_miv].any(axis=1).sum()) if len(ent_ids) else 0
    make_in_vietnam = {"marked": len(miv), "firms": int(miv_firms), "share_of_declared": round(100.0 * miv_firms / base, 1),
                       "share_of_uses": round(100.0 * float(miv_rows[known].mean()), 1) if known.any() else 0.0}
    return Adoption(n, int(declared), per_entry, by_category, by_group, users_vs_others, recommended, make_in_vietnam)


@dataclass
class EntryUsage:
    """Per catalogue entry, the firms using it now (each firm's latest assessment) and per year
    (each firm's latest assessment of that year), for the catalogue page."""

    now: dict  # entry id -> firms
    years: list  # the assessment years, oldest first
    per_year: dict  # entry id -> firms per year (aligned with ``years``)


def read_entry_usage(store, fw) -> EntryUsage:
    """:func:`entry_usage` from the counts every write keeps (assessment.platform_cells): a few
    hundred rows, whatever the number of firms."""
    from assessment import platform_cells

    with store.engine.connect() as conn:
        scopes, counted = platform_cells.entry_firms(conn, fw)
    years = [s for s in scopes if s > 0]
    at = {y: k for k, y in enumerate(years)}
    now: dict[str, int] = {}
    per_year: dict[str, list[int]] = {}
    for scope, entry_id, n in counted:
        if scope == 0:
            now[entry_id] = n
        else:
            per_year.setdefault(entry_id, [0] * len(years))[at[scope]] = n
    return EntryUsage(now, years, per_year)


def entry_usage(frame: "pd.DataFrame", uses: "pd.DataFrame") -> EntryUsage:
    """``frame``: every submitted assessment (frames.submitted_frame); ``uses``: their tools
    (:func:`uses_frame`). The same counts in pandas: the reference :func:`read_entry_usage` (what
    the catalogue page reads) is tested against."""
    from assessment import frames

    named = uses.dropna(subset=["entry_id"]).drop_duplicates(["assessment_id", "entry_id"])
    now_ids = frames.latest(frame)["assessment_id"]
    now = named[named["assessment_id"].isin(now_ids)].groupby("entry_id").size().astype(int).to_dict()
    years = sorted(int(y) for y in frame["submitted_at"].dt.year.unique()) if len(frame) else []
    per_year: dict[str, list[int]] = {}
    for k, year in enumerate(years):
        ids = frames.latest(frame, frames.Filters(year=year))["assessment_id"]
        counts = named[named["assessment_id"].isin(ids)].groupby("entry_id").size()
        for entry_id, n in counts.items():
            per_year.setdefault(entry_id, [0] * len(years))[k] = int(n)
    return EntryUsage(now, years, per_year)


# --- criteria answered from the platforms list (framework criteria of type "platforms") ------------

def rule_holds(rule, inventory: Inventory) -> bool:
    """Whether a framework PlatformRule holds for these tools."""
    have = inventory.categories()
    if any(c not in have for c in rule.has):
        return False
    if rule.any_of and not have & set(rule.any_of):
        return False
    if len(inventory.uses) < rule.min_tools:
        return False
    uses = inventory.uses
    for a, b in rule.exchange:
        if not any(uses[i].category == a and uses[j].category == b and inventory.exchange(i, j)
                   for i in range(len(uses)) for j in range(len(uses)) if i != j):
            return False
    return True


def answers_from_platforms(fw, uses: Sequence[PlatformUse]) -> dict:
    """The answers of the framework's ``platforms`` criteria: for each, the highest answer whose
    rule holds (the first one, nothing listed, always does). Empty for a framework without such
    criteria.

    Examples
    --------
    >>> from assessment.framework import get_framework
    >>> answers_from_platforms(get_framework(), [PlatformUse("sales", "KiotViet", "kiotviet")])
    {}
    """
    from assessment.answers import Answer

    inv = Inventory(list(uses))
    return {c.id: Answer(max(k for k, rule in enumerate(c.rules) if k == 0 or rule_holds(rule, inv)))
            for c in fw.criteria if c.from_platforms}
