"""An exam whose sections name a document revised since: the form offers the revision, the detail page says so."""
import re

from examapp.bank.models import DOCUMENT_REVISED, Document
from examapp.bank.services import default_document_id
from examapp.exams import services
from examapp.exams.models import Attempt, Exam, PaperItem
from examapp.extensions import db
from tests.bank.test_documents import REVISED, SAMPLE, _import
from tests.conftest import login
from tests.exams.test_documents import NUMBER, sample_with_questions
from tests.exams.test_manage import form_data

NEW_NUMBER = "示例政发〔2026〕9号"
NONE = {f"{t}-count": "0" for t in ("single", "multiple", "fill")}
# The sample with its two chapters merged: articles 1–5 unchanged, all in 第一章 总则; there is no 第二章.
ONE_CHAPTER = SAMPLE.replace("## 第二章 服务保障\n\n", "")


def exam_on_chapter_two(client, sample_id: int) -> int:
    """A draft exam, saved in the form: the sample's three chapter-2 true/false questions."""
    response = client.post("/manage/exams/new", data=form_data(
        document=str(sample_id), **NONE, **{"truefalse-count": "3", "truefalse-chapters": "2", "pass_mark": "2"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def revise(app, sample_id: int, text: str) -> int:
    with app.app_context():
        checked, revised = _import(text, revises_id=sample_id, issuer="示例市人民政府", number=NEW_NUMBER)
        assert checked.ok, checked.problems
        db.session.commit()
        return revised.id


def selected_document(page: str) -> int:
    found = re.findall(r'<option selected value="(\d+)">', page)
    assert len(found) == 1, found
    return int(found[0])


def test_editing_preselects_the_revision_says_so_and_saving_stores_it(app, client, bank, demo):
    sample_id, _ = sample_with_questions(app)
    login(client, "organizer")
    exam_id = exam_on_chapter_two(client, sample_id)
    revised_id = revise(app, sample_id, REVISED)
    with app.app_context():
        assert db.session.get(Document, sample_id).status == DOCUMENT_REVISED
        regulation_id = default_document_id()

    detail = client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
    assert ("<td>《示例市优化营商服务办法》（已修订，现行版本为《示例市优化营商服务办法》（示例政发〔2026〕9号））"
            " 第 2 章</td>") in detail
    assert (f"本考试按《示例市优化营商服务办法》（{NUMBER}）出题，该文件已修订，现行版本为"
            f"《示例市优化营商服务办法》（{NEW_NUMBER}）。编辑考试并保存后，改从现行版本抽题。") in detail

    edit = client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)
    assert selected_document(edit) == revised_id != regulation_id
    note = edit.index(f"本考试原按《示例市优化营商服务办法》（{NUMBER}）出题，该文件已修订，现行版本为"
                      f"《示例市优化营商服务办法》（{NEW_NUMBER}）。下面已改选现行版本")
    assert note < edit.index('<select class="form-select" id="document"')      # above the select
    assert f'value="{sample_id}"' not in edit.split('id="document"')[1].split("</select>")[0]
    # The revision keeps 第二章 服务保障 (articles 3–6), still ticked; nothing to warn about.
    assert 'value="2" id="truefalse-chapters-2" checked>' in edit and "现行版本中已无此章" not in edit

    response = client.post(f"/manage/exams/{exam_id}/edit", data=form_data(
        document=str(selected_document(edit)), **NONE,
        **{"truefalse-count": "3", "truefalse-chapters": "2", "pass_mark": "2"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        assert db.session.get(Exam, exam_id).sections == [
            {"type": "truefalse", "count": 3, "points": 1.0, "chapters": [2], "document": revised_id}]
    detail = client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
    assert "已修订" not in detail and "<td>《示例市优化营商服务办法》 第 2 章</td>" in detail
    assert "已修订" not in client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)


def test_a_chapter_the_revision_removed_stays_ticked_and_saving_refuses_it(app, client, bank, demo):
    sample_id, _ = sample_with_questions(app)
    login(client, "organizer")
    exam_id = exam_on_chapter_two(client, sample_id)
    revised_id = revise(app, sample_id, ONE_CHAPTER)
    refusal = ("判断题：限定章中的第二章不是《示例市优化营商服务办法》的章（该文件的章：第一章 总则），"
               "请重新选择限定章")
    edit = client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)
    assert selected_document(edit) == revised_id
    assert 'value="1" id="truefalse-chapters-1">' in edit
    assert ('value="2" id="truefalse-chapters-2" checked>\n      <label class="form-check-label" '
            'for="truefalse-chapters-2">第二章（现行版本中已无此章）</label>') in edit
    assert refusal in edit.split("下面已改选现行版本")[1].split("</ul>")[0]        # warned in the note already
    body = client.post(f"/manage/exams/{exam_id}/edit", data=form_data(
        document=str(revised_id), **NONE, **{"truefalse-count": "3", "truefalse-chapters": "2", "pass_mark": "2"})
    ).get_data(as_text=True)
    assert "考试未保存" in body and refusal in body
    with app.app_context():
        assert db.session.get(Exam, exam_id).sections[0]["document"] == sample_id   # unchanged
    # Without the restriction the revision's chapter 1 now holds the three questions.
    response = client.post(f"/manage/exams/{exam_id}/edit", data=form_data(
        document=str(revised_id), **NONE, **{"truefalse-count": "3", "pass_mark": "2"}))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        assert db.session.get(Exam, exam_id).sections == [
            {"type": "truefalse", "count": 3, "points": 1.0, "document": revised_id}]


def test_a_published_exams_papers_stay_and_its_page_says_the_document_was_revised(app, client, bank, demo):
    sample_id, questions = sample_with_questions(app)
    login(client, "organizer")
    exam_id = exam_on_chapter_two(client, sample_id)
    with app.app_context():
        services.publish_exam(db.session.get(Exam, exam_id))
        db.session.commit()
        papers = sorted(db.session.execute(db.select(PaperItem.attempt_id, PaperItem.question_version_id)
                                           .join(Attempt).where(Attempt.exam_id == exam_id)).all())
        assert len(papers) == 72 * 3
    revise(app, sample_id, REVISED)
    detail = client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
    assert (f"现行版本为《示例市优化营商服务办法》（{NEW_NUMBER}）。已生成的试卷保持不变。") in detail
    assert "（已修订，现行版本为《示例市优化营商服务办法》（示例政发〔2026〕9号）） 第 2 章</td>" in detail
    with app.app_context():
        assert db.session.get(Exam, exam_id).sections[0]["document"] == sample_id
        assert sorted(db.session.execute(db.select(PaperItem.attempt_id, PaperItem.question_version_id)
                                         .join(Attempt).where(Attempt.exam_id == exam_id)).all()) == papers


def test_an_exam_on_the_regulation_shows_no_revision_note(app, client, bank, demo):
    login(client, "organizer")
    response = client.post("/manage/exams/new", data=form_data())
    exam_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        regulation_id = default_document_id()
    edit = client.get(f"/manage/exams/{exam_id}/edit").get_data(as_text=True)
    assert selected_document(edit) == regulation_id and "已修订" not in edit
    assert "已修订" not in client.get(f"/manage/exams/{exam_id}").get_data(as_text=True)
