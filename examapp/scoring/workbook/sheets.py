"""The input workbook's sheets, each declared once: its columns (width, number format, dropdown, length limit,
whether the header may leave it out), its line in 填写说明 and how a round's inputs fill it."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from examapp.scoring.inputs import (
    CONDUCT_BONUS,
    CONDUCT_DEDUCTION,
    EXAM_ABSENT,
    EXAM_EXCUSED,
    EXAM_NORMAL,
    LEVELS,
    RoundInputs,
)

INDICATORS, RANKS, ASSISTANCE, CONDUCT, EXAMS, OTHERS = "指标", "指标排名", "联企解困", "执政形象", "考试成绩", "其他指标"
HELP_SHEET = "填写说明"

LEVEL_BY_LABEL = {label: level for level, label in LEVELS.items()}
CONDUCT_KINDS = (CONDUCT_DEDUCTION, CONDUCT_BONUS)
EXAM_STATUSES = (EXAM_NORMAL, EXAM_ABSENT, EXAM_EXCUSED)
COMPONENT_KEYS = ("E", "I", "A", "C")   # the scheme's own component keys: not usable as 其他指标 names
ORG_SEPARATORS = re.compile(r"[、，,;；\r\n]+")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_PERIOD_LENGTH = 32  # 考核期 in every sheet
MAX_COUNT = 1_000_000   # ranks and counts: far above any real value, far below an SQL INTEGER's limit
MAX_POINTS = 100        # one conduct item's points: a whole score at most (1e308 overflowed the computation)

TEXT_FORMAT, DATE_FORMAT = "@", "yyyy-mm-dd"


@dataclass(frozen=True)
class Column:
    name: str
    width: float = 14
    number_format: str | None = None     # "@": text, so Excel keeps 1.10 and 2023年3月 as typed
    choices: tuple[str, ...] = ()        # a dropdown in the template
    max_length: int | None = None        # the longest text the round's tables hold (examapp/scoring/models.py)
    optional: bool = False               # the header may leave it out
    wrap: bool = False


@dataclass(frozen=True)
class SheetKind:
    name: str
    columns: tuple[Column, ...]
    help: str                                        # its line in 填写说明
    rows: Callable[[RoundInputs], list[list[object]]]  # a round's inputs as the sheet's rows

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _code(max_length: int | None = 32) -> Column:
    return Column("指标编码", 12, TEXT_FORMAT, max_length=max_length)


_ORG = Column("党组织", 28)
_PERIOD = Column("考核期", 12, TEXT_FORMAT)

KINDS: tuple[SheetKind, ...] = (   # read in this order: 指标 first, 指标排名 refers to its codes
    SheetKind(INDICATORS, (
        _code(), Column("指标名称", 36, max_length=200), Column("指标层级", 10, choices=tuple(LEVELS.values())),
        Column("上级指标编码", 14, TEXT_FORMAT, max_length=32), Column("指标长", 12, max_length=100),
        Column("牵头单位", 26), Column("责任单位", 44, wrap=True)),
        "营商环境评价的重点任务指标，每行一个。指标编码不能重复；指标层级从下拉列表选择 一级、二级 或 三级。"
        "二级指标的上级指标编码填所属一级指标的编码，三级指标的填所属二级指标的编码（可以是本表中的指标，"
        "也可以是系统中已有的指标）；一级指标不填上级指标编码。指标长填分管领导姓名；牵头单位填一个党组织，"
        "责任单位可填多个，牵头单位不要重复列为责任单位。",
        lambda inputs: [[i.code, i.name, LEVELS[i.level], i.parent_code or "", i.leader, i.lead_org or "",
                         "、".join(i.responsible_orgs)] for i in inputs.indicators]),
    SheetKind(RANKS, (_code(), _PERIOD, Column("全市排名", 10), Column("参评地区数", 12)),
              "全市评价中本区的排名：每个指标每个考核期一行。指标编码须在“指标”工作表或系统中已有；"
              "全市排名为 1 起的整数（1 为最好），不能大于参评地区数；同一指标同一考核期只填一行。",
              lambda inputs: [[r.code, r.period, r.rank, r.ranked_count] for r in inputs.ranks]),
    SheetKind(ASSISTANCE, (_ORG, _PERIOD, Column("走访企业数", 12), Column("收集问题数", 12), Column("已解决数", 10),
                           Column("按期解决数", 12), Column("满意度", 10)),
              "每个党组织每个考核期一行。走访企业数、收集问题数、已解决数、按期解决数为不小于 0 的整数，"
              "已解决数不能大于收集问题数，按期解决数不能大于已解决数。满意度为百分数 0–100（可写 95 或 95%），"
              "未开展满意度调查的留空。",
              lambda inputs: [[a.organization, a.period, a.visited, a.collected, a.resolved, a.resolved_on_time,
                               a.satisfaction] for a in inputs.assistance]),
    SheetKind(CONDUCT, (_ORG, Column("日期", 12, DATE_FORMAT), Column("类型", 8, choices=CONDUCT_KINDS),
                        Column("分值", 8), Column("事由", 40), Column("依据", 30, optional=True)),
              "执政形象的扣分、加分，每条一行，便于核查。类型从下拉列表选择 扣分 或 加分；分值为大于 0 的数；"
              "事由必填；依据填写通报、文件的名称或编号。",
              lambda inputs: [[c.organization, c.date, c.kind, c.points, c.reason, c.evidence]
                              for c in inputs.conduct]),
    SheetKind(EXAMS, (_ORG, Column("考试名称", 28, max_length=200), Column("得分", 8),
                      Column("状态", 8, choices=EXAM_STATUSES, optional=True)),
              "在系统外举行的考试的成绩：每个党组织每场考试一行。得分为百分制 0–100；状态从下拉列表选择 正常、缺考 或 请假，"
              "留空按正常处理；缺考、请假时得分留空。",
              lambda inputs: [[e.organization, e.exam, e.score, e.status] for e in inputs.exams]),
    SheetKind(OTHERS, (_ORG, Column("指标名称", 36, max_length=100), Column("得分", 8)),
              "本区自定的其他考核指标（如 党建工作）的得分：每个党组织每个指标一行，得分为百分制 0–100。"
              "指标名称不能用 E、I、A、C（这是考试、指标排名、联企解困、执政形象的代号）。",
              lambda inputs: [[o.organization, o.component, o.score] for o in inputs.others]),
)
KIND_BY_NAME = {kind.name: kind for kind in KINDS}

# Derived views of KINDS, for reading.
SHEETS: dict[str, tuple[str, ...]] = {kind.name: kind.headers for kind in KINDS}
OPTIONAL_COLUMNS: dict[str, frozenset[str]] = {kind.name: frozenset(c.name for c in kind.columns if c.optional)
                                               for kind in KINDS}
MAX_TEXT_LENGTHS = {(kind.name, c.name): c.max_length for kind in KINDS for c in kind.columns if c.max_length}

HELP_ROWS: tuple[tuple[str, str], ...] = (
    ("工作表", "填写方法"),
    ("通用", "每个工作表第 1 行是表头，请勿修改；每行一条记录，空行会被跳过。不需要的工作表可以整张删除。"
             "导入时系统先检查整个工作簿，有任何错误都不会写入，并按“工作表、行、列”列出所有错误；改正后重新导入即可。"),
    ("党组织", "填写系统中的党组织名称，须与系统中完全一致。只有“责任单位”可填多个党组织，用顿号“、”分隔"
               "（也可用逗号、分号或换行）；其他列每格只填一个党组织。"),
    ("考核期", "填写考核期的名称，如 2023Q1（季度）或 2023年3月（月份），也可写 2023年第一季度、2023年上半年；"
               "同一期在各工作表中的写法要一致。"),
    ("日期", "写成 2023-10-20（也可写 2023/10/20、2023年10月20日），或直接使用 Excel 日期。"),
    *((kind.name, kind.help) for kind in KINDS),
)
