"""Firm profile: the kind of unit and its tax identifier, sector (VSIC 2018 or 2025 section), size
class (Decree 80/2021), commune or ward (with the former units it absorbed, and its reporting area).

Reference tables are data files under assessment/data/. Validation returns :class:`FieldError`
records carrying a message key of the translation catalogue, so each page shows the message in the
user's language beside the field it concerns.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


from assessment.config import DATA_DIR
from assessment.errors import UserError
from assessment.framework import nfc

TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")  # invisible
MAX_FIGURE = 1e9  # a bound far above any SME figure (employees, billion VND): rejects typos like 1e30
# revenue or capital above this many billion dong (10^15 dong, more than any firm in Vietnam) was
# typed in dong: refused with a hint about the unit rather than read as a giant
MAX_MONEY_BN = 1_000_000


class FieldError(UserError):
    """A profile field that cannot be stored as entered; shown under that field."""

    def __init__(self, field: str, key: str, params: tuple[tuple[str, Any], ...] = ()):
        self.field = field
        super().__init__(key, f"{field}: {key}", **dict(params))


def normalise_tax_code(raw: str) -> str:
    """Strip spaces and unify dashes; the result may still be invalid."""
    text = nfc(str(raw or "")).strip()
    text = re.sub(r"\s+", "", text)
    return text.replace("–", "-").replace("—", "-").replace("‐", "-")


CHECK_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def check_digit(first_nine: str) -> int | None:
    """The tax authority's check digit for the first nine digits of a code, or None when no valid
    code starts with them (a weighted sum divisible by 11).

    Examples
    --------
    >>> check_digit("030058856")
    9
    """
    remainder = sum(w * int(d) for w, d in zip(CHECK_WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def complete_tax_code(first_nine: str) -> str | None:
    """The valid 10-digit code that starts with these nine digits, or None (demo and test data)."""
    digit = check_digit(first_nine)
    return None if digit is None else f"{first_nine}{digit}"


KINDS = ("enterprise", "cooperative", "branch", "household")  # doanh nghiệp, hợp tác xã, chi nhánh, hộ kinh doanh
PERSONAL_ID_RE = re.compile(r"^\d{12}$")


def tax_code_error(raw: str, kind: str = "enterprise") -> str | None:
    """Translation key of what is wrong with a tax identifier for this kind of unit, or None.

    - enterprise, cooperative: 10 digits, the 10th the check digit of the first nine; a branch's
      13-character code (10 digits, a dash, 3 digits) is accepted too, as firms type it;
    - branch (dependent unit): 10 digits, a dash and 3 digits, the first ten checked the same way;
    - household business: the owner's 12-digit personal identification number (Thông tư 86/2024/
      TT-BTC, since 01/7/2025), which has no check digit.

    A mistyped code would otherwise create a phantom firm.

    Examples
    --------
    >>> tax_code_error("0300588569"), tax_code_error("0300588560")
    (None, 'err.tax_code.check_digit')
    >>> tax_code_error("0300588569-001", "branch"), tax_code_error("0300588569", "branch")
    (None, 'err.tax_code.branch_format')
    >>> tax_code_error("014203001234", "household"), tax_code_error("0300588569", "household")
    (None, 'err.tax_code.household_format')
    """
    code = normalise_tax_code(raw)
    if not code:
        return "err.tax_code.missing"
    if kind == "household":
        return None if PERSONAL_ID_RE.fullmatch(code) else "err.tax_code.household_format"
    if kind == "branch" and not re.fullmatch(r"\d{10}-\d{3}", code):
        return "err.tax_code.branch_format"
    if not TAX_CODE_RE.fullmatch(code):
        return "err.tax_code.format"
    if check_digit(code[:9]) != int(code[9]):
        return "err.tax_code.check_digit"
    return None


# --- reference tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sector:
    code: str
    group: str  # Decree 80/2021 art. 6: agri_industry or trade_services
    name_vi: str
    name_en: str
    version: str = "2018"  # the VSIC system the letter belongs to: "2018" or "2025"
    from_2018: tuple[str, ...] = ()  # (VSIC 2025) the 2018 sections it takes over, at section level

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class SizeClass:
    id: str
    name_vi: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_vi


@dataclass(frozen=True)
class Locality:
    """A commune-level unit (or, before 01/7/2025, a district-level one) with its reporting area
    and, for units made by a merger, the former units it absorbed."""

    code: str
    name: str
    kind: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    area: str = ""  # the reporting area's code (the former district it lies in)
    former: tuple[str, ...] = ()  # names of the former units merged into it
    former_codes: tuple[str, ...] = ()
    weight: float = 1.0  # demo data only: how many firms to place here, relatively

    def active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Area:
    code: str
    name: str


def _read_yaml(path: Path) -> Any:
    """A reference table: the one YAML reader (a key written twice is refused with file and line)."""
    from assessment.framework import DataFileError, read_yaml

    return read_yaml(Path(path), DataFileError)


SECTOR_FILES = {"2018": "sectors.yaml", "2025": "sectors-vsic2025.yaml"}
VSIC_2025_FROM = dt.date(2025, 11, 15)  # Quyết định 36/2025/QĐ-TTg in force


def sector_version_on(day: dt.date) -> str:
    """The sector system in force on ``day``: VSIC 2025 from 15/11/2025, VSIC 2018 before."""
    return "2025" if day >= VSIC_2025_FROM else "2018"


@lru_cache(maxsize=4)
def sectors(version: str = "2025") -> dict[str, Sector]:
    """The sections of a VSIC version by letter (a letter means something only with its version)."""
    data = _read_yaml(DATA_DIR / SECTOR_FILES[version])
    return {
        s["code"]: Sector(s["code"], s["group"], nfc(s["name"]["vi"]), nfc(s["name"]["en"]), version,
                          tuple(s.get("from_2018", ())))
        for s in data["sections"]
    }


@lru_cache(maxsize=1)
def _from_2018() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for sec in sectors("2025").values():
        for old in sec.from_2018:
            out.setdefault(old, []).append(sec.code)
    return {old: tuple(new) for old, new in out.items()}


def section_2025(code: str, version: str) -> str:
    """The VSIC 2025 section a sector belongs to, for comparing like with like: a 2025 letter is
    itself; a 2018 letter maps where the section-level correspondence is one to one (2018 K
    finance is 2025 L, ...); 2018 J (information and communication), split into 2025 J and K, stays
    apart as "J/K".

    Examples
    --------
    >>> section_2025("K", "2018"), section_2025("K", "2025"), section_2025("J", "2018"), section_2025("A", "2018")
    ('L', 'K', 'J/K', 'A')
    """
    if version == "2025":
        return code
    return "/".join(_from_2018().get(code, (code,)))


@lru_cache(maxsize=1)
def _size_table() -> tuple[list[dict], dict]:
    data = _read_yaml(DATA_DIR / "size_classes.yaml")
    return data["classes"], data["large"]


@lru_cache(maxsize=1)
def size_classes() -> dict[str, SizeClass]:
    """The size classes by id, and "household" for household businesses (Decree 80 classes are
    for enterprises; a household business is shown as what it is)."""
    classes, large = _size_table()
    household = _read_yaml(DATA_DIR / "size_classes.yaml")["household"]
    return {
        c["id"]: SizeClass(c["id"], nfc(c["name"]["vi"]), nfc(c["name"]["en"])) for c in [*classes, large, household]
    }


def size_class(sector_code: str, employees: float, revenue_bn: float | None, capital_bn: float | None, *,
               version: str = "2025", kind: str = "enterprise") -> SizeClass:
    """Size class by Decree 80/2021 art. 5: employees within the limit and revenue OR capital within,
    the limits by the sector group of the firm's section (in its VSIC version); a household business
    gets "household" instead.

    Examples
    --------
    >>> size_class("G", 8, 9.5, None).id
    'micro'
    >>> size_class("C", 8, 9.5, None).id
    'small'
    >>> size_class("G", 3, 0.5, None, version="2025", kind="household").id
    'household'
    """
    by_id = size_classes()
    if kind == "household":
        return by_id["household"]
    group = sectors(version)[sector_code].group
    classes, _large = _size_table()
    for c in classes:
        lim = c["limits"][group]
        money_ok = (revenue_bn is not None and revenue_bn <= lim["revenue"]) or (
            capital_bn is not None and capital_bn <= lim["capital"]
        )
        if employees <= lim["employees"] and money_ok:
            return by_id[c["id"]]
    return by_id["large"]


def localities(path: str | Path | None = None) -> dict[str, Locality]:
    """Every unit of the province by code, current and former, from the configured file
    (DBI_LOCALITIES_FILE) or ``path``: a stored code always reads."""
    return _locality_file(_path(path))[0]


def areas(path: str | Path | None = None) -> dict[str, Area]:
    """The reporting areas (the former districts) by code."""
    return _locality_file(_path(path))[1]


def current_localities(day: dt.date | None = None, path: str | Path | None = None) -> dict[str, Locality]:
    """The units in force on ``day`` (today by default): what a firm picks from."""
    day = day or dt.date.today()
    return {code: loc for code, loc in localities(path).items() if loc.active_on(day)}


def _path(path: str | Path | None) -> str:
    from assessment.config import settings

    return str(path or settings().localities_file)


@lru_cache(maxsize=4)
def _locality_file(path: str) -> tuple[dict[str, Locality], dict[str, Area]]:
    data = _read_yaml(Path(path))
    units = {}
    for u in data["units"]:
        code = str(u["code"])
        units[code] = Locality(
            code, nfc(u["name"]), u.get("kind", ""), u.get("valid_from"), u.get("valid_to"),
            str(u.get("area") or code), tuple(nfc(x) for x in u.get("former", ())),
            tuple(str(x) for x in u.get("former_codes", ())), float(u.get("weight", 1)),
        )
    declared = {str(a["code"]): Area(str(a["code"]), nfc(a["name"])) for a in data.get("areas", ())}
    # a file without areas: each unit is its own area
    found = {loc.area: declared.get(loc.area) or Area(loc.area, units[loc.area].name if loc.area in units else loc.area)
             for loc in units.values()}
    return units, {**declared, **found}


_PREFIXES = ("thanh pho ", "thi xa ", "thi tran ", "phuong ", "huyen ", "xa ")


def _bare(text: str) -> str:
    """Lower case, no diacritics (đ as d), single spaces: one character per letter."""
    import unicodedata

    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")  # no decomposition
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


def fold(text: str) -> str:
    """A name as people type it without accents: lower case, no diacritics (đ as d), single spaces,
    without a leading "Xã", "Phường", "Thị trấn", "Huyện", "Thị xã" or "Thành phố".

    Examples
    --------
    >>> fold("Xã Chiềng Khương"), fold("  PHƯỜNG  Tô Hiệu "), fold("chieng khuong")
    ('chieng khuong', 'to hieu', 'chieng khuong')
    """
    text = _bare(text)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


# The Vietnamese alphabet: ă and â after a, đ after d, ê after e, ô and ơ after o, ư after u (f, j,
# w, z for foreign names); the tones come second: none, huyền, hỏi, ngã, sắc, nặng.
_VI_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: chr(0x100 + i) for i, ch in enumerate(_VI_LETTERS)}  # above the space, digits and signs
_MARKED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
           ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}  # breve, circumflex, horn
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def sort_key(name: str) -> str:
    """A key that puts names in Vietnamese dictionary order: by the letters of the Vietnamese
    alphabet (Đ after D, Ă and Â after A, Ư after U...), then by tone, then as written; the kind
    of unit ("Xã", "Phường", "Thị trấn"...) is not part of the name, as in :func:`fold`. Python's
    own order (by code point) puts every name starting with Đ or an accented capital after Z.

    Examples
    --------
    >>> sorted(["Xã Đông Hải", "Phường Dương Nội", "Xã Ân Thi", "Xã An Lạc", "Xã Bình"], key=sort_key)
    ['Xã An Lạc', 'Xã Ân Thi', 'Xã Bình', 'Phường Dương Nội', 'Xã Đông Hải']
    """
    import unicodedata

    written = nfc(str(name or ""))
    text = " ".join(unicodedata.normalize("NFD", written).lower().split())
    bases, letters, tones = [], [], []
    i = 0
    while i < len(text):
        base, i = text[i], i + 1
        marks = ""
        while i < len(text) and unicodedata.combining(text[i]):
            marks, i = marks + text[i], i + 1
        letter = next((_MARKED[base, m] for m in marks if (base, m) in _MARKED), base)
        bases.append("d" if base == "đ" else base)
        letters.append(_RANK.get(letter, letter))
        tones.append(next((_TONES[m] for m in marks if m in _TONES), "0"))
    bare = "".join(bases)
    cut = next((len(prefix) for prefix in _PREFIXES if bare.startswith(prefix)), 0)
    # "\x01" sorts below every letter and the space: a name comes before the longer names it starts
    return "".join(letters[cut:]) + "\x01" + "".join(tones[cut:]) + "\x01" + written


@dataclass(frozen=True)
class LocalityMatch:
    locality: Locality
    former: str | None = None  # the former unit's name the text matched, if it matched one


def find_localities(text: str, *, day: dt.date | None = None, path: str | Path | None = None,
                    limit: int = 20) -> list[LocalityMatch]:
    """Current units whose name, or the name of a former unit they absorbed, contains ``text``
    typed with or without accents ("chieng khuong", "moc chau"); exact names first."""
    wanted = fold(text)
    units = current_localities(day, path)
    if not wanted:
        return [LocalityMatch(loc) for loc in units.values()][:limit]
    exact, partial, via_former = [], [], []
    for loc in units.values():
        name = fold(loc.name)
        if name == wanted:
            exact.append(LocalityMatch(loc))
        elif wanted in name:
            partial.append(LocalityMatch(loc))
        else:
            old = next((f for f in loc.former if wanted == fold(f)), None) or \
                next((f for f in loc.former if wanted in fold(f)), None)
            if old is not None:
                via_former.append(LocalityMatch(loc, old))
    return (exact + partial + via_former)[:limit]


def resolve_locality(raw: str, *, day: dt.date | None = None,
                     path: str | Path | None = None) -> LocalityMatch | None:
    """The unit a cell means, on ``day``: its code (any unit's, former ones included), its name
    (case, accents and "Xã"/"Phường" optional), or the name of a former unit it absorbed (the match
    then names it, so the caller can say so). None when nothing or more than one unit fits."""
    text = nfc(str(raw or "")).strip()
    units = localities(path)
    if text in units:
        return LocalityMatch(units[text])
    if text.upper() in units:
        return LocalityMatch(units[text.upper()])
    if text.isdigit() and text.zfill(5) in units:  # a spreadsheet that stored 03980 as the number 3980
        return LocalityMatch(units[text.zfill(5)])
    wanted = fold(text)
    if not wanted:
        return None
    active = current_localities(day, path)
    named = [loc for loc in active.values() if fold(loc.name) == wanted]
    if len(named) == 1:
        return LocalityMatch(named[0])
    if named:
        return None
    former = [(loc, f) for loc in active.values() for f in loc.former if fold(f) == wanted]
    if len({loc.code for loc, _ in former}) == 1:
        return LocalityMatch(former[0][0], former[0][1])
    return None


# --- the profile a firm fills in --------------------------------------------------------------


@dataclass(frozen=True)
class FirmProfile:
    tax_code: str
    name: str
    sector: str
    employees: int
    revenue_bn: float | None
    capital_bn: float | None
    locality: str
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    kind: str = "enterprise"  # one of KINDS
    sector_version: str = "2018"  # profiles stored before VSIC 2025 carry no version: they are 2018

    @property
    def size_class(self) -> SizeClass:
        return size_class(self.sector, self.employees, self.revenue_bn, self.capital_bn,
                          version=self.sector_version, kind=self.kind)

    @property
    def sector_info(self) -> Sector | None:
        return sectors(self.sector_version).get(self.sector)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _figure(raw: Any, field: str, errors: list[FieldError], *, whole: bool = False,
            limit: float | None = None) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
    except ValueError:
        errors.append(FieldError(field, "err.value.not_number"))
        return None
    if not math.isfinite(value) or value < 0:
        errors.append(FieldError(field, "err.value.negative"))
        return None
    if limit is not None and value > limit:
        # the example is a number the message writes the reader's way (1,5 / 1.500.000.000 in
        # Vietnamese, 1.5 / 1,500,000,000 in English): it travels as figures, never as text
        errors.append(FieldError(field, "err.money.unit", (("example_bn", 1.5), ("example_dong", 1_500_000_000))))
        return None
    if value > MAX_FIGURE:
        errors.append(FieldError(field, "err.value.too_large"))
        return None
    if whole and value != int(value):
        errors.append(FieldError(field, "err.figure.whole"))
        return None
    return value


def validate_profile(raw: dict[str, Any], *, on: dt.date | None = None) -> tuple[FirmProfile | None, list[FieldError]]:
    """Check the profile form (or an imported row) as of ``on`` (today by default): the sector in
    the VSIC version in force then (unless the row names its version), the commune or ward in force
    then. Returns the profile, or None and every problem found."""
    on = on or dt.date.today()
    errors: list[FieldError] = []
    kind = raw.get("kind") or "enterprise"
    if kind not in KINDS:
        errors.append(FieldError("kind", "err.kind.missing"))
        kind = "enterprise"
    key = tax_code_error(raw.get("tax_code", ""), kind)
    if key:
        errors.append(FieldError("tax_code", key))
    name = _CONTROLS.sub("", nfc(str(raw.get("name") or ""))).strip()
    if not name:
        errors.append(FieldError("name", "err.name.missing"))
    elif len(name) > 300:
        errors.append(FieldError("name", "err.name.too_long", (("max", 300),)))
    version = str(raw.get("sector_version") or sector_version_on(on))
    sector = raw.get("sector")
    if version not in SECTOR_FILES or sector not in sectors(version):
        errors.append(FieldError("sector", "err.sector.missing"))
    locality = raw.get("locality")
    unit = localities().get(locality)
    if unit is None or not unit.active_on(on):
        errors.append(FieldError("locality", "err.locality.missing"))
    employees = _figure(raw.get("employees"), "employees", errors, whole=True)
    if employees is None and not any(e.field == "employees" for e in errors):
        errors.append(FieldError("employees", "err.employees.missing"))
    revenue = _figure(raw.get("revenue_bn"), "revenue_bn", errors, limit=MAX_MONEY_BN)
    capital = _figure(raw.get("capital_bn"), "capital_bn", errors, limit=MAX_MONEY_BN)
    if revenue is None and capital is None and not any(e.field in ("revenue_bn", "capital_bn") for e in errors):
        errors.append(FieldError("revenue_bn", "err.money.missing"))
    email = str(raw.get("contact_email") or "").strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(FieldError("contact_email", "err.email.format"))
    phone = str(raw.get("contact_phone") or "").strip()
    if phone and not re.fullmatch(r"\+?[\d .()-]{6,20}", phone):
        errors.append(FieldError("contact_phone", "err.phone.format"))
    if errors:
        return None, errors
    return (
        FirmProfile(
            tax_code=normalise_tax_code(raw["tax_code"]),
            name=name,
            sector=sector,
            employees=int(employees),
            revenue_bn=revenue,
            capital_bn=capital,
            locality=locality,
            contact_name=_CONTROLS.sub("", nfc(str(raw.get("contact_name") or ""))).strip()[:200],
            contact_phone=phone,
            contact_email=email,
            kind=kind,
            sector_version=version,
        ),
        [],
    )
