"""The documents of a snapshot: PDF league table, exam results, score cards, and the Excel table.

Everything printed comes from the snapshot's frozen content (plus its hash), so regenerating a
document gives the same bytes.
"""
from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment

from examapp.publishing import services as publishing
from examapp.publishing.models import SNAPSHOT_RANKING, Snapshot
from examapp.reports import pdf
from examapp.reports.pdf.league import has_movement
from examapp.spreadsheets import style_header, workbook_bytes

MISSING_NOTE_PREFIX = "标“—”者"
DETAIL_TABLES = {
    "exams": (["考试", "得分", "状态", "权重"], lambda e: [e["exam"], _n(e.get("score")), e["status"], e.get("weight")]),
    "results": (["指标", "考核期", "全市排名", "参评数", "角色", "权重", "得分"],
                lambda r: [f"{r['code']} {r.get('name', '')}", r["period"], r["rank"], r["ranked_count"], r["role"],
                           r["weight"], _n(r["points"])]),
    "periods": (["考核期", "走访", "收集", "已解决", "按期解决", "满意度"],
                lambda p: [p["period"], p["visited"], p["collected"], p["resolved"], p["resolved_on_time"],
                           _n(p.get("satisfaction"))]),
    "items": (["日期", "类型", "分值", "事由", "依据"],
              lambda i: [i["date"], i["kind"], _n(i["points"]), i["reason"], i.get("evidence", "")]),
}


# Characters the engine writes that common CJK fonts (e.g. WenQuanYi) lack, and their printable forms.
PRINTABLE = str.maketrans({"\u2212": "-"})


def printable(value):
    """The same data with text safe for the embedded CJK font."""
    if isinstance(value, str):
        return value.translate(PRINTABLE)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    return value


def _n(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def document(snapshot: Snapshot, *, include_accountability: bool = True) -> dict:
    doc = dict(snapshot.content)
    doc["hash"] = snapshot.sha256
    doc["snapshot_id"] = snapshot.id
    doc.pop("people", None)
    doc.pop("robustness", None)
    if snapshot.kind == SNAPSHOT_RANKING:
        if include_accountability:
            doc["edition"] = publishing.FULL_EDITION
            doc["footer_caption"] = f"{publishing.FULL_EDITION}（含问责名单）"
        else:
            # Not an empty list: that would print "本期无应问责事项" under the full notice's checksum.
            doc.pop("accountability", None)
            doc["accountability_withheld"] = True
            doc["appendix_title"] = "综合得分分布"
            doc["edition"] = publishing.PUBLIC_EDITION
            doc["footer_caption"] = f"{publishing.PUBLIC_EDITION}（问责名单另行印发）"
            doc["hash"] = publishing.public_sha256(snapshot)
    # The PDF prints its own footnote for the "—*" mark: give it our wording instead of a second note.
    missing = [n for n in doc.get("notes", []) if n.startswith(MISSING_NOTE_PREFIX)]
    if missing:
        doc["notes"] = [n for n in doc["notes"] if n not in missing]
        doc["missing_note"] = missing[0][len(MISSING_NOTE_PREFIX):]
    return doc


def league_table_pdf(snapshot: Snapshot, *, include_accountability: bool = True) -> bytes:
    if snapshot.kind == SNAPSHOT_RANKING:
        return pdf.league_table_pdf(printable(document(snapshot, include_accountability=include_accountability)))
    return pdf.exam_results_pdf(printable(document(snapshot)))


def score_card_doc(snapshot: Snapshot, organization: str) -> dict | None:
    person = snapshot.content.get("people", {}).get(organization)
    if person is None:
        return None
    robustness = next((r for r in snapshot.content.get("robustness", []) if r["organization"] == organization), None)
    components = []
    for key, detail in person["details"].items():
        columns, lines = [], []
        for field, (header, row) in DETAIL_TABLES.items():
            if detail.get(field):
                columns, lines = header, [row(x) for x in detail[field]]
                break
        components.append({"key": key, "label": detail["label"], "weight": detail["weight"],
                           "score": detail["score"], "missing": detail.get("missing"),
                           "working": detail.get("working", ""), "columns": columns, "lines": lines})
    ranked = [r for r in snapshot.content["rows"] if r.get("rank") is not None]
    row = next((r for r in snapshot.content["rows"] if r["organization"] == organization), {})
    return {"kind": "score_card", "issuer": snapshot.content["issuer"],
            "title": f"{snapshot.content.get('round', '')}个人得分卡", "round": snapshot.content.get("round", ""),
            "status": snapshot.content["status"], "date_cn": snapshot.content["date_cn"],
            "organization": organization, "name": person["name"], "rank": person["rank"], "ranked_count": len(ranked),
            "movement": row.get("movement", ""),
            "composite": person["composite"], "composite_working": person.get("composite_working", ""),
            "notes": list(person.get("notes", [])), "components": components, "robustness": robustness,
            "weakest_articles": snapshot.content.get("weak_articles", {}).get(organization, []), "ranking_rule": snapshot.content.get("ranking_rule", ""),
            "hash": snapshot.sha256, "snapshot_id": snapshot.id}


def score_card_pdf(snapshot: Snapshot, organization: str) -> bytes | None:
    doc = score_card_doc(snapshot, organization)
    return None if doc is None else pdf.score_card_pdf(printable(doc))


def snapshot_workbook(snapshot: Snapshot, *, include_accountability: bool = True) -> bytes:
    """The published table as Excel: Chinese headers, frozen header row, number formats; the accountability
    list only for readers who may see it (as on the page and in the PDF)."""
    content = snapshot.content
    book = Workbook()
    ws = book.active
    ws.title = "综合排名" if snapshot.kind == SNAPSHOT_RANKING else "成绩"
    if snapshot.kind == SNAPSHOT_RANKING:
        header = ["名次", "党组织", "书记", *[c["label"] for c in content["components"]], "综合得分"]
        rows = [[r["rank"], r["organization"], r["name"],
                 *[r["components"].get(c["key"]) for c in content["components"]], r["composite"]]
                for r in content["rows"]]
        numeric = range(4, 4 + len(content["components"]) + 1)
    else:
        header = ["名次", "党组织", "姓名", "得分", "状态"]
        rows = [[r["rank"], r["organization"], r["name"], r["score"], r["status"]] for r in content["rows"]]
        numeric = range(4, 5)
    if has_movement(content):      # as in the PDF: no empty 名次变化 column when there is nothing to compare with
        header.append("名次变化")
        for row, source in zip(rows, content["rows"], strict=True):
            row.append(source["movement"])
    ws.append(header)
    style_header(ws[1], alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    for row in rows:
        ws.append(["—" if v is None else v for v in row])
    precision = content.get("precision", 2)
    number_format = "0." + "0" * precision if precision else "0"
    for column in numeric:
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, int | float):
                cell.number_format = number_format
    for letter, width in zip("ABCDEFGHIJ", [8, 36, 12] + [12] * 7, strict=False):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    info = book.create_sheet("说明")
    checksum = f"SHA-256：{snapshot.sha256}"
    if snapshot.kind == SNAPSHOT_RANKING:
        checksum = (f"SHA-256（{publishing.FULL_EDITION}）：{snapshot.sha256}" if include_accountability else
                    f"SHA-256（{publishing.PUBLIC_EDITION}，问责名单另行印发）：{publishing.public_sha256(snapshot)}")
    for line in [content["title"], f"发布状态：{content['status']}", f"发布日期：{content['date_cn']}",
                 checksum, *content.get("notes", [])]:
        info.append([line])
    info.column_dimensions["A"].width = 120
    if include_accountability and snapshot.kind == SNAPSHOT_RANKING and content.get("accountability"):
        acc = book.create_sheet("问责清单")
        acc.append(["指标", "指标名称", "处理", "考核期", "名次", "对象"])
        style_header(acc[1], fill=None)
        for a in content["accountability"]:
            acc.append([a["indicator"], a.get("indicator_name", ""), a["action"], "、".join(a["periods"]),
                        "、".join(map(str, a["ranks"])), "；".join(a["targets"])])
        acc.freeze_panes = "A2"
    return workbook_bytes(book)
