"""Excel output safety shared by every export: text that looks like a formula stays text."""
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
