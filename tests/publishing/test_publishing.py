"""Publishing: frozen snapshots with SHA-256, 公示 then final, corrections, movement, access, documents."""
import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader

from examapp.extensions import db
from examapp.publishing import documents
from examapp.publishing import services as publishing
from examapp.publishing.models import Snapshot
from examapp.scoring import services
from examapp.scoring.models import EvaluationRound
from tests.conftest import login

DEMO_ROUND = "示例：2023年度“书记大比武”"


def computed_round(app, name=DEMO_ROUND):
    from examapp.demo import demo_round_inputs, load_demo_round
    from examapp.scoring.workbook import write_workbook
    with app.app_context():
        if name == DEMO_ROUND:
            round_ = load_demo_round()
        else:
            round_ = services.ensure_round(name)
            services.import_workbook(round_, write_workbook(demo_round_inputs(seed=7)))
        services.compute_round(round_)
        db.session.commit()
        return round_.id


def publish(app, round_id, **kwargs):
    with app.app_context():
        snapshot = publishing.publish("ranking", round_=db.session.get(EvaluationRound, round_id), **kwargs)
        db.session.commit()
        return snapshot.id


def test_chinese_date_and_working_days():
    assert publishing.chinese_date(date(2023, 10, 20)) == "2023年10月20日"
    assert publishing.chinese_date(date(2024, 1, 1)) == "2024年1月1日"
    assert publishing.add_working_days(date(2023, 10, 20), 5) == date(2023, 10, 27)   # Fri + 5 weekdays


def test_notice_then_final_are_two_frozen_snapshots(app, demo):
    round_id = computed_round(app)
    notice_id = publish(app, round_id)
    with app.app_context():
        notice = db.session.get(Snapshot, notice_id)
        assert notice.status == "notice" and notice.objection_until is not None
        assert publishing.verify(notice) and len(notice.sha256) == 64
        assert notice.content["status"] == "公示" and len(notice.content["rows"]) == 72
        final = publishing.finalise(notice)
        db.session.commit()
        assert final.replaces_id == notice.id and final.status == "final" and final.sha256 != notice.sha256
        assert publishing.verify(db.session.get(Snapshot, notice_id))   # the 公示 snapshot is untouched
        assert not publishing.is_current(notice) and publishing.is_current(final)


def test_correction_is_a_new_snapshot_naming_the_old_one_and_why(app, demo):
    round_id = computed_round(app)
    first = publish(app, round_id, final=True)
    second = publish(app, round_id, final=True, reason="更正某单位联企解困数据")
    with app.app_context():
        snap = db.session.get(Snapshot, second)
        assert snap.replaces_id == first and snap.reason == "更正某单位联企解困数据"
        assert snap.content["replaces"]["id"] == first


def test_rank_movement_against_the_previous_final_ranking(app, demo):
    first_round = computed_round(app)
    publish(app, first_round, final=True)
    second_round = computed_round(app, "2024年度测试")
    snapshot_id = publish(app, second_round, final=True)
    with app.app_context():
        before = {r["organization"]: r["rank"] for r in
                  db.session.scalar(db.select(Snapshot).where(Snapshot.round_id == first_round)).content["rows"]}
        rows = db.session.get(Snapshot, snapshot_id).content["rows"]
    for row in rows:
        old, new = before[row["organization"]], row["rank"]
        expected = "—" if old == new else (f"↑{old - new}" if new < old else f"↓{new - old}")
        assert row["movement"] == expected


def test_who_sees_what(app, demo):
    round_id = computed_round(app)
    old = publish(app, round_id, final=True)
    current = publish(app, round_id, final=True, reason="更正")
    with app.app_context():
        content = db.session.get(Snapshot, current).content
        own = content["rows"][5]["organization"]
        other = content["rows"][6]["organization"]
        login_name = db.session.scalar(db.text("select u.username from \"user\" u join party_organization o "
                                               "on u.organization_id = o.id where o.name = :n"), {"n": own})
    secretary, viewer, organiser = app.test_client(), app.test_client(), app.test_client()
    login(secretary, login_name)
    login(viewer, "viewer")
    login(organiser, "organizer")
    assert f"/published/{current}" in secretary.get("/published/").get_data(as_text=True)
    assert f"/published/{old}\"" not in secretary.get("/published/").get_data(as_text=True)
    assert secretary.get(f"/published/{old}").status_code == 404
    assert organiser.get(f"/published/{old}").status_code == 200
    page = secretary.get(f"/published/{current}").get_data(as_text=True)
    assert "我的得分卡" in page and "问责清单" not in page
    assert "问责清单" in viewer.get(f"/published/{current}").get_data(as_text=True)
    assert secretary.get(f"/published/{current}/cards/{own}.pdf").status_code == 200
    assert secretary.get(f"/published/{current}/cards/{other}.pdf").status_code == 403
    assert viewer.get(f"/published/{current}/cards/{other}.pdf").status_code == 200
    assert secretary.post(f"/published/rounds/{round_id}/publish").status_code == 403
    assert viewer.post(f"/published/{current}/finalise").status_code == 403


def test_pdf_carries_rows_ranks_hash_and_is_byte_identical(app, demo):
    round_id = computed_round(app)
    snapshot_id = publish(app, round_id, final=True)
    client = app.test_client()
    login(client, "viewer")
    first = client.get(f"/published/{snapshot_id}/document.pdf").data
    second = client.get(f"/published/{snapshot_id}/document.pdf").data
    assert first == second and first[:4] == b"%PDF"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages).replace("\n", "").replace(" ", "")
    with app.app_context():
        snap = db.session.get(Snapshot, snapshot_id)
    assert snap.sha256 in text
    assert "综合排名情况的通报" in text and snap.content["rows"][0]["organization"] in text


def test_excel_export_of_a_published_table(app, demo):
    round_id = computed_round(app)
    snapshot_id = publish(app, round_id, final=True)
    client = app.test_client()
    login(client, "organizer")
    book = load_workbook(io.BytesIO(client.get(f"/published/{snapshot_id}/table.xlsx").data))
    sheet = book["综合排名"]
    assert [c.value for c in sheet[1]][:3] == ["名次", "党组织", "书记"] and sheet.freeze_panes == "A2"
    assert sheet.max_row == 73
    # The first publication has nothing to compare with: no empty 名次变化 column (as in the PDF).
    assert [c.value for c in sheet[1]][-1] == "综合得分"


def test_excel_export_has_the_rank_change_column_when_there_is_an_earlier_ranking(app, demo):
    from examapp.publishing.documents import snapshot_workbook
    snapshot_id = publish(app, computed_round(app), final=True)
    with app.app_context():
        snapshot = db.session.get(Snapshot, snapshot_id)
        content = dict(snapshot.content, rows=[dict(row, movement=move) for row, move in
                                               zip(snapshot.content["rows"], ["↑2", "↓1"] + ["—"] * 70, strict=True)])
        shown = Snapshot(kind=snapshot.kind, content=content, sha256=snapshot.sha256, title=snapshot.title)
        sheet = load_workbook(io.BytesIO(snapshot_workbook(shown)))["综合排名"]
        db.session.rollback()
    assert [c.value for c in sheet[1]][-2:] == ["综合得分", "名次变化"]
    assert [sheet.cell(row=r, column=sheet.max_column).value for r in (2, 3, 4)] == ["↑2", "↓1", "—"]


def test_cli_publish_and_reports(app, runner, demo, tmp_path):
    computed_round(app)
    result = runner.invoke(args=["scoring", "publish", DEMO_ROUND, "--final"])
    assert result.exit_code == 0, result.output
    snapshot_id = int(result.output.strip())
    out = tmp_path / "table.pdf"
    assert runner.invoke(args=["reports", "league-table", str(snapshot_id), "-o", str(out)]).exit_code == 0
    assert out.read_bytes()[:4] == b"%PDF"
    card = tmp_path / "card.pdf"
    result = runner.invoke(args=["reports", "score-card", str(snapshot_id), "sj01", "-o", str(card)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(str(card)).pages)
    assert "个人得分卡" in text


def test_exam_results_published_as_a_snapshot_and_pdf(app, runner, bank, demo, tmp_path):
    import subprocess

    from tests.exams.conftest import open_exam
    from tests.exams.test_results import sit
    with app.app_context():
        exam_id = open_exam(title="七月知识考试").id
    sit(app, app.test_client(), exam_id, "sj01", 4)
    sit(app, app.test_client(), exam_id, "sj02", 2)
    organiser = app.test_client()
    login(organiser, "organizer")
    early = organiser.post(f"/published/exams/{exam_id}/publish", data={"mode": "final"}, follow_redirects=True)
    assert "考试尚未结束" in early.get_data(as_text=True)        # not while the window is open
    with app.app_context():
        from examapp.exams import proctoring
        from examapp.exams.models import Exam
        proctoring.close_now(db.session.get(Exam, exam_id), "考试结束")
        db.session.commit()
    response = organiser.post(f"/published/exams/{exam_id}/publish", data={"mode": "final"})
    snapshot_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        rows = db.session.get(Snapshot, snapshot_id).content["rows"]
        assert [r["rank"] for r in rows[:2]] == [1, 2] and rows[-1]["status"] == "缺考"
    out = tmp_path / "exam.pdf"
    result = runner.invoke(args=["reports", "exam-results", str(exam_id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", "")
    assert "七月知识考试成绩情况的通报" in text and "缺考" in text
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000


def test_score_card_lists_weakest_articles_from_counted_exams(app, bank, demo):
    from tests.exams.conftest import open_exam
    from tests.exams.test_results import sit
    with app.app_context():
        exam_id = open_exam(title="十月知识考试").id
    sit(app, app.test_client(), exam_id, "sj01", 2)
    card = sj01_score_card(app, [exam_id])
    assert card["weakest_articles"] and card["weakest_articles"][0]["article"].startswith("第")


def sj01_score_card(app, exam_ids: list[int]) -> dict:
    """sj01's score card in a final ranking of the demo round counting these exams."""
    round_id = computed_round(app)
    with app.app_context():
        round_ = db.session.get(EvaluationRound, round_id)
        services.set_counted_exams(round_, exam_ids)
        services.compute_round(round_)
        snap = publishing.publish("ranking", round_=round_, final=True)
        db.session.commit()
        org = db.session.scalar(db.text('select o.name from party_organization o join "user" u '
                                        "on u.organization_id = o.id where u.username = 'sj01'"))
        return documents.score_card_doc(snap, org)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "").replace(" ", "")


def test_the_candidates_copy_says_the_accountability_list_is_issued_separately_under_its_own_checksum(
        app, demo, tmp_path):
    import subprocess
    round_id = computed_round(app)
    snapshot_id = publish(app, round_id, final=True)
    with app.app_context():
        snap = db.session.get(Snapshot, snapshot_id)
        full_hash, public_hash = snap.sha256, publishing.public_sha256(snap)
        assert snap.content["accountability"], "the demo round has some"
        # The public checksum is the public content's own (recomputable), never the full notice's.
        assert public_hash == publishing.content_hash(publishing.public_content(snap.content)) != full_hash
    copies = {}
    for role in ("sj01", "viewer"):
        client = app.test_client()
        login(client, role)
        copies[role] = client.get(f"/published/{snapshot_id}/document.pdf").data
    public, full = pdf_text(copies["sj01"]), pdf_text(copies["viewer"])
    # The candidates' copy: no annex heading and no "nothing to account for", but the truth, and which copy.
    assert "问责名单另行印发" in public and "（公开版）" in public
    assert "二、问责名单" not in public and "本期无应问责事项" not in public
    assert public_hash in public and full_hash not in public
    assert "校验码SHA-256（公开版）" in public
    # The full notice: the annex with the list, the snapshot's own checksum, named as the full version.
    assert "二、问责名单" in full and "问责名单另行印发" not in full and "（公开版）" not in full
    assert full_hash in full and public_hash not in full and "校验码SHA-256（全文版）" in full
    # The candidates' Excel table says the same.
    client = app.test_client()
    login(client, "sj01")
    notes = [c.value for c in load_workbook(io.BytesIO(client.get(f"/published/{snapshot_id}/table.xlsx").data))["说明"]["A"]]
    assert any(public_hash in str(n) and "公开版" in str(n) for n in notes) and not any(full_hash in str(n) for n in notes)
    # Both checksums are on the snapshot page, so either copy can be checked there.
    page = client.get(f"/published/{snapshot_id}").get_data(as_text=True)
    assert public_hash in page and full_hash in page
    # Look at it: the title block and the appendix of the public copy.
    out = tmp_path / "public.pdf"
    out.write_bytes(copies["sj01"])
    last = len(PdfReader(io.BytesIO(copies["sj01"])).pages)
    for number in (1, last):
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(number), "-l", str(number), str(out),
                        str(tmp_path / f"page{number}")], check=True)
    assert all(png.stat().st_size > 5000 for png in tmp_path.glob("page*.png"))
