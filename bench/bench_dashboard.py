"""Benchmark: the dashboard's data for the first render with 100,000 firms in the database (issue 4).

Run from the project root:

    .venv/bin/python bench/bench_dashboard.py [--firms 100000] [--db sqlite:////tmp/dbi-bench.sqlite3] [--postgres URL]

The database is filled once with the demo province (``python -m assessment demo``; ~35 % of the
firms also have an assessment a year earlier, so 100,000 firms hold ~135,000 submitted
assessments) and reused while it holds that many firms. Each timed run is a fresh process-level
start: a new engine, then everything the dashboard computes before drawing (the frame of every
submitted assessment, the kept clustering's placement, each firm's latest assessment in the year,
headline figures with the change since the year before, the locality x pillar heatmap, the sector
comparison, the trend, the firm table). Reference in the same run: the same frame built the plain
way, by decoding each assessment's stored results document (what the dashboard did before the
compact score rows). Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def first_render(url: str) -> dict:
    from assessment import dashboard, frames
    from assessment.department import Department
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    t0 = time.perf_counter()
    store = Store.from_url(url)
    frame = frames.submitted_frame(store, fw.key)
    t_frame = time.perf_counter() - t0
    kept = Department(store).cluster_model(fw)
    frame = dashboard.with_clusters(fw, frame, kept.model if kept else None)
    year = int(frame["submitted_at"].dt.year.max())
    filters = frames.Filters(year=year)
    head = dashboard.headline(fw, frame, filters)
    now = frames.latest(frame, filters)
    dashboard.place_pillar(fw, now, "area")
    dashboard.sector_comparison(fw, now)
    dashboard.trend(frame, filters.other_year(None))
    table = dashboard.firm_table(fw, now, kept.model if kept else None)
    total = time.perf_counter() - t0
    store.engine.dispose()
    return {"total_s": total, "frame_s": t_frame, "rows": len(frame), "firms": head.firms, "table": len(table),
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def cube_figures(url: str) -> dict:
    """Issue 15: the same figures (no firm table yet) added up by the database (aggregates.cube),
    then a filter change computed from the cube alone."""
    from assessment import aggregates, frames
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    t0 = time.perf_counter()
    store = Store.from_url(url)
    cells = aggregates.cube(store, fw)
    t_cube = time.perf_counter() - t0

    def figures(filters):
        head = aggregates.headline(fw, cells, filters)
        now = aggregates.chosen(cells, filters)
        aggregates.place_pillar(fw, now, "area")
        aggregates.sector_comparison(fw, now)
        aggregates.trend(cells, filters)
        return head

    year = int(cells["year"].max())
    head = figures(frames.Filters(year=year))
    total = time.perf_counter() - t0
    t1 = time.perf_counter()
    area = cells["area"].value_counts().index[0]
    figures(frames.Filters(year=year, areas=(area,), sizes=("micro",)))
    change = time.perf_counter() - t1
    store.engine.dispose()
    return {"total_s": total, "cube_s": t_cube, "change_s": change, "cells": len(cells), "firms": head.firms,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def plain_frame(url: str) -> dict:
    """Reference: every submitted assessment's results document decoded row by row."""
    import pandas as pd
    from sqlalchemy import select

    from assessment.storage import SUBMITTED, AssessmentRow, FirmRow, Store

    t0 = time.perf_counter()
    store = Store.from_url(url)
    query = (select(AssessmentRow.id, AssessmentRow.firm_id, FirmRow.tax_code, FirmRow.name, AssessmentRow.sector,
                    AssessmentRow.locality, AssessmentRow.size_class, AssessmentRow.submitted_at,
                    AssessmentRow.total, AssessmentRow.level, AssessmentRow.results)
             .join(FirmRow, FirmRow.id == AssessmentRow.firm_id).where(AssessmentRow.status == SUBMITTED))
    with store.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=[
            "assessment_id", "firm_id", "tax_code", "name", "sector", "locality", "size_class", "submitted_at",
            "total", "level", "results"])
    docs = [json.loads(r) if isinstance(r, str) else r for r in frame.pop("results")]
    for k, p in enumerate(docs[0]["pillars"]):
        frame[f"{p['id']}_points"] = [d["pillars"][k]["points"] for d in docs]
        frame[f"{p['id']}_level"] = [d["pillars"][k]["level"] for d in docs]
    store.engine.dispose()
    return {"total_s": time.perf_counter() - t0, "rows": len(frame)}


def _child(what: str, url: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", what, "--db", url], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ensure(url: str, firms: int) -> None:
    from assessment.storage import FirmRow, Store
    from sqlalchemy import func, select

    store = Store.from_url(url)
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(FirmRow)).scalar_one()
    store.engine.dispose()
    if have != firms:
        print(f"# filling {url} with {firms:,} demo firms (not timed)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", str(firms), "--seed", "1"],
                       check=True, env={**__import__("os").environ, "DBI_DATABASE_URL": url},
                       cwd=Path(__file__).resolve().parent.parent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--db", default="sqlite:////tmp/dbi-bench.sqlite3")
    ap.add_argument("--postgres", help="also run against this PostgreSQL URL (filled the same way)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=["first", "plain", "cube"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({"first": first_render, "plain": plain_frame, "cube": cube_figures}[args.child](args.db)))
        return
    from bench_scoring import machine

    urls = [args.db] + ([args.postgres] if args.postgres else [])
    lines = []
    for url in urls:
        _ensure(url, args.firms)
        _child("first", url)  # a first run that also writes any missing compact score rows (upgrade path)
        runs = [_child("first", url) for _ in range(args.repeat)]
        plain = [_child("plain", url) for _ in range(args.repeat)]
        cubes = [_child("cube", url) for _ in range(args.repeat)]
        med = statistics.median(r["total_s"] for r in runs)
        lines.append((url.split(":")[0], runs, plain, med, cubes))
    print(f"### Dashboard benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: demo province, {args.firms:,} firms, {lines[0][1][0]['rows']:,} submitted assessments; "
          f"{args.repeat} fresh processes each.\n")
    print("| database | ours: first-render data (median, best) | of which the frame | plain frame: results "
          "documents decoded | firms shown | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, runs, plain, med, _cubes in lines:
        print(f"| {name} | {med:.2f} s ({min(r['total_s'] for r in runs):.2f} s) "
              f"| {statistics.median(r['frame_s'] for r in runs):.2f} s "
              f"| {statistics.median(p['total_s'] for p in plain):.2f} s (frame only) "
              f"| {runs[0]['firms']:,} | {max(r['rss_mib'] for r in runs):.0f} MiB |")
    print()
    for name, _runs, _plain, med, _cubes in lines:
        print(f"- {name}: first-render data {med:.2f} s against <= 3 s: {'met' if med <= 3 else 'NOT met'}")
    print("\nThe same figures added up by the database (aggregates.cube; headline, levels, pillars, heatmap, "
          "sectors, trend; no firm table), each in a fresh process:\n")
    print("| database | figures (median, best) | of which the cube query | a filter change | cube rows | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, runs, _plain, med, cubes in lines:
        m = statistics.median(c["total_s"] for c in cubes)
        print(f"| {name} | {m:.2f} s ({min(c['total_s'] for c in cubes):.2f} s) "
              f"| {statistics.median(c['cube_s'] for c in cubes):.2f} s "
              f"| {statistics.median(c['change_s'] for c in cubes) * 1000:.0f} ms | {cubes[0]['cells']:,} "
              f"| {max(c['rss_mib'] for c in cubes):.0f} MiB |")
        assert cubes[0]["firms"] == runs[0]["firms"], "the database's figures count other firms than the frame's"


if __name__ == "__main__":
    main()
