"""Benchmark: score 1,000,000 synthetic answer sheets of the 60-criterion DBI framework.

Run from the project root:

    .venv/bin/python bench/bench_scoring.py [--firms 1000000] [--loop-sample 20000] [--repeat 5]

Reports, in the same run:
- our vectorised scorer (assessment.scoring.score_codes): answer codes -> points -> components,
  pillars, pillar levels, total, overall level; wall time (median and best of --repeat), sheets/s,
  peak memory;
- the loop reference: a plain per-sheet Python loop over dicts (the way most tools score), timed
  on a --loop-sample sample and scaled to the full count;
- the floor: one numpy matrix product of the same answer-points matrix with a 0/1
  criterion-to-pillar matrix (int16, the dtype our scorer uses; and float32, which numpy hands to
  BLAS), i.e. pillar sums and nothing else.
Both references are checked against our results on the same sheets.
Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment.framework import DEFAULT_FRAMEWORK_FILE, Framework, load_framework  # noqa: E402
from assessment.scoring import points_from_codes, score_codes  # noqa: E402


def synthetic_codes(fw: Framework, n: int, seed: int) -> np.ndarray:
    """n answer sheets: per firm a latent maturity, answers drawn around it (as real sheets
    correlate), built column by column, as a table of answers is read."""
    rng = np.random.default_rng(seed)
    maturity = rng.beta(2.0, 3.0, size=n).astype(np.float32)
    codes = np.empty((n, len(fw.criteria)), dtype=np.int8, order="F")
    for j, crit in enumerate(fw.criteria):
        k = len(crit.choices)
        noisy = maturity * (k - 1) + rng.normal(0.0, 0.9, size=n).astype(np.float32)
        codes[:, j] = np.clip(np.rint(noisy), 0, k - 1)
    return codes


def loop_score(fw: Framework, sheets: list[dict[str, int]]) -> list[tuple[int, int]]:
    """The plain reference: one sheet at a time, dicts and if-chains, no numpy."""
    crit_points = {c.id: [p for p, _ in c.choices] for c in fw.criteria}
    pillars = [(p.id, p.max_points, [c.id for c in p.criteria]) for p in fw.pillars]
    bands = [(r.level, r.min_percent, r.inclusive) for r in fw.spec.pillar_levels]
    rules = [(r.level, r.min_total, r.inclusive, r.min_pillars, r.pillar_level) for r in fw.spec.overall_levels]
    out = []
    for sheet in sheets:
        total = 0
        levels = []
        for _pid, max_points, ids in pillars:
            points = 0
            for cid in ids:
                points += crit_points[cid][sheet[cid]]
            total += points
            level = 0
            for lv, min_percent, inclusive in bands:
                # percent compared as integers: points * 100 vs min_percent * max (exact)
                lhs, rhs = points * 100, min_percent * max_points
                if lhs > rhs or (inclusive and lhs == rhs):
                    level = lv
            levels.append(level)
        overall = 0
        for lv, min_total, inclusive, n_pillars, pillar_level in rules:
            if (total > min_total or (inclusive and total == min_total)) and sum(
                1 for x in levels if x >= pillar_level
            ) >= n_pillars:
                overall = lv
        out.append((total, overall))
    return out


def timed(fn, repeat: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = ""
    try:
        from threadpoolctl import threadpool_info

        blas = ", ".join(f"{i['internal_api']} {i.get('version') or ''} ({i['num_threads']} threads)".strip()
                         for i in threadpool_info())
    except Exception:  # noqa: BLE001 - informative only
        pass
    return (f"{os.cpu_count()} cores, {model or platform.processor()}, Python {platform.python_version()}, "
            f"numpy {np.__version__}{', ' + blas if blas else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=1_000_000)
    ap.add_argument("--loop-sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    codes = synthetic_codes(fw, args.firms, args.seed)
    n = len(codes)

    # --- ours ---------------------------------------------------------------------------------
    score_codes(fw, codes[:1000])  # warm-up (lookup tables, caches)
    med, best, scores = timed(lambda: score_codes(fw, codes), args.repeat)
    rss_after_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    tracemalloc.start()
    score_codes(fw, codes)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # --- loop reference ------------------------------------------------------------------------
    m = min(args.loop_sample, n)
    ids = fw.criterion_ids
    sample = [dict(zip(ids, map(int, row))) for row in codes[:m]]
    loop_med, _, loop_out = timed(lambda: loop_score(fw, sample), 1)
    loop_full = loop_med * n / m
    assert [t for t, _ in loop_out] == scores.total[:m].tolist(), "loop reference disagrees on totals"
    assert [lv for _, lv in loop_out] == scores.level[:m].tolist(), "loop reference disagrees on levels"

    # --- floor: one matrix product of the same points matrix --------------------------------------
    points = points_from_codes(fw, codes)  # (n, 60) int16, the matrix our scorer sums
    to_pillar = np.zeros((len(fw.criteria), len(fw.pillars)), dtype=np.int16)
    to_pillar[np.arange(len(fw.criteria)), fw.pillar_index] = 1
    floor_i16, floor_i16_best, pillar_sums = timed(lambda: points @ to_pillar, args.repeat)
    assert np.array_equal(pillar_sums, scores.pillar_points), "floor disagrees on pillar sums"
    points_f32, to_pillar_f32 = points.astype(np.float32), to_pillar.astype(np.float32)
    floor_f32, floor_f32_best, _ = timed(lambda: points_f32 @ to_pillar_f32, args.repeat)

    rate = n / med
    print(f"""
### Scoring benchmark ({time.strftime('%Y-%m-%d')})

Machine: {machine()}.
Data: {n:,} synthetic answer sheets of {fw.key} ({len(fw.criteria)} criteria), seed {args.seed}.

| what | wall time | sheets/s | vs ours |
|---|---|---|---|
| ours: `score_codes` (codes -> points -> components, pillars, levels, overall) | median {med:.3f} s (best {best:.3f} s) | {rate:,.0f} | 1x |
| loop reference: per-sheet Python over dicts, {m:,} sheets timed, scaled | {loop_full:.1f} s (sample {loop_med:.2f} s) | {n / loop_full:,.0f} | ours is {loop_full / med:,.0f}x faster |
| floor: `points @ criterion_to_pillar`, int16 (same matrix) | median {floor_i16:.3f} s (best {floor_i16_best:.3f} s) | {n / floor_i16:,.0f} | ours takes {med / floor_i16:.2f}x |
| floor: same product in float32 (BLAS; conversion not timed) | median {floor_f32:.3f} s (best {floor_f32_best:.3f} s) | {n / floor_f32:,.0f} | ours takes {med / floor_f32:.2f}x |

Peak memory: process max RSS after our scoring runs {rss_after_ours:,.0f} MiB (input codes
{codes.nbytes / 2**20:,.0f} MiB included); peak traced allocation during one scoring call
{traced_peak / 2**20:,.0f} MiB.

Goals (issue 2): <= 1 s for 1,000,000 sheets: {'met' if med <= 1 else 'NOT met'} ({med:.3f} s);
>= 100x the loop: {'met' if loop_full / med >= 100 else 'NOT met'} ({loop_full / med:,.0f}x);
<= 3x the floor: {'met' if med <= 3 * floor_i16 else 'NOT met'} against int16 ({med / floor_i16:.2f}x),
{'met' if med <= 3 * floor_f32 else 'NOT met'} against float32 BLAS ({med / floor_f32:.2f}x);
peak memory <= 1.5 GB: {'met' if rss_after_ours <= 1536 else 'NOT met'} ({rss_after_ours:,.0f} MiB).
""")


if __name__ == "__main__":
    main()
