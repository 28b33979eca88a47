"""Shared helpers of the Streamlit pages: language, cached resources, the current assessment."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assessment import i18n
from assessment.catalogue_store import CatalogueStore
from assessment.config import settings
from assessment.framework import Framework, available_frameworks
from assessment.storage import AssessmentRecord, NotFound, Store

AID = "assessment_id"  # session key of the assessment this browser session works on


def lang() -> str:
    value = st.session_state.get("lang", i18n.DEFAULT_LANG)
    return value if value in i18n.LANGUAGES else i18n.DEFAULT_LANG


def t(key: str, **params) -> str:
    return i18n.translate(key, lang(), **params)


def num(value: float, decimals: int = 1) -> str:
    return i18n.number(value, lang(), decimals)


def day(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if lang() == "vi" else value.strftime("%Y-%m-%d")


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store.from_url(url)


def store() -> Store:
    return _store(settings().database_url)


@st.cache_resource(show_spinner=False)
def _frameworks(directory: str) -> dict[str, Framework]:
    return available_frameworks(directory)


def frameworks() -> dict[str, Framework]:
    return _frameworks(str(settings().frameworks_dir))


def framework(key: str | None = None) -> Framework:
    """A framework by ``id@version``; the configured default when key is None."""
    return frameworks()[key or settings().default_framework]


@st.cache_resource(show_spinner=False)
def _catalogue(url: str, framework_key: str) -> CatalogueStore:
    cat = CatalogueStore(_store(url), frameworks()[framework_key])
    cat.seed_if_empty()
    return cat


def catalogue(framework_key: str | None = None) -> CatalogueStore:
    """The department's catalogue for a framework (seeded from the shipped file on first use)."""
    return _catalogue(settings().database_url, framework(framework_key).key)


def current() -> AssessmentRecord | None:
    """The assessment this session works on, fresh from the database."""
    aid = st.session_state.get(AID)
    if aid is None:
        return None
    try:
        return store().get(aid)
    except NotFound:
        st.session_state.pop(AID, None)
        return None


def open_assessment(assessment_id: int) -> None:
    st.session_state[AID] = assessment_id
    st.session_state.pop("step", None)


def field_errors(errors, slots: dict) -> None:
    """Show each FieldError under its field's placeholder."""
    for err in errors:
        slot = slots.get(err.field)
        message = t(err.key, **err.kwargs())
        (slot.error if slot is not None else st.error)(message, icon="⚠️")


def resume_link(code: str) -> str:
    """The full link that reopens an assessment: DBI_APP_URL if set, else the address in use."""
    base = settings().app_url
    if not base:
        try:
            url = st.context.url or ""
        except Exception:  # noqa: BLE001 - not available outside a browser session
            url = ""
        base = url.split("?", 1)[0].rstrip("/")
        for suffix in ("/assess", "/results", "/resume", "/methodology", "/catalogue"):
            base = base.removesuffix(suffix)
    return f"{base}/?code={code}" if base else f"?code={code}"


def scroll_to_top() -> None:
    """Bring a new step into view from its top (Streamlit keeps the scroll position otherwise)."""
    if st.session_state.pop("_scroll_top", False):
        # A fixed script of ours (no user text), so running it is safe.
        st.html(
            "<script>const m = document.querySelector('[data-testid=\"stMain\"], section.main');"
            "if (m) { m.scrollTo(0, 0); } window.scrollTo(0, 0);</script>",
            unsafe_allow_javascript=True,
        )
