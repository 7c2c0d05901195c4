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

The package: ``layout`` (page, styles, flowables, build), ``parts`` (the shared parts of a 通报), and one module
per document (``league``, ``exam_results``, ``score_card``); the public functions are re-exported here.
"""
from examapp.reports.pdf.exam_results import exam_results_pdf
from examapp.reports.pdf.layout import NO_LINE_START, date_cn, forbid_line_start, format_number
from examapp.reports.pdf.league import has_movement, league_table_pdf
from examapp.reports.pdf.parts import closing_positions
from examapp.reports.pdf.score_card import score_card_pdf

__all__ = ["NO_LINE_START", "closing_positions", "date_cn", "exam_results_pdf", "forbid_line_start",
           "format_number", "has_movement", "league_table_pdf", "score_card_pdf"]
