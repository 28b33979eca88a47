"""Shared helpers of the Streamlit pages: language, cached resources, the current assessment, and
the one way a page shows an error (``show_error`` for what the person can fix, ``guard`` around
storage: a translated message saying what was kept, the details in the server log)."""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

import streamlit as st

from assessment import i18n
from assessment.catalogue_store import CatalogueStore
from assessment.config import settings
from assessment.errors import UserError
from assessment import framework as framework_registry
from assessment.framework import Framework
from assessment.identity import Claims, CodeAttempts
from assessment.storage import AssessmentRecord, NotFound, Store
from assessment.ui import state

log = logging.getLogger("assessment.ui")

def lang() -> str:
    value = st.session_state.get(state.LANG, i18n.DEFAULT_LANG)
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
def store_at(url: str) -> Store:
    return Store.from_url(url)


def store() -> Store:
    return store_at(settings().database_url)


def frameworks() -> dict[str, Framework]:
    return framework_registry.frameworks()


def framework(key: str | None = None) -> Framework:
    """A framework by ``id@version``; the configured default when key is None."""
    return framework_registry.get_framework(key)


def framework_choice(key: str) -> str:
    """The framework a department page works on: a choice when several are installed (the default
    first), else the default; returns its id@version."""
    fws = frameworks()
    default = framework().key
    if len(fws) < 2:
        return default
    keys = sorted(fws, key=lambda k: (k != default, framework_registry.version_key(fws[k].version), k))
    return st.selectbox(t("dash.framework"), keys, key=key,
                        format_func=lambda k, L=lang(): f"{fws[k].spec.title(L)} ({fws[k].version})")


@st.cache_resource(show_spinner=False)
def _catalogue(url: str, framework_key: str) -> CatalogueStore:
    cat = CatalogueStore(store_at(url), frameworks()[framework_key])
    cat.seed_if_empty()
    return cat


def catalogue(framework_key: str | None = None) -> CatalogueStore:
    """The department's catalogue for a framework (seeded from the shipped file on first use)."""
    return _catalogue(settings().database_url, framework(framework_key).key)


@st.cache_resource(show_spinner=False)
def _claims(url: str) -> Claims:
    return Claims(store_at(url))


def claims() -> Claims:
    """Pending claims, decisions on them and the audit log (assessment.identity)."""
    return _claims(settings().database_url)


def claim_notice(record: AssessmentRecord) -> None:
    """A claim says so wherever its maker sees it, and offers to link it with one of the firm's codes."""
    if record.claim is None:
        return
    st.warning(t(f"claim.{record.claim}_notice", tax_code=record.profile.tax_code), icon="🔒")
    with st.form(f"claim_link_{record.id}"):
        code = st.text_input(t("claim.link_code"), max_chars=40, placeholder="XXXX-XXXX-XXXX-XXXX-XXXX",
                             help=t("profile.firm_code_help"), key=f"claim_link_code_{record.id}")
        go = st.form_submit_button(t("claim.link"), key=f"claim_link_go_{record.id}")
    if not go:
        return
    linked = False
    with guard() as outcome:
        linked = not codes_blocked() and claims().link_with_code(record.id, code)
        if not linked:
            code_failed()
    if not outcome.ok:
        return
    if not linked:
        st.error(t("claim.code_wrong"), icon="⚠️")
        return
    st.toast(t("claim.linked"))
    st.rerun()


def current() -> AssessmentRecord | None:
    """The assessment this session works on, fresh from the database."""
    aid = st.session_state.get(state.ASSESSMENT)
    if aid is None:
        return None
    try:
        return store().get(aid)
    except NotFound:
        st.session_state.pop(state.ASSESSMENT, None)
        return None


def open_assessment(assessment_id: int, lang: str | None = None) -> None:
    """Work on this assessment from now on; ``lang``: reopen it in the language it was made in (the
    switch applies on the next run, before the language selector is drawn; it stays available)."""
    st.session_state[state.ASSESSMENT] = assessment_id
    st.session_state.pop(state.STEP, None)
    if lang in i18n.LANGUAGES and lang != st.session_state.get(state.LANG):
        st.session_state[state.PENDING_LANG] = lang


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
        for path in state.URL_PATHS:
            base = base.removesuffix(f"/{path}")
    return f"{base}/?code={code}" if base else f"?code={code}"


def copyable(text: str, button: str, done: str, *, large: bool = False, code: bool = False) -> None:
    """``text`` shown whole (it wraps, nothing is cut at the edge of a phone) with a visible button
    that copies it: the clipboard API where the page is secure, else a selected textarea.

    ``code``: a resume or access code (XXXX-XXXX-...) in large type that wraps only between its
    groups, after a dash, never inside one: each group is an unbreakable box. What is copied, and
    what the box's text reads, is the text as written, with nothing invisible added."""
    import html
    import json
    import uuid

    ident = f"copy-{uuid.uuid4().hex[:8]}"
    size = "1.5rem" if large or code else "0.95rem"
    if code:
        groups = text.split("-")
        body = "".join(f"<span style='display:inline-block;white-space:nowrap'>{html.escape(g)}"
                       f"{'-' if i < len(groups) - 1 else ''}</span>" for i, g in enumerate(groups))
        wrap = "word-break:normal;overflow-wrap:normal"
    else:
        body, wrap = html.escape(text), "word-break:break-all"
    # our own markup around text we made (a resume code, a link): escaped, and the script is fixed
    st.html(
        f"<div style='font-family:monospace;font-size:{size};font-weight:600;{wrap};"
        f"padding:0.4rem 0.6rem;border-radius:0.4rem;background:rgba(128,128,128,0.12)'>{body}</div>"
        f"<button id='{ident}' style='margin-top:0.4rem;padding:0.45rem 0.9rem;font-size:1rem;border-radius:0.4rem;"
        f"border:1px solid rgba(128,128,128,0.6);background:white;cursor:pointer'>{html.escape(button)}</button>"
        f"<script>(function(){{const b=document.getElementById({json.dumps(ident)});if(!b)return;"
        f"const v={json.dumps(text)},d={json.dumps(done)};b.onclick=function(){{"
        "const ok=function(){b.textContent=d;};"
        "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(v).then(ok);return;}"
        "const a=document.createElement('textarea');a.value=v;document.body.appendChild(a);a.select();"
        "try{document.execCommand('copy');ok();}finally{a.remove();}};})();</script>",
        unsafe_allow_javascript=True,
    )


def scroll_to_top() -> None:
    """Bring a new step into view from its top (Streamlit keeps the scroll position otherwise).

    The page scrolls inside Streamlit's main container (``stMain``), not the window. Streamlit
    re-runs a script of ``st.html`` only when its content changes, so each request carries its own
    number: a fixed script would scroll on the first step change and never again."""
    if st.session_state.pop(state.SCROLL_TOP, False):
        n = st.session_state[state.SCROLL_RUNS] = st.session_state.get(state.SCROLL_RUNS, 0) + 1
        # A fixed script of ours (no user text; n is an int), so running it is safe.
        st.html(
            f"<script>(function(){{ /* step change {int(n)} */ "
            "const m = document.querySelector('[data-testid=\"stMain\"], section.main');"
            "if (m) { m.scrollTo(0, 0); } window.scrollTo(0, 0);"
            "})();</script>",
            unsafe_allow_javascript=True,
        )


# --- errors -------------------------------------------------------------------------------------


def show_error(exc: UserError, slot=None) -> None:
    """A problem the person can fix, in their language (under its field when a slot is given)."""
    (slot.error if slot is not None else st.error)(exc.message(lang()), icon="⚠️")


class Outcome:
    ok = True


@contextmanager
def guard(kept_key: str = "err.kept.nothing"):
    """Around a page's reads and writes: a UserError is shown as it is; a storage failure (the
    database busy or gone, a full disk) becomes one translated message that says what was kept
    (``kept_key``), the details only in the server log. Either way the block is left and
    ``outcome.ok`` is False; the page goes on from there::

        with guard("err.kept.step") as outcome:
            store.save_answers(...)
        if not outcome.ok:
            return

    Errors of the code itself are not caught here: app.py's ``page_errors`` logs them and shows a
    generic message."""
    from sqlalchemy.exc import SQLAlchemyError

    outcome = Outcome()
    try:
        yield outcome
    except UserError as exc:
        outcome.ok = False
        show_error(exc)
    except (SQLAlchemyError, OSError):
        outcome.ok = False
        log.exception("storage failed (%s)", kept_key)
        st.error(t("err.storage") + " " + t(kept_key), icon="⚠️")


@contextmanager
def page_errors():
    """Around the whole page (app.py): whatever a page did not catch itself is shown as a message
    in the user's language, never as a traceback, SQL or a server path (those go to the log)."""
    try:
        yield
    except UserError as exc:
        show_error(exc)
    except Exception as exc:  # noqa: BLE001 - st.rerun/st.stop are BaseExceptions and pass through
        from sqlalchemy.exc import SQLAlchemyError

        log.exception("page failed")
        if isinstance(exc, (SQLAlchemyError, OSError)):
            st.error(t("err.storage") + " " + t("err.kept.nothing"), icon="⚠️")
        else:
            st.error(t("err.unexpected"), icon="⚠️")


# --- wrong codes, per client, in the database ---------------------------------------------------


def _client() -> str:
    """Who is guessing: the address the proxy saw (X-Forwarded-For), else the socket's."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser session
        return "unknown"
    if isinstance(forwarded, str) and forwarded.split(",")[0].strip():
        return forwarded.split(",")[0].strip()
    return address if isinstance(address, str) and address else "unknown"


@st.cache_resource(show_spinner=False)
def _attempts(url: str) -> CodeAttempts:
    return CodeAttempts(store_at(url))


def codes_blocked() -> bool:
    return _attempts(settings().database_url).blocked(_client())


def code_failed() -> None:
    _attempts(settings().database_url).failed(_client())
