"""Which digital platforms a firm uses: its declared inventory, and the province's adoption.

A firm lists, per catalogue category, the platforms and services it uses: entries of the published
catalogue (kept by id, with the name they had, so a retired entry still reads) or others by name;
for each, roughly since when, and which of its other tools it exchanges data with (the sales
system sends invoices to accounting). The inventory belongs to one assessment, whatever framework
its questions were answered with; nothing is required.

The department's view (:func:`adoption`) is computed in the database, over each firm's latest
assessment: shares of firms using each entry and category, by area, sector, size class or level;
firms using nothing in a category; the level of users against non-users of the same size class and
sector (descriptive, groups under MIN_GROUP firms left out); recommended against adopted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from assessment.framework import nfc

MIN_GROUP = 5  # no figure about a group of fewer firms is shown (k-anonymity of the department's view)
MAX_NAME = 120


@dataclass(frozen=True)
class PlatformUse:
    """One tool of the firm: a catalogue entry (``entry_id``) or another one (``entry_id`` None)."""

    category: str
    name: str
    entry_id: str | None = None
    since: int | None = None  # the year the firm started using it
    linked: tuple[int, ...] = ()  # positions (in the firm's list) of the tools it exchanges data with

    @property
    def key(self) -> str:
        """How a tool is told apart within one firm's list: its entry id, or its name."""
        return self.entry_id or f"other:{nfc(self.name).casefold()}"


@dataclass
class Inventory:
    """A firm's tools, in the order given."""

    uses: list[PlatformUse] = field(default_factory=list)

    def entries(self) -> set[str]:
        return {u.entry_id for u in self.uses if u.entry_id}

    def categories(self) -> set[str]:
        return {u.category for u in self.uses}

    def in_category(self, category: str) -> list[PlatformUse]:
        return [u for u in self.uses if u.category == category]

    def exchange(self, a: int, b: int) -> bool:
        """Whether tools ``a`` and ``b`` (positions) exchange data, said on either side."""
        return b in self.uses[a].linked or a in self.uses[b].linked

    def unlinked_pairs(self) -> list[tuple[int, int]]:
        """Pairs of tools of different categories that do not exchange data."""
        return [(a, b) for a in range(len(self.uses)) for b in range(a + 1, len(self.uses))
                if self.uses[a].category != self.uses[b].category and not self.exchange(a, b)]


def clean(uses: Iterable[PlatformUse], *, categories: Iterable[str], entries: dict[str, object] | None = None,
          this_year: int) -> list[PlatformUse]:
    """The tools as stored: known categories, names trimmed and NFC, one of each tool per firm,
    years within 1990..this year, links only to other tools of the list (re-numbered)."""
    known = set(categories)
    kept: list[PlatformUse] = []
    seen: dict[str, int] = {}
    old_to_new: dict[int, int] = {}
    for old, use in enumerate(uses):
        name = nfc(str(use.name or "")).strip()[:MAX_NAME]
        if use.category not in known or not name:
            continue
        if use.entry_id is not None and entries is not None and use.entry_id not in entries:
            continue
        candidate = PlatformUse(use.category, name, use.entry_id,
                                use.since if use.since is None or 1990 <= use.since <= this_year else None,
                                use.linked)
        if candidate.key in seen:
            old_to_new[old] = seen[candidate.key]
            continue
        seen[candidate.key] = len(kept)
        old_to_new[old] = len(kept)
        kept.append(candidate)
    return [PlatformUse(u.category, u.name, u.entry_id, u.since,
                        tuple(sorted({old_to_new[j] for j in u.linked if j in old_to_new and old_to_new[j] != i})))
            for i, u in enumerate(kept)]


def rows_of(uses: Sequence[PlatformUse]) -> list[dict]:
    """The stored rows of one assessment's tools (models.PlatformUseRow, without the assessment id)."""
    return [{"seq": i, "category": u.category, "entry_id": u.entry_id, "name": u.name, "since": u.since,
             "linked": ",".join(map(str, u.linked))} for i, u in enumerate(uses)]


def from_rows(rows) -> list[PlatformUse]:
    """Tools from stored rows (ordered by seq)."""
    return [PlatformUse(r.category, r.name, r.entry_id, r.since,
                        tuple(int(x) for x in (r.linked or "").split(",") if x.strip().isdigit())) for r in rows]
