"""Paper assembly (pure): a blueprint's sections drawn fairly from the bank.

Fair means every candidate's paper has the same number of questions of each type, difficulty
and chapter: each section's count is split over its strata (difficulty level if the section
fixes a mix, then chapter) by largest-remainder apportionment in proportion to the pool, and
only the choice of questions inside a stratum is random. The draw is reproducible from its seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from examapp.bank import qtypes
from examapp.bank.core import DIFFICULTY_LABELS, int_to_cn_numeral
from examapp.usererror import UserError

MAX_POINTS = 100     # one question's points (the exam form's own bound; 1e308 from a YAML file overflowed)


class BlueprintError(UserError):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Section:
    type: str
    count: int
    points: float
    chapters: tuple[int, ...] = ()
    articles: tuple[int, ...] = ()
    difficulty: tuple[tuple[int, int], ...] = ()  # ((level, count), ...) when the mix is fixed
    document: int | None = None   # the policy document drawn from; None: the current 《条例》

    def describe(self) -> str:
        text = f"{qtypes.label(self.type)} {self.count} 题"
        if self.chapters:
            text += "（第" + "、".join(int_to_cn_numeral(c) for c in self.chapters) + "章）"
        if self.articles:
            text += f"（限第 {'、'.join(map(str, self.articles))} 条）"
        return text

    def as_dict(self) -> dict:
        data = {"type": self.type, "count": self.count, "points": self.points}
        if self.chapters:
            data["chapters"] = list(self.chapters)
        if self.articles:
            data["articles"] = list(self.articles)
        if self.difficulty:
            data["difficulty"] = {str(level): n for level, n in self.difficulty}
        if self.document is not None:
            data["document"] = self.document
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        mix = data.get("difficulty") or {}
        return cls(type=data["type"], count=int(data["count"]), points=float(data["points"]),
                   chapters=tuple(int(c) for c in data.get("chapters") or ()),
                   articles=tuple(int(a) for a in data.get("articles") or ()),
                   difficulty=tuple(sorted((int(k), int(v)) for k, v in mix.items() if int(v) > 0)),
                   document=None if data.get("document") is None else int(data["document"]))


@dataclass(frozen=True)
class PoolQuestion:
    """An active question that may be drawn, as of its current version."""
    question_id: int
    version_id: int
    type: str
    chapter: int | None
    article: int | None
    difficulty: int
    option_keys: tuple[str, ...] = ()
    document: int | None = None   # None: the current 《条例》 (what a Section without a document draws from)


@dataclass(frozen=True)
class PaperEntry:
    section: int
    question_id: int
    version_id: int
    type: str
    points: float
    option_order: tuple[str, ...] = field(default_factory=tuple)  # original keys in the order shown


def section_pool(section: Section, pool: list[PoolQuestion]) -> list[PoolQuestion]:
    return [q for q in pool if q.type == section.type and q.document == section.document
            and (not section.chapters or q.chapter in section.chapters)
            and (not section.articles or q.article in section.articles)]


def apportion(count: int, weights: dict, order: list) -> dict:
    """Largest-remainder split of count over keys in proportion to weights; ties go in `order`."""
    total = sum(weights.values())
    if total == 0 or count == 0:
        return dict.fromkeys(weights, 0)
    exact = {k: count * weights[k] / total for k in weights}
    quota = {k: int(exact[k]) for k in weights}
    rest = count - sum(quota.values())
    by_remainder = sorted(weights, key=lambda k: (-(exact[k] - quota[k]), order.index(k)))
    for key in by_remainder[:rest]:
        quota[key] += 1
    return quota


def _chapter_key(q: PoolQuestion) -> int:
    return q.chapter or 0


def strata_quotas(section: Section, pool: list[PoolQuestion]) -> dict[tuple[int | None, int], int]:
    """{(difficulty level or None, chapter): count}; raises BlueprintError when the pool is short."""
    candidates = section_pool(section, pool)
    label = section.describe()
    if section.count <= 0:
        raise BlueprintError([f"{label}：题数应大于 0"])
    if len(candidates) < section.count:
        raise BlueprintError([f"{label}：题库中符合条件的在用题目只有 {len(candidates)} 道，少 "
                              f"{section.count - len(candidates)} 道"])
    groups: dict[int | None, list[PoolQuestion]] = {}
    if section.difficulty:
        if sum(n for _, n in section.difficulty) != section.count:
            raise BlueprintError([f"{label}：难度分布合计 {sum(n for _, n in section.difficulty)} 题，与题数不符"])
        problems = []
        for level, n in section.difficulty:
            groups[level] = [q for q in candidates if q.difficulty == level]
            if len(groups[level]) < n:
                problems.append(f"{label}：难度“{DIFFICULTY_LABELS.get(level, level)}”需要 {n} 道，"
                                f"题库中只有 {len(groups[level])} 道")
        if problems:
            raise BlueprintError(problems)
        wanted = dict(section.difficulty)
    else:
        groups[None] = candidates
        wanted = {None: section.count}
    quotas: dict[tuple[int | None, int], int] = {}
    for level, members in groups.items():
        per_chapter: dict[int, int] = {}
        for q in members:
            per_chapter[_chapter_key(q)] = per_chapter.get(_chapter_key(q), 0) + 1
        order = sorted(per_chapter)
        for chapter, n in apportion(wanted[level], per_chapter, order).items():
            if n:
                quotas[(level, chapter)] = n
    return quotas


def check_blueprint(sections: list[Section], pool: list[PoolQuestion]) -> list[str]:
    """Everything that would stop papers being drawn, in Chinese (empty when the bank can fill it)."""
    problems: list[str] = []
    if not sections:
        return ["试卷至少需要一个题型部分"]
    for index, section in enumerate(sections):
        if qtypes.find(section.type) is None:
            problems.append(f"第 {index + 1} 部分：题型“{section.type}”无效")
            continue
        if not 0 < section.points <= MAX_POINTS:     # also NaN, which compares false
            problems.append(f"{section.describe()}：每题分值应大于 0、不超过 {MAX_POINTS}")
        try:
            strata_quotas(section, pool)
        except BlueprintError as exc:
            problems.extend(exc.problems)
        for other in sections[:index]:
            if other.type == section.type:
                mine = {q.question_id for q in section_pool(section, pool)}
                theirs = {q.question_id for q in section_pool(other, pool)}
                if mine & theirs:
                    problems.append(f"{section.describe()} 与 {other.describe()} 的抽题范围重叠，"
                                    "同一题型的多个部分须限定互不重叠的章或条")
    return problems


def draw_paper(sections: list[Section], pool: list[PoolQuestion], seed: int, *,
               shuffle_questions: bool = True, shuffle_options: bool = True) -> list[PaperEntry]:
    """Draw one candidate's paper; the same seed and pool always give the same paper."""
    problems = check_blueprint(sections, pool)
    if problems:
        raise BlueprintError(problems)
    rng = random.Random(seed)
    paper: list[PaperEntry] = []
    for index, section in enumerate(sections):
        candidates = section_pool(section, pool)
        chosen: list[PoolQuestion] = []
        for (level, chapter), n in sorted(strata_quotas(section, pool).items(),
                                          key=lambda item: (item[0][0] or 0, item[0][1])):
            stratum = sorted((q for q in candidates if _chapter_key(q) == chapter
                              and (level is None or q.difficulty == level)), key=lambda q: q.question_id)
            chosen.extend(rng.sample(stratum, n))
        if shuffle_questions:
            rng.shuffle(chosen)
        else:
            chosen.sort(key=lambda q: (q.article or 999, q.question_id))
        for q in chosen:
            order = list(q.option_keys)
            if shuffle_options and qtypes.has_options(q.type):
                rng.shuffle(order)
            paper.append(PaperEntry(section=index, question_id=q.question_id, version_id=q.version_id,
                                    type=q.type, points=section.points, option_order=tuple(order)))
    return paper


def paper_shape(paper: list[PaperEntry], pool: list[PoolQuestion]) -> dict:
    """Counts by (type, chapter): identical for every paper of an exam."""
    by_id = {q.question_id: q for q in pool}
    shape: dict[tuple, int] = {}
    for entry in paper:
        q = by_id[entry.question_id]
        key = (entry.type, _chapter_key(q))
        shape[key] = shape.get(key, 0) + 1
    return shape
