"""Charts of the PDF reports (ReportLab graphics): the score-distribution bar chart, with Chinese labels."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

BAR_COLOR = colors.HexColor("#B22222")
LABEL_ANGLE = 35      # degrees, for score-band labels too long to stand side by side (e.g. 33.3–37)


def label_angle(labels: Sequence[str], font: str, size: float, slot: float) -> int:
    """0 when every label fits its category's width with a little air, else LABEL_ANGLE: the bands of a full
    mark that is not a round number (3.7–7.4 …) would otherwise run into each other."""
    widest = max((stringWidth(label, font, size) for label in labels), default=0)
    return 0 if widest <= slot * 0.9 else LABEL_ANGLE


def _count_step(top: int) -> int:
    """A readable integer step for a count axis: about five ticks (1, 2, 5, 10, 20, 50…)."""
    if top <= 5:
        return 1
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return int(factor * magnitude)
    return int(10 * magnitude)


def distribution_chart(bins: Sequence[Mapping], font: str, width: float, height: float = 190,
                       x_label: str = "分数段（分）", y_label: str = "人数（人）") -> Drawing:
    """A vertical bar chart of ``bins`` ([{"label": "60–70", "count": 5}, …]) with each bar's count above it."""
    labels = [str(b["label"]) for b in bins]
    counts = [int(b["count"]) for b in bins]
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    size = 8 if len(labels) <= 10 else 6.5
    chart.x = 46
    chart.width = width - chart.x - 10
    angle = label_angle(labels, font, size, chart.width / max(len(labels), 1))
    if angle:     # slanted labels hang lower: their projected height, plus the axis title below them
        drop = max(stringWidth(label, font, size) for label in labels) * math.sin(math.radians(angle)) + size
        chart.y = 26 + math.ceil(drop)
    else:
        chart.y = 42
    chart.height = height - chart.y - 22
    chart.data = [counts or [0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = size
    chart.categoryAxis.labels.dy = -4
    if angle:
        chart.categoryAxis.labels.angle = angle
        chart.categoryAxis.labels.boxAnchor = "ne"
        chart.categoryAxis.labels.dx = 4
    chart.categoryAxis.strokeColor = colors.black
    top = max(counts, default=0)
    step = _count_step(top)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, math.ceil((top + top * 0.12) / step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.gridStrokeColor = colors.HexColor("#DDDDDD")
    chart.valueAxis.visibleGrid = True
    chart.bars[0].fillColor = BAR_COLOR
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.groupSpacing = 8
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(chart.x + chart.width / 2, 8, x_label, fontName=font, fontSize=9, textAnchor="middle"))
    drawing.add(String(chart.x - 30, chart.y + chart.height + 10, y_label, fontName=font, fontSize=9,
                       textAnchor="start"))
    return drawing
