"""Streamlit entry point: page config, language choice, router. Everything else lives in assessment/."""

import streamlit as st

from assessment.i18n import DEFAULT_LANG, LANGUAGES
from assessment.ui import common, nav, startup

st.set_page_config(page_title="DBI Sơn La", page_icon="📈", layout="centered")
# as in .streamlit/config.toml, for a server started from another folder: no traceback on screen,
# no built-in table download (ours neutralise formulas)
st.set_option("client.showErrorDetails", "none")
st.set_option("client.disableDataExport", True)
if "lang" not in st.session_state:  # first run: ?lang=en in the link, else Vietnamese
    st.session_state["lang"] = st.query_params.get("lang") if st.query_params.get("lang") in LANGUAGES else DEFAULT_LANG
codes = list(LANGUAGES)
st.session_state["lang"] = st.radio(
    "🌐", codes, index=codes.index(st.session_state["lang"]), format_func=LANGUAGES.get,
    horizontal=True, label_visibility="collapsed", key="lang_choice",
)
with common.page_errors():
    startup.check_database()
    pages = nav.pages(st.session_state["lang"])
    startup.open_code_from_link(pages)
    st.navigation(nav.sections(st.session_state["lang"], pages), position="top").run()
