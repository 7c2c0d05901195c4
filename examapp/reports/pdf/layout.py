"""Page, type and build for the published PDFs: line breaking, geometry and colours, styles, flowables, the
numbered canvas with footer and watermark, and the reproducible build."""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
)

from examapp.reports.fonts import ReportFonts
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
