"""The catalogue as the department curates it: stored in the database, every change recorded.

The shipped file (assessment/data/catalogue.yaml) seeds an empty database. From then on entries
are added, edited, published and retired here; each change is validated against the framework
(the same checks as the file) before anything is written, and logged with who, when and what.
Firms only ever see published entries. Import replaces or adds entries from a CSV or YAML file
in one transaction: one bad row and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from assessment import platform_cells, versions
from assessment.catalogue import CATALOGUE_FILE, Catalogue, CatalogueError, Entry, load_catalogue, parse_catalogue
from assessment.framework import Framework, load_yaml_text
from assessment.models import CatalogueChangeRow, CatalogueEntryRow, utcnow
from assessment.storage import Store

CSV_COLUMNS = [
    "id", "name", "name_en", "provider", "category", "description_vi", "description_en", "improves", "sizes",
    "sectors", "connects", "maturity", "make_in_vietnam", "support_eligible", "support_note_vi", "support_note_en",
    "price_band", "url", "source", "checked", "status",
]


@dataclass(frozen=True)
class Change:
    seq: int
    entry_id: str
    at: dt.datetime
    who: str
    action: str


def entry_to_data(entry: Entry) -> dict[str, Any]:
    return entry.model_dump(mode="json", exclude_none=True)


class CatalogueStore:
    def __init__(self, store: Store, fw: Framework):
        self.fw = fw
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    # --- reading ----------------------------------------------------------------------------
    def entries(self, *, status: str | None = None) -> list[Entry]:
        with self._session() as s:
            query = (select(CatalogueEntryRow).where(CatalogueEntryRow.framework == self.fw.key)
                     .order_by(CatalogueEntryRow.id))
            if status:
                query = query.where(CatalogueEntryRow.status == status)
            return [Entry.model_validate(row.data) for row in s.scalars(query)]

    def published(self) -> list[Entry]:
        return self.entries(status="published")

    def changes(self, entry_id: str | None = None, limit: int = 200) -> list[Change]:
        with self._session() as s:
            query = (select(CatalogueChangeRow).where(CatalogueChangeRow.framework == self.fw.key)
                     .order_by(CatalogueChangeRow.seq.desc()).limit(limit))
            if entry_id:
                query = query.where(CatalogueChangeRow.entry_id == entry_id)
            return [Change(r.seq, r.entry_id, r.at, r.who, r.action) for r in s.scalars(query)]

    # --- writing ----------------------------------------------------------------------------
    def seed_if_empty(self, catalogue: Catalogue | None = None, who: str = "system") -> int:
        """Fill an empty catalogue from the shipped file; returns how many entries were added."""
        with self._session() as s:
            if s.scalar(select(CatalogueEntryRow.id).where(CatalogueEntryRow.framework == self.fw.key)
                        .limit(1)) is not None:
                return 0
        if catalogue is None:
            if yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8")).get("framework") != self.fw.key:
                return 0  # the shipped catalogue is for another framework: start empty
            catalogue = load_catalogue(CATALOGUE_FILE, self.fw)
        try:
            return self._write(list(catalogue.entries), who, action="seed")
        except IntegrityError:
            return 0  # another process seeded it at the same moment (one transaction: all or nothing)

    def validate(self, entries: list[dict[str, Any] | Entry], *, source: str = "<form>") -> list[Entry]:
        """The same checks as the catalogue file: raises CatalogueError naming the entry and problem."""
        data = [entry_to_data(e) if isinstance(e, Entry) else e for e in entries]
        return list(parse_catalogue({"schema": 1, "framework": self.fw.key, "entries": data}, self.fw,
                                    source=source).entries)

    def save(self, entry: dict[str, Any] | Entry, who: str) -> Entry:
        """Add or edit one entry (validated first)."""
        (valid,) = self.validate([entry])
        self._write([valid], who, action=None)
        return valid

    def set_status(self, entry_id: str, status: str, who: str) -> Entry:
        with self._session() as s:
            row = s.get(CatalogueEntryRow, (self.fw.key, entry_id))
            if row is None:
                raise CatalogueError("catalogue", entry_id, "no such entry")
            data = dict(row.data)
        data["status"] = status
        (valid,) = self.validate([data])
        self._write([valid], who, action={"published": "publish", "retired": "retire"}.get(status, status))
        return valid

    def import_entries(self, entries: list[dict[str, Any]], who: str, *, source: str) -> int:
        valid = self.validate(entries, source=source)
        return self._write(valid, who, action="import")

    def _write(self, entries: list[Entry], who: str, *, action: str | None) -> int:
        """Write the entries that differ from what is stored; returns how many changed."""
        changed = 0
        with self._session.begin() as s:
            for entry in entries:
                data = entry_to_data(entry)
                row = s.get(CatalogueEntryRow, (self.fw.key, entry.id))
                before = dict(row.data) if row is not None else None
                if before == data:
                    continue
                if row is None:
                    s.add(CatalogueEntryRow(framework=self.fw.key, id=entry.id, status=entry.status, data=data,
                                            updated_by=who))
                else:
                    row.status, row.data, row.updated_by, row.updated_at = entry.status, data, who, utcnow()
                s.add(CatalogueChangeRow(
                    framework=self.fw.key, entry_id=entry.id, who=who, before=before, after=data,
                    action=action or ("add" if before is None else "edit"),
                ))
                changed += 1
            if changed:
                versions.bump(s, "catalogue")
                s.flush()
                platform_cells.recount_miv(s.connection(), self.fw.key)  # the Make in Vietnam counts
        return changed


# --- files ----------------------------------------------------------------------------------


def to_yaml(fw: Framework, entries: list[Entry]) -> str:
    data = {"schema": 1, "framework": fw.key, "entries": [entry_to_data(e) for e in entries]}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def to_csv(entries: list[Entry]) -> bytes:
    """The catalogue as CSV through the one formula-safe export path (read back by rows_from_csv)."""
    import pandas as pd

    from assessment import exports

    return exports.to_csv_bytes(pd.DataFrame([entry_fields(e) for e in entries], columns=CSV_COLUMNS))


def _split(text: str) -> list[str]:
    return [p.strip() for p in str(text or "").replace(",", ";").split(";") if p.strip()]


def entry_from_fields(row: dict[str, Any], *, place: str = "", source: str = "form",
                      entry: int | None = None) -> dict[str, Any]:
    """An entry (as data, not yet validated) from flat text fields: a CSV row or the edit form.

    ``improves`` is written "3.2.6:4; 3.2.4:3", lists are separated by ';', maturity is "1-4".
    """
    try:
        improves = []
        for part in _split(row.get("improves")):
            crit, _, to = part.partition(":")
            improves.append({"criterion": crit.strip(), "to": int(to)})
        lo, _, hi = str(row.get("maturity") or "0-5").partition("-")
        maturity = [int(lo), int(hi or lo)]
    except ValueError:
        raise CatalogueError(source, place, "'improves' (e.g. 3.2.6:4; 3.2.4:3) or 'maturity' (e.g. 1-4) "
                             "is not readable", entry=entry, field="improves", reason="cat.err.unreadable") from None
    text = lambda key: str(row.get(key) or "").strip()  # noqa: E731
    entry: dict[str, Any] = {
        "id": text("id"), "name": text("name"), "name_en": text("name_en") or None, "provider": text("provider"),
        "category": text("category"),
        "description": {"vi": text("description_vi"), "en": text("description_en")},
        "improves": improves, "sizes": _split(row.get("sizes")), "connects": _split(row.get("connects")),
        "sectors": "all" if (text("sectors") or "all") == "all" else _split(row.get("sectors")),
        "maturity": maturity, "make_in_vietnam": text("make_in_vietnam") or "unknown",
        "support_eligible": text("support_eligible") or "unknown", "price_band": text("price_band") or "unknown",
        "url": text("url"), "source": text("source"), "checked": text("checked"), "status": text("status") or "draft",
    }
    if text("support_note_vi") or text("support_note_en"):
        entry["support_note"] = {"vi": text("support_note_vi"), "en": text("support_note_en")}
    return entry


def entry_fields(e: Entry) -> dict[str, str]:
    """The flat text fields of an entry (CSV row, edit form)."""
    return {
        "id": e.id, "name": e.name, "name_en": e.name_en or "", "provider": e.provider, "category": e.category,
        "description_vi": e.description.vi, "description_en": e.description.en,
        "improves": "; ".join(f"{x.criterion}:{x.to}" for x in e.improves),
        "sizes": "; ".join(e.sizes), "sectors": e.sectors if e.sectors == "all" else "; ".join(e.sectors),
        "connects": "; ".join(e.connects),
        "maturity": f"{e.maturity[0]}-{e.maturity[1]}", "make_in_vietnam": e.make_in_vietnam,
        "support_eligible": e.support_eligible,
        "support_note_vi": e.support_note.vi if e.support_note else "",
        "support_note_en": e.support_note.en if e.support_note else "",
        "price_band": e.price_band, "url": e.url, "source": e.source, "checked": e.checked.isoformat(),
        "status": e.status,
    }


def rows_from_csv(text: str, *, source: str = "CSV") -> list[dict[str, Any]]:
    """Entries as dicts from the CSV export format; problems name the row."""
    from assessment.exports import restore

    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("id", "name", "provider", "category", "improves", "sizes", "url") if c not in (reader.fieldnames or [])]
    if missing:
        raise CatalogueError(source, "row 1", f"missing column(s): {', '.join(missing)}", reason="cat.err.columns",
                             columns=", ".join(missing))
    return [entry_from_fields({k: restore(v) if isinstance(v, str) else v for k, v in row.items()},
                              place=f"row {n}", source=source, entry=n - 2) for n, row in enumerate(reader, start=2)]


def rows_from_yaml(text: str, *, source: str = "YAML") -> list[dict[str, Any]]:
    try:
        data = load_yaml_text(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(source, "", f"not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CatalogueError(source, "top level", "expected a mapping with an 'entries' list")
    return data["entries"]
