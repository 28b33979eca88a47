"""PDF scorecards (one firm, in Vietnamese or English) and the printable blank questionnaire, with fpdf2.

Text is set in Open Sans, shipped as a Python package (ttf-opensans, Apache 2.0), so nothing depends
on a system font or a download at run time. Every string is normalised to NFC before it is written
(fpdf2 does no shaping: decomposed accents would be misplaced), control characters are dropped and
characters the font has no glyph for (emoji, right-to-left scripts) are replaced by "?" so the gap
stays visible; long names wrap, cells that cannot wrap are cut with "…". No text is interpreted as
markup: a firm name containing HTML or PDF syntax is written as the characters it is.

Contents of a scorecard, in order: header (firm, tax code, locality, sector, size class, date,
framework and version); overall level, total and percentage; the pillar table (same numbers as the
screen); a vector bar chart of pillar percentages; the criteria losing most points; the roadmap to
the next level; recommended platforms with their reasons; peer percentiles and cluster when
available; earlier assessments and the change; a methodology note with the decisions and the
assumptions; an appendix with every question, the firm's answer and its points. Every page carries
its number and the generation date.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from fpdf import FPDF

from assessment import narrative
from assessment.config import settings
from assessment.scorecards import file_name  # noqa: F401 - the name cards are saved under, here too
from assessment.firms import KINDS, areas, current_localities, localities, sector_version_on, sectors, size_classes
from assessment.framework import Framework, nfc
from assessment.i18n import number, translate

FONT = "OpenSans"
A4_WIDTH = 210.0
MARGIN = 14.0
BODY = A4_WIDTH - 2 * MARGIN
LEVEL_COLOURS = [(220, 225, 232), (198, 219, 239), (158, 202, 225), (107, 174, 214), (49, 130, 189), (8, 81, 156)]
INK = (33, 37, 41)
MUTED = (100, 108, 117)


@lru_cache(maxsize=1)
def font_dir() -> Path:
    import ttf_opensans

    return Path(ttf_opensans.__file__).parent / "ttf"


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_dir() / "OpenSans-Regular.ttf", lazy=True) as f:
        return frozenset(f.getBestCmap())


@lru_cache(maxsize=1)
def _not_drawable() -> re.Pattern:
    """Characters to replace: those the font has no glyph for (controls are removed before)."""
    ranges, start, prev = [], None, None
    for cp in sorted(_covered() | {0x0A}):
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            ranges.append((start, prev))
            start = prev = cp
    ranges.append((start, prev))
    body = "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)
    return re.compile(f"[^{body}]")


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufe00-\ufe0f]")


def clean(text: object, limit: int | None = None) -> str:
    """NFC text the font can draw: tabs as spaces, controls and direction marks dropped, characters
    without a glyph shown as "?", cut to ``limit`` characters with an ellipsis."""
    s = nfc(str(text if text is not None else "")).replace("\t", " ").replace("\r", "")
    s = _not_drawable().sub("?", _CONTROLS.sub("", s))
    if limit is not None and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s


# symbols our own texts use on screen that Open Sans has no glyph for, as drawn in a PDF
_SYMBOLS = str.maketrans({"→": "»", "←": "«", "✓": ""})


def ours(text: str) -> str:
    """Our own layout text as a PDF draws it: every symbol with a glyph of the shipped font (an
    arrow becomes », never the "?" of a missing glyph); Markdown bold for the screen removed."""
    return text.replace("**", "").translate(_SYMBOLS)


def _plain(text: str) -> str:
    return ours(text)


_WRAPPED: dict[tuple, list[str]] = {}


class _Doc(FPDF):
    def __init__(self, lang: str, footer: str):
        super().__init__(format="A4", unit="mm")
        self.lang, self._footer = lang, footer
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(True, margin=16)
        d = font_dir()
        self.add_font(FONT, "", str(d / "OpenSans-Regular.ttf"))
        self.add_font(FONT, "B", str(d / "OpenSans-Bold.ttf"))
        self.set_text_color(*INK)
        self.set_title(footer)
        self.set_creator("DBI Sơn La")

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.cell(BODY / 2, 5, self._footer, align="L")
        self.cell(BODY / 2, 5, translate("pdf.page", self.lang, page=self.page_no()) + "/{nb}", align="R")
        self.set_text_color(*INK)

    # --- building blocks ----------------------------------------------------------------------
    # fpdf2's multi_cell and table measure text one character at a time as they break lines; these
    # blocks measure each word once and draw finished lines, which keeps a scorecard near 30 ms.
    def width(self, text: str) -> float:
        """Width in mm of ``text`` in the current font and size."""
        cw = self.current_font.cw
        return sum(cw[ord(c)] for c in text) * self.font_size_pt * 0.001 / self.k

    def wrap(self, text: str, width: float) -> list[str]:
        """Lines of ``text`` within ``width`` mm. Most text (criteria, answers, methodology) is the same
        on every scorecard, so the lines are remembered per font, size and width."""
        key = (self.current_font.fontkey, self.font_size_pt, round(width, 3), text)
        lines = _WRAPPED.get(key)
        if lines is None:
            if len(_WRAPPED) > 50_000:
                _WRAPPED.clear()
            lines = _WRAPPED[key] = self._wrap(text, width)
        return lines

    def _wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line, line_w = "", 0.0
            space = self.width(" ")
            for word in paragraph.split(" "):
                w = self.width(word)
                if w > width:  # a word longer than the line: cut it where it overflows
                    if line:
                        lines.append(line)
                    piece = ""
                    for ch in word:
                        if self.width(piece + ch) > width and piece:
                            lines.append(piece)
                            piece = ""
                        piece += ch
                    line, line_w = piece, self.width(piece)
                elif not line:
                    line, line_w = word, w
                elif line_w + space + w <= width:
                    line, line_w = f"{line} {word}", line_w + space + w
                else:
                    lines.append(line)
                    line, line_w = word, w
            lines.append(line)
        return lines

    def block(self, text: str, size: float = 9, style: str = "", colour=INK, *, indent: float = 0,
              width: float | None = None, limit: int | None = None, lh: float | None = None) -> None:
        """A wrapped paragraph at the left margin (plus ``indent``), page breaks included."""
        self.set_font(FONT, style, size)
        self.set_text_color(*colour)
        lh = lh or size * 0.47
        x = MARGIN + indent
        for line in self.wrap(clean(_plain(text), limit), (width or BODY) - indent):
            if self.get_y() + lh > self.page_break_trigger:
                self.add_page()
                self.set_font(FONT, style, size)
                self.set_text_color(*colour)
            self.text(x, self.get_y() + lh * 0.78, line)
            self.set_y(self.get_y() + lh)
        self.set_text_color(*INK)

    def h1(self, text: str) -> None:
        self.block(text, 15, "B", lh=7, limit=300)

    def h2(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2.5)
        self.block(text, 11, "B", lh=6)
        self.set_draw_color(*LEVEL_COLOURS[4])
        self.line(MARGIN, self.get_y(), MARGIN + BODY, self.get_y())
        self.ln(1.5)

    def para(self, text: str, size: float = 9, style: str = "", colour=INK, limit: int | None = None) -> None:
        self.block(text, size, style, colour, limit=limit)

    def bullets(self, lines: list[str], size: float = 9, indent: float = 4) -> None:
        for line in lines:
            y = self.get_y()
            if y + size * 0.47 > self.page_break_trigger:
                self.add_page()
                y = self.get_y()
            self.set_font(FONT, "", size)
            self.text(MARGIN + indent - 3, y + size * 0.47 * 0.78, "•")
            self.block(line, size, indent=indent)

    def grid(self, headers: list[str], rows: list[list[str]], widths: tuple[float, ...], *, size: float = 8.5,
             align: tuple[str, ...] | None = None) -> None:
        """A table whose cells wrap; the header row repeats on a new page."""
        aligns = align or ("LEFT",) * len(widths)
        cols = [BODY * w / sum(widths) for w in widths]
        pad, lh = (0.8 if size >= 8 else 0.45), size * 0.43

        def draw(cells: list[str], style: str, fill: bool) -> None:
            self.set_font(FONT, style, size)
            wrapped = [self.wrap(clean(c), w - 2 * pad) for c, w in zip(cells, cols)]
            height = max(len(x) for x in wrapped) * lh + 2 * pad
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                if not fill:
                    draw(headers, "B", True)
                    self.set_font(FONT, style, size)
            y = self.get_y()
            if fill:
                self.set_fill_color(232, 238, 246)
                self.rect(MARGIN, y, BODY, height, style="F")
            x = MARGIN
            for lines, w, a in zip(wrapped, cols, aligns):
                for k, line in enumerate(lines):
                    tx = x + w - pad - self.width(line) if a == "RIGHT" else x + pad
                    self.text(tx, y + pad + k * lh + lh * 0.78, line)
                x += w
            self.set_draw_color(215, 220, 226)
            self.line(MARGIN, y + height, MARGIN + BODY, y + height)
            self.set_y(y + height)

        draw(headers, "B", True)
        for r in rows:
            draw(r, "", False)


def scorecard_pdf(fw: Framework, view, lang: str, *, today: dt.date | None = None) -> bytes:
    """One firm's scorecard as PDF bytes, from its view (assessment.firm_view.FirmView: the record,
    and the roadmap, recommendations, peers, cluster and history gathered for it)."""
    record, data = view.record, view
    today = today or dt.date.today()
    tr = lambda key, **kw: ours(translate(key, lang, **kw))  # noqa: E731
    num = lambda v, d=1: number(v, lang, d)  # noqa: E731
    result, profile = record.result, record.profile
    locs = localities()
    doc = _Doc(lang, tr("pdf.footer", date=today.strftime("%d/%m/%Y") if lang == "vi" else today.isoformat()))
    doc.add_page()

    # header
    doc.para(tr("pdf.title"), 9, "B", MUTED)
    doc.para(clean(settings().department(lang)), 8.5, "", MUTED)
    doc.h1(clean(profile.name, 300))
    sector = profile.sector_info
    size = size_classes().get(profile.size_class.id)
    unit = locs.get(profile.locality)
    area = areas().get(unit.area) if unit is not None else None
    place = unit.name if unit is not None else profile.locality
    facts = [
        (tr("profile.kind"), tr(f"kind.{profile.kind}")),
        (tr(f"profile.tax_code.{profile.kind}"), profile.tax_code),
        (tr("profile.locality"), f"{place} ({area.name})" if area is not None and area.code != profile.locality else place),
        (tr("profile.sector"), (f"{profile.sector} – {sector.name(lang)} (VSIC {profile.sector_version})" if sector
                                else profile.sector)),
        (tr("dash.size"), tr("kind.household") if profile.kind == "household" else
         (size.name(lang) if size else profile.size_class.id)),
        (tr("pdf.date"), _day(record.submitted_at, lang)),
        (tr("pdf.framework"), f"{fw.spec.title(lang)} – {tr('pdf.version')} {fw.version}"),
    ]
    for label, value in facts:
        y = doc.get_y()
        doc.block(label, 8.5, colour=MUTED, lh=4.4)
        doc.set_y(y)
        doc.block(value, 8.5, indent=40, limit=200, lh=4.4)

    # overall level
    doc.ln(2)
    y = doc.get_y()
    doc.set_fill_color(*LEVEL_COLOURS[min(result.level, 5)])
    doc.rect(MARGIN, y, BODY, 17, style="F")
    doc.set_text_color(*((255, 255, 255) if result.level >= 4 else INK))
    doc.set_xy(MARGIN + 3, y + 2)
    doc.set_font(FONT, "B", 13)
    doc.cell(BODY - 6, 7, clean(tr("pdf.level", level=result.level, name=fw.level_name(result.level, lang))))
    doc.set_xy(MARGIN + 3, y + 9.5)
    doc.set_font(FONT, "", 9.5)
    doc.cell(BODY - 6, 5, clean(tr("pdf.total", total=result.total, max=result.max_points,
                                    percent=num(result.percent))))
    doc.set_text_color(*INK)
    doc.set_y(y + 19)
    doc.para(fw.spec.levels[result.level].description(lang), 8.5, "", MUTED)

    # pillars: table and chart
    doc.h2(tr("results.pillars"))
    doc.grid([tr("col.pillar"), tr("col.points"), tr("col.percent"), tr("col.level")],
             [[f"{p.id}. {p.name(lang)}", f"{res.points}/{res.max_points}", num(res.percent),
               f"{res.level} – {fw.level_name(res.level, lang)}"] for p, res in zip(fw.pillars, result.pillars)],
             (50, 14, 14, 22), align=("LEFT", "RIGHT", "RIGHT", "LEFT"))
    _chart(doc, fw, result, lang)

    # gap, losses, roadmap
    doc.h2(tr("results.next_level"))
    lines = narrative.gap_lines(fw, result, lang)
    doc.para(lines[0], 9)
    doc.bullets([line.strip() for line in lines[1:]])
    losses = narrative.losses(fw, result, lang, top=2)
    doc.h2(tr("results.losses"))
    if losses:
        by_pillar: dict[str, list[str]] = {}
        for r in losses:
            by_pillar.setdefault(r.pillar_id, []).append(f"{r.criterion_id} {r.title} ({r.points}/{r.max_points})")
        doc.bullets([f"{pid}: " + "; ".join(items) for pid, items in by_pillar.items()], 8.5)
    else:
        doc.para(tr("results.no_losses"))
    road = data.roadmap
    if road is not None:
        doc.h2(tr("road.title"))
        if road.target_level is None:
            doc.para(tr("road.top"))
        elif not road.reachable:
            doc.para(tr("road.unreachable", level=narrative.level_label(fw, road.target_level, lang)))
        else:
            doc.para(tr("road.intro", points=road.points_to_gain, n=len(road.steps),
                        level=narrative.level_label(fw, road.target_level, lang)))
            doc.bullets([tr("road.step", id=s.criterion_id, title=fw.criterion_by_id[s.criterion_id].title(lang),
                            before=fw.criterion_by_id[s.criterion_id].choices[s.from_code][1](lang),
                            after=fw.criterion_by_id[s.criterion_id].choices[s.to_code][1](lang), gain=s.gain)
                         for s in road.steps], 8.5)

    # recommendations
    if data.recommendations:
        from assessment.recommend import category_name, context_line, price_name

        doc.h2(tr("rec.title"))
        for i, rec in enumerate(data.recommendations, start=1):
            e = rec.entry
            doc.para(f"{i}. {clean(e.display_name(lang), 120)} · {clean(e.provider, 120)}", 9, "B")
            doc.para(f"{category_name(e.category, lang)} · {tr('rec.price')}: {price_name(e.price_band, lang)} · "
                     f"{clean(e.url, 120)}", 7.5, "", MUTED)
            told = context_line(e, data.inventory, lang)
            doc.block(" ".join(([told] if told else []) + rec.reasons(fw, lang, result.level)), 8, indent=4)

    # the platforms the firm uses, and links between them that a catalogue entry offers
    if data.inventory is not None and data.inventory.uses:
        from assessment.recommend import category_name

        doc.h2(tr("review.platforms"))
        doc.bullets([clean(f"{category_name(u.category, lang)}: {u.name}"
                           + (f" ({tr('inv.since_short', year=u.since)})" if u.since else ""), 200)
                     for u in data.inventory.uses], 8.5)
        for link in data.integrations:
            doc.block(link.reason(lang), 8.5, indent=4)

    # peers and cluster
    if data.peers is not None or data.cluster is not None:
        doc.h2(tr("pdf.standing"))
        if data.peers is not None:
            res = data.peers
            group = tr(f"peers.group.{'_'.join(res.group) if res.group else 'all'}")
            doc.para(tr("peers.group_line", group=group, n=res.n_peers), 8.5, "", MUTED)
            doc.para(tr("peers.total", pct=num(res.total_percentile, 0)), 9)
            doc.grid([tr("col.pillar"), tr("peers.col")],
                     [[f"{p.id}. {p.name(lang)}", f"{num(res.pillar_percentiles[p.id], 0)} %"] for p in fw.pillars],
                     (70, 30), align=("LEFT", "RIGHT"))
        if data.cluster_name(lang):
            doc.para(tr("pdf.cluster", name=data.cluster_name(lang)), 9)

    # history
    doc.h2(tr("results.history"))
    if data.history:
        rows = []
        for old in data.history:
            same = old.framework_key == record.framework_key
            rows.append([_day(old.submitted_at, lang), f"{old.result.total}/{old.result.max_points}",
                         str(old.result.level),
                         narrative.change_text(fw, result, old.result, lang) if same
                         else tr("history.other_framework", framework=old.framework_key)])
        doc.grid([tr("col.date"), tr("col.total"), tr("col.level"), tr("col.change")], rows, (22, 18, 12, 48),
                 align=("LEFT", "RIGHT", "RIGHT", "LEFT"))
    else:
        doc.para(tr("history.none"), 8.5)

    # methodology
    doc.h2(tr("pdf.method"))
    doc.para(tr("pdf.method_text"), 7.5, "", MUTED)
    if fw.spec.superseded is not None:
        doc.para(fw.spec.superseded(lang), 7.5, "", MUTED)
    for s in fw.spec.sources:
        doc.para(f"[{s.id}] {s.text(lang)}", 7, "", MUTED)
    if fw.spec.assumptions:
        doc.para(tr("pdf.assumptions"), 7.5, "B", MUTED)
        for a in fw.spec.assumptions:
            doc.para(f"{a.id}: {a.text(lang)}", 6.5, "", MUTED)

    # appendix: every question, the answer and its points
    doc.h2(tr("pdf.appendix"))
    answers = record.answers
    rows = []
    for p in fw.pillars:
        for c in p.criteria:
            ans = answers.get(c.id)
            answer = c.choices[ans.code][1](lang) if ans is not None and 0 <= ans.code < len(c.choices) else "–"
            rows.append([c.id, c.title(lang), answer, f"{result.criterion_points.get(c.id, 0)}/{c.max_points}"])
    doc.grid([tr("pdf.id"), tr("pdf.question"), tr("pdf.answer"), tr("col.points")], rows, (8, 46, 38, 8),
             size=7, align=("LEFT", "LEFT", "LEFT", "RIGHT"))
    return bytes(doc.output())


def _day(value: dt.datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.strftime("%Y-%m-%d")


def _chart(doc: _Doc, fw: Framework, result, lang: str) -> None:
    """Horizontal bars of pillar percentages with the level boundaries as gridlines (vector)."""
    n = len(fw.pillars)
    bar_h, gap, label_w = 5.0, 2.0, 12.0
    height = n * (bar_h + gap) + 8
    if doc.get_y() + height > doc.h - 18:
        doc.add_page()
    x0, y0 = MARGIN + label_w, doc.get_y() + 3
    width = BODY - label_w - 12
    doc.set_font(FONT, "", 6.5)
    doc.set_draw_color(200, 205, 212)
    for pct in (0, 20, 40, 60, 80, 100):
        x = x0 + width * pct / 100
        doc.line(x, y0 - 1, x, y0 + n * (bar_h + gap))
        doc.set_text_color(*MUTED)
        doc.text(x - 2, y0 + n * (bar_h + gap) + 3, f"{pct}%")
    for i, (p, res) in enumerate(zip(fw.pillars, result.pillars)):
        y = y0 + i * (bar_h + gap)
        doc.set_text_color(*INK)
        doc.set_font(FONT, "B", 7.5)
        doc.text(MARGIN, y + bar_h - 1.2, clean(p.id, 6))
        doc.set_fill_color(*LEVEL_COLOURS[min(res.level, 5)])
        w = max(0.4, width * float(np.clip(res.percent, 0, 100)) / 100)
        doc.rect(x0, y, w, bar_h, style="F")
        doc.set_font(FONT, "", 7)
        doc.text(x0 + w + 1.2, y + bar_h - 1.2, f"{number(res.percent, lang, 0)}% · {translate('col.level', lang)} {res.level}")
    doc.set_text_color(*INK)
    doc.set_y(y0 + height - 2)


# --- the printable blank questionnaire ------------------------------------------------------------


def blank_form_pdf(fw: Framework, lang: str, *, today: dt.date | None = None, entries=None) -> bytes:
    """The questionnaire on paper: profile fields, then every criterion with its id and its options as
    tick boxes numbered as the import template expects (the option number is what is typed in), then
    the platforms in use per category (``entries``: the published catalogue; by default the shipped
    one when it belongs to this framework)."""
    today = today or dt.date.today()
    tr = lambda key, **kw: ours(translate(key, lang, **kw))  # noqa: E731
    doc = _Doc(lang, tr("pdf.blank_footer", framework=f"{fw.id} {fw.version}",
                        date=today.strftime("%d/%m/%Y") if lang == "vi" else today.isoformat()))
    doc.add_page()
    doc.para(fw.spec.title(lang), 9, "B", MUTED)
    doc.h1(tr("pdf.blank_title"))
    doc.para(tr("pdf.blank_intro"), 8.5, "", MUTED)
    from assessment.importer import PROFILE_COLUMNS

    doc.h2(tr("pdf.blank_profile"))
    doc.set_font(FONT, "", 9)
    for cid, names in PROFILE_COLUMNS.items():
        label = names[0 if lang == "vi" else 1]
        doc.cell(58, 7.5, clean(label))
        y = doc.get_y() + 6
        doc.set_draw_color(150, 150, 150)
        doc.line(doc.get_x(), y, MARGIN + BODY, y)
        doc.ln(7.5)
    # the codes to write, readable on paper (8 pt and more), even if they take a page
    doc.para(tr("pdf.blank_kinds", kinds="; ".join(tr(f"kind.{k}") for k in KINDS)), 8.5, "", INK)
    doc.para(tr("pdf.blank_codes_hint"), 8.5, "B", INK)
    doc.para("; ".join(f"{s.code} {s.name(lang)}" for s in sectors(sector_version_on(today)).values()), 8, "", INK)
    doc.para(tr("pdf.blank_localities_hint"), 8.5, "B", INK)
    area_names = {a.code: a.name for a in areas().values()}
    by_area: dict[str, list[str]] = {}
    for u in current_localities(today).values():
        by_area.setdefault(u.area, []).append(f"{u.code} {u.name}")
    for code, units in by_area.items():
        doc.para(f"{area_names.get(code, code)}: " + "; ".join(units), 8, "", INK)
    for p in fw.pillars:
        doc.h2(f"{p.id}. {p.name(lang)}")
        for c in p.criteria:
            if doc.get_y() + (len(c.choices) + 3) * 4.8 > doc.page_break_trigger:
                doc.add_page()  # a criterion and its options stay on one page
            doc.block(f"{c.id}  {c.title(lang)}", 8.5, "B", lh=4.4)
            doc.block(c.question(lang), 8, lh=4.2)
            if c.type in ("share", "count"):
                from assessment.cells import figure_header

                figure = (tr("pdf.blank_share", column=figure_header(c, lang)) if c.type == "share" else
                          tr("pdf.blank_count", unit=c.unit(lang) if c.unit else "", column=figure_header(c, lang)))
                doc.block(figure, 7.5, "", MUTED, lh=4.6)
            for code, (_pts, text) in enumerate(c.choices):
                if doc.get_y() + 4.8 > doc.page_break_trigger:
                    doc.add_page()
                y = doc.get_y()
                doc.set_draw_color(90, 90, 90)
                doc.rect(MARGIN + 3, y + 0.9, 3, 3)
                doc.set_font(FONT, "", 8)
                doc.text(MARGIN + 8, y + 3.6, str(code))
                doc.set_y(y)
                doc.block(text(lang), 8, indent=14, lh=4.8)
            doc.ln(1.5)
    _blank_platforms(doc, fw, lang, entries, tr)
    return bytes(doc.output())


def _blank_platforms(doc: _Doc, fw: Framework, lang: str, entries, tr) -> None:
    """The optional page of the platforms in use: per category, the catalogue's entries to tick and a
    line for another one (typed into the template's column of that category)."""
    from assessment.catalogue import CATALOGUE_FILE, CATEGORIES, CatalogueError, load_catalogue
    from assessment.importer import platform_header

    if entries is None:
        try:
            entries = load_catalogue(CATALOGUE_FILE, fw).published()
        except CatalogueError:
            entries = []  # the shipped catalogue belongs to another framework
    doc.add_page()
    doc.h2(tr("pdf.blank_platforms"))
    doc.para(tr("pdf.blank_platforms_hint"), 8, "", MUTED)
    for cat, name in CATEGORIES.items():
        mine = [e for e in entries if e.category == cat]
        if doc.get_y() + (len(mine) + 3) * 4.8 > doc.page_break_trigger:
            doc.add_page()
        doc.block(f"{name(lang)}  ({platform_header(cat, lang)})", 8.5, "B", lh=4.6)
        for label in [e.display_name(lang) for e in mine] + [tr("pdf.blank_other")]:
            y = doc.get_y()
            doc.set_draw_color(90, 90, 90)
            doc.rect(MARGIN + 3, y + 0.9, 3, 3)
            doc.set_y(y)
            doc.block(label, 8, indent=9, lh=4.8)
        doc.ln(1)
