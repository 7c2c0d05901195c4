"""The PDF documents: Chinese text extractable, ranks and hash on the pages, reproducible bytes, a page that renders."""
from __future__ import annotations

import hashlib
import io
import random
import shutil
import struct
import subprocess
import zlib
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from examapp.reports import fonts as report_fonts
from examapp.reports.fonts import FontError, check_glyphs, ensure_glyphs, load_fonts
from examapp.reports.pdf import (
    NO_LINE_START,
    date_cn,
    exam_results_pdf,
    format_number,
    league_table_pdf,
    score_card_pdf,
)

COMPONENTS = [{"key": "E", "label": "考试", "weight": 30}, {"key": "I", "label": "指标排名", "weight": 30},
              {"key": "A", "label": "联企解困", "weight": 25}, {"key": "C", "label": "执政形象", "weight": 15}]
ISSUER = "中共××区委优化营商环境工作领导小组办公室"
TITLE = "关于2023年度“书记大比武”综合排名情况的通报"
HASH = hashlib.sha256(b"snapshot 2023-10-20").hexdigest()

DEPARTMENTS = ["区发展和改革局", "区财政局", "区教育局", "区科学技术局", "区工业和信息化局", "区民政局", "区司法局",
               "区人力资源和社会保障局", "区自然资源和规划分局", "区生态环境分局", "区住房和城乡建设局", "区交通运输局",
               "区水务局", "区农业农村局", "区商务局", "区文化和旅游局", "区卫生健康委员会", "区退役军人事务局",
               "区应急管理局", "区审计局", "区市场监督管理局", "区统计局", "区医疗保障局", "区城市管理局",
               "区行政审批服务局", "区政务服务和大数据管理局", "区投资促进局", "区税务局", "区公安分局", "区消防救援大队"]
STREETS = ["城关", "东风", "西湖", "南山", "北塔", "新华", "解放", "长安", "和平", "文昌", "迎宾", "滨江", "金桥",
           "银河", "丰收", "青龙", "白马", "红旗", "桃源", "望江", "临港", "高新", "凤凰", "龙泉"]
PARKS = ["区经济技术开发区", "区高新技术产业园区", "区综合保税区", "区现代农业产业园", "区文化创意产业园",
         "区临空经济示范区", "区国有资产投资经营集团有限公司", "区城市建设投资集团有限公司", "区融资担保有限公司",
         "区公共资源交易中心", "区供销合作社联合社", "区工商业联合会", "区科学技术协会", "区总工会", "区妇女联合会",
         "区红十字会", "区残疾人联合会", "区档案馆"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华国庆海燕志强晓东文博红梅立新振华春生"


def organisations() -> list[str]:
    orgs = [f"中共××{d}委员会" if i % 7 == 0 else f"{d}党组" for i, d in enumerate(DEPARTMENTS)]
    orgs += [f"{s}街道党工委" for s in STREETS]
    orgs += [f"{p}党委" for p in PARKS]
    assert len(orgs) == 72
    return orgs


def competition_ranks(values: list[float | None]) -> list[int | None]:
    present = sorted((v for v in values if v is not None), reverse=True)
    first = {}
    for place, v in enumerate(present, start=1):
        first.setdefault(v, place)
    return [None if v is None else first[v] for v in values]


def league_doc(**overrides) -> dict:
    """72 fictional secretaries with ties and missing components, ranked as the engine would."""
    rng = random.Random(2023)
    people = []
    for i, org in enumerate(organisations()):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i % 3 else GIVEN[(i * 5 + 3) % len(GIVEN)])
        scores = {"E": round(rng.uniform(62, 99), 2), "I": round(rng.uniform(20, 100), 2),
                  "A": round(rng.uniform(50, 100), 2), "C": round(rng.uniform(85, 100), 2)}
        if i % 11 == 4:
            scores["I"] = None          # 未承担指标
        if i == 9:
            scores["E"] = None          # 请假
        people.append({"organization": org, "name": name, "components": scores})
    people[5]["components"] = dict(people[3]["components"])     # a tie
    people[6]["components"] = dict(people[3]["components"])     # a three-way tie
    for person in people:
        present = [(c["weight"], person["components"][c["key"]]) for c in COMPONENTS
                   if person["components"][c["key"]] is not None]
        person["composite"] = round(sum(w * v for w, v in present) / sum(w for w, _ in present), 2)
    people[71]["components"] = {c["key"]: None for c in COMPONENTS}
    people[71]["composite"] = None                                # nobody to weigh: no rank
    people.sort(key=lambda p: (p["composite"] is None, -(p["composite"] or 0)))
    for person, rank in zip(people, competition_ranks([p["composite"] for p in people]), strict=True):
        person["rank"] = rank
    movements = ["↑3", "↓1", "新", "—", "", "↑12"]
    for i, person in enumerate(people):
        person["movement"] = movements[i % len(movements)]
    doc = {
        "issuer": ISSUER,
        "doc_number": "×优营办〔2023〕12号",
        "title": TITLE,
        "recipients": "各党（工）委、党组，区直各单位：",
        "body": ["根据《2023年度“书记大比武”活动实施方案》，区委优化营商环境工作领导小组办公室对全区 72 名党组织书记的"
                 "考试成绩、重点任务指标排名、联企解困效能和执政形象进行了综合考评，现将综合排名情况通报如下。"],
        "components": COMPONENTS,
        "rows": people,
        "precision": 2,
        "highlight": {"top": 10, "bottom": 5},
        "notes": ["综合得分 = 考试×30% + 指标排名×30% + 联企解困×25% + 执政形象×15%，各项得分保留两位小数。",
                  "得分相同者并列，其后名次顺延。"],
        "date_cn": "2023年10月20日",
        "hash": HASH,
        "status": "正式",
        "histogram": [{"label": f"{60 + 5 * i}–{65 + 5 * i}", "count": c} for i, c in enumerate([2, 5, 9, 14, 17, 12, 8, 4])],
        "accountability": [
            {"indicator": "3.2", "indicator_name": "开办企业便利度", "action": "提醒警示", "periods": ["2023年一季度"],
             "ranks": [7], "targets": ["指标长：区政府副区长", "牵头单位：区市场监督管理局", "责任单位：区行政审批服务局"]},
            {"indicator": "5.1", "indicator_name": "获得电力", "action": "约谈", "periods": ["2023年二季度"], "ranks": [15],
             "targets": ["指标长：区发展和改革局局长"]},
            {"indicator": "7.4", "indicator_name": "办理建筑许可", "action": "诫勉谈话",
             "periods": ["2023年一季度", "2023年二季度", "2023年三季度"], "ranks": [14, 16, 15],
             "targets": [f"{d}主要负责人、分管负责人" for d in DEPARTMENTS[8:14]]},
        ],
    }
    doc.update(overrides)
    return doc


def exam_doc(**overrides) -> dict:
    rows = []
    scores = [98.5, 96.0, 96.0, 91.25, 88.0, 85.5, 85.5, 85.5, 80.0, 77.75, 72.0, 66.5, 59.0, 45.5]
    for i, (org, score) in enumerate(zip(organisations(), scores, strict=False)):
        rows.append({"organization": org, "name": SURNAMES[i] + GIVEN[i], "score": score, "status": "已交卷"})
    rows.insert(3, {"organization": organisations()[20], "name": "缺考人", "score": None, "status": "缺考"})
    for row, rank in zip(rows, competition_ranks([r["score"] for r in rows]), strict=True):
        row["rank"] = rank
    doc = {"issuer": ISSUER, "title": "关于“书记大比武”第一次《优化营商环境条例》测试成绩的通报",
           "body": "2023年6月15日，全区党组织书记参加了《优化营商环境条例》线上测试，现将成绩通报如下。",
           "rows": rows,
           "summary": {"count": 14, "absent": 1, "mean": 80.785, "median": 85.5, "sd": 15.2, "max": 98.5,
                       "min": 45.5, "pass_rate": 12 / 14},
           "histogram": [{"label": f"{10 * i}–{10 * i + 10}", "count": c}
                         for i, c in enumerate([0, 0, 0, 0, 1, 1, 1, 2, 5, 4])],
           "notes": ["缺考者不排名，得分以“—”表示。"],
           "date_cn": "2023年6月20日", "hash": HASH}
    doc.update(overrides)
    return doc


def card_doc(**overrides) -> dict:
    doc = {"issuer": ISSUER, "name": "王伟", "organization": "区发展和改革局党组", "round": "2023年度“书记大比武”",
           "rank": 5, "ranked_count": 71, "composite": 86.42, "movement": "↑3", "precision": 2, "hash": HASH,
           "composite_working": "(30×88.50 + 30×80.00 + 25×90.20 + 15×100.00)/100 = 86.42",
           "components": [
               {"label": "考试", "weight": 30, "score": 88.5, "missing": None,
                "working": "两次考试等权平均：(86.00 + 91.00)/2 = 88.50",
                "columns": ["考试", "状态", "得分", "权重"], "lines": [["第一次测试", "已交卷", 86.0, 1], ["第二次测试", "已交卷", 91.0, 1]]},
               {"label": "指标排名", "weight": 30, "score": 80.0, "missing": None,
                "working": "I = Σ权重×得分/Σ权重 = (1.0×100 + 0.5×40)/1.5 = 80",
                "columns": ["指标", "期次", "全市名次", "角色", "得分"],
                "lines": [["3.2 开办企业便利度", "2023年一季度", "1/16", "牵头", 100.0],
                          ["5.1 获得电力", "2023年二季度", "10/16", "责任", 40.0]]},
               {"label": "联企解困", "weight": 25, "score": 90.2, "missing": None,
                "working": "A = 40×R + 30×T + 0.3×S = 40×0.95 + 30×0.9 + 0.3×84 = 90.2"},
               {"label": "执政形象", "weight": 15, "score": None, "missing": "未录入",
                "working": ""},
           ],
           "robustness": {"median_rank": 5, "p5_rank": 4, "p95_rank": 7, "best_rank": 3, "worst_rank": 9,
                          "mean_rank_shift": 0.84},
           "weakest_articles": [{"article": 43, "title": "政务服务事项办理时限", "mastery": 0.25},
                                {"article": 12, "mastery": 0.5}],
           "notes": ["本得分卡仅供本人查阅。"], "date_cn": "2023年10月20日"}
    doc.update(overrides)
    return doc


def compact(text: str) -> str:
    return "".join(text.split())


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def league_pdf() -> bytes:
    return league_table_pdf(league_doc())


# ---------------------------------------------------------------- the league table


def test_league_table_text_has_title_issuer_every_row_and_the_hash(league_pdf):
    pages = pages_text(league_pdf)
    text = compact("".join(pages))
    assert compact(TITLE) in text
    assert ISSUER in text
    assert "2023年10月20日" in text
    assert HASH in text
    for row in league_doc()["rows"]:
        rank = "—" if row["rank"] is None else str(row["rank"])
        assert f"{rank}{row['organization']}{row['name']}" in text, row
    assert "—*" in text                     # missing component, with its footnote mark …
    assert "表中“—*”表示该项无数据" in text  # … explained in the notes


def test_league_table_prints_tied_ranks_for_equal_composites(league_pdf):
    rows = league_doc()["rows"]
    copied = organisations()[3]          # the secretaries of organisations 5 and 6 were given its scores
    composite = next(r["composite"] for r in rows if r["organization"] == copied)
    tied = [r for r in rows if r["composite"] == composite]
    assert len(tied) == 3 and len({r["rank"] for r in tied}) == 1
    text = compact("".join(pages_text(league_pdf)))
    for row in tied:
        assert f"{row['rank']}{row['organization']}{row['name']}" in text
    after = next(r for r in rows if r["rank"] is not None and r["rank"] > tied[0]["rank"])
    assert after["rank"] == tied[0]["rank"] + 3


def test_league_table_has_footer_on_every_page_and_header_repeated(league_pdf):
    pages = pages_text(league_pdf)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"第 {number} 页 共 {len(pages)} 页" in page
        assert HASH in compact(page)
    page_two = compact(pages[1])
    for header in ("名次", "党组织", "书记", "考试", "指标排名", "联企解困", "执政形象", "综合得分", "名次变化"):
        assert header in page_two


def test_league_table_appendix_has_chart_and_accountability_list(league_pdf):
    pages = pages_text(league_pdf)
    appendix = compact("".join(pages[i] for i, p in enumerate(pages) if "附件" in p or i == len(pages) - 1))
    assert "综合得分分布" in appendix and "人数" in appendix and "60–65" in appendix
    for text in ("问责名单", "诫勉谈话", "约谈", "提醒警示", "办理建筑许可", "区水务局主要负责人、分管负责人"):
        assert text in appendix


def test_league_table_is_byte_identical_for_the_same_snapshot(league_pdf):
    assert league_table_pdf(league_doc()) == league_pdf
    assert league_table_pdf(league_doc(hash="0" * 64)) != league_pdf


def test_notice_version_says_until_when_objections_are_heard():
    pdf = league_table_pdf(league_doc(status="公示", objection_until_cn="2023年10月27日"))
    assert "公示稿（公示期至2023年10月27日）" in compact(pages_text(pdf)[0])


def _png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB or grey PNG (what pdftoppm writes): width, height and the unfiltered rows."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (0, 2)
    bpp = 3 if colour == 2 else 1
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, up_left = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
def test_first_page_renders_with_a_red_letterhead_and_text(league_pdf, tmp_path):
    source = tmp_path / "league.pdf"
    source.write_bytes(league_pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(source), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    png = next(tmp_path.glob("page*.png")).read_bytes()
    assert len(png) > 5_000
    width, height, rows = _png_pixels(png)
    assert abs(width - 496) <= 1 and abs(height - 702) <= 1     # A4 at 60 dpi
    dark = sum(1 for row in rows for x in range(0, len(row), 3) if row[x] < 100 and row[x + 1] < 100)
    red_rows = [y for y, row in enumerate(rows)
                if any(row[x] > 150 and row[x + 1] < 80 and row[x + 2] < 80 for x in range(0, len(row), 3))]
    assert dark > 5_000                               # text and table lines, not a blank page
    assert red_rows and red_rows[0] < height * 0.25   # the red issuing-organ line near the top


# ---------------------------------------------------------------- fonts and line breaking


def test_name_missing_from_the_font_is_refused_with_a_chinese_message():
    fonts = load_fonts()
    rare = "𠀀"   # CJK Extension B: in neither Wen Quan Yi face nor in GBK
    assert check_glyphs(fonts, [f"刘{rare}"]) == [rare]
    doc = league_doc()
    doc["rows"][7]["name"] = f"刘{rare}"
    with pytest.raises(FontError) as error:
        league_table_pdf(doc)
    message = str(error.value)
    assert f"“{rare}”" in message and f"“刘{rare}”" in message and "缺少" in message and "REPORT_FONT_PATH" in message
    assert error.value.missing == {rare: [f"刘{rare}"]}


def test_check_glyphs_lists_each_missing_character_once():
    fonts = load_fonts()
    assert check_glyphs(fonts.regular, ["王伟", "张 三\n", "区发展和改革局党组（↑3，—）"]) == []
    assert check_glyphs(fonts.regular, ["𠀀𠀁", "x𠀀"]) == ["𠀀", "𠀁"]


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").is_file(), reason="no Micro Hei")
def test_rare_name_character_is_found_missing_in_micro_hei():
    fonts = load_fonts(path="/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    with pytest.raises(FontError, match="䶮"):
        ensure_glyphs(fonts, ["刘䶮", "王伟"])


def test_configured_font_path_that_does_not_exist_is_an_error(monkeypatch):
    monkeypatch.setenv(report_fonts.ENV_FONT_PATH, "/nonexistent/simfang.ttf")
    with pytest.raises(FontError, match="找不到配置的字体文件"):
        load_fonts()


def test_fallback_is_the_builtin_cid_font_when_no_truetype_font_is_found(monkeypatch):
    monkeypatch.delenv(report_fonts.ENV_FONT_PATH, raising=False)
    monkeypatch.setattr(report_fonts, "REGULAR_CANDIDATES", (Path("/nonexistent/a.ttf"),))
    monkeypatch.setattr(report_fonts, "FONT_DIRS", ())
    fonts = load_fonts()
    assert fonts.regular == fonts.bold == "STSong-Light" and not fonts.embedded
    assert check_glyphs(fonts, ["王伟", "𠀀"]) == ["𠀀"]


def test_full_width_punctuation_never_starts_a_line():
    fonts = load_fonts()
    style = ParagraphStyle("narrow", fontName=fonts.regular, fontSize=10, leading=12, wordWrap="CJK")
    # One mark at a time: ReportLab hangs a single cannot-start character in the margin, not a run of them.
    text = "区发展改革局，区财政局；区教育局：好！对？是。完、成）说》的”了"
    for width in range(22, 120, 3):        # every width makes a different character fall at a line start
        for source in (text, f"<b>区</b>{text}"):       # one text run, and several (two code paths in ReportLab)
            paragraph = Paragraph(source, style)
            paragraph.wrap(width, 1000)
            lines = _line_texts(paragraph)
            assert "".join(lines) == compact(Paragraph(source, style).getPlainText())
            for line in lines[1:]:
                assert line[0] not in NO_LINE_START, (width, lines)


def _line_texts(paragraph: Paragraph) -> list[str]:
    lines = []
    for line in paragraph.blPara.lines:
        if isinstance(line, tuple):          # single-run paragraphs: (extra space, [text])
            lines.append("".join(line[1]))
        else:                                # CJK frag lines: words are the frags of the line
            lines.append("".join(getattr(w, "text", "") for w in line.words))
    return [compact(line) for line in lines if compact(line)]


# ---------------------------------------------------------------- exam results and score card


def test_exam_results_list_ranks_and_put_the_absent_last():
    pdf = exam_results_pdf(exam_doc())
    pages = pages_text(pdf)
    text = compact("".join(pages))
    assert "测试成绩的通报" in text and ISSUER in text and HASH in text
    assert "第1页共" in text
    assert "2区财政局党组李芳96.00" in text and "2区教育局党组张娜96.00" in text   # tied
    assert text.index("缺考人") > text.index("45.50")
    assert "—区市场监督管理局党组缺考人—缺考" in text
    assert "实考14人，缺考1人，平均分80.79，中位数85.50，标准差15.20，最高分98.50，最低分45.50，及格率85.7%" in text
    assert "成绩分布" in text and "90–100" in text
    assert exam_results_pdf(exam_doc()) == pdf


def test_score_card_shows_components_with_their_working_and_inputs():
    pdf = score_card_pdf(card_doc())
    text = compact("".join(pages_text(pdf)))
    for expected in ("个人综合考评得分卡", "王伟", "区发展和改革局党组", "第5名（共71名）", "86.42", "↑3",
                     "两次考试等权平均", "第二次测试", "3.2开办企业便利度", "未录入", "第4至7名之间",
                     "第四十三条", "25.0%", HASH, "第1页共"):
        assert expected in text, expected
    assert score_card_pdf(card_doc()) == pdf


def test_helpers_format_dates_and_scores_as_printed():
    assert date_cn(date(2023, 10, 20)) == "2023年10月20日"
    assert date_cn(date(2024, 1, 9)) == "2024年1月9日"
    assert date_cn(date(2024, 12, 31)) == "2024年12月31日"
    assert format_number(89.995) == "90.00" and format_number(2.675) == "2.68" and format_number(None) == "—"
