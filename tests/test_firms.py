"""Firm profile: tax codes, size classes (Decree 80/2021), profile validation."""

from __future__ import annotations

import pytest

from assessment.firms import localities, sectors, size_class, tax_code_error, validate_profile



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
    assert list(sectors())[:3] == ["A", "B", "C"] and len(sectors()) == 21
    locs = localities()
    assert "SL-MC" in locs and locs["SL-MC"].name == "Mộc Châu" and len(locs) == 12


def _raw(**over):
    raw = dict(tax_code="5500123464", name="Hợp tác xã Chè Tà Xùa", sector="A", employees=8,
               revenue_bn="2,5", capital_bn=None, locality="SL-BY")
    raw.update(over)
    return raw


def test_valid_profile():
    profile, errors = validate_profile(_raw())
    assert errors == []
    assert profile.revenue_bn == 2.5 and profile.size_class.id == "micro"


@pytest.mark.parametrize(
    ("over", "field", "key"),
    [
        ({"tax_code": "123"}, "tax_code", "err.tax_code.format"),
        ({"name": "  "}, "name", "err.name.missing"),
        ({"name": "x" * 301}, "name", "err.name.too_long"),
        ({"sector": "Z"}, "sector", "err.sector.missing"),
        ({"locality": "HN"}, "locality", "err.locality.missing"),
        ({"employees": -3}, "employees", "err.figure.negative"),
        ({"employees": 2.5}, "employees", "err.figure.whole"),
        ({"employees": None}, "employees", "err.employees.missing"),
        ({"employees": 1e12}, "employees", "err.figure.too_large"),
        ({"revenue_bn": "abc"}, "revenue_bn", "err.figure.not_number"),
        ({"revenue_bn": float("nan")}, "revenue_bn", "err.figure.negative"),
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
