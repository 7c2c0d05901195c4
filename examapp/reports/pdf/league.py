"""1. The composite league table (通报) with its appendix."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    PageBreak,
    Paragraph,
    Spacer,
)

from examapp.reports.charts import distribution_chart
from examapp.reports.fonts import ReportFonts
from examapp.reports.pdf.layout import (
    DASH,
    DEFAULT_MISSING_NOTE,
    DEFAULT_RANKING_RULE,
    TEXT_WIDTH,
    WITHHELD_ACCOUNTABILITY,
    BalancedTitle,
    _build,
    _plain,
    _Styles,
    _text,
    format_number,
)
from examapp.reports.pdf.parts import (
    _cell,
    _closing,
    _fit_widths,
    _head,
    _header,
    _highlight,
    _movement,
    _notes,
    _precision,
    _prepare,
    _table,
)

# ---------------------------------------------------------------- 1. the composite league table (通报)


def has_movement(doc: Mapping) -> bool:
    """Whether the league table has a 名次变化 column: not when there is nothing to compare with (the first
    publication, no earlier final ranking), where every row's movement is empty."""
    return any(row.get("movement") for row in doc.get("rows") or [])


def _league_rows(doc: Mapping, styles: _Styles) -> tuple[list[list], bool]:
    precision, mark = _precision(doc), str(doc.get("missing_mark") or "*")
    components = doc.get("components") or []
    any_missing = False
    movement = has_movement(doc)
    data = []
    for row in doc.get("rows") or []:
        scores = row.get("components") or {}
        cells = [_cell(DASH if row.get("rank") is None else row["rank"], styles.cell_center),
                 _cell(row.get("organization"), styles.cell),
                 _cell(row.get("name"), styles.cell_center)]
        for component in components:
            value = scores.get(component["key"])
            if value is None:
                any_missing = True
                cells.append(Paragraph(f"{DASH}<super>{escape(mark)}</super>", styles.cell_center))
            else:
                cells.append(_cell(format_number(value, precision), styles.cell_center))
        cells.append(_cell(format_number(row.get("composite"), precision), styles.cell_center))
        if movement:
            cells.append(_cell(_movement(row.get("movement")), styles.cell_center))
        data.append(cells)
    return data, any_missing


def _component_head(component: Mapping) -> str:
    label = _text(component.get("label") or component.get("key"))
    weight = component.get("weight")
    return label if weight is None else f"{label}<br/><font size=8>（权重 {_plain(weight)}）</font>"


def _league_table(doc: Mapping, styles: _Styles) -> list:
    components = doc.get("components") or []
    movement = has_movement(doc)
    head = _head(["名次", "党组织", "书记", *[_component_head(c) for c in components], "综合<br/>得分",
                  *(["名次<br/>变化"] if movement else [])], styles)
    body, any_missing = _league_rows(doc, styles)
    widths = _fit_widths([28, None, 46, *[44] * len(components), 42, *([34] if movement else [])],
                         minimum_flexible=96)
    colour, legend = _highlight(doc.get("rows") or [], doc.get("highlight"))
    table = _table([head, *body], widths, colour)
    story = [Spacer(0, 4 * mm), table]
    rule = str(doc.get("ranking_rule") or DEFAULT_RANKING_RULE)
    legend_text = "注：" + "；".join(part for part in (legend, rule.rstrip("。")) if part) + "。"
    story.append(Paragraph(_text(legend_text), styles.legend))
    notes = list(doc.get("notes") or [])
    if any_missing:
        mark = str(doc.get("missing_mark") or "*")
        notes.append(f"表中“{DASH}{mark}”{doc.get('missing_note') or DEFAULT_MISSING_NOTE}")
    return story + _notes(notes, styles)


def _accountability_table(entries: Sequence[Mapping], styles: _Styles) -> list:
    if not entries:
        return [Paragraph("本期无应问责事项。", styles.note)]
    head = _head(["序号", "指标", "问责措施", "期次及名次", "问责对象"], styles)
    data = [head]
    for i, entry in enumerate(entries, start=1):
        indicator = " ".join(str(p) for p in (entry.get("indicator"), entry.get("indicator_name")) if p)
        periods, ranks = list(entry.get("periods") or []), list(entry.get("ranks") or [])
        results = []
        for j in range(max(len(periods), len(ranks))):
            period = periods[j] if j < len(periods) else ""
            rank = ranks[j] if j < len(ranks) else ""
            rank_text = f"第{rank}名" if isinstance(rank, int) else str(rank)
            results.append(f"{period}　{rank_text}" if period else rank_text)
        targets = entry.get("targets") or []
        targets = [targets] if isinstance(targets, str) else targets
        data.append([_cell(i, styles.cell_center), _cell(indicator, styles.cell),
                     _cell(entry.get("action"), styles.cell_center), [_cell(r, styles.cell) for r in results],
                     [_cell(t, styles.list_item) for t in targets]])
    widths = _fit_widths([28, 104, 52, 116, None])
    return [_table(data, widths)]


def _appendix(doc: Mapping, styles: _Styles, bins_title: str) -> list:
    story: list = [PageBreak(), styles.emphasis("附件", styles.label), Spacer(0, 4 * mm),
                   BalancedTitle(str(doc.get("appendix_title") or "综合得分分布及问责名单"), styles.title),
                   Spacer(0, 6 * mm)]
    histogram = doc.get("histogram") or []
    withheld = bool(doc.get("accountability_withheld"))
    if not withheld:     # without the list there is no "二、" and the appendix title already names the chart
        story.append(styles.emphasis(_text(f"一、{bins_title}"), styles.heading))
    if histogram:
        story.append(distribution_chart(histogram, styles.fonts.regular, TEXT_WIDTH, 200))
    else:
        story.append(Paragraph("暂无得分。", styles.note))
    if withheld:
        # Not the heading with an empty list under it: that would state there is nothing to hold to account.
        return story + [Spacer(0, 4 * mm), Paragraph(_text(WITHHELD_ACCOUNTABILITY), styles.note)]
    story += [CondPageBreak(60 * mm), styles.emphasis("二、问责名单", styles.heading)]
    story += _accountability_table(doc.get("accountability") or [], styles)
    story += _notes(doc.get("accountability_notes") or [], styles)
    return story


def _league_texts(doc: Mapping) -> list[str]:
    texts = [doc.get("issuer"), doc.get("title"), doc.get("signature")]
    for row in doc.get("rows") or []:
        texts += [row.get("organization"), row.get("name"), row.get("movement")]
    for entry in doc.get("accountability") or []:
        texts += [entry.get("indicator_name"), *(entry.get("targets") or [])]
    return [str(t) for t in texts if t]


def league_table_pdf(doc: Mapping, fonts: ReportFonts | None = None) -> bytes:
    """The composite ranking 通报 (A4): letterhead, title, body, ranking table, notes, signature and date; then
    the appendix with the score distribution and the accountability list (keys: see the module docstring)."""
    fonts, styles = _prepare(doc, fonts, _league_texts(doc))
    story = _header(doc, styles) + _league_table(doc, styles) + _closing(doc, styles)
    if doc.get("histogram") is not None or doc.get("accountability") is not None:
        story += _appendix(doc, styles, "综合得分分布")
    return _build(story, fonts, doc, "综合排名通报")
