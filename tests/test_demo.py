"""The demo province: reproducible, labelled, realistic enough for dashboards, replaceable."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import delete

from assessment import demo
from assessment.firms import current_localities, localities, tax_code_error
from assessment.framework import DEFAULT_FRAMEWORK_FILE, load_framework
from assessment.storage import Store
from assessment.models import YearCellRow
from tests.conftest import assert_same_adoption, latest_records

UNITS = list(current_localities())


def test_same_seed_same_province(dbi):
    a = demo.generate(dbi, 200, seed=3, localities=UNITS)
    b = demo.generate(dbi, 200, seed=3, localities=UNITS)
    c = demo.generate(dbi, 200, seed=4, localities=UNITS)
    assert [f.profile for f in a] == [f.profile for f in b]
    assert all(np.array_equal(x.codes, y.codes) for x, y in zip(a, b))
    assert [f.profile.name for f in a] != [f.profile.name for f in c]


def test_province_looks_like_son_la(dbi):
    firms = demo.generate(dbi, 2000, seed=1)
    assert all(f.profile.name.startswith("[DEMO] ") and f.profile.tax_code.startswith("99") for f in firms)
    assert all(tax_code_error(f.profile.tax_code, f.profile.kind) is None for f in firms)
    kinds = Counter(f.profile.kind for f in firms)
    assert set(kinds) == {"enterprise", "cooperative", "branch", "household"} and kinds["household"] > 200
    sizes = Counter(f.profile.size_class.id for f in firms)
    assert sizes["micro"] > sizes["small"] > sizes["medium"] > 0 and "large" not in sizes
    assert sizes["household"] == kinds["household"]
    sectors = Counter(f.profile.sector for f in firms)
    assert sectors.most_common(2)[0][0] in {"A", "G"} and sectors["I"] > 0
    assert {f.profile.sector_version for f in firms} == {"2025"}
    # communes weighted as the province: the wards of Sơn La city and Mộc Châu hold most firms,
    # remote communes few, every commune some
    places = Counter(f.profile.locality for f in firms)
    units = localities()
    assert set(places) == set(UNITS)
    wards = sum(n for code, n in places.items() if units[code].kind == "ward")
    assert wards > len(firms) / 3 and all(units[c].area in ("SL-TP", "SL-MC") for c, _ in places.most_common(6))
    scores = demo.scores_of(dbi, firms)
    levels = Counter(scores.level.tolist())
    assert levels[1] + levels[2] > len(firms) / 2 and levels[4] > 0  # mostly early, some advanced
    corr = np.corrcoef(scores.pillar_percent.T)
    assert corr[np.triu_indices(6, 1)].min() > 0.2  # pillars move together, as in surveys
    earlier = [f for f in firms if f.earlier_codes is not None]
    assert 0.2 * len(firms) < len(earlier) < 0.5 * len(firms)
    assert all((f.earlier_codes <= f.codes).all() and (f.submitted_at - f.earlier_at).days == 365 for f in earlier)


def test_demo_replaces_only_demo_firms(store, dbi):
    from assessment.answers import Answer
    from assessment.firms import FirmProfile

    real = FirmProfile(tax_code="5500123464", name="Công ty thật", sector="G", employees=3, revenue_bn=1.0,
                       capital_bn=None, locality="SL-TP")
    aid, _ = store.create_assessment(real, dbi.key)
    store.save_answers(aid, {"1.1.1": Answer(2)})
    firms = demo.generate(dbi, 50, seed=2, localities=UNITS)
    written = store.replace_demo(dbi, firms)
    assert written == 50 + sum(f.earlier_codes is not None for f in firms)
    assert store.replace_demo(dbi, firms) == written  # again: replaced, not doubled
    assert store.count_assessments() == written + 1
    assert store.get(aid).answers == {"1.1.1": Answer(2)}  # the real firm's draft is untouched
    latest = latest_records(store, dbi)
    assert len(latest) == 50
    with_history = [r for r in latest if store.history(r.id)]
    assert len(with_history) == sum(f.earlier_codes is not None for f in firms)
    first = latest[0]
    assert first.result.total == sum(first.result.criterion_points.values())


def test_a_real_firm_named_like_demo_data_is_never_touched(store, dbi):
    """Demo data is told apart by a column only `demo` sets, not by its name or tax code."""
    from assessment import workflow
    from assessment.answers import Answer
    from assessment.firms import FirmProfile

    real = FirmProfile(tax_code=demo.demo_tax_codes(3)[2], name="[DEMO] Cửa hàng thật của bà Lò Thị Hoa",
                       sector="G", employees=3, revenue_bn=1.0, capital_bn=None, locality="SL-TP")
    aid, _ = store.create_assessment(real, dbi.key)
    store.save_answers(aid, {c: Answer(1) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, aid)
    firms = demo.generate(dbi, 20, seed=3, localities=UNITS)  # one of them wants the same tax code
    assert real.tax_code in {f.profile.tax_code for f in firms}
    first = store.replace_demo(dbi, firms)
    second = store.replace_demo(dbi, firms)
    assert first == second == sum(1 + (f.earlier_codes is not None) for f in firms if f.profile.tax_code != real.tax_code)
    kept = store.get(aid)
    assert kept.submitted and kept.profile.name == real.name
    latest = {r.profile.tax_code: r for r in latest_records(store, dbi)}
    assert latest[real.tax_code].id == aid and len(latest) == 20  # 19 demo firms and the real one


def test_clearing_the_demo_gives_a_firm_its_own_latest_back(store, dbi):
    """A paper form imported under a demo firm's tax code, dated before the demo's assessment: while
    the demo is there the demo's row is the firm's latest; once the demo is cleared (or replaced by
    a demo without that firm) the imported row is, in the flags, the cube and the firm table."""
    from assessment import aggregates, frames
    from assessment.importer import ImportRow

    firms = demo.generate(dbi, 12, seed=6, localities=UNITS)
    store.replace_demo(dbi, firms)
    owner = firms[0].profile
    codes = np.ones(len(dbi.criteria), dtype=np.int16)
    store.import_assessments(dbi, [ImportRow(2, owner, dt.datetime(2024, 5, 1), codes)], who="can.bo")
    before = frames.latest_frame(store, dbi)
    demo_row = before.loc[before["tax_code"] == owner.tax_code, "assessment_id"].item()
    store.clear_demo()
    now = frames.latest(frames.submitted_frame(store, dbi))
    assert now["tax_code"].tolist() == [owner.tax_code] and now["assessment_id"].item() != demo_row
    assert frames.latest_frame(store, dbi)["assessment_id"].tolist() == now["assessment_id"].tolist()
    assert aggregates.cube(store, dbi)["firms"].sum() == 1  # the firm, in 2024


def test_demo_command(tmp_path):
    env = {"DBI_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", "40", "--seed", "5"], cwd=root,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("demo province: 40 firms,")
    bad = subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", "0"], cwd=root,
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and f"--firms must be between 1 and {demo.MAX_FIRMS}" in bad.stderr
    # a large demo goes chunk by chunk, each in its own transaction, with a progress line; run again, it replaces
    for _ in range(2):
        big = subprocess.run([sys.executable, "-m", "assessment", "demo", "--firms", "130", "--seed", "5", "--chunk",
                              "50"], cwd=root, capture_output=True, text=True, env=env, timeout=120)
        assert big.returncode == 0, big.stderr
        assert "130/130 firms (100 %)" in big.stderr and big.stdout.startswith("demo province: 130 firms,")
        assert "counting the department's figures for 130 firms" in big.stderr
    store = Store.from_url(env["DBI_DATABASE_URL"])
    fw = load_framework(DEFAULT_FRAMEWORK_FILE)
    latest = latest_records(store, fw)
    assert len(latest) == 130 == len({r.profile.tax_code for r in latest})
    # counted once at the end: the cube and the platforms' counts are the rows'
    _same_cube(store, fw)
    assert_same_adoption(store, fw)
    with store.engine.begin() as conn:  # as if a load had been cut off before its count
        conn.execute(delete(YearCellRow))
    again = subprocess.run([sys.executable, "-m", "assessment", "recount"], cwd=root, capture_output=True, text=True,
                           env=env, timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("recounted"), again.stderr
    _same_cube(store, fw)
    store.engine.dispose()


def _same_cube(store, fw) -> None:
    from assessment import aggregates

    kept = aggregates.cube(store, fw).sort_values(aggregates.GROUPS).reset_index(drop=True)
    live = aggregates.grouped(store, fw).sort_values(aggregates.GROUPS).reset_index(drop=True)
    assert kept["firms"].sum() >= 130  # each firm once in each year it was assessed
    pd.testing.assert_frame_equal(kept, live)


def test_a_demo_in_chunks_starts_as_the_small_demo_and_numbers_on(dbi):
    whole = demo.generate(dbi, 40, seed=3, localities=UNITS)
    chunks = list(demo.generate_chunks(dbi, 100, seed=3, chunk=40, localities=UNITS))
    assert [len(c) for c in chunks] == [40, 40, 20]
    assert [f.profile for f in chunks[0]] == [f.profile for f in whole]  # a small demo does not change
    firms = [f for c in chunks for f in c]
    assert len({f.profile.tax_code for f in firms}) == 100
    assert firms[40].profile.name.endswith(" 41") and firms[-1].profile.name.endswith(" 100")
    assert [f.profile.tax_code for f in chunks[1]] != [f.profile.tax_code for f in chunks[0]]
