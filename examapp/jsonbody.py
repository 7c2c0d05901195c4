"""The JSON APIs' request body (the exam API, the practice answers): one JSON object of known fields, refused by
name otherwise, with the refusal raised as the calling domain's ``UserError``."""
from __future__ import annotations

import json

from flask import request

from examapp.usererror import UserError


def read_json_object(fields: tuple[str, ...], *, error: type[UserError], max_bytes: int,
                     required: bool = True) -> dict:
    """The request's JSON object; an absent body is {} when not required. Refuses anything else by name
    (413 over ``max_bytes``, else 400)."""
    if (request.content_length or 0) > max_bytes:
        raise error(f"请求内容过大（最多 {max_bytes // 1024} KB）。", status=413)
    raw = request.get_data(cache=True)
    if not raw and not required:
        return {}
    if not request.is_json:
        raise error("请求内容应为 JSON 对象（Content-Type: application/json）。", status=400)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise error("请求内容不是有效的 JSON。", status=400) from None
    if not isinstance(data, dict):
        raise error("请求内容应为 JSON 对象。", status=400)
    unknown = [name for name in data if name not in fields]
    if unknown:
        raise error(f"不支持的字段：{'、'.join(name[:40] for name in unknown[:5])}（只接受 {'、'.join(fields)}）。",
                    status=400)
    return data
