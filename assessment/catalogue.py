"""The department's catalogue of digital platforms and national services, as validated data.

A catalogue file (assessment/data/catalogue.yaml, format below) seeds the catalogue; the department
then curates it in the database. Every entry is checked against the framework its criteria belong
to: an unknown criterion id, a bad web address, a duplicate id or a missing language is refused
with a message naming the file, the entry and the problem.

Nothing here is invented: a price band, a Make-in-Vietnam status or a support eligibility that is
not known is ``unknown``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from assessment.framework import DataFileError, Framework, Text, DataModel, error_place, nfc, read_yaml

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "catalogue.yaml"

CATEGORIES: dict[str, Text] = {
    "management": Text(vi="Quản trị, văn phòng, nhân sự", en="Management, office and HR"),
    "accounting": Text(vi="Kế toán", en="Accounting"),
    "einvoice": Text(vi="Hóa đơn điện tử", en="E-invoicing"),
    "esignature": Text(vi="Chữ ký số, hợp đồng điện tử", en="Digital signature and e-contracts"),
    "sales": Text(vi="Bán hàng, POS, đa kênh", en="Sales, POS and omnichannel"),
    "marketplace": Text(vi="Sàn thương mại điện tử", en="E-commerce marketplaces"),
    "customer": Text(vi="Kênh khách hàng và thanh toán", en="Customer channels and payments"),
    "cloud": Text(vi="Điện toán đám mây, hạ tầng", en="Cloud and infrastructure"),
    "security": Text(vi="An toàn thông tin", en="Cybersecurity"),
    "logistics": Text(vi="Vận chuyển, giao hàng", en="Logistics and delivery"),
    "national": Text(vi="Nền tảng, dịch vụ công quốc gia", en="National platforms and public services"),
}
PRICE_BANDS: dict[str, Text] = {
    "free": Text(vi="Miễn phí", en="Free"),
    "low": Text(vi="Thấp (dưới 5 triệu đồng/năm)", en="Low (under 5 million VND a year)"),
    "medium": Text(vi="Trung bình (5-30 triệu đồng/năm)", en="Medium (5-30 million VND a year)"),
    "high": Text(vi="Cao (trên 30 triệu đồng/năm)", en="High (over 30 million VND a year)"),
    "unknown": Text(vi="Chưa rõ", en="Unknown"),
}
SIZES = ("micro", "small", "medium")
STATUSES = ("draft", "published", "retired")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/[^\s]*)?$")


class CatalogueError(DataFileError):
    """A catalogue file, row or entry that cannot be used. Besides the English text (files, CLI,
    logs) it keeps what a page needs to say it in the user's language: the entry's position
    (``entry``, 0-based in the file; a CSV row is entry + 2), its ``field`` and a ``reason`` key of
    the translation catalogue with its ``params`` (:meth:`explain`)."""

    def __init__(self, file: str, place: str, problem: str, *, entry: int | None = None, field: str | None = None,
                 reason: str = "cat.err.other", **params: Any):
        super().__init__(file, place, problem)
        self.entry, self.field, self.reason, self.reason_params = entry, field, reason, params

    def explain(self, lang: str, *, rows: bool = False, entry_id: str | None = None) -> str:
        """The problem in ``lang``: where (the CSV row, or the entry), which field, what is wrong."""
        from assessment.i18n import translate

        where = []
        if self.entry is not None:
            where.append(translate("cat.err.row", lang, row=self.entry + 2) if rows else
                         translate("cat.err.entry", lang, id=entry_id or self.reason_params.get("id") or self.entry + 1))
        if self.field:
            where.append(translate(f"cat.field.{self.field}", lang))
        what = translate(self.reason, lang, **{k: v for k, v in self.reason_params.items()})
        if self.reason == "cat.err.other":
            what = self.problem  # no translation for it: the validator's own words
        return f"{', '.join(where)}: {what}" if where else what


class Lift(DataModel):
    """A criterion the entry improves and the points it can take the criterion to."""

    criterion: str
    to: Annotated[int, Field(ge=1)]


class Entry(DataModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    name_en: Annotated[str, Field(max_length=120)] | None = None  # where the name has Vietnamese words
    provider: Annotated[str, Field(min_length=1, max_length=120)]
    category: Literal[tuple(CATEGORIES)]  # type: ignore[valid-type]
    description: Text
    improves: list[Lift]
    sizes: list[Literal[SIZES]]  # type: ignore[valid-type]
    sectors: list[str] | Literal["all"] = "all"
    # categories whose tools this one exchanges data with (an accounting package that receives
    # the e-invoices): for a firm whose tools of two categories do not talk, the link it offers
    connects: list[Literal[tuple(CATEGORIES)]] = []  # type: ignore[valid-type]
    maturity: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)]] = (0, 5)
    make_in_vietnam: Literal["yes", "no", "unknown"] = "unknown"
    support_eligible: Literal["yes", "no", "unknown"] = "unknown"
    support_note: Text | None = None
    price_band: Literal[tuple(PRICE_BANDS)] = "unknown"  # type: ignore[valid-type]
    url: str
    source: Annotated[str, Field(min_length=1)]
    checked: dt.date
    status: Literal[STATUSES] = "draft"  # type: ignore[valid-type]

    @field_validator("name_en", mode="before")
    @classmethod
    def _optional_name(cls, value: Any) -> Any:
        return nfc(value).strip() or None if isinstance(value, str) else value

    @field_validator("name", "provider", "source")
    @classmethod
    def _nfc(cls, value: str) -> str:
        value = nfc(value).strip()
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not URL_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a web address (https://...)")
        return value

    @field_validator("sectors", mode="before")
    @classmethod
    def _sectors(cls, value: Any) -> Any:
        return "all" if value in ("all", None, []) else value

    @model_validator(mode="after")
    def _check(self) -> Entry:
        if not self.improves:
            raise ValueError("an entry must improve at least one criterion")
        ids = [lift.criterion for lift in self.improves]
        if len(set(ids)) != len(ids):
            raise ValueError("a criterion is listed twice in 'improves'")
        if not self.sizes:
            raise ValueError("'sizes' must list at least one size class")
        if self.maturity[0] > self.maturity[1]:
            raise ValueError("maturity range must be [lowest, highest]")
        return self

    def display_name(self, lang: str) -> str:
        """The name as shown in ``lang`` (the English name where one is given)."""
        return self.name_en if lang == "en" and self.name_en else self.name

    def fits(self, size_class: str | None, sector: str | None) -> bool:
        """Does the entry suit a firm of this size class and sector (unknown: yes)?"""
        size_ok = size_class is None or size_class in self.sizes
        sector_ok = sector is None or self.sectors == "all" or sector in self.sectors
        return size_ok and sector_ok


class CatalogueSpec(DataModel):
    schema_: Literal[1] = Field(alias="schema")
    framework: str  # id@version whose criterion ids the entries refer to
    entries: list[Entry]


@dataclass(frozen=True)
class Catalogue:
    framework: str
    entries: tuple[Entry, ...]

    def published(self) -> list[Entry]:
        return [e for e in self.entries if e.status == "published"]

    def by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


def parse_catalogue(data: Any, fw: Framework, *, source: str = "<data>") -> Catalogue:
    """Validate catalogue data against the framework its criterion ids belong to."""
    if not isinstance(data, dict):
        raise CatalogueError(source, "top level", "the file must hold a mapping with 'schema', 'framework', 'entries'")
    try:
        spec = CatalogueSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        loc = tuple(err["loc"])
        entry = loc[1] if len(loc) > 1 and loc[0] == "entries" and isinstance(loc[1], int) else None
        field = str(loc[2]) if entry is not None and len(loc) > 2 else None
        reason, params = _reason(err)
        raise CatalogueError(source, error_place(loc, data), err["msg"].removeprefix("Value error, ") + more,
                             entry=entry, field=field, reason=reason, **params) from None
    if spec.framework != fw.key:
        raise CatalogueError(source, "framework", f"the catalogue refers to {spec.framework}, not {fw.key}")
    seen: set[str] = set()
    for i, entry in enumerate(spec.entries):
        place = f"entries[{i + 1}] (id {entry.id})"
        where = {"entry": i, "id": entry.id}
        if entry.id in seen:
            raise CatalogueError(source, place, f"id {entry.id!r} is used twice", field="id", reason="cat.err.id_twice",
                                 **where)
        seen.add(entry.id)
        for lift in entry.improves:
            crit = fw.criterion_by_id.get(lift.criterion)
            if crit is None:
                raise CatalogueError(source, f"{place}.improves", f"unknown criterion id {lift.criterion!r}",
                                     field="improves", reason="cat.err.criterion", criterion=lift.criterion, **where)
            if lift.to > crit.max_points:
                raise CatalogueError(
                    source, f"{place}.improves",
                    f"criterion {crit.id} has at most {crit.max_points} points, not {lift.to}",
                    field="improves", reason="cat.err.too_many_points", criterion=crit.id, max=crit.max_points,
                    to=lift.to, **where)
        if entry.maturity[1] > fw.max_level:
            raise CatalogueError(source, f"{place}.maturity", f"levels go up to {fw.max_level}", field="maturity",
                                 reason="cat.err.maturity", max=fw.max_level, **where)
        if entry.sectors != "all":
            from assessment.firms import sectors

            unknown = [s for s in entry.sectors if s not in sectors()]
            if unknown:
                raise CatalogueError(source, f"{place}.sectors", f"unknown VSIC section(s) {', '.join(unknown)}",
                                     field="sectors", reason="cat.err.sectors", sectors=", ".join(unknown), **where)
    return Catalogue(spec.framework, tuple(spec.entries))


# what a validator says -> the translation of it (the English text stays for files and logs)
_VALUE_ERRORS = {"must not be empty": "cat.err.empty", "is not a web address": "cat.err.url",
                 "an entry must improve": "cat.err.no_improves", "is listed twice in 'improves'": "cat.err.improves_twice",
                 "'sizes' must list": "cat.err.no_sizes", "maturity range": "cat.err.maturity_order"}


def _reason(err: dict) -> tuple[str, dict]:
    """A pydantic error as a translation key and its parameters."""
    kind = err.get("type", "")
    if kind == "missing":
        return "cat.err.missing", {}
    if kind == "literal_error":
        return "cat.err.choice", {"allowed": str((err.get("ctx") or {}).get("expected", ""))}
    if kind in ("string_pattern_mismatch",):
        return "cat.err.id_format", {}
    if kind.startswith(("date", "int", "float")):
        return "cat.err.format", {}
    if kind in ("string_too_long",):
        return "cat.err.too_long", {"max": (err.get("ctx") or {}).get("max_length", "")}
    if kind == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        for start, key in _VALUE_ERRORS.items():
            if start in msg:
                return key, {"value": str(err.get("input", ""))[:80]}
    return "cat.err.other", {}


def load_catalogue(path: str | Path, fw: Framework) -> Catalogue:
    path = Path(path)
    return parse_catalogue(read_yaml(path, CatalogueError), fw, source=str(path))
