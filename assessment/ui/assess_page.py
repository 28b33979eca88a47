"""The firm's questionnaire: profile, one step per pillar, review, submit."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from assessment import firms, workflow
from assessment.answers import Answer, AnswerInputError, make_answer, missing, share_of
from assessment.framework import Criterion, Framework
from assessment.inventory import answers_from_platforms
from assessment.recommend import category_name
from assessment.storage import AlreadySubmitted, AssessmentRecord
from assessment.ui import common, platforms_step, state
from assessment.ui.common import lang, t
from assessment.ui.text import plain


def render() -> None:
    record = common.current()
    if record is not None and record.submitted:
        state.go("results")
    fw = common.framework(record.framework_key if record else None)
    all_steps = workflow.steps(fw)
    step = st.session_state.get(state.STEP, record.step if record else 0)
    step = min(max(step, 0), len(all_steps) - 1)

    st.title(t("assess.title"))
    common.scroll_to_top()
    if st.session_state.pop(state.LINK_ERROR, False):
        st.error(t("resume.link_wrong"))
    _show_new_code()
    if record is None:
        st.caption(t("assess.intro", n=len(fw.criteria)))
    st.progress(step / (len(all_steps) - 1), text=_step_label(fw, all_steps, step, _kind(record)))

    current = all_steps[step]
    note = st.session_state.pop(state.STEP_NOTE, None)
    if note is not None:
        _left_open(fw, all_steps, *note)
    if record is not None and record.claim is not None:
        st.caption(t("claim.draft_notice", tax_code=record.profile.tax_code))
    if record is not None and current.kind == "pillar":  # the review shows it with the profile
        st.caption(_size_text(record.profile))
    if current.kind == "profile":
        _profile_step(fw, record)
    elif current.kind == "pillar":
        _pillar_step(fw, record, step, current.pillar_id)
    elif current.kind == "platforms":
        if record is None:
            _go(0)
        else:
            platforms_step.render(record, lambda forward: _go(step + 1 if forward else step - 1))
    else:
        _review_step(fw, record)


def _left_open(fw: Framework, all_steps, pillar_id: str, n: int) -> None:
    """Questions left open on the step just saved, said with the step's number as the progress bar
    shows it and the pillar's name (an id such as "P1" means nothing to the person)."""
    number = next((i + 1 for i, s in enumerate(all_steps) if s.kind == "pillar" and s.pillar_id == pillar_id), None)
    if number is None:  # a framework changed under a draft: nothing to point at
        return
    pillar = next(p for p in fw.pillars if p.id == pillar_id)
    st.info(t("assess.left_open", step=number, pillar=pillar.name(lang()), n=n), icon=":material/info:")


def _kind(record: AssessmentRecord | None) -> str:
    """The kind of unit the profile is about: as just chosen on the profile step, else as saved."""
    chosen = st.session_state.get("pf_kind")
    if chosen in firms.KINDS:
        return chosen
    return record.profile.kind if record is not None and record.profile.kind in firms.KINDS else firms.KINDS[0]


def _go(step: int) -> None:
    st.session_state[state.STEP] = step
    st.session_state[state.SCROLL_TOP] = True
    record = common.current()
    if record is not None and not record.submitted:
        with common.guard("err.kept.nothing") as outcome:
            common.store().set_step(record.id, step)
        if not outcome.ok:
            return
    st.rerun()


def _step_label(fw: Framework, all_steps, step: int, kind: str) -> str:
    current = all_steps[step]
    if current.kind == "profile":
        name = t(f"profile.heading.{kind}")
    elif current.kind == "review":
        name = t("assess.step.review")
    elif current.kind == "platforms":
        name = t("assess.step.platforms")
    else:
        pillar = next(p for p in fw.pillars if p.id == current.pillar_id)
        name = f"{pillar.id}. {pillar.name(lang())}"
    return t("assess.step_of", i=step + 1, n=len(all_steps), name=name)


def _show_new_code() -> None:
    """The new resume code: in large type that wraps on a phone between its groups of four, never
    inside one, with visible copy buttons (a phone has no hover), open until the person says it is
    kept, then folded away above the steps."""
    code = st.session_state.get(state.NEW_CODE)
    if not code:
        return
    kept = st.session_state.get(state.CODE_SAVED, False)
    link = common.resume_link(code)
    with st.expander(t("code.box_title"), expanded=not kept, icon=":material/key:"):
        if not kept:
            st.success(t("code.created"))
        common.copyable(code, t("code.copy"), t("code.copied"), code=True)
        st.caption(t("code.link_hint"))
        common.copyable(link, t("code.copy_link"), t("code.copied"))
        if not kept:
            st.warning(t("code.shown_once"))
            if st.button(t("code.saved_it"), key="code_saved"):
                st.session_state[state.CODE_SAVED] = True
                st.rerun()


# --- profile ----------------------------------------------------------------------------------


def _profile_step(fw: Framework, record: AssessmentRecord | None) -> None:
    prev = record.profile.to_dict() if record else {}
    slots: dict = {}
    if record is None:
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        c1.caption(t("assess.have_code"))
        if c2.button(t("resume.open_page"), key="have_code", icon=":material/key:"):
            state.go("resume")
    # no st.form here: the commune search narrows its list as the person types
    heading = st.empty()  # named after the kind of unit, chosen just below
    values: dict = {}
    kinds = {k: t(f"kind.{k}") for k in firms.KINDS}  # labels bound now, in the page's language
    values["kind"] = st.radio(t("profile.kind"), list(kinds), format_func=kinds.get, key="pf_kind",
                              index=list(kinds).index(prev.get("kind", "enterprise")))
    slots["kind"] = st.empty()
    # a household business is not a "doanh nghiệp": the heading and the name say what the unit is
    heading.subheader(t(f"profile.heading.{values['kind']}"))
    values["tax_code"] = st.text_input(
        t(f"profile.tax_code.{values['kind']}"), value=prev.get("tax_code", ""), max_chars=20,
        help=t(f"profile.tax_code_help.{values['kind']}"), key="pf_tax_code",
    )
    slots["tax_code"] = st.empty()
    with st.expander(t("profile.firm_code_expander")):
        firm_code = st.text_input(t("profile.firm_code"), max_chars=40, help=t("profile.firm_code_help"),
                                  placeholder="XXXX-XXXX-XXXX-XXXX-XXXX", key="pf_firm_code")
    slots["firm_code"] = st.empty()
    values["name"] = st.text_input(t(f"profile.name.{values['kind']}"), value=prev.get("name", ""), max_chars=300,
                                   key="pf_name")
    slots["name"] = st.empty()
    version = firms.sector_version_on(dt.date.today())
    sectors = firms.sectors(version)
    sector_codes = list(sectors)
    same_system = prev.get("sector_version") == version
    values["sector_version"] = version
    values["sector"] = st.selectbox(
        t("profile.sector"), sector_codes,
        index=sector_codes.index(prev["sector"]) if same_system and prev.get("sector") in sectors else None,
        format_func=lambda c, L=lang(): f"{c} – {sectors[c].name(L)}", placeholder=t("common.choose"),
        help=t("profile.sector_help"), key="pf_sector",
    )
    slots["sector"] = st.empty()
    values["locality"] = _commune_picker(prev.get("locality"))
    slots["locality"] = st.empty()
    values["employees"] = st.number_input(
        t("profile.employees"), step=1, value=prev.get("employees"), help=t("profile.employees_help"),
        key="pf_employees",
    )
    slots["employees"] = st.empty()
    c1, c2 = st.columns(2)
    values["revenue_bn"] = c1.number_input(
        t("profile.revenue"), step=0.1, format="%.2f", value=prev.get("revenue_bn"),
        help=t("profile.money_help"), key="pf_revenue",
    )
    slots["revenue_bn"] = c1.empty()
    values["capital_bn"] = c2.number_input(
        t("profile.capital"), step=0.1, format="%.2f", value=prev.get("capital_bn"),
        help=t("profile.money_help"), key="pf_capital",
    )
    slots["capital_bn"] = c2.empty()
    st.markdown(f"**{t('profile.contact')}**")
    values["contact_name"] = st.text_input(t("profile.contact_name"), value=prev.get("contact_name", ""), key="pf_cname")
    values["contact_phone"] = st.text_input(t("profile.contact_phone"), value=prev.get("contact_phone", ""), key="pf_phone")
    slots["contact_phone"] = st.empty()
    values["contact_email"] = st.text_input(t("profile.contact_email"), value=prev.get("contact_email", ""), key="pf_email")
    slots["contact_email"] = st.empty()
    saved = st.button(t("common.save_next"), type="primary", key="profile_next")

    if record is not None:
        st.caption(_size_text(record.profile))
    if not saved:
        _registered_choice(fw, record)
        return
    st.session_state.pop(state.CLAIM_PROFILE, None)
    profile, errors = firms.validate_profile(values)
    if errors:
        st.error(t("common.fix_errors"))
        common.field_errors(errors, slots)
        return
    moving = record is None or profile.tax_code != record.profile.tax_code
    if moving and common.store().is_registered(profile.tax_code):
        firm_code = (firm_code or "").strip()
        if not firm_code:  # a tax code identifies, it does not authenticate: ask for the firm's code
            st.session_state[state.CLAIM_PROFILE] = profile.to_dict()
            _registered_choice(fw, record)
            return
        if common.codes_blocked() or not common.store().code_opens_firm(firm_code, profile.tax_code):
            common.code_failed()
            st.error(t("common.fix_errors"))
            slots["firm_code"].error(t("claim.code_wrong"), icon="⚠️")
            return
    _save_profile(fw, record, profile, firm_code=(firm_code or "").strip() or None)


def _size_text(profile: firms.FirmProfile) -> str:
    """The size class in words (a household business has none under Decree 80)."""
    if profile.kind == "household":
        return t("profile.household_is")
    return t("profile.size_class_is", size=profile.size_class.name(lang()))


def _commune_picker(current: str | None) -> str | None:
    """The commune or ward: typed with or without accents, or by the name of a former commune that
    was merged into it, the list narrows to what matches; returns the chosen unit's code."""
    query = st.text_input(t("profile.locality_search"), key="pf_loc_search", placeholder=t("profile.locality_search_hint"))
    matches = firms.find_localities(query, limit=100)
    area_names = {a.code: a.name for a in firms.areas().values()}
    labels = {}
    for m in matches:
        label = f"{m.locality.name} ({area_names.get(m.locality.area, m.locality.area)})"
        labels[m.locality.code] = t("profile.locality_was", label=label, former=m.former) if m.former else label
    options = list(labels)
    if current in firms.current_localities() and current not in labels and not query:
        options.insert(0, current)
        labels[current] = firms.localities()[current].name
    # one box per search: a box whose list changes under the same key may go on showing the old
    # choice while another is kept, so a new search draws a new box. The one match of a search is
    # proposed; of several, the person picks (none is taken silently).
    key = "pf_locality" if not query.strip() else "pf_locality_" + hashlib.sha1(
        firms.fold(query).encode()).hexdigest()[:10]
    index = options.index(current) if current in options else (0 if query.strip() and len(options) == 1 else None)
    if query and not options:
        st.caption(t("profile.locality_none", text=query))
    return st.selectbox(t("profile.locality"), options, index=index, format_func=labels.get,
                        placeholder=t("common.choose"), help=t("profile.locality_help"), key=key)


def _save_profile(fw: Framework, record: AssessmentRecord | None, profile: firms.FirmProfile, *,
                  firm_code: str | None) -> None:
    with common.guard("err.kept.profile") as outcome:
        if record is None:
            aid, code = common.store().create_assessment(profile, fw.key, lang=lang(), firm_code=firm_code)
            common.open_assessment(aid)
            st.session_state[state.NEW_CODE] = code
        else:
            common.store().update_profile(record.id, profile, firm_code=firm_code)
    if not outcome.ok:
        return
    # the size class is said on the next step (no toast: it costs the person half a second)
    _go(1)


def _registered_choice(fw: Framework, record: AssessmentRecord | None) -> None:
    """The tax code is registered and no code of the firm was given: say so plainly, and let the
    person go on (the assessment is then a claim the department checks)."""
    pending = st.session_state.get(state.CLAIM_PROFILE)
    if not pending:
        return
    st.warning(t("claim.registered", tax_code=pending["tax_code"]), icon="🔒")
    if st.button(t("claim.continue"), key="claim_continue"):
        st.session_state.pop(state.CLAIM_PROFILE, None)
        _save_profile(fw, record, firms.FirmProfile(**pending), firm_code=None)


# --- one pillar -------------------------------------------------------------------------------


def _widget_key(record: AssessmentRecord, crit: Criterion, part: str = "") -> str:
    return f"q_{record.id}_{crit.id}{part}"


def _pillar_step(fw: Framework, record: AssessmentRecord | None, step: int, pillar_id: str) -> None:
    if record is None:  # a pillar step needs a saved profile first
        _go(0)
        return
    pillar = next(p for p in fw.pillars if p.id == pillar_id)
    entered: dict[str, dict] = {}
    slots: dict = {}
    with st.form(f"pillar_{pillar.id}"):
        st.subheader(f"{pillar.id}. {pillar.name(lang())}")
        st.caption(t("assess.pillar_points", max=pillar.max_points, n=len(pillar.criteria)))
        for comp in pillar.components:
            st.markdown(f"#### {comp.id} {comp.name(lang())}")
            for crit in comp.criteria:
                if crit.from_platforms:  # never asked: worked out from the platforms step
                    _from_platforms(fw, record, crit)
                    st.divider()
                    continue
                entered[crit.id] = _question(record, crit)
                slots[crit.id] = st.empty()
                st.divider()
        c1, c2 = st.columns(2)
        back = c1.form_submit_button(t("common.back"), key=f"back_{pillar.id}")
        forward = c2.form_submit_button(t("common.save_next"), type="primary", key=f"next_{pillar.id}")
    if not (back or forward):
        return
    answers, errors = _collect(fw, entered)
    with common.guard("err.kept.step") as outcome:
        try:
            common.store().save_answers(record.id, answers, step=step)
        except AlreadySubmitted:
            st.error(t("assess.already_submitted"))
            return
    if not outcome.ok:
        return
    if errors:
        st.error(t("assess.saved_with_errors", n=len(errors), ids=", ".join(e.criterion_id for e in errors)))
        for err in errors:
            if "_computed" in entered[err.criterion_id]:
                entered[err.criterion_id]["_computed"].empty()  # the share shown was the old one
            slots[err.criterion_id].error(
                f"{err.criterion_id}: {t(err.key, **_error_params(err))}", icon="⚠️"
            )
        return
    if forward and _implausible(fw, record, answers, slots):
        return  # said at the fields; the next press goes on
    open_here = [c.id for c in pillar.criteria
                 if c.id not in answers and c.id not in record.answers and not c.from_platforms]
    if open_here:  # said on the next step: the person may well go on and come back
        st.session_state[state.STEP_NOTE] = (pillar.id, len(open_here))
    _go(step - 1 if back else step + 1)


def _from_platforms(fw: Framework, record: AssessmentRecord, crit: Criterion) -> None:
    """A criterion answered from the platforms list: its question, and the answer the list gives."""
    st.markdown(f"**{crit.id}** {crit.question(lang())}")
    code = answers_from_platforms(fw, record.platforms)[crit.id].code
    st.caption(t("assess.from_platforms") + " " + t("assess.from_platforms_now", answer=crit.choices[code][1](lang())))


def _implausible(fw: Framework, record: AssessmentRecord, answers: dict[str, Answer], slots: dict) -> bool:
    """Head counts above the firm's employees (50 IT staff in a 4-person firm), said at the field
    once; True when something new was said (the person then checks and presses again)."""
    employees = record.profile.employees
    seen = st.session_state.setdefault(state.PLAUSIBILITY_SEEN, set())
    said = False
    for cid, ans in answers.items():
        crit = fw.criterion_by_id[cid]
        if not crit.headcount or ans.code <= crit.highest_code_for(employees):
            continue
        key = (record.id, cid, ans.code, ans.value)
        if key in seen:
            continue
        seen.add(key)
        said = True
        shown = common.num(ans.value, 0) if ans.value is not None else crit.choices[ans.code][1](lang())
        slots[cid].warning(t("answer.more_than_employees", id=cid, answer=shown, employees=employees), icon="⚠️")
    if said:
        st.warning(t("assess.check_counts"))
    return said


def _error_params(err: AnswerInputError) -> dict:
    params = dict(err.params)
    if "what" in params:
        params["what"] = t(f"answer.{params['what']}")
    return params


def _question(record: AssessmentRecord, crit: Criterion) -> dict:
    """Render one criterion; return the raw values entered."""
    stored = record.answers.get(crit.id)
    label = f"**{crit.id}** · {crit.question(lang())}"
    help_text = crit.help(lang())
    options = list(range(len(crit.choices)))
    texts = [text(lang()) for _points, text in crit.choices]
    if crit.type == "count":
        value = st.number_input(  # no min_value: a negative is refused by us, with a message the phone shows
            label, step=1, value=None if stored is None or stored.value is None else int(stored.value),
            help=help_text, key=_widget_key(record, crit), placeholder=crit.unit(lang()),
        )
        return {"value": value}
    code = st.radio(
        label, options, index=None if stored is None else stored.code,
        format_func=lambda i: texts[i], help=help_text, key=_widget_key(record, crit),
    )
    if crit.type != "share":
        return {"code": code}
    with st.expander(t("answer.figures_instead"), expanded=stored is not None and stored.numerator is not None):
        c1, c2 = st.columns(2)
        num = c1.number_input(
            crit.numerator(lang()), value=None if stored is None else stored.numerator,
            key=_widget_key(record, crit, "_num"),
        )
        den = c2.number_input(
            crit.denominator(lang()), value=None if stored is None else stored.denominator,
            key=_widget_key(record, crit, "_den"),
        )
        computed = st.empty()
        if stored is not None and stored.numerator is not None:
            computed.caption(t("answer.share_computed", share=common.num(share_of(stored)), band=texts[stored.code]))
    return {"code": code, "numerator": num, "denominator": den, "_computed": computed}


def _collect(fw: Framework, entered: dict[str, dict]) -> tuple[dict[str, Answer], list[AnswerInputError]]:
    answers, errors = {}, []
    for cid, raw in entered.items():
        raw = {k: v for k, v in raw.items() if not k.startswith("_")}
        try:
            answer = make_answer(fw.criterion_by_id[cid], **raw)
        except AnswerInputError as exc:
            errors.append(exc)
            if raw.get("code") is not None and fw.criterion_by_id[cid].type == "share":
                answers[cid] = make_answer(fw.criterion_by_id[cid], code=raw["code"])  # the band ticked is kept
            continue
        if answer is not None:
            answers[cid] = answer
    return answers, errors


# --- review and submit ------------------------------------------------------------------------


def _review_step(fw: Framework, record: AssessmentRecord | None) -> None:
    if record is None:
        _go(0)
        return
    st.subheader(t("review.heading"))
    st.caption(t("review.intro"))
    profile = record.profile
    with st.container(border=True):
        st.markdown(f"**{plain(profile.name)}** · {t('profile.tax_code')}: {plain(profile.tax_code)}")
        st.caption(_size_text(profile))
        if st.button(t(f"review.edit_profile.{profile.kind}"), key="edit_step_0"):
            _go(0)
    with st.container(border=True):
        st.markdown(f"**{t('review.platforms')}**")
        if record.platforms:
            st.markdown("\n".join(f"- {category_name(u.category, lang())}: {plain(u.name)}" for u in record.platforms))
        else:
            st.caption(t("review.no_platforms"))
        if st.button(t("review.edit_platforms"), key="edit_platforms"):
            _go(len(fw.pillars) + 1)
    gaps = missing(fw, record.answers)
    for i, pillar in enumerate(fw.pillars, start=1):
        n_missing = sum(c.id in gaps for c in pillar.criteria)
        title = f"{pillar.id}. {pillar.name(lang())}"
        if n_missing:
            title += " · " + t("review.n_missing", n=n_missing)
        with st.expander(title, expanded=bool(n_missing)):
            for crit in pillar.criteria:
                ans = (answers_from_platforms(fw, record.platforms)[crit.id] if crit.from_platforms
                       else record.answers.get(crit.id))
                if ans is None:
                    st.markdown(f"⚠️ **{crit.id}** {crit.title(lang())}: _{t('review.not_answered')}_")
                else:
                    st.markdown(f"**{crit.id}** {crit.title(lang())}: {_answer_text(crit, ans)}")
            if st.button(t("review.edit_pillar", pillar=pillar.id), key=f"edit_step_{i}"):
                _go(i)
    _missing_after_submit(fw, missing(fw, record.answers))
    c1, c2 = st.columns(2)
    if c1.button(t("common.back"), key="review_back"):
        _go(len(fw.pillars) + 1)  # the platforms step
    if c2.button(t("review.submit"), type="primary", key="submit"):
        try:
            with common.guard("err.kept.submit") as outcome:
                workflow.submit(common.store(), fw, record.id)
            if not outcome.ok:
                return
        except workflow.IncompleteAnswers as exc:
            st.session_state[state.REVIEW_MISSING] = exc.missing_ids
            st.rerun()  # the list and its button are drawn below, outside this click
        except AlreadySubmitted:
            pass
        st.session_state.pop(state.STEP, None)
        state.go("results")


def _missing_after_submit(fw: Framework, still_missing: list[str]) -> None:
    """After a refused submit: what is missing, and a button to the first pillar with a gap (drawn
    on every run, so that its click is seen)."""
    asked = st.session_state.get(state.REVIEW_MISSING)
    if not asked:
        return
    gaps = [cid for cid in asked if cid in still_missing]
    if not gaps:
        st.session_state.pop(state.REVIEW_MISSING, None)
        return
    st.error(t("review.missing", n=len(gaps)))
    first = fw.pillar_of[gaps[0]]
    if st.button(t("review.go_first_missing", pillar=first.id), key="go_missing", type="primary"):
        st.session_state.pop(state.REVIEW_MISSING, None)
        _go(1 + [p.id for p in fw.pillars].index(first.id))
    st.markdown("\n".join(f"- **{cid}** ({fw.pillar_of[cid].id}) {fw.criterion_by_id[cid].title(lang())}"
                           for cid in gaps))


def _answer_text(crit: Criterion, ans: Answer) -> str:
    text = crit.choices[ans.code][1](lang())
    if ans.value is not None:
        text = f"{common.num(ans.value, 0)} {crit.unit(lang())} → {text}"
    elif ans.numerator is not None:
        text = f"{common.num(share_of(ans))}% → {text}"
    return text
