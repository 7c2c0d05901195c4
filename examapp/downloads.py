"""Every file the app hands out goes through send_download(): one Content-Disposition that every WSGI
server accepts (headers are Latin-1) and every browser saves under the right name (RFC 6266/5987)."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

# Characters Windows refuses in a file name, and its reserved device names (also with an extension).
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
                     *(f"LPT{n}" for n in range(1, 10))}
_MAX_FALLBACK = 100


def ascii_filename(filename: str, default: str = "download") -> str:
    """The plain-ASCII name for browsers that ignore filename*: accents dropped, Chinese left out, a valid
    Windows file name always (no <>:"/\\|?*, no control characters, no trailing dot or space, not CON…)."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    stem, extension = _ascii_part(stem), _ascii_part(extension)
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10]
    stem = stem.strip(" ._-")
    if not re.search(r"[A-Za-z]", stem):       # only digits or nothing left (a Chinese title): say what it is
        stem = f"{default}-{stem}" if re.search(r"[0-9]", stem) else default   # not "download-()" of （…）
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    stem = stem[:_MAX_FALLBACK].rstrip(" .")
    return f"{stem}.{extension}" if extension else stem


def _ascii_part(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _WINDOWS_FORBIDDEN.sub("_", text)
    return re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", text))


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment; filename="ascii.xlsx"; filename*=UTF-8''%E6%93%8D…` — Latin-1 safe."""
    kind = "inline" if inline else "attachment"
    # A title may hold characters no file name can (“2023/10 考试”); the browser would mangle them anyway.
    filename = _WINDOWS_FORBIDDEN.sub("_", filename).rstrip(" .") or ascii_filename(filename)
    encoded = quote(filename, safe="!#$&+-.^_`|~")
    return f"{kind}; filename=\"{ascii_filename(filename)}\"; filename*=UTF-8''{encoded}"


def send_download(content: bytes, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    """A finished file as a response; `inline` lets the browser show it (a PDF) instead of saving it."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["Content-Length"] = str(len(content))
    return response
