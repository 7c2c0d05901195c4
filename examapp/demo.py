"""`flask demo`: fictional demonstration data (示例数据), safe to run again and again."""
from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from examapp.access.roles import ADMIN, CANDIDATE, ORGANIZER, VIEWER
from examapp.accounts.models import PartyOrganization, User, hash_password
from examapp.bank import qtypes
from examapp.bank.services import BankError, load_shipped_bank
from examapp.exams.assembly import Section
from examapp.exams.grading import PARTIAL_HALF
from examapp.exams.models import REVIEW_AFTER_SUBMIT, Exam
from examapp.exams.services import ExamDefinition, publish_exam, save_exam
from examapp.extensions import db
from examapp.timeutil import utcnow

DEMO_PASSWORD = "demo1234"
DEMO_PREFIX = "示例·"

_TOWNS = ["城关街道", "东城街道", "西城街道", "南湖街道", "北山街道", "新城街道", "江滨街道",
          "河西镇", "青石镇", "柳林镇", "桃源镇", "白沙镇", "金山乡", "云溪乡"]
_DEPARTMENTS = ["区发展和改革局", "区财政局", "区市场监督管理局", "区行政审批服务局", "区商务局",
                "区自然资源局", "区住房和城乡建设局", "区人力资源和社会保障局", "区税务局",
                "区生态环境分局", "区交通运输局", "区水利局", "区农业农村局", "区文化和旅游局",
                "区卫生健康委员会", "区应急管理局", "区司法局", "区公安分局", "区教育局",
                "区科学技术局", "区工业和信息化局", "区民政局", "区城市管理局", "区统计局",
                "区医疗保障局", "区政务服务中心", "区信访局", "区退役军人事务局", "区审计局",
                "区数据资源局", "区投资促进中心", "区金融工作局", "区机关事务管理局",
                "区供销合作社", "区消防救援大队", "区总工会"]
_PARKS = ["高新技术产业园", "经济开发区", "现代物流园", "数字经济产业园", "食品工业园", "临港产业园"]
_ENTERPRISES = ["区城市建设投资集团", "区交通投资集团", "区水务集团", "区国有资产经营公司",
                "区文化旅游投资公司", "区农业发展投资公司", "区产业投资基金公司", "区公共交通公司"]
_INSTITUTIONS = ["区人民医院", "区中医院", "区妇幼保健院", "区第一中学", "区实验小学",
                 "区职业技术学校", "区疾病预防控制中心", "区图书馆"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = ["建国", "海燕", "志强", "丽华", "卫东", "秀英", "国庆", "文斌", "晓梅", "振华", "红霞", "永刚",
          "明辉", "桂兰", "立新", "春生", "玉珍", "德明", "建华", "淑芬", "宏伟", "小平", "凤英", "学军"]


def demo_organizations() -> list[tuple[str, str]]:
    """(name, kind) for the 72 fictional party organisations, in the district's usual order."""
    orgs = [(f"{DEMO_PREFIX}{d}党组", "机关部门") for d in _DEPARTMENTS]
    orgs += [(f"{DEMO_PREFIX}{t}党{'工委' if t.endswith('街道') else '委'}", "乡镇街道") for t in _TOWNS]
    orgs += [(f"{DEMO_PREFIX}{p}党工委", "园区") for p in _PARKS]
    orgs += [(f"{DEMO_PREFIX}{e}党委", "国企") for e in _ENTERPRISES]
    orgs += [(f"{DEMO_PREFIX}{i}党委", "学校医院") for i in _INSTITUTIONS]
    assert len(orgs) == 72
    return orgs


def demo_secretary_name(index: int) -> str:
    return _SURNAMES[index % len(_SURNAMES)] + _GIVEN[(index * 7) % len(_GIVEN)]


DEMO_STAFF = [("admin", "示例管理员", ADMIN), ("organizer", "示例组织者", ORGANIZER), ("viewer", "示例领导", VIEWER)]


def _ensure_user(username: str, name: str, role: str, org: PartyOrganization | None, hashed: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, name=name, role=role, organization=org, is_demo=True)
        # One hash for the shared, published demo password keeps `flask demo` fast.
        user.set_password(DEMO_PASSWORD, temporary=False, hashed=hashed)
        db.session.add(user)
    return user


def load_demo_accounts() -> None:
    hashed = hash_password(DEMO_PASSWORD)
    for username, name, role in DEMO_STAFF:
        _ensure_user(username, name, role, None, hashed)
    existing = {o.name: o for o in db.session.scalars(select(PartyOrganization))}
    for index, (name, kind) in enumerate(demo_organizations(), start=1):
        org = existing.get(name)
        if org is None:
            org = PartyOrganization(name=name, kind=kind, sort_order=index, is_demo=True)
            db.session.add(org)
        _ensure_user(f"sj{index:02d}", demo_secretary_name(index - 1), CANDIDATE, org, hashed)
    db.session.commit()


DEMO_EXAM_TITLE = "示例：《优化营商环境条例》学习测试"
DEMO_EXAM_RULES = """1. 本考试为示例考试（示例数据），开放期间可随时参加，答题时长 60 分钟。
2. 共 90 题：单选题 40 题、多选题 20 题、判断题 20 题、填空题 10 题，满分 100 分，60 分及格。
3. 多选题少选得一半分，错选不得分；填空题按空计分。
4. 答案选择后自动保存；刷新页面或更换设备可继续作答，计时不暂停；时间到自动交卷。
5. 交卷后可查看分数、正确答案、解析和条款原文。"""


def load_demo_exam() -> Exam:
    """An exam open from yesterday for 30 days, so a new user sees the whole flow."""
    exam = db.session.scalar(select(Exam).where(Exam.title == DEMO_EXAM_TITLE, Exam.is_demo.is_(True)))
    if exam is not None:
        return exam
    now = utcnow().replace(second=0, microsecond=0)
    definition = ExamDefinition(
        title=DEMO_EXAM_TITLE, description=DEMO_EXAM_RULES, opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30), duration_minutes=60,
        sections=[Section(type=t.code, count=t.default_section[0], points=t.default_section[1])
                  for t in qtypes.all_types()],
        multiple_rule=PARTIAL_HALF, pass_mark=60, review_policy=REVIEW_AFTER_SUBMIT)
    exam = save_exam(definition)
    exam.is_demo = True
    publish_exam(exam)
    db.session.commit()
    return exam


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """载入示例数据（可重复运行）：管理员、组织者、查看者和 72 个示例党组织及其书记。"""
    load_demo_accounts()
    try:
        outcome = load_shipped_bank()
    except BankError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"题库已载入：{outcome}。")
    exam = load_demo_exam()
    click.echo(f"示例考试：{exam.title}（编号 {exam.id}，已发布，开放 30 天）。")
    round_ = load_demo_round()
    from examapp.scoring import services as scoring
    if scoring.latest_computation(round_) is None:
        scoring.compute_round(round_)
        db.session.commit()
    click.echo(f"示例考评批次：{round_.name}（已计算综合得分，可在“综合考评”中查看和发布）。")
    click.echo(f"示例数据已就绪（均为虚构的示例数据）。演示账号（密码均为 {DEMO_PASSWORD}）：")
    click.echo("  管理员  admin")
    click.echo("  组织者  organizer")
    click.echo("  查看者  viewer")
    click.echo("  考生    sj01 … sj72（72 名示例书记）")


DEMO_ROUND = "示例：2023年度“书记大比武”"
_INDICATOR_TOPICS = [("开办企业", "区市场监督管理局"), ("办理建筑许可", "区住房和城乡建设局"), ("获得电力", "区发展和改革局"),
                     ("获得用水用气", "区城市管理局"), ("登记财产", "区自然资源局"), ("获得信贷", "区金融工作局"),
                     ("保护中小投资者", "区司法局"), ("纳税", "区税务局"), ("跨境贸易", "区商务局"),
                     ("执行合同", "区司法局"), ("办理破产", "区发展和改革局"), ("政府采购", "区财政局"),
                     ("招标投标", "区行政审批服务局"), ("政务服务", "区政务服务中心"), ("知识产权", "区市场监督管理局"),
                     ("市场监管", "区市场监督管理局"), ("包容普惠创新", "区科学技术局"), ("劳动力市场监管", "区人力资源和社会保障局")]
# Indicator leaders (指标长) are people in a published accountability list: their names are plainly
# fictional (surname + 示例), so no demo page or PDF can be read as naming a real official.
_LEADERS = [f"{surname}示例" for surname in "张李王赵刘陈杨黄周"]


def demo_round_inputs(seed: int = 2023):
    """Fictional but plausible inputs for all 72 demo organisations over three quarters."""
    import random
    from datetime import date

    from examapp.scoring.inputs import (
        AssistanceRecord,
        ConductItem,
        ExamScore,
        Indicator,
        IndicatorRank,
        OtherScore,
        RoundInputs,
    )
    rng = random.Random(seed)
    orgs = [name for name, _ in demo_organizations()]
    towns = [name for name, kind in demo_organizations() if kind == "乡镇街道"]
    periods = ["2023Q1", "2023Q2", "2023Q3"]
    indicators, ranks = [], []
    for n, (topic, lead) in enumerate(_INDICATOR_TOPICS, start=1):
        lead_org = f"{DEMO_PREFIX}{lead}党组"
        others = rng.sample([o for o in orgs if o != lead_org and o not in towns], 2) + rng.sample(towns, 1)
        code = f"A{n:02d}"
        indicators += [
            Indicator(code, topic, 1, None, _LEADERS[n % len(_LEADERS)] + "（区领导）", None, ()),
            Indicator(f"{code}.1", f"{topic}便利度", 2, code, _LEADERS[(n + 3) % len(_LEADERS)], lead_org,
                      tuple(others[:1])),
            Indicator(f"{code}.1.1", f"{topic}办理时间和环节", 3, f"{code}.1", _LEADERS[(n + 5) % len(_LEADERS)],
                      lead_org, tuple(others)),
        ]
        strength = rng.random()
        for period in periods:
            rank = max(1, min(16, round(1 + 15 * (1 - strength) + rng.gauss(0, 2.5))))
            ranks.append(IndicatorRank(f"{code}.1.1", period, rank, 16))
    assistance, conduct, others_scores, exams = [], [], [], []
    for org in orgs:
        diligence = rng.uniform(0.6, 1.0)
        for period in periods:
            visited = rng.randint(8, 30)
            collected = rng.randint(0, 12) if rng.random() > 0.05 else 0
            resolved = min(collected, round(collected * diligence + rng.uniform(-1, 1)))
            resolved = max(0, resolved)
            on_time = max(0, min(resolved, round(resolved * rng.uniform(0.7, 1.0))))
            assistance.append(AssistanceRecord(org, period, visited, collected, resolved, on_time,
                                               round(rng.uniform(82, 99), 1)))
        if rng.random() < 0.25:
            conduct.append(ConductItem(org, date(2023, rng.randint(1, 9), rng.randint(1, 28)), "扣分",
                                       rng.choice([1, 2, 3, 5]), rng.choice(["信访事项办理超期", "督查通报问题整改不到位",
                                                                              "营商环境投诉核查属实"]),
                                       f"区优化办督查通报〔2023〕{rng.randint(1, 40)}号"))
        if rng.random() < 0.15:
            conduct.append(ConductItem(org, date(2023, rng.randint(1, 9), rng.randint(1, 28)), "加分",
                                       rng.choice([1, 2, 3]), "经验做法获市级推广", f"市优化办简报第{rng.randint(1, 30)}期"))
        others_scores.append(OtherScore(org, "党建工作", round(rng.uniform(75, 98), 1)))
        roll = rng.random()
        if roll < 0.03:
            exams.append(ExamScore(org, "2023年7月营商环境知识考试", None, "请假"))
        elif roll < 0.05:
            exams.append(ExamScore(org, "2023年7月营商环境知识考试", None, "缺考"))
        else:
            exams.append(ExamScore(org, "2023年7月营商环境知识考试", round(rng.uniform(58, 99), 1)))
    return RoundInputs(periods=periods, indicators=indicators, ranks=ranks, assistance=assistance,
                       conduct=conduct, exams=exams, others=others_scores)


def load_demo_round():
    """The demo round, imported through the real workbook path; E comes from an (external) July exam until an
    organiser also counts the system's exams (`flask scoring exams ROUND EXAM_ID`)."""
    from examapp.scoring import services as scoring
    from examapp.scoring.workbook import write_workbook
    round_ = scoring.get_round(DEMO_ROUND)
    if round_ is not None:
        return round_
    round_ = scoring.ensure_round(DEMO_ROUND)
    round_.is_demo = True
    scoring.import_workbook(round_, write_workbook(demo_round_inputs()))
    scoring.set_scheme(round_, {"weights": {"E": 30, "I": 30, "A": 25, "C": 15, "党建工作": 0}})
    db.session.commit()
    return round_
