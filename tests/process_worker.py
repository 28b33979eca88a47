"""One app process for tests/test_processes.py: it answers one JSON line per command read on
stdin, drawing the real pages with Streamlit's AppTest. Its caches (st.cache_data, st.cache_resource)
live as long as the process, as in an app process behind a proxy, so what it shows after another
process changed the database is what a person on that process would see."""

from __future__ import annotations

import json
import sys

from streamlit.testing.v1 import AppTest


def _dashboard_script():
    import streamlit as st

    from assessment.ui import dashboard_page, state

    st.session_state.setdefault("lang", "vi")
    state.pages("vi")
    dashboard_page.render()


def _catalogue_script():
    import streamlit as st

    from assessment.ui import catalogue_page, state

    st.session_state.setdefault("lang", "vi")
    state.pages("vi")
    catalogue_page.render()


SCRIPTS = {"dashboard": _dashboard_script, "catalogue": _catalogue_script}


def _signed_in(page: str, user: str, password: str) -> AppTest:
    at = AppTest.from_function(SCRIPTS[page], default_timeout=120).run()
    at.text_input(key="signin_user").input(user)
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_button").click().run()
    return at


def answer(cmd: dict) -> dict:
    at = _signed_in(cmd.get("page", "dashboard"), cmd["user"], cmd["password"])
    out = {"signed_in": not any(w.key == "signin_user" for w in at.text_input),
           "exception": bool(at.exception)}
    if cmd.get("page") == "catalogue" and out["signed_in"]:
        listing = next(d.value for d in at.dataframe if {"Mã", "Trạng thái"} <= set(d.value.columns))
        out["status_of"] = dict(zip(map(str, listing["Mã"]), map(str, listing["Trạng thái"])))
    elif out["signed_in"]:
        out["targets"] = [str(p.proto.text) for p in at.get("progress")]
        out["cluster_filter"] = any(w.key == "dash_clu" for w in at.multiselect)
    return out


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(answer(json.loads(line)), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
