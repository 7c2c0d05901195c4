"""Reading, validating and saving the office's settings; the placeholder check that guards publishing.

A setting saved on the admin page (table ``system_setting``) wins; a setting never saved there takes its
environment variable (``ISSUING_ORGAN`` …, see ``examapp/config.py``), so installations configured by
environment keep working. Publishing and ``flask check`` refuse while a value still holds a placeholder (××).

发文字号: the office stores only its 发文机关代字 (e.g. 滨江优营办); each published document gets
``代字〔年份〕序号号`` with the next number of that year (counter rows ``doc_number.<year>`` in the same table).
An empty 代字 prints no 发文字号.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields

from flask import current_app
from sqlalchemy import select

from examapp.audit.services import record
from examapp.extensions import db, insert_for
from examapp.settings.models import SystemSetting
from examapp.timeutil import utcnow
from examapp.usererror import UserError

SETTINGS_PAGE = "管理员菜单“系统设置”（/admin/settings）"
# Marks of a value nobody has filled in yet (the shipped defaults use ××).
PLACEHOLDER_MARKS = ("×", "XX", "xx", "某某")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Spec:
    key: str
    label: str
    config: str            # the environment / app.config key giving the default
    help: str
    kind: str = "text"     # text | int
    max_length: int = 60
    required: bool = True
    minimum: int = 0
    maximum: int = 72


SPECS = (
    Spec("issuing_organ", "发文机关", "ISSUING_ORGAN",
         "印在通报版头（红色发文机关标志）的全称，如“中共滨江区委优化营商环境工作领导小组办公室”。"),
    Spec("district_name", "本区名称", "DISTRICT_NAME", "如“滨江区”；成绩通报写作“滨江区委组织开展了……”。",
         max_length=20),
    Spec("district_scope", "本区范围用语", "DISTRICT_SCOPE", "通报正文中的范围用语，如“全区”（县为“全县”）。",
         max_length=10),
    Spec("city_scope", "上级范围用语", "CITY_SCOPE", "指标排名的比较范围，如“全市”（“全市排名前5名以外……”）。",
         max_length=10),
    Spec("doc_number_prefix", "发文机关代字", "DOC_NUMBER_PREFIX",
         "如“滨江优营办”；发布时自动编号为“滨江优营办〔2026〕3号”（每年从1号起）。留空则不印发文字号。",
         max_length=20, required=False),
    Spec("signature", "落款（发文机关署名）", "SIGNATURE", "印在正文之后、日期之上；留空则与发文机关相同。",
         required=False),
    Spec("contact", "联系人及电话", "CONTACT", "如“联系人：王某某，电话：0571-12345678”；印在通报说明中，留空则不印。",
         max_length=100, required=False),
    Spec("highlight_top", "通报表格突出显示前几名", "REPORT_HIGHLIGHT_TOP", "光荣榜：名次在前 N 名的行加底色；0 表示不突出。",
         kind="int"),
    Spec("highlight_bottom", "通报表格突出显示后几名", "REPORT_HIGHLIGHT_BOTTOM", "名次在后 M 名的行加底色；0 表示不突出。",
         kind="int"),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class OfficeSettings:
    issuing_organ: str
    district_name: str
    district_scope: str
    city_scope: str
    doc_number_prefix: str
    signature: str
    contact: str
    highlight_top: int
    highlight_bottom: int

    @property
    def signature_or_issuer(self) -> str:
        return self.signature or self.issuing_organ

    def doc_number(self, year: int, number: int) -> str:
        return f"{self.doc_number_prefix}〔{year}〕{number}号" if self.doc_number_prefix else ""


class SettingsError(UserError):
    """Values that cannot be saved; ``problems`` maps a setting key to its Chinese message."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("；".join(f"{SPEC_BY_KEY[k].label}：{m}" for k, m in problems.items()))


def _default(spec: Spec):
    value = current_app.config.get(spec.config, "" if spec.kind == "text" else 0)
    return int(value) if spec.kind == "int" else str(value or "")


def office_settings() -> OfficeSettings:
    """The settings in force: saved values over the environment's defaults."""
    stored = dict(db.session.execute(select(SystemSetting.key, SystemSetting.value)
                                     .where(SystemSetting.key.in_(list(SPEC_BY_KEY)))).all())
    values = {}
    for spec in SPECS:
        if spec.key in stored:
            values[spec.key] = int(stored[spec.key]) if spec.kind == "int" else stored[spec.key]
        else:
            values[spec.key] = _default(spec)
    return OfficeSettings(**values)


def validate(raw: dict) -> tuple[dict, dict[str, str]]:
    """Clean the submitted values (strings from a form); returns (values, problems), problems in Chinese."""
    values, problems = {}, {}
    for spec in SPECS:
        text = str(raw.get(spec.key) if raw.get(spec.key) is not None else "").strip()
        if spec.kind == "int":
            if not re.fullmatch(r"\d+", text):
                problems[spec.key] = f"请填写 {spec.minimum}–{spec.maximum} 之间的整数"
            elif not spec.minimum <= int(text) <= spec.maximum:
                problems[spec.key] = f"应在 {spec.minimum}–{spec.maximum} 之间，现为 {int(text)}"
            else:
                values[spec.key] = int(text)
            continue
        if not text and spec.required:
            problems[spec.key] = "请填写"
        elif len(text) > spec.max_length:
            problems[spec.key] = f"不能超过 {spec.max_length} 个字，现为 {len(text)} 个字"
        elif CONTROL.search(text):
            problems[spec.key] = "不能包含换行或控制字符"
        elif spec.key == "doc_number_prefix" and re.search(r"[〔〕\[\]()（）]|\d", text):
            problems[spec.key] = "只填机关代字（如“滨江优营办”），年份和序号由系统在发布时自动生成"
        else:
            values[spec.key] = text
    return values, problems


def save_settings(raw: dict, *, actor_id: int | None = None) -> list[str]:
    """Validate every value first; save only when all are valid. Returns the labels of the changed settings."""
    values, problems = validate(raw)
    if problems:
        raise SettingsError(problems)
    current = office_settings()
    changed = {}
    for spec in SPECS:
        new, old = values[spec.key], getattr(current, spec.key)
        row = db.session.get(SystemSetting, spec.key)
        if new == old and row is not None:
            continue
        if row is None:
            row = SystemSetting(key=spec.key)
            db.session.add(row)
        row.value, row.updated_by_id = str(new), actor_id
        if new != old:
            changed[spec.key] = {"from": old, "to": new}
    db.session.flush()
    if changed:
        record("settings.updated", target_type="settings", target_id="office", actor_id=actor_id,
               summary="修改系统设置：" + "、".join(SPEC_BY_KEY[k].label for k in changed), detail=changed)
    return [SPEC_BY_KEY[k].label for k in changed]


def placeholder_problems(settings: OfficeSettings | None = None) -> list[str]:
    """Each setting that still holds a placeholder, as a Chinese sentence naming it and its value."""
    settings = settings or office_settings()
    found = []
    for spec in SPECS:
        value = getattr(settings, spec.key)
        if spec.kind == "text" and any(mark in value for mark in PLACEHOLDER_MARKS):
            found.append(f"“{spec.label}”仍是占位内容“{value}”")
    return found


def placeholder_message(settings: OfficeSettings | None = None) -> str | None:
    """Why publishing must wait, or None when every setting is filled in."""
    problems = placeholder_problems(settings)
    if not problems:
        return None
    return ("系统设置尚未填写完整，不能发布：" + "；".join(problems)
            + f"。请管理员在{SETTINGS_PAGE}中填写后再发布。")


def next_doc_number(settings: OfficeSettings, year: int) -> str:
    """The next 发文字号 of the year (the counter row is locked until the publishing transaction commits)."""
    if not settings.doc_number_prefix:
        return ""
    key = f"doc_number.{year}"
    # Create the year's counter if absent without failing when a concurrent publication creates it first,
    # then lock it: two publications never get the same number.
    insert = insert_for(db.session.get_bind().dialect.name)
    db.session.execute(insert(SystemSetting).values(key=key, value="0", updated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["key"]))
    row = db.session.scalar(select(SystemSetting).where(SystemSetting.key == key).with_for_update()
                            .execution_options(populate_existing=True))
    row.value = str(int(row.value or 0) + 1)
    db.session.flush()
    return settings.doc_number(year, int(row.value))


def as_form_data(settings: OfficeSettings) -> dict:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}
