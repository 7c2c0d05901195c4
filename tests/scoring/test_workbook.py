"""The round's input workbook: template, whole-workbook validation with located Chinese problems, round trip.

Pure tests: no app, no database, no fixtures from conftest.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from examapp.scoring.inputs import (
    AssistanceRecord,
    ConductItem,
    ExamScore,
    Indicator,
    IndicatorRank,
    OtherScore,
    RoundInputs,
)
from examapp.scoring.workbook import (
    HELP_SHEET,
    SHEETS,
    WorkbookProblem,
    period_key,
    read_workbook,
    split_organizations,
    template_workbook,
    write_workbook,
)

CHENGGUAN, DONGCHENG, XICHENG = "城关镇党委", "东城街道党工委", "西城街道党工委"
FAGAI, SHIJIAN = "区发展和改革局党组", "区市场监督管理局党组"
ORGS = {CHENGGUAN, DONGCHENG, XICHENG, FAGAI, SHIJIAN}


def build(sheets: dict[str, list[list[object]]], headers: dict[str, list[str]] | None = None) -> bytes:
    """A workbook with the given sheets: header row from SHEETS (or ``headers``), then the rows as given."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(list((headers or {}).get(name, SHEETS.get(name, ("备注",)))))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_sheets() -> dict[str, list[list[object]]]:
    return {
        "指标": [
            ["1", "政务服务", "一级", None, "王副区长", None, None],
            ["1.1", "网上政务服务能力", "二级", "1", "李局长", FAGAI, f"{SHIJIAN}、{CHENGGUAN}"],
            ["1.1.1", "一网通办事项比例", "三级", "1.1", "张主任", SHIJIAN, f"{DONGCHENG}，{XICHENG}\n{CHENGGUAN}"],
        ],
        "指标排名": [
            ["1.1.1", "2023Q2", 3, 16],
            ["1.1.1", "2023Q1", 15, 16],
            ["1.1", "2023Q1", 7, 16],
        ],
        "联企解困": [
            [CHENGGUAN, "2023Q1", 30, 12, 10, 8, 95],
            [CHENGGUAN, "2023Q2", 25, 0, 0, 0, None],
            [DONGCHENG, "2023Q1", 18, 6, 6, 6, "92.5%"],
        ],
        "执政形象": [
            [CHENGGUAN, dt.datetime(2023, 5, 12), "扣分", 2, "信访事项办理超期", "区委督查通报〔2023〕5号"],
            [CHENGGUAN, "2023-08-01", "加分", 3, "获市级表彰", "市委组织部文件"],
            [XICHENG, "2023年9月30日", "扣分", 1.5, "安全生产检查问题", None],
        ],
        "考试成绩": [
            [CHENGGUAN, "优化营商环境条例知识测试", 88.5, None],
            [DONGCHENG, "优化营商环境条例知识测试", None, "缺考"],
            [XICHENG, "优化营商环境条例知识测试", None, "请假"],
            [FAGAI, "优化营商环境条例知识测试", 92, "正常"],
        ],
        "其他指标": [
            [CHENGGUAN, "党建工作", 90],
            [DONGCHENG, "党建工作", 85.5],
        ],
    }


def expected_inputs() -> RoundInputs:
    return RoundInputs(
        people=[],
        periods=["2023Q1", "2023Q2"],
        indicators=[
            Indicator("1", "政务服务", 1, None, "王副区长", None, ()),
            Indicator("1.1", "网上政务服务能力", 2, "1", "李局长", FAGAI, (SHIJIAN, CHENGGUAN)),
            Indicator("1.1.1", "一网通办事项比例", 3, "1.1", "张主任", SHIJIAN, (DONGCHENG, XICHENG, CHENGGUAN)),
        ],
        ranks=[
            IndicatorRank("1.1.1", "2023Q2", 3, 16),
            IndicatorRank("1.1.1", "2023Q1", 15, 16),
            IndicatorRank("1.1", "2023Q1", 7, 16),
        ],
        assistance=[
            AssistanceRecord(CHENGGUAN, "2023Q1", 30, 12, 10, 8, 95.0),
            AssistanceRecord(CHENGGUAN, "2023Q2", 25, 0, 0, 0, None),
            AssistanceRecord(DONGCHENG, "2023Q1", 18, 6, 6, 6, 92.5),
        ],
        conduct=[
            ConductItem(CHENGGUAN, dt.date(2023, 5, 12), "扣分", 2.0, "信访事项办理超期", "区委督查通报〔2023〕5号"),
            ConductItem(CHENGGUAN, dt.date(2023, 8, 1), "加分", 3.0, "获市级表彰", "市委组织部文件"),
            ConductItem(XICHENG, dt.date(2023, 9, 30), "扣分", 1.5, "安全生产检查问题", ""),
        ],
        exams=[
            ExamScore(CHENGGUAN, "优化营商环境条例知识测试", 88.5, "正常"),
            ExamScore(DONGCHENG, "优化营商环境条例知识测试", None, "缺考"),
            ExamScore(XICHENG, "优化营商环境条例知识测试", None, "请假"),
            ExamScore(FAGAI, "优化营商环境条例知识测试", 92.0, "正常"),
        ],
        others=[OtherScore(CHENGGUAN, "党建工作", 90.0), OtherScore(DONGCHENG, "党建工作", 85.5)],
    )


def located(result) -> list[tuple[str, int, str]]:
    return [(p.sheet, p.row, p.column) for p in result.problems]


# ---------------------------------------------------------------- template

def test_template_has_exactly_the_sheets_and_headers():
    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert workbook.sheetnames == ["指标", "指标排名", "联企解困", "执政形象", "考试成绩", "其他指标", HELP_SHEET]
    assert SHEETS == {
        "指标": ("指标编码", "指标名称", "指标层级", "上级指标编码", "指标长", "牵头单位", "责任单位"),
        "指标排名": ("指标编码", "考核期", "全市排名", "参评地区数"),
        "联企解困": ("党组织", "考核期", "走访企业数", "收集问题数", "已解决数", "按期解决数", "满意度"),
        "执政形象": ("党组织", "日期", "类型", "分值", "事由", "依据"),
        "考试成绩": ("党组织", "考试名称", "得分", "状态"),
        "其他指标": ("党组织", "指标名称", "得分"),
    }
    for name, headers in SHEETS.items():
        sheet = workbook[name]
        assert sheet.max_row == 1
        assert tuple(c.value for c in sheet[1]) == headers
        assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DDEBF7") for c in sheet[1])
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])
    dropdowns = {(name, str(dv.sqref).split(":")[0], dv.formula1)
                 for name in SHEETS for dv in workbook[name].data_validations.dataValidation}
    assert dropdowns == {("指标", "C2", '"一级,二级,三级"'), ("执政形象", "C2", '"扣分,加分"'),
                         ("考试成绩", "D2", '"正常,缺考,请假"')}
    help_text = "\n".join(str(c.value) for row in workbook[HELP_SHEET].iter_rows() for c in row)
    for phrase in (*SHEETS, "2023-10-20", "95%", "2023Q1", "2023年3月", "0–100", "党组织名称", "缺考", "、"):
        assert phrase in help_text


def test_empty_template_reads_as_empty_inputs_without_problems():
    result = read_workbook(template_workbook(), ORGS)
    assert result.ok and result.problems == []
    assert result.inputs == RoundInputs()
    assert result.notes == ["工作簿中没有数据行。"]


# ---------------------------------------------------------------- a good workbook

def test_good_workbook_reads_into_the_expected_inputs():
    result = read_workbook(build(good_sheets()), ORGS)
    assert result.problems == []
    assert result.inputs == expected_inputs()
    assert result.notes == []


def test_any_sheet_may_be_absent_and_existing_codes_count_as_defined():
    content = build({"指标": [["1.1.2", "企业开办时间", "三级", "1.1", "赵科长", FAGAI, None]],
                     "指标排名": [["1.1.2", "2023Q3", 2, 16], ["1.2.1", "2023Q3", 16, 16]]})
    result = read_workbook(content, ORGS, existing_indicator_codes={"1.1", "1.2.1"})
    assert result.problems == []
    assert [i.code for i in result.inputs.indicators] == ["1.1.2"]
    assert result.inputs.ranks == [IndicatorRank("1.1.2", "2023Q3", 2, 16), IndicatorRank("1.2.1", "2023Q3", 16, 16)]
    assert result.inputs.periods == ["2023Q3"]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    content = build({"其他指标": [[None, None, None], [CHENGGUAN, "党建工作", 80], ["  ", None, None],
                                  [DONGCHENG, "党建工作", 120]]})
    result = read_workbook(content, ORGS)
    assert [str(p) for p in result.problems] == ["「其他指标」第 5 行「得分」列：得分 120 应在 0–100 之间"]


# ---------------------------------------------------------------- a bad workbook: every problem, located

BAD_SHEETS: dict[str, list[list[object]]] = {
    "指标": [
        ["1", "政务服务", "一级", None, "王副区长", None, None],                               # 2 ok
        ["1.1", "网上政务服务能力", "二级", "1", "李局长", FAGAI, None],                      # 3 ok
        ["1.1", "重复的指标", "二级", "1", "李局长", FAGAI, None],                            # 4 duplicate code
        ["1.1.1", "一网通办", "四级", "1.1", "张主任", SHIJIAN, None],                        # 5 bad level
        ["1.1.2", "企业开办", "三级", "9.9", "张主任", SHIJIAN, None],                        # 6 parent undefined
        ["1.1.3", "不动产登记", "三级", "1", "张主任", SHIJIAN, None],                        # 7 parent level wrong
        ["1.1.4", None, "三级", "1.1", "张主任", "城关党委", f"{DONGCHENG}、西城街道"],      # 8 empty name, unknown orgs
    ],
    "指标排名": [
        ["1.1", "2023Q1", 17, 16],                                                           # 2 rank > N
        ["7.7", "2023Q1", 1, 16],                                                            # 3 undefined code
        ["1.1", "2023Q1", 2, 16],                                                            # 4 duplicate (code, period)
        ["1", "2023Q2", 0, 0],                                                               # 5 rank < 1, N < 1
        ["1", "2023Q3", "第三", 16],                                                         # 6 not a number
    ],
    "联企解困": [
        [CHENGGUAN, "2023Q1", 10, 5, 6, 6, 90],                                              # 2 resolved > collected
        [CHENGGUAN, "2023Q1", 10, 5, 4, 5, 101],                                             # 3 dup, on-time > resolved, sat > 100
        [DONGCHENG, None, -1, 2.5, 0, 0, None],                                              # 4 empty period, negative, fraction
    ],
    "执政形象": [
        [XICHENG, "2023-13-40", "扣分", 2, "迟报", "通报"],                                  # 2 bad date
        [XICHENG, "2023-06-01", "罚分", 0, None, None],                                      # 3 bad kind, points, reason
    ],
    "考试成绩": [
        [CHENGGUAN, "条例测试", None, None],                                                 # 2 score missing
        [CHENGGUAN, "条例测试", 80, None],                                                   # 3 duplicate (org, exam)
        [DONGCHENG, "条例测试", 60, "迟到"],                                                 # 4 bad status
        [XICHENG, "条例测试", 70, "缺考"],                                                   # 5 score with 缺考
        [FAGAI, "条例测试", 100.5, None],                                                    # 6 score > 100
    ],
    "其他指标": [
        [f"{CHENGGUAN}、{DONGCHENG}", "党建工作", 90],                                       # 2 two orgs in one cell
        [SHIJIAN, "E", 90],                                                                  # 3 reserved name
    ],
}

BAD_PROBLEMS = [
    "「指标」第 4 行「指标编码」列：指标编码“1.1”与第 3 行重复",
    "「指标」第 5 行「指标层级」列：指标层级“四级”无效，应为 一级、二级 或 三级",
    "「指标」第 6 行「上级指标编码」列：上级指标编码“9.9”在“指标”工作表和系统中都不存在",
    "「指标」第 7 行「上级指标编码」列：三级指标的上级应为二级指标，而“1”是一级指标",
    "「指标」第 8 行「指标名称」列：指标名称不能为空",
    "「指标」第 8 行「牵头单位」列：党组织“城关党委”不在系统中，是否应为“城关镇党委”？",
    "「指标」第 8 行「责任单位」列：党组织“西城街道”不在系统中，是否应为“西城街道党工委”？",
    "「指标排名」第 2 行「全市排名」列：全市排名 17 大于参评地区数 16",
    "「指标排名」第 3 行「指标编码」列：指标编码“7.7”在“指标”工作表和系统中都不存在",
    "「指标排名」第 4 行「考核期」列：指标“1.1”在考核期“2023Q1”的排名与第 2 行重复",
    "「指标排名」第 5 行「全市排名」列：全市排名 0 不能小于 1",
    "「指标排名」第 5 行「参评地区数」列：参评地区数 0 不能小于 1",
    "「指标排名」第 6 行「全市排名」列：全市排名“第三”不是数字",
    "「联企解困」第 2 行「已解决数」列：已解决数 6 大于收集问题数 5",
    "「联企解困」第 3 行「满意度」列：满意度 101 应在 0–100 之间",
    "「联企解困」第 3 行「按期解决数」列：按期解决数 5 大于已解决数 4",
    "「联企解困」第 3 行「考核期」列：“城关镇党委”在考核期“2023Q1”的记录与第 2 行重复",
    "「联企解困」第 4 行「考核期」列：考核期不能为空",
    "「联企解困」第 4 行「走访企业数」列：走访企业数 -1 不能小于 0",
    "「联企解困」第 4 行「收集问题数」列：收集问题数 2.5 应为整数",
    "「执政形象」第 2 行「日期」列：日期“2023-13-40”无法识别，应写成 2023-10-20 或使用 Excel 日期（年份在 2000–2100 之间）",
    "「执政形象」第 3 行「类型」列：类型“罚分”无效，应为 扣分 或 加分",
    "「执政形象」第 3 行「分值」列：分值 0 应大于 0",
    "「执政形象」第 3 行「事由」列：事由不能为空",
    "「考试成绩」第 2 行「得分」列：得分不能为空",
    "「考试成绩」第 3 行「考试名称」列：“城关镇党委”的“条例测试”成绩与第 2 行重复",
    "「考试成绩」第 4 行「状态」列：状态“迟到”无效，应为 正常、缺考 或 请假（留空按正常处理）",
    "「考试成绩」第 5 行「得分」列：状态为缺考时得分应留空",
    "「考试成绩」第 6 行「得分」列：得分 100.5 应在 0–100 之间",
    "「其他指标」第 2 行「党组织」列：每行只能填一个党组织，此处填了 2 个（城关镇党委、东城街道党工委），请分成多行",
    "「其他指标」第 3 行「指标名称」列：指标名称不能用“E”（E、I、A、C 是系统内置考核项的代号）",
]


def test_bad_workbook_reports_every_problem_by_sheet_row_and_column():
    result = read_workbook(build(BAD_SHEETS), ORGS)
    assert not result.ok
    assert [str(p) for p in result.problems] == BAD_PROBLEMS
    assert WorkbookProblem("指标排名", 2, "全市排名", "全市排名 17 大于参评地区数 16") in result.problems
    # only rows that passed their own checks are kept, and none of them may be written anyway
    assert [i.code for i in result.inputs.indicators] == ["1", "1.1"]


def test_level_consistency_and_parent_rules():
    content = build({"指标": [
        ["A", "一级甲", "一级", None, "甲", None, None],
        ["B", "一级乙", "一级", "A", "乙", None, None],
        ["C", "二级", "二级", None, "丙", None, None],
        ["D", "二级丁", 2, "D", "丁", None, None],
        ["E", "二级戊", "二级", "F", "戊", None, None],
        ["F", "三级", "三级", "A", "己", FAGAI, FAGAI],
    ]})
    result = read_workbook(content, ORGS)
    assert [str(p) for p in result.problems] == [
        "「指标」第 3 行「上级指标编码」列：一级指标不应填写上级指标编码",
        "「指标」第 4 行「上级指标编码」列：二级指标必须填写上级指标编码",
        "「指标」第 5 行「上级指标编码」列：上级指标编码不能是本指标自己",
        "「指标」第 6 行「上级指标编码」列：二级指标的上级应为一级指标，而“F”是三级指标",
        "「指标」第 7 行「上级指标编码」列：三级指标的上级应为二级指标，而“A”是一级指标",
        "「指标」第 7 行「责任单位」列：“区发展和改革局党组”已是牵头单位，不应再列为责任单位",
    ]


def test_unknown_organisation_without_a_close_name_has_no_suggestion():
    result = read_workbook(build({"其他指标": [["某某公司", "党建工作", 80]]}), ORGS)
    assert [str(p) for p in result.problems] == [
        "「其他指标」第 2 行「党组织」列：党组织“某某公司”不在系统中（请填写系统中的党组织名称，须完全一致）"]


# ---------------------------------------------------------------- file, sheets and headers

def test_not_an_xlsx_file():
    for content, text in ((b"", "不是有效的 Excel"), (b"organisation,score\n", "不是有效的 Excel"),
                          (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "旧版 Excel（.xls）"),
                          (b"PK\x03\x04broken zip", "不是有效的 Excel")):
        result = read_workbook(content, ORGS)
        assert len(result.problems) == 1
        assert result.problems[0].sheet == "" and result.problems[0].row == 0
        assert text in str(result.problems[0])
        assert result.inputs == RoundInputs()


def test_misspelt_sheet_is_a_problem_other_sheets_are_ignored_with_a_note():
    content = build({"指标排行": [["1", "2023Q1", 1, 16]], "Sheet1": [], "其他 指标": [[CHENGGUAN, "党建工作", 75]],
                     "填写说明": []}, headers={"其他 指标": list(SHEETS["其他指标"])})
    result = read_workbook(content, ORGS)
    assert [str(p) for p in result.problems] == [
        "「指标排行」：工作表名“指标排行”不是模板中的名称，是否应为“指标排名”？"
        "（工作表名应为：指标、指标排名、联企解困、执政形象、考试成绩、其他指标）"]
    assert result.notes == ["工作表“Sheet1”不是模板中的工作表，已忽略。", "工作表“其他 指标”按“其他指标”读取。"]
    assert result.inputs.others == [OtherScore(CHENGGUAN, "党建工作", 75.0)]


def test_a_known_sheet_left_completely_empty_counts_as_absent():
    workbook = Workbook()
    workbook.active.title = "指标"
    workbook.create_sheet("其他指标").append(["党组织", "指标名称", "得分"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_workbook(buffer.getvalue(), ORGS)
    assert result.problems == [] and result.inputs == RoundInputs()
    assert result.notes == ["工作表“指标”是空的（没有表头），按未提供处理。", "工作簿中没有数据行。"]


def test_workbook_without_any_known_sheet():
    result = read_workbook(build({"Sheet1": [["x"]]}), ORGS)
    assert [str(p) for p in result.problems] == [
        "工作簿中没有可识别的工作表，工作表名应为：指标、指标排名、联企解困、执政形象、考试成绩、其他指标（请使用系统提供的模板）"]


def test_missing_header_columns_are_reported_and_the_sheet_is_not_read():
    content = build({"指标排名": [["1", "2023Q1", 1]], "考试成绩": [[CHENGGUAN, "条例测试", 90]],
                     "联企解困": [[CHENGGUAN, "2023Q1", 1, 1, 1, 1, "95%"]]},
                    headers={"指标排名": ["指标编码", "考核期", "全市排名", "备注"],
                             "考试成绩": ["党组织", "考试名称", "得分"],
                             "联企解困": ["党组织", "考核期", "走访企业数", "收集问题数", "已解决数", "按期解决数",
                                          "满意度（%）"]})
    result = read_workbook(content, ORGS)
    assert [str(p) for p in result.problems] == [
        "「指标排名」第 1 行「参评地区数」列：表头缺少“参评地区数”列（表头应为：指标编码 | 考核期 | 全市排名 | 参评地区数）"]
    assert result.notes == ["「指标排名」表头中的列 备注 不是模板中的列，已忽略。"]
    assert result.inputs.ranks == []
    assert result.inputs.exams == [ExamScore(CHENGGUAN, "条例测试", 90.0, "正常")]   # 状态 column is optional
    assert result.inputs.assistance[0].satisfaction == 95.0


# ---------------------------------------------------------------- values

def test_percent_cells_dates_and_status_written_in_the_score_cell():
    workbook = Workbook()
    workbook.remove(workbook.active)
    assistance = workbook.create_sheet("联企解困")
    assistance.append(list(SHEETS["联企解困"]))
    assistance.append([CHENGGUAN, "2023Q1", 5, 4, 3, 2, 0.95])
    assistance["G2"].number_format = "0%"
    assistance.append([DONGCHENG, "2023Q1", 5, 4, 3, 2, "８８ %"])
    conduct = workbook.create_sheet("执政形象")
    conduct.append(list(SHEETS["执政形象"]))
    for day in (45219, "2023/10/20", "2023.10.20", "2023年10月20日", "20231020", dt.date(2023, 10, 20), 12.5, "十月"):
        conduct.append([XICHENG, day, "扣分", 1, "事由", None])
    exams = workbook.create_sheet("考试成绩")
    exams.append(list(SHEETS["考试成绩"]))
    exams.append([CHENGGUAN, "条例测试", "缺考", None])
    exams.append([DONGCHENG, "条例测试", "请假", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_workbook(buffer.getvalue(), ORGS)
    assert [(p.row, p.column) for p in result.problems] == [(8, "日期"), (9, "日期")]
    assert [a.satisfaction for a in result.inputs.assistance] == [95.0, 88.0]
    assert {c.date for c in result.inputs.conduct} == {dt.date(2023, 10, 20)}
    assert len(result.inputs.conduct) == 6
    assert len(result.notes) == 5 and "完全相同" in result.notes[0]
    assert result.inputs.exams == [ExamScore(CHENGGUAN, "条例测试", None, "缺考"),
                                   ExamScore(DONGCHENG, "条例测试", None, "请假")]


def test_periods_are_chronological_when_recognised_else_first_seen():
    content = build({"指标": [["1", "指标", "一级", None, "甲", None, None]],
                     "指标排名": [["1", "2023年第二季度", 1, 16], ["1", "2023q1", 1, 16]],
                     "联企解困": [[CHENGGUAN, "2022年12月", 1, 1, 1, 1, None]]})
    result = read_workbook(content, ORGS)
    assert result.problems == [] and result.notes == []
    assert result.inputs.periods == ["2022年12月", "2023Q1", "2023年第二季度"]

    content = build({"指标排名": [["1", "第二轮", 1, 16], ["1", "第一轮", 1, 16]]})
    result = read_workbook(content, ORGS, existing_indicator_codes={"1"})
    assert result.inputs.periods == ["第二轮", "第一轮"]
    assert result.notes == ["考核期 第二轮、第一轮 无法识别为季度或月份，考核期按在工作簿中首次出现的顺序排列：第二轮、第一轮。"]


def test_two_spellings_of_one_period_and_dates_typed_as_periods():
    content = build({"指标排名": [["1", "2023Q1", 1, 16], ["1", "2023年第一季度", 2, 16],
                                  ["1", dt.datetime(2023, 3, 1), 3, 16], ["1", dt.datetime(2023, 3, 15), 4, 16]]})
    result = read_workbook(content, ORGS, existing_indicator_codes={"1"})
    assert [str(p) for p in result.problems] == [
        "「指标排名」第 3 行「考核期」列：考核期“2023年第一季度”与“2023Q1”是同一期，请统一写法",
        "「指标排名」第 5 行「考核期」列：考核期“2023-03-15”是一个日期，应填写考核期名称，如 2023Q1 或 2023年3月"]
    assert result.inputs.periods == ["2023Q1", "2023年3月"]


def test_period_key_and_split_organizations():
    assert period_key("2023Q4") == (2023, 10, 3)
    assert period_key("２０２３年 第三季度") == (2023, 7, 3)
    assert period_key("2023年3月") == period_key("2023-03") == (2023, 3, 1)
    assert period_key("2023年下半年") == (2023, 7, 6)
    assert period_key("2023年度") == (2023, 1, 12)
    assert period_key("2023年13月") is None and period_key("首轮") is None
    assert split_organizations("甲、乙，丙;丁；戊\n己,庚、、 ") == ["甲", "乙", "丙", "丁", "戊", "己", "庚"]


def test_problem_text():
    assert str(WorkbookProblem("指标排名", 5, "全市排名", "全市排名 17 大于参评地区数 16")) == \
        "「指标排名」第 5 行「全市排名」列：全市排名 17 大于参评地区数 16"
    assert str(WorkbookProblem("指标", 3, "", "整行有误")) == "「指标」第 3 行：整行有误"
    assert str(WorkbookProblem("", 0, "", "文件无法读取")) == "文件无法读取"


# ---------------------------------------------------------------- round trip

@pytest.mark.parametrize("inputs", [expected_inputs(), RoundInputs()], ids=["full", "empty"])
def test_write_then_read_gives_back_the_same_inputs(inputs):
    content = write_workbook(inputs)
    result = read_workbook(content, ORGS)
    assert result.problems == []
    assert result.inputs == inputs
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [*SHEETS, HELP_SHEET]
    assert workbook["执政形象"]["B2" if inputs.conduct else "B1"].number_format in ("yyyy-mm-dd", "General")


def test_written_text_is_never_a_formula():
    inputs = RoundInputs(others=[OtherScore(CHENGGUAN, "=1+1", 80.0)])
    content = write_workbook(inputs)
    assert load_workbook(io.BytesIO(content))["其他指标"]["B2"].data_type == "s"
    assert read_workbook(content, ORGS).inputs == inputs


# ---------------------------------------------------------------- values found by tests/fuzz

def test_an_organisation_cell_holding_only_separators_is_a_problem():
    sheets = good_sheets()
    sheets["联企解困"][0][0] = "、"
    result = read_workbook(build(sheets), ORGS)
    assert [str(p) for p in result.problems] == ["「联企解困」第 2 行「党组织」列：党组织“、”中没有党组织名称"]


@pytest.mark.parametrize("sheet, column, value, message", [
    ("指标", 0, "X" * 33, "指标编码过长（最多 32 个字，现有 33 个字）"),
    ("指标排名", 1, "2023年" + "第一季度" * 8, "考核期过长（最多 32 个字）"),
    ("考试成绩", 1, "考" * 201, "考试名称过长（最多 200 个字，现有 201 个字）"),
    ("其他指标", 1, "党" * 101, "指标名称过长（最多 100 个字，现有 101 个字）"),
    ("指标排名", 3, 10 ** 12, "参评地区数 1000000000000 过大（不能大于 1000000）"),
])
def test_values_too_large_for_the_round_tables_are_problems(sheet, column, value, message):
    """Before, these passed validation and PostgreSQL refused the INSERT (a 500 and no Chinese message)."""
    sheets = good_sheets()
    sheets[sheet][-1][column] = value
    result = read_workbook(build(sheets), ORGS)
    assert any(p.sheet == sheet and message in p.message for p in result.problems), result.problems


def test_a_numeric_cell_holding_infinity_is_a_problem():
    import re
    import zipfile
    source = zipfile.ZipFile(io.BytesIO(build({"执政形象": good_sheets()["执政形象"]})))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":   # 分值 of row 2, as a damaged or generated file may hold it
                data = re.sub(rb'(<c r="D2"[^>]*>)<v>[^<]*</v>', rb"\1<v>1e999</v>", data)
            target.writestr(name, data)
    result = read_workbook(damaged.getvalue(), ORGS)
    assert [(p.row, p.column) for p in result.problems] == [(2, "分值")]
    assert "不是有效的数字" in result.problems[0].message


def test_an_organisation_whose_name_contains_a_separator_is_that_organisation():
    bahamas, korea = "Bahamas, The", "Korea, Rep."
    known = ORGS | {bahamas, korea}
    result = read_workbook(build({
        "指标": [["1", "政务服务", "一级", None, "王副区长", bahamas, f"{korea}、{CHENGGUAN}，{bahamas}x"]],
        "考试成绩": [[bahamas, "知识考试", 90, None], [f"{korea}，{CHENGGUAN}", "知识考试", 80, None]],
    }), known)
    assert located(result) == [
        ("指标", 2, "责任单位"),          # "Bahamas, Thex" is no organisation: "Bahamas" and " Thex" are not either
        ("指标", 2, "责任单位"),
        ("考试成绩", 3, "党组织"),         # two organisations in one row's cell, still refused
    ]
    assert "每行只能填一个党组织，此处填了 2 个（Korea, Rep.、城关镇党委）" in str(result.problems[-1])
    good = read_workbook(build({
        "指标": [["1", "政务服务", "一级", None, "王副区长", bahamas, f"{korea}、{CHENGGUAN}"]],
        "考试成绩": [[bahamas, "知识考试", 90, None]],
    }), known)
    assert good.problems == []
    assert good.inputs.indicators[0].lead_org == bahamas
    assert good.inputs.indicators[0].responsible_orgs == (korea, CHENGGUAN)
    assert [e.organization for e in good.inputs.exams] == [bahamas]
