"""Property, through the `flask users|bank|scoring import` commands: a broken file makes the command fail with a
Chinese message (never a traceback) and leaves the database exactly as it was; an accepted one only adds rows."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from examapp.bank import formats
from examapp.extensions import db
from tests.fuzz.mutations import build_xlsx, has_chinese, mutated_table, mutated_workbook
from tests.fuzz.test_import_pages_fuzz import (
    BANK_BASES,
    BASE_SHEETS,
    DB_SETTINGS,
    SECRETARY_ROWS,
    database_state,
    delete_added_rows,
    last_ids,
    mutated_bank_file,
    outcome,
    users_file,
)


@st.composite
def broken_import(draw) -> tuple[list[str], bytes, str]:
    """A command line (without the file) and a mutated file for it."""
    which = draw(st.sampled_from(["users", "bank", "scoring"]))
    if which == "users":
        content, filename = users_file(draw(mutated_table(SECRETARY_ROWS)),
                                       draw(st.sampled_from(["xlsx", "utf-8-sig", "gb18030"])))
        return ["users", "import"], content, filename
    if which == "bank":
        fmt = draw(st.sampled_from(formats.FORMATS))
        content = draw(mutated_bank_file(fmt, BANK_BASES[fmt]))
        return ["bank", "import", "--format", fmt], content, "题目." + formats.FILE_EXTENSIONS[fmt]
    content = build_xlsx(draw(mutated_workbook(BASE_SHEETS)))
    return ["scoring", "import", "--round", "命令行批次"], content, "考评数据.xlsx"


@DB_SETTINGS
@given(data=st.data())
def test_import_commands_refuse_broken_files_and_write_nothing(app, runner, demo, tmp_path, data):
    with app.app_context():
        from examapp.bank.services import load_articles
        load_articles()
        db.session.commit()
    command, content, filename = data.draw(broken_import())
    path = tmp_path / filename
    path.write_bytes(content)
    with app.app_context():
        before, ids = database_state(), last_ids()
    result = runner.invoke(args=[*command[:2], str(path), *command[2:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code != 0:
        outcome("refused")
        assert has_chinese(result.output)
        with app.app_context():
            assert database_state() == before
    else:   # accepted (a new round, or rows added): undone, so the next example starts from the same state
        outcome("accepted")
        with app.app_context():
            delete_added_rows(ids)
            assert database_state() == before
