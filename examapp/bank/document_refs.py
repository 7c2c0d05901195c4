"""The policy document a bank file names for a question: its 文号, or the id of a document without one.

Export writes `reference(document)`; import resolves what a file wrote with `resolve` and refuses, with the
reason in Chinese (`refusal`), a reference to no document or to a 已修订 one.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from examapp.bank.models import DOCUMENT_CURRENT, Document
from examapp.bank.shipped import SHIPPED_DOCUMENT
from examapp.bank.text import normalise_width
from examapp.extensions import db

_ID_RE = re.compile(r"(?:文件)?(?:编号)?(\d{1,9})")


def reference(document: Document) -> str | int:
    """How files name the document: its 文号, or its id when it has none."""
    return document.number or document.id


def _key(text: str) -> str:
    return normalise_width(re.sub(r"\s+", "", text))


def is_regulation(ref: str | int) -> bool:
    """Whether the reference is the shipped 《条例》's 文号."""
    return isinstance(ref, str) and _key(ref) == _key(SHIPPED_DOCUMENT["number"])


def resolve(references: set[str | int]) -> dict[str | int, Document | None]:
    """Each reference's document (None: no such document). A 文号 shared by a document and its revision means
    the 现行 one; text that is no 文号 but a number ("2", "编号2") is read as the id."""
    documents = list(db.session.scalars(select(Document).order_by(Document.id)))
    by_id = {d.id: d for d in documents}
    by_number: dict[str, Document] = {}
    for document in documents:
        if document.number:
            known = by_number.get(_key(document.number))
            if known is None or known.status != DOCUMENT_CURRENT:
                by_number[_key(document.number)] = document
    found: dict[str | int, Document | None] = {}
    for ref in references:
        if isinstance(ref, int):
            found[ref] = by_id.get(ref)
            continue
        document = by_number.get(_key(ref))
        if document is None and (match := _ID_RE.fullmatch(_key(ref))):
            document = by_id.get(int(match.group(1)))
        found[ref] = document
    return found


def newest_id(document_id: int) -> int:
    """The id of the document that (through one or more revisions) replaced this one, or its own id."""
    seen = {document_id}
    while (newer := db.session.scalar(select(Document.id).where(Document.revises_id == document_id))) is not None:
        if newer in seen:
            break
        seen.add(newer)
        document_id = newer
    return document_id


def named(ref: str | int) -> str:
    return f"编号 {ref}" if isinstance(ref, int) else f"“{ref}”"


def refusal(ref: str | int, document: Document | None) -> str | None:
    """Why questions cannot be imported into the referenced document (in Chinese), or None when they can."""
    if document is None:
        return f"政策文件{named(ref)}不存在：请写已导入的政策文件的文号，或它在“政策文件”页面上的编号"
    if document.status == DOCUMENT_CURRENT:
        return None
    newer = db.session.get(Document, newest_id(document.id))
    instead = f"，请改为现行版本{newer.display_title}（{named(reference(newer))}）" if newer is not document else ""
    return f"政策文件{named(ref)}即{document.display_title}已被修订，不能再导入题目{instead}"


def assign(items: list[tuple], fallback: int | None) -> tuple[list[tuple], list[str], bool]:
    """Each import item's (location, data, document id), the problems of items naming a document they cannot
    go to, and whether an item names the 《条例》 while the database does not have it. An item (location, data,
    reference) without a reference goes to `fallback`; one of another document carries its title in the location."""
    named = resolve({item[2] for item in items if len(item) > 2 and item[2] is not None})
    targets, problems, regulation_missing = [], [], False
    for location, data, *rest in items:
        ref = rest[0] if rest else None
        document = named.get(ref)
        if ref is None:
            targets.append((location, data, fallback))
        elif document is None and is_regulation(ref):
            regulation_missing = True
        elif reason := refusal(ref, document):
            problems.append(f"{location}：{reason}")
        else:
            where = location if document.id == fallback else f"{location}（{document.display_title}）"
            targets.append((where, data, document.id))
    return targets, problems, regulation_missing
