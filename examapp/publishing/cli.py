"""Publishing's commands: `flask scoring publish` (registered in the scoring group, where the round is named)
and `flask reports ...`, the PDFs of published snapshots."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from examapp.extensions import db
from examapp.publishing import documents
from examapp.publishing import services as publishing
from examapp.publishing.models import SNAPSHOT_RANKING, Snapshot
from examapp.scoring import services
from examapp.scoring.cli import fail, round_named


@click.command("publish")
@with_appcontext
@click.argument("round_name")
@click.option("--final", is_flag=True, help="直接正式发布（默认先公示）")
@click.option("--days", default=5, show_default=True, help="公示期（工作日）")
@click.option("--reason", default="", help="更正时的原因")
def publish_ranking(round_name: str, final: bool, days: int, reason: str) -> None:
    """按最近一次计算结果发布综合排名（公示或正式），打印快照编号。"""
    round_ = round_named(round_name)
    try:
        snapshot = publishing.publish(SNAPSHOT_RANKING, round_=round_, final=final, objection_days=days, reason=reason)
    except services.ScoringError as exc:
        fail(exc)
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
