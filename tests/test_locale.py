"""Numbers, dates and names as each language writes and orders them: counts with the language's
thousands separator, the unit hint of a money figure, dates, the Vietnamese alphabetical order, and
labels that name the kind of unit."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from assessment.firms import KINDS, areas, localities, sort_key, validate_profile
from assessment.i18n import catalogue, day_input_format, day_text, translate

COUNTS = ("n", "total", "max", "done", "ok", "new", "changed")  # what messages count


def _fields(text: str) -> dict[str, str]:
    return {name: spec for _, name, spec, _ in string.Formatter().parse(text) if name}


def test_counts_in_messages_are_written_the_languages_way():
    assert translate("bulk.title", "vi", n=1500) == "Phiếu kết quả hàng loạt cho 1.500 doanh nghiệp đang lọc (ZIP)"
    assert translate("bulk.title", "en", n=1500) == "Scorecards of the 1,500 filtered firms in bulk (ZIP)"
    assert translate("bulk.progress", "vi", done=1200, n=1500) == "Đã tạo 1.200/1.500 phiếu"
    assert translate("imp.rows_ok", "en", ok=12345, n=20000) == "12,345 / 20,000 rows are valid."
    assert translate("admin.count", "vi", n=2, total=1000) == "2/1.000 giải pháp"
    assert translate("assess.step_of", "en", i=2, n=9, name="P1") == "Step 2/9: P1"  # small numbers stay
    assert translate("history.change_points", "vi", diff="+5") == "+5 điểm"  # a signed text stays as given


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_count_placeholder_says_how_to_write_it(lang):
    """A count written plainly ({n}) would show 1500 in both languages: each carries :num or :plural,
    and a placeholder formatted in one language is formatted in the other."""
    other = catalogue("en" if lang == "vi" else "vi")
    for key, text in catalogue(lang).items():
        fields = _fields(text)
        plain = sorted(name for name, spec in fields.items() if name in COUNTS and not spec)
        assert not plain, (key, plain)
        mine, theirs = fields, _fields(other[key])
        assert {n for n, s in mine.items() if s} == {n for n, s in theirs.items() if s}, key


def test_the_money_unit_hint_follows_the_language():
    profile, errors = validate_profile({"kind": "enterprise", "tax_code": "0300588569", "name": "Công ty A",
                                        "sector": "G", "locality": "04222", "employees": 3,
                                        "revenue_bn": 2_500_000_000})
    assert profile is None
    (err,) = [e for e in errors if e.field == "revenue_bn"]
    assert err.key == "err.money.unit"
    assert "(1,5 cho 1.500.000.000 đồng)" in err.message("vi")
    english = err.message("en")
    assert "(1.5 for 1,500,000,000 đồng)" in english and "1.500.000.000" not in english


def test_dates_are_written_the_languages_way():
    at = dt.datetime(2026, 11, 27, 9, 5)
    assert day_text(at, "vi") == "27/11/2026" and day_text(at, "vi", time=True) == "27/11/2026 09:05"
    assert day_text(at, "en") == "2026-11-27" and day_text(at, "en", time=True) == "2026-11-27 09:05"
    assert day_text(at.date(), "vi", time=True) == "27/11/2026" and day_text(None, "vi") == ""
    assert day_input_format("vi") == "DD/MM/YYYY" and day_input_format("en") == "YYYY-MM-DD"
    assert day_input_format("fr") == "DD/MM/YYYY"  # an unknown language reads as the default


def test_names_sort_in_vietnamese_order():
    # Python's order puts Đ, Ấ, Ư... after Z; Vietnamese puts Đ after D, Ă and Â after A, Ư after U
    names = ["Xã Yên Sơn", "Xã Đoàn Kết", "Xã Dồm Cang", "Xã Ẳng Nưa", "Xã Ấm Sơn", "Xã An Lạc", "Phường Ưng Hòe",
             "Xã Uyên", "Phường Tô Hiệu"]
    assert sorted(names, key=sort_key) == ["Xã An Lạc", "Xã Ẳng Nưa", "Xã Ấm Sơn", "Xã Dồm Cang", "Xã Đoàn Kết",
                                           "Phường Tô Hiệu", "Xã Uyên", "Phường Ưng Hòe", "Xã Yên Sơn"]
    # the kind of unit is not part of the name; tone comes after the letters; a name before its longer kin
    assert sorted(["Mường Lát", "Mường La", "Mương", "Muờng"], key=sort_key) == ["Muờng", "Mương", "Mường La",
                                                                                   "Mường Lát"]
    assert sorted(["Mường La", "Mộc Châu"], key=sort_key) == ["Mộc Châu", "Mường La"]  # ô before ư
    assert sorted(["ca", "cà", "cả", "cã", "cá", "cạ"], key=sort_key) == ["ca", "cà", "cả", "cã", "cá", "cạ"]
    assert sort_key("Xã Chiềng Khương") != sort_key("Phường Chiềng Khương")  # distinct names stay distinct
    # decomposed input sorts as its composed form
    import unicodedata

    assert sort_key(unicodedata.normalize("NFD", "Xã Đoàn Kết")) == sort_key("Xã Đoàn Kết")


def test_the_provinces_places_in_vietnamese_order():
    units = sorted((u.name for u in localities().values()), key=sort_key)
    assert units.index("Xã Đoàn Kết") < units.index("Xã Gia Phù")  # not after "Xã Yên Sơn"
    area_names = sorted((a.name for a in areas().values()), key=sort_key)
    assert area_names.index("Mộc Châu") < area_names.index("Mường La")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_profile_labels_exist_for_every_kind_of_unit(lang):
    texts = catalogue(lang)
    for prefix in ("profile.name", "profile.heading", "review.edit_profile"):
        assert all(f"{prefix}.{kind}" in texts for kind in KINDS), prefix
    assert texts["profile.name.household"] == {"vi": "Tên hộ kinh doanh", "en": "Household business name"}[lang]
    household = " ".join(texts[f"{p}.household"] for p in ("profile.name", "profile.heading", "review.edit_profile"))
    assert ("doanh nghiệp" if lang == "vi" else "firm") not in household.lower()
