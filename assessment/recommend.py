"""Ranked platform recommendations for one firm, each explaining itself.

An entry is a candidate when it is published, fits the firm's size class and sector, suits its
maturity level, and would still lift at least one of the firm's criteria (an entry whose every
lift the firm's answers already reach is something it uses already, or an equivalent). Candidates
rank by the roadmap points they cover (how far they move the firm towards its next level), then by
all the points they could add, then by id, so the order is deterministic; at most ``per_category``
entries of one category are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from assessment.catalogue import CATEGORIES, PRICE_BANDS, Entry
from assessment.framework import Framework
from assessment.i18n import translate
from assessment.roadmap import Roadmap, roadmap
from assessment.scoring import score_points


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


def recommend(
    fw: Framework,
    entries: Iterable[Entry],
    criterion_points: dict[str, int],
    level: int,
    road: Roadmap | None = None,
    *,
    size_class: str | None = None,
    sector: str | None = None,
    top: int = 5,
    per_category: int = 2,
    categories: Iterable[str] | None = None,
    price_bands: Iterable[str] | None = None,
) -> list[Recommendation]:
    """The firm's top entries (only pass published entries for what firms see)."""
    wanted_cats = set(categories) if categories else None
    wanted_prices = set(price_bands) if price_bands else None
    on_road = {s.criterion_id: s for s in (road.steps if road else ())}
    base = np.array([criterion_points[c] for c in fw.criterion_ids], dtype=np.int16)
    candidates = []
    for entry in entries:
        if not entry.fits(size_class, sector) or not entry.maturity[0] <= level <= entry.maturity[1]:
            continue
        if wanted_cats is not None and entry.category not in wanted_cats:
            continue
        if wanted_prices is not None and entry.price_band not in wanted_prices:
            continue
        lifts = []
        for lift in entry.improves:
            now = criterion_points.get(lift.criterion)
            if now is None or now >= lift.to:
                continue  # already there: never a reason to recommend
            lifts.append(Lifted(lift.criterion, now, lift.to, lift.criterion in on_road))
        if not lifts:
            continue
        after = base.copy()
        for lift in lifts:
            after[fw.criterion_ids.index(lift.criterion_id)] = lift.to_points
        level_after = int(score_points(fw, after[None, :]).level[0])
        road_points = 0
        if road is not None and road.reachable and road.target_level is not None:
            if level_after >= road.target_level:
                road_points = road.points_to_gain
            else:  # how much shorter the cheapest path to the target becomes
                rest = roadmap(fw, dict(zip(fw.criterion_ids, map(int, after))), road.target_level)
                road_points = max(0, road.points_to_gain - rest.points_to_gain) if rest.reachable else 0
        candidates.append(
            Recommendation(entry, tuple(lifts), road_points, sum(x.gain for x in lifts), level_after)
        )
    candidates.sort(key=lambda r: (-r.roadmap_points, -r.level_after, -r.potential_points, r.entry.id))
    chosen: list[Recommendation] = []
    per_cat: dict[str, int] = {}
    for rec in candidates:
        if per_cat.get(rec.entry.category, 0) >= per_category:
            continue
        chosen.append(rec)
        per_cat[rec.entry.category] = per_cat.get(rec.entry.category, 0) + 1
        if len(chosen) == top:
            break
    return chosen


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
