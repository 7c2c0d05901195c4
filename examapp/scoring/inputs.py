"""A round's inputs as plain data (pure): what the workbook import produces and the engine consumes.

Organisations are identified by their 党组织 name, as in the workbook; periods by their label
(e.g. "2023Q1" or "2023年3月"), ordered as in RoundInputs.periods.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

LEVELS = {1: "一级", 2: "二级", 3: "三级"}
CONDUCT_DEDUCTION = "扣分"
CONDUCT_BONUS = "加分"
EXAM_NORMAL, EXAM_ABSENT, EXAM_EXCUSED = "正常", "缺考", "请假"


@dataclass(frozen=True)
class Person:
    organization: str           # 党组织名称
    name: str                   # 书记姓名
    category: str = ""          # 党组织类别 (机关部门, 乡镇街道, ...): the peer group for a missing component's median


@dataclass(frozen=True)
class Indicator:
    code: str                   # 指标编码
    name: str                   # 指标名称
    level: int                  # 1 一级 / 2 二级 / 3 三级
    parent_code: str | None     # 上级指标编码
    leader: str                 # 指标长
    lead_org: str | None        # 牵头单位（党组织名称）
    responsible_orgs: tuple[str, ...] = ()   # 责任单位


@dataclass(frozen=True)
class IndicatorRank:
    code: str                   # 指标编码
    period: str                 # 考核期
    rank: int                   # 全市排名 r (1 = best)
    ranked_count: int           # 参评地区数 N


@dataclass(frozen=True)
class AssistanceRecord:
    organization: str
    period: str
    visited: int                # 走访企业数
    collected: int              # 收集问题数
    resolved: int               # 已解决数
    resolved_on_time: int       # 按期解决数
    satisfaction: float | None  # 满意度 (0–100), None when not surveyed


@dataclass(frozen=True)
class ConductItem:
    organization: str
    date: date
    kind: str                   # 扣分 | 加分
    points: float               # positive
    reason: str                 # 事由
    evidence: str = ""          # 依据（文件、通报编号）


@dataclass(frozen=True)
class ExamScore:
    organization: str
    exam: str                   # 考试名称
    score: float | None         # percentage 0–100 (None when absent or excused)
    status: str = EXAM_NORMAL   # 正常 | 缺考 | 请假


@dataclass(frozen=True)
class OtherScore:
    organization: str
    component: str              # 指标名称 of a district-defined component, e.g. 党建工作
    score: float                # 0–100


@dataclass
class RoundInputs:
    people: list[Person] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    ranks: list[IndicatorRank] = field(default_factory=list)
    assistance: list[AssistanceRecord] = field(default_factory=list)
    conduct: list[ConductItem] = field(default_factory=list)
    exams: list[ExamScore] = field(default_factory=list)
    others: list[OtherScore] = field(default_factory=list)
