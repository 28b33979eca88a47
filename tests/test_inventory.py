"""The platforms a firm uses: cleaning and storage, and recommendations that build on them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from assessment import inventory, platform_cells, workflow
from assessment.answers import Answer
from assessment.catalogue import CATALOGUE_FILE, CATEGORIES, load_catalogue
from assessment.catalogue_store import CatalogueStore
from assessment.firms import FirmProfile
from assessment.inventory import Inventory, PlatformUse
from assessment.recommend import context_line, integrations, rank_many
from tests.conftest import assert_same_adoption

PROFILE = FirmProfile("5500123464", "Cửa hàng Bản Mòng", "G", 4, 1.2, None, "03980", sector_version="2025")


def test_clean_keeps_known_categories_one_of_each_tool_and_links_renumbered():
    uses = [PlatformUse("sales", " KiotViet ", "kiotviet", 2023, (2,)),
            PlatformUse("nowhere", "X"),  # no such category
            PlatformUse("accounting", "Sổ Excel", None, 1800, (0,)),  # a year no firm can have
            PlatformUse("sales", "KiotViet", "kiotviet"),  # the same tool twice
            PlatformUse("accounting", "  ")]  # no name
    kept = inventory.clean(uses, categories=CATEGORIES, this_year=2026)
    assert [(u.category, u.name, u.entry_id, u.since) for u in kept] == [
        ("sales", "KiotViet", "kiotviet", 2023), ("accounting", "Sổ Excel", None, None)]
    assert kept[0].linked == (1,) and kept[1].linked == (0,)
    inv = Inventory(kept)
    assert inv.exchange(0, 1) and inv.unlinked_pairs() == []


def test_a_drafts_platforms_are_stored_shown_and_copied_into_a_reassessment(store, dbi):
    aid, _ = store.create_assessment(PROFILE, dbi.key)
    uses = inventory.clean([PlatformUse("sales", "KiotViet", "kiotviet", 2022, (1,)),
                            PlatformUse("accounting", "Sổ sách Excel", None, None, ())],
                           categories=CATEGORIES, this_year=2026)
    store.save_platforms(aid, uses)
    assert list(store.get(aid).platforms) == uses
    store.save_answers(aid, {c: Answer(1) for c in dbi.criterion_ids})
    workflow.submit(store, dbi, aid)
    again, _ = store.start_reassessment(aid, dbi.key)
    assert list(store.get(again).platforms) == uses
    store.save_platforms(again, [])  # the new assessment's list changes, the submitted one keeps its own
    assert store.get(again).platforms == () and list(store.get(aid).platforms) == uses


def _firm_points(dbi, value=1):
    return np.array([[min(value, c.max_points) for c in dbi.criteria]], dtype=np.int16)


def test_a_platform_the_firm_uses_is_never_recommended_and_a_covered_category_drops(dbi):
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    points = _firm_points(dbi, 0)
    free = rank_many(dbi, entries, points, size_classes=["micro"], sectors=["G"], top=8)
    first = free.for_firm(dbi, 0, dict(zip(dbi.criterion_ids, map(int, points[0]))))
    top = first[0].entry
    uses = Inventory([PlatformUse(top.category, top.name, top.id)])
    ranked = rank_many(dbi, entries, points, size_classes=["micro"], sectors=["G"], top=8, inventories=[uses])
    recs = ranked.for_firm(dbi, 0, dict(zip(dbi.criterion_ids, map(int, points[0]))))
    assert top.id not in [r.entry.id for r in recs]  # never what it has
    # the same category with its criteria still weak (0 points): not pushed down
    assert any(r.entry.category == top.category for r in recs)
    # with its criteria no longer weak, the covered category comes after every other
    strong = np.array([[max(p for p in c.code_points if p <= 0.6 * c.max_points) for c in dbi.criteria]],
                      dtype=np.int16)  # every criterion above 40 %, below most entries' targets
    plain = rank_many(dbi, entries, strong, size_classes=["micro"], sectors=["G"], top=20)
    covered = rank_many(dbi, entries, strong, size_classes=["micro"], sectors=["G"], top=20, inventories=[uses])
    pts = dict(zip(dbi.criterion_ids, map(int, strong[0])))
    before = [r.entry for r in plain.for_firm(dbi, 0, pts)]
    after = [r.entry for r in covered.for_firm(dbi, 0, pts)]
    positions = [i for i, e in enumerate(after) if e.category == top.category]
    others = [i for i, e in enumerate(after) if e.category != top.category]
    assert positions and others and min(positions) > max(others)
    assert min(i for i, e in enumerate(before) if e.category == top.category) < max(others)  # it was ahead before


def test_two_tools_that_do_not_exchange_data_get_an_entry_that_connects_them(dbi):
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    apart = Inventory([PlatformUse("einvoice", "Viettel S-Invoice", "viettel-s-invoice"),
                       PlatformUse("accounting", "Sổ sách Excel")])
    (link,) = integrations(entries, apart, size_class="micro", sector="G")
    assert link.entry.connects and {link.have_category, link.other_category} == {"einvoice", "accounting"}
    reason = link.reason("vi")
    assert "Viettel S-Invoice" in reason and "Sổ sách Excel" in reason and "chưa trao đổi dữ liệu" in reason
    together = Inventory([PlatformUse("einvoice", "Viettel S-Invoice", "viettel-s-invoice", None, (1,)),
                          PlatformUse("accounting", "Sổ sách Excel")])
    assert integrations(entries, together) == []  # they exchange data already
    assert integrations(entries, Inventory([apart.uses[0]])) == []


def test_explanations_say_what_the_firm_told_us(dbi):
    entries = {e.id: e for e in load_catalogue(CATALOGUE_FILE, dbi).published()}
    inv = Inventory([PlatformUse("sales", "KiotViet", "kiotviet")])
    assert context_line(entries["sapo"], inv, "en") == ("The firm uses KiotViet for Sales, POS and omnichannel; "
                                                        "consider this only if the current tool does not meet the "
                                                        "criteria below.")
    assert "chưa khai công cụ nào" in context_line(entries["misa-sme"], inv, "vi")
    assert context_line(entries["misa-sme"], Inventory(), "vi") is None


# --- the department's adoption figures ------------------------------------------------------------

def _communes_in_two_areas():
    from assessment.firms import current_localities

    by_area: dict[str, list[str]] = {}
    for code, loc in current_localities().items():
        by_area.setdefault(loc.area, []).append(code)
    first, second = sorted(a for a, codes in by_area.items() if codes)[:2]
    return (first, by_area[first][0]), (second, by_area[second][0])


def _firm(store, dbi, i, locality, uses, value, previous_uses=None):
    """A submitted firm (micro, trade) with these tools and every criterion answered ``value``;
    ``previous_uses``: an earlier assessment first, with those tools and every answer 0."""
    profile = FirmProfile(f"55{i:08d}", f"Cửa hàng số {i}", "G", 4, 1.2, None, locality, sector_version="2025")
    previous = None
    if previous_uses is not None:
        previous, _ = store.create_assessment(profile, dbi.key)
        store.save_platforms(previous, previous_uses)
        store.save_answers(previous, {c.id: Answer(0) for c in dbi.criteria})
        workflow.submit(store, dbi, previous)
        aid, _ = store.start_reassessment(previous, dbi.key)
    else:
        aid, _ = store.create_assessment(profile, dbi.key)
    store.save_platforms(aid, uses)
    store.save_answers(aid, {c.id: Answer(min(value, len(c.code_points) - 1)) for c in dbi.criteria})
    workflow.submit(store, dbi, aid)
    return aid


def test_adoption_counts_firms_per_entry_category_and_group_and_hides_small_groups(store, dbi):
    (area_a, commune_a), (area_b, commune_b) = _communes_in_two_areas()
    kiot = [PlatformUse("sales", "KiotViet", "kiotviet")]
    excel = [PlatformUse("accounting", "Sổ sách Excel")]
    for i in range(6):  # area A: 6 firms on KiotViet (level higher), 6 on a spreadsheet
        _firm(store, dbi, i, commune_a, kiot, 2)
        _firm(store, dbi, 10 + i, commune_a, excel, 1)
    for i in range(3):  # area B: 3 firms on KiotViet, too few to show their area
        _firm(store, dbi, 20 + i, commune_b, kiot, 2)
    _firm(store, dbi, 30, commune_a, [], 1)  # listed nothing
    entries = [e.model_copy(update={"make_in_vietnam": "yes"}) if e.id == "kiotviet" else e
               for e in load_catalogue(CATALOGUE_FILE, dbi).published()]
    a = inventory.read_adoption(store, dbi, entries, by="area")
    assert (a.n_firms, a.n_declared) == (16, 15)
    row = a.by_entry.set_index("entry_id").loc["kiotviet"]
    assert (row["firms"], row["share"], row["category"]) == (9, 60.0, "sales")
    assert list(a.by_entry["entry_id"]) == ["kiotviet"]  # a tool outside the catalogue is no entry
    cats = a.by_category.set_index("category")
    assert (cats.loc["sales", "firms"], cats.loc["accounting", "firms"], cats.loc["cloud", "firms"]) == (9, 6, 0)
    assert cats.loc["accounting", "share"] == 40.0 and cats.loc["cloud", "none_share"] == 100.0
    groups = a.by_group.set_index(["group", "category"])
    assert set(a.by_group["group"]) == {area_a}  # area B (3 firms) is not shown at all
    assert (groups.loc[(area_a, "sales"), "share"], groups.loc[(area_a, "sales"), "firms_in_group"]) == (50.0, 12)
    vs = a.users_vs_others.set_index("category")
    assert (vs.loc["sales", "users"], vs.loc["sales", "others"], vs.loc["sales", "strata"]) == (9, 6, 1)
    level2 = workflow.result_for(dbi, {c.id: Answer(min(2, len(c.code_points) - 1)) for c in dbi.criteria}).level
    level1 = workflow.result_for(dbi, {c.id: Answer(min(1, len(c.code_points) - 1)) for c in dbi.criteria}).level
    assert vs.loc["sales", "difference"] == level2 - level1
    assert "cloud" not in vs.index  # no users: nothing to compare
    assert a.make_in_vietnam == {"marked": 1, "firms": 9, "share_of_declared": 60.0, "share_of_uses": 100.0}
    by_level = inventory.read_adoption(store, dbi, entries, by="level").by_group
    assert set(by_level["group"]) == {level1, level2}


def test_a_small_province_shows_no_comparison_of_users(store, dbi):
    (_, commune), _ = _communes_in_two_areas()
    for i in range(4):
        _firm(store, dbi, i, commune, [PlatformUse("sales", "KiotViet", "kiotviet")], 2)
        _firm(store, dbi, 10 + i, commune, [PlatformUse("accounting", "MISA SME", "misa-sme")], 1)
    a = inventory.read_adoption(store, dbi, load_catalogue(CATALOGUE_FILE, dbi).published())
    assert a.n_declared == 8 and a.users_vs_others.empty  # 4 users and 4 others: under 5 each
    assert a.by_group["firms_in_group"].eq(8).all()  # the commune's area has 8 firms: shown
    assert a.make_in_vietnam["marked"] == 0


def test_recommended_then_against_used_now(store, dbi):
    (_, commune), _ = _communes_in_two_areas()
    CatalogueStore(store, dbi).seed_if_empty()  # as the app does on first use (a submit writes no catalogue)
    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    zero = np.zeros((1, len(dbi.criteria)), dtype=np.int16)
    then = rank_many(dbi, entries, zero, size_classes=["micro"], sectors=["G"], top=5)
    suggested = [r.entry.id for r in then.for_firm(dbi, 0, dict.fromkeys(dbi.criterion_ids, 0))]
    taken = next(e for e in entries if e.id == suggested[0])
    for i in range(6):  # six firms alike: recommended the same five, all took the first
        _firm(store, dbi, i, commune, [PlatformUse(taken.category, taken.name, taken.id)], 2, previous_uses=[])
    a = inventory.read_adoption(store, dbi, entries)
    rec = a.recommended.set_index("entry_id")
    assert sorted(rec.index) == sorted(suggested)
    assert rec["recommended"].eq(6).all()
    assert rec.loc[taken.id, "adopted_after"] == 6 and rec.loc[taken.id, "rate"] == 100.0
    assert rec.drop(index=taken.id)["adopted_after"].eq(0).all()


def test_the_catalogue_pages_counts_by_the_database_equal_the_frames(store, dbi):
    """Firms using each entry now and per year, counted by the database over the flagged rows
    (inventory.read_entry_usage), equal the frame's (inventory.entry_usage), with firms assessed in
    two years, and one entry listed twice by one assessment."""
    from assessment import demo, frames

    entries = load_catalogue(CATALOGUE_FILE, dbi).published()
    store.replace_demo(dbi, demo.generate(dbi, 300, seed=5, entries=entries), entries)
    (_, commune), _ = _communes_in_two_areas()
    twice = [PlatformUse("sales", "KiotViet", "kiotviet"), PlatformUse("accounting", "KiotViet", "kiotviet")]
    _firm(store, dbi, 1, commune, twice, 2)
    counted = inventory.read_entry_usage(store, dbi)
    framed = inventory.entry_usage(frames.submitted_frame(store, dbi), inventory.uses_frame(store, dbi))
    years = sorted(frames.submitted_frame(store, dbi)["submitted_at"].dt.year.unique().tolist())
    assert counted == framed
    assert counted.years == years and len(years) >= 2 and sum(counted.now.values()) > 100
    assert any(n[0] > 0 and n[-1] > 0 for n in counted.per_year.values())


def test_the_platforms_counts_kept_by_every_write_equal_the_rows(store, dbi):
    """The Platforms in use figures read from the counts every write keeps (platform_cells) are
    those of every stored row, for each breakdown and year, after: a demo over several years;
    firms assessed again (what they were recommended then against what they use now); an import of
    an earlier year placed before a firm's assessments (its later assessment's prior changes); an
    entry marked Make in Vietnam and another retired; the demo cleared."""
    from assessment import demo
    from assessment.importer import ImportRow

    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    entries = cat.published()
    store.replace_demo(dbi, demo.generate(dbi, 300, seed=7, entries=entries), entries)
    assert_same_adoption(store, dbi)
    (_, commune), _ = _communes_in_two_areas()
    kiot = [PlatformUse("sales", "KiotViet", "kiotviet"), PlatformUse("accounting", "KiotViet", "kiotviet")]
    first = [_firm(store, dbi, i, commune, kiot if i % 2 else [], 1 + i % 3, previous_uses=[]) for i in range(8)]
    a = inventory.read_adoption(store, dbi, cat.published())
    assert a.recommended["recommended"].sum() > 0
    assert_same_adoption(store, dbi)
    # an assessment of 2024 typed in from paper: it comes first in those firms' histories
    profile = store.get(first[0]).profile
    codes = np.ones(len(dbi.criteria), dtype=np.int16)
    store.import_assessments(dbi, [ImportRow(2, profile, dt.datetime(2024, 5, 1), codes)], who="can.bo")
    assert_same_adoption(store, dbi)
    # the department marks KiotViet Make in Vietnam and retires another entry firms use
    kiotviet = next(e for e in cat.published() if e.id == "kiotviet")
    cat.save(kiotviet.model_copy(update={"make_in_vietnam": "yes"}), "can.bo")
    used = inventory.read_adoption(store, dbi, cat.published()).by_entry["entry_id"]
    retired = next(e for e in used if e != "kiotviet")
    cat.set_status(retired, "retired", "can.bo")
    after = inventory.read_adoption(store, dbi, cat.published())
    assert after.make_in_vietnam["marked"] == 1 and after.make_in_vietnam["firms"] >= 4
    assert retired in set(after.by_entry["entry_id"])  # still counted, by the name firms knew it by
    assert_same_adoption(store, dbi)
    # a reader given other marks than the catalogue's counts them from the rows
    marked = [e.model_copy(update={"make_in_vietnam": "yes"}) for e in cat.published()]
    assert_same_adoption(store, dbi, marked, years=False)
    store.clear_demo()
    assert inventory.read_adoption(store, dbi, cat.published()).n_firms == 8  # the firms typed in by hand
    assert_same_adoption(store, dbi)


# --- criteria answered from the platforms list ---------------------------------------------------

def _platform_framework():
    from pathlib import Path

    from assessment.framework import load_framework

    return load_framework(Path(__file__).parent / "fixtures" / "platforms-framework.yaml")


def test_a_framework_scores_criteria_from_the_platforms_list():
    fw = _platform_framework()
    invoice = PlatformUse("einvoice", "Viettel S-Invoice", "viettel-s-invoice")
    books = PlatformUse("accounting", "MISA SME", "misa-sme")

    def codes(uses):
        return {cid: a.code for cid, a in inventory.answers_from_platforms(fw, uses).items()}

    assert codes([]) == {"d1": 0, "d2": 0}
    assert codes([PlatformUse("sales", "KiotViet", "kiotviet")]) == {"d1": 0, "d2": 0}
    assert codes([invoice]) == {"d1": 1, "d2": 0}
    assert codes([invoice, books]) == {"d1": 2, "d2": 0}  # both, but not exchanging data
    linked = [PlatformUse("einvoice", "Viettel S-Invoice", "viettel-s-invoice", None, (1,)), books]
    assert codes(linked) == {"d1": 2, "d2": 1}
    # said on the accounting side only: still the two exchange data
    assert codes([invoice, PlatformUse("accounting", "MISA SME", "misa-sme", None, (0,))])["d2"] == 1


def test_platform_criteria_are_never_missing_and_are_scored_at_submit(store):
    from assessment.answers import missing

    fw = _platform_framework()
    assert "d1" not in missing(fw, {}) and "d2" not in missing(fw, {})
    aid, _ = store.create_assessment(PROFILE, fw.key)
    store.save_answers(aid, {c: Answer(0) for c in ("a1", "a2", "b1", "c1", "c2")})
    store.save_platforms(aid, [PlatformUse("einvoice", "Viettel S-Invoice", "viettel-s-invoice", None, (1,)),
                               PlatformUse("accounting", "Sổ sách Excel", None, None, ())])
    result = workflow.submit(store, fw, aid)
    assert result.total == 7 and result.criterion_points == {"a1": 0, "a2": 0, "b1": 0, "c1": 0, "c2": 0, "d1": 4, "d2": 3}
    stored = store.get(aid).answers
    assert stored["d1"].code == 2 and stored["d2"].code == 1  # kept with the other answers


def test_the_import_works_platform_criteria_out_from_the_platforms_columns():
    import pandas as pd

    from assessment import importer

    fw = _platform_framework()
    columns = importer.template_columns(fw, "vi")
    assert "d1" not in columns and "d2" not in columns
    guide = importer.guide_frame(fw, "vi")
    assert guide.iloc[:, 1].str.contains("tính từ các cột").any()
    row = dict.fromkeys(columns, "")
    names = {cid: n[0] for cid, n in importer.PROFILE_COLUMNS.items()}
    row.update({names["tax_code"]: "5500123464", names["name"]: "HTX Chè", names["sector"]: "A",
                names["locality"]: "03980", names["employees"]: "12", names["revenue_bn"]: "5,5",
                names["assessment_date"]: "27/10/2026", "a1": "1", "a2": "có", "b1": "35%", "c1": "2", "c2": "có",
                importer.platform_header("einvoice", "vi"): "Viettel S-Invoice",
                importer.platform_header("accounting", "vi"): "Sổ Excel"})
    report = importer.validate(fw, pd.DataFrame([row]), today=__import__("datetime").date(2026, 11, 27))
    assert report.ok, report.problems
    codes = dict(zip(fw.criterion_ids, report.valid[0].codes.tolist()))
    assert (codes["d1"], codes["d2"]) == (2, 0)  # both listed, no link said on an import row


def test_a_platforms_criterion_is_checked_when_the_framework_is_read():
    import pytest
    from pydantic import ValidationError

    from assessment.framework import Criterion

    base = {"id": "x", "title": {"vi": "X", "en": "X"}, "question": {"vi": "X?", "en": "X?"},
            "help": {"vi": "-", "en": "-"}, "type": "platforms", "max_points": 2}
    none = {"points": 0, "text": {"vi": "Không", "en": "No"}}
    for rules, said in (
        ([none, {"points": 2, "has": ["nowhere"], "text": {"vi": "Có", "en": "Yes"}}], "unknown catalogue categories"),
        ([{**none, "has": ["sales"]}, {"points": 2, "has": ["sales"], "text": {"vi": "Có", "en": "Yes"}}],
         "nothing listed: no condition"),
        ([none, {"points": 2, "text": {"vi": "Có", "en": "Yes"}}], "has no condition"),
        ([none], "at least two rules"),
    ):
        with pytest.raises(ValidationError, match=said):
            Criterion(**base, rules=rules)


def test_the_platforms_go_round_from_the_form_to_storage_scorecard_and_export_and_back(db_url, dbi):
    """A template filled as a community team would (ids, names with other accents and case, a tool
    outside the catalogue, two per cell), imported, stored, printed on the scorecard, exported by
    the department in the template's own columns, and that export imported again: the same list."""
    import io
    import unicodedata

    import openpyxl
    import pandas as pd
    from pypdf import PdfReader

    from assessment import exports, importer, scorecards, staging
    from assessment.catalogue_store import CatalogueStore
    from assessment.storage import Store

    store = Store.from_url(db_url)
    CatalogueStore(store, dbi).seed_if_empty()
    entries = {e.id: e for e in CatalogueStore(store, dbi).published()}
    sales = next(e for e in entries.values() if e.category == "sales")
    accounting = next(e for e in entries.values() if e.category == "accounting")
    book = openpyxl.load_workbook(io.BytesIO(importer.template_xlsx(dbi, "vi")))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = {h: "" for h in headers}
    typed = {"tax_code": "5500123464", "name": "HTX Chè Bản Mòng", "sector": "A", "locality": "03980",
             "employees": "12", "revenue_bn": "5,5", "assessment_date": "27/10/2026"}
    row.update({importer.PROFILE_COLUMNS[k][0]: v for k, v in typed.items()})
    for i, c in enumerate(dbi.criteria):
        row[c.id] = {"choice": str(i % len(c.choices)), "yes_no": "có", "share": "35%", "count": "2"}[c.type]
    sales_col = importer.platform_header("sales", "vi")
    accounting_col = importer.platform_header("accounting", "vi")
    # the sales entry by its name in capitals and decomposed accents, with a tool of our own; accounting by id
    row[sales_col] = unicodedata.normalize("NFD", sales.name.upper()) + " ; Sổ bán hàng viết tay"
    row[accounting_col] = accounting.id
    assert set(row) == set(headers), set(row) - set(headers)
    sheet.append([row[h] for h in headers])
    out = io.BytesIO()
    book.save(out)

    report = importer.import_file(store, dbi, out.getvalue(), "phieu.xlsx", today=dt.date(2026, 11, 27))
    assert report.ok, [p.key for p in report.problems]
    [(_, _, aid, _)] = staging.write_import(store, dbi, report.valid)
    stored = store.get(aid).platforms
    assert sorted((u.category, u.entry_id or "", u.name) for u in stored) == [
        ("accounting", accounting.id, accounting.name), ("sales", "", "Sổ bán hàng viết tay"),
        ("sales", sales.id, sales.name)]

    _, pdf = scorecards.one(aid, "vi", url=db_url)
    text = unicodedata.normalize("NFC", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    for name in (sales.name, "Sổ bán hàng viết tay", accounting.name):
        assert " ".join(name.split()) in " ".join(text.split()), name

    exported = inventory.listed_columns(store, [aid], "vi")
    assert exported.loc[aid, sales_col] == f"{sales.name}; Sổ bán hàng viết tay"
    assert exported.loc[aid, accounting_col] == accounting.name and exported.loc[aid].str.len().gt(0).sum() == 2
    # the export read back as a file: its platform columns give the same list again
    again = pd.read_excel(io.BytesIO(exports.to_xlsx_bytes(exported.reset_index(drop=True))), dtype=str).fillna("")
    back = dict(row, **{sales_col: again.at[0, sales_col], accounting_col: again.at[0, accounting_col]})
    report = importer.validate(dbi, pd.DataFrame([back]), existing=set(), today=dt.date(2026, 11, 27),
                               entries=list(entries.values()))
    assert report.ok and list(report.valid[0].platforms) == list(stored)
    store.engine.dispose()


def test_what_the_results_page_recommended_is_recorded_at_submit_and_counted_even_once_retired(store, dbi):
    from sqlalchemy import update

    from assessment import firm_view, frames
    from assessment.models import AssessmentRow

    (_, commune), _ = _communes_in_two_areas()
    CatalogueStore(store, dbi).seed_if_empty()  # as the app does on first use (a submit writes no catalogue)
    for i in range(6):  # six firms alike, assessed twice; the second time they list nothing new
        _firm(store, dbi, i, commune, [], 2, previous_uses=[])
    rows = frames.department_rows(store, dbi)
    first_ids = rows.sort_values("assessment_id").drop_duplicates("firm_id")["assessment_id"].tolist()
    shown_then = frames.recommended_of(store, first_ids)
    # what the results page shows for that assessment is what was recorded
    record = store.get(first_ids[0])
    view = firm_view.view(dbi, record, firm_view.Context.read(store, dbi))
    assert shown_then[0] == ",".join(r.entry.id for r in view.recommendations) != ""
    assert len(set(shown_then)) == 1
    top = shown_then[0].split(",")[0]
    # the department retires the first of them: what the firms were shown is still counted
    CatalogueStore(store, dbi).set_status(top, "retired", "admin")
    entries = CatalogueStore(store, dbi).published()
    assert top not in {e.id for e in entries}
    a = inventory.read_adoption(store, dbi, entries)
    assert a.recommended.set_index("entry_id").loc[top, "recommended"] == 6
    # assessments stored before this was recorded are ranked with today's catalogue, once, when the
    # database is upgraded (migration 0016) or restored
    with store.engine.begin() as conn:
        conn.execute(update(AssessmentRow).where(AssessmentRow.id.in_(first_ids)).values(recommended=None))
        assert inventory.record_recommended(conn) == 6
        platform_cells.rebuild(conn)
    again = inventory.read_adoption(store, dbi, entries).recommended
    assert top not in set(again["entry_id"]) and again["recommended"].eq(6).all() and len(again) > 0
    assert_same_adoption(store, dbi, entries)
