"""The shipped bank in question_bank/: reading its YAML chapter files and checking them (pure).

Run directly to check files while writing them:
    python -m examapp.bank.shipped question_bank/chapter-01.yaml ...
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from examapp.bank import qtypes
from examapp.bank.core import (
    QuestionData,
    Regulation,
    normalise_stem,
    parse_regulation,
    question_from_mapping,
    validate_question,
)
from examapp.bank.text import article_label

BANK_DIR = Path(__file__).resolve().parents[2] / "question_bank"
REGULATION_FILE = "regulation.md"
# The shipped regulation as a document (the migration that introduced documents made it document 1).
SHIPPED_DOCUMENT = {"title": "优化营商环境条例", "issuer": "国务院", "number": "国务院令第722号",
                    "issued_on": date(2019, 10, 22)}
MIN_PER_ARTICLE = 3


@dataclass
class ShippedQuestion:
    code: str
    data: QuestionData
    where: str  # "chapter-03.yaml 第12题 (R21-02)", or "题目 12（R21-02）" for one in the database


@dataclass
class BankReport:
    questions: list[ShippedQuestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    per_article: Counter = field(default_factory=Counter)
    per_chapter: Counter = field(default_factory=Counter)
    per_type: Counter = field(default_factory=Counter)
    thin_articles: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_regulation(bank_dir: Path = BANK_DIR) -> Regulation:
    return parse_regulation((bank_dir / REGULATION_FILE).read_text(encoding="utf-8"))


def chapter_files(bank_dir: Path = BANK_DIR) -> list[Path]:
    return sorted(bank_dir.glob("chapter-*.yaml"))


def read_chapter_file(path: Path) -> tuple[list[ShippedQuestion], list[str]]:
    """Parse one chapter file into questions; problems are returned, never raised."""
    errors: list[str] = []
    try:
        # libyaml's safe loader when PyYAML has it (its wheels do): the 518 questions parse 10× faster.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        return [], [f"{path.name}：YAML 格式错误：{exc}"]
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        return [], [f"{path.name}：文件应包含 questions 列表"]
    questions: list[ShippedQuestion] = []
    for index, raw in enumerate(document["questions"], start=1):
        code = str(raw.get("code", "")) if isinstance(raw, dict) else ""
        where = f"{path.name} 第{index}题" + (f"（{code}）" if code else "")
        if not code:
            errors.append(f"{where}：缺少 code")
        try:
            data = question_from_mapping(raw)
        except (ValueError, TypeError) as exc:
            errors.append(f"{where}：{exc}")
            continue
        questions.append(ShippedQuestion(code=code, data=data, where=where))
    return questions, errors


def check_bank(regulation: Regulation, files: list[Path]) -> BankReport:
    report = BankReport()
    for path in files:
        questions, errors = read_chapter_file(path)
        report.questions.extend(questions)
        report.errors.extend(errors)
    return check_questions(regulation, report)


def check_questions(regulation: Regulation, report: BankReport, *, strict: bool = True) -> BankReport:
    """Check report.questions against the document's articles (fill answers verbatim in their article,
    duplicates) and count them per article, chapter and type, into `report`. strict: the shipped bank's house
    rules (see validate_question); the database's questions are held to what saving them requires."""
    articles = regulation.articles_by_number
    seen_stems: dict[str, str] = {}
    seen_codes: dict[str, str] = {}
    for item in report.questions:
        for problem in validate_question(item.data, articles, strict=strict):
            report.errors.append(f"{item.where}：{problem}")
        stem_key = normalise_stem(item.data.stem)
        if stem_key in seen_stems:
            report.errors.append(f"{item.where}：题干与 {seen_stems[stem_key]} 重复")
        else:
            seen_stems[stem_key] = item.where
        if item.code:
            if item.code in seen_codes:
                report.errors.append(f"{item.where}：code 与 {seen_codes[item.code]} 重复")
            seen_codes[item.code] = item.where
        if item.data.article in articles:
            report.per_article[item.data.article] += 1
            report.per_chapter[articles[item.data.article].chapter] += 1
        report.per_type[item.data.type] += 1
    report.thin_articles = [a.number for a in regulation.articles if report.per_article[a.number] < MIN_PER_ARTICLE]
    return report


def format_report(regulation: Regulation, report: BankReport, *, full: bool = True) -> str:
    lines = []
    total = len(report.questions)
    lines.append(f"题目总数：{total}")
    for qtype in qtypes.all_types():
        count = report.per_type[qtype.code]
        share = f"{count / total:.0%}" if total else "—"
        lines.append(f"  {qtype.label}：{count}（{share}）")
    lines.append("各章题数：")
    for chapter in regulation.chapters:
        lines.append(f"  {chapter.label}：{report.per_chapter[chapter.number]}")
    if full:
        lines.append("各条题数（条：题数）：")
        row = []
        for article in regulation.articles:
            mark = "!" if report.per_article[article.number] < MIN_PER_ARTICLE else ""
            row.append(f"{article.number:>2}:{report.per_article[article.number]:<2}{mark}")
            if len(row) == 10:
                lines.append("  " + "  ".join(row))
                row = []
        if row:
            lines.append("  " + "  ".join(row))
    if report.thin_articles:
        lines.append(f"少于 {MIN_PER_ARTICLE} 题的条款：" + "、".join(article_label(n) for n in report.thin_articles))
    lines.append(f"错误：{len(report.errors)} 个")
    lines.extend(f"  {e}" for e in report.errors)
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    regulation = load_regulation()
    files = [Path(a) for a in argv] or chapter_files()
    report = check_bank(regulation, files)
    print(format_report(regulation, report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
