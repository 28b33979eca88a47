"""Benchmark: PDF scorecards, one and 1,000 in bulk (issue 5).

Run from the project root:

    .venv/bin/python bench/bench_report.py [--db sqlite:////tmp/dbi-bench.sqlite3] [--bulk 1000] [--repeat 30]

The database is the dashboard benchmark's demo province (filled with 2,000 demo firms if it does not
exist). In the same run:
- one scorecard: ``report.scorecard_pdf`` for a demo firm with its roadmap, five recommendations,
  peer percentiles, cluster and history already gathered (median of --repeat), and the same with
  the firm view gathered (``firm_view.view``) included;
- floor: an fpdf2 document of the same page count with the same two Open Sans faces and a few lines
  of text per page (font embedding and subsetting, page output), no content logic;
- bulk: ``scorecards.many`` + ``zip_of`` for --bulk firms in two worker processes, everything
  included (reading each assessment, its history, gathering, rendering, zipping), and the peak
  memory of this process and of its workers.
Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def floor_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    from assessment.report import font_dir

    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("OpenSans", "", str(font_dir() / "OpenSans-Regular.ttf"))
    pdf.add_font("OpenSans", "B", str(font_dir() / "OpenSans-Bold.ttf"))
    for k in range(pages):
        pdf.add_page()
        pdf.set_font("OpenSans", "B", 12)
        pdf.cell(0, 8, f"Trang {k + 1} – Phiếu kết quả đánh giá chuyển đổi số")
        pdf.ln(10)
        pdf.set_font("OpenSans", "", 9)
        pdf.cell(0, 6, "Hợp tác xã Chè Shan Tuyết Tà Xùa · Mức 2 – Bắt đầu · 0123456789/%")
    return bytes(pdf.output())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="sqlite:////tmp/dbi-bench.sqlite3")
    ap.add_argument("--bulk", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    from pypdf import PdfReader

    from assessment import firm_view, frames, report, scorecards
    from assessment.framework import get_framework
    from assessment.config import settings
    from assessment.storage import FirmRow, Store
    from bench_scoring import machine
    from sqlalchemy import func, select

    cfg = settings()
    store = Store.from_url(args.db)
    with store.engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(FirmRow)).scalar_one()
    if have < args.bulk:
        print(f"# filling {args.db} with 2,000 demo firms (not timed)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", str(max(2_000, args.bulk))],
                       check=True, env={**__import__("os").environ, "DBI_DATABASE_URL": args.db},
                       cwd=Path(__file__).resolve().parent.parent)
    latest = frames.latest_frame(store, cfg.default_framework)
    ids = latest.sort_values("assessment_id")["assessment_id"].tolist()

    # one scorecard, with a firm that has history
    with_history = latest[latest["assessment_id"].isin(
        [aid for aid in ids[:400] if store.get(aid).previous_id is not None])]
    aid = int(with_history["assessment_id"].iloc[0]) if len(with_history) else ids[0]
    record = store.get(aid)
    fw = get_framework(record.framework_key)
    ctx = firm_view.Context.read(store, fw)
    data = firm_view.view(fw, record, ctx)
    history = data.history
    pdf = report.scorecard_pdf(fw, data, "vi")
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    render, full, floor = [], [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        report.scorecard_pdf(fw, data, "vi")
        render.append(time.perf_counter() - t)
        t = time.perf_counter()
        d = firm_view.view(fw, record, ctx)
        report.scorecard_pdf(fw, d, "vi")
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        floor_pdf(pages)
        floor.append(time.perf_counter() - t)

    # bulk
    chosen = ids[: args.bulk]
    t = time.perf_counter()
    data_zip = scorecards.zip_of(scorecards.many(chosen, "vi", url=args.db, workers=2), total=len(chosen))
    bulk = time.perf_counter() - t
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    med = statistics.median
    print(f"### Scorecard benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {machine()}.")
    print(f"Data: {args.db.split(':')[0]} demo province ({len(ids):,} firms); the single scorecard is "
          f"{pages} pages ({len(pdf) / 1024:.0f} KiB) with {len(data.recommendations)} recommendations, "
          f"{len(history)} earlier assessment(s), peers and cluster.\n")
    print("| what | median | best |")
    print("|---|---|---|")
    print(f"| ours: one scorecard, rendering | {med(render) * 1000:.1f} ms | {min(render) * 1000:.1f} ms |")
    print(f"| ours: one scorecard, gathering (roadmap, recommendations, peers, cluster) + rendering "
          f"| {med(full) * 1000:.1f} ms | {min(full) * 1000:.1f} ms |")
    print(f"| floor: fpdf2, {pages} pages, same fonts, no content logic | {med(floor) * 1000:.1f} ms "
          f"| {min(floor) * 1000:.1f} ms |")
    print(f"| ours: {len(chosen):,} scorecards in a ZIP, 2 processes, everything included | {bulk:.1f} s "
          f"({bulk / len(chosen) * 1000:.0f} ms each) | ZIP {len(data_zip) / 2**20:.0f} MiB |")
    print(f"\nPeak memory: this process {rss_self:.0f} MiB, largest worker {rss_children:.0f} MiB.\n")
    print(f"- one scorecard <= 50 ms: {'met' if med(render) <= 0.050 else 'NOT met'} for the rendering "
          f"({med(render) * 1000:.0f} ms, {med(render) / med(floor):.1f}x the floor); "
          f"{med(full) * 1000:.0f} ms with the gathering")
    print(f"- {len(chosen):,} scorecards <= 30 s on 2 cores: {'met' if bulk <= 30 else 'NOT met'} ({bulk:.1f} s)")


if __name__ == "__main__":
    main()
