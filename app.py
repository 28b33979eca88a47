"""Streamlit entry point: page config, language choice, router. Everything else lives in assessment/."""

import streamlit as st

from assessment.i18n import DEFAULT_LANG, LANGUAGES
from assessment.ui import common, startup, state

st.set_page_config(page_title="DBI Sơn La", page_icon=":material/insights:", layout="centered")
# as in .streamlit/config.toml, for a server started from another folder: no traceback on screen,
# no built-in table download (ours neutralise formulas)
st.set_option("client.showErrorDetails", "none")
st.set_option("client.disableDataExport", True)
if state.LANG not in st.session_state:  # first run: ?lang=en in the link, else Vietnamese
    st.session_state[state.LANG] = st.query_params.get("lang") if st.query_params.get("lang") in LANGUAGES else DEFAULT_LANG
codes = list(LANGUAGES)
st.session_state[state.LANG] = st.radio(
    "🌐", codes, index=codes.index(st.session_state[state.LANG]), format_func=LANGUAGES.get,
    horizontal=True, label_visibility="collapsed", key="lang_choice",
)
with common.page_errors():
    startup.check_database()
    pages = state.pages(st.session_state[state.LANG])
    startup.open_code_from_link(pages)
    st.navigation(state.sections(st.session_state[state.LANG], pages), position="top").run()
