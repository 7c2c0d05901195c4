"""Configuration from the environment."""
from examapp import create_app
from examapp.config import normalise_database_url


def test_secret_key_is_generated_once_and_kept_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    first = create_app(instance_path=str(tmp_path / "inst")).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path / "inst")).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "inst" / "secret_key").read_text().strip() == first


def test_environment_overrides_secret_key_and_database(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/exam")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/exam"


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "k")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'examapp.db'}"


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("postgresql+psycopg://a@b/c") == "postgresql+psycopg://a@b/c"
