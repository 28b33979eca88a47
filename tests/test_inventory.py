"""The platforms a firm uses: cleaning and storage, and recommendations that build on them."""

from __future__ import annotations

import numpy as np

from assessment import inventory, workflow
from assessment.answers import Answer
from assessment.catalogue import CATALOGUE_FILE, CATEGORIES, load_catalogue
from assessment.firms import FirmProfile
from assessment.inventory import Inventory, PlatformUse
from assessment.recommend import context_line, integrations, rank_many

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
