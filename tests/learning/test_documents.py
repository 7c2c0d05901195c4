"""Practice on a policy document other than 《条例》: ?document=ID lists its chapters and draws its questions."""
import pytest

from tests.conftest import login
from tests.exams.test_documents import sample_with_questions
from tests.learning.test_practice import answer, practice_rows


@pytest.fixture
def sj01(app, demo, bank):
    client = app.test_client()
    assert login(client, "sj01").status_code == 302
    return client


def test_practice_by_document_lists_its_chapters_and_draws_only_its_questions(app, sj01):
    sample_id, sample_questions = sample_with_questions(app)
    page = sj01.get("/learning/practice").get_data(as_text=True)
    assert "《示例市优化营商服务办法》" in page and "第一章 总则" in page and "服务保障" not in page
    page = sj01.get(f"/learning/practice?document={sample_id}").get_data(as_text=True)
    assert f'<option value="{sample_id}" selected>' in page
    assert "第二章 服务保障" in page and f"/learning/practice?chapter=2&amp;document={sample_id}" in page
    page = sj01.get(f"/learning/practice?document={sample_id}&chapter=2").get_data(as_text=True)
    assert "共 3 题" in page and "（示例办法）任何单位不得向市场主体收取帮办费用。" in page
    page = sj01.get(f"/learning/practice?document={sample_id}&article=4").get_data(as_text=True)
    assert "专项练习 · 第四条" in page and "共 1 题" in page
    # The 《条例》's own article 4 is not the sample's, and an unknown document falls back to the 《条例》.
    regulation = sj01.get("/learning/practice?article=4").get_data(as_text=True)
    assert "（示例办法）" not in regulation and "共 " in regulation
    assert sj01.get("/learning/practice?document=999&article=4").get_data(as_text=True).count("（示例办法）") == 0
    feedback = answer(sj01, min(sample_questions), True, client_id=21).get_json()
    assert feedback["right"] is True and feedback["article_text"] in {
        "任何单位不得向市场主体收取帮办费用。", "本办法自发布之日起施行。",
        "服务专员应当在三个工作日内答复市场主体的咨询。\n对复杂事项，可以延长至五个工作日。"}
    assert [(r.question_id, r.right) for r in practice_rows(app)] == [(min(sample_questions), True)]
