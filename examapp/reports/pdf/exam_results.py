"""2. An exam's results (成绩通报)."""
from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Paragraph,
    Spacer,
)

from examapp.reports.charts import distribution_chart
from examapp.reports.fonts import ReportFonts
from examapp.reports.pdf.layout import DASH, DEFAULT_RANKING_RULE, TEXT_WIDTH, FitChart, _build, _text, format_number
from examapp.reports.pdf.parts import (
    _cell,
    _closing,
    _fit_widths,
    _head,
    _header,
    _highlight,
    _notes,
    _precision,
    _prepare,
    _table,
)

# ---------------------------------------------------------------- 2. an exam's results (成绩通报)


def _summary_text(summary: Mapping, precision: int) -> str:
    def number(key):
        return format_number(summary.get(key), precision)
    rate = summary.get("pass_rate")
    rate_text = DASH if rate is None else f"{format_number(rate * 100, 1)}%"
    parts = [f"实考 {summary.get('count', 0)} 人"]
    if summary.get("absent") is not None:
        parts.append(f"缺考 {summary['absent']} 人")
    parts += [f"平均分 {number('mean')}", f"中位数 {number('median')}", f"标准差 {number('sd')}",
              f"最高分 {number('max')}", f"最低分 {number('min')}", f"及格率 {rate_text}"]
    return "本次考试" + "，".join(parts) + "。"


def exam_results_pdf(doc: Mapping, fonts: ReportFonts | None = None) -> bytes:
    """An exam's 成绩通报: letterhead, title, body, summary, distribution chart, results table (缺考 last), notes."""
    rows = list(doc.get("rows") or [])
    names = [str(t) for r in rows for t in (r.get("organization"), r.get("name")) if t]
    fonts, styles = _prepare(doc, fonts, names)
    precision = _precision(doc)
    absent = [r for r in rows if r.get("status") == "缺考"]
    ordered = [r for r in rows if r.get("status") != "缺考"] + absent
    story = _header(doc, styles)
    if doc.get("summary"):
        story.append(Paragraph(_text(_summary_text(doc["summary"], precision)), styles.body))
    if doc.get("histogram"):
        # The chart may be drawn lower (down to 130 pt) to stay on the page with the text above it, rather than
        # leaving half of page 1 blank under the 版头; the heading stays with it through CondPageBreak.
        heading = ParagraphStyle("chart_heading", parent=styles.subheading, keepWithNext=0)
        histogram = doc["histogram"]
        story += [Spacer(0, 3 * mm), CondPageBreak(heading.leading + heading.spaceBefore + heading.spaceAfter + 130),
                  styles.emphasis("成绩分布", heading),
                  FitChart(lambda height: distribution_chart(histogram, fonts.regular, TEXT_WIDTH, height), 180, 130)]
    head = _head(["名次", "党组织", "姓名", "得分", "状态"], styles)
    data = [head]
    for row in ordered:
        is_absent = row.get("status") == "缺考"
        data.append([_cell(DASH if is_absent or row.get("rank") is None else row["rank"], styles.cell_center),
                     _cell(row.get("organization"), styles.cell), _cell(row.get("name"), styles.cell_center),
                     _cell(DASH if is_absent else format_number(row.get("score"), precision), styles.cell_center),
                     _cell(row.get("status") or "", styles.cell_center)])
    colour, legend = _highlight(ordered, doc.get("highlight"))
    story += [Spacer(0, 4 * mm), _table(data, _fit_widths([34, None, 64, 56, 76]), colour)]
    rule = str(doc.get("ranking_rule") or DEFAULT_RANKING_RULE)
    story.append(Paragraph(_text("注：" + "；".join(p for p in (legend, rule.rstrip("。")) if p) + "。"), styles.legend))
    story += _notes(doc.get("notes") or [], styles) + _closing(doc, styles)
    return _build(story, fonts, doc, "考试成绩通报")
