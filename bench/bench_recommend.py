"""Benchmark: roadmaps and recommendations for 100,000 scored firms (issue 3).

Run from the project root:

    .venv/bin/python bench/bench_recommend.py [--firms 100000] [--loop-sample 300] [--roadmap-sample 2000]

In the same run:
- ours, recommendations: ``assessment.recommend.rank_many`` over all firms at once (fits, lifts,
  exact points still needed after each entry, ranking with the per-category cap), for the shipped
  catalogue;
- ours, points still needed for the next level: ``assessment.roadmap.points_needed`` (all firms);
- ours, both together: ``assessment.planning.plan_many`` (the two parts in two processes);
- ours, roadmaps with their steps: ``assessment.roadmap.roadmaps_many`` (all firms at once; the
  firms it cannot certify are solved one by one with the exact solver);
- the exact solver alone, ``exact_roadmap`` per firm, timed on --roadmap-sample firms and scaled,
  its optimum checked equal to ours;
- loop reference: the same recommendations computed firm by firm (the single-firm path a results
  page uses: for each firm, each entry, its lifts and an exact roadmap before and after), timed on
  --loop-sample firms and scaled. Its output is checked equal to ours on those firms.
Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import machine, synthetic_codes  # noqa: E402

from assessment.catalogue import CATALOGUE_FILE, load_catalogue  # noqa: E402
from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework  # noqa: E402
from assessment.recommend import rank_many  # noqa: E402
from assessment.planning import plan_many  # noqa: E402
from assessment.roadmap import exact_roadmap, points_needed, roadmaps_many  # noqa: E402
from assessment.scoring import points_from_codes, score_points  # noqa: E402


def loop_recommend(fw, entries, firm: dict[str, int], size: str, sector: str, top: int = 5):
    """Per-firm reference: plain loops over entries with an exact roadmap before and after each."""
    level = int(score_points(fw, np.array([[firm[c] for c in fw.criterion_ids]], dtype=np.int16)).level[0])
    road = exact_roadmap(fw, firm)
    scored = []
    for e in sorted(entries, key=lambda e: e.id):
        if size not in e.sizes or (e.sectors != "all" and sector not in e.sectors):
            continue
        if not e.maturity[0] <= level <= e.maturity[1]:
            continue
        after = dict(firm)
        potential = 0
        for lift in e.improves:
            if firm[lift.criterion] < lift.to:
                potential += lift.to - firm[lift.criterion]
                after[lift.criterion] = lift.to
        if potential == 0:
            continue
        level_after = int(score_points(fw, np.array([[after[c] for c in fw.criterion_ids]], dtype=np.int16)).level[0])
        progress = 0
        if road.reachable and road.target_level is not None:
            if level_after >= road.target_level:
                progress = road.points_to_gain
            else:
                rest = exact_roadmap(fw, after, road.target_level)
                progress = road.points_to_gain - rest.points_to_gain if rest.reachable else 0
        scored.append((-progress, -level_after, -potential, e.id, e.category))
    scored.sort()
    out, per_cat = [], {}
    for *_k, eid, cat in scored:
        if per_cat.get(cat, 0) < 2:
            out.append(eid)
            per_cat[cat] = per_cat.get(cat, 0) + 1
        if len(out) == top:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--loop-sample", type=int, default=300)
    ap.add_argument("--roadmap-sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args()

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    entries = load_catalogue(CATALOGUE_FILE, fw).published()
    points = np.asarray(points_from_codes(fw, synthetic_codes(fw, args.firms, args.seed)))
    rng = np.random.default_rng(args.seed)
    sizes = rng.choice(["micro", "small", "medium"], size=args.firms, p=[0.6, 0.3, 0.1]).tolist()
    sectors = rng.choice(list("ACFGHI"), size=args.firms).tolist()
    n = args.firms

    start = time.perf_counter()
    ranking = rank_many(fw, entries, points, size_classes=sizes, sectors=sectors)
    t_rank = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    levels = score_points(fw, points).level.astype(int)
    start = time.perf_counter()
    points_needed(fw, points, levels + 1)
    t_needed = time.perf_counter() - start

    start = time.perf_counter()
    roads = roadmaps_many(fw, points)
    t_road = time.perf_counter() - start

    start = time.perf_counter()
    plan = plan_many(fw, entries, points, size_classes=sizes, sectors=sectors, workers=2)
    t_plan = time.perf_counter() - start
    assert np.array_equal(plan.ranking.chosen, ranking.chosen) and np.array_equal(plan.roadmaps.after, roads.after)

    m = min(args.roadmap_sample, n)
    start = time.perf_counter()
    for i, row in enumerate(points[:m]):
        exact = exact_roadmap(fw, dict(zip(fw.criterion_ids, map(int, row))))
        mine = roads.roadmap(i)
        assert (exact.points_to_gain, len(exact.steps)) == (mine.points_to_gain, len(mine.steps)), i
    t_exact = (time.perf_counter() - start) * n / m

    k = min(args.loop_sample, n)
    start = time.perf_counter()
    loop_out = [loop_recommend(fw, entries, dict(zip(fw.criterion_ids, map(int, points[i]))), sizes[i], sectors[i])
                for i in range(k)]
    t_loop_sample = time.perf_counter() - start
    t_loop = t_loop_sample * n / k
    ours = [[ranking.entries[e].id for e in ranking.chosen[i] if e >= 0] for i in range(k)]
    assert ours == loop_out, "the per-firm reference disagrees with rank_many"

    print(f"""
### Roadmaps and recommendations ({time.strftime('%Y-%m-%d')})

Machine: {machine()}.
Data: {n:,} synthetic firms (answers around a latent maturity, seed {args.seed}), sizes 60/30/10 %
micro/small/medium, 6 sectors; catalogue: the shipped file, {len(entries)} published entries.

| what | wall time for {n:,} firms | per firm |
|---|---|---|
| ours: recommendations, `rank_many` (all firms at once) | {t_rank:.2f} s | {t_rank / n * 1e6:.0f} µs |
| ours: points needed for the next level, `points_needed` | {t_needed:.2f} s | {t_needed / n * 1e6:.1f} µs |
| ours: roadmaps with steps, `roadmaps_many` (all firms; {roads.solved_exactly:,} solved one by one) | {t_road:.1f} s | {t_road / n * 1e6:.0f} µs |
| ours: both, `plan_many` (the two parts in 2 processes side by side) | {t_plan:.1f} s | {t_plan / n * 1e6:.0f} µs |
| exact solver per firm, `exact_roadmap` ({m:,} timed, scaled; same optimum checked) | {t_exact:.0f} s | {t_exact / n * 1e3:.2f} ms |
| loop reference: recommendations firm by firm ({k:,} timed, scaled) | {t_loop:,.0f} s | {t_loop / n * 1e3:.1f} ms |

Recommendations: ours is {t_loop / t_rank:,.0f}x the per-firm loop, and gave the same top entries
on the {k:,} firms compared. Peak RSS after ranking: {rss:,.0f} MiB.
Goal (issue 3): recommendations and roadmaps for 100,000 firms <= 5 s:
recommendations {'met' if t_rank <= 5 else 'NOT met'} ({t_rank:.2f} s); roadmaps with steps
{'met' if t_road <= 5 else 'NOT met'} ({t_road:.1f} s; only the points needed, without the steps, take {t_needed:.2f} s);
both together: {'met' if t_plan <= 5 else 'NOT met'} ({t_plan:.1f} s with `plan_many` on 2 cores; {t_rank + t_road:.1f} s one after the other).
""")


if __name__ == "__main__":
    main()
