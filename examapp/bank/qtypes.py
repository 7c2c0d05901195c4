"""The question types, declared once (pure: no Flask, no database).

A type is a code, a Chinese label and an answer shape; the shape holds everything that depends on how a
question is answered: the canonical answer, reading it from a data file or from text, the type's own
validation rules, the shape of a candidate's response, grading (with the partial-credit rule), how the
answer is shown in the letters a candidate saw, and how the bank formats carry it. Every other module,
template and script asks this registry instead of listing the types again:

    get(code) / find(code) / codes() / labels() / choices() / all_types() / for_shape(shape) / from_name(text)

Templates: ``templates/qtypes/<shape>.html`` shows a question of that shape (``QuestionType.template``).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from examapp.bank.letters import OPTION_KEYS, explanation_letter_problems
from examapp.bank.text import article_label, count_blanks, normalise_width

CHOICE_ONE, CHOICE_MANY, TRUE_FALSE, BLANKS = "choice_one", "choice_many", "true_false", "blanks"

TRUE_WORDS = {"正确", "对", "√", "✓", "T", "TRUE", "是", "Y"}
FALSE_WORDS = {"错误", "错", "×", "✗", "X", "F", "FALSE", "否", "N"}


def normalise_fill(text: str) -> str:
    """Whitespace, full/half width and punctuation do not decide a fill-in answer."""
    folded = normalise_width(text or "")
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P")).lower()


def is_storable_text(value: str) -> bool:
    """No control characters (tab and newline included: a blank is one line; the page sends spaces)
    and no lone surrogates (not text: they cannot be written out as UTF-8, so pages showing them fail)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value)


class AnswerShape:
    """How a question is answered. Subclasses override what differs; messages name the type's label."""
    name = ""
    has_options = False
    input = ""           # the HTML input a page draws for it
    role = ""            # the ARIA role of the group of inputs

    def coerce(self, label: str, answer: object) -> object:
        """An answer written loosely in a data file, in canonical form (or ValueError)."""
        raise NotImplementedError

    def from_text(self, label: str, raw: str) -> object:
        """An answer as organisers write it in a cell or a form (raw is stripped and not empty)."""
        raise NotImplementedError

    def to_text(self, answer: object) -> str:
        raise NotImplementedError

    def answer_problems(self, qtype: QuestionType, answer: object, keys: list[str], stem: str,
                        article_text: str | None, article: int | None, strict: bool) -> list[str]:
        return []

    def grade(self, answer: object, response: object, points: float, partial: bool) -> float:
        raise NotImplementedError

    def is_answered(self, response: object) -> bool:
        raise NotImplementedError

    def response_problem(self, label: str, response: object, option_keys: list[str], blanks: int) -> str | None:
        raise NotImplementedError

    def in_letters(self, answer: object, to_display: dict[str, str]) -> object:
        """The answer in the option letters a candidate saw (to_display maps bank letters to shown ones)."""
        return answer

    def canonical_response(self, response: object) -> object:
        """A valid response as it is stored."""
        return response

    def keys(self, answer: object) -> list[str]:
        """The option letters an answer or response chooses (none for a shape without options)."""
        return []


class ChoiceOne(AnswerShape):
    name, has_options, input, role = CHOICE_ONE, True, "radio", "radiogroup"

    def coerce(self, label, answer):
        if not isinstance(answer, str) or not answer.strip():
            raise ValueError(f"{label}答案应为一个选项字母")
        return answer.strip().upper()

    def from_text(self, label, raw):
        key = normalise_width(raw).upper()
        if len(key) != 1 or key not in OPTION_KEYS:
            raise ValueError(f"{label}答案“{raw}”应为一个选项字母（A–F）")
        return key

    def to_text(self, answer):
        return str(answer)

    def answer_problems(self, qtype, answer, keys, stem, article_text, article, strict):
        errors = [] if answer in keys else [f"答案“{answer}”不是已有选项"]
        return errors + (qtype.strict_option_problems(keys) if strict else [])

    def grade(self, answer, response, points, partial):
        return points if isinstance(response, str) and response == answer else 0.0

    def is_answered(self, response):
        return isinstance(response, str) and bool(response)

    def response_problem(self, label, response, option_keys, blanks):
        ok = isinstance(response, str) and response in option_keys
        return None if ok else f"{label}答案应为一个选项字母"

    def in_letters(self, answer, to_display):
        return to_display.get(answer, answer)

    def keys(self, answer):
        return [answer] if isinstance(answer, str) else []


class ChoiceMany(AnswerShape):
    name, has_options, input, role = CHOICE_MANY, True, "checkbox", "group"

    def coerce(self, label, answer):
        if isinstance(answer, str):
            keys = [ch for ch in answer.strip().upper() if ch not in ",，、 "]
        elif isinstance(answer, list) and all(isinstance(k, str) for k in answer):
            keys = [k.strip().upper() for k in answer]
        else:
            raise ValueError(f"{label}答案应为选项字母列表")
        return sorted(keys)

    def from_text(self, label, raw):
        keys = [ch for ch in normalise_width(raw).upper() if ch not in ",、;"]
        bad = [k for k in keys if k not in OPTION_KEYS]
        if bad or not keys:
            raise ValueError(f"{label}答案“{raw}”应为选项字母，如 ABD")
        return sorted(keys)

    def to_text(self, answer):
        return "".join(answer or [])

    def answer_problems(self, qtype, answer, keys, stem, article_text, article, strict):
        errors = []
        answer = list(answer or [])
        if len(answer) != len(set(answer)):
            errors.append("答案中选项重复")
        if any(k not in keys for k in answer):
            errors.append(f"答案“{''.join(answer)}”含有不存在的选项")
        if len(answer) < 2:
            errors.append(f"{qtype.label}至少应有 2 个正确选项")
        errors.extend(qtype.strict_option_problems(keys) if strict else [])
        if strict and qtype.strict_max_correct is not None and len(answer) > qtype.strict_max_correct:
            errors.append(f"{qtype.label}正确选项不应超过 {qtype.strict_max_correct} 个")
        if len(answer) == len(keys) and len(keys) > 0 and strict:
            errors.append(f"{qtype.label}不应所有选项都正确")
        return errors

    def grade(self, answer, response, points, partial):
        if not isinstance(response, list) or not response:
            return 0.0
        chosen, correct = set(response), set(answer)
        if chosen == correct:
            return points
        if partial and chosen < correct:
            return round(points / 2, 2)
        return 0.0

    def is_answered(self, response):
        return isinstance(response, list) and len(response) > 0

    def response_problem(self, label, response, option_keys, blanks):
        ok = (isinstance(response, list) and all(isinstance(k, str) and k in option_keys for k in response)
              and len(set(response)) == len(response))
        return None if ok else f"{label}答案应为选项字母列表"

    def in_letters(self, answer, to_display):
        return sorted(to_display.get(k, k) for k in answer)

    def keys(self, answer):
        return list(answer) if isinstance(answer, list) else []

    def canonical_response(self, response):
        return sorted(response) if isinstance(response, list) else response


class TrueFalse(AnswerShape):
    name, input, role = TRUE_FALSE, "radio", "radiogroup"

    def coerce(self, label, answer):
        if isinstance(answer, bool):
            return answer
        raise ValueError(f"{label}答案应为 true 或 false")

    def from_text(self, label, raw):
        word = normalise_width(raw).upper()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{label}答案“{raw}”应为 正确/错误（或 对/错、√/×）")

    def to_text(self, answer):
        return "正确" if answer else "错误"

    def answer_problems(self, qtype, answer, keys, stem, article_text, article, strict):
        return [] if isinstance(answer, bool) else [f"{qtype.label}答案应为“正确”或“错误”"]

    def grade(self, answer, response, points, partial):
        return points if isinstance(response, bool) and response is answer else 0.0

    def is_answered(self, response):
        return isinstance(response, bool)

    def response_problem(self, label, response, option_keys, blanks):
        return None if isinstance(response, bool) else f"{label}答案应为 true 或 false"


class Blanks(AnswerShape):
    name, input = BLANKS, "text"

    def coerce(self, label, answer):
        if not isinstance(answer, list) or not answer:
            raise ValueError(f"{label}答案应为每个空的答案列表")
        blanks = []
        for blank in answer:
            if isinstance(blank, str | int | float) and not isinstance(blank, bool):
                blanks.append([str(blank).strip()])
            elif isinstance(blank, list) and blank and all(isinstance(a, str | int | float) for a in blank):
                blanks.append([str(a).strip() for a in blank])
            else:
                raise ValueError(f"{label}每个空的答案应为文字或文字列表")
        return blanks

    def from_text(self, label, raw):
        blanks = [b.strip() for b in re.split(r"[|｜；;]", raw)]
        if any(not b for b in blanks):
            raise ValueError(f"{label}答案“{raw}”中有空的答案")
        return [[alt.strip() for alt in b.split("/") if alt.strip()] for b in blanks]

    def to_text(self, answer):
        return "|".join("/".join(blank) for blank in answer or [])

    def answer_problems(self, qtype, answer, keys, stem, article_text, article, strict):
        errors = []
        blanks = answer or []
        n_blanks = count_blanks(stem)
        if n_blanks == 0:
            errors.append(f"{qtype.label}题干中没有空（用 ____ 或（　）标出）")
        elif n_blanks != len(blanks):
            errors.append(f"题干有 {n_blanks} 个空，答案有 {len(blanks)} 个")
        if any(not alt for blank in blanks for alt in blank):
            errors.append(f"{qtype.label}答案为空")
        if article_text is not None:
            body = normalise_width(article_text)
            for index, blank in enumerate(blanks, start=1):
                if blank and blank[0] and normalise_width(blank[0]) not in body:
                    errors.append(f"第 {index} 空的答案“{blank[0]}”未在{article_label(article)}原文中出现")
        return errors

    def grade(self, answer, response, points, partial):
        blanks = answer or []
        if not isinstance(response, list) or not blanks:
            return 0.0
        right = 0
        for index, accepted in enumerate(blanks):
            given = response[index] if index < len(response) else ""
            value = normalise_fill(given if isinstance(given, str) else "")
            if value and any(value == normalise_fill(alt) for alt in accepted):
                right += 1
        return round(points * right / len(blanks), 2)

    def is_answered(self, response):
        return isinstance(response, list) and any(isinstance(r, str) and r.strip() for r in response)

    def response_problem(self, label, response, option_keys, blanks):
        ok = (isinstance(response, list) and len(response) == blanks
              and all(isinstance(v, str) and len(v) <= 200 for v in response))
        if not ok:
            return f"{label}答案应为 {blanks} 个文字"
        for number, value in enumerate(response, start=1):
            if not is_storable_text(value):
                return (f"{label}第 {number} 空含有不能保存的字符（如制表符、换行等控制字符或残缺的文字编码），"
                        "请删除后重新填写")
        return None


SHAPES: dict[str, AnswerShape] = {shape.name: shape for shape in (ChoiceOne(), ChoiceMany(), TrueFalse(), Blanks())}


@dataclass(frozen=True)
class QuestionType:
    code: str                       # stored in QuestionVersion.type, exam sections, files
    label: str                      # 单选题
    shape: AnswerShape
    default_section: tuple[int, float] = (0, 1)   # count and points per question on a new exam's form
    aliases: tuple[str, ...] = ()   # other names a spreadsheet may use (单选, 单项选择题)
    strict_options: tuple[int, int] | None = None  # the shipped bank's house rule on the number of options
    strict_max_correct: int | None = None
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "names", (self.label, *self.aliases, self.code))

    @property
    def short_label(self) -> str:
        return self.label.removesuffix("题")

    @property
    def has_options(self) -> bool:
        return self.shape.has_options

    @property
    def template(self) -> str:
        return f"qtypes/{self.shape.name}.html"

    def coerce(self, answer: object) -> object:
        return self.shape.coerce(self.label, answer)

    def from_text(self, raw: str) -> object:
        return self.shape.from_text(self.label, raw)

    def to_text(self, answer: object) -> str:
        return self.shape.to_text(answer)

    def grade(self, answer: object, response: object, points: float, partial: bool = False) -> float:
        """Points for a response (None earns nothing); partial: a multiple choice missing a right option,
        with no wrong one, earns half."""
        return 0.0 if response is None else self.shape.grade(answer, response, points, partial)

    def is_answered(self, response: object) -> bool:
        return response is not None and self.shape.is_answered(response)

    def response_problem(self, response: object, option_keys: list[str], blanks: int) -> str | None:
        """Why a response has the wrong shape (Chinese), or None. None clears an answer."""
        if response is None:
            return None
        return self.shape.response_problem(self.label, response, option_keys, blanks)

    def in_letters(self, answer: object, to_display: dict[str, str]) -> object:
        return self.shape.in_letters(answer, to_display)

    def canonical_response(self, response: object) -> object:
        return self.shape.canonical_response(response)

    def keys(self, answer: object) -> list[str]:
        """The option letters an answer or a response chooses, for marking options on a page."""
        return self.shape.keys(answer)

    def strict_option_problems(self, keys: list[str]) -> list[str]:
        if self.strict_options is None:
            return []
        low, high = self.strict_options
        if low <= len(keys) <= high:
            return []
        wanted = f"{low}" if low == high else f"{low}–{high}"
        return [f"{self.label}应有 {wanted} 个选项（现有 {len(keys)} 个）"]

    def problems(self, options: list[dict], answer: object, stem: str, explanation: str,
                 article_text: str | None, article: int | None, strict: bool) -> list[str]:
        """What is wrong with a question's options and answer under this type's rules."""
        errors: list[str] = []
        keys = [o["key"] for o in options]
        if self.has_options:
            if len(keys) != len(set(keys)):
                errors.append("选项字母重复")
            if any(k not in OPTION_KEYS for k in keys):
                errors.append("选项字母应为 A–F")
            if any(not o["text"] for o in options):
                errors.append("存在空白选项")
            if len({normalise_width(o["text"]) for o in options}) != len(options):
                errors.append("存在内容相同的选项")
            if len(keys) < 2:
                errors.append("选项少于 2 个")
            errors.extend(explanation_letter_problems(explanation, keys))
        elif options:
            errors.append(f"{self.label}不应有选项")
        errors.extend(self.shape.answer_problems(self, answer, keys, stem, article_text, article, strict))
        return errors


_REGISTRY: dict[str, QuestionType] = {}


def register(qtype: QuestionType) -> QuestionType:
    if qtype.code in _REGISTRY:
        raise ValueError(f"题型代码重复：{qtype.code}")
    _REGISTRY[qtype.code] = qtype
    return qtype


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def find(code: object) -> QuestionType | None:
    return _REGISTRY.get(code) if isinstance(code, str) else None


def get(code: str) -> QuestionType:
    found = find(code)
    if found is None:
        raise ValueError(f"未知题型：{code}")
    return found


def all_types() -> list[QuestionType]:
    return list(_REGISTRY.values())


def codes() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def labels() -> dict[str, str]:
    return {t.code: t.label for t in _REGISTRY.values()}


def label(code: str) -> str:
    """The Chinese label, or the code itself for a type no longer known."""
    found = find(code)
    return found.label if found else code


def choices() -> list[tuple[str, str]]:
    return [(t.code, t.label) for t in _REGISTRY.values()]


def has_options(code: str) -> bool:
    found = find(code)
    return bool(found and found.has_options)


def has_blanks(code: str) -> bool:
    found = find(code)
    return bool(found and found.shape.name == BLANKS)


def with_shape(shape: str) -> tuple[str, ...]:
    return tuple(t.code for t in _REGISTRY.values() if t.shape.name == shape)


def for_shape(shape: str) -> QuestionType:
    """The type a bank format reads a question of this shape as (the first registered)."""
    return next(t for t in _REGISTRY.values() if t.shape.name == shape)


def from_name(text: str) -> str | None:
    """The code a spreadsheet's 题型 cell names (label, alias or code), or None."""
    return next((t.code for t in _REGISTRY.values() if text in (n.lower() for n in t.names)), None)


def page_hints() -> dict[str, dict]:
    """What a page's script needs of each type (passed as a data attribute): label and shape."""
    return {t.code: {"label": t.label, "shape": t.shape.name} for t in _REGISTRY.values()}


SINGLE = register(QuestionType("single", "单选题", SHAPES[CHOICE_ONE], (40, 1), ("单选", "单项选择题"),
                               strict_options=(4, 4)))
MULTIPLE = register(QuestionType("multiple", "多选题", SHAPES[CHOICE_MANY], (20, 1.5), ("多选", "多项选择题"),
                                 strict_options=(4, 5), strict_max_correct=4))
TRUEFALSE = register(QuestionType("truefalse", "判断题", SHAPES[TRUE_FALSE], (20, 1), ("判断",)))
FILL = register(QuestionType("fill", "填空题", SHAPES[BLANKS], (10, 1), ("填空",)))
