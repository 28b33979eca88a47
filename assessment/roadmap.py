"""Next-level roadmap: the cheapest set of criterion improvements that reaches a target level.

For one firm and a target overall level, find new answers (never lower than the current ones)
that meet the level's total threshold and its "at least N pillars at level L" rule, gaining the
fewest points, ties broken by the fewest criteria changed. The search is exact and generic:

1. per pillar, a group knapsack over its criteria gives, for every gain g, the fewest criteria
   that gain exactly g points (each criterion may move to any of its higher answers);
2. across pillars, a dynamic programme over (pillars lifted to level L, total gain) combines the
   pillar tables; the answer is the smallest total gain, then the fewest criteria, among states
   that meet both conditions.

Ties left after that are broken deterministically (earlier pillars, then earlier criteria, then
smaller moves win), so the same answers always give the same roadmap. Tests compare it with brute
force over every combination of answers on small frameworks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from assessment.framework import Framework

INF = np.iinfo(np.int32).max // 4


@dataclass(frozen=True)
class RoadmapStep:
    criterion_id: str
    pillar_id: str
    from_points: int
    to_points: int
    from_code: int
    to_code: int

    @property
    def gain(self) -> int:
        return self.to_points - self.from_points


@dataclass(frozen=True)
class Roadmap:
    level: int  # the firm's level now
    target_level: int | None  # None: nothing above the current level
    reachable: bool
    steps: tuple[RoadmapStep, ...] = ()

    @property
    def points_to_gain(self) -> int:
        return sum(s.gain for s in self.steps)


def _code_of(crit, points: int) -> int:
    """The lowest answer code worth ``points`` (codes are ordered, points non-decreasing)."""
    return next(code for code, (p, _t) in enumerate(crit.choices) if p == points)


def _pillar_table(options: list[list[int]]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Group knapsack: fewest items changed to gain exactly g, for g = 0..sum of max gains.

    ``options[j]`` lists the gains criterion j can make (0 first = unchanged). Returns the cost
    array and, per criterion, the index of the option chosen at each gain (for reconstruction).
    """
    cap = sum(max(o) for o in options)
    cost = np.full(cap + 1, INF, dtype=np.int64)
    cost[0] = 0
    choices = []
    for opts in options:
        best = np.full(cap + 1, INF, dtype=np.int64)
        pick = np.zeros(cap + 1, dtype=np.int16)
        for k, delta in enumerate(opts):  # ascending deltas: on ties the smaller move wins
            cand = np.full(cap + 1, INF, dtype=np.int64)
            cand[delta:] = cost[: cap + 1 - delta] + (1 if delta else 0)
            better = cand < best
            best[better] = cand[better]
            pick[better] = k
        cost = np.minimum(best, INF)
        choices.append(pick)
    return cost, choices


def pillar_gain_at_least(pillar, criterion_points: dict[str, int], deficit: int) -> int | None:
    """The fewest points a pillar can gain, by raising its answers, that are at least ``deficit``
    (e.g. the strategy criterion moves in steps of 5 points, so a 1-point shortfall needs 5); None
    when no answers reach it. The same table as the roadmap's search (:func:`_pillar_table`)."""
    options = [[p - criterion_points.get(c.id, 0) for p in sorted(set(c.code_points))
                if p >= criterion_points.get(c.id, 0)] for c in pillar.criteria]
    cost, _picks = _pillar_table(options)
    reachable = np.flatnonzero(cost[max(deficit, 0):] < INF)
    return int(reachable[0]) + max(deficit, 0) if len(reachable) else None


# --- what a firm can do: no step beyond its own people -------------------------------------------


def caps_for(fw: Framework, employees: float | None) -> dict[str, int]:
    """The highest points a firm of ``employees`` people can reach on each headcount criterion
    (a 4-person shop cannot have 5-9 R&D staff); empty when the number is unknown.

    Examples
    --------
    >>> from assessment.framework import get_framework
    >>> caps_for(get_framework(), 4)
    {'4.2.1': 3, '5.2.1': 3}
    """
    if employees is None:
        return {}
    return {c.id: c.code_points[c.highest_code_for(employees)] for c in fw.criteria if c.headcount}


def limits_for(fw: Framework, employees) -> np.ndarray | None:
    """(n, n_criteria) highest points per firm and criterion for firms of ``employees`` people
    (the criteria's maxima where nothing limits them); None when no criterion is a headcount."""
    heads = [j for j, c in enumerate(fw.criteria) if c.headcount]
    if not heads:
        return None
    employees = np.asarray(employees, dtype=float)
    limit = np.tile(fw.criterion_max.astype(np.int64), (len(employees), 1))
    for j in heads:
        crit = fw.criteria[j]
        lowest = np.array([0] + [b.up_to + 1 for b in crit.bands[:-1]], dtype=float)
        code = (lowest[None, :] <= np.maximum(employees, 0)[:, None]).sum(axis=1) - 1
        limit[:, j] = np.array(crit.code_points)[code]
    return limit


def _caps_of(fw: Framework, limit: np.ndarray | None, i: int) -> dict[str, int] | None:
    """Firm ``i``'s row of a (n_criteria, n) limit as caps (only where it limits)."""
    if limit is None:
        return None
    return {cid: int(limit[j, i]) for j, cid in enumerate(fw.criterion_ids) if limit[j, i] < fw.criterion_max[j]}


# --- what a firm lacks for the next level, in words (the conditions, not a path) ------------------


@dataclass(frozen=True)
class PillarShort:
    pillar_id: str
    level: int
    points: int
    points_needed: int  # more points this pillar needs to reach the required level


@dataclass(frozen=True)
class NextLevelGap:
    """What a firm lacks for the next overall level."""

    level: int
    next_level: int | None  # None when the firm is already at the top level
    total: int
    min_total: int  # the total the next level needs
    required_pillar_level: int
    required_pillars: int  # how many pillars must be at that level
    pillars_at_level: int
    short_pillars: tuple[PillarShort, ...]  # pillars below the required level, fewest points first

    @property
    def points_short(self) -> int:
        return max(0, self.min_total - self.total)

    @property
    def pillars_missing(self) -> int:
        return max(0, self.required_pillars - self.pillars_at_level)


def next_level_gap(fw: Framework, result) -> NextLevelGap:
    """Points short of the next level's total and the pillars short of its required level."""
    level = result.level
    if level >= fw.max_level:
        return NextLevelGap(level, None, result.total, 0, 0, 0, 0, ())
    rule = fw.spec.overall_levels[level]  # rules are for levels 1..N, so index level is level+1
    min_total = int(fw.overall_min_total[level])
    short = []
    for j, p in enumerate(result.pillars):
        if p.level < rule.pillar_level:
            deficit = int(fw.pillar_level_min_points[j, rule.pillar_level - 1]) - p.points
            need = pillar_gain_at_least(fw.pillars[j], result.criterion_points, deficit)
            if need is not None:  # a pillar that cannot reach the level is not a candidate
                short.append(PillarShort(p.id, p.level, p.points, need))
    short.sort(key=lambda s: s.points_needed)
    at_level = sum(p.level >= rule.pillar_level for p in result.pillars)
    return NextLevelGap(
        level=level,
        next_level=rule.level,
        total=result.total,
        min_total=min_total,
        required_pillar_level=rule.pillar_level,
        required_pillars=rule.min_pillars,
        pillars_at_level=at_level,
        short_pillars=tuple(short),
    )


def roadmap(fw: Framework, criterion_points: dict[str, int], target_level: int | None = None, *,
            caps: dict[str, int] | None = None) -> Roadmap:
    """The cheapest way from the firm's current answers to ``target_level`` (default: next level).

    The same search as :func:`roadmaps_many` (so a firm sees the path the department's exports
    show); other targets, and firms it cannot certify, go to :func:`exact_roadmap`.

    Examples
    --------
    >>> from assessment.framework import load_framework, DEFAULT_FRAMEWORK_FILE
    >>> fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    >>> r = roadmap(fw, {cid: 0 for cid in fw.criterion_ids})
    >>> r.level, r.target_level, r.points_to_gain
    (0, 1, 21)
    """
    row = np.array([[criterion_points[c] for c in fw.criterion_ids]], dtype=np.int16)
    limit = None
    if caps:
        limit = fw.criterion_max[None, :].astype(np.int64).copy()
        for cid, top in caps.items():
            limit[0, fw.criterion_ids.index(cid)] = top
    roads = roadmaps_many(fw, row, limit=limit)
    first = roads.roadmap(0)
    if target_level is None or target_level == first.target_level:
        return first
    return exact_roadmap(fw, criterion_points, target_level, caps=caps)


def exact_roadmap(fw: Framework, criterion_points: dict[str, int], target_level: int | None = None, *,
                  caps: dict[str, int] | None = None) -> Roadmap:
    """The cheapest way from the firm's current answers to ``target_level`` (default: next level),
    by exhaustive dynamic programming (the reference every faster path is checked against).
    ``caps``: the highest points the firm can reach per criterion (:func:`caps_for`).

    Examples
    --------
    >>> from assessment.framework import load_framework, DEFAULT_FRAMEWORK_FILE
    >>> fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    >>> r = exact_roadmap(fw, {cid: 0 for cid in fw.criterion_ids})
    >>> r.level, r.target_level, r.points_to_gain
    (0, 1, 21)
    """
    from assessment.scoring import score_points  # local: scoring imports nothing from here

    current = np.array([criterion_points[c] for c in fw.criterion_ids], dtype=np.int16)
    result = score_points(fw, current[None, :]).firm()
    level = result.level
    target = level + 1 if target_level is None else target_level
    if target > fw.max_level or target <= level:
        return Roadmap(level, None if target > fw.max_level else target, target <= level)
    # The firm gets the highest level whose conditions it meets, so "at least `target`" is met by
    # the conditions of any level from `target` up (the DBI's rules are nested; others need not be).
    best: tuple[int, int, tuple[RoadmapStep, ...]] | None = None
    for candidate in range(target, fw.max_level + 1):
        if best is not None and int(fw.overall_min_total[candidate - 1]) - result.total > best[0]:
            continue  # this level's total alone needs more points than the best found
        steps = _cheapest(fw, criterion_points, result, candidate, caps or {})
        if steps is not None:
            key = (sum(s.gain for s in steps), len(steps), steps)
            if best is None or key[:2] < best[:2]:
                best = key
    if best is None:
        return Roadmap(level, target, False)
    return Roadmap(level, target, True, best[2])


def _cheapest(fw: Framework, criterion_points: dict[str, int], result, target: int,
              caps: dict[str, int]) -> tuple[RoadmapStep, ...] | None:
    """Fewest points, then fewest criteria, meeting the conditions of exactly level ``target``."""
    rule = fw.spec.overall_levels[target - 1]
    min_total = int(fw.overall_min_total[target - 1])
    need = rule.min_pillars

    # 1. per-pillar tables
    tables = []
    for i, pillar in enumerate(fw.pillars):
        opts, values = [], []
        for crit in pillar.criteria:
            now = criterion_points[crit.id]
            top = max(now, caps.get(crit.id, crit.max_points))
            higher = sorted({p for p in crit.code_points if now <= p <= top})
            opts.append([p - now for p in higher])
            values.append(higher)
        cost, picks = _pillar_table(opts)
        threshold = int(fw.pillar_level_min_points[i, rule.pillar_level - 1]) if rule.pillar_level else 0
        tables.append((cost, picks, values, threshold - result.pillars[i].points))

    # 2. combine pillars. States with total gain G depend only on states with smaller gains, so
    # searching gains up to a cap is exact whenever a solution exists within it: start from a
    # lower bound and widen the cap until one does.
    full = sum(len(t[0]) - 1 for t in tables)
    deficits = sorted(max(0, t[3]) for t in tables)
    cap = max(min_total - result.total, sum(deficits[:need])) + 8
    while True:
        cap = min(cap, full)
        found = _combine(tables, need, cap, result.total, min_total)
        if found is not None or cap == full:
            break
        cap *= 2
    if found is None:
        return None
    per_pillar_gain = found
    steps: list[RoadmapStep] = []
    for i, pillar in enumerate(fw.pillars):
        _cost, picks, values, _deficit = tables[i]
        g = per_pillar_gain[i]
        for j in range(len(pillar.criteria) - 1, -1, -1):  # picks[j] is for criteria 0..j
            crit = pillar.criteria[j]
            new_points = values[j][int(picks[j][g])]
            now = criterion_points[crit.id]
            if new_points > now:
                steps.append(
                    RoadmapStep(crit.id, pillar.id, now, new_points, _code_of(crit, now), _code_of(crit, new_points))
                )
            g -= new_points - now
    steps.sort(key=lambda s: fw.criterion_ids.index(s.criterion_id))
    return tuple(steps)


def _combine(tables, need: int, g_max: int, total: int, min_total: int) -> list[int] | None:
    """DP over pillars: state[k, G] = fewest criteria with k pillars lifted (capped) and gain G.

    Returns the gain of each pillar in the best solution with total gain <= g_max, or None.
    """
    state = np.full((need + 1, g_max + 1), INF, dtype=np.int64)
    state[0, 0] = 0
    trace = []  # per pillar: (gain chosen, previous k) for each (k, G)
    for cost, _picks, _values, deficit in tables:
        new = np.full_like(state, INF)
        gain_at = np.zeros(state.shape, dtype=np.int32)
        k_from = np.zeros(state.shape, dtype=np.int8)
        for g in np.flatnonzero(cost[: g_max + 1] < INF):
            lifted = 1 if g >= deficit else 0
            src = state[:, : g_max + 1 - g] + cost[g]
            for k in range(need + 1):
                k2 = min(need, k + lifted)
                dst = new[k2, g:]
                better = src[k] < dst
                if better.any():
                    dst[better] = src[k][better]
                    gain_at[k2, g:][better] = g
                    k_from[k2, g:][better] = k
        state = np.minimum(new, INF)
        trace.append((gain_at, k_from))

    totals = total + np.arange(g_max + 1)
    ok = (state[need] < INF) & (totals >= min_total)
    if not ok.any():
        return None
    g_total = int(np.flatnonzero(ok)[0])  # the smallest total gain; state[need, g] has the fewest criteria
    k = need
    gains = [0] * len(tables)
    for i in range(len(tables) - 1, -1, -1):
        gain_at, k_from = trace[i]
        g = int(gain_at[k, g_total])
        gains[i] = g
        k, g_total = int(k_from[k, g_total]), g_total - g
    return gains


# --- many firms at once: the points still needed -------------------------------------------------


def _unit(crit) -> bool:
    """Answers worth 0, 1, 2, ... max: any gain up to the headroom is one move away."""
    return crit.code_points == list(range(crit.max_points + 1))


def nested_rules(fw: Framework) -> bool:
    """True when each level's conditions imply the one below (so the next level is the cheapest)."""
    rules = fw.spec.overall_levels
    mins = fw.overall_min_total
    return all(
        mins[i + 1] >= mins[i] and b.pillar_level >= a.pillar_level and b.min_pillars >= a.min_pillars
        for i, (a, b) in enumerate(zip(rules, rules[1:]))
    )


@dataclass
class GapState:
    """Per-pillar figures of a set of firms at one level (criterion-major arrays)."""

    pillar_pts: np.ndarray  # (n_pillars, n)
    rooms: np.ndarray  # (n_pillars, n) headroom left in unit-step criteria
    costs: np.ndarray  # (n_pillars, n) fewest achievable points lifting each pillar (0: lifted)
    total: np.ndarray  # (n,)
    reaches: list[np.ndarray | None]  # per pillar: exact gains of its non-unit criteria (n, G)


class GapModel:
    """The fewest points firms must gain to reach a level, vectorised over firms.

    Per level and pillar: the fewest achievable points that lift the pillar to the level's pillar
    level. Unit-step criteria (answers worth 0, 1, 2, ...) fill any amount up to their headroom;
    the gains reachable with the other criteria are a small set, built as a bitset per firm. Then
    the cheapest pillars to lift and the total threshold. Firms where filling the total exactly
    is not certain from this (little unit-step headroom left) are flagged, and
    :func:`points_needed` solves them exactly with :func:`roadmap`.
    """

    def __init__(self, fw: Framework):
        self.fw = fw
        self.units: list[list[int]] = []  # per pillar: unit-step columns
        self.others: list[list[tuple[int, np.ndarray]]] = []  # per pillar: (column, allowed points)
        for pillar in fw.pillars:
            units, others = [], []
            for crit in pillar.criteria:
                j = fw.criterion_ids.index(crit.id)
                if _unit(crit):
                    units.append(j)
                else:
                    others.append((j, np.array(sorted(set(crit.code_points)), dtype=np.int32)))
            self.units.append(units)
            self.others.append(others)
        self.pillar_of_col = [i for i, p in enumerate(fw.pillars) for _ in p.criteria]
        self.is_unit = [any(j in u for u in self.units) for j in range(len(fw.criteria))]
        # For a pillar whose non-unit criteria have few answer combinations, the gains they can
        # make from every combination, as a table indexed by the combination (mixed radix).
        self.tables: list[np.ndarray | None] = []
        for others in self.others:
            sizes = [len(v) for _j, v in others]
            if not others or math.prod(sizes) > 4096:
                self.tables.append(None)
                continue
            width = 1 + sum(int(v[-1]) for _j, v in others)
            table = np.zeros((math.prod(sizes), width), dtype=bool)
            for k, combo in enumerate(itertools.product(*[list(v) for _j, v in others])):
                sums = {0}
                for (_j, values), now in zip(others, combo):
                    sums = {a + int(v) - now for a in sums for v in values if v >= now}
                table[k, sorted(sums)] = True
            self.tables.append(table)

    def threshold(self, i: int, level: int) -> int:
        rule = self.fw.spec.overall_levels[level - 1]
        return int(self.fw.pillar_level_min_points[i, rule.pillar_level - 1]) if rule.pillar_level else 0

    def reach(self, i: int, other_values: list[np.ndarray]) -> np.ndarray | None:
        """reach[:, g]: the pillar's non-unit criteria can gain exactly g (None: it has none)."""
        if not self.others[i]:
            return None
        if self.tables[i] is not None:
            index = np.zeros(other_values[0].shape[0], dtype=np.int64)
            for (_j, values), now in zip(self.others[i], other_values):
                index = index * len(values) + np.searchsorted(values, now)
            return self.tables[i][index]
        n = other_values[0].shape[0]
        reach = np.ones((n, 1), dtype=bool)
        for (_j, values), now in zip(self.others[i], other_values):
            width = reach.shape[1] + int(values[-1])
            g = np.arange(width)[None, :]
            new = np.zeros((n, width), dtype=bool)
            padded = np.concatenate([reach, np.zeros((n, 1), dtype=bool)], axis=1)  # last column: False
            for v in values:
                delta = (v - now.astype(np.int64))[:, None]
                src = g - delta
                src = np.where((delta >= 0) & (src >= 0) & (src < reach.shape[1]), src, reach.shape[1])
                new |= np.take_along_axis(padded, src, axis=1)
            reach = new
        return reach

    @staticmethod
    def lift(reach: np.ndarray | None, deficit: np.ndarray, room: np.ndarray) -> np.ndarray:
        """Fewest achievable points adding at least ``deficit`` to a pillar (INF: impossible):
        some exact non-unit gain, the rest filled by unit-step criteria within their headroom."""
        deficit = deficit.astype(np.int64)
        if reach is None:
            return np.where(deficit <= 0, 0, np.where(deficit <= room, deficit, INF))
        g = np.arange(reach.shape[1])[None, :]
        fill = np.maximum(0, deficit[:, None] - g)
        cost = np.where(reach & (fill <= room[:, None]), g + fill, INF).min(axis=1)
        return np.where(deficit <= 0, 0, cost)

    def state(self, pts: np.ndarray, level: int, limit: np.ndarray | None = None) -> GapState:
        """``limit``: (n_criteria, n) the highest points each firm may reach per criterion (a firm
        of 4 people cannot have 5 R&D staff); the criteria's maxima when None."""
        fw = self.fw
        n = pts.shape[1]
        pillar_pts = np.zeros((len(fw.pillars), n), dtype=np.int32)
        for j, i in enumerate(self.pillar_of_col):
            pillar_pts[i] += pts[j]
        rooms = np.zeros((len(fw.pillars), n), dtype=np.int32)
        costs = np.empty((len(fw.pillars), n), dtype=np.int64)
        reaches = []
        for i in range(len(fw.pillars)):
            for j in self.units[i]:
                rooms[i] += np.maximum(0, (fw.criterion_max[j] if limit is None else limit[j]) - pts[j])
            reaches.append(self.reach(i, [pts[j] for j, _v in self.others[i]]))
            costs[i] = self.lift(reaches[i], self.threshold(i, level) - pillar_pts[i], rooms[i])
        return GapState(pillar_pts, rooms, costs, pillar_pts.sum(axis=0), reaches)

    def changed(self, st: GapState, rows: np.ndarray, pts: np.ndarray, cols: np.ndarray, tos: np.ndarray,
                level: int) -> GapState:
        """The state of firms ``rows`` after raising criteria ``cols`` to at least ``tos``."""
        pillar_pts = st.pillar_pts[:, rows].copy()
        rooms = st.rooms[:, rows].copy()
        costs = st.costs[:, rows].copy()
        new_vals, non_unit_touched = {}, set()
        for j, to in zip(cols, tos):
            now = pts[j, rows]
            after = np.maximum(now, to)
            i = self.pillar_of_col[j]
            pillar_pts[i] += after - now
            if self.is_unit[j]:
                rooms[i] -= after - now
            else:
                non_unit_touched.add(i)
            new_vals[j] = after
        reaches = [None if r is None else r[rows] for r in st.reaches]
        for i in sorted({self.pillar_of_col[j] for j in cols}):
            if i in non_unit_touched:
                reaches[i] = self.reach(i, [new_vals.get(j, pts[j, rows]) for j, _v in self.others[i]])
            costs[i] = self.lift(reaches[i], self.threshold(i, level) - pillar_pts[i], rooms[i])
        return GapState(pillar_pts, rooms, costs, pillar_pts.sum(axis=0), reaches)

    def needed(self, st: GapState, level: int) -> tuple[np.ndarray, np.ndarray]:
        """(points needed, uncertain flags) for the firms of a state."""
        fw = self.fw
        rule = fw.spec.overall_levels[level - 1]
        cost = st.costs
        n = cost.shape[1]
        done = (cost == 0).sum(axis=0)
        missing = np.maximum(0, rule.min_pillars - done)
        ranked = np.sort(np.where(cost == 0, INF, cost), axis=0)
        cum = np.minimum(np.cumsum(np.minimum(ranked, INF), axis=0), INF)
        cum = np.concatenate([np.zeros((1, n), np.int64), cum])
        lift_cost = np.take_along_axis(cum, np.minimum(missing, len(fw.pillars))[None, :], axis=0)[0]
        gap = np.maximum(0, int(fw.overall_min_total[level - 1]) - st.total)
        feasible = lift_cost < INF
        need = np.where(feasible, np.maximum(lift_cost, gap), INF)
        extra = gap - np.minimum(lift_cost, gap)
        uncertain = feasible & (extra > 0) & (st.rooms.sum(axis=0) - np.minimum(lift_cost, INF) < extra)
        return need, uncertain


def points_needed(fw: Framework, points: np.ndarray, targets: np.ndarray, *, model: GapModel | None = None,
                  limit: np.ndarray | None = None) -> np.ndarray:
    """Fewest points each firm must gain to reach at least its target level (-1: unreachable).

    ``points`` is (n, n_criteria) criterion points, ``targets`` (n,) levels, ``limit`` (n,
    n_criteria) the highest points each firm can reach (:func:`limits_for`). Always equals
    ``roadmap(...).points_to_gain``: the vectorised :class:`GapModel` answers, and the few firms
    it cannot certify are solved exactly.
    """
    model = model or GapModel(fw)
    pts = np.ascontiguousarray(np.asarray(points, dtype=np.int16).T)
    limit = None if limit is None else np.ascontiguousarray(np.asarray(limit, dtype=np.int64).T)  # (c, n) too
    targets = np.asarray(targets)
    n = pts.shape[1]
    best = np.full(n, INF, dtype=np.int64)
    uncertain = np.zeros(n, dtype=bool)
    nested = nested_rules(fw)
    for level in range(1, fw.max_level + 1):
        rows = np.flatnonzero((targets == level) if nested else (targets <= level))
        if rows.size == 0:
            continue
        need, unsure = model.needed(model.state(pts[:, rows], level, None if limit is None else limit[:, rows]), level)
        best[rows] = np.minimum(best[rows], need)
        uncertain[rows] |= unsure
    out = np.where(best >= INF, -1, best)
    out[targets > fw.max_level] = -1
    for i in np.flatnonzero(uncertain & (targets <= fw.max_level)):
        road = exact_roadmap(fw, dict(zip(fw.criterion_ids, map(int, pts[:, i]))), int(targets[i]),
                             caps=_caps_of(fw, limit, i))
        out[i] = road.points_to_gain if road.reachable else -1
    return out


# --- many firms at once: the roadmaps themselves ---------------------------------------------------


@dataclass(frozen=True)
class Roadmaps:
    """Roadmaps of n firms as arrays: the new points of every criterion on each firm's path."""

    framework: Framework
    level: np.ndarray  # (n,) current level
    target: np.ndarray  # (n,) next level, -1 at the top
    reachable: np.ndarray  # (n,) bool
    before: np.ndarray  # (n_criteria, n) points now
    after: np.ndarray  # (n_criteria, n) points on reaching the target (= before where unchanged)
    solved_exactly: int  # firms the vectorised search could not certify, solved one by one

    def __len__(self) -> int:
        return self.before.shape[1]

    def points_to_gain(self) -> np.ndarray:
        return (self.after - self.before).sum(axis=0)

    def roadmap(self, i: int) -> Roadmap:
        fw = self.framework
        target = int(self.target[i])
        if target < 0:
            return Roadmap(int(self.level[i]), None, False)
        steps = []
        for j in np.flatnonzero(self.after[:, i] != self.before[:, i]):
            crit = fw.criteria[j]
            now, new = int(self.before[j, i]), int(self.after[j, i])
            steps.append(RoadmapStep(crit.id, fw.pillar_of[crit.id].id, now, new, _code_of(crit, now), _code_of(crit, new)))
        return Roadmap(int(self.level[i]), target, bool(self.reachable[i]), tuple(steps))


def roadmaps_many(fw: Framework, points: np.ndarray, *, model: GapModel | None = None,
                  limit: np.ndarray | None = None) -> Roadmaps:
    """The cheapest path to the next level for many firms, vectorised, with the same optimum as
    :func:`roadmap` (fewest points, then fewest criteria; equally cheap paths may differ).

    The fewest points come from :class:`GapModel`. For the fewest criteria, every criterion is an
    item that can add up to its headroom; with the set A of pillars to lift fixed, taking in each
    pillar of A its largest items until the pillar is lifted, then the largest remaining items of
    any pillar until the total is reached, uses the fewest items when items may be used in part
    (each pillar's sorted items give concave gains, so the greedy choice is optimal). Every A is
    tried. That count is a lower bound; it is certified when the chosen items can give exactly the
    points needed with answers that exist (cutting back unit-step criteria, or others to a lower
    answer). Firms that cannot be certified (about 3 % of the DBI's, where the strategy criterion's
    steps of 5 or the 0/1/3/5 criteria need more criteria than the bound) go through the exact
    dynamic programme vectorised over firms (:func:`_exact_many`); frameworks whose level rules are
    not nested are solved one by one with :func:`exact_roadmap`.

    ``limit`` ((n, n_criteria), see :func:`limits_for`) keeps every path within what each firm can
    do (no more R&D staff than people): the optimum is then taken over those steps only. Limits
    on unit-step criteria are handled vectorised; a firm with a limit on another criterion is
    solved exactly, one by one.
    """
    from assessment.scoring import score_points

    model = model or GapModel(fw)
    before = np.ascontiguousarray(np.asarray(points, dtype=np.int16).T).astype(np.int64)  # (c, n)
    n_crit, n = before.shape
    if limit is not None:
        limit = np.ascontiguousarray(np.asarray(limit, dtype=np.int64).T)  # (c, n), as the points
        limit = np.maximum(limit, before)  # an answer above the limit stays; only steps are limited
    level = score_points(fw, before.T).level.astype(np.int64)
    target = np.where(level < fw.max_level, level + 1, -1)
    after = before.copy()
    reachable = np.zeros(n, dtype=bool)
    fallback = np.zeros(n, dtype=bool)
    if limit is not None:  # a limit on a criterion that is not unit-step: that firm one by one
        capped_other = np.zeros(n, dtype=bool)
        for j in np.flatnonzero(~np.array(model.is_unit)):
            capped_other |= limit[j] < fw.criterion_max[j]
        fallback |= capped_other & (target > 0)
    if not nested_rules(fw):
        fallback[target > 0] = True
    else:
        need = points_needed(fw, before.T, np.where(target > 0, target, fw.max_level + 1), model=model,
                             limit=None if limit is None else limit.T)
        need[fallback] = -1
        for lv in range(1, fw.max_level + 1):
            rows = np.flatnonzero((target == lv) & (need >= 0))
            if rows.size:
                lim = None if limit is None else limit[:, rows]
                ok, new, count = _greedy_paths(model, before[:, rows], need[rows], lv, lim)
                after[:, rows[ok]] = new[:, ok]
                reachable[rows[ok]] = True
                left = np.flatnonzero(~ok)
                # the exact programme, vectorised over the firms left, in groups of similar need
                # (its cost grows with the square of the largest need in a group)
                bounds = [-1, 8, 16, 32, 64, 128, 1 << 30]
                for lo, hi in zip(bounds, bounds[1:]):
                    rest = left[(need[rows[left]] > lo) & (need[rows[left]] <= hi)]
                    if rest.size:
                        solved, new3 = _exact_many(model, before[:, rows[rest]], need[rows[rest]], lv,
                                                   None if limit is None else limit[:, rows[rest]])
                        after[:, rows[rest[solved]]] = new3[:, solved]
                        reachable[rows[rest[solved]]] = True
                        fallback[rows[rest[~solved]]] = True
    for i in np.flatnonzero(fallback):
        road = exact_roadmap(fw, dict(zip(fw.criterion_ids, map(int, before[:, i]))), caps=_caps_of(fw, limit, i))
        reachable[i] = road.reachable
        for step in road.steps:
            after[fw.criterion_ids.index(step.criterion_id), i] = step.to_points
    return Roadmaps(fw, level.astype(np.int8), target.astype(np.int8), reachable, before.astype(np.int16),
                    after.astype(np.int16), int(fallback.sum()))


def _greedy_paths(model: GapModel, pts: np.ndarray, need: np.ndarray, lv: int,
                  limit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Certified cheapest paths for firms whose target is ``lv`` (criterion-major ``pts``).

    Returns (certified flags, new points, item counts); uncertified firms are left to the exact
    search (:func:`_exact_many`).
    """
    fw = model.fw
    rule = fw.spec.overall_levels[lv - 1]
    n_p = len(fw.pillars)
    n = pts.shape[1]
    st = model.state(pts, lv, limit)
    cap_of = (fw.criterion_max[:, None] if limit is None else limit) - pts  # headroom of every criterion
    deficit = np.stack([np.maximum(0, model.threshold(i, lv) - st.pillar_pts[i]) for i in range(n_p)])
    lifted_now = deficit == 0
    missing = np.maximum(0, rule.min_pillars - lifted_now.sum(axis=0))
    cols = [[fw.criterion_ids.index(c.id) for c in p.criteria] for p in fw.pillars]
    # items of each pillar, largest headroom first (ties: questionnaire order)
    order, sorted_cap, cum = [], [], []
    for i in range(n_p):
        local = cap_of[cols[i]]
        o = np.argsort(-local * 1000 + np.arange(len(cols[i]))[:, None], axis=0, kind="stable")
        sc = np.take_along_axis(local, o, axis=0)
        order.append(o)
        sorted_cap.append(sc)
        cum.append(np.concatenate([np.zeros((1, n), np.int64), np.cumsum(sc, axis=0)]))
    # sorted items padded with a "none left" row, for quick lookups of each pillar's next item
    padded_cap = [np.concatenate([sc, np.full((1, n), -1, np.int64)]) for sc in sorted_cap]
    tried = []  # (mask, rows, ptr, count) of every pillar set A tried
    best_count = np.full(n, INF, dtype=np.int64)
    for mask in range(1 << n_p):
        members = [i for i in range(n_p) if mask >> i & 1]
        valid = (missing == len(members)) & (st.costs[members].sum(axis=0) <= need if members else True)
        for i in members:
            valid &= ~lifted_now[i] & (st.costs[i] < INF)
        rows = np.flatnonzero(valid)
        if rows.size == 0:
            continue
        ptr = np.zeros((n_p, rows.size), dtype=np.int64)
        total = np.zeros(rows.size, dtype=np.int64)
        for i in members:
            k = (cum[i][:, rows] < deficit[i, rows]).sum(axis=0)
            ptr[i] = k
            total += np.take_along_axis(cum[i][:, rows], k[None, :], axis=0)[0]
        short = total < need[rows]
        sub_cap = [padded_cap[i][:, rows] for i in range(n_p)]
        span = np.arange(rows.size)
        while short.any():  # the largest remaining item of any pillar, lowest pillar first on ties
            heads = np.stack([sub_cap[i][ptr[i], span] for i in range(n_p)])
            pick = np.argmax(heads, axis=0)
            gain = heads[pick, np.arange(rows.size)]
            stuck = short & (gain <= 0)
            short &= ~stuck
            total = np.where(stuck, -INF, total)  # no items left: this A cannot reach the total
            take = short
            ptr[pick[take], np.flatnonzero(take)] += 1
            total[take] += gain[take]
            short = take & (total < need[rows])
        count = np.where(total >= need[rows], ptr.sum(axis=0), INF)
        tried.append((mask, rows, ptr, count))
        best_count[rows] = np.minimum(best_count[rows], count)

    # realise each firm's first pillar set reaching the fewest items; the rest go to the exact search
    chosen_mask = np.full(n, -1, dtype=np.int64)
    chosen_ptr = np.zeros((n_p, n), dtype=np.int64)
    for mask, rows, ptr, count in tried:
        sel = np.flatnonzero((count == best_count[rows]) & (count < INF) & (chosen_mask[rows] < 0))
        chosen_mask[rows[sel]] = mask
        chosen_ptr[:, rows[sel]] = ptr[:, sel]
    firms = np.flatnonzero(chosen_mask >= 0)
    ok = np.zeros(n, dtype=bool)
    new_pts = pts.copy()
    if firms.size:
        good, amount = _realise(model, pts[:, firms], cap_of[:, firms], need[firms], deficit[:, firms],
                                chosen_mask[firms], chosen_ptr[:, firms], [o[:, firms] for o in order], cols)
        ok[firms[good]] = True
        new_pts[:, firms[good]] = pts[:, firms[good]] + amount[:, good]
    return ok, new_pts, best_count


def _realise(model: GapModel, pts, cap_of, need, deficit, masks: np.ndarray, ptr, order, cols):
    """Give the chosen items answers that exist and add up to exactly ``need``; (ok, amounts)."""
    fw = model.fw
    n_p = len(fw.pillars)
    n = pts.shape[1]
    amount = np.zeros_like(pts)
    for i in range(n_p):
        col_arr = np.array(cols[i])
        for r in range(len(cols[i])):
            chosen = ptr[i] > r
            j = col_arr[order[i][r]]
            full = np.take_along_axis(cap_of, j[None, :], axis=0)[0]
            now = np.take_along_axis(amount, j[None, :], axis=0)[0]
            np.put_along_axis(amount, j[None, :], np.where(chosen, full, now)[None, :], axis=0)
    excess = amount.sum(axis=0) - need
    pillar_gain = np.stack([amount[cols[i]].sum(axis=0) for i in range(n_p)])
    floor = np.stack([np.where((masks >> i) & 1 == 1, deficit[i], 0) for i in range(n_p)])
    # lumpy cuts first (answers that exist below), then unit-step criteria take any remainder
    for unit_pass in (False, True):
        for i in range(n_p):
            for j in cols[i][::-1]:
                crit = fw.criteria[j]
                if _unit(crit) != unit_pass:
                    continue
                a = amount[j]
                room = np.minimum(excess, np.maximum(0, pillar_gain[i] - floor[i]))
                if unit_pass:
                    cut = np.where(a > 0, np.minimum(room, a - 1), 0)
                else:
                    cut = np.zeros(n, dtype=np.int64)
                    for v in sorted(set(crit.code_points)):
                        smaller = v - pts[j]
                        c = a - smaller
                        fits = (a > 0) & (smaller >= 1) & (c >= 0) & (c <= room)
                        cut = np.where(fits, np.maximum(cut, c), cut)
                amount[j] = a - cut
                excess -= cut
                pillar_gain[i] -= cut
    return excess == 0, amount



def _exact_many(model: GapModel, pts: np.ndarray, need: np.ndarray, lv: int,
                limit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The exact dynamic programme of :func:`exact_roadmap`, vectorised over firms.

    For firms (criterion-major ``pts``) whose fewest points ``need`` to reach level ``lv`` are
    known: per pillar, the fewest criteria for every exact gain (unit-step criteria cover any gain
    with their largest headrooms first; the answers of the other criteria are enumerated); then
    pillars are combined over (pillars lifted, total gain), keeping the fewest criteria.
    Returns (solved flags, new points).
    """
    fw = model.fw
    rule = fw.spec.overall_levels[lv - 1]
    n_p, n = len(fw.pillars), pts.shape[1]
    cap = int(need.max())
    big = np.int32(10**6)
    st = model.state(pts, lv, limit)
    deficit = np.stack([model.threshold(i, lv) - st.pillar_pts[i] for i in range(n_p)]).astype(np.int64)
    g_axis = np.arange(cap + 1)
    tables, how = [], []  # per pillar: fewest criteria per gain (cap+1, n); reconstruction data
    for i in range(n_p):
        units = model.units[i]
        top = fw.criterion_max[units][:, None] if limit is None else limit[units]
        heads = (top - pts[units]) if units else np.zeros((0, n), np.int64)
        order = np.argsort(-heads, axis=0, kind="stable")
        sorted_h = np.take_along_axis(heads, order, axis=0)
        cum = np.concatenate([np.zeros((1, n), np.int64), np.cumsum(sorted_h, axis=0)])
        f_unit = (cum[:, None, :] < g_axis[None, :, None]).sum(axis=0).astype(np.int32)  # (cap+1, n)
        f_unit = np.where(g_axis[:, None] <= cum[-1][None, :], f_unit, big)
        others = model.others[i]
        best = f_unit.copy()
        combo_at = np.zeros((cap + 1, n), dtype=np.int32)
        combos = list(itertools.product(*[list(v) for _j, v in others])) if others else [()]
        for c_idx, combo in enumerate(combos):
            if not others:
                break
            gain = np.zeros(n, dtype=np.int64)
            count = np.zeros(n, dtype=np.int32)
            valid = np.ones(n, dtype=bool)
            for (j, _v), value in zip(others, combo):
                delta = int(value) - pts[j]
                valid &= delta >= 0
                gain += np.maximum(delta, 0)
                count += delta > 0
            src = g_axis[:, None] - gain[None, :]
            cand = np.where((src >= 0) & valid[None, :],
                            np.take_along_axis(f_unit, np.clip(src, 0, cap), axis=0) + count[None, :], big)
            better = cand < best
            best = np.where(better, cand, best)
            combo_at = np.where(better, c_idx, combo_at)
        tables.append(np.minimum(best, big))
        how.append((units, order, sorted_h, cum, combos, combo_at))

    K = rule.min_pillars
    state = np.full((K + 1, cap + 1, n), big, dtype=np.int32)
    state[0, 0, :] = 0
    traces = []
    for i in range(n_p):
        f = tables[i]
        new = np.full_like(state, big)
        g_from = np.zeros(state.shape, dtype=np.int16)
        k_from = np.zeros(state.shape, dtype=np.int8)
        for g in range(cap + 1):
            cost = f[g]
            if (cost >= big).all():
                continue
            lifted = g >= deficit[i]
            src = state[:, : cap + 1 - g, :] + cost[None, None, :]
            for k in range(K + 1):
                for target_k, sel in ((k, ~lifted), (min(K, k + 1), lifted)):
                    if not sel.any():
                        continue
                    dst = new[target_k, g:, :]
                    better = (src[k] < dst) & sel[None, :]
                    dst[better] = src[k][better]
                    g_from[target_k, g:, :][better] = g
                    k_from[target_k, g:, :][better] = k
        state = new
        traces.append((g_from, k_from))

    firms = np.arange(n)
    solved = state[K, need, firms] < big
    gains = np.zeros((n_p, n), dtype=np.int64)
    k = np.full(n, K)
    total = need.copy()
    for i in range(n_p - 1, -1, -1):
        g_from, k_from = traces[i]
        g = g_from[k, total, firms].astype(np.int64)
        k_prev = k_from[k, total, firms].astype(np.int64)
        gains[i] = g
        total = total - g
        k = k_prev

    new_pts = pts.copy()
    for i in range(n_p):
        units, order, sorted_h, cum, combos, combo_at = how[i]
        g = gains[i]
        c_idx = combo_at[np.minimum(g, cap), firms]
        lumpy_gain = np.zeros(n, dtype=np.int64)
        for pos, (j, _v) in enumerate(model.others[i]):
            value = np.array([int(c[pos]) for c in combos])[c_idx]
            new_pts[j] = np.maximum(pts[j], value)
            lumpy_gain += new_pts[j] - pts[j]
        u = g - lumpy_gain  # what the unit-step criteria add: largest first, the last one cut back
        if units:
            for r in range(len(units)):
                prev = cum[r]
                add = np.clip(u - prev, 0, sorted_h[r])
                j = np.array(units)[order[r]]
                np.add.at(new_pts, (j, firms), add)
    return solved, new_pts
