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
    """检查题库文件：格式、条款、答案、填空答案与原文、重复题干、覆盖情况。"""
    regulation = load_regulation()
    report = check_bank(regulation, list(files) or chapter_files())
    click.echo(format_report(regulation, report))
    if not report.ok or report.thin_articles:
        raise SystemExit(1)


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
        outcome = services.import_questions([(i.location, i.data) for i in parsed.items])
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
