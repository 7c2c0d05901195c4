"""The schema changes only through Flask-Migrate: upgrading an empty database yields the models' schema."""
import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from examapp.extensions import db
from tests.conftest import reset_postgres_schema


def test_upgrade_of_empty_database_matches_models_exactly(app_factory, engine_name):
    app = app_factory()
    with app.app_context():
        if engine_name == "postgresql":
            reset_postgres_schema()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "party_organization", "question", "question_version", "article"} <= tables
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, engine_name):
    if engine_name != "sqlite":
        pytest.skip("SQLite pragmas")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
