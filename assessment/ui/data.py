"""The pages' reads of the database that are worth caching, in one place.

Every cached read is keyed on the data version of what it reads (assessment.versions): a submit,
an import, a demo load or a claim decided raises ``assessments``; a catalogue change raises
``catalogue``; a target or a kept clustering raises ``department``. Writes raise the counters in
their own transactions, in whichever app process made them, and each page run reads the counters
first (one small query), so no page shows data older than the last write it could know about.
The caches only bound memory (a few versions of each read are kept).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import streamlit as st

from assessment import aggregates, clustering, firm_view, frames, inventory, province_clusters, recommend, versions
from assessment.config import settings
from assessment.framework import Framework
from assessment.ui import common


def current_versions() -> dict[str, int]:
    """The data versions now (read on every call: one query of three rows)."""
    return versions.read(common.store().engine)


@st.cache_data(show_spinner=False, max_entries=4)
def _cube(url: str, framework_key: str, version: int, model: str | None) -> pd.DataFrame:
    return aggregates.cube(common.store_at(url), common.framework(framework_key),
                           None if model is None else clustering.ClusterModel.from_json(model))


def cube(fw: Framework, model: clustering.ClusterModel | None = None) -> pd.DataFrame:
    """The department's figures of the framework added up by the database (aggregates.cube); with
    a clustering, by cluster too."""
    return _cube(settings().database_url, fw.key, current_versions()["assessments"],
                 None if model is None else model.to_json())


@st.cache_resource(show_spinner=False, max_entries=4)
def _context(url: str, framework_key: str, assessments: int, catalogue: int, department: int) -> firm_view.Context:
    return firm_view.Context.read(common.store_at(url), common.framework(framework_key))


def context(fw: Framework) -> firm_view.Context:
    """What a firm's view reads of the province (firm_view.Context), for the current data."""
    v = current_versions()
    return _context(settings().database_url, fw.key, v["assessments"], v["catalogue"], v["department"])


@st.cache_data(show_spinner=False, max_entries=200)
def _view(url: str, assessment_id: int, after_next: bool, categories: tuple[str, ...], prices: tuple[str, ...],
          assessments: int, catalogue: int, department: int) -> firm_view.FirmView:
    record = common.store_at(url).get(assessment_id)
    fw = common.framework(record.framework_key)
    ctx = _context(url, fw.key, assessments, catalogue, department)
    return firm_view.view(fw, record, ctx, after_next=after_next, categories=categories or None,
                          price_bands=prices or None)


def view(record, *, after_next: bool = False, categories: Iterable[str] = (),
         price_bands: Iterable[str] = ()) -> firm_view.FirmView:
    """A submitted assessment's view (firm_view.FirmView): roadmaps, recommendations, peers,
    cluster and history, as every reader shows them."""
    v = current_versions()
    return _view(settings().database_url, record.id, after_next, tuple(sorted(categories)),
                 tuple(sorted(price_bands)), v["assessments"], v["catalogue"], v["department"])


@st.cache_data(show_spinner=False, max_entries=8)
def _clusters(url: str, framework_key: str, k: int | None, features: str, version: int):
    return province_clusters.build(common.store_at(url), common.framework(framework_key), k=k, features=features)


def clusters(fw: Framework, k: int | None, features: str) -> province_clusters.ProvinceClusters | None:
    """The clusters of the firms' latest assessments (province_clusters.build), or None."""
    return _clusters(settings().database_url, fw.key, k, features, current_versions()["assessments"])


@st.cache_data(show_spinner=False, max_entries=8)
def _cluster_lists(url: str, framework_key: str, k: int | None, features: str, limit: int, version: int):
    found = _clusters(url, framework_key, k, features, version)
    return province_clusters.top_firms(common.store_at(url), common.framework(framework_key), found, limit)


def cluster_lists(fw: Framework, k: int | None, features: str, limit: int) -> list[pd.DataFrame]:
    """The ``limit`` best firms of each cluster (province_clusters.top_firms)."""
    return _cluster_lists(settings().database_url, fw.key, k, features, limit, current_versions()["assessments"])


@st.cache_data(show_spinner=False, max_entries=8)
def _cluster_categories(url: str, framework_key: str, k: int | None, features: str, assessments: int,
                        catalogue: int) -> tuple[list[dict[str, int]], list[int]]:
    fw = common.framework(framework_key)
    found = _clusters(url, framework_key, k, features, assessments)
    entries = common.catalogue(framework_key).published()
    return province_clusters.categories(fw, entries, found)


def cluster_categories(fw: Framework, k: int | None, features: str) -> tuple[list[dict[str, int]], list[int]]:
    """Per cluster, the catalogue categories among its firms' first three recommendations, and the
    firms counted per cluster (province_clusters.categories)."""
    v = current_versions()
    return _cluster_categories(settings().database_url, fw.key, k, features, v["assessments"], v["catalogue"])


@st.cache_data(show_spinner=False, max_entries=4)
def _usage(url: str, framework_key: str, lang: str, assessments: int, catalogue: int):
    fw = common.framework(framework_key)
    firms, latest, points = frames.latest_sample(common.store_at(url), fw, size=recommend.USAGE_SAMPLE)
    order = np.argsort(latest["firm_id"].to_numpy(), kind="stable")  # the firms listed in the order they came
    found = recommend.province_usage(fw, common.catalogue(framework_key).published(),
                                     latest.iloc[order].reset_index(drop=True), points[order], lang=lang)
    return None if found is None else (found, firms)


def usage(fw: Framework, lang: str = "vi") -> tuple[recommend.Usage, int] | None:
    """What the published catalogue recommends to the firms (recommend.province_usage), on a random
    sample of recommend.USAGE_SAMPLE of them when there are more, and how many firms there are."""
    v = current_versions()
    return _usage(settings().database_url, fw.key, lang, v["assessments"], v["catalogue"])


@st.cache_data(show_spinner=False, max_entries=8)
def _adoption(url: str, framework_key: str, by: str, year: int | None, lang: str, assessments: int,
              catalogue: int) -> inventory.Adoption:
    fw = common.framework(framework_key)
    entries = common.catalogue(framework_key).published()
    return inventory.read_adoption(common.store_at(url), fw, entries, by=by, lang=lang, year=year)


def adoption(fw: Framework, by: str, year: int | None, lang: str = "vi") -> inventory.Adoption:
    """Which platforms firms use (inventory.read_adoption: the counts every write keeps), over each
    firm's latest assessment (of ``year``)."""
    v = current_versions()
    return _adoption(settings().database_url, fw.key, by, year, lang, v["assessments"], v["catalogue"])


@st.cache_data(show_spinner=False, max_entries=4)
def _entry_usage(url: str, framework_key: str, assessments: int) -> inventory.EntryUsage:
    return inventory.read_entry_usage(common.store_at(url), common.framework(framework_key))


def entry_usage(fw: Framework) -> inventory.EntryUsage:
    """Firms using each catalogue entry, now and per year (inventory.entry_usage)."""
    return _entry_usage(settings().database_url, fw.key, current_versions()["assessments"])
