"""Reading and validating the organisations-and-secretaries import file (pure: no database)."""
from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation

from examapp.access.roles import ORG_KINDS
from examapp.spreadsheets import CENTER, set_widths, style_header, workbook_bytes
from examapp.usererror import UserError
from examapp.xlsxutil import MAX_SHEET_ROWS, SpreadsheetTooLarge, check_xlsx_limits

COLUMNS = ("党组织名称", "党组织类别", "书记姓名", "登录名", "手机号")
REQUIRED_COLUMNS = ("党组织名称", "党组织类别", "书记姓名", "登录名")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,32}$")
PHONE_RE = re.compile(r"^1\d{10}$")
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ImportFileError(UserError):
    """The file as a whole cannot be read (wrong type, no header, ...)."""


@dataclass(frozen=True)
class ImportProblem:
    row: int        # spreadsheet row number (the header is row 1)
    column: str     # the Chinese column name, or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class SecretaryRow:
    row: int
    organization: str
    kind: str
    name: str
    username: str
    phone: str


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Control characters (a NUL from a broken CSV) are invisible and cannot be stored in PostgreSQL.
    return CONTROL_CHARS_RE.sub("", str(value)).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """Rows of cell texts from an .xlsx or .csv file (CSV in UTF-8 or GB18030, as Excel saves it)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        try:
            check_xlsx_limits(content)
        except SpreadsheetTooLarge as exc:
            raise ImportFileError(str(exc)) from None
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            # A read-only workbook parses its sheets only now, so damage inside a sheet shows up here.
            sheet = workbook.worksheets[0]
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            workbook.close()
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError("无法读取 Excel 文件，请确认是 .xlsx 格式且未损坏。") from exc
        return rows
    if lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。")
        reader = csv.reader(io.StringIO(text))
        try:
            rows = [[_cell_text(v) for v in row] for row in itertools.islice(reader, MAX_SHEET_ROWS + 1)]
        except csv.Error as exc:  # e.g. a cell longer than the csv module's limit (an unclosed quote)
            raise ImportFileError(f"CSV 文件第 {reader.line_num} 行格式有误（引号不成对或单元格内容过长），"
                                  "请用 Excel 另存为 CSV 或 .xlsx 后再导入。") from exc
        if len(rows) > MAX_SHEET_ROWS:
            raise ImportFileError(f"CSV 文件超过 {MAX_SHEET_ROWS} 行，无法导入。请删去多余的行或分成几个文件导入。")
        return rows
    raise ImportFileError("只支持 .xlsx 或 .csv 文件。")


def validate_rows(rows: list[list[str]], existing_usernames: set[str], existing_org_kinds: dict[str, str],
                  existing_secretaries: dict[tuple[str, str], str] | None = None,
                  ) -> tuple[list[SecretaryRow], list[ImportProblem]]:
    """Check every row; return the records and every problem found (the file is valid if none).

    `existing_secretaries` maps (organisation, name) of active secretaries to their login: a re-imported
    roster that gives a secretary a new login would otherwise create a second, identical secretary of the
    same organisation, so such a row is reported and the organiser decides (delete the row: same person;
    deactivate the old account first: a different person of the same name)."""
    existing_secretaries = existing_secretaries or {}
    people_seen: dict[tuple[str, str], int] = {}
    problems: list[ImportProblem] = []
    if not rows or not any(rows[0]):
        return [], [ImportProblem(1, "", "文件为空或缺少表头行")]
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [ImportProblem(1, c, "缺少此列（请使用系统提供的模板）") for c in missing]
    index = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(row: list[str], column: str) -> str:
        i = index.get(column)
        return row[i].strip() if i is not None and i < len(row) else ""

    records: list[SecretaryRow] = []
    usernames_seen: dict[str, int] = {}
    org_kind_seen: dict[str, tuple[str, int]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        org, kind, name = cell(row, "党组织名称"), cell(row, "党组织类别"), cell(row, "书记姓名")
        username, phone = cell(row, "登录名").lower(), cell(row, "手机号")
        row_ok = True

        def problem(column: str, message: str, number: int = number) -> None:
            nonlocal row_ok
            row_ok = False
            problems.append(ImportProblem(number, column, message))

        def required(column: str, value: str, longest: int) -> None:
            if not value:
                problem(column, f"{column}不能为空")
            elif len(value) > longest:
                problem(column, f"{column}过长（最多 {longest} 字）")

        required("党组织名称", org, 100)
        if not kind:
            problem("党组织类别", "党组织类别不能为空")
        elif kind not in ORG_KINDS:
            problem("党组织类别", f"未知类别“{kind}”，应为：{'、'.join(ORG_KINDS)}")
        elif org:
            if org in existing_org_kinds and existing_org_kinds[org] != kind:
                problem("党组织类别", f"系统中“{org}”的类别是“{existing_org_kinds[org]}”，与此处“{kind}”不一致")
            elif org in org_kind_seen and org_kind_seen[org][0] != kind:
                problem("党组织类别", f"与第 {org_kind_seen[org][1]} 行同一党组织的类别“{org_kind_seen[org][0]}”不一致")
            else:
                org_kind_seen.setdefault(org, (kind, number))
        required("书记姓名", name, 50)
        if not username:
            problem("登录名", "登录名不能为空")
        elif not USERNAME_RE.match(username):
            problem("登录名", f"登录名“{username}”无效：只能用 3–32 位字母、数字、下划线、点或减号")
        elif username in existing_usernames:
            problem("登录名", f"登录名“{username}”已被系统中的用户使用")
        elif username in usernames_seen:
            problem("登录名", f"登录名“{username}”与第 {usernames_seen[username]} 行重复")
        else:
            usernames_seen[username] = number
        if org and name and username and (org, name) in existing_secretaries \
                and existing_secretaries[(org, name)] != username:
            problem("书记姓名", f"系统中“{org}”已有同名书记“{name}”（登录名 {existing_secretaries[(org, name)]}），"
                                f"此行会为其再建一个登录名 {username}。如是同一人，请删去此行；如确为另一人，"
                                f"请先在用户管理中停用原账号再导入")
        elif org and name and (org, name) in people_seen:
            problem("书记姓名", f"与第 {people_seen[(org, name)]} 行是同一党组织的同名书记（登录名不同），"
                                f"请确认后只保留一行")
        elif org and name:
            people_seen[(org, name)] = number
        if phone and not PHONE_RE.match(phone):
            problem("手机号", f"手机号“{phone}”无效：应为 11 位数字")
        if row_ok:
            records.append(SecretaryRow(number, org, kind, name, username, phone))
    if not records and not problems:
        problems.append(ImportProblem(2, "", "文件中没有数据行"))
    return records, problems


def template_workbook() -> bytes:
    """The blank import template organisers download: header, a dropdown for the kind, and notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "书记名单"
    sheet.append(list(COLUMNS))
    style_header(sheet[1], alignment=CENTER)
    set_widths(sheet, (32, 14, 12, 16, 16))
    kinds = DataValidation(type="list", formula1='"' + ",".join(ORG_KINDS) + '"', allow_blank=False)
    kinds.error = "请从下拉列表中选择党组织类别"
    sheet.add_data_validation(kinds)
    kinds.add("B2:B1000")
    for column in ("D", "E"):
        for row in range(2, 1001):
            sheet[f"{column}{row}"].number_format = "@"
    notes = workbook.create_sheet("填写说明")
    for line in (
        "1. 每行一个党组织及其书记；表头不要修改。",
        "2. 党组织类别从下拉列表选择：" + "、".join(ORG_KINDS) + "。",
        "3. 登录名只能用 3–32 位字母、数字、下划线、点或减号，不能与已有用户重复。",
        "4. 手机号可不填；填写时应为 11 位数字。",
        "5. 导入时系统先检查整个文件，有任何错误都不会写入，并逐行列出错误；改正后重新导入即可。",
        "6. 导入成功后可下载一次初始密码单，书记首次登录须修改密码。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    return workbook_bytes(workbook)
