"""`flask bank ...`: load, check, import and export the question bank."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from examapp.bank import formats, services
from examapp.bank.shipped import chapter_files, check_bank, format_report, load_regulation
from examapp.extensions import db
from examapp.xlsxutil import echo_problems

bank_cli = AppGroup("bank", help="题库：载入、检查、导入、导出。")


@bank_cli.command("load")
def load() -> None:
    """载入随系统提供的题库（question_bank/），可重复运行。"""
    try:
        outcome = services.load_shipped_bank()
    except services.BankError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"题库已载入：{outcome}。")


@bank_cli.command("load-articles")
def load_articles() -> None:
    """只载入《条例》条文（不载入题目），供导入自己的题库前使用，可重复运行。"""
    count = services.load_articles()
    db.session.commit()
    click.echo(f"已载入《条例》条文 {count} 条。")


@bank_cli.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """检查题库：随系统提供的题库文件（格式、条款、答案、填空答案与原文、重复题干、覆盖情况），
    以及数据库中每个政策文件的在用题目（填空答案须出现在其所属文件的条文中，按文件统计覆盖情况）。
    给出文件时只检查这些文件。"""
    regulation = load_regulation()
    report = check_bank(regulation, list(files) or chapter_files())
    click.echo(f"【题库文件】{'、'.join(f.name for f in files) if files else 'question_bank/'}"
               f"（{regulation.title}）")
    click.echo(format_report(regulation, report))
    failed = not report.ok or bool(report.thin_articles)
    if not files:
        failed = _check_database() or failed
    if failed:
        raise SystemExit(1)


def _check_database() -> bool:
    """Print each document's check of the database's questions; True when any question has an error.
    Thin coverage is shown, not failed on: a newly imported document starts with few questions."""
    from examapp.bank.database_check import check_documents, has_bank_tables
    if not has_bank_tables():
        click.echo("【数据库】尚未建表（flask db upgrade），未检查数据库中的题目。")
        return False
    checks = check_documents()
    if not checks:
        click.echo("【数据库】还没有政策文件，未检查数据库中的题目。")
    for checked in checks:
        click.echo(f"\n【数据库】{checked.heading}的在用题目：")
        click.echo(format_report(checked.regulation, checked.report))
    return any(not checked.report.ok for checked in checks)


@bank_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), help="文件格式（默认按扩展名判断）")
def import_file(file: Path, fmt: str | None) -> None:
    """从 xlsx、Moodle XML、GIFT 或 JSON 文件导入题目（整个文件无误才写入）。"""
    fmt = fmt or formats.guess_format(file.name)
    if fmt is None:
        raise click.ClickException("无法从扩展名判断文件格式，请用 --format 指定。")
    parsed = formats.parse(fmt, file.read_bytes())
    for line in parsed.skipped:
        click.echo(f"跳过：{line}", err=True)
    if parsed.problems:
        echo_problems(parsed.problems)
        raise click.ClickException(f"文件有 {len(parsed.problems)} 处错误，未导入任何题目。")
    try:
        outcome = services.import_questions([(i.location, i.data, i.document) for i in parsed.items])
    except services.BankError as exc:
        echo_problems(exc.problems)
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"导入完成：{outcome}。")


@bank_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--include-inactive", is_flag=True, help="同时导出已停用的题目")
def export(fmt: str, output: Path, include_inactive: bool) -> None:
    """导出整个题库。"""
    result = formats.dump(fmt, services.export_items(include_inactive))
    output.write_bytes(result.content)
    for line in result.skipped:
        click.echo(f"未导出：{line}", err=True)
    click.echo(f"已导出到 {output}。")


def echo_document_preview(checked) -> None:
    """The preview `import-document` shows before saving (and the page shows as a table)."""
    parsed, details = checked.parsed, checked.details
    click.echo(f"标题：《{details.title}》")
    for label, value in (("发文机关", details.issuer), ("文号", details.number),
                         ("日期", details.issued_on.isoformat() if details.issued_on else "")):
        if value:
            click.echo(f"{label}：{value}")
    click.echo(f"共 {len(parsed.chapters)} 章、{len(parsed.articles)} 条：")
    for label, articles, count in parsed.chapter_rows():
        click.echo(f"  {label}：{articles}，{count} 条")
    if checked.revises is not None and checked.revision is not None:
        revision = checked.revision
        click.echo(f"修订{checked.revises.display_title}（编号 {checked.revises.id}）：修改 {len(revision.changed)} 条、"
                   f"删除 {len(revision.removed)} 条、新增 {len(revision.added)} 条；"
                   f"{checked.questions_to_review} 道题目将标记为待复核。")


@bank_cli.command("import-document")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default="", help="文件标题（默认取文件第一行）")
@click.option("--issuer", default="", help="发文机关")
@click.option("--number", default="", help="文号，如 国务院令第722号")
@click.option("--date", "issued_on", type=click.DateTime(formats=["%Y-%m-%d"]), help="发布日期 YYYY-MM-DD")
@click.option("--revises", type=int, help="本文件修订的原文件编号（原文件标为已修订）")
@click.option("--yes", is_flag=True, help="不询问，检查无误即保存")
def import_document(file: Path, title: str, issuer: str, number: str, issued_on, revises: int | None,
                    yes: bool) -> None:
    """从 .txt、.md 或 .docx 导入政策文件（识别第X章、第X条），先显示预览再保存。"""
    from examapp.bank import documents
    try:
        parsed = documents.parse_upload(file.name, file.read_bytes())
    except services.BankError as exc:
        echo_problems(exc.problems)
        raise click.ClickException(str(exc)) from exc
    details = documents.DocumentDetails(title=title, issuer=issuer, number=number,
                                        issued_on=issued_on.date() if issued_on else None, revises_id=revises)
    checked = documents.preview(parsed, details)
    echo_document_preview(checked)
    if not checked.ok:
        echo_problems(checked.problems)
        raise click.ClickException("未保存。")
    if not yes and not click.confirm("保存该文件？", default=False):
        raise click.ClickException("已取消，未保存。")
    document = documents.save(checked)
    db.session.commit()
    click.echo(f"已保存：{document.display_title}（编号 {document.id}）。")


@bank_cli.command("documents")
def list_documents() -> None:
    """列出政策文件：编号、标题、文号、状态、条数、题数。"""
    from examapp.bank import documents
    for document, articles, questions in documents.documents():
        click.echo(f"{document.id}\t{document.display_title}\t{document.number or '—'}\t{document.status_label}\t"
                   f"{articles} 条\t{questions} 题")
