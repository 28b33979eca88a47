"""The app's pages and the switch between them."""

from __future__ import annotations

import streamlit as st

from assessment import i18n


def pages(lang: str) -> dict[str, st.Page]:
    # Imported here so that importing assessment.ui.nav stays cheap.
    from assessment.ui import (
        assess_page,
        catalogue_page,
        claims_page,
        clusters_page,
        dashboard_page,
        import_page,
        methodology_page,
        results_page,
        resume_page,
    )

    tr = lambda key: i18n.translate(key, lang)  # noqa: E731
    built = {
        "assess": st.Page(assess_page.render, title=tr("nav.assess"), icon="📝", url_path="assess", default=True),
        "results": st.Page(results_page.render, title=tr("nav.results"), icon="📊", url_path="results"),
        "resume": st.Page(resume_page.render, title=tr("nav.resume"), icon="🔑", url_path="resume"),
        "methodology": st.Page(methodology_page.render, title=tr("nav.methodology"), icon="📖", url_path="methodology"),
        "dashboard": st.Page(dashboard_page.render, title=tr("nav.dashboard"), icon="📈", url_path="dashboard"),
        "clusters": st.Page(clusters_page.render, title=tr("nav.clusters"), icon="🧩", url_path="clusters"),
        "import": st.Page(import_page.render, title=tr("nav.import"), icon="📥", url_path="import"),
        "catalogue": st.Page(catalogue_page.render, title=tr("nav.catalogue"), icon="🗂️", url_path="catalogue"),
        "claims": st.Page(claims_page.render, title=tr("nav.claims"), icon="🔒", url_path="claims"),
    }
    st.session_state["_pages"] = built
    return built


def sections(lang: str, built: dict[str, st.Page]) -> dict[str, list[st.Page]]:
    """Pages grouped for the menu: what firms use, and the department's pages."""
    tr = lambda key: i18n.translate(key, lang)  # noqa: E731
    return {
        tr("nav.section_firm"): [built["assess"], built["results"], built["resume"], built["methodology"]],
        tr("nav.section_department"): [built["dashboard"], built["clusters"], built["import"],
                                            built["catalogue"], built["claims"]],
    }


def go(name: str) -> None:
    st.switch_page(st.session_state["_pages"][name])
