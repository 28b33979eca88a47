"""Plain-word explanations of a result, in the firm's language (used by the pages and the reports)."""

from __future__ import annotations

from dataclasses import dataclass

from assessment.framework import Framework
from assessment.i18n import translate
from assessment.roadmap import NextLevelGap, next_level_gap
from assessment.scoring import FirmResult, explain


def level_label(fw: Framework, level: int, lang: str) -> str:
    return translate("level.label", lang, level=level, name=fw.level_name(level, lang))


def gap_lines(fw: Framework, result: FirmResult, lang: str) -> list[str]:
    """What the firm lacks for the next overall level, one sentence per condition."""
    gap: NextLevelGap = next_level_gap(fw, result)
    if gap.next_level is None:
        return [translate("gap.top", lang, level=level_label(fw, gap.level, lang))]
    lines = [translate("gap.intro", lang, level=level_label(fw, gap.next_level, lang))]
    if gap.points_short:
        lines.append(translate("gap.total", lang, points=gap.points_short, min_total=gap.min_total, total=gap.total))
    else:
        lines.append(translate("gap.total_ok", lang, total=gap.total, min_total=gap.min_total))
    every = gap.required_pillars == len(fw.pillars)  # "all 6 pillars", not "at least 6"
    if gap.pillars_missing:
        lines.append(
            translate(
                "gap.pillars_all" if every else "gap.pillars", lang, n=gap.required_pillars, level=gap.required_pillar_level,
                have=gap.pillars_at_level, more=gap.pillars_missing,
            )
        )
        names = {p.id: p.name(lang) for p in fw.pillars}
        lines.append(translate("gap.closest", lang))
        for short in gap.short_pillars[: gap.pillars_missing]:
            lines.append(
                "  " + translate(
                    "gap.pillar_needs", lang, pillar=f"{short.pillar_id}. {names[short.pillar_id]}",
                    points=short.points_needed, level=gap.required_pillar_level,
                )
            )
    elif gap.required_pillars:
        lines.append(
            translate("gap.pillars_all_ok" if every else "gap.pillars_ok", lang, n=gap.required_pillars,
                      level=gap.required_pillar_level)
        )
    return lines


@dataclass(frozen=True)
class LossRow:
    pillar_id: str
    criterion_id: str
    title: str
    points: int
    max_points: int


def losses(fw: Framework, result: FirmResult, lang: str, *, top: int = 3) -> list[LossRow]:
    """The criteria losing most points, per pillar, as rows ready to show."""
    rows = []
    for pillar_id, items in explain(fw, result.criterion_points, top=top).items():
        for item in items:
            crit = fw.criterion_by_id[item.criterion_id]
            rows.append(LossRow(pillar_id, crit.id, crit.title(lang), item.points, item.max_points))
    return rows


def change_text(fw: Framework, now: FirmResult, before: FirmResult, lang: str) -> str:
    """How the total and the level moved between two assessments, e.g. "+6 points; level 1 → 2"."""
    diff = now.total - before.total
    text = translate("history.change_points", lang, diff=f"{'+' if diff > 0 else ''}{diff}")
    if now.level != before.level:
        text += "; " + translate("history.change_level", lang, before=before.level, now=now.level)
    return text
