"""Pure core of the question bank: the regulation's structure, text normalisation and question checks.

Nothing here touches Flask or the database, so the shipped bank's data files can be checked
by a plain script and the rules are tested directly with small cases.
Option letters in explanations: ``letters.py``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from examapp.bank import qtypes
from examapp.bank.letters import OPTION_KEYS
from examapp.bank.qtypes import FALSE_WORDS, TRUE_WORDS
from examapp.bank.text import BLANK_RE, article_label, count_blanks, int_to_cn_numeral, normalise_width

__all__ = ["BLANK_RE", "FALSE_WORDS", "OPTION_KEYS", "TRUE_WORDS", "count_blanks", "normalise_width"]

DIFFICULTY_LABELS = {1: "易", 2: "中", 3: "难"}

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def cn_numeral_to_int(text: str) -> int:
    """Convert a Chinese numeral below one thousand (e.g. 七十二, 一百零五) to an int."""
    if not text:
        raise ValueError("空数字")
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            raise ValueError(f"无法识别的中文数字：{text}")
    return total + current


def article_range_label(first: int, last: int) -> str:
    """A run of articles as the product writes it: 第三条至第五条, or 第五条 alone ("—" for none)."""
    if first < 1 or last < first:
        return "—"
    if first == last:
        return f"第{int_to_cn_numeral(first)}条"
    return f"第{int_to_cn_numeral(first)}条至第{int_to_cn_numeral(last)}条"


def article_citation(number: int, document_title: str = "") -> str:
    """第三条, or 《示例办法》第三条 where the article is not the 《条例》's (whose name pages leave implied)."""
    return f"{document_title}第{int_to_cn_numeral(number)}条"


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str  # e.g. "总则"

    @property
    def label(self) -> str:
        return f"第{int_to_cn_numeral(self.number)}章 {self.title}"


@dataclass(frozen=True)
class Article:
    number: int
    chapter: int
    text: str  # the article's paragraphs without the leading "第N条 ", joined by newlines

    @property
    def label(self) -> str:
        return f"第{int_to_cn_numeral(self.number)}条"


@dataclass
class Regulation:
    title: str
    preamble: list[str]
    chapters: list[Chapter]
    articles: list[Article]

    def article(self, number: int) -> Article | None:
        for art in self.articles:
            if art.number == number:
                return art
        return None

    @property
    def articles_by_number(self) -> dict[int, Article]:
        return {a.number: a for a in self.articles}


_CHAPTER_RE = re.compile(r"^##\s*第([零一二三四五六七八九十百]+)章\s*(.+?)\s*$")
_ARTICLE_RE = re.compile(r"^第([零一二三四五六七八九十百]+)条\s+(.*)$")


def parse_regulation(markdown: str) -> Regulation:
    """Parse the regulation's markdown (see shared/regulation/README.md for the format)."""
    title = ""
    preamble: list[str] = []
    chapters: list[Chapter] = []
    raw_articles: list[tuple[int, int, list[str]]] = []
    for raw_line in markdown.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if line.startswith("# ") and not title:
            title = line[2:].strip()
            continue
        chapter_match = _CHAPTER_RE.match(line)
        if chapter_match:
            chapters.append(Chapter(cn_numeral_to_int(chapter_match.group(1)), chapter_match.group(2)))
            continue
        article_match = _ARTICLE_RE.match(line)
        if article_match and chapters:
            number = cn_numeral_to_int(article_match.group(1))
            raw_articles.append((number, chapters[-1].number, [article_match.group(2).strip()]))
            continue
        if raw_articles:
            raw_articles[-1][2].append(line)
        else:
            preamble.append(line)
    articles = [Article(number, chapter, "\n".join(paragraphs)) for number, chapter, paragraphs in raw_articles]
    numbers = [a.number for a in articles]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError("条款编号不连续")
    return Regulation(title=title, preamble=preamble, chapters=chapters, articles=articles)


def normalise_stem(text: str) -> str:
    """Key for duplicate detection: width-folded, without whitespace, punctuation or blank markers."""
    folded = normalise_width(BLANK_RE.sub("", text or "")).replace("_", "")
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P")
                   and not unicodedata.category(ch).startswith("S")).lower()


@dataclass
class QuestionData:
    """A question in the bank's canonical plain form (also the JSON export's form)."""
    type: str
    stem: str
    options: list[dict] = field(default_factory=list)  # [{"key": "A", "text": "..."}]
    answer: object = None  # "A" | ["A", "C"] | True/False | [["blank 1 alt 1", "alt 2"], ["blank 2"]]
    explanation: str = ""
    article: int | None = None
    difficulty: int = 2
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"type": self.type, "stem": self.stem, "options": [dict(o) for o in self.options],
                "answer": self.answer, "explanation": self.explanation, "article": self.article,
                "difficulty": self.difficulty, "tags": list(self.tags)}


def coerce_answer(qtype: str, answer: object) -> object:
    """Bring an answer written loosely in a data file to its canonical form, or raise ValueError."""
    return qtypes.get(qtype).coerce(answer)


def question_from_mapping(raw: dict) -> QuestionData:
    """Build QuestionData from a data-file mapping; options may be a mapping {A: text} or a list."""
    if not isinstance(raw, dict):
        raise ValueError("题目应为键值对象")
    qtype = raw.get("type")
    if qtypes.find(qtype) is None:
        raise ValueError(f"题型“{qtype}”无效，应为 {'/'.join(qtypes.codes())} 之一")
    options_raw = raw.get("options") or []
    if isinstance(options_raw, dict):
        options = [{"key": str(k).strip().upper(), "text": str(v).strip()} for k, v in options_raw.items()]
    elif isinstance(options_raw, list):
        options = []
        for item in options_raw:
            if not isinstance(item, dict) or "key" not in item or "text" not in item:
                raise ValueError("选项应为 {key, text} 列表")
            options.append({"key": str(item["key"]).strip().upper(), "text": str(item["text"]).strip()})
    else:
        raise ValueError("选项格式无效")
    difficulty = raw.get("difficulty", 2)
    article = raw.get("article")
    tags = raw.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in re.split(r"[,，、;；\s]+", tags) if t]
    return QuestionData(
        type=qtype,
        stem=str(raw.get("stem") or "").strip(),
        options=options,
        answer=coerce_answer(qtype, raw.get("answer")),
        explanation=str(raw.get("explanation") or "").strip(),
        article=int(article) if article not in (None, "") else None,
        difficulty=int(difficulty),
        tags=[str(t) for t in tags],
    )


def validate_question(q: QuestionData, articles: dict[int, Article], *, strict: bool = False) -> list[str]:
    """Return the Chinese descriptions of everything wrong with a question (empty when valid).

    strict applies the shipped bank's house rules: single choice has exactly 4 options,
    multiple choice 4–5 options with 2–4 correct, and every question cites an article and explains.
    """
    errors: list[str] = []
    qtype = qtypes.find(q.type)
    if qtype is None:
        return [f"题型“{q.type}”无效"]
    if not q.stem:
        errors.append("题干为空")
    if q.difficulty not in DIFFICULTY_LABELS:
        errors.append(f"难度“{q.difficulty}”无效，应为 1（易）、2（中）或 3（难）")
    if q.article is not None and q.article not in articles:
        errors.append(f"条款“{article_label(q.article)}”不存在")
    if strict and q.article is None:
        errors.append("未关联条款")
    if strict and not q.explanation:
        errors.append("缺少解析")
    article = articles.get(q.article) if q.article is not None else None
    errors.extend(qtype.problems(q.options, q.answer, q.stem, q.explanation,
                                 article.text if article is not None else None, q.article, strict))
    return errors


def grade_fill_blank(given: str, accepted: list[str]) -> bool:
    """A blank is right when the candidate's text equals an accepted answer after width folding."""
    value = normalise_width(given)
    return bool(value) and any(value == normalise_width(a) for a in accepted)


def answer_from_text(qtype: str, text: str) -> object:
    """Read an answer as Chinese organisers write it: A, ABD, 正确/错误, 对/错, √/×;
    fill-in answers of successive blanks separated by | or ；, alternatives for one blank by /."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("答案为空")
    return qtypes.get(qtype).from_text(raw)


def answer_to_text(qtype: str, answer: object) -> str:
    """The inverse of answer_from_text, for forms and spreadsheets."""
    found = qtypes.find(qtype)
    return found.to_text(answer) if found else ""
