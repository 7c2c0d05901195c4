"""The score-distribution chart's band labels stay readable whatever the full mark."""
from __future__ import annotations

import math

from reportlab.pdfbase.pdfmetrics import stringWidth

from examapp.exams.statistics import histogram
from examapp.reports.charts import LABEL_ANGLE, distribution_chart, label_angle
from examapp.reports.fonts import load_fonts
from examapp.reports.pdf.layout import TEXT_WIDTH


def bins(full_mark: float) -> list[dict]:
    scores = [full_mark * f for f in (0.98, 0.9, 0.85, 0.7, 0.55, 0.3)]
    return [{"label": b.label, "count": b.count} for b in histogram(scores, full_mark)]


def chart_labels(chart_bins: list[dict], font: str):
    drawing = distribution_chart(chart_bins, font, TEXT_WIDTH, 180)
    chart = drawing.contents[0]
    return chart, chart.width / len(chart_bins), chart.categoryAxis.labels.angle


def test_round_full_mark_bands_stand_upright_side_by_side():
    font = load_fonts().regular
    chart, slot, angle = chart_labels(bins(100), font)
    assert [b["label"] for b in bins(100)][:2] == ["0–10", "10–20"] and angle == 0
    assert max(stringWidth(b["label"], font, 8) for b in bins(100)) < slot


def test_bands_of_an_odd_full_mark_are_slanted_far_enough_apart_not_to_overlap():
    # 37 points in ten bands: 0–3.7, 3.7–7.4, … 33.3–37 — upright they are wider than their 10 % of the axis.
    font = load_fonts().regular
    labels = [b["label"] for b in bins(37)]
    assert labels[1] == "3.7–7.4" and labels[-1] == "33.3–37"
    chart, slot, angle = chart_labels(bins(37), font)
    assert max(stringWidth(label, font, 8) for label in labels) > slot * 0.9     # upright they would touch
    assert angle == LABEL_ANGLE == label_angle(labels, font, 8, slot)
    # Slanted, neighbouring labels are parallel lines slot·sin(angle) apart: more than a line of 8 pt text.
    assert slot * math.sin(math.radians(angle)) > 8 * 1.2
    # … and the chart is raised so the slanted labels end above the axis title at the bottom (y = 8 … 17).
    drop = max(stringWidth(label, font, 8) for label in labels) * math.sin(math.radians(angle))
    assert chart.y - 4 - drop > 17
