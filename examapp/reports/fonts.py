"""The CJK fonts of the PDF reports: find, register and check that every character to be printed has a glyph.

Search order for the regular (body) face, first hit wins:

1. the ``path`` argument of :func:`load_fonts`, else the environment variable ``REPORT_FONT_PATH``
   (a ``.ttf`` or ``.ttc``; for a collection add ``#N`` to pick its N-th face, e.g. ``simsun.ttc#0``).
   A configured path that does not exist or does not load is an error, never silently replaced;
2. Windows' 仿宋 and 宋体 (``C:\\Windows\\Fonts\\simfang.ttf``, ``simsun.ttc``) — the faces GB/T 9704 asks for;
3. Debian's ``fonts-arphic-uming`` (AR PL UMing CN, a 明/宋 face: ``/usr/share/fonts/truetype/arphic/uming.ttc``);
4. Debian's ``fonts-wqy-zenhei`` and ``fonts-wqy-microhei`` (``/usr/share/fonts/truetype/wqy/``, 黑 faces). Zen Hei
   comes before Micro Hei because it also covers CJK Extension A (rare name characters such as 䶮 or 㛃);
5. a file with one of those names in a directory of ``REPORT_FONT_DIR`` (several separated by ``os.pathsep``,
   e.g. a copy of ``C:\\Windows\\Fonts``), or anywhere under ``/usr/share/fonts``, ``/usr/local/share/fonts``
   or ``~/.fonts``;
6. ReportLab's built-in ``STSong-Light`` CID font: needs no file, but is not embedded (the reader's viewer
   substitutes a Song face) and has no bold.

When :func:`load_fonts` is given the document's ``texts`` and no face is configured, the first face of that order
which has every character wins: a name with a character UMing lacks is printed in Zen Hei rather than refused.

The bold (heading) face: the ``bold_path`` argument, else ``REPORT_BOLD_FONT_PATH``, else Windows' 黑体
(``simhei.ttf``), else Wen Quan Yi Zen Hei, else the regular face. The title face (标题 and 发文机关标志, drawn
faux-bold as a stand-in for 小标宋): 宋体 (``simsun.ttc``), else AR PL UMing, else the bold face.
``fonts-noto-cjk`` is never tried: its OpenType/CFF outlines do not load in ReportLab.

Before a document is built, :func:`ensure_glyphs` checks its texts and raises :class:`FontError`, with a Chinese
message naming each missing character and the names it appears in, instead of printing empty boxes.
"""
from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from examapp.usererror import UserError

ENV_FONT_PATH = "REPORT_FONT_PATH"
ENV_BOLD_FONT_PATH = "REPORT_BOLD_FONT_PATH"
ENV_FONT_DIR = "REPORT_FONT_DIR"
FALLBACK_CID_FONT = "STSong-Light"

WINDOWS_FONTS = Path("C:/Windows/Fonts")
WQY = Path("/usr/share/fonts/truetype/wqy")
ARPHIC = Path("/usr/share/fonts/truetype/arphic")
REGULAR_CANDIDATES = (
    WINDOWS_FONTS / "simfang.ttf",
    WINDOWS_FONTS / "simsun.ttc",
    ARPHIC / "uming.ttc",
    WQY / "wqy-zenhei.ttc",
    WQY / "wqy-microhei.ttc",
)
BOLD_CANDIDATES = (
    WINDOWS_FONTS / "simhei.ttf",
    WQY / "wqy-zenhei.ttc",
)
TITLE_CANDIDATES = (
    WINDOWS_FONTS / "simsun.ttc",
    ARPHIC / "uming.ttc",
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")


class FontError(UserError):
    """A font cannot be loaded, or cannot show some of the characters to be printed (message in Chinese)."""

    def __init__(self, message: str, missing: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.missing = missing or {}   # character -> the texts (names) it appears in


@dataclass(frozen=True)
class ReportFonts:
    """The registered ReportLab font names of a report, and where they come from."""
    regular: str
    bold: str
    regular_path: str | None    # None: the built-in CID font
    bold_path: str | None
    embedded: bool              # False for the STSong-Light fallback
    title_face: str | None = None   # the 标题/发文机关标志 face when it is neither of the above

    @property
    def title(self) -> str:
        return self.title_face or self.bold

    @property
    def faces(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.regular, self.bold, self.title)))


def _split_index(spec: str) -> tuple[Path, int]:
    """"simsun.ttc#1" → (simsun.ttc, 1); a plain path → (path, 0)."""
    head, sep, tail = spec.rpartition("#")
    if sep and tail.isdigit():
        return Path(head), int(tail)
    return Path(spec), 0


@functools.cache
def register_truetype(path: str, index: int = 0) -> str:
    """Register a TrueType face (``index`` within a ``.ttc``) once per process; returns its ReportLab name."""
    name = f"CJK-{Path(path).stem}-{index}"
    try:
        font = TTFont(name, path, subfontIndex=index)
    except Exception as exc:  # ReportLab raises TTFError, OSError, struct errors… for a file it cannot use
        raise FontError(f"无法加载字体文件 {path}（第 {index} 个字形集）：{exc}。"
                        f"请使用 TrueType 格式（.ttf/.ttc）的中文字体。") from exc
    pdfmetrics.registerFont(font)
    return name


@functools.cache
def register_cid_fallback() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


def _search_dirs(names: Iterable[str]) -> dict[str, Path]:
    """File name (lower case) → the first such file under the usual font directories, in sorted path order."""
    wanted = {n.lower() for n in names}
    found: dict[str, Path] = {}
    extra = [Path(d) for d in os.environ.get(ENV_FONT_DIR, "").split(os.pathsep) if d.strip()]
    for root in [*extra, *FONT_DIRS]:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.name.lower() in wanted and path.is_file():
                    found.setdefault(path.name.lower(), path)
    return found


def _existing(candidates: Iterable[Path]) -> list[Path]:
    """The candidates that exist, at their usual place or under a font directory, in preference order."""
    candidates = list(candidates)
    elsewhere: dict[str, Path] | None = None
    found = []
    for path in candidates:
        if path.is_file():
            found.append(path)
            continue
        if elsewhere is None:
            elsewhere = _search_dirs(p.name for p in candidates)
        if path.name.lower() in elsewhere:
            found.append(elsewhere[path.name.lower()])
    return found


def _first_existing(candidates: Iterable[Path], texts: Iterable[str] = ()) -> Path | None:
    """The first existing candidate that loads and shows every character of ``texts`` (else simply the first)."""
    found = _existing(candidates)
    texts = list(texts)
    if texts:
        for path in found:
            try:
                name = register_truetype(str(path), 0)
            except FontError:
                continue
            if not check_glyphs(name, texts):
                return path
    return found[0] if found else None


def _configured(spec: str | None, env: str) -> tuple[Path, int] | None:
    spec = spec or os.environ.get(env) or None
    if spec is None:
        return None
    path, index = _split_index(spec)
    if not path.is_file():
        raise FontError(f"找不到配置的字体文件 {path}（参数或环境变量 {env}）。")
    return path, index


def load_fonts(path: str | None = None, bold_path: str | None = None, texts: Iterable[str] = ()) -> ReportFonts:
    """Find and register the report fonts (see the module docstring for the search order); ``texts``: what the
    document will print, to skip a found face that lacks some of its characters."""
    texts = [str(t) for t in texts if t]
    configured = _configured(path, ENV_FONT_PATH)
    if configured is None:
        found = _first_existing(REGULAR_CANDIDATES, texts)
        configured = (found, 0) if found else None
    if configured is None:
        regular, regular_path = register_cid_fallback(), None
    else:
        regular, regular_path = register_truetype(str(configured[0]), configured[1]), str(configured[0])

    bold_configured = _configured(bold_path, ENV_BOLD_FONT_PATH)
    if bold_configured is None and regular_path is not None:
        found = _first_existing(BOLD_CANDIDATES, texts)
        bold_configured = (found, 0) if found else None
    if bold_configured is None:
        bold, bold_file = regular, regular_path
    else:
        bold, bold_file = register_truetype(str(bold_configured[0]), bold_configured[1]), str(bold_configured[0])
    title_face = None
    if regular_path is not None and path is None and not os.environ.get(ENV_FONT_PATH):
        # Not with a configured body face: whoever set it chose the look, and its coverage, on purpose.
        found = _first_existing(TITLE_CANDIDATES, texts)
        if found is not None and (not texts or not check_glyphs(register_truetype(str(found), 0), texts)):
            title_face = register_truetype(str(found), 0)
    return ReportFonts(regular=regular, bold=bold, regular_path=regular_path, bold_path=bold_file,
                       embedded=regular_path is not None,
                       title_face=None if title_face == bold else title_face)


def _ignorable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def _has_glyph(font_name: str, char: str) -> bool:
    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    if face is not None and hasattr(face, "charToGlyph"):
        return ord(char) in face.charToGlyph
    # The CID fallback (Adobe-GB1) has no cmap to ask: GBK is the part of it every Chinese viewer font covers.
    try:
        char.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def check_glyphs(font: str | ReportFonts, texts: Iterable[str]) -> list[str]:
    """The characters of ``texts`` that ``font`` (a registered name, or every face of a ReportFonts) cannot show.

    Each missing character once, in order of first appearance; whitespace and control characters are ignored.
    """
    faces = font.faces if isinstance(font, ReportFonts) else (font,)
    missing: list[str] = []
    seen: set[str] = set()
    for text in texts:
        for char in str(text):
            if char in seen or _ignorable(char):
                continue
            seen.add(char)
            if not all(_has_glyph(face, char) for face in faces):
                missing.append(char)
    return missing


def describe_font(fonts: ReportFonts) -> str:
    return fonts.regular_path or f"{FALLBACK_CID_FONT}（内置字体）"


def ensure_glyphs(fonts: ReportFonts, texts: Iterable[str]) -> None:
    """Raise FontError before building a PDF whose texts (names, organisations…) the fonts cannot show."""
    texts = [str(t) for t in texts if t]
    missing = check_glyphs(fonts, texts)
    if not missing:
        return
    where: dict[str, list[str]] = {}
    for char in missing:
        where[char] = [t for t in dict.fromkeys(texts) if char in t]
    parts = []
    for char, found_in in where.items():
        shown = "、".join(f"“{t}”" for t in found_in[:3]) + ("等" if len(found_in) > 3 else "")
        parts.append(f"“{char}”（U+{ord(char):04X}，见于{shown}）")
    raise FontError(
        f"字体 {describe_font(fonts)} 缺少以下字符的字形，打印出来会是空白或方框：{'；'.join(parts)}。"
        f"请在环境变量 {ENV_FONT_PATH} 中配置包含这些字符的 TrueType 中文字体，或核对姓名、单位名称后再生成。",
        where)
