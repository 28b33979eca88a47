"""Scorecards from the database: one firm's PDF, or many as a ZIP, in worker processes.

Each worker opens its own connection and reads once per framework what every scorecard needs (a
firm_view.Context: the published catalogue, a peer index over each firm's latest assessment, the
kept clustering), gathers the firms' views a chunk at a time and renders them; the caller gets the
files in order and a progress count. The database, the frameworks and the localities are the
configured ones (assessment.config), in the workers too.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing as mp
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence

from assessment import firm_view

BULK_MAX = 2_000  # scorecards per ZIP from the app; the CLI has no cap


def file_name(tax_code: str, day: dt.date | dt.datetime | None, lang: str) -> str:
    """e.g. 5500123464_2026-11-27_vi.pdf (only digits and dashes from the tax code). Here, not in
    assessment.report, so a page can name its cards without loading fpdf2 (0.4 s)."""
    code = re.sub(r"[^0-9-]", "", tax_code or "") or "firm"
    when = (day.date() if isinstance(day, dt.datetime) else day) or dt.date.today()
    return f"{code}_{when.isoformat()}_{lang}.pdf"
CHUNK = 25
PARALLEL_FROM = 40
INDEX_PEERS_FROM = 200  # scorecards from which the peers are read into one index


class _Worker:
    """A connection and the contexts read so far (one per framework)."""

    def __init__(self, url: str | None = None, *, index_peers: bool = True):
        from assessment.config import settings
        from assessment.storage import Store

        self.store = Store.from_url(url or settings().database_url)
        self.contexts: dict[str, firm_view.Context] = {}
        self.index_peers = index_peers  # many scorecards: every firm's latest read once for their peers

    def context(self, fw) -> firm_view.Context:
        if fw.key not in self.contexts:
            self.contexts[fw.key] = firm_view.Context.read(self.store, fw, index_peers=self.index_peers)
        return self.contexts[fw.key]

    def render(self, ids: Sequence[int], lang: str) -> list[tuple[str, bytes]]:
        """A chunk at once: the roadmaps and recommendations of its firms are computed together."""
        from assessment import report  # fpdf2 and its fonts (0.4 s to load): only when cards are drawn
        from assessment.framework import get_framework

        records = self.store.get_many(list(ids))
        out: list[tuple[str, bytes] | None] = [None] * len(records)
        by_framework: dict[str, list[int]] = {}
        for k, record in enumerate(records):
            by_framework.setdefault(record.framework_key, []).append(k)
        for key, positions in by_framework.items():
            fw = get_framework(key)
            views = firm_view.gather(fw, [records[k] for k in positions], self.context(fw))
            for k, view in zip(positions, views):
                record = view.record
                out[k] = (file_name(record.profile.tax_code, record.submitted_at, lang),
                          report.scorecard_pdf(fw, view, lang))
        return out


_worker: _Worker | None = None


def _init_worker(url: str | None) -> None:
    global _worker
    _worker = _Worker(url)


def _worker_chunk(ids: Sequence[int], lang: str) -> list[tuple[str, bytes]]:
    return _worker.render(ids, lang)


def one(assessment_id: int, lang: str, *, url: str | None = None) -> tuple[str, bytes]:
    """A single scorecard: (file name, PDF bytes)."""
    return _Worker(url, index_peers=False).render([assessment_id], lang)[0]  # its peers counted by the database


def many(assessment_ids: Sequence[int], lang: str, *, url: str | None = None,
         workers: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Scorecards of many assessments, in the order given, rendered by ``workers`` processes (by
    default both cores from PARALLEL_FROM firms on)."""
    ids = list(assessment_ids)
    if workers is None:
        workers = 2 if len(ids) >= PARALLEL_FROM and (mp.cpu_count() or 1) >= 2 else 1
    if workers < 2:
        # a few firms: each one's peers counted by the database; more: every firm's latest read once
        worker = _Worker(url, index_peers=len(ids) >= INDEX_PEERS_FROM)
        for start in range(0, len(ids), CHUNK):
            yield from worker.render(ids[start:start + CHUNK], lang)
        return
    from concurrent.futures import ProcessPoolExecutor

    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    # fork: a spawned or forkserver worker would re-import the parent's __main__ (under Streamlit or
    # AppTest, the page script); each worker opens its own database connection in the initializer
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(url,)) as pool:
        for done in pool.map(_worker_chunk, chunks, [lang] * len(chunks)):
            yield from done


def zip_of(files: Iterator[tuple[str, bytes]], *, total: int,
           progress: Callable[[int, int], None] | None = None) -> bytes:
    """The files in one ZIP (stored: PDFs are compressed already); same names get a suffix."""
    buf = io.BytesIO()
    seen: dict[str, int] = {}
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for k, (name, data) in enumerate(files, start=1):
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                stem, dot, ext = name.rpartition(".")
                name = f"{stem}-{seen[name]}{dot}{ext}"
            zf.writestr(name, data)
            if progress is not None:
                progress(k, total)
    return buf.getvalue()
