"""`flask scoring ...`: the round's workbook, scheme, computation and export, scriptable."""
from __future__ import annotations

import json
from pathlib import Path

import click
import yaml
from flask.cli import AppGroup

from examapp.extensions import db
from examapp.publishing import documents
from examapp.publishing import services as publishing
from examapp.publishing.models import SNAPSHOT_RANKING, Snapshot
from examapp.scoring import services, workbook
from examapp.xlsxutil import echo_problems
from examapp.yamlutil import YamlInputError, load_yaml

scoring_cli = AppGroup("scoring", help="综合考评：导入数据、计分方案、计算、导出。")


def _round(name: str):
    found = services.get_round(name)
    if found is None:
        raise click.ClickException(f"没有名为“{name}”的考评批次")
    return found


def _fail(exc: services.ScoringError):
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
        _fail(exc)
    db.session.commit()
    for note in result.notes:
        click.echo(f"提示：{note}")
    click.echo(f"已导入到“{round_.name}”。")


@scoring_cli.command("exams")
@click.argument("round_name")
@click.argument("exam_ids", nargs=-1, type=int)
def counted_exams(round_name: str, exam_ids: tuple[int, ...]) -> None:
    """设置计入考试成绩（E）的本系统考试编号。"""
    round_ = _round(round_name)
    try:
        services.set_counted_exams(round_, list(exam_ids))
    except services.ScoringError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"已设置：{', '.join(map(str, exam_ids)) or '不计入本系统考试'}。")


@scoring_cli.command("scheme")
@click.argument("round_name")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show", is_flag=True, help="打印现行方案")
def scheme(round_name: str, file: Path | None, show: bool) -> None:
    """设置（FILE.yaml）或显示（--show）考评批次的计分方案。"""
    round_ = _round(round_name)
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
            _fail(exc)
        db.session.commit()
        click.echo("方案已保存。")
    if show or file is None:
        click.echo(yaml.safe_dump(services.scheme_of(round_).to_dict(), allow_unicode=True, sort_keys=False))


@scoring_cli.command("compute")
@click.argument("round_name")
def compute(round_name: str) -> None:
    """按现有数据和方案计算综合得分与排名，并保存结果。"""
    round_ = _round(round_name)
    try:
        computation = services.compute_round(round_)
    except services.ScoringError as exc:
        _fail(exc)
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
    round_ = _round(round_name)
    computation = services.latest_computation(round_)
    if computation is None:
        raise click.ClickException("该考评批次还没有计算结果，请先运行 flask scoring compute")
    if fmt == "json":
        output.write_text(json.dumps(computation.result, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_bytes(services.computation_workbook(computation))
    click.echo(f"已导出到 {output}。")


@scoring_cli.command("publish")
@click.argument("round_name")
@click.option("--final", is_flag=True, help="直接正式发布（默认先公示）")
@click.option("--days", default=5, show_default=True, help="公示期（工作日）")
@click.option("--reason", default="", help="更正时的原因")
def publish(round_name: str, final: bool, days: int, reason: str) -> None:
    """按最近一次计算结果发布综合排名（公示或正式），打印快照编号。"""
    round_ = _round(round_name)
    try:
        snapshot = publishing.publish(SNAPSHOT_RANKING, round_=round_, final=final, objection_days=days, reason=reason)
    except services.ScoringError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(snapshot.id)


reports_cli = AppGroup("reports", help="生成 PDF：综合排名通报、个人得分卡、考试成绩通报。")


@reports_cli.command("league-table")
@click.argument("snapshot_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def league_table(snapshot_id: int, output: Path) -> None:
    """按发布快照生成通报 PDF。"""
    snapshot = db.session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise click.ClickException(f"没有编号为 {snapshot_id} 的发布快照")
    output.write_bytes(_pdf(lambda: documents.league_table_pdf(snapshot)))
    click.echo(f"已生成 {output}。")


@reports_cli.command("score-card")
@click.argument("snapshot_id", type=int)
@click.argument("login")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def score_card(snapshot_id: int, login: str, output: Path) -> None:
    """按发布快照生成某位书记的个人得分卡 PDF。"""
    from examapp.accounts.services import find_user
    snapshot = db.session.get(Snapshot, snapshot_id)
    user = find_user(login)
    if snapshot is None or snapshot.kind != SNAPSHOT_RANKING:
        raise click.ClickException(f"没有编号为 {snapshot_id} 的综合排名快照")
    if user is None or user.organization is None:
        raise click.ClickException(f"没有登录名为“{login}”的书记")
    content = _pdf(lambda: documents.score_card_pdf(snapshot, user.organization.name))
    if content is None:
        raise click.ClickException(f"该快照中没有“{user.organization.name}”")
    output.write_bytes(content)
    click.echo(f"已生成 {output}。")


@reports_cli.command("exam-results")
@click.argument("exam_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def exam_results_pdf(exam_id: int, output: Path) -> None:
    """生成考试成绩通报 PDF（按最近一次发布；未发布时按当前成绩生成草稿）。"""
    from sqlalchemy import select

    from examapp.exams.models import Exam
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise click.ClickException(f"没有编号为 {exam_id} 的考试")
    snapshot = db.session.scalar(select(Snapshot).where(Snapshot.exam_id == exam_id).order_by(Snapshot.id.desc())
                                 .limit(1))
    if snapshot is None:
        snapshot = publishing.draft_exam_snapshot(exam)
    output.write_bytes(_pdf(lambda: documents.league_table_pdf(snapshot)))
    click.echo(f"已生成 {output}。")


def _pdf(make):
    from examapp.reports.fonts import FontError
    try:
        return make()
    except FontError as exc:
        raise click.ClickException(str(exc)) from exc
