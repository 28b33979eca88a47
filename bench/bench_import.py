"""Benchmark: importing 20,000 and 200,000 paper-form rows while firms save their steps (issue 10).

Run from the project root:

    .venv/bin/python bench/bench_import.py [--rows 20000 200000] [--postgres URL] [--baseline]

For each row count and backend, in a fresh process: a CSV of that many firms (the import template's
columns, box numbers drawn around a latent maturity, one written share per row) is validated and
written (``importer.import_file`` then ``Store.import_assessments``) into an empty database, while a
separate process, as another app process would, saves a firm's pillar step every 0.2 s and records
how long each save takes. Reported: wall time of the validation and of the write, peak memory of
the importing process (max RSS), and the save latencies (median, p99, max, failures).

``--baseline`` runs, in the same way, the import as it was before (one transaction holding the
write lock for the whole file, an ORM insert per row) on SQLite for the smallest row count: the
reference the issue names (a 20,000-row import held SQLite's lock for minutes; saves failed after
30 s). Prints a Markdown block to paste into bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_csv(path: Path, n: int, seed: int = 10) -> None:
    import numpy as np
    import pandas as pd

    from assessment import demo, importer
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    codes = demo.answer_matrix(fw, n, seed=seed)
    rng = np.random.default_rng(seed)
    columns = importer.template_columns(fw, "vi")
    data = {c: [""] * n for c in columns}
    tax = demo.demo_tax_codes(n)
    data["Mã số thuế"] = tax
    data["Tên doanh nghiệp"] = [f"Hợp tác xã Số {i}" for i in range(n)]
    data["Ngành (mã VSIC cấp 1)"] = rng.choice(list("ACGIF"), n).tolist()
    data["Xã, phường (mã hoặc tên)"] = rng.choice(["03646", "03980", "03670", "03721", "04222"], n).tolist()
    data["Số lao động"] = rng.integers(1, 90, n).astype(str).tolist()
    data["Doanh thu (tỷ đồng)"] = [f"{x:.1f}".replace(".", ",") for x in rng.uniform(0.5, 80, n)]
    data["Ngày đánh giá"] = "15/10/2026"
    for j, crit in enumerate(fw.criteria):
        data[crit.id] = codes[:, j].astype(str).tolist()
    share = next(c for c in fw.criteria if c.type == "share")
    j = fw.criterion_ids.index(share.id)
    edges = [0.0] + [b.up_to for b in share.bands]
    data[share.id] = [""] * n  # this share written as a figure on every form
    data[importer.figure_header(share, "vi")] = [
        f"{0 if c == 0 else (edges[c] + edges[c + 1]) / 2:g}" for c in codes[:, j]]
    pd.DataFrame(data, columns=columns).to_csv(path, index=False)


def saver(url: str, aid: int, stop, out) -> None:
    """Another app process: a firm saves its first pillar step every 0.2 s."""
    from assessment.answers import Answer
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    store = Store.from_url(url)
    pillar = fw.pillars[0]
    lat, failures, k = [], 0, 0
    while not stop.is_set():
        answers = {c.id: Answer((k + i) % len(c.choices)) for i, c in enumerate(pillar.criteria)}
        t = time.perf_counter()
        try:
            store.save_answers(aid, answers, step=1)
            lat.append(time.perf_counter() - t)
        except Exception:  # noqa: BLE001 - a failed save is what we count
            failures += 1
        k += 1
        time.sleep(0.2)
    out.put({"latencies": lat, "failures": failures})


def one(url: str, csv_path: Path, baseline: bool) -> dict:
    from assessment import frames, importer
    from assessment.firms import FirmProfile
    from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
    from assessment.storage import Store

    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    store = Store.from_url(url)
    aid, _ = store.create_assessment(FirmProfile("0101248141", "Cửa hàng đang tự đánh giá", "G", 4, 1.0, None,
                                                 "03646"), fw.key)
    ctx = mp.get_context("spawn")
    stop, out = ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=saver, args=(url, aid, stop, out), daemon=True)
    proc.start()
    time.sleep(3)  # the saver is up and saving
    try:
        data = csv_path.read_bytes()
        t0 = time.perf_counter()
        report = importer.import_file(store, fw, data, csv_path.name)
        t1 = time.perf_counter()
        assert report.ok, report.table("en").head().to_string()
        if baseline:
            written = baseline_import(store, fw, report.valid)
        else:
            written = store.import_assessments(fw, report.valid, who="bench")
        t2 = time.perf_counter()
        time.sleep(1)
    finally:
        stop.set()
    saves = out.get(timeout=60)
    proc.join(timeout=30)
    assert len(written) == len(report.valid) == len(frames.submitted_frame(store, fw.key))
    lat = sorted(saves["latencies"])
    p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]) if lat else (lambda q: float("nan"))
    return {"rows": len(report.valid), "validate_s": t1 - t0, "write_s": t2 - t1, "total_s": t2 - t0,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "saves": len(lat),
            "save_median_s": statistics.median(lat) if lat else float("nan"), "save_p99_s": p(0.99),
            "save_max_s": lat[-1] if lat else float("nan"), "save_failures": saves["failures"]}


def baseline_import(store, fw, rows):
    """The import as it was before this issue (commit 37d7c37): one transaction for the whole file,
    an ORM object and a flush per row, the lock held from the first row to the commit."""
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from assessment import codes
    from assessment.models import IMPORTED, SUBMITTED, AssessmentRow, FirmRow, ScoreRow, answers_document
    from assessment.scoring import score_codes
    from assessment.storage import profile_columns, score_forms

    import numpy as np

    scores = score_codes(fw, np.stack([r.codes for r in rows]))
    out = []
    with sessionmaker(store.engine).begin() as s:
        for k, r in sorted(enumerate(rows), key=lambda kr: kr[1].submitted_at):
            firm = s.scalar(select(FirmRow).where(FirmRow.tax_code == r.profile.tax_code))
            if firm is None:
                firm = FirmRow(tax_code=r.profile.tax_code, name=r.profile.name)
                s.add(firm)
                s.flush()
            firm.name = r.profile.name
            previous = s.scalar(select(AssessmentRow.id).where(AssessmentRow.firm_id == firm.id,
                                                               AssessmentRow.status == SUBMITTED).limit(1))
            result = scores.firm(k)
            code = codes.new_code()
            row = AssessmentRow(firm_id=firm.id, framework_id=fw.id, framework_version=fw.version, status=SUBMITTED,
                                lang="vi", resume_hash=codes.code_hash(code), previous_id=previous,
                                created_at=r.submitted_at, updated_at=r.submitted_at, submitted_at=r.submitted_at,
                                total=result.total, level=result.level, results=result.to_dict(), source=IMPORTED,
                                period=r.submitted_at.year, answers=answers_document(r.answers(fw)),
                                **profile_columns(r.profile))
            s.add(row)
            s.flush()
            s.add(ScoreRow(assessment_id=row.id, **score_forms(result.to_dict())[1]))
            out.append((r.row, r.profile.tax_code, row.id, code))
    return out


def fresh_url(backend: str, postgres: str | None, workdir: Path):
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'import-{uuid.uuid4().hex[:8]}.sqlite3'}", None
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres else "?"
    return f"{postgres}{sep}options=-csearch_path%3D{schema}", (admin, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--postgres", default=os.environ.get("DBI_TEST_POSTGRES_URL"))
    parser.add_argument("--baseline", action="store_true", help="also the previous one-transaction import (SQLite)")
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--one", nargs=3, metavar=("URL", "CSV", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], Path(args.one[1]), args.one[2] == "baseline")))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for n in args.rows:
            csv_path = work / f"import-{n}.csv"
            make_csv(csv_path, n)
            runs = [(b, "staged") for b in args.backends if b == "sqlite" or args.postgres]
            if args.baseline and n == min(args.rows):
                runs.append(("sqlite", "baseline"))
            for backend, mode in runs:
                url, cleanup = fresh_url(backend, args.postgres, work)
                try:
                    proc = subprocess.run([sys.executable, __file__, "--one", url, str(csv_path), mode],
                                          capture_output=True, text=True, cwd=ROOT, timeout=7200)
                    if proc.returncode != 0:
                        print(proc.stderr[-3000:], file=sys.stderr)
                        raise SystemExit(1)
                    res = json.loads(proc.stdout.strip().splitlines()[-1])
                    res.update(backend=backend, mode=mode, mib=csv_path.stat().st_size / 2**20)
                    results.append(res)
                    print(json.dumps(res), file=sys.stderr)
                finally:
                    if cleanup is not None:
                        from sqlalchemy import text

                        admin, schema = cleanup
                        with admin.begin() as conn:
                            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                        admin.dispose()
    print(f"### Import benchmark ({time.strftime('%Y-%m-%d')})\n")
    print(f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
          f"{platform.python_version()}. A second process saves a firm's pillar step every 0.2 s throughout.\n")
    print("| rows | backend | import | validate | write | total | peak RSS | saves | save median | save p99 | "
          "save max | failed saves |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['rows']:,} | {r['backend']} | {r['mode']} | {r['validate_s']:.1f} s | {r['write_s']:.1f} s | "
              f"{r['total_s']:.1f} s | {r['rss_mib']:.0f} MiB | {r['saves']} | {r['save_median_s'] * 1000:.0f} ms | "
              f"{r['save_p99_s'] * 1000:.0f} ms | {r['save_max_s'] * 1000:.0f} ms | {r['save_failures']} |")


if __name__ == "__main__":
    main()
