"""Registers every domain's `flask` commands."""
from flask import Flask


def register_cli(app: Flask) -> None:
    from examapp.accounts.cli import create_admin, users_cli
    from examapp.bank.cli import bank_cli
    from examapp.demo import demo_command
    from examapp.exams.cli import exams_cli
    from examapp.ops.cli import backup_command, check_command, restore_command
    from examapp.publishing.cli import publish_ranking, reports_cli
    from examapp.scoring.cli import scoring_cli

    app.cli.add_command(create_admin)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(bank_cli)
    app.cli.add_command(exams_cli)
    scoring_cli.add_command(publish_ranking)
    app.cli.add_command(scoring_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_command)
