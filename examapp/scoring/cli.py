"""`flask scoring ...`: the round's workbook, scheme, computation and export, scriptable (`flask scoring publish`
and `flask reports ...` are publishing's, in `examapp/publishing/cli.py`)."""
from __future__ import annotations

import json
from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from examapp.extensions import db
from examapp.scoring import services, workbook
from examapp.xlsxutil import echo_problems
from examapp.yamlutil import YamlInputError, load_yaml

scoring_cli = AppGroup("scoring", help="综合考评：导入数据、计分方案、计算、导出。")


def round_named(name: str):
    """The round of that name, or the command's error."""
    found = services.get_round(name)
    if found is None:
        raise click.ClickException(f"没有名为“{name}”的考评批次")
    return found


def fail(exc: services.ScoringError):
    """Roll back and end the command with the error's problems listed."""
    db.session.rollback()
    echo_problems(exc.problems)
    raise click.ClickException(str(exc)) from exc


@scoring_cli.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def template(output: Path) -> None:
    """写出空白的考评数据导入模板（xlsx）。"""
    output.write_bytes(workbook.template_workbook())
    click.echo(f"已写出模板 {output}。")


@scoring_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--round", "round_name", required=True, help="考评批次名称（不存在则新建）")
def import_file(file: Path, round_name: str) -> None:
    """导入考评数据工作簿（整个工作簿无误才写入）。"""
    try:
        round_ = services.ensure_round(round_name)
        result = services.import_workbook(round_, file.read_bytes())
    except services.ScoringError as exc:
        fail(exc)
    db.session.commit()
    for note in result.notes:
        click.echo(f"提示：{note}")
    click.echo(f"已导入到“{round_.name}”。")


@scoring_cli.command("exams")
@click.argument("round_name")
@click.argument("exam_ids", nargs=-1, type=int)
def counted_exams(round_name: str, exam_ids: tuple[int, ...]) -> None:
    """设置计入考试成绩（E）的本系统考试编号。"""
    round_ = round_named(round_name)
    try:
        services.set_counted_exams(round_, list(exam_ids))
    except services.ScoringError as exc:
        fail(exc)
    db.session.commit()
    click.echo(f"已设置：{', '.join(map(str, exam_ids)) or '不计入本系统考试'}。")


@scoring_cli.command("scheme")
@click.argument("round_name")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show", is_flag=True, help="打印现行方案")
def scheme(round_name: str, file: Path | None, show: bool) -> None:
    """设置（FILE.yaml）或显示（--show）考评批次的计分方案。"""
    round_ = round_named(round_name)
    if file is not None:
        try:
            data = load_yaml(file.read_text(encoding="utf-8")) or {}
        except YamlInputError as exc:
            raise click.ClickException(str(exc)) from None
        if not isinstance(data, dict):
            raise click.ClickException("方案文件应为键值对象")
        try:
            services.set_scheme(round_, data)
        except services.ScoringError as exc:
            fail(exc)
        db.session.commit()
        click.echo("方案已保存。")
    if show or file is None:
        click.echo(yaml.safe_dump(services.scheme_of(round_).to_dict(), allow_unicode=True, sort_keys=False))


@scoring_cli.command("compute")
@click.argument("round_name")
def compute(round_name: str) -> None:
    """按现有数据和方案计算综合得分与排名，并保存结果。"""
    round_ = round_named(round_name)
    try:
        computation = services.compute_round(round_)
    except services.ScoringError as exc:
        fail(exc)
    db.session.commit()
    ranked = sorted(computation.result["results"], key=lambda r: (r["rank"] is None, r["rank"] or 0))
    for row in ranked[:10]:
        click.echo(f"{row['rank'] or '—':>3}  {row['composite'] if row['composite'] is not None else '—':>7}  "
                   f"{row['organization']} {row['name']}")
    click.echo(f"已计算 {len(ranked)} 人（结果编号 {computation.id}）；问责清单 {len(computation.result['accountability'])} 条。")


@scoring_cli.command("export")
@click.argument("round_name")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export(round_name: str, fmt: str, output: Path) -> None:
    """导出最近一次计算结果。"""
    round_ = round_named(round_name)
    computation = services.latest_computation(round_)
    if computation is None:
        raise click.ClickException("该考评批次还没有计算结果，请先运行 flask scoring compute")
    if fmt == "json":
        output.write_text(json.dumps(computation.result, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_bytes(services.computation_workbook(computation))
    click.echo(f"已导出到 {output}。")
