"""The published PDF documents (通报, 成绩通报, 个人得分卡) as pure functions: plain dicts in, PDF bytes out.

Layout follows GB/T 9704-2012 (党政机关公文格式) where it applies: A4 portrait, type area 156 × 225 mm
(top 37 mm, left 28 mm), a red issuing-organ line (发文机关标志) and a red rule across the type area, a centred
2号 title, a 3号 body with a two-character first-line indent, the date (成文日期) 右空四字 at the end with the
signature (发文机关署名) centred above it; page numbers below the type area. Every page also carries the snapshot's
SHA-256 in full, so a printed copy can be checked against the frozen snapshot.

Reproducible: the same dict gives byte-identical PDFs (``invariant=1``: fixed dates and document id; nothing
random). No Flask and no database here: routes and CLI commands build the dicts.

Chinese line breaking: ``wordWrap='CJK'`` breaks between any two characters but ReportLab's cannot-start-a-line
set (``reportlab.lib.textsplit.ALL_CANNOT_START``) lacks most full-width punctuation, so a line could begin with
“，”. :func:`forbid_line_start` extends that set at import time — in memory, for this process, never by editing
ReportLab's files. ``reportlab.platypus.paragraph`` imports the string by value, so both module attributes are
rebound. ReportLab then lets such a character hang in the right margin instead of starting the next line (one
character only: a run such as “。”” can still put its second mark at a line start).

The keys each function reads (all optional unless marked; unknown keys are ignored):

- every document: ``issuer`` (red letterhead and, unless ``signature`` is given, the signature), ``doc_number``
  (发文字号), ``title``, ``recipients`` (主送机关), ``body`` (str or list of paragraphs), ``notes`` (list),
  ``date_cn``, ``signature``, ``hash`` (64 hex, printed in full on every page), ``status`` ("公示" adds
  “公示稿（公示期至 ``objection_until_cn``）” under the title and a 公示稿 watermark; "草稿" a watermark),
  ``precision`` (decimals, default 2), ``highlight`` ({"top": N, "bottom": M}), ``ranking_rule`` (the legend's
  rule sentence), ``footer_caption``, ``edition`` (which version of the document this copy is: printed with
  the 校验码 and, for a 公开版, as “（公开版）” under the title).
- ``league_table_pdf``: ``components`` [{"key", "label", "weight"}], ``rows`` [{"rank", "organization", "name",
  "components": {key: number|None}, "composite", "movement"}] (no 名次变化 column when every movement is
  empty: nothing to compare with), ``missing_mark`` ("*"), ``missing_note``;
  appendix (new page) when ``histogram`` [{"label", "count"}] or ``accountability`` [{"indicator",
  "indicator_name", "action", "periods", "ranks", "targets"}] is present; ``appendix_title``,
  ``accountability_notes``; ``accountability_withheld`` (a copy without the list: the appendix says
  “问责名单另行印发” in its place, never “本期无应问责事项”).
- ``exam_results_pdf``: ``rows`` [{"rank", "organization", "name", "score", "status"}] (status "缺考" → last, "—"),
  ``summary`` {"count", "absent", "mean", "median", "sd", "max", "min", "pass_rate" (0..1)}, ``histogram``.
- ``score_card_pdf``: ``name``, ``organization``, ``round``, ``rank``, ``ranked_count``, ``composite``,
  ``composite_working``, ``movement``, ``components`` [{"label", "weight", "score", "missing", "working",
  "columns", "lines"}], ``robustness`` (str, or {"median_rank", "p5_rank", "p95_rank", "best_rank",
  "worst_rank", "mean_rank_shift"}), ``robustness_method``, ``weakest_articles`` [{"article", "title",
  "mastery" (0..1)}]; ``title`` defaults to 个人综合考评得分卡.

Each function takes an optional ``fonts`` (from :func:`examapp.reports.fonts.load_fonts`) and raises
:class:`examapp.reports.fonts.FontError` before building when a text has a character the fonts cannot show.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from examapp.reports.charts import distribution_chart
from examapp.reports.fonts import ReportFonts, ensure_glyphs, load_fonts
from examapp.reports.titles import title_lines

# ---------------------------------------------------------------- line breaking

# Full-width punctuation that must never begin a line (GB/T 15834 点号, closing quotes, brackets and marks).
NO_LINE_START = "，。、；：！？）》」』”’〉】〕］｝〗〙…·・％‰℃～"


def forbid_line_start(chars: str = NO_LINE_START) -> str:
    """Add ``chars`` to ReportLab's cannot-start-a-line set (idempotent); returns the resulting set."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    extra = "".join(dict.fromkeys(c for c in chars if c not in textsplit.ALL_CANNOT_START))
    if extra:
        textsplit.CANNOT_START_LINE[0] += extra
        textsplit.ALL_CANNOT_START += extra
    paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START
    return textsplit.ALL_CANNOT_START


forbid_line_start()

# ---------------------------------------------------------------- page geometry and colours

PAGE_WIDTH, PAGE_HEIGHT = A4
TOP, BOTTOM, LEFT, RIGHT = 37 * mm, 35 * mm, 28 * mm, 26 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT            # 156 mm
TEXT_HEIGHT = PAGE_HEIGHT - TOP - BOTTOM          # 225 mm

RED = colors.HexColor("#D00000")
TOP_FILL = colors.HexColor("#FBE3E3")             # 光荣榜 rows
BOTTOM_FILL = colors.HexColor("#E6E6E6")          # bottom rows
GRID = colors.HexColor("#333333")

BODY_SIZE = 16        # 3号
TITLE_SIZE = 22       # 2号
NOTE_SIZE = 12        # 小4号
CELL_SIZE = 9.5       # 五号 is 10.5; a little smaller keeps 72 rows to about three pages
CELL_LEADING = 12
DASH = "—"
DEFAULT_PRECISION = 2
STATUS_NOTICE = "公示"
PUBLIC_EDITION = "公开版"
WITHHELD_ACCOUNTABILITY = "问责名单另行印发，本公开版不含问责名单。"
DEFAULT_RANKING_RULE = "名次按标准竞赛排名：得分相同者并列，其后名次顺延（如 1、2、2、4）。"
DEFAULT_MISSING_NOTE = "表示该项无数据，综合得分按其余各项的权重重新折算。"

def date_cn(day: date) -> str:
    """2023-10-20 → 2023年10月20日: the 成文日期 as GB/T 9704-2012 (7.3.5.1) writes it — Arabic numerals, the
    year in full, no leading zero on month or day (the 1999 edition's 二〇二三年十月二十日 is no longer the form)."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_number(value, precision: int = DEFAULT_PRECISION) -> str:
    """A score as printed: half-up to ``precision`` decimals, reading a float as the decimal it prints as."""
    if value is None:
        return DASH
    quantum = Decimal(1).scaleb(-precision)
    return f"{Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP):f}"


def _plain(value) -> str:
    """A weight as written: 30 → "30", 12.5 → "12.5"."""
    text = format_number(value, 4)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _text(value) -> str:
    return escape("" if value is None else str(value)).replace("\n", "<br/>")


# ---------------------------------------------------------------- styles and flowables


class _Styles:
    """The paragraph styles of one document, in its fonts."""

    def __init__(self, fonts: ReportFonts):
        self.fonts = fonts
        regular, bold = fonts.regular, fonts.bold
        # Headings: the bold face, stroked as well when it is the same face as the body (no bold weight there).
        self.emphasis = BoldParagraph if bold == regular else Paragraph

        def style(name, font=regular, size=BODY_SIZE, leading=None, **kw) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.5,
                                  wordWrap="CJK", **kw)

        self.title = style("title", fonts.title, TITLE_SIZE, TITLE_SIZE * 1.45, alignment=TA_CENTER)
        self.status = style("status", bold, 14, 22, alignment=TA_CENTER, textColor=RED)
        self.edition = style("edition", regular, 16, 24, alignment=TA_CENTER)
        self.doc_number = style("doc_number", regular, BODY_SIZE, 28, alignment=TA_CENTER)
        self.recipients = style("recipients", regular, BODY_SIZE, 28)
        self.body = style("body", regular, BODY_SIZE, 28, firstLineIndent=2 * BODY_SIZE)
        self.heading = style("heading", bold, BODY_SIZE, 28, spaceBefore=6, spaceAfter=4, keepWithNext=1)
        self.subheading = style("subheading", bold, 13, 20, spaceBefore=6, spaceAfter=3, keepWithNext=1)
        self.label = style("label", bold, BODY_SIZE, 28)
        self.note = style("note", regular, NOTE_SIZE, 19, firstLineIndent=2 * NOTE_SIZE)
        self.note_label = style("note_label", bold, NOTE_SIZE, 19, spaceBefore=4, keepWithNext=1)
        self.small = style("small", regular, 9, 13)
        self.legend = style("legend", regular, 9.5, 14, spaceBefore=4)
        # Half a character of right indent: a full-width mark hanging at a line's end stays inside the cell.
        self.cell = style("cell", regular, CELL_SIZE, CELL_LEADING, rightIndent=CELL_SIZE / 2)
        self.cell_center = style("cell_center", regular, CELL_SIZE, CELL_LEADING, alignment=TA_CENTER)
        self.list_item = style("list_item", regular, CELL_SIZE, CELL_LEADING, leftIndent=CELL_SIZE,
                               firstLineIndent=-CELL_SIZE, rightIndent=CELL_SIZE / 2, spaceAfter=1.5)
        self.head = style("head", bold, CELL_SIZE, CELL_LEADING, alignment=TA_CENTER)
        self.signature = style("signature", regular, BODY_SIZE, 28)


class Letterhead(Flowable):
    """The red issuing-organ line (发文机关标志): centred, condensed or shrunk to fit the type area, faux-bold.

    A CJK TrueType face has no bold, so the glyphs are filled and stroked in red (text render mode 2), which
    gives the heavy 小标宋 look; they stay ordinary text for extraction.
    """

    def __init__(self, text: str, font: str, size: float = 30, min_scale: float = 0.6):
        super().__init__()
        self.lines = [line for line in str(text).split("\n") if line.strip()]
        self.font, self.max_size, self.min_scale = font, size, min_scale

    def wrap(self, avail_width, avail_height):
        natural = max(stringWidth(line, self.font, self.max_size) for line in self.lines)
        self.scale = 1.0 if natural <= avail_width else max(self.min_scale, avail_width / natural)
        self.size = min(self.max_size, self.max_size * avail_width / (natural * self.scale))
        self.width, self.height = avail_width, self.size * 1.25 * len(self.lines)
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(RED)
        canvas.setStrokeColor(RED)
        canvas.setLineWidth(self.size * 0.035)
        for i, line in enumerate(self.lines):
            width = stringWidth(line, self.font, self.size) * self.scale
            text = canvas.beginText()
            text.setTextRenderMode(2)
            text.setFont(self.font, self.size)
            text.setHorizScale(self.scale * 100)
            text.setTextOrigin((self.width - width) / 2, self.height - self.size * 1.25 * (i + 1) + self.size * 0.25)
            text.textOut(line)
            canvas.drawText(text)
        canvas.restoreState()


class Rule(Flowable):
    """A horizontal rule across the frame (the red 版头分隔线)."""

    def __init__(self, color=RED, thickness: float = 1.5):
        super().__init__()
        self.color, self.thickness = color, thickness

    def wrap(self, avail_width, avail_height):
        self.width = avail_width
        return avail_width, self.thickness

    def draw(self):
        self.canv.saveState()
        self.canv.setStrokeColor(self.color)
        self.canv.setLineWidth(self.thickness)
        self.canv.line(0, self.thickness / 2, self.width, self.thickness / 2)
        self.canv.restoreState()


class FitChart(Flowable):
    """A chart drawn at ``height``, or lower (not below ``least``) when less room is left in the frame."""

    def __init__(self, make: Callable[[float], Flowable], height: float, least: float):
        super().__init__()
        self.make, self.full, self.least = make, height, least
        self.chart: Flowable | None = None

    def wrap(self, avail_width, avail_height):
        height = max(self.least, min(self.full, avail_height))
        if self.chart is None or self.chart.height != height:
            self.chart = self.make(height)
        self.width, self.height = self.chart.wrap(avail_width, avail_height)
        return self.width, self.height

    def draw(self):
        self.chart.drawOn(self.canv, 0, 0)


class BoldParagraph(Paragraph):
    """A paragraph drawn faux-bold (fill + stroke), for titles in a face without a bold weight."""

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(self.style.textColor)
        canvas.setLineWidth(self.style.fontSize * 0.03)
        canvas.addLiteral("2 Tr")
        super().draw()
        canvas.restoreState()


class BalancedTitle(BoldParagraph):
    """A centred title broken by :func:`examapp.reports.titles.title_lines`: whole quoted terms and 《》 titles,
    lines of about equal length (GB/T 9704 7.3.1: 回行时要做到词意完整、排列对称). Explicit "\\n" are kept."""

    def __init__(self, text: str, style: ParagraphStyle):
        self._source = str(text)
        self._laid_out_for: float | None = None
        super().__init__(_text(self._source), style)

    def lines(self, avail_width: float) -> list[str]:
        font, size = self.style.fontName, self.style.fontSize
        return title_lines(self._source, lambda s: stringWidth(s, font, size), avail_width)

    def wrap(self, avail_width, avail_height):
        if self._laid_out_for != avail_width:
            self._laid_out_for = avail_width
            Paragraph.__init__(self, "<br/>".join(_text(line) for line in self.lines(avail_width)), self.style)
        return super().wrap(avail_width, avail_height)


def _numbered_canvas(footer: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages until the end, so every footer can say 共 N 页 (the two-pass pattern)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._page_states: list[dict] = []

        def showPage(self):
            self._page_states.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._page_states)
            for number, state in enumerate(self._page_states, start=1):
                self.__dict__.update(state)
                footer(self, number, total)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def _hash_line(snapshot_hash: str | None, edition: str = "") -> str:
    label = f"校验码 SHA-256（{edition}）" if edition else "校验码 SHA-256"
    return f"{label}：{snapshot_hash}" if snapshot_hash else f"{label}：—（未发布的草稿，无校验码）"


def _footer(fonts: ReportFonts, snapshot_hash: str | None, caption: str,
            edition: str = "") -> Callable[[Canvas, int, int], None]:
    def draw(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(fonts.regular, 10.5)
        canvas.drawCentredString(PAGE_WIDTH / 2, BOTTOM - 7 * mm - 10.5, f"第 {number} 页 共 {total} 页")
        canvas.setFont(fonts.regular, 7)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(LEFT, 14 * mm, _hash_line(snapshot_hash, edition))
        if caption:
            canvas.drawRightString(PAGE_WIDTH - RIGHT, 14 * mm, caption)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.4)
        canvas.line(LEFT, 14 * mm + 9, PAGE_WIDTH - RIGHT, 14 * mm + 9)
        canvas.restoreState()
    return draw


def _watermark(fonts: ReportFonts, text: str | None) -> Callable[[Canvas, BaseDocTemplate], None]:
    def draw(canvas: Canvas, _doc) -> None:
        if not text:
            return
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.10))
        canvas.setFont(fonts.bold, 96)
        canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canvas.rotate(35)
        canvas.drawCentredString(0, -32, text)
        canvas.restoreState()
    return draw


def _build(story: list, fonts: ReportFonts, doc: Mapping, subject: str) -> bytes:
    buffer = io.BytesIO()
    template = BaseDocTemplate(buffer, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
                               bottomMargin=BOTTOM, invariant=1, title=str(doc.get("title") or subject),
                               author=str(doc.get("issuer") or ""), subject=subject, creator="examapp",
                               keywords=str(doc.get("hash") or ""))
    frame = Frame(LEFT, BOTTOM, TEXT_WIDTH, TEXT_HEIGHT, leftPadding=0, rightPadding=0, topPadding=0,
                  bottomPadding=0, id="body")
    watermark = _watermark(fonts, _watermark_text(doc))
    template.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=watermark)])
    footer = _footer(fonts, doc.get("hash"), str(doc.get("footer_caption") or ""), str(doc.get("edition") or ""))
    template.build(story, canvasmaker=_numbered_canvas(footer))
    return buffer.getvalue()


def _watermark_text(doc: Mapping) -> str | None:
    status = doc.get("status")
    if status == STATUS_NOTICE:
        return "公示稿"
    if status in ("草稿", "draft"):
        return "草稿"
    return None


# ---------------------------------------------------------------- shared parts of a 通报


def _header(doc: Mapping, styles: _Styles) -> list:
    """版头 and title: issuer in red, optional 发文字号, red rule, title, the 公示 line, recipients, body."""
    story: list = []
    if doc.get("issuer"):
        # GB/T 9704 7.2.3/7.2.5: 发文字号 centred two (3号) lines below the 发文机关标志, the red rule 4 mm under it.
        # The number's line already has (leading - size) = 12 pt ≈ 4 mm under its baseline, and its top gap and
        # the letterhead's descent make up the rest of the two lines.
        story += [Letterhead(doc["issuer"], styles.fonts.title)]
        if doc.get("doc_number"):
            number = styles.doc_number
            story += [Spacer(0, 2 * number.leading - (number.leading - number.fontSize) - 0.25 * 30),
                      Paragraph(_text(doc["doc_number"]), number)]
        else:
            story.append(Spacer(0, 6 * mm))
        story += [Rule(RED, 1.6), Spacer(0, 14 * mm)]
    if doc.get("title"):
        story.append(BalancedTitle(str(doc["title"]), styles.title))
    if doc.get("edition") == PUBLIC_EDITION:
        story.append(Paragraph(_text(f"（{PUBLIC_EDITION}）"), styles.edition))
    if doc.get("status") == STATUS_NOTICE:
        until = doc.get("objection_until_cn")
        line = f"公示稿（公示期至{until}）" if until else "公示稿"
        story.append(Paragraph(_text(line), styles.status))
    story.append(Spacer(0, 8 * mm))
    if doc.get("recipients"):
        story.append(Paragraph(_text(doc["recipients"]), styles.recipients))
    body = doc.get("body") or []
    for paragraph in [body] if isinstance(body, str) else body:
        story.append(Paragraph(_text(paragraph), styles.body))
    return story


def _notes(notes: Iterable[str], styles: _Styles, label: str = "说明：") -> list:
    notes = [n for n in notes if n]
    if not notes:
        return []
    return [styles.emphasis(_text(label), styles.note_label)] + [Paragraph(_text(n), styles.note) for n in notes]


def closing_positions(signature_width: float, date_width: float, line_width: float,
                      em: float) -> tuple[float | None, float]:
    """Where the 发文机关署名 and the 成文日期 start on their lines (GB/T 9704-2012 7.3.5.1, the layout with a seal):
    the date 右空四字 (four characters from the right edge), the signature centred on the date above it.

    A signature too long for that is moved left until it is 右空二字; one wider than the line gives None
    (it is then right-aligned and wrapped). Pure geometry, all widths in the same unit.
    """
    date_start = max(0.0, line_width - 4 * em - date_width)
    signature_start = date_start + (date_width - signature_width) / 2
    signature_start = min(signature_start, line_width - 2 * em - signature_width)
    return (signature_start if signature_start >= 0 else None), date_start


def _closing(doc: Mapping, styles: _Styles) -> list:
    """发文机关署名 over 成文日期, placed by :func:`closing_positions`, two lines below the text (room for the seal)."""
    signature, day = str(doc.get("signature") or doc.get("issuer") or ""), str(doc.get("date_cn") or "")
    if not signature and not day:
        return []
    font, size = styles.fonts.regular, BODY_SIZE
    sig_start, day_start = closing_positions(stringWidth(signature, font, size) if signature else 0.0,
                                             stringWidth(day, font, size) if day else 0.0, TEXT_WIDTH, BODY_SIZE)
    lines = []
    if signature:
        if sig_start is None:   # a signature wider than the line: right-aligned, wrapped
            lines.append(Paragraph(_text(signature), ParagraphStyle("sig", parent=styles.signature, alignment=TA_RIGHT)))
        else:
            lines.append(Paragraph(_text(signature), ParagraphStyle("sig", parent=styles.signature, leftIndent=sig_start)))
    if day:
        lines.append(Paragraph(_text(day), ParagraphStyle("day", parent=styles.signature, leftIndent=day_start)))
    return [Spacer(0, 2 * styles.signature.leading), KeepTogether(lines)]


def _fit_widths(fixed: Sequence[float | None], minimum_flexible: float = 80) -> list[float]:
    """Column widths across the type area: the ``None`` column takes what the others leave (scaled if too tight)."""
    taken = sum(w for w in fixed if w is not None)
    flexible = TEXT_WIDTH - taken
    if flexible < minimum_flexible:
        factor = (TEXT_WIDTH - minimum_flexible) / taken
        fixed = [None if w is None else w * factor for w in fixed]
        flexible = minimum_flexible
    return [flexible if w is None else w for w in fixed]


def _table(data: list[list], widths: list[float], extra: Iterable[tuple] = (), left_columns: Iterable[int] = ()) -> Table:
    """A ruled table whose header repeats on each page; a row moves whole to the next page unless it is taller
    than a page, in which case it may split inside (ReportLab would otherwise raise a LayoutError)."""
    table = Table(data, colWidths=widths, repeatRows=1)
    table.wrap(TEXT_WIDTH, TEXT_HEIGHT)
    tallest = max(table._rowHeights) if data else 0
    if tallest > TEXT_HEIGHT * 0.8:
        table = Table(data, colWidths=widths, repeatRows=1, splitInRow=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("LINEBELOW", (0, 0), (-1, 0), 1.0, colors.black),
        ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(commands + list(extra)))
    return table


def _cell(value, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_text(value), style)


def _head(labels: Iterable[str], styles: _Styles) -> list[Paragraph]:
    return [styles.emphasis(label if "<" in label else _text(label), styles.head) for label in labels]


def _highlight(rows: Sequence[Mapping], highlight: Mapping | None) -> tuple[list[tuple], str]:
    """Background commands for the top (光荣榜) and bottom rows, and the legend line that explains them."""
    highlight = highlight or {}
    top, bottom = int(highlight.get("top") or 0), int(highlight.get("bottom") or 0)
    ranked = [r["rank"] for r in rows if r.get("rank") is not None]
    commands, legend = [], []
    for i, row in enumerate(rows, start=1):
        rank = row.get("rank")
        if rank is None:
            continue
        if top and rank <= top:
            commands.append(("BACKGROUND", (0, i), (-1, i), TOP_FILL))
        elif bottom and rank > len(ranked) - bottom:
            commands.append(("BACKGROUND", (0, i), (-1, i), BOTTOM_FILL))
    if top:
        legend.append(f"浅红底色为前 {top} 名（光荣榜）")
    if bottom:
        legend.append(f"浅灰底色为后 {bottom} 名")
    return commands, "；".join(legend)


def _movement(value) -> str:
    return DASH if value is None else str(value)


def _precision(doc: Mapping) -> int:
    precision = doc.get("precision")
    return DEFAULT_PRECISION if precision is None else int(precision)


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


def _all_texts(doc) -> list[str]:
    """Every string in a document dict, for the glyph check (names first, so the message names them)."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
    walk(doc)
    return found


def _prepare(doc: Mapping, fonts: ReportFonts | None, names: list[str]) -> tuple[ReportFonts, _Styles]:
    # Names first: the error then cites “刘䶮”, not the whole body paragraph the name may also appear in.
    known = set(names)
    texts = names + [t for t in _all_texts(doc) if t not in known]
    fonts = fonts or load_fonts(texts=texts)
    ensure_glyphs(fonts, texts)
    return fonts, _Styles(fonts)


def league_table_pdf(doc: Mapping, fonts: ReportFonts | None = None) -> bytes:
    """The composite ranking 通报 (A4): letterhead, title, body, ranking table, notes, signature and date; then
    the appendix with the score distribution and the accountability list (keys: see the module docstring)."""
    fonts, styles = _prepare(doc, fonts, _league_texts(doc))
    story = _header(doc, styles) + _league_table(doc, styles) + _closing(doc, styles)
    if doc.get("histogram") is not None or doc.get("accountability") is not None:
        story += _appendix(doc, styles, "综合得分分布")
    return _build(story, fonts, doc, "综合排名通报")


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
            data.append([_cell(f"第{number}条" if isinstance(number, int) else number, styles.cell_center),
                         _cell(article.get("title") or "", styles.cell),
                         _cell(DASH if rate is None else f"{format_number(rate * 100, 1)}%", styles.cell_center)])
        story.append(_table(data, _fit_widths([70, None, 64])))
    story += _notes(doc.get("notes") or [], styles) + _closing(doc, styles)
    return _build(story, fonts, card, "个人综合考评得分卡")
