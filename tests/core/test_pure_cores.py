"""The pure cores stay Flask-free and database-free, directly or through any examapp module they import.

Each module is imported in a fresh interpreter with the `examapp` package's own `__init__` (the app factory,
which imports Flask) left out, so only what the module itself pulls in is loaded; then `sys.modules` is read.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import examapp

# The README's maintainers section ("Pure cores are Flask-free …") names these; add a new pure module here.
PURE_MODULES = (
    "examapp.accounts.importer",
    "examapp.access.roles",
    "examapp.bank.core",
    "examapp.bank.document_text",
    "examapp.bank.letters",
    "examapp.bank.qtypes",
    "examapp.bank.text",
    "examapp.bank.formats",
    "examapp.bank.formats.common",
    "examapp.bank.formats.gift",
    "examapp.bank.formats.jsonfmt",
    "examapp.bank.formats.moodle_xml",
    "examapp.bank.formats.xlsx",
    "examapp.bank.shipped",
    "examapp.exams.assembly",
    "examapp.exams.grading",
    "examapp.exams.mastery",
    "examapp.exams.reliability",
    "examapp.exams.statistics",
    "examapp.exams.timer",
    "examapp.learning.scheduler",
    "examapp.ranking",
    "examapp.reports.charts",
    "examapp.reports.fonts",
    "examapp.reports.pdf",
    "examapp.reports.pdf.exam_results",
    "examapp.reports.pdf.layout",
    "examapp.reports.pdf.league",
    "examapp.reports.pdf.parts",
    "examapp.reports.pdf.score_card",
    "examapp.reports.titles",
    "examapp.scoring.accountability",
    "examapp.scoring.components",
    "examapp.scoring.engine",
    "examapp.scoring.inputs",
    "examapp.scoring.result",
    "examapp.scoring.robustness",
    "examapp.scoring.scheme",
    "examapp.scoring.scheme_form",
    "examapp.scoring.scheme_validation",
    "examapp.scoring.workbook",
    "examapp.scoring.workbook.reader",
    "examapp.scoring.workbook.rows",
    "examapp.scoring.workbook.sheets",
    "examapp.scoring.workbook.values",
    "examapp.scoring.workbook.writer",
    "examapp.spreadsheets",
    "examapp.xlsxutil",
    "examapp.yamlutil",
)
FORBIDDEN = ("flask", "flask_login", "flask_migrate", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug",
             "wtforms")

_PROBE = """
import importlib, sys, types
package = types.ModuleType("examapp")
package.__path__ = [sys.argv[2]]
sys.modules["examapp"] = package
importlib.import_module(sys.argv[1])
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[3:]))))
"""


def forbidden_imports(module: str) -> list[str]:
    """The forbidden top-level packages loaded by importing `module` (and what it imports) alone."""
    result = subprocess.run([sys.executable, "-c", _PROBE, module, str(Path(examapp.__file__).parent), *FORBIDDEN],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{module} does not import on its own:\n{result.stderr}"
    return result.stdout.split()


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_neither_flask_nor_sqlalchemy(module):
    assert forbidden_imports(module) == [], f"{module} is a pure core but loads Flask or SQLAlchemy"


def test_the_probe_sees_an_indirect_import():
    # The probe is not blind: a module reaching SQLAlchemy through another examapp module is caught.
    assert "sqlalchemy" in forbidden_imports("examapp.exams.models")
    assert "flask" in forbidden_imports("examapp.exams.services")
