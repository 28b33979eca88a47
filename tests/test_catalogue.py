"""The platform catalogue: the shipped file, validation, the department's curation in the database."""

from __future__ import annotations


import pytest
import yaml

from assessment.catalogue import CATALOGUE_FILE, CATEGORIES, CatalogueError, load_catalogue, parse_catalogue
from assessment.catalogue_store import CatalogueStore, rows_from_csv, rows_from_yaml, to_csv, to_yaml
from assessment.recommend import recommend


@pytest.fixture(scope="module")
def shipped(dbi):
    return load_catalogue(CATALOGUE_FILE, dbi)


@pytest.fixture
def raw():
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def test_shipped_catalogue_covers_every_category(shipped):
    assert len(shipped.entries) >= 40
    assert {e.category for e in shipped.entries} == set(CATEGORIES)
    ids = [e.id for e in shipped.entries]
    assert len(ids) == len(set(ids))


def test_nothing_is_invented(shipped):
    for e in shipped.entries:
        assert e.make_in_vietnam == "unknown" and e.support_eligible == "unknown"
        assert e.price_band in ("unknown", "free")
        if e.price_band == "free":
            assert e.category == "national"
        assert e.url.startswith("https://")


def _fails(raw, dbi, fragment):
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(raw, dbi, source="bad.yaml")
    assert str(info.value).startswith("bad.yaml: ") and fragment in str(info.value), str(info.value)


def test_unknown_criterion_is_refused(raw, dbi):
    raw["entries"][3]["improves"][0]["criterion"] = "9.9.9"
    _fails(raw, dbi, f"entries[4] (id {raw['entries'][3]['id']}).improves: unknown criterion id '9.9.9'")


def test_bad_url_is_refused(raw, dbi):
    raw["entries"][0]["url"] = "javascript:alert(1)"
    _fails(raw, dbi, "is not a web address")


def test_duplicate_id_is_refused(raw, dbi):
    raw["entries"][5]["id"] = raw["entries"][4]["id"]
    _fails(raw, dbi, "is used twice")


def test_missing_language_is_refused(raw, dbi):
    del raw["entries"][2]["description"]["en"]
    _fails(raw, dbi, "description.en")


def test_points_above_the_criterion_maximum_are_refused(raw, dbi):
    raw["entries"][0]["improves"][0]["to"] = 6
    _fails(raw, dbi, "has at most 5 points")


def test_seed_edit_and_log(store, dbi, shipped):
    cat = CatalogueStore(store, dbi)
    assert cat.seed_if_empty() == len(shipped.entries)
    assert cat.seed_if_empty() == 0  # only an empty catalogue is seeded
    first = cat.entries()[0]
    data = first.model_dump(mode="json", exclude_none=True)
    data["name"] = data["name"] + " (mới)"
    cat.save(data, who="Nguyễn Văn A")
    assert cat.entries()[0].name.endswith("(mới)")
    log = cat.changes(first.id)
    assert [(c.action, c.who) for c in log] == [("edit", "Nguyễn Văn A"), ("seed", "system")]


def test_invalid_edit_or_import_writes_nothing(store, dbi):
    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    before = cat.entries()
    bad = before[0].model_dump(mode="json", exclude_none=True)
    bad["improves"] = [{"criterion": "1.1.1", "to": 9}]
    with pytest.raises(CatalogueError):
        cat.save(bad, who="x")
    rows = rows_from_csv(to_csv(before).decode("utf-8-sig"))
    rows[10]["url"] = "not a url"
    rows[0]["name"] = "Changed"
    with pytest.raises(CatalogueError, match="entries\\[11\\]") as bad_row:
        cat.import_entries(rows, who="x", source="upload.csv")
    # said as the officer sees the file: its row 12 (header = row 1), the field, the reason, in Vietnamese
    assert bad_row.value.explain("vi", rows=True) == "dòng 12, địa chỉ web: “not a url” không phải địa chỉ web (https://...)"
    assert bad_row.value.explain("en", rows=True) == "row 12, web address: “not a url” is not a web address (https://...)"
    assert cat.entries() == before  # the previous catalogue stays in force
    assert len(cat.changes()) == len(before)


def test_csv_and_yaml_round_trip(store, dbi):
    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    entries = cat.entries()
    assert cat.validate(rows_from_csv(to_csv(entries).decode("utf-8-sig"))) == entries
    assert cat.validate(rows_from_yaml(to_yaml(dbi, entries))) == entries
    assert cat.import_entries(rows_from_csv(to_csv(entries).decode("utf-8-sig")), who="x", source="same.csv") == 0


def test_publishing_and_retiring_change_what_firms_see_at_once(store, dbi):
    cat = CatalogueStore(store, dbi)
    cat.seed_if_empty()
    points = {c: 0 for c in dbi.criterion_ids}
    top = recommend(dbi, cat.published(), points, size_class="micro", sector="G", top=1)[0].entry
    cat.set_status(top.id, "retired", who="x")
    assert top.id not in {e.id for e in cat.published()}
    after = recommend(dbi, cat.published(), points, size_class="micro", sector="G", top=5)
    assert top.id not in [r.entry.id for r in after]
    cat.set_status(top.id, "published", who="x")
    again = recommend(dbi, cat.published(), points, size_class="micro", sector="G", top=1)
    assert again[0].entry.id == top.id
    assert [c.action for c in cat.changes(top.id)][:2] == ["publish", "retire"]


def test_catalogue_for_another_framework_is_not_seeded(store, mini):
    assert CatalogueStore(store, mini).seed_if_empty() == 0


def test_catalogue_file_errors(tmp_path, dbi):
    path = tmp_path / "c.yaml"
    path.write_text("schema: 1\nentries: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(path, dbi)
    path.write_bytes("schema: 1\nframework: dbi-2021-sme@2021\nentries: []\n".encode("utf-16"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(path, dbi)
    with pytest.raises(CatalogueError, match="refers to x@1"):
        parse_catalogue({"schema": 1, "framework": "x@1", "entries": []}, dbi)


def test_english_pages_show_an_english_name_where_the_name_has_vietnamese_words(shipped):
    by_name = {e.name: e for e in shipped.entries}
    cmc = by_name["CMC Cyber Security – dịch vụ an ninh mạng"]
    assert cmc.display_name("en") == "CMC Cyber Security – cybersecurity services"
    assert cmc.display_name("vi") == cmc.name
    assert by_name["MISA AMIS"].display_name("en") == "MISA AMIS"  # a brand stays as it is
    vietnamese = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
    assert not [e.name for e in shipped.entries if set(e.display_name("en").lower()) & vietnamese
                and "(" not in e.name and "–" in e.name]
    assert all("domain-facts" not in e.source and "domain facts" not in e.source for e in shipped.entries)
