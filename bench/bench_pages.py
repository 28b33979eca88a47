"""Benchmark: how long the firm's pages take on the server, on a 1,500-firm demo province (issue 13).

Run from the project root:

    .venv/bin/python bench/bench_pages.py [--firms 1500] [--repeat 5]

Each figure is the wall time of one Streamlit run of the real app script (app.py, through
Streamlit's AppTest in this process: the server's own work for a click, without the browser's
drawing or the network), on a SQLite database filled once with the demo province:

- first request: a new process's first run of the questionnaire page (imports, framework, engine,
  migrations check, catalogue), as the first visitor after a start;
- later first visit: a new session's first run once the process is warm;
- profile save: the profile step's "save and continue" (a new draft and its resume code);
- step save: a pillar step's "save and continue";
- submit: the review's "submit" until the results page is drawn;
- results by link: a new session opening ``?code=`` of a submitted assessment.

Medians over --repeat runs (the first request once). Prints a Markdown block for bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
APP = str(ROOT / "app.py")


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=1_500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dbi-pages-"))
    url = f"sqlite:///{work / 'pages.sqlite3'}"
    os.environ["DBI_DATABASE_URL"] = url
    subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", str(args.firms), "--seed", "1"],
                   check=True, cwd=ROOT, capture_output=True)

    from streamlit.testing.v1 import AppTest

    from assessment.framework import get_framework

    fw = get_framework()
    timings: dict[str, list[float]] = {k: [] for k in ("first", "visit", "profile", "step", "submit", "link")}

    def new_app(code=None):
        at = AppTest.from_file(APP, default_timeout=120)
        if code:
            at.query_params["code"] = code
        return at

    first, _ = _timed(lambda: new_app().run())
    timings["first"].append(first)
    codes = []
    for i in range(args.repeat):
        at = new_app()
        seconds, at = _timed(at.run)
        timings["visit"].append(seconds)
        from assessment.firms import complete_tax_code

        at.text_input(key="pf_tax_code").input(complete_tax_code(f"55{i:07d}"))
        at.text_input(key="pf_name").input(f"Cửa hàng thử {i}")
        at.selectbox(key="pf_sector").select_index(6)
        at.selectbox(key="pf_locality").select("03980")
        at.number_input(key="pf_employees").set_value(4)
        at.number_input(key="pf_revenue").set_value(1.5)
        seconds, at = _timed(at.button(key="profile_next").click().run)
        timings["profile"].append(seconds)
        codes.append(at.session_state["new_code"])
        aid = at.session_state["assessment_id"]
        for pillar in fw.pillars:
            for crit in pillar.criteria:
                if crit.type == "count":
                    at.number_input(key=f"q_{aid}_{crit.id}").set_value(1)
                else:
                    at.radio(key=f"q_{aid}_{crit.id}").set_value(1)
            seconds, at = _timed(at.button(key=f"next_{pillar.id}").click().run)
            timings["step"].append(seconds)
        at.button(key="inv_next").click().run()  # the platforms step, left empty
        seconds, at = _timed(at.button(key="submit").click().run)
        assert not at.exception and at.metric, "the results page did not draw"
        timings["submit"].append(seconds)
    for code in codes:
        seconds, at = _timed(new_app(code).run)
        assert at.metric, "the results page did not open by link"
        timings["link"].append(seconds)

    from bench_scoring import machine

    med = statistics.median
    names = {"first": "first request after start (cold process)", "visit": "a new visitor's first page (warm)",
             "profile": "profile step: save and continue", "step": "pillar step: save and continue",
             "submit": "submit, until the results are drawn", "link": "results opened by resume link"}
    goals = {"visit": 1.5, "link": 1.5, "profile": 1.0, "step": 1.0, "submit": 2.0}
    print(f"### Firm pages on the server ({time.strftime('%Y-%m-%d')}) {args.label}\n")
    print(f"Machine: {machine()}. Data: SQLite, demo province of {args.firms:,} firms; AppTest runs of app.py "
          f"(server time per click, no browser); medians of {args.repeat} runs.\n")
    print("| page | median | max | goal |")
    print("|---|---|---|---|")
    for key, label in names.items():
        values = timings[key]
        goal = goals.get(key)
        verdict = "" if goal is None else (f"<= {goal} s: {'met' if med(values) <= goal else 'NOT met'}")
        print(f"| {label} | {med(values):.2f} s | {max(values):.2f} s | {verdict} |")


if __name__ == "__main__":
    main()
