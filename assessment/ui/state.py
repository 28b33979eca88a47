"""What a browser session keeps between reruns, and the app's pages.

Every key of ``st.session_state`` the app uses is named here once, so two pages cannot mean
different things by one key; the page registry says which pages exist, their menu section, title
and address, and :func:`go` moves to one by name. Pages import this module, never each other (nor
the module that renders the menu), so no import runs in a circle.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import streamlit as st

from assessment import i18n

# --- session keys -------------------------------------------------------------------------------
LANG = "lang"  # the language chosen (vi, en)
ASSESSMENT = "assessment_id"  # the assessment this session works on
STEP = "step"  # the questionnaire step on screen
NEW_CODE = "new_code"  # a resume code just handed out (shown until copied and hidden)
REVIEW_MISSING = "review_missing"  # unanswered criteria after a refused submit
CLAIM_PROFILE = "claim_profile"  # a profile waiting for "continue as a claim" or a firm code
LINK_CODE = "_link_code"  # the ?code= of the link this session was opened with (handled once)
LINK_ERROR = "link_error"  # that code was wrong
SCROLL_TOP = "_scroll_top"  # scroll the next step to its top
SCROLL_RUNS = "_scroll_runs"  # how many times a step was scrolled to its top (makes each script new)
USER = "dept_user"  # the signed-in department account
USER_SEEN = "dept_seen"  # when it was last active (idle sessions end)
IMPORT_REPORT = "imp_report"  # the checked upload: (digest, language, report, preview)
IMPORT_DONE = "imp_done"  # what the last confirmed import wrote (ids and access codes)
IMPORT_N = "imp_n"  # confirmed imports so far (a new uploader after each)
BULK_ZIP = "bulk_zip"  # the scorecards ZIP last made: (ids, language, bytes)
BULK_ZIP_OF = "bulk_zip_of"  # the filters and data version the ZIP was made for
PAGES_BUILT = "_pages"  # this run's st.Page objects by name (go() switches to them)
LANG_CHOICE = "lang_choice"  # the language switch's own widget state
PENDING_LANG = "_pending_lang"  # a language to switch to on the next run (an opened assessment's)
STEP_NOTE = "_step_note"  # (pillar, n): questions left open on the step just saved, said on the next
PLAUSIBILITY_SEEN = "_plausibility_seen"  # implausible answers already pointed out (said once)
CODE_SAVED = "code_saved_flag"  # the person said the new resume code is kept: its box folds away


# --- pages --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PageSpec:
    name: str
    module: str  # assessment.ui.<module>.render draws it
    title: str  # translation key
    icon: str
    section: str  # "firm" or "department"
    default: bool = False

    @property
    def url_path(self) -> str:
        return self.name


PAGES = (
    PageSpec("assess", "assess_page", "nav.assess", ":material/edit_note:", "firm", default=True),
    PageSpec("results", "results_page", "nav.results", ":material/insights:", "firm"),
    PageSpec("resume", "resume_page", "nav.resume", ":material/key:", "firm"),
    PageSpec("methodology", "methodology_page", "nav.methodology", ":material/menu_book:", "firm"),
    PageSpec("dashboard", "dashboard_page", "nav.dashboard", ":material/monitoring:", "department"),
    PageSpec("clusters", "clusters_page", "nav.clusters", ":material/bubble_chart:", "department"),
    PageSpec("platforms", "platforms_page", "nav.platforms", ":material/hub:", "department"),
    PageSpec("import", "import_page", "nav.import", ":material/upload_file:", "department"),
    PageSpec("catalogue", "catalogue_page", "nav.catalogue", ":material/apps:", "department"),
    PageSpec("claims", "claims_page", "nav.claims", ":material/verified_user:", "department"),
    PageSpec("accounts", "accounts_page", "nav.accounts", ":material/manage_accounts:", "department"),
)
URL_PATHS = tuple(p.url_path for p in PAGES)


def pages(lang: str, landing: str | None = None) -> dict[str, st.Page]:
    """This run's pages by name, titled in ``lang`` (kept for :func:`go`); ``landing``: the page a
    link opens, drawn at the app's address in this run instead of the questionnaire."""
    built = {}
    for spec in PAGES:
        module = importlib.import_module(f"assessment.ui.{spec.module}")  # imported here: pages import this module
        default = spec.name == landing if landing else spec.default
        built[spec.name] = st.Page(module.render, title=i18n.translate(spec.title, lang), icon=spec.icon,
                                   url_path=spec.url_path, default=default)
    st.session_state[PAGES_BUILT] = built
    return built


def sections(lang: str, built: dict[str, st.Page]) -> dict[str, list[st.Page]]:
    """The pages grouped for the menu: what firms use, and the department's pages (under the
    configured department's name)."""
    from assessment.config import settings

    titles = {"firm": i18n.translate("nav.section_firm", lang), "department": settings().department(lang)}
    return {titles[section]: [built[p.name] for p in PAGES if p.section == section] for section in titles}


def layout(page: st.Page, built: dict[str, st.Page]) -> str:
    """The layout ``page`` (one of ``built``, as st.navigation returned it) is drawn in: "wide" for
    the department's pages (tables of firms, charts side by side), "centered" for the firms', which
    suits a phone. app.py sets it once per run, before the page runs."""
    name = next((n for n, p in built.items() if p is page), None)
    if name is None:  # not the very object: the default page's url_path is "", the others' their name
        name = next((spec.name for spec in PAGES if page.url_path == spec.url_path), None)
    spec = next((s for s in PAGES if s.name == name), None)
    return "wide" if spec is not None and spec.section == "department" else "centered"


def go(name: str) -> None:
    """Switch to the page called ``name`` (one of PAGES)."""
    built = st.session_state.get(PAGES_BUILT) or pages(st.session_state.get(LANG, i18n.DEFAULT_LANG))
    st.switch_page(built[name])
