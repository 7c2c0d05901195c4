"""The 公文 form of the published PDFs (GB/T 9704-2012), end to end: office settings saved through the settings
service → published snapshot → PDF → text extracted with pypdf (and page 1 rendered with pdftoppm)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from examapp.extensions import db
from examapp.publishing import documents
from examapp.publishing import services as publishing
from examapp.publishing.models import Snapshot
from examapp.reports import fonts as report_fonts
from examapp.reports.pdf import closing_positions, exam_results_pdf, league_table_pdf
from examapp.settings import services
from tests.publishing.test_publishing import computed_round, publish
from tests.reports.test_pdf import exam_doc, league_doc

OFFICE = {"issuing_organ": "中共滨江区委优化营商环境工作领导小组办公室", "district_name": "滨江区",
          "district_scope": "全区", "city_scope": "全市", "doc_number_prefix": "滨江优营办",
          "signature": "滨江区优化营商环境办公室", "contact": "联系人：王某，电话：0571-12345678",
          "highlight_top": "5", "highlight_bottom": "2"}
EXAM_TITLE = "“书记大比武”第一次《优化营商环境条例》知识测试"


def page_lines(pdf: bytes, page: int = 0) -> list[str]:
    text = PdfReader(io.BytesIO(pdf)).pages[page].extract_text()
    return ["".join(line.split()) for line in text.splitlines() if line.strip()]


def all_lines(pdf: bytes) -> list[str]:
    return [line for page in range(len(PdfReader(io.BytesIO(pdf)).pages)) for line in page_lines(pdf, page)]


def title_block(lines: list[str], title: str) -> list[str]:
    """The consecutive lines of page 1 that together read as the title."""
    for start, line in enumerate(lines):
        if title.startswith(line):
            block, joined = [], ""
            for following in lines[start:]:
                block.append(following)
                joined += following
                if not title.startswith(joined):
                    break
                if joined == title:
                    return block
    raise AssertionError(f"title {title!r} not found in {lines}")


def save_office_settings(app) -> None:
    with app.app_context():
        services.save_settings(OFFICE)
        db.session.commit()


def test_published_ranking_pdf_prints_the_doc_number_organ_and_a_whole_quoted_term(app, demo):
    save_office_settings(app)
    snapshot_id = publish(app, computed_round(app), final=True)
    with app.app_context():
        snapshot = db.session.get(Snapshot, snapshot_id)
        content, pdf = snapshot.content, documents.league_table_pdf(snapshot)
    year = content["date"][:4]
    lines = page_lines(pdf)
    # 版头: the organ from the settings page (not the environment's 示例 default), then the 发文字号 on its own line.
    assert lines[0] == OFFICE["issuing_organ"] and "示例区委" not in "".join(lines)
    assert lines[1] == f"滨江优营办〔{year}〕1号"
    block = title_block(lines, content["title"])
    assert len(block) >= 2 and any("“书记大比武”" in line for line in block), block
    everything = all_lines(pdf)
    at = everything.index(OFFICE["signature"])          # 落款 from the settings, the 成文日期 under it
    assert everything[at + 1] == content["date_cn"]


def closed_exam(app) -> int:
    """The office's settings saved, an exam sat by sj01 and closed: ready to publish."""
    from examapp.exams import proctoring
    from examapp.exams.models import Exam
    from tests.exams.conftest import open_exam
    from tests.exams.test_results import sit
    save_office_settings(app)
    with app.app_context():
        exam_id = open_exam(title=EXAM_TITLE).id
    sit(app, app.test_client(), exam_id, "sj01", 4)
    with app.app_context():
        proctoring.close_now(db.session.get(Exam, exam_id), "考试结束")
        db.session.commit()
    return exam_id


def test_published_exam_results_pdf_keeps_the_book_title_and_quoted_term_whole(app, bank, demo):
    from examapp.exams.models import Exam
    from examapp.timeutil import to_local
    exam_id = closed_exam(app)
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        snapshot = publishing.publish("exam", exam=exam, final=True)
        db.session.commit()
        content, pdf = snapshot.content, documents.league_table_pdf(snapshot)
    lines = page_lines(pdf)
    assert lines[0] == OFFICE["issuing_organ"]
    assert lines[1] == f"滨江优营办〔{content['date'][:4]}〕1号"
    block = title_block(lines, content["title"])
    # 33 characters at 2号 in a 156 mm line (20 characters): 2 lines would cut the book title, so 3; never
    # 第一|次 nor inside the quotes or 《》 (hand-worked in tests/reports/test_titles.py).
    assert block == ["关于“书记大比武”第一次", "《优化营商环境条例》", "知识测试成绩情况的通报"]
    # The exam's day in the body without 虚位 (2026年12月5日, not 12月05日).
    with app.app_context():
        opened = to_local(db.session.get(Exam, exam_id).opens_at)
    assert content["body"].startswith(f"{opened.year}年{opened.month}月{opened.day}日，")


def test_distribution_chart_is_drawn_lower_to_stay_on_page_one_under_the_letterhead():
    # With the 版头, a three-line title and this body, about 160 pt are left on page 1: at its full 180 pt the
    # chart (and its heading) went to page 2 and left the lower half of page 1 blank.
    doc = exam_doc(doc_number="滨江优营办〔2026〕2号", title="关于“书记大比武”第一次《优化营商环境条例》知识测试成绩情况的通报",
                   body="2026年12月5日，滨江区委组织开展了“书记大比武”第一次《优化营商环境条例》知识测试，"
                        "应考72人，实考2人。现将考试成绩通报如下：")
    assert "成绩分布" in "".join(page_lines(exam_results_pdf(doc)))


def test_rank_change_column_is_left_out_when_there_is_nothing_to_compare_with():
    first = league_doc()
    for row in first["rows"]:
        row["movement"] = ""                       # what publishing stores without an earlier final ranking
    assert "名次变化" not in "".join(page_lines(league_table_pdf(first)))
    assert "名次变化" in "".join(page_lines(league_table_pdf(league_doc())))


def test_date_is_four_characters_from_the_right_with_the_signature_centred_on_it():
    # In characters (em = 1) on a 28-character line: the date (10) ends 4 from the right → starts at 14,
    # its centre at 19; a 12-character signature centred there starts at 13.
    assert closing_positions(12, 10, 28, 1) == (13, 14)
    # A 20-character signature centred at 19 would start at 9 and end at 29, past the line: it is moved left
    # to end 2 characters from the right (start 6); the date stays where it is.
    assert closing_positions(20, 10, 28, 1) == (6, 14)
    # Wider than the line: no position (right-aligned and wrapped instead).
    assert closing_positions(30, 10, 28, 1) == (None, 14)


def test_signature_is_printed_with_the_date_on_the_line_below():
    lines = all_lines(exam_results_pdf(exam_doc(signature="滨江区优化营商环境办公室")))
    at = lines.index("滨江区优化营商环境办公室")
    assert lines[at + 1] == "2023年6月20日"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_both_official_pdfs_render_their_first_page(tmp_path):
    for name, pdf in (("league", league_table_pdf(league_doc(doc_number="滨江优营办〔2026〕1号"))),
                      ("exam", exam_results_pdf(exam_doc(doc_number="滨江优营办〔2026〕2号")))):
        source = tmp_path / f"{name}.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(source), str(tmp_path / name)],
                       check=True, capture_output=True, timeout=60)
        assert next(tmp_path.glob(f"{name}*.png")).stat().st_size > 5_000


# ---------------------------------------------------------------- fonts

UMING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def test_windows_font_copied_into_report_font_dir_is_used_first(monkeypatch, tmp_path):
    if not ZENHEI.is_file():
        pytest.skip("fonts-wqy-zenhei not installed")
    (tmp_path / "simfang.ttf").symlink_to(ZENHEI)          # stands in for a copy of Windows' 仿宋
    monkeypatch.delenv(report_fonts.ENV_FONT_PATH, raising=False)
    monkeypatch.setenv(report_fonts.ENV_FONT_DIR, f"/nonexistent{os.pathsep}{tmp_path}")
    assert report_fonts.load_fonts().regular_path == str(tmp_path / "simfang.ttf")


def test_body_is_in_the_ming_face_and_falls_back_to_zen_hei_for_a_character_it_lacks(monkeypatch):
    if not (UMING.is_file() and ZENHEI.is_file()):
        pytest.skip("fonts-arphic-uming or fonts-wqy-zenhei not installed (.ci/run installs both)")
    monkeypatch.delenv(report_fonts.ENV_FONT_PATH, raising=False)
    monkeypatch.delenv(report_fonts.ENV_FONT_DIR, raising=False)
    monkeypatch.setattr(report_fonts, "REGULAR_CANDIDATES", (UMING, ZENHEI))
    monkeypatch.setattr(report_fonts, "TITLE_CANDIDATES", (UMING,))
    plain = report_fonts.load_fonts(texts=["王伟"])
    assert plain.regular_path == str(UMING) and plain.title == plain.regular
    rare = report_fonts.load_fonts(texts=["王㐀"])              # U+3400: in Zen Hei, not in UMing
    assert rare.regular_path == str(ZENHEI) and rare.title == rare.bold
    # And a PDF with that name is built (in Zen Hei) instead of being refused.
    doc = exam_doc()
    doc["rows"][0]["name"] = "王㐀"
    assert exam_results_pdf(doc)[:5] == b"%PDF-"


def test_day_in_the_exam_notice_body_has_no_leading_zeros():
    from datetime import datetime

    from examapp.publishing.services import _day_text
    assert _day_text(datetime(2026, 3, 5, 9, 30)) == "2026年3月5日"          # not 2026年03月05日 (虚位)


def test_exam_results_notice_ends_with_the_objection_and_contact_lines_a_final_one_without_objection(app, bank, demo):
    from examapp.exams.models import Exam
    exam_id = closed_exam(app)
    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        notice = publishing.publish("exam", exam=exam, final=False)
        db.session.commit()
        notes = notice.content["notes"]
        # A 公示 tells the reader where to object and whom to call, after the scoring notes.
        assert notes[-2] == f"公示期内如有异议，请向{OFFICE['issuing_organ']}书面反映。"
        assert notes[-1] == OFFICE["contact"]
        final = publishing.publish("exam", exam=exam, final=True, reason="公示期满")
        db.session.commit()
        assert not any("公示期内如有异议" in n for n in final.content["notes"])
        assert final.content["notes"][-1] == OFFICE["contact"]
        pdf_text = "".join(all_lines(documents.league_table_pdf(notice)))
    assert "公示期内如有异议" in pdf_text and "0571-12345678" in pdf_text
