"""A firm's results as every reader shows them: one gathering for the results page, the
department's firm detail and the PDF scorecards.

Besides the stored record (scores, answers, profile), a firm's view holds what is computed from
the province's data: the cheapest path to the next level (and the one after), the recommended
platforms of the published catalogue, the percentiles among its peers, its cluster in the kept
clustering, and its earlier assessments. :class:`Context` reads what that needs once per
framework (published entries, a peer index over each firm's latest assessment, the kept
clustering); :func:`gather` computes the views of many firms together (roadmaps and rankings are
vectorised over firms), :func:`view` one firm's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from assessment.catalogue import Entry
from assessment.framework import Framework
from assessment.peers import PeerIndex, PeerResult, benchmark_stored, firm_of
from assessment.inventory import Inventory
from assessment.recommend import Integration, Recommendation, integrations, rank_many
from assessment.roadmap import Roadmap, caps_for, limits_for, roadmap, roadmaps_many


@dataclass(frozen=True)
class FirmView:
    """One submitted assessment with everything its readers show."""

    record: object  # assessment.storage.AssessmentRecord (submitted)
    roadmap: Roadmap  # the cheapest path to the next level
    after_next: Roadmap | None = None  # the path to the level after that (asked for with after_next=True)
    recommendations: tuple[Recommendation, ...] = ()
    peers: PeerResult | None = None
    cluster: int | None = None  # the firm's cluster in the kept clustering
    history: tuple = ()  # earlier AssessmentRecords of the firm, newest first
    cluster_model: object = field(default=None, repr=False, compare=False)
    inventory: Inventory | None = None  # the platforms the firm said it uses
    integrations: tuple[Integration, ...] = ()  # entries that would let two of its tools exchange data

    def cluster_name(self, lang: str) -> str | None:
        if self.cluster is None or self.cluster_model is None:
            return None
        return self.cluster_model.name(self.cluster, lang)


@dataclass
class Context:
    """What gathering reads once per framework: the published catalogue entries, a peer index over
    each firm's latest assessment, the kept clustering, and the store (for histories)."""

    entries: Sequence[Entry] = ()
    peers: PeerIndex | None = None
    cluster_model: object = None
    store: object = None
    peers_stored: bool = False  # no index: each firm's peers counted by the database (peers.benchmark_stored)

    @classmethod
    def read(cls, store, fw: Framework, *, index_peers: bool = False) -> Context:
        """Everything from the database, as firms see it now. ``index_peers``: every firm's latest
        assessment read into a PeerIndex (for views of many firms at once: bulk scorecards);
        otherwise each view's peers are counted by the database, and nothing of the province is
        held in memory."""
        from assessment.catalogue_store import CatalogueStore
        from assessment.department import Department

        catalogue = CatalogueStore(store, fw)
        catalogue.seed_if_empty()
        peers = None
        if index_peers:
            from assessment.frames import latest_frame

            latest = latest_frame(store, fw)
            peers = PeerIndex(fw, latest) if len(latest) else None
        kept = Department(store).cluster_model(fw)
        return cls(entries=catalogue.published(), peers=peers, cluster_model=kept.model if kept else None,
                   store=store, peers_stored=not index_peers)


def gather(fw: Framework, records: Sequence, context: Context, *, top: int = 5, after_next: bool = False,
           categories: Iterable[str] | None = None, price_bands: Iterable[str] | None = None,
           histories: Sequence[Sequence] | None = None) -> list[FirmView]:
    """The views of submitted ``records`` of one framework, in their order.

    Roadmaps and recommendations are computed for all records together; ``categories`` and
    ``price_bands`` narrow the recommendations (the results page's filters). Histories are read
    from the context's store unless given.
    """
    if not records:
        return []
    points = np.array([[r.result.criterion_points[c] for c in fw.criterion_ids] for r in records], dtype=np.int16)
    # no step a firm cannot take: no more staff in IT or R&D than it has people
    roads = roadmaps_many(fw, points, limit=limits_for(fw, [r.profile.employees for r in records]))
    ranking = None
    inventories = [Inventory(list(r.platforms)) for r in records]
    if context.entries:
        ranking = rank_many(fw, context.entries, points, size_classes=[r.profile.size_class.id for r in records],
                            sectors=[r.profile.sector for r in records], top=top, categories=categories,
                            price_bands=price_bands, inventories=inventories)
    model = context.cluster_model
    clusters = [None] * len(records)
    if model is not None and model.features == [p.id for p in fw.pillars]:
        points = np.array([[p.points for p in r.result.pillars] for r in records])
        clusters = [int(c) for c in model.place([p.max_points for p in fw.pillars], points)]
    out = []
    for i, record in enumerate(records):
        road = roads.roadmap(i)
        second = None
        if after_next and road.target_level is not None and road.target_level < fw.max_level:
            second = roadmap(fw, record.result.criterion_points, road.target_level + 1,
                             caps=caps_for(fw, record.profile.employees))
        recs: tuple[Recommendation, ...] = ()
        if ranking is not None:
            recs = tuple(ranking.for_firm(fw, i, record.result.criterion_points, road))
        peers = None
        if context.peers is not None:
            peers = context.peers.benchmark(firm_of(record))
        elif context.peers_stored and context.store is not None:
            peers = benchmark_stored(context.store, fw, firm_of(record))
        if histories is not None:
            history = tuple(histories[i])
        else:
            history = tuple(context.store.history(record.id)) if context.store is not None else ()
        links = tuple(integrations(context.entries, inventories[i], size_class=record.profile.size_class.id,
                                   sector=record.profile.sector))
        out.append(FirmView(record, road, second, recs, peers, clusters[i], history, model, inventories[i], links))
    return out


def view(fw: Framework, record, context: Context, **kwargs) -> FirmView:
    """One firm's view (see :func:`gather`)."""
    return gather(fw, [record], context, **kwargs)[0]
