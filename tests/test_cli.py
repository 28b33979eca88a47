"""The command line, run as a user runs it (python -m assessment ...)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessment.scoring import score_codes

ROOT = Path(__file__).resolve().parent.parent


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def points_sheet(dbi, values: dict[str, list[int]]) -> pd.DataFrame:
    frame = pd.DataFrame({"firm_id": list(values)})
    for j, cid in enumerate(dbi.criterion_ids):
        frame[cid] = [row[j] for row in values.values()]
    return frame


def test_points_mode_hand_checked(tmp_path, dbi):
    threes = [15 if c == "2.1.1" else 3 for c in dbi.criterion_ids]  # every pillar at 60%: 192 points
    fours = [20 if c == "2.1.1" else 4 for c in dbi.criterion_ids]  # every pillar at 80%: 256 points
    src = write(tmp_path / "points.csv", points_sheet(dbi, {"F3": threes, "F4": fours, "F0": [0] * 60}))
    out = tmp_path / "out.csv"
    proc = run("score", str(src), "--points", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    res = pd.read_csv(out, dtype={"firm_id": str})
    cols = ["firm_id", "total", "level"] + [f"P{i}_{k}" for i in range(1, 7) for k in ("points", "percent", "level")]
    assert list(res.columns) == cols
    assert res["total"].tolist() == [192, 256, 0]
    assert res["level"].tolist() == [3, 4, 0]  # 192 is not above 192; 256 is not above 256
    assert res.loc[0, "P1_points"] == 39 and res.loc[0, "P1_percent"] == 60.0 and res.loc[0, "P1_level"] == 3
    assert res.loc[1, "P6_points"] == 28 and res.loc[1, "P6_level"] == 4


def test_answers_mode_matches_the_library(tmp_path, dbi):
    rng = np.random.default_rng(7)
    codes = np.stack([rng.integers(0, len(c.choices), size=40) for c in dbi.criteria], axis=1)
    frame = pd.DataFrame({"firm_id": [f"DN{i:03d}" for i in range(40)]})
    for j, crit in enumerate(dbi.criteria):
        frame[crit.id] = codes[:, j]  # the number of the ticked box, for every kind of criterion
        if crit.type == "share" and j % 2:  # or the share written on the form, with its unit
            edges = [0.0] + [b.up_to for b in crit.bands]
            frame[crit.id] = [f"{0.0 if c == 0 else (edges[c] + edges[c + 1]) / 2:g}%" for c in codes[:, j]]
        elif crit.type == "count":  # the box, and the number written on the form beside it
            frame[crit.id + "_figure"] = [int(crit.bands[c].up_to if crit.bands[c].up_to is not None else 99)
                                          for c in codes[:, j]]
    src = write(tmp_path / "answers.csv", frame.sample(frac=1, axis=1, random_state=1)[["firm_id"] + list(frame.columns[1:][::-1])])
    proc = run("score", str(src))
    assert proc.returncode == 0, proc.stderr
    from io import StringIO

    got = pd.read_csv(StringIO(proc.stdout))
    expected = score_codes(dbi, codes).to_frame()
    assert got["total"].tolist() == expected["total"].tolist()
    assert got["level"].tolist() == expected["level"].tolist()
    assert got["P3_points"].tolist() == expected["P3_points"].tolist()


@pytest.mark.parametrize(
    ("cell_col", "value", "fragment"),
    [
        ("2.1.1", "7", "row 3, column 2.1.1: 7 points is not possible"),
        ("1.1.1", "6", "row 3, column 1.1.1: “6”: points must be a whole number from 0 to 5"),
        ("3.2.3", "-1", "row 3, column 3.2.3: “-1”: points must be a whole number from 0 to 5"),
        ("4.1.2", "abc", "row 3, column 4.1.2: “abc” is not a number."),
        ("6.1.7", "", "row 3, column 6.1.7: No answer."),
    ],
)
def test_bad_cell_stops_with_row_column_and_no_output(tmp_path, dbi, cell_col, value, fragment):
    frame = points_sheet(dbi, {"A": [0] * 60, "B": [0] * 60}).astype(str)
    frame.loc[1, cell_col] = value
    src = write(tmp_path / "bad.csv", frame)
    out = tmp_path / "out.csv"
    proc = run("score", str(src), "--points", "-o", str(out))
    assert proc.returncode == 1
    assert fragment in proc.stderr, proc.stderr
    assert not out.exists() and not Path(str(out) + ".part").exists()


def test_answers_mode_errors(tmp_path, dbi):
    frame = points_sheet(dbi, {"A": [0] * 60}).astype(str)
    frame.loc[0, "1.1.5"] = "150%"
    proc = run("score", str(write(tmp_path / "a.csv", frame)))
    assert proc.returncode == 1 and "row 2, column 1.1.5: “150%”: a share must be between 0 and 100" in proc.stderr
    frame.loc[0, "1.1.5"] = "35"  # a plain number in a share's column is a box number: there is no box 35
    proc = run("score", str(write(tmp_path / "c.csv", frame)))
    assert proc.returncode == 1 and "row 2, column 1.1.5: “35”: write the number of the ticked box" in proc.stderr
    frame.loc[0, "1.1.5"] = "35%"
    frame.loc[0, "5.2.3"] = "2.5"
    proc = run("score", str(write(tmp_path / "b.csv", frame)))
    assert proc.returncode == 1 and "column 5.2.3: “2.5”: write the number of the ticked box" in proc.stderr


def test_file_level_errors(tmp_path, dbi):
    frame = points_sheet(dbi, {"A": [0] * 60})
    proc = run("score", str(write(tmp_path / "m.csv", frame.drop(columns=["3.2.1", "6.1.1"]))))
    assert proc.returncode == 1 and "2 criterion column(s) missing: 3.2.1, 6.1.1" in proc.stderr
    proc = run("score", str(write(tmp_path / "u.csv", frame.assign(**{"9.9.9": 1}))))
    assert proc.returncode == 1 and "unknown column(s) 9.9.9" in proc.stderr
    proc = run("score", str(write(tmp_path / "f.csv", frame.rename(columns={"firm_id": "id"}))))
    assert proc.returncode == 1 and "first column must be 'firm_id'" in proc.stderr
    (tmp_path / "e.csv").write_text("", encoding="utf-8")
    proc = run("score", str(tmp_path / "e.csv"))
    assert proc.returncode == 1 and "The file is empty." in proc.stderr
    (tmp_path / "l.csv").write_bytes("firm_id,1.1.1\nCông ty,1\n".encode("cp1258"))
    proc = run("score", str(tmp_path / "l.csv"))
    assert proc.returncode == 1 and "not UTF-8" in proc.stderr
    proc = run("score", str(tmp_path / "nope.csv"))
    assert proc.returncode == 1 and "file not found" in proc.stderr
    proc = run("score", str(tmp_path / "m.csv"), "--framework", "dbi-1999")
    assert proc.returncode == 1 and "no framework 'dbi-1999'" in proc.stderr


def test_other_framework_by_file(tmp_path):
    src = tmp_path / "mini.csv"
    src.write_text("firm_id,a1,a2,b1,c1,c2\nX,2,1,60%,2,1\nY,1,0,12%,1,no\n", encoding="utf-8")
    proc = run("score", str(src), "--framework", str(ROOT / "tests/fixtures/mini-framework.yaml"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].startswith("firm_id,total,level,A_points")
    assert lines[1].startswith("X,24,3,") and lines[2].startswith("Y,8,1,2,25.0,1,")


def test_help_documents_the_formats():
    proc = run("score", "--help")
    assert proc.returncode == 0
    for fragment in ("firm_id", "--points", "0-25 in steps of 5", "P1_points", "exit code is then 1"):
        assert fragment in proc.stdout


def _shop_sheet(dbi, tmp_path, **profile):
    points = {c: 0 for c in dbi.criterion_ids}
    points.update({"1.1.2": 2, "1.2.3": 3, "3.2.3": 5, "3.1.1": 2, "5.1.1": 3, "5.1.2": 3})
    frame = points_sheet(dbi, {"SHOP": [points[c] for c in dbi.criterion_ids],
                               "TOP": [c.max_points for c in dbi.criteria]})
    for k, v in profile.items():
        frame[k] = v
    return write(tmp_path / "firms.csv", frame)


def test_roadmap_command(tmp_path, dbi):
    proc = run("roadmap", str(_shop_sheet(dbi, tmp_path)), "--points")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "firm_id,level,next_level,points_to_gain,n_steps,steps"
    assert lines[1] == "SHOP,0,1,7,3,1.1.1:0->2; 3.1.2:0->1; 6.1.1:0->4"
    assert lines[2] == "TOP,5,,,0,"


def test_recommend_command(tmp_path, dbi, monkeypatch):
    monkeypatch.setenv("DBI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    src = _shop_sheet(dbi, tmp_path, sector=["G", "I"], size_class=["micro", "small"])
    proc = subprocess.run([sys.executable, "-m", "assessment", "recommend", str(src), "--points", "--top", "3",
                           "--lang", "en"], cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = pd.read_csv(__import__("io").StringIO(proc.stdout))
    assert out["entry_id"].tolist() == ["sapo", "kiotviet", "misa-sme"]  # the level-5 firm gets nothing
    assert out["firm_id"].unique().tolist() == ["SHOP"]
    assert out.loc[0, "reasons"].startswith("Lifts criterion 1.1.1 (Website updates) from 0 to 4/5 points.")
    assert (tmp_path / "cli.sqlite3").exists()  # the database catalogue was seeded and used


def test_recommend_rejects_a_bad_catalogue(tmp_path, dbi):
    bad = tmp_path / "cat.yaml"
    bad.write_text("schema: 1\nframework: dbi-2021-sme@2021\nentries:\n  - {id: x}\n", encoding="utf-8")
    proc = run("recommend", str(_shop_sheet(dbi, tmp_path)), "--points", "--catalogue", str(bad))
    assert proc.returncode == 1 and "entries[1] (id x)" in proc.stderr


def test_a_database_that_fails_gives_one_line_without_sql(tmp_path):
    bad = tmp_path / "not-a-database.sqlite3"
    bad.write_bytes(b"this is not an SQLite file" * 100)
    proc = subprocess.run([sys.executable, "-m", "assessment", "cluster", "--db"], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120,
                          env={"DBI_DATABASE_URL": f"sqlite:///{bad}", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: the database could not be used")
    assert "Traceback" not in proc.stderr and "SELECT" not in proc.stderr


def test_platforms_adoption_from_the_database(tmp_path, dbi):
    import os

    env = {**os.environ, "DBI_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=ROOT, capture_output=True, text=True,
                              encoding="utf-8", timeout=300, env=env)

    assert cli("demo", "--firms", "200", "--seed", "4").returncode == 0
    out = tmp_path / "platforms.csv"
    proc = cli("platforms", "--db", "--by", "size", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    firms, declared = (int(w) for w in proc.stderr.split()[:1] + proc.stderr.split(";")[1].split()[:1])
    assert firms == 200 and 0 < declared <= 200
    table = pd.read_csv(out, dtype={"group": str, "entry_id": str}, keep_default_na=False)
    assert set(table["breakdown"]) == {"category", "entry", "size"}
    cats = table[table["breakdown"] == "category"]
    assert len(cats) == 11 and cats["firms_in_group"].eq(declared).all()
    assert (cats["share"] - (100 * cats["firms"] / declared).round(1)).abs().max() < 1e-9
    entries = table[table["breakdown"] == "entry"]
    assert entries["firms"].is_monotonic_decreasing and entries["entry_id"].str.len().gt(0).all()
    sizes = table[table["breakdown"] == "size"]
    assert sizes["firms_in_group"].ge(5).all() and set(sizes["group"]) <= {"micro", "small", "medium", "large",
                                                                           "household"}
    # per size class, a category's firms never exceed the class's firms, and the classes add up
    per_cat = sizes.groupby("category")["firms"].sum()
    assert all(per_cat[c] <= cats.set_index("category").loc[c, "firms"] for c in per_cat.index)
    english = cli("platforms", "--lang", "en")
    assert english.returncode == 0 and "E-invoicing" in english.stdout
    # one year: each firm's latest assessment of that year (the demo's earlier assessments)
    from assessment import frames
    from assessment.storage import Store

    store = Store.from_url(env["DBI_DATABASE_URL"])
    year = int(frames.department_rows(store, dbi)["submitted_at"].dt.year.min())
    want = len(frames.latest(frames.department_rows(store, dbi), frames.Filters(year=year)))
    store.engine.dispose()
    earlier = cli("platforms", "--year", str(year))
    assert earlier.returncode == 0 and earlier.stderr.startswith(f"{want} firms with a submitted assessment of ")
    assert f" in {year};" in earlier.stderr and 0 < want < 200


def test_export_firms_writes_the_years_firm_table_in_chunks(tmp_path, dbi):
    """Chunks of 13 rows make one file: every firm of the year once, the header once, the same
    rows as the dashboard's table, the platforms they listed, dashes and formulas neutralised."""
    import os

    from assessment import dashboard, frames
    from assessment.storage import Store

    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    env = {**os.environ, "DBI_DATABASE_URL": url}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assessment", *args], cwd=ROOT, capture_output=True, text=True,
                              encoding="utf-8", timeout=300, env=env)

    assert cli("demo", "--firms", "70", "--seed", "5").returncode == 0
    out = tmp_path / "firms.csv"
    proc = cli("export-firms", str(out), "--chunk", "13")
    assert proc.returncode == 0, proc.stderr
    frame = frames.submitted_frame(Store.from_url(url), dbi)
    year = int(frame["submitted_at"].dt.year.max())
    want = dashboard.firm_table(dbi, frames.latest(frame, frames.Filters(year=year)))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    got = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    headers = dashboard.headers(dbi, "vi")
    assert len(got) == len(want) and got[headers["tax_code"]].is_unique
    by_code = got.set_index(headers["tax_code"])
    assert [int(by_code.loc[c, headers["total"]]) for c in want["tax_code"]] == want["total"].tolist()
    assert [int(by_code.loc[c, headers["P3_points"]]) for c in want["tax_code"]] == want["P3_points"].tolist()
    assert "Hóa đơn điện tử" in " ".join(got.columns) and got.filter(like="Hóa đơn điện tử").iloc[:, 0].str.len().gt(0).any()
    assert f"70 firms of {year}" in proc.stderr or f"firms of {year} written" in proc.stderr
    empty = cli("export-firms", str(tmp_path / "none.csv"), "--year", "1999")
    assert empty.returncode == 0, empty.stderr
    none = pd.read_csv(tmp_path / "none.csv", dtype=str, encoding="utf-8-sig")
    assert none.empty and list(none.columns) == list(got.columns)  # the header, no row
