"""Benchmark: how long a person waits on the firm's pages in a real browser, on a 1,500-firm demo
province (issue 13, item 20).

Run from the project root (needs Debian's chromium and playwright, as the browser tests):

    .venv/bin/python bench/bench_pages_browser.py [--firms 1500] [--repeat 3]

The app runs with `streamlit run` on a SQLite database filled once with the demo province; headless
Chromium on a 390x844 phone viewport. Each figure is the time from the action to the moment the
next screen shows what a person waits for (the page heading, the next step's title, the results'
score):

- first request after start: the first page load of a freshly started server;
- a later first visit: a new browser context loading the questionnaire;
- profile save, step save, submit to results;
- results by link: a new tab of a browser that has loaded the app before (its static files
  cached) opening ``/?code=...``, and the same in a new browser context (nothing cached).

Medians over --repeat firms (the first request once). Prints a Markdown block for bench/README.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--firms", type=int, default=1_500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    from playwright.sync_api import expect, sync_playwright

    from assessment.firms import complete_tax_code
    from assessment.framework import get_framework
    from tests.browser_support import StreamlitServer, app_env, chromium_path, choose, metric, settle

    fw = get_framework()
    work = Path(tempfile.mkdtemp(prefix="dbi-browser-"))
    env = app_env(f"sqlite:///{work / 'dbi.sqlite3'}", "admin", "mật-khẩu-đủ-dài")
    subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", str(args.firms), "--seed", "1"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    server = StreamlitServer(env, work / "streamlit.log")
    t: dict[str, list[float]] = {k: [] for k in ("first", "visit", "profile", "step", "submit", "link", "link_cold")}
    n_steps = len(fw.pillars) + 3
    try:
        server.wait_healthy()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=["--disable-dev-shm-usage"])
            expect.set_options(timeout=120_000)

            def page_at(url: str):
                context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                              has_touch=True, base_url=server.url)
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                return page, start

            codes = []
            for i in range(args.repeat + 1):
                page, start = page_at("/")
                expect(page.get_by_role("heading", name="Tự đánh giá mức độ chuyển đổi số")).to_be_visible()
                t["first" if i == 0 else "visit"].append(time.perf_counter() - start)
                if i == 0:
                    page.context.close()
                    continue
                settle(page)
                page.get_by_role("textbox", name="Mã số thuế", exact=True).fill(complete_tax_code(f"55{i:07d}"))
                page.get_by_role("textbox", name="Tên doanh nghiệp", exact=True).fill(f"Cửa hàng thử {i}")
                choose(page, "Ngành kinh doanh chính", "A – Nông nghiệp, lâm nghiệp và thủy sản")
                choose(page, "Xã, phường", "Phường Mộc Châu (Mộc Châu)")
                page.get_by_role("spinbutton", name="Số lao động tham gia BHXH bình quân năm", exact=True).fill("4")
                page.get_by_role("spinbutton", name="Tổng doanh thu năm (tỷ đồng)", exact=True).fill("1.5")
                settle(page)
                start = time.perf_counter()
                page.get_by_role("button", name="Lưu và tiếp tục →").click()
                expect(page.get_by_text(f"Bước 2/{n_steps}:")).to_be_visible()
                t["profile"].append(time.perf_counter() - start)
                codes.append(page.get_by_test_id("stHtml").filter(
                    has=page.get_by_role("button", name="Sao chép mã")).locator("div").first.inner_text().strip())
                for k, pillar in enumerate(fw.pillars, start=2):  # the last one leads to the platforms step
                    for crit in pillar.criteria:
                        label = f"**{crit.id}** · {crit.question('vi')}"
                        if crit.type == "count":
                            box = page.get_by_role("spinbutton", name=label, exact=True)
                            box.fill("1")
                            box.blur()
                        else:
                            page.get_by_role("radiogroup", name=label, exact=True).get_by_text(
                                crit.choices[1][1]("vi"), exact=True).click()
                    settle(page)
                    start = time.perf_counter()
                    page.get_by_role("button", name="Lưu và tiếp tục →").click()
                    expect(page.get_by_text(f"Bước {k + 1}/{n_steps}:")).to_be_visible()
                    t["step"].append(time.perf_counter() - start)
                page.get_by_role("button", name="Lưu và tiếp tục →").click()  # the platforms step, left empty
                expect(page.get_by_text(f"Bước {n_steps}/{n_steps}:")).to_be_visible()
                settle(page)
                start = time.perf_counter()
                page.get_by_role("button", name="Gửi bản đánh giá").click()
                expect(metric(page, "Tổng điểm")).to_have_text(re.compile(r"^\d+/320$"))
                t["submit"].append(time.perf_counter() - start)
                page.context.close()
            # a link opened in a browser that has been here before (the app's static files cached), as
            # a firm does from its messages, and in a new browser (no cache)
            warm, _ = page_at("/")
            expect(warm.get_by_role("heading", name="Tự đánh giá mức độ chuyển đổi số")).to_be_visible()
            for code in codes:
                tab = warm.context.new_page()
                start = time.perf_counter()
                tab.goto(f"/?code={code}")
                expect(metric(tab, "Tổng điểm")).to_have_text(re.compile(r"^\d+/320$"))
                t["link"].append(time.perf_counter() - start)
                tab.close()
                page, start = page_at(f"/?code={code}")
                expect(metric(page, "Tổng điểm")).to_have_text(re.compile(r"^\d+/320$"))
                t["link_cold"].append(time.perf_counter() - start)
                page.context.close()
            warm.context.close()
            browser.close()
    finally:
        server.stop()

    from bench_scoring import machine

    med = statistics.median
    names = {"first": "first request after start", "visit": "a later first visit", "profile": "profile: save and continue",
             "step": "pillar step: save and continue", "submit": "submit to results",
             "link": "results by link (browser that visited before)", "link_cold": "results by link (new browser)"}
    goals = {"visit": 1.5, "link": 1.5, "profile": 1.0, "step": 1.0, "submit": 2.0}
    print(f"### Firm pages in a browser ({time.strftime('%Y-%m-%d')}) {args.label}\n")
    print(f"Machine: {machine()}. Headless Chromium, 390x844 phone viewport, `streamlit run` on the same machine; "
          f"SQLite, demo province of {args.firms:,} firms; medians of {args.repeat} firms "
          f"({len(t['step'])} step saves).\n")
    print("| page | median | max | goal |")
    print("|---|---|---|---|")
    for key, label in names.items():
        values = t[key]
        goal = goals.get(key)
        verdict = "" if goal is None else f"<= {goal} s: {'met' if med(values) <= goal else 'NOT met'}"
        print(f"| {label} | {med(values):.2f} s | {max(values):.2f} s | {verdict} |")


if __name__ == "__main__":
    main()
