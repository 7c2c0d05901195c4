"""Reading YAML that people type or upload (scoring schemes, exam definitions): no aliases, bounded depth
and size, and every problem as one Chinese message — never a runaway worker or a 500."""
from __future__ import annotations

import yaml
from yaml.events import AliasEvent, CollectionStartEvent

from examapp.usererror import UserError

MAX_YAML_CHARS = 200_000      # a scheme or an exam definition is a page or two
MAX_YAML_DEPTH = 20           # the deepest real document nests 3 or 4 levels


class YamlInputError(UserError):
    """The text is not YAML this app accepts; str() is the Chinese message for the user."""


class _Refused(yaml.YAMLError):
    pass


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses aliases (a few hundred bytes of nested aliases expand to gigabytes
    when the result is walked) and documents nested deeper than MAX_YAML_DEPTH (the composer recurses)."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise _Refused(f"第 {event.start_mark.line + 1} 行：不支持 YAML 锚点和别名（& 与 *），请把内容直接写出")
        nested = isinstance(event, CollectionStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(f"第 {event.start_mark.line + 1} 行：嵌套超过 {MAX_YAML_DEPTH} 层，请检查格式")
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1


def load_yaml(text: str):
    """The one document in `text` as plain Python data; YamlInputError with a Chinese message otherwise."""
    if len(text) > MAX_YAML_CHARS:
        raise YamlInputError(f"YAML 内容过长（{len(text)} 个字符，上限 {MAX_YAML_CHARS}）")
    try:
        return yaml.load(text, Loader=_PlainLoader)
    except _Refused as exc:
        raise YamlInputError(str(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlInputError(syntax_error_message(exc)) from None
    except (RecursionError, MemoryError):
        raise YamlInputError("YAML 结构过于复杂，无法读取") from None


def syntax_error_message(exc: Exception) -> str:
    """A YAML syntax error in Chinese, with the line and column where the parser stopped."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列附近）" if mark is not None else ""
    return f"YAML 格式错误{where}：请检查缩进（用空格，不用 Tab）、冒号后的空格、括号和引号是否成对。"
