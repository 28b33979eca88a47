"""Reference data files in the new format: Sơn La localities since 01/7/2025 and VSIC 2025 sections.

Read with plain yaml.safe_load (the project's loaders do not know these formats yet). The checks against the
source list of communes need shared/reference/son-la-communes-2025.tsv, which lives outside the repository:
they are skipped when it is absent; every structural check runs always.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import unicodedata
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "assessment" / "data"
LOCALITIES_2025 = DATA / "localities" / "son-la.yaml"
# the 12 district-level units as the earlier releases stored them: their codes must keep reading
FORMER_UNITS = [("SL-TP", "Thành phố Sơn La"), ("SL-QN", "Quỳnh Nhai"), ("SL-ML", "Mường La"), ("SL-TC", "Thuận Châu"),
                ("SL-BY", "Bắc Yên"), ("SL-PY", "Phù Yên"), ("SL-MS", "Mai Sơn"), ("SL-SM", "Sông Mã"),
                ("SL-YC", "Yên Châu"), ("SL-MC", "Mộc Châu"), ("SL-VH", "Vân Hồ"), ("SL-SC", "Sốp Cộp")]
SECTORS_2018 = DATA / "sectors.yaml"
SECTORS_2025 = DATA / "sectors-vsic2025.yaml"
COMMUNES_TSV = Path(__file__).resolve().parents[2] / "shared/reference/son-la-communes-2025.tsv"

RETIRED = dt.date(2025, 6, 30)
REFORM = dt.date(2025, 7, 1)
# the TSV's old_districts values -> area code; the one combined value is a choice (see the YAML header)
DISTRICT_AREA = {
    "Thành phố Sơn La": "SL-TP", "Huyện Quỳnh Nhai": "SL-QN", "Huyện Mường La": "SL-ML",
    "Huyện Thuận Châu": "SL-TC", "Huyện Bắc Yên": "SL-BY", "Huyện Phù Yên": "SL-PY",
    "Huyện Mai Sơn": "SL-MS", "Huyện Sông Mã": "SL-SM", "Huyện Yên Châu": "SL-YC",
    "Thị xã Mộc Châu": "SL-MC", "Huyện Vân Hồ": "SL-VH", "Huyện Sốp Cộp": "SL-SC",
}


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


@pytest.fixture(scope="module")
def localities():
    return _load(LOCALITIES_2025)


@pytest.fixture(scope="module")
def communes(localities):
    return [u for u in localities["units"] if u.get("valid_from") == REFORM]


@pytest.fixture(scope="module")
def former_units(localities):
    return [u for u in localities["units"] if "valid_to" in u]


@pytest.fixture(scope="module")
def tsv_rows():
    if not COMMUNES_TSV.is_file():
        pytest.skip(f"source list {COMMUNES_TSV} is absent (it lives outside the repository, in ../shared)")
    lines = COMMUNES_TSV.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["new_code", "new_name", "old_districts", "old_units(old_code)"]
    rows = []
    for line in lines[1:]:
        code, name, districts, olds = line.split("\t")
        former = [re.fullmatch(r"(.+) \((\d{5})\)", part) for part in olds.split("; ")]
        assert all(former), line
        rows.append({"code": code, "name": name, "districts": districts,
                     "former": [m.group(1) for m in former], "former_codes": [m.group(2) for m in former]})
    return rows


# ---- localities: structure (no TSV needed) ----------------------------------------------------------------------------

def test_localities_text_is_nfc():
    text = LOCALITIES_2025.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text


def test_province(localities):
    assert localities["province"] == {"vi": "Tỉnh Sơn La", "en": "Sơn La province", "code": "14"}


def test_75_communes_67_xa_8_phuong(localities, communes, former_units):
    assert len(communes) == 75
    assert len(former_units) == 12
    assert len(localities["units"]) == 87  # nothing else in the file
    kinds = [u["kind"] for u in communes]
    assert kinds.count("commune") == 67 and kinds.count("ward") == 8
    for u in communes:
        assert u["kind"] == {"Xã": "commune", "Phường": "ward"}[u["name"].split()[0]], u
        assert "valid_to" not in u


def test_codes_unique_and_commune_codes_are_quoted_5_digit_strings(localities, communes):
    codes = [u["code"] for u in localities["units"]]
    assert len(codes) == len(set(codes))
    area_codes = [a["code"] for a in localities["areas"]]
    assert len(area_codes) == len(set(area_codes))
    for u in communes:
        assert isinstance(u["code"], str) and re.fullmatch(r"\d{5}", u["code"]), u
        assert u["code"] in u["former_codes"]  # each new commune took the code of one of its former units
        assert len(u["former"]) == len(u["former_codes"]) >= 1
        assert all(isinstance(c, str) and re.fullmatch(r"\d{5}", c) for c in u["former_codes"]), u
    former_codes = [c for u in communes for c in u["former_codes"]]
    assert len(former_codes) == len(set(former_codes))  # no former unit merged into two communes


def test_areas_declared_and_all_used(localities, communes):
    areas = {a["code"] for a in localities["areas"]}
    assert len(areas) == 12
    for u in localities["units"]:
        assert u["area"] in areas, u
    assert {u["area"] for u in communes} == areas


def test_former_units_kept_with_their_own_area(former_units):
    assert [(u["code"], u["name"]) for u in former_units] == FORMER_UNITS
    for u in former_units:
        assert u["valid_to"] == RETIRED
        assert u["area"] == u["code"]


def test_areas_are_the_former_units(localities, former_units):
    assert [(a["code"], a["name"]) for a in localities["areas"]] == [(u["code"], u["name"]) for u in former_units]


def test_every_commune_has_a_positive_weight(communes):
    for u in communes:
        w = u.get("weight")
        assert isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0, u


def test_wards_of_son_la_city_and_moc_chau_weigh_more_than_the_median(communes):
    median = statistics.median(u["weight"] for u in communes)
    wards = [u for u in communes if u["kind"] == "ward" and u["area"] in ("SL-TP", "SL-MC")]
    assert len(wards) == 8
    for u in wards:
        assert u["weight"] > median, u


# ---- localities against the source list (needs the TSV) ----------------------------------------------------------------

def test_communes_equal_the_source_list(communes, tsv_rows):
    assert len(tsv_rows) == 75
    assert [u["code"] for u in communes] == [r["code"] for r in tsv_rows]  # same units, same order
    for u, r in zip(communes, tsv_rows):
        assert unicodedata.normalize("NFC", r["name"]) == r["name"]
        assert u["name"] == r["name"]
        assert u["former"] == r["former"], u["code"]
        assert u["former_codes"] == r["former_codes"], u["code"]


def test_commune_areas_follow_the_former_districts(communes, tsv_rows):
    districts = {r["districts"] for r in tsv_rows}
    assert len(districts) == 13  # 12 former units + one combined value
    for u, r in zip(communes, tsv_rows):
        if r["districts"] in DISTRICT_AREA:
            assert u["area"] == DISTRICT_AREA[r["districts"]], u["code"]
        else:  # "Huyện Vân Hồ + Thị xã Mộc Châu": one of the two
            parts = r["districts"].split(" + ")
            assert len(parts) == 2 and u["area"] in {DISTRICT_AREA[p] for p in parts}, u["code"]


# ---- VSIC 2025 -----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vsic2025():
    return _load(SECTORS_2025)


@pytest.fixture(scope="module")
def letters_2018():
    return [s["code"] for s in _load(SECTORS_2018)["sections"]]


def test_vsic2025_header(vsic2025):
    assert vsic2025["version"] == "2025"
    assert vsic2025["valid_from"] == dt.date(2025, 11, 15)
    assert "36/2025/QĐ-TTg" in vsic2025["source"]["vi"] and "36/2025/QĐ-TTg" in vsic2025["source"]["en"]
    text = SECTORS_2025.read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", text) == text
    assert all(s.strip() == s and s for s in _strings(vsic2025["sections"]))


def test_vsic2025_has_22_sections_a_to_v_with_decree_80_groups(vsic2025):
    codes = [s["code"] for s in vsic2025["sections"]]
    assert codes == [chr(c) for c in range(ord("A"), ord("V") + 1)]
    for s in vsic2025["sections"]:
        assert s["group"] == ("agri_industry" if s["code"] <= "F" else "trade_services"), s["code"]
        assert set(s["name"]) == {"vi", "en"}


def test_vsic2025_from_2018_uses_2018_letters_and_covers_them_all(vsic2025, letters_2018):
    assert letters_2018 == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    covered = set()
    for s in vsic2025["sections"]:
        source = s.get("from_2018", [])
        assert isinstance(source, list)
        assert set(source) <= set(letters_2018), s["code"]
        covered.update(source)
    assert covered == set(letters_2018)


def test_vsic2025_from_2018_is_the_documented_section_correspondence(vsic2025):
    expected = {c: [c] for c in "ABCDEFGHI"}
    expected["J"] = expected["K"] = ["J"]
    expected.update({new: [old] for new, old in zip("LMNOPQRSTUV", "KLMNOPQRSTU")})
    assert {s["code"]: s.get("from_2018") for s in vsic2025["sections"]} == expected
