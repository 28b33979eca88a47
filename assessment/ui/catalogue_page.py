"""The department's platform catalogue: list, filter, add, edit, publish, retire, import, export.

Behind the department sign-in (assessment.ui.auth): viewers see the lists, the change log and
what is recommended most; admins also edit and import entries. The change log records
the signed-in person's name.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from assessment.catalogue import CATEGORIES, PRICE_BANDS, SIZES, STATUSES, CatalogueError
from assessment.catalogue_store import entry_fields, entry_from_fields, rows_from_csv, rows_from_yaml, to_csv, to_yaml
from assessment.firms import sectors as vsic_sections, size_classes
from assessment.i18n import day_input_format, day_text
from assessment.recommend import category_name, price_name
from assessment.ui import auth, common, data
from assessment.ui.common import lang, t

UPLOAD_LIMIT = 2 * 1024 * 1024


def render() -> None:
    st.title(t("admin.title"))
    user = auth.require_user()
    if user is None:
        return
    who = user.display_name
    cat = common.catalogue(common.framework_choice("adm_fw"))
    names = [t("admin.tab_list"), t("admin.tab_usage"), t("admin.tab_log")]
    if user.is_admin:
        names += [t("admin.tab_edit"), t("admin.tab_files")]
    tabs = st.tabs(names)
    entries = cat.entries()
    with tabs[0]:
        _list(entries, data.entry_usage(cat.fw))
    with tabs[1]:
        _most_recommended(cat)
    with tabs[2]:
        log = cat.changes(limit=100)
        st.dataframe(
            pd.DataFrame([{t("admin.col_time"): day_text(c.at, lang(), time=True), t("admin.col_who"): c.who,
                           t("admin.col_action"): t(f"cat.action.{c.action}"), t("admin.col_id"): c.entry_id}
                          for c in log]),
            hide_index=True, width="stretch",
        )
    if not auth.admin(user):
        return
    with tabs[3]:
        _edit(cat, entries, who)
    with tabs[4]:
        _files(cat, entries, who)


def _list(entries, usage) -> None:
    L = lang()
    sizes = size_classes()
    c1, c2, c3 = st.columns(3)
    cats = c1.multiselect(t("rec.filter_category"), list(CATEGORIES), format_func=lambda c: CATEGORIES[c](L), key="adm_cats",
                          placeholder=t("rec.all"))
    status_names = {x: t(f"cat.status.{x}") for x in STATUSES}
    statuses = c2.multiselect(t("admin.status"), list(STATUSES), key="adm_status", format_func=status_names.get,
                              placeholder=t("rec.all"))
    text = c3.text_input(t("admin.search"), key="adm_search").strip().lower()
    rows = [
        {
            t("admin.col_id"): e.id, t("admin.col_name"): e.display_name(L), t("admin.col_provider"): e.provider,
            t("rec.filter_category"): category_name(e.category, L), t("admin.status"): status_names[e.status],
            t("rec.price"): price_name(e.price_band, L), t("admin.col_improves"): entry_fields(e)["improves"],
            t("admin.col_sizes"): ", ".join(sizes[x].name(L) for x in e.sizes if x in sizes),
            t("admin.col_using"): usage.now.get(e.id, 0),
            t("admin.col_trend"): usage.per_year.get(e.id, [0] * len(usage.years)),
        }
        for e in entries
        if (not cats or e.category in cats) and (not statuses or e.status in statuses)
        and (not text or text in f"{e.id} {e.name} {e.name_en or ''} {e.provider}".lower())
    ]
    st.caption(t("admin.count", n=len(rows), total=len(entries)))
    trend = (t("admin.trend_help", first=usage.years[0], last=usage.years[-1]) if len(usage.years) > 1
             else t("admin.trend_one"))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        t("admin.col_using"): st.column_config.NumberColumn(help=t("admin.using_help")),
        t("admin.col_trend"): st.column_config.LineChartColumn(help=trend, y_min=0)})


def _edit(cat, entries, who: str) -> None:
    L = lang()
    by_id = {e.id: e for e in entries}
    choice = st.selectbox(t("admin.pick"), ["__new__", *by_id], key="adm_pick",
                          format_func=lambda i, new=t("admin.new"), st_names={x: t(f"cat.status.{x}") for x in STATUSES}:
                          new if i == "__new__" else f"{i} ({st_names[by_id[i].status]})")
    current = entry_fields(by_id[choice]) if choice in by_id else {
        "status": "draft", "sectors": "all", "maturity": "0-5", "sizes": "micro; small; medium",
        "checked": dt.date.today().isoformat(), "price_band": "unknown",
        "make_in_vietnam": "unknown", "support_eligible": "unknown",
    }
    if choice in by_id:
        b1, b2, b3 = st.columns(3)
        for col, status, label in ((b1, "published", "admin.publish"), (b2, "retired", "admin.retire"),
                                   (b3, "draft", "admin.to_draft")):
            if col.button(t(label), key=f"adm_{status}", disabled=by_id[choice].status == status):
                cat.set_status(choice, status, who)
                st.toast(t("admin.saved"))
                st.rerun()
    with st.form(f"adm_form_{choice}"):
        f = {}
        f["id"] = st.text_input(t("admin.col_id"), value=current.get("id", ""), disabled=choice in by_id,
                                help=t("admin.id_help"), key=f"adm_id_{choice}")
        f["name"] = st.text_input(t("admin.col_name"), value=current.get("name", ""), key=f"adm_name_{choice}")
        f["name_en"] = st.text_input(t("admin.col_name_en"), value=current.get("name_en", ""), key=f"adm_name_en_{choice}",
                                     help=t("admin.name_en_help"))
        f["provider"] = st.text_input(t("admin.col_provider"), value=current.get("provider", ""), key=f"adm_prov_{choice}")
        cats = list(CATEGORIES)
        f["category"] = st.selectbox(t("rec.filter_category"), cats, format_func=lambda c: CATEGORIES[c](L),
                                     index=cats.index(current["category"]) if current.get("category") in cats else 0,
                                     key=f"adm_cat_{choice}")
        f["description_vi"] = st.text_area(t("admin.desc_vi"), value=current.get("description_vi", ""), key=f"adm_dvi_{choice}")
        f["description_en"] = st.text_area(t("admin.desc_en"), value=current.get("description_en", ""), key=f"adm_den_{choice}")
        f["improves"] = st.text_input(t("admin.col_improves"), value=current.get("improves", ""),
                                      help=t("admin.improves_help"), key=f"adm_imp_{choice}")
        size_names = {x: size_classes()[x].name(L) for x in SIZES}
        f["sizes"] = "; ".join(st.multiselect(t("admin.col_sizes"), list(SIZES), format_func=size_names.get,
                                              default=[s.strip() for s in current["sizes"].split(";") if s.strip()],
                                              key=f"adm_sizes_{choice}", placeholder=t("common.choose")))
        f["sectors"] = _sectors_field(current.get("sectors", "all"), choice)
        lo, hi = (int(x) for x in current["maturity"].split("-"))
        rng = st.slider(t("admin.maturity"), 0, 5, (lo, hi), key=f"adm_mat_{choice}")
        f["maturity"] = f"{rng[0]}-{rng[1]}"
        tri = {x: t(f"cat.yn.{x}") for x in ("unknown", "yes", "no")}
        f["make_in_vietnam"] = st.selectbox("Make in Vietnam", list(tri), index=list(tri).index(current["make_in_vietnam"]),
                                            format_func=tri.get, key=f"adm_miv_{choice}")
        f["support_eligible"] = st.selectbox(t("admin.support"), list(tri), index=list(tri).index(current["support_eligible"]),
                                             format_func=tri.get, key=f"adm_sup_{choice}")
        f["support_note_vi"] = st.text_input(t("admin.note_vi"), value=current.get("support_note_vi", ""), key=f"adm_nvi_{choice}")
        f["support_note_en"] = st.text_input(t("admin.note_en"), value=current.get("support_note_en", ""), key=f"adm_nen_{choice}")
        bands = list(PRICE_BANDS)
        f["price_band"] = st.selectbox(t("rec.price"), bands, index=bands.index(current["price_band"]),
                                       format_func=lambda b: PRICE_BANDS[b](L), key=f"adm_price_{choice}")
        f["url"] = st.text_input(t("admin.url"), value=current.get("url", ""), key=f"adm_url_{choice}")
        f["source"] = st.text_input(t("admin.source"), value=current.get("source", ""), key=f"adm_src_{choice}")
        f["checked"] = st.date_input(t("admin.checked"), value=dt.date.fromisoformat(current["checked"]),
                                     format=day_input_format(L), key=f"adm_chk_{choice}").isoformat()
        status_names = {x: t(f"cat.status.{x}") for x in STATUSES}
        f["status"] = st.selectbox(t("admin.status"), list(STATUSES), index=list(STATUSES).index(current["status"]),
                                   format_func=status_names.get, key=f"adm_st_{choice}")
        save = st.form_submit_button(t("admin.save"), type="primary", key=f"adm_save_{choice}")
    if not save:
        return
    if choice in by_id:
        f["id"] = choice
    elif f["id"] in by_id:
        st.error(t("admin.id_taken", id=f["id"]))
        return
    try:
        cat.save(entry_from_fields(f, place=f["id"] or "?"), who)
    except CatalogueError as exc:
        st.error(t("admin.invalid", problem=exc.explain(L, entry_id=f["id"] or None)))
        return
    st.toast(t("admin.saved"))
    st.rerun()


def _sectors_field(current: str, choice: str) -> str:
    """The sectors an entry suits, picked by name (none picked: every sector); returns the field
    as the catalogue file writes it ("all", or letters separated by semicolons)."""
    L = lang()
    sections = vsic_sections()
    chosen = [] if current.strip() == "all" else [x.strip() for x in current.split(";") if x.strip()]
    options = [*sections, *(x for x in chosen if x not in sections)]  # an unknown letter is shown, then refused
    picked = st.multiselect(t("admin.sectors"), options, default=chosen, key=f"adm_sect_{choice}",
                            format_func=lambda c: f"{c} – {sections[c].name(L)}" if c in sections else c,
                            placeholder=t("admin.all_sectors"), help=t("admin.sectors_help"))
    return "; ".join(picked) or "all"


def _files(cat, entries, who: str) -> None:
    c1, c2 = st.columns(2)
    c1.download_button(t("admin.export_csv"), to_csv(entries), "catalogue.csv", "text/csv",
                       key="adm_export_csv")
    c2.download_button(t("admin.export_yaml"), to_yaml(cat.fw, entries).encode("utf-8"), "catalogue.yaml",
                       "application/x-yaml", key="adm_export_yaml")
    upload = st.file_uploader(t("admin.import"), type=["csv", "yaml", "yml"], key="adm_upload")
    if upload is None:
        return
    data = upload.getvalue()
    if len(data) > UPLOAD_LIMIT:
        st.error(t("admin.too_large", mb=UPLOAD_LIMIT // 2**20))
        return
    try:
        text = data.decode("utf-8-sig")
        rows = rows_from_csv(text, source=upload.name) if upload.name.lower().endswith(".csv") else rows_from_yaml(text, source=upload.name)
        valid = cat.validate(rows, source=upload.name)
    except UnicodeDecodeError:
        st.error(t("admin.not_utf8"))
        return
    except CatalogueError as exc:  # a CSV problem names the file's row, as the officer sees it in Calc
        st.error(t("admin.invalid", problem=exc.explain(lang(), rows=upload.name.lower().endswith(".csv"))))
        return
    known = {e.id for e in entries}
    new = sum(e.id not in known for e in valid)
    st.info(t("admin.import_preview", n=len(valid), new=new, changed=len(valid) - new))
    if st.button(t("admin.import_confirm"), type="primary", key="adm_import_go"):
        changed = cat.import_entries(rows, who, source=upload.name)
        st.success(t("admin.imported", n=changed))


def _most_recommended(cat) -> None:
    """What the published catalogue recommends to the assessed firms: per entry and per firm."""
    L = lang()
    read = data.usage(cat.fw, L)
    if read is None:
        st.caption(t("admin.usage_none") + " " + t("admin.usage_demo_hint"))
        return
    found, firms = read
    per_firm = found.per_firm
    sampled = len(per_firm) < firms
    st.caption(t("admin.usage_intro", n=firms))
    if sampled:  # counted on a random sample: the province's counts are estimates
        st.caption(t("admin.usage_sampled", n=len(per_firm), all=firms))
    scale = firms / len(per_firm)
    column = t("admin.usage_firms_estimated" if sampled else "admin.usage_firms")
    by_entry = pd.DataFrame(
        [{t("admin.col_name"): e.display_name(L), t("rec.filter_category"): category_name(e.category, L),
          column: int(round(n * scale)), t("admin.usage_share"): round(100.0 * n / len(per_firm), 1)}
         for e, n in found.by_entry]
    )
    if not by_entry.empty:
        by_entry = by_entry.sort_values(column, ascending=False, kind="stable")
    st.dataframe(by_entry, hide_index=True, width="stretch")
    st.dataframe(per_firm.rename(columns={"name": t("admin.usage_firm"), "tax_code": t("profile.tax_code"),
                                          "level": t("col.level"), "top": t("admin.usage_top")}),
                 hide_index=True, width="stretch")
