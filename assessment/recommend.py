"""Ranked platform recommendations for one firm, each explaining itself.

An entry is a candidate when it is published, fits the firm's size class and sector, suits its
maturity level, and would still lift at least one of the firm's criteria (an entry whose every
lift the firm's answers already reach is something it uses already, or an equivalent). Candidates
rank by the roadmap points they cover (how far they move the firm towards its next level), then by
all the points they could add, then by id, so the order is deterministic; at most ``per_category``
entries of one category are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.catalogue import CATEGORIES, PRICE_BANDS, Entry
from assessment.framework import Framework
from assessment.i18n import translate
from assessment.inventory import Inventory
from assessment.roadmap import INF, GapModel, GapState, Roadmap, exact_roadmap, nested_rules, points_needed
from assessment.scoring import overall_levels_of, pillar_levels_of, score_points


@dataclass(frozen=True)
class Lifted:
    criterion_id: str
    from_points: int
    to_points: int
    on_roadmap: bool

    @property
    def gain(self) -> int:
        return self.to_points - self.from_points


@dataclass(frozen=True)
class Recommendation:
    entry: Entry
    lifts: tuple[Lifted, ...]
    roadmap_points: int  # how many fewer points the cheapest path to the next level needs with it
    potential_points: int  # all points its lifts could add
    level_after: int  # the firm's level if every lift were made

    def reasons(self, fw: Framework, lang: str, level_now: int) -> list[str]:
        """Why this entry, in the firm's language."""
        lines = []
        for lift in self.lifts:
            crit = fw.criterion_by_id[lift.criterion_id]
            lines.append(
                translate("rec.lifts", lang, id=crit.id, title=crit.title(lang), before=lift.from_points,
                          after=lift.to_points, max=crit.max_points)
            )
        if self.roadmap_points:
            lines.append(translate("rec.roadmap", lang, points=self.roadmap_points))
        if self.level_after > level_now:
            lines.append(
                translate("rec.level", lang, points=self.potential_points, level=self.level_after,
                          name=fw.level_name(self.level_after, lang))
            )
        else:
            lines.append(translate("rec.points", lang, points=self.potential_points))
        if self.entry.support_eligible == "yes":
            note = self.entry.support_note(lang) if self.entry.support_note else translate("rec.support", lang)
            lines.append(note)
        return lines


@dataclass(frozen=True)
class Ranking:
    """Recommendations for many firms, as arrays (entries in ``entries`` order)."""

    entries: tuple[Entry, ...]
    chosen: np.ndarray  # (n, top) entry positions, best first; -1 where fewer fit
    progress: np.ndarray  # (n_entries, n) points the entry takes off the path to the next level
    potential: np.ndarray  # (n_entries, n) points its lifts could add (0: not a candidate)
    level_after: np.ndarray  # (n_entries, n)

    def for_firm(self, fw: Framework, i: int, criterion_points: dict[str, int],
                 road: Roadmap | None = None) -> list[Recommendation]:
        """Firm ``i``'s recommendations; ``road`` (its roadmap) marks the lifts that are steps of it."""
        on_road = {s.criterion_id for s in road.steps} if road is not None else set()
        out = []
        for e_pos in self.chosen[i]:
            if e_pos < 0:
                break
            entry = self.entries[e_pos]
            lifts = tuple(
                Lifted(lift.criterion, criterion_points[lift.criterion], lift.to, lift.criterion in on_road)
                for lift in entry.improves if criterion_points[lift.criterion] < lift.to
            )
            out.append(Recommendation(entry, lifts, int(self.progress[e_pos, i]), int(self.potential[e_pos, i]),
                                      int(self.level_after[e_pos, i])))
        return out


def shown(fw: Framework, entries: Sequence[Entry], points: np.ndarray, *, size_classes: Sequence[str | None],
          sectors: Sequence[str | None], inventories: Sequence[Inventory | None] | Declared | None) -> list[str]:
    """What the results page recommends to each firm (its first five, ranked as firm_view.gather
    does without the page's filters), as stored with a submitted assessment: entry ids, best
    first, joined by ","; "" when nothing fits or nothing is published."""
    if not entries or len(points) == 0:
        return [""] * len(points)
    ranking = rank_many(fw, entries, points, size_classes=size_classes, sectors=sectors, top=5,
                        inventories=inventories)
    ids = [e.id for e in ranking.entries]
    return [",".join(ids[k] for k in row if k >= 0) for row in ranking.chosen.tolist()]


@dataclass(frozen=True)
class Declared:
    """Many firms' declared platforms as three parallel columns (one item per tool): the firm's
    position in the ranking, the catalogue entry id (None for another tool) and the category;
    what rank_many needs of inventories, without an object per tool."""

    firm: Sequence[int]
    entry_id: Sequence[str | None]
    category: Sequence[str]


def rank_many(
    fw: Framework,
    entries: Iterable[Entry],
    points: np.ndarray,
    *,
    size_classes: Sequence[str | None] | None = None,
    sectors: Sequence[str | None] | None = None,
    top: int = 5,
    per_category: int = 2,
    categories: Iterable[str] | None = None,
    price_bands: Iterable[str] | None = None,
    model: GapModel | None = None,
    inventories: Sequence[Inventory | None] | Declared | None = None,
) -> Ranking:
    """Rank the catalogue for many firms at once (``points``: (n, n_criteria) criterion points).

    Vectorised over firms: per entry, the firms it fits and would lift, their answers after the
    lifts, the new level and the new points needed for the next level (only the pillars the entry
    touches are recomputed); then a stable ranking per firm with the per-category cap.

    ``inventories`` (each firm's declared platforms, assessment.inventory, or all of them as one
    :class:`Declared`): an entry the firm uses
    is never recommended; an entry of a category the firm already covers comes after the others,
    unless the criteria it lifts are still weak for that firm (at most 40 % of their points).
    """
    model = model or GapModel(fw)
    wanted_cats = set(categories) if categories else None
    wanted_prices = set(price_bands) if price_bands else None
    entries = tuple(sorted(
        (e for e in entries
         if (wanted_cats is None or e.category in wanted_cats) and (wanted_prices is None or e.price_band in wanted_prices)),
        key=lambda e: e.id,
    ))
    pts = np.ascontiguousarray(np.asarray(points, dtype=np.int16).T)  # (c, n)
    n = pts.shape[1]
    # sizes and sectors as small integer codes (0: not given, which fits every entry)
    size_names = sorted({x for x in (size_classes or []) if x})
    sector_names = sorted({x for x in (sectors or []) if x})
    size_code = np.array([size_names.index(x) + 1 if x else 0 for x in size_classes], dtype=np.int64) \
        if size_classes is not None else np.zeros(n, dtype=np.int64)
    sector_code = np.array([sector_names.index(x) + 1 if x else 0 for x in sectors], dtype=np.int64) \
        if sectors is not None else np.zeros(n, dtype=np.int64)
    base = score_points(fw, pts.T)
    level = base.level.astype(np.int64)
    base_pillars = np.ascontiguousarray(base.pillar_points.T).astype(np.int32)
    targets = level + 1
    need_before = points_needed(fw, pts.T, targets, model=model)
    nested = nested_rules(fw)
    # per-pillar figures of every firm at its target level, updated per entry where it changes them
    groups: dict[int, tuple[np.ndarray, GapState]] = {}
    for lv in range(1, fw.max_level + 1):
        rows = np.flatnonzero(targets == lv)
        if rows.size and nested:
            groups[lv] = (rows, model.state(pts[:, rows], lv))

    n_e = len(entries)
    progress = np.zeros((n_e, n), dtype=np.int64)
    potential = np.zeros((n_e, n), dtype=np.int64)
    level_after = np.zeros((n_e, n), dtype=np.int64)
    col = {cid: j for j, cid in enumerate(fw.criterion_ids)}
    def effect(cols: np.ndarray, tos: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(roadmap progress, level after) of raising criteria ``cols`` to ``tos`` for firms ``rows``."""
        need_after = np.full(n, INF, dtype=np.int64)
        if nested:
            wanted = np.zeros(n, dtype=bool)
            wanted[rows] = True
            for lv, (lv_rows, st) in groups.items():
                sel = np.flatnonzero(wanted[lv_rows])
                if sel.size == 0:
                    continue
                after = model.changed(st, sel, pts[:, lv_rows], cols, tos, lv)
                need, unsure = model.needed(after, lv)
                for s in np.flatnonzero(unsure):  # rare: solve exactly
                    firm = pts[:, lv_rows[sel[s]]].copy()
                    firm[cols] = np.maximum(firm[cols], tos)
                    road = exact_roadmap(fw, dict(zip(fw.criterion_ids, map(int, firm))), lv)
                    need[s] = road.points_to_gain if road.reachable else INF
                need_after[lv_rows[sel]] = need
        pp = base_pillars[:, rows].copy()  # pillar points after the lifts
        for j, to in zip(cols, tos):
            now = pts[j, rows]
            pp[model.pillar_of_col[j]] += np.maximum(now, to) - now
        lv_after = overall_levels_of(fw, pp.sum(axis=0), pillar_levels_of(fw, pp)).astype(np.int64)
        if not nested:
            after_pts = pts[:, rows].copy()
            after_pts[cols] = np.maximum(after_pts[cols], tos[:, None])
            na = points_needed(fw, after_pts.T, targets[rows], model=model).astype(np.int64)
            need_after[rows] = np.where(na < 0, INF, na)
        before = need_before[rows]
        reached = lv_after >= targets[rows]
        prog = np.where(reached, before, np.maximum(0, before - np.minimum(need_after[rows], INF)))
        return np.where(before < 0, 0, prog), lv_after

    # entries with the same lifts have the same effect on a firm: work it out once per firm
    cache: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for k, entry in enumerate(entries):
        fits = np.array([True] + [x in entry.sizes for x in size_names])[size_code]
        if entry.sectors != "all":
            fits &= np.array([True] + [x in entry.sectors for x in sector_names])[sector_code]
        fits &= (level >= entry.maturity[0]) & (level <= entry.maturity[1])
        lifts = sorted((col[x.criterion], x.to) for x in entry.improves)
        cols = np.array([c for c, _to in lifts])
        tos = np.array([to for _c, to in lifts], dtype=np.int16)
        gain = np.maximum(0, tos[:, None] - pts[cols]).sum(axis=0)
        candidate = fits & (gain > 0)
        if not candidate.any():
            continue
        key = tuple(lifts)
        if key not in cache:
            cache[key] = (np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
        done, prog_all, lv_all = cache[key]
        todo = np.flatnonzero(candidate & ~done)
        if todo.size:
            prog_all[todo], lv_all[todo] = effect(cols, tos, todo)
            done[todo] = True
        rows = np.flatnonzero(candidate)
        progress[k, rows] = prog_all[rows]
        potential[k, rows] = gain[rows]
        level_after[k, rows] = lv_all[rows]

    demoted = np.zeros((n_e, n), dtype=bool)
    if inventories is not None:
        # what each firm uses and the categories it covers, as (entries, firms) and (categories, firms)
        entry_pos = {e.id: k for k, e in enumerate(entries)}
        cat_pos = {c: i for i, c in enumerate(sorted({e.category for e in entries}))}
        used = np.zeros((n_e, n), dtype=bool)
        covered = np.zeros((max(1, len(cat_pos)), n), dtype=bool)
        if isinstance(inventories, Declared):
            firm = np.asarray(inventories.firm, dtype=np.int64)
            e_at = np.array([entry_pos.get(e, -1) for e in inventories.entry_id], dtype=np.int64)
            c_at = np.array([cat_pos.get(c, -1) for c in inventories.category], dtype=np.int64)
            used[e_at[e_at >= 0], firm[e_at >= 0]] = True
            covered[c_at[c_at >= 0], firm[c_at >= 0]] = True
        else:
            for i, inv in enumerate(inventories):
                if inv is None:
                    continue
                for u in inv.uses:
                    if u.entry_id in entry_pos:
                        used[entry_pos[u.entry_id], i] = True
                    if u.category in cat_pos:
                        covered[cat_pos[u.category], i] = True
        potential[used] = 0  # the firm has it: never recommended
        limit = 0.4 * np.asarray(fw.criterion_max, dtype=float)
        for k, entry in enumerate(entries):
            lifted = [col[x.criterion] for x in entry.improves]
            weak = (pts[lifted] <= limit[lifted][:, None]).any(axis=0) if lifted else np.zeros(n, dtype=bool)
            demoted[k] = covered[cat_pos[entry.category]] & ~weak & ~used[k]
    # rank: roadmap progress, then level after, then potential points; ties keep id order; an entry
    # of a category the firm covers (its criteria no longer weak) after every other
    key = progress * 10**8 + level_after * 10**6 + potential + (~demoted) * 10**12
    key = np.where(potential > 0, key, -1)
    order = np.argsort(-key, axis=0, kind="stable")  # (n_e, n)
    cat_index = {c: i for i, c in enumerate(sorted({e.category for e in entries}))}
    cat_of = np.array([cat_index[e.category] for e in entries], dtype=np.int64)
    per_cat = np.zeros((n, max(1, len(cat_index))), dtype=np.int64)
    chosen = np.full((n, top), -1, dtype=np.int64)
    taken = np.zeros(n, dtype=np.int64)
    firms = np.arange(n)
    for r in range(n_e):
        e_pos = order[r]
        valid = key[e_pos, firms] >= 0
        cat = cat_of[e_pos]
        ok = valid & (per_cat[firms, cat] < per_category) & (taken < top)
        idx = firms[ok]
        chosen[idx, taken[idx]] = e_pos[idx]
        per_cat[idx, cat[idx]] += 1
        taken[idx] += 1
    # compact types: the arrays may travel between processes (assessment.planning)
    return Ranking(entries, chosen.astype(np.int16), progress.astype(np.int16), potential.astype(np.int16),
                   level_after.astype(np.int8))


def recommend(
    fw: Framework,
    entries: Iterable[Entry],
    criterion_points: dict[str, int],
    road: Roadmap | None = None,
    *,
    size_class: str | None = None,
    sector: str | None = None,
    top: int = 5,
    per_category: int = 2,
    categories: Iterable[str] | None = None,
    price_bands: Iterable[str] | None = None,
) -> list[Recommendation]:
    """One firm's top entries (pass only published entries for what firms see), ranked from the
    answers exactly as :func:`rank_many` ranks a whole province; ``road`` (the firm's roadmap)
    marks which lifts are steps of it."""
    row = np.array([[criterion_points[c] for c in fw.criterion_ids]], dtype=np.int16)
    ranking = rank_many(fw, entries, row, size_classes=[size_class], sectors=[sector], top=top,
                        per_category=per_category, categories=categories, price_bands=price_bands)
    return ranking.for_firm(fw, 0, criterion_points, road)


def category_name(category: str, lang: str) -> str:
    return CATEGORIES[category](lang)


def price_name(band: str, lang: str) -> str:
    return PRICE_BANDS[band](lang)


def step_helpers(entries: Iterable[Entry], step, *, size_class: str | None = None, sector: str | None = None) -> list[Entry]:
    """Entries that can take the step's criterion at least part of the way, best lift first."""
    found = []
    for entry in entries:
        if not entry.fits(size_class, sector):
            continue
        for lift in entry.improves:
            if lift.criterion == step.criterion_id and lift.to > step.from_points:
                found.append((-min(lift.to, step.to_points), entry.id, entry))
    return [e for *_key, e in sorted(found, key=lambda x: (x[0], x[1]))]


def category_counts(ranking: Ranking, rows: np.ndarray, *, top: int = 3) -> dict[str, int]:
    """For the firms at ``rows`` (positions or a boolean mask): how many get each category among
    their first ``top`` recommendations, most frequent first (a policy lever per group of firms)."""
    chosen = ranking.chosen[rows, :top]
    cats = sorted({e.category for e in ranking.entries})
    of_entry = np.array([cats.index(e.category) for e in ranking.entries] + [-1])  # -1: no entry
    firm_cats = of_entry[chosen]  # chosen == -1 picks the last item, -1
    counts = {c: int((firm_cats == k).any(axis=1).sum()) for k, c in enumerate(cats)}
    return dict(sorted(((c, n) for c, n in counts.items() if n), key=lambda cn: (-cn[1], cn[0])))


USAGE_SAMPLE = 20_000  # firms whose recommendations the catalogue page counts (a random sample when more)


@dataclass(frozen=True)
class Usage:
    """What the published catalogue recommends to each firm's latest assessment: per entry, how
    many firms get it among their recommendations; per firm, its recommended entries by name."""

    by_entry: list[tuple[Entry, int]]  # entries recommended to at least one firm, in catalogue order
    per_firm: pd.DataFrame  # name, tax_code, level, top (names, comma-separated)


def province_usage(fw: Framework, entries: Sequence[Entry], latest: pd.DataFrame, points: np.ndarray,
                   *, top: int = 5, lang: str = "vi") -> Usage | None:
    """Recommendations for every firm of ``latest`` (one row per firm, with its criterion
    ``points``); None when no firm is assessed."""
    if latest.empty:
        return None
    ranking = rank_many(fw, entries, points, size_classes=latest["size_class"].tolist(),
                        sectors=latest["sector"].tolist(), top=top)
    chosen = ranking.chosen
    counts = np.bincount(chosen[chosen >= 0], minlength=len(ranking.entries))
    names = [e.display_name(lang) for e in ranking.entries]
    per_firm = pd.DataFrame({"name": latest["name"].to_numpy(), "tax_code": latest["tax_code"].to_numpy(),
                             "level": latest["level"].to_numpy(),
                             "top": [", ".join(names[e] for e in row if e >= 0) for row in chosen]})
    return Usage([(e, int(c)) for e, c in zip(ranking.entries, counts) if c], per_firm)


def categories_by_group(fw: Framework, entries: Sequence[Entry], latest: pd.DataFrame, points: np.ndarray,
                        labels: np.ndarray, n_groups: int, *, top: int = 3) -> list[dict[str, int]]:
    """Per group of firms (``labels``, e.g. clusters): how many of its firms get each catalogue
    category among their first ``top`` recommendations, most frequent first."""
    ranking = rank_many(fw, entries, points, size_classes=latest["size_class"].tolist(),
                        sectors=latest["sector"].tolist(), top=top)
    return [category_counts(ranking, labels == g, top=top) for g in range(n_groups)]


@dataclass(frozen=True)
class Integration:
    """A catalogue entry that would let two of the firm's tools exchange data: ``have`` is the tool
    of the entry's own category it would replace (or join), ``other`` the tool it would talk to."""

    entry: Entry
    have: str  # the firm's tool in the entry's category
    have_category: str
    other: str  # the firm's tool it would exchange data with
    other_category: str

    def reason(self, lang: str) -> str:
        return translate("rec.integration", lang, have=self.have, have_cat=category_name(self.have_category, lang),
                         other=self.other, other_cat=category_name(self.other_category, lang),
                         entry=self.entry.display_name(lang))


def integrations(entries: Iterable[Entry], inventory: Inventory | None, *, size_class: str | None = None,
                 sector: str | None = None, top: int = 3) -> list[Integration]:
    """For each pair of the firm's tools (of two categories) that do not exchange data, the
    published entries of one of the two categories that connect to the other's (``connects``),
    not already in use; at most one per pair, ``top`` in all."""
    if inventory is None or len(inventory.uses) < 2:
        return []
    used = inventory.entries()
    candidates = [e for e in entries if e.connects and e.id not in used and e.fits(size_class, sector)]
    out: list[Integration] = []
    for a, b in inventory.unlinked_pairs():
        for mine, theirs in ((inventory.uses[a], inventory.uses[b]), (inventory.uses[b], inventory.uses[a])):
            found = next((e for e in sorted(candidates, key=lambda e: e.id)
                          if e.category == mine.category and theirs.category in e.connects), None)
            if found is not None:
                out.append(Integration(found, mine.name, mine.category, theirs.name, theirs.category))
                break
        if len(out) >= top:
            break
    return out


def context_line(entry: Entry, inventory: Inventory | None, lang: str) -> str | None:
    """What the firm told us about the entry's category, in words ("you use KiotViet for sales;
    ..."), or None when it declared no platform at all."""
    if inventory is None or not inventory.uses:
        return None
    mine = [u.name for u in inventory.in_category(entry.category)]
    if mine:
        return translate("rec.you_use", lang, names=", ".join(mine), category=category_name(entry.category, lang))
    return translate("rec.none_in_category", lang, category=category_name(entry.category, lang))
