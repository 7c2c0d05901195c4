"""3. A personal score card (个人综合考评得分卡)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from examapp.bank.text import article_label
from examapp.reports.fonts import ReportFonts
from examapp.reports.pdf.layout import CELL_SIZE, DASH, GRID, TEXT_WIDTH, _build, _plain, _Styles, _text, format_number
from examapp.reports.pdf.parts import (
    _cell,
    _closing,
    _fit_widths,
    _head,
    _header,
    _movement,
    _notes,
    _precision,
    _prepare,
    _table,
)

# ---------------------------------------------------------------- 3. a personal score card


def _robustness_text(robustness) -> str:
    if isinstance(robustness, str):
        return robustness
    parts = []
    if robustness.get("p5_rank") is not None and robustness.get("p95_rank") is not None:
        low, high = robustness["p5_rank"], robustness["p95_rank"]
        parts.append(f"权重在设定范围内随机变动时，名次九成以上都是第 {low} 名" if low == high else
                     f"权重在设定范围内随机变动时，名次九成落在第 {low} 至 {high} 名之间")
    if robustness.get("median_rank") is not None:
        parts.append(f"中位名次第 {robustness['median_rank']} 名")
    if robustness.get("best_rank") is not None and robustness.get("worst_rank") is not None:
        parts.append(f"最好第 {robustness['best_rank']} 名、最差第 {robustness['worst_rank']} 名")
    if robustness.get("mean_rank_shift") is not None:
        parts.append(f"平均名次变动 {format_number(robustness['mean_rank_shift'], 2)}")
    return "，".join(parts) + "。" if parts else ""


def _info_table(doc: Mapping, styles: _Styles) -> Table:
    precision = _precision(doc)
    rank = doc.get("rank")
    of = doc.get("ranked_count")
    rank_text = DASH if rank is None else f"第 {rank} 名" + (f"（共 {of} 名）" if of else "")
    pairs = [("姓名", doc.get("name")), ("党组织", doc.get("organization")),
             ("考评批次", doc.get("round")), ("综合得分", format_number(doc.get("composite"), precision)),
             ("综合名次", rank_text), ("名次变化", _movement(doc.get("movement")) if doc.get("movement") else DASH)]
    data = []
    for i in range(0, len(pairs), 2):
        row = []
        for label, value in pairs[i:i + 2]:
            row += [styles.emphasis(_text(label), styles.head), _cell(value, styles.cell)]
        data.append(row)
    table = Table(data, colWidths=_fit_widths([62, None, 62, 130]))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, GRID), ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F2F2F2")),
                               ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#F2F2F2")),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    return table


CN_ORDINALS = "一二三四五六七八九十"


def _ordinal(i: int) -> str:
    return CN_ORDINALS[i] if i < len(CN_ORDINALS) else str(i + 1)


def _component_section(index: int, component: Mapping, styles: _Styles, precision: int) -> list:
    label = component.get("label") or component.get("key") or ""
    weight = component.get("weight")
    missing = component.get("missing")
    score = component.get("score")
    score_text = f"{DASH}（{missing}）" if missing or score is None else format_number(score, precision)
    head = f"（{_ordinal(index)}）{label}" + (f"　权重 {_plain(weight)}" if weight is not None else "") + f"　得分 {score_text}"
    story: list = [styles.emphasis(_text(head), styles.subheading)]
    if component.get("working"):
        story.append(Paragraph(_text(f"计算：{component['working']}"), styles.note))
    columns, lines = component.get("columns") or [], component.get("lines") or []
    if columns and lines:
        data = [_head([str(c) for c in columns], styles)]
        for line in lines:
            data.append([_cell(_line_value(v, precision), styles.cell_center) for v in line])
        shown = [[str(c) for c in columns]] + [[_line_value(v, precision) for v in line] for line in lines]
        story += [Spacer(0, 2 * mm), _table(data, _content_widths(shown, styles.fonts.regular))]
    return story


def _line_value(value, precision: int) -> str:
    if value is None:
        return DASH
    return format_number(value, precision) if isinstance(value, float) else str(value)


def _content_widths(rows: Sequence[Sequence[str]], font: str, padding: float = 8, least: float = 36) -> list[float]:
    """Column widths after the longest text of each column, stretched (or squeezed, then wrapped) to the type area."""
    natural = [max(least, *(stringWidth(row[i], font, CELL_SIZE) + padding for row in rows if i < len(row)))
               for i in range(len(rows[0]))]
    total = sum(natural)
    if total >= TEXT_WIDTH:
        return [w * TEXT_WIDTH / total for w in natural]
    extra = (TEXT_WIDTH - total) / len(natural)
    return [w + extra for w in natural]


def _score_card_texts(doc: Mapping) -> list[str]:
    return [str(t) for t in (doc.get("name"), doc.get("organization"), doc.get("round")) if t]


def score_card_pdf(doc: Mapping, fonts: ReportFonts | None = None) -> bytes:
    """A secretary's personal score card: rank and composite, every component with its working and inputs,
    the rank's robustness to the weights, the weakest articles of the regulation, notes."""
    fonts, styles = _prepare(doc, fonts, _score_card_texts(doc))
    precision = _precision(doc)
    card = dict(doc)
    card.setdefault("title", "个人综合考评得分卡")
    story = _header(card, styles) + [Spacer(0, 2 * mm), _info_table(doc, styles)]

    components = doc.get("components") or []
    if components:
        story.append(styles.emphasis("一、各项得分", styles.heading))
        summary = [_head(["项目", "权重", "得分", "说明"], styles)]
        for component in components:
            missing = component.get("missing")
            summary.append([_cell(component.get("label"), styles.cell_center),
                            _cell(DASH if component.get("weight") is None else _plain(component["weight"]),
                                  styles.cell_center),
                            _cell(DASH if missing else format_number(component.get("score"), precision),
                                  styles.cell_center),
                            _cell(missing or "", styles.cell)])
        if doc.get("composite_working"):
            summary.append([_cell("综合得分", styles.cell_center), _cell("", styles.cell_center),
                            _cell(format_number(doc.get("composite"), precision), styles.cell_center),
                            _cell(doc["composite_working"], styles.cell)])
        story.append(_table(summary, _fit_widths([72, 48, 60, None])))
        for i, component in enumerate(components):
            story += _component_section(i, component, styles, precision)

    section = 1 + bool(components)
    robustness = doc.get("robustness")
    if robustness:
        story.append(styles.emphasis(_text(f"{_ordinal(section - 1)}、名次稳健性"), styles.heading))
        story.append(Paragraph(_text(_robustness_text(robustness)), styles.note))
        if doc.get("robustness_method"):
            story.append(Paragraph(_text(f"方法：{doc['robustness_method']}"), styles.note))
        section += 1
    weakest = doc.get("weakest_articles")
    if weakest:
        story.append(styles.emphasis(_text(f"{_ordinal(section - 1)}、考试中掌握较弱的条款"), styles.heading))
        data = [_head(["条款", "内容", "得分率"], styles)]
        for article in weakest:
            if isinstance(article, str):
                data.append([_cell(article, styles.cell_center), _cell("", styles.cell), _cell("", styles.cell)])
                continue
            number = article.get("article")
            rate = article.get("mastery")
            data.append([_cell(article_label(number) if isinstance(number, int) else number, styles.cell_center),
                         _cell(article.get("title") or "", styles.cell),
                         _cell(DASH if rate is None else f"{format_number(rate * 100, 1)}%", styles.cell_center)])
        story.append(_table(data, _fit_widths([70, None, 64])))
    story += _notes(doc.get("notes") or [], styles) + _closing(doc, styles)
    return _build(story, fonts, card, "个人综合考评得分卡")
