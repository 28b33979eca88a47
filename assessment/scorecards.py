"""Scorecards from the database: one firm's PDF, or many as a ZIP, in worker processes.

Each worker opens its own connection, reads once what every scorecard needs (the framework, the
published catalogue, each firm's latest assessment for the peer percentiles, the kept clustering)
and then renders its share of the firms; the caller gets the files in order and a progress count.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from assessment import report

BULK_MAX = 2_000  # scorecards per ZIP from the app; the CLI has no cap
CHUNK = 25
PARALLEL_FROM = 40


@dataclass
class _Context:
    store: object
    fws: dict
    entries: dict
    latest: dict
    peers: dict
    clusters: dict
    localities_file: str


_ctx: _Context | None = None


def _context(url: str, frameworks_dir: str, localities_file: str) -> _Context:
    from assessment.framework import available_frameworks
    from assessment.storage import Store

    return _Context(Store.from_url(url), available_frameworks(frameworks_dir), {}, {}, {}, {}, localities_file)


def _init_worker(url: str, frameworks_dir: str, localities_file: str) -> None:
    global _ctx
    _ctx = _context(url, frameworks_dir, localities_file)


def _framework_parts(ctx: _Context, key: str):
    """The framework, its published entries, the latest frame and the kept clustering (read once)."""
    from assessment import dashboard
    from assessment.catalogue_store import CatalogueStore
    from assessment.department import Department
    from assessment.peers import PeerIndex

    fw = ctx.fws[key]
    if key not in ctx.entries:
        cat = CatalogueStore(ctx.store, fw)
        cat.seed_if_empty()
        ctx.entries[key] = cat.published()
        ctx.latest[key] = dashboard.latest(ctx.store.submitted_frame(key), dashboard.Filters())
        ctx.peers[key] = PeerIndex(fw, ctx.latest[key]) if len(ctx.latest[key]) else None
        kept = Department(ctx.store).cluster_model(fw)
        ctx.clusters[key] = kept[0] if kept else None
    return fw, ctx.entries[key], ctx.peers[key], ctx.clusters[key]


def _render_chunk(ctx: _Context, ids: Sequence[int], lang: str) -> list[tuple[str, bytes]]:
    """A chunk at once: the roadmaps and recommendations of its firms are computed together."""
    records = ctx.store.get_many(list(ids))
    out: list[tuple[str, bytes] | None] = [None] * len(records)
    by_framework: dict[str, list[int]] = {}
    for k, record in enumerate(records):
        by_framework.setdefault(record.framework_key, []).append(k)
    for key, positions in by_framework.items():
        fw, entries, peers, model = _framework_parts(ctx, key)
        group = [records[k] for k in positions]
        data = report.gather_many(fw, group, lang, entries=entries, peer_index=peers, cluster_model=model,
                                  histories=[ctx.store.history(r.id) for r in group])
        for k, record, d in zip(positions, group, data):
            pdf = report.scorecard_pdf(fw, record, lang, d, localities_file=ctx.localities_file)
            out[k] = (report.file_name(record.profile.tax_code, record.submitted_at, lang), pdf)
    return out


def _worker_chunk(ids: Sequence[int], lang: str) -> list[tuple[str, bytes]]:
    return _render_chunk(_ctx, ids, lang)


def one(url: str, frameworks_dir: str, localities_file: str, assessment_id: int, lang: str) -> tuple[str, bytes]:
    """A single scorecard: (file name, PDF bytes)."""
    return _render_chunk(_context(url, frameworks_dir, localities_file), [assessment_id], lang)[0]


def many(url: str, frameworks_dir: str, localities_file: str, assessment_ids: Sequence[int], lang: str, *,
         workers: int | None = None) -> Iterator[tuple[str, bytes]]:
    """Scorecards of many assessments, in the order given, rendered by ``workers`` processes (by
    default both cores from PARALLEL_FROM firms on)."""
    ids = list(assessment_ids)
    if workers is None:
        workers = 2 if len(ids) >= PARALLEL_FROM and (mp.cpu_count() or 1) >= 2 else 1
    if workers < 2:
        ctx = _context(url, frameworks_dir, localities_file)
        for start in range(0, len(ids), CHUNK):
            yield from _render_chunk(ctx, ids[start:start + CHUNK], lang)
        return
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    # fork: a spawned or forkserver worker would re-import the parent's __main__ (under Streamlit or
    # AppTest, the page script); each worker opens its own database connection in the initializer
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(url, frameworks_dir, localities_file)) as pool:
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
