"""Excel safety shared by every export (text that looks like a formula stays text) and every import
(bounded size, rows and listed errors)."""
import io
import re
import zipfile
import zlib

from openpyxl import Workbook

FORMULA_PREFIXES = ("=",)


def keep_text_as_text(workbook: Workbook) -> Workbook:
    """Mark every string cell beginning with '=' as a plain string, so a stem or a name such as
    "=HYPERLINK(...)" is shown as written and never evaluated when the file is opened in Excel/WPS."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    cell.data_type = "s"
    return workbook


# ---------------------------------------------------------------- reading uploads

# Far above any real import (72 secretaries, a bank of a few thousand questions, a round's inputs), far
# below what makes a worker slow: openpyxl needs about 1 s and 100 MB per 10,000 rows.
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_SHEET_ROWS = 10_000          # per worksheet, the header included
MAX_SHEET_CELLS = 300_000        # per worksheet
MAX_ZIP_MEMBERS = 1_000
MAX_LISTED_PROBLEMS = 200        # an error list shows this many and says how many more

_SHEET_MEMBER = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")


class SpreadsheetTooLarge(ValueError):
    """An upload beyond the limits above; str() is the Chinese message for the user."""


def check_xlsx_limits(content: bytes) -> None:
    """Refuse an .xlsx whose members declare more than MAX_UNCOMPRESSED_BYTES, or a worksheet with more
    than MAX_SHEET_ROWS rows or MAX_SHEET_CELLS cells, before openpyxl parses anything. (A zip member
    never yields more than its declared size, so the declared sizes bound the work.) A file that is not a
    zip at all is left to the caller's reader, which says so in its own words."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise SpreadsheetTooLarge(f"Excel 文件内部包含 {len(members)} 个部件，超过上限 {MAX_ZIP_MEMBERS}，无法导入")
        declared = sum(m.file_size for m in members)
        if declared > MAX_UNCOMPRESSED_BYTES:
            raise SpreadsheetTooLarge(
                f"Excel 文件解压后约 {_megabytes(declared)} MB，超过上限 {_megabytes(MAX_UNCOMPRESSED_BYTES)} MB，"
                "无法导入。请删去多余的行、列、图片后再试，或分成几个文件导入")
        for member in members:
            if _SHEET_MEMBER.match(member.filename):
                rows, cells = _count_rows_and_cells(archive, member)
                if rows > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
                    raise SpreadsheetTooLarge(
                        f"Excel 文件的一个工作表有 {rows} 行、{cells} 个单元格，超过上限（{MAX_SHEET_ROWS} 行、"
                        f"{MAX_SHEET_CELLS} 个单元格），无法导入。请删去多余的行或分成几个文件导入")


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def _count_rows_and_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    rows = cells = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 20):
                # The previous chunk's last bytes are searched again so that a tag split between two chunks
                # is found; a match lying wholly in them was counted with that chunk.
                data = tail + chunk
                rows += sum(1 for m in _ROW_TAG.finditer(data) if m.end() > len(tail))
                cells += sum(1 for m in _CELL_TAG.finditer(data) if m.end() > len(tail))
                tail = data[-32:]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        return 0, 0       # damaged: openpyxl will fail and the caller reports a damaged file
    return rows, cells


def listed_problems(problems: list) -> tuple[list, int]:
    """The problems to show, and how many more there are (shown as 还有 N 处)."""
    return problems[:MAX_LISTED_PROBLEMS], max(0, len(problems) - MAX_LISTED_PROBLEMS)


def echo_problems(problems: list) -> None:
    """A CLI's error list on stderr: the first MAX_LISTED_PROBLEMS, then how many more."""
    import click
    shown, more = listed_problems(problems)
    for problem in shown:
        click.echo(str(problem), err=True)
    if more:
        click.echo(f"……还有 {more} 处未列出。", err=True)
