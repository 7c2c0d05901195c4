"""`flask exams ...`: create an exam from YAML, publish it, and finalise overdue attempts (cron-safe)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from examapp.exams import results, services
from examapp.exams.attempts import finalise_overdue as finalise_overdue_attempts
from examapp.exams.definitions import definition_from_yaml
from examapp.exams.models import Exam
from examapp.extensions import db

exams_cli = AppGroup("exams", help="考试：创建、发布、处理超时未交卷。")


@exams_cli.command("create")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="创建后立即发布（为考生预先生成试卷）")
def create(file: Path, publish: bool) -> None:
    """按 YAML 文件创建考试，打印新考试的编号。"""
    try:
        definition = definition_from_yaml(file.read_text(encoding="utf-8"))
        exam = services.save_exam(definition)
        if publish:
            services.publish_exam(exam)
    except services.ExamError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(problem, err=True)
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    warning = services.review_warning(exam)
    if warning:
        click.echo(f"提醒：{warning}", err=True)   # stdout stays the bare id, for scripts
    click.echo(exam.id)


@exams_cli.command("publish")
@click.argument("exam_id", type=int)
def publish(exam_id: int) -> None:
    """发布考试。"""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise click.ClickException(f"没有编号为 {exam_id} 的考试")
    try:
        drawn = services.publish_exam(exam)
    except services.ExamError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"已发布“{exam.title}”，预先生成 {drawn} 份试卷。")


@exams_cli.command("finalise-overdue")
def finalise_overdue() -> None:
    """把已过截止时间仍未交卷的作答自动交卷并评分（可每分钟由 cron 运行）。"""
    count = finalise_overdue_attempts()
    db.session.commit()
    click.echo(f"已自动交卷 {count} 份。")


@exams_cli.command("results")
@click.argument("exam_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_results(exam_id: int, fmt: str, output: Path) -> None:
    """导出考试成绩、排名、统计、题目分析和条款掌握情况。"""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        raise click.ClickException(f"没有编号为 {exam_id} 的考试")
    data = results.exam_results(exam)
    if fmt == "json":
        output.write_text(json.dumps(results.results_as_dict(data), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_bytes(results.results_workbook(data))
    click.echo(f"已导出到 {output}。")
