"""Option letters named in an explanation (pure): found, checked against the options, and remapped to the
letters a candidate saw on a shuffled paper."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

OPTION_KEYS = ("A", "B", "C", "D", "E", "F")   # the option letters (also examapp.bank.core.OPTION_KEYS)


# --- option letters named in an explanation -------------------------------------------------------
# Papers show the options shuffled, so an explanation's "B项与…相反" must name the letter the
# candidate saw. Letters are found conservatively: what might be a word or a name ("ACE", "A/B")
# is reported as uncertain rather than guessed, and grades and kinds ("A级", "B类") are left alone.

_WORD_CHAR = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
_LATIN_RUN_RE = re.compile(f"[{_WORD_CHAR}]+")
_WORD_CHAR_RE = re.compile(f"[{_WORD_CHAR}]")
_OPTION_LETTER_RE = re.compile("[A-FＡ-Ｆ]+")
_SMALL_OPTION_LETTER_RE = re.compile("[a-fａ-ｆ]+")
# A letter joined to another word by one of these ("E-mail", "A/B测试", "A.B") is part of that word.
_JOINERS = "-_./／·@&'’+＋"
# A letter followed by one of these names a grade, a kind or a thing ("A级", "B类"), not an option
# (but "D超出…", "B区分…", "C类似…" start a verb).
_NOT_AN_OPTION_AFTER_RE = re.compile(r"[ \u3000]*(?:级|类(?!似)|股|轮(?![流换])|型|档(?!案)|端(?!正)|证(?![明实据])"
                                     r"|区(?![分别])|计划)")
# A letter written against one of these may name a party in a case ("A公司", "C市") or an option
# whose text begins so ("C企业无权…"): uncertain.
_CASE_PARTY_AFTER_RE = re.compile(r"公司|企业|集团|银行|单位|市(?!场)|县|镇|乡|村|街道|局|部门|机构|协会|商会|先生|女士")
# What marks letters written together ("ABD") as options rather than a word.
_OPTION_BEFORE_RE = re.compile(r"(?:选项|选择|选|答案|答案[为是：:])[ \u3000]*$")
_OPTION_AFTER_RE = re.compile(r"[ \u3000]*(?:选项|项|均|都|全|皆|正确|错误|对|错|不|当选|入选|符合|属于|正是)")
# Letters listed with these between them form one list ("A、C、D"), shown in alphabetical order ...
_LIST_SEPARATOR_RE = re.compile(r"[ \u3000]*[、,][ \u3000]*")
# ... unless the list is matched item by item with what follows ("B、C、A 分别对应…", "A、C，前者…").
_RESPECTIVELY_RE = re.compile(r"分别|依次|各自|逐一|前者|后者")
_CLAUSE_END_RE = re.compile(r"[。；;！？!?\n]")


@dataclass(frozen=True)
class LetterReference:
    """Option letters written in a text: text[start:end] are the letters themselves."""
    start: int
    end: int
    letters: str        # half-width, in the order written: "B", "ACD"
    certain: bool = True  # False: it might be a word or a name, not options ("ACE" with nothing around it)


def _half_width(letter: str) -> str:
    return chr(ord(letter) - 0xFEE0) if "Ａ" <= letter <= "Ｚ" else letter


def _joined_words(text: str, start: int, end: int) -> list[str]:
    """The Latin words joined to text[start:end] by a joiner: ["mail"] for the E of "E-mail"."""
    words = []
    i = start
    while i >= 2 and text[i - 1] in _JOINERS and _WORD_CHAR_RE.match(text[i - 2]):
        j = i - 1
        while j > 0 and _WORD_CHAR_RE.match(text[j - 1]):
            j -= 1
        words.append(text[j:i - 1])
        i = j
    i = end
    while i + 1 < len(text) and text[i] in _JOINERS and _WORD_CHAR_RE.match(text[i + 1]):
        word = _LATIN_RUN_RE.match(text, i + 1)
        words.append(word.group())
        i = word.end()
    return words


def find_letter_references(text: str) -> list[LetterReference]:
    """Every place the text names option letters, certain or not; other Latin text is left out.

    A lone capital A–F (half or full width) is an option ("B项", "选项D", "（A）", "A.", "C、D都…")
    unless a grade or kind follows ("A级", "B类"); against a party's name ("A公司") it is uncertain.
    Letters written together ("ABD") are options only next to a word that says so ("选ABD",
    "ABD均正确"); alone and in alphabetical order they are uncertain, in any other order a word
    ("CAD"). Letters inside a longer word ("APP", "B2B", "E-mail") are never options; "A/B" and a
    small letter written as an option ("选项b") are uncertain.
    """
    references: list[LetterReference] = []
    for run in _LATIN_RUN_RE.finditer(text or ""):
        word = run.group()
        start, end = run.span()
        marked = bool(_OPTION_BEFORE_RE.search(text, 0, start) or _OPTION_AFTER_RE.match(text, end))
        if marked and _SMALL_OPTION_LETTER_RE.fullmatch(word):   # "选项b": meant as an option, but which?
            references.append(LetterReference(start, end, unicodedata.normalize("NFKC", word).upper(), certain=False))
            continue
        if not _OPTION_LETTER_RE.fullmatch(word):
            continue   # APP, B2B, A4: not an option letter
        letters = "".join(_half_width(ch) for ch in word)
        joined = _joined_words(text, start, end)
        if joined:
            if all(_OPTION_LETTER_RE.fullmatch(w) for w in joined):
                references.append(LetterReference(start, end, letters, certain=False))
            continue
        if _NOT_AN_OPTION_AFTER_RE.match(text, end):
            continue
        if _CASE_PARTY_AFTER_RE.match(text, end):
            references.append(LetterReference(start, end, letters, certain=False))
            continue
        if len(letters) == 1:
            references.append(LetterReference(start, end, letters))
            continue
        distinct = len(set(letters)) == len(letters)
        if marked and distinct:
            references.append(LetterReference(start, end, letters))
        elif distinct and list(letters) == sorted(letters):
            references.append(LetterReference(start, end, letters, certain=False))
    return references


def _excerpt(text: str, start: int, end: int, margin: int = 8) -> str:
    before = ("…" if start > margin else "") + text[max(0, start - margin):start]
    after = text[end:end + margin] + ("…" if end + margin < len(text) else "")
    return (before + text[start:end] + after).replace("\n", " ")


def explanation_letter_problems(explanation: str, option_keys: list[str]) -> list[str]:
    """Letter references in a choice question's explanation that cannot be renamed for a shuffled paper."""
    problems = []
    for ref in find_letter_references(explanation):
        fragment = _excerpt(explanation, ref.start, ref.end)
        if not ref.certain:
            problems.append(f"解析中“{fragment}”的“{explanation[ref.start:ref.end]}”不能确定是否指选项"
                            "（考生看到的选项顺序是打乱的），请改为引用选项内容")
            continue
        missing = [letter for letter in ref.letters if letter not in option_keys]
        if missing:
            problems.append(f"解析中“{fragment}”提到的选项 {'、'.join(missing)} 在本题中不存在")
    return problems


def _reference_lists(text: str, references: list[LetterReference]) -> list[list[LetterReference]]:
    """References written as one list ("A、C、D", "ABD"), in order of appearance."""
    lists: list[list[LetterReference]] = []
    for ref in references:
        if lists and _LIST_SEPARATOR_RE.fullmatch(text, lists[-1][-1].end, ref.start):
            lists[-1].append(ref)
        else:
            lists.append([ref])
    return lists


def remap_option_letters(text: str, option_order: list[str]) -> str:
    """The text with its option letters renamed to those shown on a paper.

    option_order lists the bank's keys in display order (a paper item's option_order): the option
    shown first is A. A list of letters is put in alphabetical order again, unless it is matched item
    by item with what follows ("分别"). Uncertain letters and letters of no option are left as written.
    """
    shown = {original: OPTION_KEYS[i] for i, original in enumerate(option_order or [])}
    if not text or all(original == letter for original, letter in shown.items()):
        return text
    references = [r for r in find_letter_references(text) if r.certain and all(k in shown for k in r.letters)]
    pieces, position = [], 0
    for group in _reference_lists(text, references):
        letters = [shown[k] for ref in group for k in ref.letters]
        clause = _CLAUSE_END_RE.split(text[group[-1].end:], maxsplit=1)[0]
        if not _RESPECTIVELY_RE.search(clause):
            letters.sort()
        for ref in group:
            written = text[ref.start:ref.end]
            renamed = letters[:len(written)]
            del letters[:len(written)]
            pieces.append(text[position:ref.start])
            pieces.append("".join(chr(ord(new) + 0xFEE0) if "Ａ" <= old <= "Ｚ" else new
                                  for old, new in zip(written, renamed, strict=True)))
            position = ref.end
    pieces.append(text[position:])
    return "".join(pieces)
