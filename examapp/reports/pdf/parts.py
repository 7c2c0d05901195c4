"""The shared parts of a 通报: header, notes, closing, tables and cells, highlighting, and the glyph check."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from examapp.reports.fonts import ReportFonts, ensure_glyphs, load_fonts
from examapp.reports.pdf.layout import (
    BODY_SIZE,
    BOTTOM_FILL,
    DASH,
    DEFAULT_PRECISION,
    GRID,
    PUBLIC_EDITION,
    RED,
    STATUS_NOTICE,
    TEXT_HEIGHT,
    TEXT_WIDTH,
    TOP_FILL,
    BalancedTitle,
    Letterhead,
    Rule,
    _Styles,
    _text,
)

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
