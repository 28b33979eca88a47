"""Firm profile: tax codes, size classes (Decree 80/2021), profile validation."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment.firms import (
    areas,
    current_localities,
    find_localities,
    localities,
    resolve_locality,
    section_2025,
    sector_version_on,
    sectors,
    size_class,
    tax_code_error,
    validate_profile,
)


@pytest.mark.parametrize("code", ["5500123464", " 5500123464 ", "5500123464-001", "5500123464–001"])
def test_valid_tax_codes(code):
    assert tax_code_error(code) is None


@pytest.mark.parametrize(
    ("code", "key"),
    [("", "err.tax_code.missing"), ("550012345", "err.tax_code.format"), ("55001234647", "err.tax_code.format"),
     ("5500123464-01", "err.tax_code.format"), ("55001234ab", "err.tax_code.format"),
     ("5500123464-0011", "err.tax_code.format"), ("5500123464001", "err.tax_code.format")],
)
def test_invalid_tax_codes(code, key):
    assert tax_code_error(code) == key


@pytest.mark.parametrize("code", ["0300588569", "0101248141", "0100109106", "0101248141-001"])
def test_real_enterprise_codes_pass_the_check_digit(code):
    assert tax_code_error(code) is None


@pytest.mark.parametrize("code", ["0300588568", "0101248142", "5500123456", "5500123456-001", "0100109160"])
def test_a_mistyped_digit_fails_the_check_digit(code):
    assert tax_code_error(code) == "err.tax_code.check_digit"


def test_no_code_exists_when_the_weighted_sum_divides_by_11():
    from assessment.firms import check_digit, complete_tax_code

    assert check_digit("550076543") is None and complete_tax_code("550076543") is None
    assert all(tax_code_error(f"550076543{d}") == "err.tax_code.check_digit" for d in range(10))
    # every other digit string has exactly one valid last digit
    assert [tax_code_error(f"550012345{d}") is None for d in range(10)].count(True) == 1


@pytest.mark.parametrize(
    ("sector", "employees", "revenue", "capital", "expected"),
    [
        # agriculture / industry / construction: micro <= 10 staff and (revenue <= 3 or capital <= 3)
        ("A", 10, 3, None, "micro"),
        ("A", 11, 3, None, "small"),
        ("C", 10, 3.01, None, "small"),
        ("C", 10, 50, 3, "micro"),  # capital alone is enough
        ("C", 100, 50, None, "small"),
        ("C", 101, 50, None, "medium"),
        ("F", 100, 50.5, 20, "small"),
        ("F", 200, 200, None, "medium"),
        ("F", 201, 10, None, "large"),
        ("C", 150, 250, 150, "large"),
        # trade and services: micro revenue limit 10, small 50 staff / 100 bn, medium 100 staff / 300 bn
        ("G", 10, 10, None, "micro"),
        ("G", 10, 10.5, None, "small"),
        ("I", 50, 100, None, "small"),
        ("I", 51, 100, None, "medium"),
        ("J", 100, 300, None, "medium"),
        ("J", 101, 1, None, "large"),
    ],
)
def test_size_class_decree_80(sector, employees, revenue, capital, expected):
    assert size_class(sector, employees, revenue, capital).id == expected


def test_reference_tables_load():
    assert list(sectors("2018"))[:3] == ["A", "B", "C"] and len(sectors("2018")) == 21
    assert len(sectors("2025")) == 22 and list(sectors()) == [chr(c) for c in range(ord("A"), ord("W"))]
    locs = localities()
    # every commune loads with its area; the former districts stay, each its own area, and still read
    assert len(current_localities()) == 75 and len(locs) == 75 + 12 and len(areas()) == 12
    assert all(loc.area in areas() for loc in locs.values())
    assert locs["SL-MC"].name == "Mộc Châu" and locs["SL-MC"].valid_to == dt.date(2025, 6, 30)
    assert not locs["SL-MC"].active_on(dt.date(2025, 7, 1)) and locs["SL-MC"].active_on(dt.date(2025, 6, 30))
    assert locs["04222"].name == "Xã Chiềng Khương" and locs["04222"].area == "SL-SM"
    assert sum(loc.kind == "ward" for loc in current_localities().values()) == 8


def test_a_commune_is_found_without_accents_and_by_a_former_name():
    assert [m.locality.code for m in find_localities("chieng khuong")] == ["04222"]
    assert find_localities("CHIỀNG KHƯƠNG")[0].locality.code == "04222"
    moc_chau = [m.locality.name for m in find_localities("moc chau")]
    assert moc_chau[0] == "Phường Mộc Châu"
    # Xã Chiềng Xuân (Vân Hồ) was merged into Xã Chiềng Sơn
    (match,) = find_localities("chieng xuan")
    assert match.locality.name == "Xã Chiềng Sơn" and match.former == "Xã Chiềng Xuân"
    assert resolve_locality("xa chieng khuong").locality.code == "04222"
    assert resolve_locality("Phường Tô Hiệu").locality.code == "03646" and resolve_locality("03646").former is None
    old = resolve_locality("Xã Chiềng Xuân")
    assert old.locality.name == "Xã Chiềng Sơn" and old.former == "Xã Chiềng Xuân"
    assert resolve_locality("SL-TC").locality.name == "Thuận Châu"  # a former district's code still reads
    assert resolve_locality("Hà Nội") is None
    assert resolve_locality("3980").locality.code == "03980"  # a leading zero a spreadsheet dropped


def test_vsic_2018_and_2025_side_by_side_with_their_size_groups():
    # K was finance in 2018 and is telecoms and programming in 2025; both are services (Decree 80)
    assert "tài chính" in sectors("2018")["K"].name_vi.lower() and "viễn thông" in sectors("2025")["K"].name_vi.lower()
    assert sectors("2018")["K"].group == sectors("2025")["K"].group == "trade_services"
    assert all(sectors("2025")[c].group == "agri_industry" for c in "ABCDEF")
    assert section_2025("K", "2018") == "L" and section_2025("U", "2018") == "V" and section_2025("J", "2018") == "J/K"
    # the same figures give the size class of the section's group in its own version
    assert size_class("C", 8, 9.5, None, version="2025").id == "small"
    assert size_class("G", 8, 9.5, None, version="2025").id == "micro"
    assert sector_version_on(dt.date(2025, 11, 14)) == "2018" and sector_version_on(dt.date(2025, 11, 15)) == "2025"


def _raw(**over):
    raw = dict(tax_code="5500123464", name="Hợp tác xã Chè Tà Xùa", sector="A", employees=8,
               revenue_bn="2,5", capital_bn=None, locality="04222", kind="cooperative")
    raw.update(over)
    return raw


def test_valid_profile():
    profile, errors = validate_profile(_raw())
    assert errors == []
    assert profile.revenue_bn == 2.5 and profile.size_class.id == "micro"
    assert profile.kind == "cooperative" and profile.sector_version == "2025"


def test_each_kind_of_unit_has_its_identifier_rules():
    assert validate_profile(_raw(kind="branch", tax_code="5500123464-001"))[0].kind == "branch"
    assert ("tax_code", "err.tax_code.branch_format") in [(e.field, e.key) for e in
                                                          validate_profile(_raw(kind="branch"))[1]]
    bad = validate_profile(_raw(kind="branch", tax_code="5500123465-001"))[1]
    assert [e.key for e in bad] == ["err.tax_code.check_digit"]  # the first ten digits are checked
    household, errors = validate_profile(_raw(kind="household", tax_code="014203001234", employees=2))
    assert errors == [] and household.size_class.id == "household"  # no Decree 80 class
    assert [e.key for e in validate_profile(_raw(kind="household"))[1]] == ["err.tax_code.household_format"]
    assert [e.key for e in validate_profile(_raw(kind="enterprise", tax_code="014203001234"))[1]] == [
        "err.tax_code.format"]
    assert [e.field for e in validate_profile(_raw(kind="sole trader"))[1]] == ["kind"]


def test_a_former_district_is_refused_for_a_new_profile_but_accepted_for_its_time():
    assert ("locality", "err.locality.missing") in [(e.field, e.key) for e in validate_profile(_raw(locality="SL-BY"))[1]]
    old, errors = validate_profile(_raw(locality="SL-BY"), on=dt.date(2025, 3, 1))
    assert errors == [] and old.sector_version == "2018"


@pytest.mark.parametrize(
    ("over", "field", "key"),
    [
        ({"tax_code": "123"}, "tax_code", "err.tax_code.format"),
        ({"name": "  "}, "name", "err.name.missing"),
        ({"name": "x" * 301}, "name", "err.name.too_long"),
        ({"sector": "Z"}, "sector", "err.sector.missing"),
        ({"locality": "HN"}, "locality", "err.locality.missing"),
        ({"employees": -3}, "employees", "err.value.negative"),
        ({"employees": 2.5}, "employees", "err.figure.whole"),
        ({"employees": None}, "employees", "err.employees.missing"),
        ({"employees": 1e12}, "employees", "err.value.too_large"),
        ({"revenue_bn": "abc"}, "revenue_bn", "err.value.not_number"),
        ({"revenue_bn": float("nan")}, "revenue_bn", "err.value.negative"),
        ({"revenue_bn": None}, "revenue_bn", "err.money.missing"),
        ({"contact_email": "not-an-email"}, "contact_email", "err.email.format"),
        ({"contact_phone": "call me"}, "contact_phone", "err.phone.format"),
    ],
)
def test_profile_errors_name_the_field(over, field, key):
    profile, errors = validate_profile(_raw(**over))
    assert profile is None
    assert (field, key) in [(e.field, e.key) for e in errors]


def test_profile_text_is_stored_nfc():
    decomposed = "Ho\u031b\u0323p ta\u0301c xa\u0303"  # NFD input
    profile, _ = validate_profile(_raw(name=decomposed))
    assert profile.name == "Hợp tác xã"
