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
