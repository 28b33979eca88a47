"""Figures for the department's dashboard, computed with pandas before anything is plotted.

Input: ``frames.submitted_frame`` (every submitted assessment). The latest assessment of each firm
in the chosen period (``frames.latest``) is the firm's state; the previous period gives the change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assessment.frames import Filters, latest
from assessment.framework import Framework


@dataclass(frozen=True)
class Headline:
    firms: int
    level_share: dict[int, float]  # level -> share of firms (0..1)
    mean_total: float
    mean_pillar_percent: dict[str, float]
    previous_mean_total: float | None  # the year before, same filters


def headline(fw: Framework, frame: pd.DataFrame, filters: Filters) -> Headline:
    now = latest(frame, filters)
    shares = now["level"].value_counts(normalize=True).to_dict() if len(now) else {}
    pillar = {
        p.id: (100.0 * now[f"{p.id}_points"].mean() / p.max_points) if len(now) else 0.0 for p in fw.pillars
    }
    previous = None
    if filters.year is not None:
        before = latest(frame, filters.other_year(filters.year - 1))
        previous = float(before["total"].mean()) if len(before) else None
    return Headline(len(now), {lv: float(shares.get(lv, 0.0)) for lv in range(fw.max_level + 1)},
                    float(now["total"].mean()) if len(now) else 0.0, pillar, previous)


def place_pillar(fw: Framework, now: pd.DataFrame, by: str = "area") -> pd.DataFrame:
    """Mean pillar percentage per place (long format for a heatmap): ``by`` "area" (the former
    districts) or "locality" (communes and wards)."""
    rows = []
    for place, group in now.groupby(by):
        for p in fw.pillars:
            rows.append({"place": place, "pillar": p.id,
                         "percent": round(100.0 * group[f"{p.id}_points"].mean() / p.max_points, 1),
                         "firms": len(group)})
    return pd.DataFrame(rows, columns=["place", "pillar", "percent", "firms"])


def trend(frame: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Mean total and firms assessed per year (each firm's latest assessment of that year)."""
    years = sorted(frame["submitted_at"].dt.year.unique().tolist()) if len(frame) else []
    rows = []
    for y in years:
        f = latest(frame, filters.other_year(y))
        rows.append({"year": y, "firms": len(f), "mean_total": round(float(f["total"].mean()), 1) if len(f) else 0.0})
    return pd.DataFrame(rows, columns=["year", "firms", "mean_total"])


def with_clusters(fw: Framework, frame: pd.DataFrame, model) -> pd.DataFrame:
    """The frame with a "cluster" column: each assessment placed in the kept clustering (no refit),
    from its pillar points as the database places it (aggregates.cluster_of)."""
    if model is None or frame.empty:
        return frame
    points = frame[[f"{p.id}_points" for p in fw.pillars]].to_numpy()
    return frame.assign(cluster=model.place([p.max_points for p in fw.pillars], points))


def sector_comparison(fw: Framework, now: pd.DataFrame) -> pd.DataFrame:
    """Per VSIC 2025 section (2018 records mapped at section level where the correspondence is one
    to one: frames.add_places): firms, mean total as a percentage of the maximum, share at level 2
    or above."""
    if now.empty:
        return pd.DataFrame(columns=["section", "firms", "percent", "share_level2"])
    g = now.groupby("section")
    out = pd.DataFrame({
        "firms": g.size(),
        "percent": (100.0 * g["total"].mean() / fw.spec.max_points).round(1),
        "share_level2": (100.0 * g["level"].apply(lambda s: (s >= 2).mean())).round(1),
    }).reset_index()
    return out.sort_values("percent", ascending=False)


def firm_table(fw: Framework, now: pd.DataFrame, model=None, lang: str = "vi") -> pd.DataFrame:
    """One row per firm for the table and the exports: kind of unit, tax code, name, sector with its
    VSIC version, commune code and name, area, size class, date, total, %, level, each pillar's
    points and level, and the cluster's name when a clustering is kept."""
    from assessment.firms import areas, localities

    units, area_names = localities(), {a.code: a.name for a in areas().values()}
    cols = ["assessment_id", "tax_code", "name", "kind", "sector", "sector_version", "locality", "size_class",
            "submitted_at", "total"]
    out = now[cols].copy()
    out.insert(out.columns.get_loc("locality") + 1, "locality_name",
               [units[c].name if c in units else c for c in now["locality"]])
    out.insert(out.columns.get_loc("locality_name") + 1, "area", [area_names.get(a, a) for a in now["area"]])
    out["percent"] = (100.0 * now["total"] / fw.spec.max_points).round(1)
    out["level"] = now["level"]
    for p in fw.pillars:
        out[f"{p.id}_points"] = now[f"{p.id}_points"]
        out[f"{p.id}_level"] = now[f"{p.id}_level"]
    if model is not None and "cluster" in now.columns:
        out["cluster"] = [model.name(int(c), lang) for c in now["cluster"]]
    out["submitted_at"] = out["submitted_at"].dt.date
    return out.sort_values(["total", "name"], ascending=[False, True])


def named(table: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """:func:`firm_table`'s rows with size classes, kinds of unit and sectors named in ``lang``."""
    from assessment.firms import sectors, size_classes
    from assessment.i18n import translate

    sizes = size_classes()
    table = table.copy()
    table["size_class"] = table["size_class"].map(lambda s: sizes[s].name(lang) if s in sizes else s)
    table["kind"] = table["kind"].map(lambda k: translate(f"kind.{k}", lang))
    table["sector"] = [f"{c} – {sectors(v)[c].name(lang)}" if c in sectors(v) else c
                       for c, v in zip(table["sector"], table["sector_version"])]
    return table


def headers(fw: Framework, lang: str = "vi") -> dict[str, str]:
    """The firm table's column headers in ``lang`` (the page's, the downloads' and the CLI's)."""
    from assessment.i18n import translate

    def t(key: str) -> str:
        return translate(key, lang)

    return {
        "name": t("admin.usage_firm"), "tax_code": t("profile.tax_code"), "kind": t("profile.kind"),
        "locality": t("dash.locality_code"), "locality_name": t("profile.locality"), "area": t("dash.area"),
        "sector": t("profile.sector"), "sector_version": t("dash.sector_version"), "size_class": t("dash.size"),
        "submitted_at": t("dash.date"),
        "total": t("col.total"), "percent": t("col.percent"), "level": t("col.level"), "cluster": t("dash.cluster"),
        **{f"{p.id}_points": f"{p.id} – {t('col.points')}" for p in fw.pillars},
        **{f"{p.id}_level": f"{p.id} – {t('col.level')}" for p in fw.pillars},
    }
