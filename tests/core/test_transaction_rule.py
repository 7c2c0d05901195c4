"""Services flush, never commit (README, the transaction rule): `db.session.commit()` appears only where a
request or a command ends — the views, the `flask` commands and the demo loader."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "examapp"
COMMITTERS = {"routes.py", "api.py", "manage.py", "cli.py"}
TOP_LEVEL_COMMITTERS = {"demo.py"}


def test_only_views_and_commands_commit():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        allowed = path.name in COMMITTERS or (path.parent == ROOT and path.name in TOP_LEVEL_COMMITTERS)
        if not allowed and ".commit()" in path.read_text(encoding="utf-8"):
            offenders.append(str(path.relative_to(ROOT.parent)))
    assert offenders == []
