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


def roadmap(fw: Framework, criterion_points: dict[str, int], target_level: int | None = None) -> Roadmap:
    """The cheapest way from the firm's current answers to ``target_level`` (default: next level).

    Examples
    --------
    >>> from assessment.framework import load_framework, DEFAULT_FRAMEWORK_FILE
    >>> fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    >>> r = roadmap(fw, {cid: 0 for cid in fw.criterion_ids})
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
        steps = _cheapest(fw, criterion_points, result, candidate)
        if steps is not None:
            key = (sum(s.gain for s in steps), len(steps), steps)
            if best is None or key[:2] < best[:2]:
                best = key
    if best is None:
        return Roadmap(level, target, False)
    return Roadmap(level, target, True, best[2])


def _cheapest(fw: Framework, criterion_points: dict[str, int], result, target: int) -> tuple[RoadmapStep, ...] | None:
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
            higher = sorted({p for p in crit.code_points if p >= now})
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

    def state(self, pts: np.ndarray, level: int) -> GapState:
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
                rooms[i] += fw.criterion_max[j] - pts[j]
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


def points_needed(fw: Framework, points: np.ndarray, targets: np.ndarray, *, model: GapModel | None = None) -> np.ndarray:
    """Fewest points each firm must gain to reach at least its target level (-1: unreachable).

    ``points`` is (n, n_criteria) criterion points, ``targets`` (n,) levels. Always equals
    ``roadmap(...).points_to_gain``: the vectorised :class:`GapModel` answers, and the few firms
    it cannot certify are solved exactly.
    """
    model = model or GapModel(fw)
    pts = np.ascontiguousarray(np.asarray(points, dtype=np.int16).T)
    targets = np.asarray(targets)
    n = pts.shape[1]
    best = np.full(n, INF, dtype=np.int64)
    uncertain = np.zeros(n, dtype=bool)
    nested = nested_rules(fw)
    for level in range(1, fw.max_level + 1):
        rows = np.flatnonzero((targets == level) if nested else (targets <= level))
        if rows.size == 0:
            continue
        need, unsure = model.needed(model.state(pts[:, rows], level), level)
        best[rows] = np.minimum(best[rows], need)
        uncertain[rows] |= unsure
    out = np.where(best >= INF, -1, best)
    out[targets > fw.max_level] = -1
    for i in np.flatnonzero(uncertain & (targets <= fw.max_level)):
        road = roadmap(fw, dict(zip(fw.criterion_ids, map(int, pts[:, i]))), int(targets[i]))
        out[i] = road.points_to_gain if road.reachable else -1
    return out
