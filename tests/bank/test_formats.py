"""Import/export formats: round trips, Chinese problem reports with locations, unsupported types.

Pure tests: no app, no database, no fixtures from conftest.
"""
from __future__ import annotations

import copy
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from openpyxl import Workbook, load_workbook

from examapp.bank import formats
from examapp.bank.core import QuestionData
from examapp.bank.formats import gift, moodle_xml, xlsx
from examapp.bank.formats.common import ExportItem, FormatProblem, parse_article, parse_difficulty

SPECIAL = '花括号{x}、波浪~、等号=、井号#、冒号:、尖括号<b>、&amp; 与 & 、引号"双"\'单\'、百分号50%、反斜杠\\n'


def sample_questions() -> list[QuestionData]:
    return [
        QuestionData(type="single", stem="根据《优化营商环境条例》第一条，下列属于制定本条例目的的是（　）",
                     options=[{"key": "A", "text": "推动高质量发展"}, {"key": "B", "text": "扩大政府直接投资规模"},
                              {"key": "C", "text": "加强政府对市场活动的直接干预"}, {"key": "D", "text": "增加地方财政收入"}],
                     answer="A", explanation="依据第一条，制定条例是为了推动高质量发展。", article=1, difficulty=1,
                     tags=["立法目的"]),
        QuestionData(type="multiple", stem="第一条列明的制定《优化营商环境条例》的目的包括（　）",
                     options=[{"key": "A", "text": "持续优化营商环境"}, {"key": "B", "text": "不断解放和发展社会生产力"},
                              {"key": "C", "text": "加快建设现代化经济体系"}, {"key": "D", "text": "推动经济高速增长"},
                              {"key": "E", "text": "推动高质量发展"}],
                     answer=["A", "B", "C", "E"], explanation="“高速增长”不是条例的表述。", article=1, difficulty=2,
                     tags=["立法目的", "多选"]),
        QuestionData(type="truefalse", stem="国家坚持权利平等、机会平等、规则平等。", answer=True,
                     explanation="依据第十条。\n第二行：三个平等。\n\n第四行（空一行之后）。", article=10, difficulty=1,
                     tags=["平等保护"]),
        QuestionData(type="truefalse", stem="市场主体应当结果平等。\n（第二行题干）", answer=False,
                     explanation="", article=None, difficulty=3, tags=[]),
        QuestionData(type="fill", stem="政务服务事项原则上应当在____内办结。", answer=[["30日", "三十日"]],
                     explanation="示例：一个空，两种可接受写法。", article=40, difficulty=2, tags=["政务服务"]),
        QuestionData(type="fill", stem="国家平等对待各类____，保障其____使用各类生产要素。",
                     answer=[["市场主体"], ["平等", "依法平等"]], explanation="两个空。", article=12, difficulty=3,
                     tags=["市场主体", "平等保护"]),
        QuestionData(type="single", stem=f"特殊字符：{SPECIAL}（　）",
                     options=[{"key": "A", "text": "{=右花括号}"}, {"key": "B", "text": "~波浪#井号"},
                              {"key": "C", "text": "%50%开头是百分号"}, {"key": "D", "text": "%20%也是 <p>不是标签</p> &lt;"},
                              {"key": "E", "text": "a:b::c"}, {"key": "F", "text": "=开头是等号"}],
                     answer="C", explanation=f"解析也有特殊字符：{SPECIAL}\n第二行：＃全角＃｛｝～＝：",
                     article=72, difficulty=3, tags=["特殊字符", "C++"]),
        QuestionData(type="multiple", stem="全角标点：“引号”，（括号）；分号！问号？（　）",
                     options=[{"key": "A", "text": "选项一"}, {"key": "B", "text": "选项二"},
                              {"key": "C", "text": "选项三"}, {"key": "D", "text": "选项四"}],
                     answer=["B", "D"], explanation="", article=None, difficulty=2, tags=[]),
        QuestionData(type="fill", stem="____是优化营商环境的核心。", answer=[["市场主体"]], explanation="空在开头。",
                     article=None, difficulty=1, tags=["填空"]),
        QuestionData(type="fill", stem="答案带特殊字符的空：____，以及第二个空____",
                     answer=[["50%", "a=b", "x#y~z"], ["{1}", "c:d", "%10%"]], explanation="", article=5, difficulty=2,
                     tags=[]),
        QuestionData(type="fill", stem="一个空，答案很别扭：____！", answer=[["%10%", "a=b", "x#y~z{}", "&amp <b>", "\\"]],
                     explanation="", article=None, difficulty=2, tags=["别扭"]),
    ]


def export_items(questions: list[QuestionData] | None = None) -> list[ExportItem]:
    questions = sample_questions() if questions is None else questions
    return [ExportItem(id=index, version=1, chapter=(q.article - 1) // 10 + 1 if q.article else None, data=q)
            for index, q in enumerate(questions, start=1)]


def is_multi_blank(q: QuestionData) -> bool:
    return q.type == "fill" and len(q.answer) > 1


def round_trip(fmt: str, questions: list[QuestionData]) -> tuple[formats.ParseResult, formats.DumpResult]:
    dumped = formats.dump(fmt, export_items(copy.deepcopy(questions)))
    return formats.parse(fmt, dumped.content), dumped


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("fmt", ["json", "xlsx", "moodle-xml"])
def test_round_trip_reproduces_every_question(fmt):
    questions = sample_questions()
    parsed, dumped = round_trip(fmt, questions)
    assert dumped.skipped == []
    assert parsed.problems == []
    assert parsed.skipped == []
    assert [item.data for item in parsed.items] == questions


def test_gift_round_trip_and_multi_blank_fill_reported_as_not_exported():
    questions = sample_questions()
    parsed, dumped = round_trip("gift", questions)
    expected = [q for q in questions if not is_multi_blank(q)]
    assert parsed.problems == []
    assert parsed.skipped == []
    assert [item.data for item in parsed.items] == expected
    multi = [index for index, q in enumerate(questions, start=1) if is_multi_blank(q)]
    assert dumped.skipped == [f"第 {n} 题（编号 {n}，填空题，多个空）GIFT 格式不支持，未导出" for n in multi]


def test_round_trip_locations():
    parsed, _ = round_trip("xlsx", sample_questions()[:3])
    assert [item.location for item in parsed.items] == ["第 2 行", "第 3 行", "第 4 行"]
    for fmt in ("json", "moodle-xml", "gift"):
        parsed, _ = round_trip(fmt, sample_questions()[:3])
        assert [item.location for item in parsed.items] == ["第 1 题", "第 2 题", "第 3 题"], fmt


def test_blank_marker_written_as_brackets_survives_xlsx_json_and_shortanswer():
    question = QuestionData(type="fill", stem="登记应当在（　）个工作日内完成。", answer=[["3", "三"]], difficulty=2)
    for fmt in ("json", "xlsx", "moodle-xml"):
        parsed, _ = round_trip(fmt, [question])
        assert [i.data for i in parsed.items] == [question], fmt
    # GIFT's missing-word form has no blank marker of its own: it comes back as ____.
    parsed, _ = round_trip("gift", [question])
    assert parsed.items[0].data.stem == "登记应当在____个工作日内完成。"


# ---------------------------------------------------------------- the written files

def test_json_dump_shape():
    items = export_items()
    records = json.loads(formats.dump("json", items).content.decode("utf-8"))
    assert list(records[0]) == ["id", "version", "type", "stem", "options", "answer", "document", "document_title",
                                "article", "chapter", "difficulty", "explanation", "tags"]
    assert records[0]["id"] == 1 and records[0]["chapter"] == 1
    assert records[4]["answer"] == [["30日", "三十日"]]
    assert "优化营商环境" in formats.dump("json", items).content.decode("utf-8")  # ensure_ascii=False


def test_xlsx_dump_layout():
    content = formats.dump("xlsx", export_items()).content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["题库", "填写说明"]
    sheet = workbook["题库"]
    header = [c.value for c in sheet[1]]
    assert header == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "政策文件",
                      "条款", "难度", "标签"]
    assert sheet["A1"].font.b
    assert sheet["B2"].alignment.wrap_text
    rows = {r: [c.value for c in sheet[r]] for r in range(2, 12)}
    assert rows[2][0] == "单选题" and rows[2][8] == "A" and rows[2][11] == 1
    assert rows[3][8] == "ABCE"
    assert rows[4][8] == "正确" and rows[5][8] == "错误" and rows[5][11] is None
    assert rows[6][8] == "30日/三十日"
    assert rows[7][8] == "市场主体|平等/依法平等"
    assert rows[3][13] == "立法目的、多选"
    assert sheet["H8"].value == "=开头是等号"  # text, not a formula
    assert sheet["H8"].data_type == "s"


def test_moodle_xml_dump_structure():
    root = ET.fromstring(formats.dump("moodle-xml", export_items()).content)
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert [q.get("type") for q in questions] == ["multichoice", "multichoice", "truefalse", "truefalse",
                                                  "shortanswer", "cloze", "multichoice", "multichoice",
                                                  "shortanswer", "cloze", "shortanswer"]
    single, multiple, true_q, false_q, short, cloze = questions[:6]
    assert single.findtext("single") == "true" and multiple.findtext("single") == "false"
    assert single.findtext("answernumbering") == "ABCD"
    assert [a.get("fraction") for a in single.findall("answer")] == ["100", "0", "0", "0"]
    assert [a.get("fraction") for a in multiple.findall("answer")] == ["25", "25", "25", "-100", "25"]
    assert [a.findtext("text") for a in true_q.findall("answer")] == ["true", "false"]
    assert [a.get("fraction") for a in true_q.findall("answer")] == ["100", "0"]
    assert [a.get("fraction") for a in false_q.findall("answer")] == ["0", "100"]
    assert short.find("questiontext").findtext("text") == "政务服务事项原则上应当在____内办结。"
    assert [a.findtext("text") for a in short.findall("answer")] == ["30日", "三十日"]
    assert cloze.find("questiontext").findtext("text") == (
        "国家平等对待各类{1:SHORTANSWER:=市场主体}，保障其{1:SHORTANSWER:=平等~=依法平等}使用各类生产要素。")
    assert [t.findtext("text") for t in single.findall("tags/tag")] == ["条款:1", "难度:1", "立法目的"]
    assert [t.findtext("text") for t in false_q.findall("tags/tag")] == ["难度:3"]
    assert single.findtext("name/text") == sample_questions()[0].stem[:30]
    assert three_fractions() == ["33.33333", "33.33333", "33.33333", "-100"]


def three_fractions() -> list[str]:
    question = QuestionData(type="multiple", stem="三个正确（　）", answer=["A", "B", "C"],
                            options=[{"key": k, "text": k * 2} for k in "ABCD"])
    root = ET.fromstring(formats.dump("moodle-xml", export_items([question])).content)
    return [a.get("fraction") for a in root.find("question[@type='multichoice']").findall("answer")]


def test_gift_dump_text():
    text = formats.dump("gift", export_items()).content.decode("utf-8")
    assert "// 条款: 1  难度: 1  标签: 立法目的\n::Q1::根据《优化营商环境条例》第一条" in text
    assert "\t=推动高质量发展\n\t~扩大政府直接投资规模\n" in text
    assert "\t~%25%持续优化营商环境\n" in text and "\t~%-100%推动经济高速增长\n" in text
    assert "::Q3::国家坚持权利平等、机会平等、规则平等。{TRUE####依据第十条。\\n第二行：三个平等。\\n\\n第四行" in text
    assert "::Q5::政务服务事项原则上应当在{=30日 =三十日####示例：一个空，两种可接受写法。}内办结。" in text
    assert "::Q9::{=市场主体####空在开头。}是优化营商环境的核心。" in text
    assert "花括号\\{x\\}、波浪\\~、等号\\=、井号\\#、冒号\\:" in text
    assert "\t=%50%开头是百分号\n" in text and "\t~%0%%20%也是 <p>不是标签</p> &lt;\n" in text
    assert "$CATEGORY: $course$/top/题库/第一章" in text
    assert "\n::Q7::[plain]特殊字符" in text and "::Q11::[plain]一个空" in text  # < or &: Moodle must not render HTML
    assert "::Q6::" not in text  # two blanks: not exported
    assert not re.search(r"\n\n\n", text)


def test_gift_dump_titles_without_id():
    items = [ExportItem(id=None, version=None, chapter=3, data=q) for q in sample_questions()[:2]]
    text = formats.dump("gift", items).content.decode("utf-8")
    assert "::R01-01::" in text and "::R01-02::" in text


# ---------------------------------------------------------------- xlsx import as organisers write it

def make_xlsx(rows: list[list[object]], header: list[str] | None = None, title: str = "题库") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(header or list(xlsx.HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(qtype, stem, options=(), answer="", explanation="", article=None, difficulty=None, tags=None, document=None):
    options = list(options) + [None] * (6 - len(options))
    return [qtype, stem, *options, answer, explanation, document, article, difficulty, tags]


def test_xlsx_accepts_the_ways_organisers_write_answers():
    rows = [
        row("单选", "单选题干（　）", ["甲", "乙", "丙", "丁"], "b", article="第21条", difficulty="易"),
        row("多选题", "多选题干（　）", ["甲", "乙", "丙", "丁"], "A、C、D", article="第二十一条", difficulty="难",
            tags="标签一，标签二 标签三"),
        row("多选", "多选题干二（　）", ["甲", "乙", "丙"], "C,A", article=21.0, difficulty=3),
        row("判断题", "判断一", answer="√"),
        row("判断", "判断二", answer="×"),
        row("判断题", "判断三", answer="对"),
        row("判断题", "判断四", answer="F"),
        row("判断题", "判断五", answer=True),
        row("填空题", "第一空（　），第二空____。", answer="30日/三十日；市场主体"),
        [None] * 14,
        row("填空", "只有一个空____", answer=30, article=""),
    ]
    parsed = formats.parse("xlsx", make_xlsx(rows))
    assert parsed.problems == []
    data = [item.data for item in parsed.items]
    assert [item.location for item in parsed.items] == [f"第 {n} 行" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 12)]
    assert data[0].answer == "B" and data[0].article == 21 and data[0].difficulty == 1
    assert data[1].answer == ["A", "C", "D"] and data[1].article == 21 and data[1].difficulty == 3
    assert data[1].tags == ["标签一", "标签二", "标签三"]
    assert data[2].answer == ["A", "C"] and data[2].article == 21
    assert [d.answer for d in data[3:8]] == [True, False, True, False, True]
    assert data[3].difficulty == 2 and data[3].article is None
    assert data[8].answer == [["30日", "三十日"], ["市场主体"]]
    assert data[9].answer == [["30"]] and data[9].article is None


def test_xlsx_problems_name_row_and_column():
    rows = [
        row("单选题", "正常（　）", ["甲", "乙", "丙", "丁"], "A"),
        row("多选题", "答案字母错（　）", ["甲", "乙", "丙", "丁"], "AX"),
        row("问答题", "题型不认识", answer="随便"),
        row("单选题", "选项不连续（　）", ["甲", None, "丙"], "A"),
        row("单选题", "答案不是选项（　）", ["甲", "乙"], "D"),
        row("判断题", "判断答案错", answer="也许"),
        row("填空题", "两个空____和____", answer="只有一个"),
        row("单选题", "条款和难度错（　）", ["甲", "乙"], "A", article="第X条", difficulty="超难"),
        row("单选题", "", ["甲", "乙"], ""),
        row("填空题", "没有空", answer="甲"),
    ]
    parsed = formats.parse("xlsx", make_xlsx(rows))
    messages = [str(p) for p in parsed.problems]
    assert [i.location for i in parsed.items] == ["第 2 行"]
    assert "第 3 行「答案」列：多选题答案“AX”含有不存在的选项X（本题选项为 A–D）" in messages
    assert "第 4 行「题型」列：题型“问答题”无效，应为 单选题、多选题、判断题 或 填空题" in messages
    assert "第 5 行「选项B」列：选项应从 A 开始连续填写：选项B为空，但其后还有选项" in messages
    assert "第 6 行「答案」列：单选题答案“D”是不存在的选项（本题选项为 A–B）" in messages
    assert any(m.startswith("第 7 行「答案」列：判断题答案“也许”") for m in messages)
    assert any(m.startswith("第 8 行「答案」列：题干有 2 个空，答案有 1 个") for m in messages)
    assert any(m.startswith("第 9 行「条款」列：条款“第X条”无法识别") for m in messages)
    assert any(m.startswith("第 9 行「难度」列：难度“超难”无效") for m in messages)
    assert "第 10 行「题干」列：题干为空" in messages and "第 10 行「答案」列：答案为空" in messages
    assert "第 11 行「题干」列：填空题题干中没有空（用 ____ 或（　）标出）" in messages
    assert all(isinstance(p, FormatProblem) for p in parsed.problems)


def test_xlsx_bad_answer_letter_in_row_3():
    rows = [row("单选题", "第一题（　）", ["甲", "乙", "丙", "丁"], "A"),
            row("单选题", "第二题（　）", ["甲", "乙", "丙", "丁"], "G")]
    parsed = formats.parse("xlsx", make_xlsx(rows))
    assert len(parsed.problems) == 1
    assert parsed.problems[0].location == "第 3 行「答案」列"
    assert str(parsed.problems[0]).startswith("第 3 行「答案」列：单选题答案“G”")


def test_xlsx_file_level_problems():
    not_xlsx = formats.parse("xlsx", b"this is not a spreadsheet")
    assert [str(p) for p in not_xlsx.problems] == ["文件：文件不是有效的 Excel（.xlsx）文件，无法读取"]
    old_xls = formats.parse("xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert "另存为" in str(old_xls.problems[0])
    missing = formats.parse("xlsx", make_xlsx([["x", "y"]], header=["题目", "题干", "解析"]))
    assert len(missing.problems) == 1
    assert str(missing.problems[0]).startswith("第 1 行：表头缺少必需的列：题型、答案")
    empty = formats.parse("xlsx", make_xlsx([]))
    assert [str(p) for p in empty.problems] == ["文件：文件中没有找到题目"]


def test_xlsx_reads_first_sheet_when_not_named_and_tolerates_header_spacing():
    header = ["题型", "题 干", "选项 A", "选项Ｂ", "答案"]
    content = make_xlsx([["单选题", "题（　）", "甲", "乙", "B"]], header=header, title="Sheet1")
    parsed = formats.parse("xlsx", content)
    assert parsed.problems == []
    assert parsed.items[0].data.options == [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}]


# ---------------------------------------------------------------- Moodle XML import

def quiz(*questions: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n").encode()


MOODLE_ESSAY = """<question type="essay"><name><text>论述</text></name>
<questiontext format="html"><text>谈谈你的理解</text></questiontext></question>"""
MOODLE_MATCHING = """<question type="matching"><name><text>配对</text></name>
<questiontext format="html"><text>配对</text></questiontext></question>"""
MOODLE_SINGLE = """<question type="multichoice">
  <name><text>Moodle 自己导出的单选题</text></name>
  <questiontext format="html"><text><![CDATA[<p dir="ltr">下列说法<strong>正确</strong>的是&nbsp;（　）</p>]]></text></questiontext>
  <generalfeedback format="html"><text><![CDATA[<p>第一段</p>
<p>第二段 &amp; 更多</p>]]></text></generalfeedback>
  <single>true</single>
  <answer fraction="0" format="html"><text><![CDATA[<p>错的</p>]]></text></answer>
  <answer fraction="100" format="html"><text><![CDATA[<p>对的</p>]]></text></answer>
  <tags><tag><text>条款：第二十一条</text></tag><tag><text>难度:难</text></tag><tag><text>登记</text></tag></tags>
</question>"""


def test_moodle_xml_reads_moodle_style_html_and_ignores_categories():
    content = quiz('<question type="category"><category><text>$course$/top/默认</text></category></question>',
                   MOODLE_SINGLE)
    parsed = formats.parse("moodle-xml", content)
    assert parsed.problems == [] and parsed.skipped == []
    data = parsed.items[0].data
    assert parsed.items[0].location == "第 1 题"
    assert data.stem == "下列说法正确的是 （　）"
    assert data.explanation == "第一段\n第二段 & 更多"
    assert data.options == [{"key": "A", "text": "错的"}, {"key": "B", "text": "对的"}]
    assert data.answer == "B" and data.article == 21 and data.difficulty == 3 and data.tags == ["登记"]


def test_moodle_xml_unsupported_types_are_reported_not_dropped():
    content = quiz(MOODLE_ESSAY, MOODLE_SINGLE, MOODLE_MATCHING,
                   '<question type="numerical"><questiontext><text>1+1</text></questiontext></question>',
                   '<question type="cloze"><questiontext format="html"><text>'
                   '选 {1:MULTICHOICE:=甲~乙}</text></questiontext></question>')
    parsed = formats.parse("moodle-xml", content)
    assert parsed.problems == []
    assert [i.location for i in parsed.items] == ["第 2 题"]
    assert parsed.skipped[:3] == ["第 1 题：Moodle 题型“essay”（论述题）不支持，已跳过",
                                  "第 3 题：Moodle 题型“matching”（匹配题）不支持，已跳过",
                                  "第 4 题：Moodle 题型“numerical”（数值题）不支持，已跳过"]
    assert parsed.skipped[3].startswith("第 5 题：Moodle 完形填空题中含有“MULTICHOICE”类型的空")


def test_moodle_xml_cloze_and_shortanswer_from_moodle():
    cloze = ('<question type="cloze"><questiontext format="html"><text><![CDATA[<p>甲{1:SA:=一~%100%壹'
             '~%50%半对#反馈~错}乙{2:SHORTANSWER_C:=\\}括号}丙</p>]]></text></questiontext></question>')
    short = ('<question type="shortanswer"><questiontext format="html"><text>谁是市场主体？</text></questiontext>'
             '<answer fraction="100"><text>企业</text></answer><answer fraction="50"><text>公司</text></answer>'
             '</question>')
    parsed = formats.parse("moodle-xml", quiz(cloze, short))
    assert parsed.problems == []
    assert parsed.items[0].data.stem == "甲____乙____丙"
    assert parsed.items[0].data.answer == [["一", "壹"], ["}括号"]]
    assert parsed.items[1].data.stem == "谁是市场主体？____"
    assert parsed.items[1].data.answer == [["企业"]]


def test_moodle_xml_shortanswer_answers_are_plain_text():
    question = QuestionData(type="fill", stem="____", answer=[["&amp;", "<b>", "a;b|c/d"]])
    for fmt in ("moodle-xml", "gift", "json"):
        parsed, _ = round_trip(fmt, [question])
        assert [i.data for i in parsed.items] == [question], fmt


def test_moodle_xml_problems():
    broken = formats.parse("moodle-xml", b'<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>\n')
    assert len(broken.problems) == 1
    assert broken.problems[0].location == "第 4 行"
    assert "XML 格式有误" in broken.problems[0].message and "标签不匹配" in broken.problems[0].message
    doctype = formats.parse("moodle-xml", b'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY a "aaaa">]>\n'
                                          b"<quiz>&a;</quiz>")
    assert [str(p) for p in doctype.problems] == ["文件：不支持包含 DOCTYPE 的 XML"]
    hidden = formats.parse("moodle-xml", b'<?xml version="1.0"?>\n<!-- <![CDATA[ -->\n<!DOCTYPE quiz [<!ENTITY a "b">]>'
                                         b"\n<!-- ]]> -->\n<quiz>&a;</quiz>")
    assert [str(p) for p in hidden.problems] == ["文件：不支持包含 DOCTYPE 的 XML"]
    other_root = formats.parse("moodle-xml", b"<questions/>")
    assert "根元素应为 <quiz>" in str(other_root.problems[0])
    bad = quiz('<question type="multichoice"><questiontext><text>两个满分（　）</text></questiontext>'
               '<single>true</single><answer fraction="100"><text>甲</text></answer>'
               '<answer fraction="100"><text>乙</text></answer></question>',
               '<question type="truefalse"><questiontext><text>没有答案</text></questiontext>'
               '<answer fraction="0"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
               '</question>')
    messages = [str(p) for p in formats.parse("moodle-xml", bad).problems]
    assert messages == ["第 1 题：单选题应有且只有一个满分（100%）选项，现有 2 个",
                        "第 2 题：判断题没有标出正确答案（分值为 100 的答案）"]


# ---------------------------------------------------------------- GIFT import

def test_gift_reads_hand_written_questions():
    text = """// 一份手写的 GIFT 文件
$CATEGORY: $course$/top/条例

// 条款: 第21条 难度: 易 标签: 登记, 市场主体
::名称::谁负责登记？{~国务院 =登记机关#对 ~个人}

::T1::条例自2020年1月1日起施行。{T}

条例自 2019 年起施行。{FALSE#错的反馈####总的解析}

登记应当在{=3 =三}个工作日内完成。

请选择正确的两项 {
  ~%50%甲
  ~%50%乙
  ~%-100%丙
}

[html]<b>加粗</b>题干{TRUE}

[html]<p>选择</p>{=<i>甲</i> ~乙&amp;丙####<p>解析</p>}
"""
    parsed = formats.parse("gift", text.encode("utf-8"))
    assert parsed.problems == [] and parsed.skipped == []
    data = [i.data for i in parsed.items]
    assert [i.location for i in parsed.items] == [f"第 {n} 题" for n in range(1, 8)]
    assert data[0].type == "single" and data[0].answer == "B" and data[0].stem == "谁负责登记？"
    assert data[0].article == 21 and data[0].difficulty == 1 and data[0].tags == ["登记", "市场主体"]
    assert data[1].answer is True and data[1].difficulty == 2 and data[1].article is None
    assert data[2].answer is False and data[2].explanation == "总的解析"
    assert data[3].type == "fill" and data[3].stem == "登记应当在____个工作日内完成。"
    assert data[3].answer == [["3", "三"]]
    assert data[4].type == "multiple" and data[4].answer == ["A", "B"] and data[4].stem == "请选择正确的两项"
    assert data[5].stem == "加粗题干"
    assert data[6].options == [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙&丙"}]
    assert data[6].explanation == "解析"
    moodle_export = "// question: 12  name: Q1\n::Q1::[html]<p>谁负责？</p>{\n\t=%100%登记机关#\n\t=%50%机关#半对\n}\n"
    parsed = formats.parse("gift", moodle_export.encode())
    assert (parsed.items[0].data.stem, parsed.items[0].data.answer) == ("谁负责？____", [["登记机关"]])


def test_gift_unsupported_types_are_reported():
    text = """论述：谈谈你的理解。{}

配对 {=甲->一 =乙->二}

数值 {#3:1}

这只是一段说明文字，没有答案。

正常 {T}
"""
    parsed = formats.parse("gift", text.encode("utf-8"))
    assert parsed.problems == []
    assert [i.location for i in parsed.items] == ["第 5 题"]
    assert parsed.skipped == [
        "第 1 题（第 1 行）：GIFT 题型“essay”（论述题）不支持，已跳过",
        "第 2 题（第 3 行）：GIFT 题型“matching”（匹配题）不支持，已跳过",
        "第 3 题（第 5 行）：GIFT 题型“numerical”（数值题）不支持，已跳过",
        "第 4 题（第 7 行）：GIFT 题型“description”（描述，没有答案部分）不支持，已跳过",
    ]


def test_gift_syntax_errors_name_question_and_line():
    text = """正常 {T}

// 注释
第二题缺少右括号 {
  =甲
  ~乙

第三题 } 多了右括号 {T}

::没有结束的名称 {T}

第五题{T}
第六题没空行{F}

单选两个等号 {=甲 =乙 ~丙}
"""
    parsed = formats.parse("gift", text.encode("utf-8"))
    messages = [str(p) for p in parsed.problems]
    assert messages[0] == "第 2 题（第 4 行）：答案部分缺少右花括号“}”"
    assert messages[1].startswith("第 3 题（第 8 行）：多了一个右花括号“}”")
    assert messages[2] == "第 4 题（第 10 行）：题目名称缺少结束的“::”"
    assert messages[3].startswith("第 5 题（第 13 行）：一道题只能有一组答案")
    assert messages[4].startswith("第 6 题（第 15 行）：单选题应有且只有一个正确选项")
    assert [i.location for i in parsed.items] == ["第 1 题"]


def test_gift_accepts_gb18030_and_crlf():
    parsed = formats.parse("gift", "判断题干{T}\r\n\r\n另一题{F}\r\n".encode("gb18030"))
    assert parsed.problems == []
    assert [(i.data.stem, i.data.answer) for i in parsed.items] == [("判断题干", True), ("另一题", False)]


def test_gift_escape_round_trip_of_awkward_text():
    awkward = "a\\b\\\\c \\n {}~=#: \\{ 末尾反斜杠\\"
    question = QuestionData(type="truefalse", stem=awkward, answer=True, explanation=awkward + "\n第二行")
    parsed, _ = round_trip("gift", [question])
    assert [i.data for i in parsed.items] == [question]
    assert gift.escape("a\nb{") == "a\\nb\\{"
    literal_marker = QuestionData(type="truefalse", stem="[html]不是格式标记", answer=False)
    parsed, dumped = round_trip("gift", [literal_marker])
    assert "::Q1::[plain][html]不是格式标记{FALSE}" in dumped.content.decode()
    assert [i.data for i in parsed.items] == [literal_marker]


# ---------------------------------------------------------------- JSON import and dispatch

def test_json_problems():
    broken = formats.parse("json", b'[{"type": "single",\n "stem": }]')
    assert broken.problems[0].location == "第 2 行" and "JSON 格式有误" in broken.problems[0].message
    not_list = formats.parse("json", b'{"a": 1}')
    assert [str(p) for p in not_list.problems] == ["文件：JSON 文件的最外层应为题目列表 [ … ]"]
    bad = formats.parse("json", json.dumps([
        {"type": "essay", "stem": "x", "answer": "y"},
        {"type": "truefalse", "stem": "x", "answer": "yes"},
        {"type": "single", "stem": "x", "options": {"A": "甲", "B": "乙"}, "answer": "A", "article": "第3条"},
        {"type": "single", "stem": "x", "options": [], "answer": "A", "difficulty": "很难"},
    ], ensure_ascii=False).encode())
    messages = [str(p) for p in bad.problems]
    assert messages[0].startswith("第 1 题：题型“essay”无效")
    assert messages[1] == "第 2 题：判断题答案应为 true 或 false"
    assert messages[2].startswith("第 4 题：难度“很难”无效")
    assert [(i.location, i.data.article) for i in bad.items] == [("第 3 题", 3)]


def test_guess_format_and_unknown_format():
    assert formats.guess_format("题库.JSON") == "json"
    assert formats.guess_format("导出.xlsx") == "xlsx"
    assert formats.guess_format("moodle.xml") == "moodle-xml"
    assert formats.guess_format("a.gift") == "gift"
    assert formats.guess_format("题库导出.gift.txt") == "gift"
    assert formats.guess_format("a.docx") is None
    assert formats.guess_format("") is None
    assert formats.FORMATS == ("json", "xlsx", "moodle-xml", "gift")
    unknown = formats.parse(None, b"x")
    assert "无法识别的文件格式" in str(unknown.problems[0])
    assert [str(p) for p in formats.parse("gift", b"  \n").problems] == ["文件：文件是空的"]
    with pytest.raises(ValueError):
        formats.dump("docx", [])


def test_format_problem_str():
    assert str(FormatProblem("第 3 行「答案」列", "答案为空")) == "第 3 行「答案」列：答案为空"


@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("", None), (21, 21), (21.0, 21), ("21", 21), ("第21条", 21), ("第二十一条", 21),
    ("第 72 条", 72), ("七十二", 72), ("２１", 21),
])
def test_parse_article(raw, expected):
    assert parse_article(raw) == expected


@pytest.mark.parametrize("raw", ["第X条", "0", "21.5", 21.5, "二十一款"])
def test_parse_article_rejects(raw):
    with pytest.raises(ValueError):
        parse_article(raw)


@pytest.mark.parametrize(("raw", "expected"), [(None, 2), ("", 2), (1, 1), (3.0, 3), ("易", 1), ("中", 2),
                                               ("难", 3), (" 2 ", 2)])
def test_parse_difficulty(raw, expected):
    assert parse_difficulty(raw) == expected


def test_no_flask_in_format_modules():
    from examapp.bank.formats import common, jsonfmt

    for module in (formats, common, jsonfmt, gift, moodle_xml, xlsx):
        with open(module.__file__, encoding="utf-8") as handle:
            source = handle.read()
        assert not re.search(r"^\s*(from|import)\s+flask", source, re.MULTILINE | re.IGNORECASE), module.__name__


def test_shipped_bank_round_trips_through_every_format():
    from examapp.bank import shipped

    files = shipped.chapter_files()
    if not files:
        pytest.skip("question_bank/ has no chapter files")
    questions = [item.data for path in files for item in shipped.read_chapter_file(path)[0]]
    for fmt in formats.FORMATS:
        parsed, dumped = round_trip(fmt, questions)
        carried = [q for q in questions if not (fmt == "gift" and is_multi_blank(q))]
        assert parsed.problems == [], fmt
        assert [item.data for item in parsed.items] == carried, fmt
        assert len(dumped.skipped) == len(questions) - len(carried)


# ---------------------------------------------------------------- hostile files found by tests/fuzz

def test_json_nested_too_deeply_is_a_problem_not_a_crash():
    result = formats.parse("json", b"[" * 100_000 + b"]" * 100_000)
    assert [str(p) for p in result.problems] == ["文件：JSON 的括号嵌套层数过多，无法读取文件"]


def test_json_number_with_thousands_of_digits_is_reported_in_chinese():
    result = formats.parse("json", b'[{"type": "single", "article": ' + b"1" * 5000 + b"}]")
    assert [str(p) for p in result.problems] == ["文件：JSON 中有位数过多的数字，无法读取文件"]


@pytest.mark.parametrize("encoding", ["gbk", "GB2312", "x-unknown", "rot13"])
def test_moodle_xml_in_an_encoding_expat_cannot_read_is_a_problem(encoding):
    content = f'<?xml version="1.0" encoding="{encoding}"?><quiz></quiz>'.encode()
    result = formats.parse("moodle-xml", content)
    assert [str(p) for p in result.problems] == ["文件：XML 文件声明的编码无法读取，请另存为 UTF-8 编码后再导入"]


def test_control_characters_are_dropped_by_every_text_format():
    json_file = json.dumps([{"type": "fill", "stem": "a\u0000b____", "answer": [["c\u0001"]], "tags": ["t\u0000"],
                             "explanation": "e\u0000"}]).encode()
    parsed = formats.parse("json", json_file).items[0].data
    assert (parsed.stem, parsed.answer, parsed.tags, parsed.explanation) == ("ab____", [["c"]], ["t"], "e")
    gift_file = "问\x00题{TRUE####解\x00析}".encode()
    parsed = formats.parse("gift", gift_file).items[0].data
    assert (parsed.stem, parsed.explanation) == ("问题", "解析")
