"""Firm profile: tax code, sector (VSIC 2018 section), size class (Decree 80/2021), locality.

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


def tax_code_error(raw: str) -> str | None:
    """Translation key of what is wrong with a tax code, or None when it is valid.

    Valid: 10 digits (an enterprise or cooperative) or 10 digits, a dash and 3 digits (a branch or
    dependent unit), the 10th digit matching the check digit of the first nine: a mistyped code
    would otherwise create a phantom firm.
    """
    code = normalise_tax_code(raw)
    if not code:
        return "err.tax_code.missing"
    if not TAX_CODE_RE.fullmatch(code):
        return "err.tax_code.format"
    if check_digit(code[:9]) != int(code[9]):
        return "err.tax_code.check_digit"
    return None


# --- reference tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sector:
    code: str
    group: str
    name_vi: str
    name_en: str

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
    code: str
    name: str
    kind: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


def _read_yaml(path: Path) -> Any:
    """A reference table: the one YAML reader (a key written twice is refused with file and line)."""
    from assessment.framework import DataFileError, read_yaml

    return read_yaml(Path(path), DataFileError)


@lru_cache(maxsize=1)
def sectors() -> dict[str, Sector]:
    data = _read_yaml(DATA_DIR / "sectors.yaml")
    return {
        s["code"]: Sector(s["code"], s["group"], nfc(s["name"]["vi"]), nfc(s["name"]["en"]))
        for s in data["sections"]
    }


@lru_cache(maxsize=1)
def _size_table() -> tuple[list[dict], dict]:
    data = _read_yaml(DATA_DIR / "size_classes.yaml")
    return data["classes"], data["large"]


@lru_cache(maxsize=1)
def size_classes() -> dict[str, SizeClass]:
    classes, large = _size_table()
    return {
        c["id"]: SizeClass(c["id"], nfc(c["name"]["vi"]), nfc(c["name"]["en"])) for c in [*classes, large]
    }


def size_class(sector_code: str, employees: float, revenue_bn: float | None, capital_bn: float | None) -> SizeClass:
    """Size class by Decree 80/2021 art. 5: employees within the limit and revenue OR capital within.

    Examples
    --------
    >>> size_class("G", 8, 9.5, None).id
    'micro'
    >>> size_class("C", 8, 9.5, None).id
    'small'
    """
    group = sectors()[sector_code].group
    classes, _large = _size_table()
    by_id = size_classes()
    for c in classes:
        lim = c["limits"][group]
        money_ok = (revenue_bn is not None and revenue_bn <= lim["revenue"]) or (
            capital_bn is not None and capital_bn <= lim["capital"]
        )
        if employees <= lim["employees"] and money_ok:
            return by_id[c["id"]]
    return by_id["large"]


def localities(path: str | Path | None = None) -> dict[str, Locality]:
    """The province's localities by code, from the configured file (DBI_LOCALITIES_FILE) or ``path``."""
    from assessment.config import settings

    return _localities(str(path or settings().localities_file))


@lru_cache(maxsize=4)
def _localities(path: str) -> dict[str, Locality]:
    data = _read_yaml(Path(path))
    out = {}
    for u in data["units"]:
        out[u["code"]] = Locality(
            u["code"], nfc(u["name"]), u.get("kind", ""), u.get("valid_from"), u.get("valid_to")
        )
    return out


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

    @property
    def size_class(self) -> SizeClass:
        return size_class(self.sector, self.employees, self.revenue_bn, self.capital_bn)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _figure(raw: Any, field: str, errors: list[FieldError], *, whole: bool = False,
            limit: float | None = None) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = float(str(raw).replace(",", ".")) if isinstance(raw, str) else float(raw)
    except ValueError:
        errors.append(FieldError(field, "err.figure.not_number"))
        return None
    if not math.isfinite(value) or value < 0:
        errors.append(FieldError(field, "err.figure.negative"))
        return None
    if limit is not None and value > limit:
        errors.append(FieldError(field, "err.money.unit"))
        return None
    if value > MAX_FIGURE:
        errors.append(FieldError(field, "err.figure.too_large"))
        return None
    if whole and value != int(value):
        errors.append(FieldError(field, "err.figure.whole"))
        return None
    return value


def validate_profile(raw: dict[str, Any]) -> tuple[FirmProfile | None, list[FieldError]]:
    """Check the profile form; return the profile, or None and every problem found."""
    errors: list[FieldError] = []
    key = tax_code_error(raw.get("tax_code", ""))
    if key:
        errors.append(FieldError("tax_code", key))
    name = _CONTROLS.sub("", nfc(str(raw.get("name") or ""))).strip()
    if not name:
        errors.append(FieldError("name", "err.name.missing"))
    elif len(name) > 300:
        errors.append(FieldError("name", "err.name.too_long", (("max", 300),)))
    sector = raw.get("sector")
    if sector not in sectors():
        errors.append(FieldError("sector", "err.sector.missing"))
    locality = raw.get("locality")
    if locality not in localities():
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
        ),
        [],
    )
