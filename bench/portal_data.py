"""Synthetic notices for bench_portal.py: realistic Chinese titles and bodies of the Ili prefecture's
public resource trading notices, as rows of a PostgreSQL COPY (text format) into disclosure_notice.

Everything is deterministic from the row number, so a worker process generates any range of rows
on its own. A few strings are planted into a controlled number of notices (PLANTED) and appear
nowhere else, so the search cases of the benchmark know how many notices each query matches.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from ggzy.disclosure.search import grams

# (name, short name, GB/T 2260 code, towns): the prefecture's directly administered cities and counties.
PLACES = [
    ("伊宁市", "伊宁", "654002", ["墩买里街道", "喀赞其街道", "艾兰木巴格街道", "潘津镇", "英也尔镇", "达达木图乡"]),
    ("奎屯市", "奎屯", "654003", ["团结路街道", "乌鲁木齐东路街道", "开干齐乡", "火车站街道"]),
    ("霍尔果斯市", "霍尔果斯", "654004", ["卡拉苏街道", "亚欧路街道", "伊车嘎善锡伯族乡", "莫乎尔牧场"]),
    ("伊宁县", "伊宁县", "654021", ["吉里于孜镇", "墩麻扎镇", "英塔木镇", "胡地亚于孜镇", "阿乌利亚乡"]),
    ("察布查尔锡伯自治县", "察县", "654022", ["察布查尔镇", "爱新舍里镇", "孙扎齐牛录镇", "绰霍尔乡"]),
    ("霍城县", "霍城", "654023", ["水定镇", "清水河开发区", "兰干镇", "三宫乡", "大西沟乡"]),
    ("巩留县", "巩留", "654024", ["巩留镇", "阿尕尔森镇", "库尔德宁镇", "提克阿热克镇"]),
    ("新源县", "新源", "654025", ["新源镇", "那拉提镇", "肖尔布拉克镇", "坎苏镇", "则克台镇"]),
    ("昭苏县", "昭苏", "654026", ["昭苏镇", "喀夏加尔镇", "洪纳海镇", "夏特柯尔克孜族乡"]),
    ("特克斯县", "特克斯", "654027", ["特克斯镇", "喀拉达拉镇", "齐勒乌泽克镇", "阔克铁热克柯尔克孜民族乡"]),
    ("尼勒克县", "尼勒克", "654028", ["尼勒克镇", "乌赞镇", "喀拉苏镇", "苏布台乡", "加哈乌拉斯台乡"]),
    ("伊犁哈萨克自治州", "伊犁州", "654000", ["州本级"]),
]
PLACE_WEIGHTS = [16, 8, 7, 9, 7, 8, 6, 8, 6, 6, 6, 13]

# The planted strings appear only where planted. "count" is per million notices (scaled, at least
# one). The text of the pools below must not contain them, nor any of the absent strings.
#   rare: a company named in ~50 notices; place: a two-character place name in ~1%;
#   phrase: a 3–4 character phrase in ~0.1%.
PLANTED = {
    "rare": [
        ("伊犁金驼铃物流有限公司", 50),
        ("新疆雪莲湾生态农业有限公司", 50),
        ("霍尔果斯驿驰国际货运代理有限公司", 50),
    ],
    "place": [("惠远", 10_000), ("萨木", 10_000), ("托海", 10_000)],
    "phrase": [("光伏治沙", 1_000), ("智慧灌区", 1_000), ("冷链仓储", 1_000)],
}
# Query classes of the benchmark: every query of a class is sent in turn.
QUERIES = {
    "rare company (~50)": [s for s, _ in PLANTED["rare"]],
    "2-char place (~1%)": [s for s, _ in PLANTED["place"]],
    "3-4 char phrase (~0.1%)": [s for s, _ in PLANTED["phrase"]],
    "common 2-char": ["奎屯", "巩留", "昭苏"],
    "absent, bigrams unknown": ["量子通信", "航天发射场", "石墨烯"],
    # Absent, but each of its bigrams is in every notice (管理 from 项目管理, 理机 and 机构 from 代理机构).
    "absent, bigrams common": ["管理机构"],
}
# How each planted place name appears in the text.
PLACE_FORMS = {"惠远": "惠远镇", "萨木": "萨木于孜镇", "托海": "托海村"}


def _words(text: str) -> list[str]:
    return text.split()


NAME_WORDS = _words(
    "天山 昌盛 恒通 金泰 宏达 华信 鑫源 博远 天润 丝路 汇丰 瑞祥 中宇 盛达 广源 永安 "
    "德润 新峰 锦华 泰和 嘉禾 立新 正阳 铭远 安泰 长河 宏图 鼎盛 利民 兴业 通达 绿洲 "
    "雪峰 西域 伊河 果子沟 阿力麻里 赛里木 天马 薰衣草"
)
INDUSTRIES = _words(
    "建设工程 路桥工程 水利水电工程 建筑安装 市政工程 园林绿化工程 电力工程 信息技术 医疗器械 "
    "物业服务 农业发展 工程咨询 工程监理 环保科技 交通设施 装饰工程 勘察设计 能源科技 "
    "教育装备 商贸 矿业开发 畜牧科技 供热 测绘"
)
SUFFIXES = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
COMPANY_PREFIXES = ["新疆", "伊犁", "伊犁州", "霍尔果斯", "奎屯", "伊宁", "新疆伊犁", "中铁二十局集团", "中建新疆"]
BUYERS = _words(
    "{p}人民医院 {p}教育局 {p}住房和城乡建设局 {p}交通运输局 {p}水利局 "
    "{p}农业农村局 {p}自然资源局 {p}卫生健康委员会 {p}第一中学 {p}城市管理局 "
    "{p}人民政府办公室 {p}公安局 {p}疾病预防控制中心 {p}林业和草原局 {p}财政局 "
    "{p}民政局 {p}文化体育广播电视和旅游局 {p}发展和改革委员会"
)
WORKS = _words(
    "老旧小区改造 高标准农田建设 农村公路提升改造 城市供热管网改造 污水处理厂提标改造 "
    "中小学校舍维修 人民医院住院楼建设 村级阵地建设 防洪堤加固 饮水安全巩固提升 道路亮化 "
    "市政道路新建 棚户区改造配套基础设施 农田水利灌溉渠道防渗 乡村振兴产业园基础设施 旅游公路建设 "
    "供排水管网延伸 文化活动中心建设 幼儿园新建 垃圾填埋场封场治理 天然气管网入户 "
    "公共租赁住房维修"
)
GOODS = _words(
    "办公设备 医疗设备 教学仪器 信息化系统 视频监控系统 消防器材 图书 课桌椅 救护车 环卫车辆 "
    "实验室设备 服务器及存储设备 物业管理服务 保安服务 食材配送服务 印刷服务 车辆维修服务 "
    "审计服务 规划编制服务 软件开发服务 网络安全等级保护测评服务 药品及耗材"
)
MINERALS = ["煤", "铁", "铜", "金", "石灰岩", "建筑用砂石", "膨润土", "萤石", "锰", "砖瓦用黏土"]
ASSETS = ["闲置办公用房", "商铺经营权", "报废车辆", "机器设备", "国有股权", "林地经营权", "广告位经营权", "车位经营权"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰军辉新疆伊犁江海燕红梅晓东春雪峰亮斌浩"
CONTACT_ROLES = ["采购人", "招标人", "出让人", "转让方"]
NUMERALS = "一二三四五六七八九十"
POLICIES = ["实行电子化交易", "执行政府采购促进中小企业发展政策", "落实农民工工资专户管理"]

TRADE_TYPES = [
    ("construction", 40, [("tender", 30), ("opening_record", 10), ("amendment", 8), ("candidate_publicity", 20),
                          ("award", 20), ("contract", 7), ("failure", 5)]),
    ("government_procurement", 35, [("tender", 35), ("amendment", 10), ("award", 35), ("contract", 12),
                                    ("failure", 8)]),
    ("land_use", 10, [("listing", 55), ("deal", 35), ("amendment", 5), ("failure", 5)]),
    ("mining_rights", 3, [("listing", 55), ("deal", 40), ("failure", 5)]),
    ("state_property", 7, [("listing", 55), ("deal", 40), ("failure", 5)]),
    ("other", 5, [("platform", 70), ("tender", 30)]),
]  # fmt: skip
TYPE_WORDS = {
    "tender": "招标公告", "opening_record": "开标记录", "amendment": "变更公告",
    "candidate_publicity": "中标候选人公示", "award": "中标结果公告", "contract": "合同公示", "failure": "流标公告",
    "listing": "挂牌出让公告", "deal": "成交公示", "platform": "平台公告",
}  # fmt: skip

# Bump when the generated data changes: bench_portal.py reloads a database loaded by another version.
DATA_VERSION = "1"
START = dt.datetime(2018, 1, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SPAN_DAYS = (dt.date(2026, 11, 27) - START.date()).days


@dataclass(frozen=True)
class Row:
    title: str
    notice_type: str
    trade_type: str
    region_code: str
    body: str
    published_at: dt.datetime


def planted_rows(total: int, seed: int = 6) -> dict[int, list[str]]:
    """Row number → the planted strings it carries (each string in a fixed number of rows)."""
    rng = random.Random(seed)
    where: dict[int, list[str]] = {}
    for entries in PLANTED.values():
        for text, per_million in entries:
            if not per_million:
                continue
            count = max(1, round(per_million * total / 1_000_000))
            for row in rng.sample(range(total), count):
                where.setdefault(row, []).append(text)
    return where


def _company(rng: random.Random) -> str:
    return rng.choice(COMPANY_PREFIXES) + rng.choice(NAME_WORDS) + rng.choice(INDUSTRIES) + rng.choice(SUFFIXES)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2, 2])))


def _phone(rng: random.Random) -> str:
    return (
        rng.choice(["0999-", "0992-"]) + str(rng.randint(8000000, 8999999))
        if rng.random() < 0.5
        else ("1" + rng.choice("35789") + str(rng.randint(100000000, 999999999)))
    )


def _money(rng: random.Random) -> str:
    return f"{rng.uniform(5, 9800):,.2f}万元"


def _date(rng: random.Random, base: dt.datetime, days: int) -> str:
    day = base + dt.timedelta(days=days, hours=rng.choice([0, 1, 2]))
    return f"{day.year}年{day.month}月{day.day}日{rng.choice(['10', '11', '15', '16'])}时{rng.choice(['00', '30'])}分"


def row(number: int, total: int, planted: list[str] | None = None) -> Row:
    """Notice `number` of `total`: published in row order over the years, as a platform inserts them."""
    rng = random.Random(number * 7919 + 17)
    trade = rng.choices(TRADE_TYPES, [t[1] for t in TRADE_TYPES])[0]
    trade_type = trade[0]
    notice_type = rng.choices([t for t, _ in trade[2]], [w for _, w in trade[2]])[0]
    place, _short, code, towns = rng.choices(PLACES, PLACE_WEIGHTS)[0]
    town = rng.choice(towns)
    published = START + dt.timedelta(seconds=SPAN_DAYS * 86400 * number // max(total, 1) + rng.randint(0, 3600))
    year = published.year + rng.choice([0, 0, 1])
    planted = planted or []
    phrase = next((p for p in planted if p in {s for s, _ in PLANTED["phrase"]}), "")
    extra_place = next((PLACE_FORMS[p] for p in planted if p in PLACE_FORMS), "")
    company_planted = next((p for p in planted if p in {s for s, _ in PLANTED["rare"]}), "")
    company = company_planted or _company(rng)
    agent = rng.choice(COMPANY_PREFIXES[:6]) + rng.choice(NAME_WORDS) + "工程项目管理咨询有限公司"
    section = f"（第{rng.choice(NUMERALS[:6])}标段）" if rng.random() < 0.35 else ""
    deal_code = f"E{code}{year}{rng.choice(['01', '02', '03', '04', '05'])}{rng.randint(1, 999999):06d}"
    location = f"{place}{extra_place or town}"

    if trade_type == "construction":
        subject = f"{place}{year}年{phrase}{rng.choice(WORKS)}项目{section}"
    elif trade_type == "government_procurement":
        buyer = rng.choice(BUYERS).format(p=place)
        subject = f"{buyer}{year}年{phrase}{rng.choice(GOODS)}采购项目{section}"
    elif trade_type == "land_use":
        subject = f"{place}{phrase}国有建设用地使用权（{code}-{year}-{rng.randint(1, 99):03d}号宗地）"
    elif trade_type == "mining_rights":
        subject = f"{place}{town}{phrase}{rng.choice(MINERALS)}矿采矿权"
    elif trade_type == "state_property":
        subject = f"{_company(rng)}{phrase}{rng.choice(ASSETS)}转让项目"
    else:
        subject = f"伊犁州公共资源交易中心关于{place}{phrase}交易场所调整的通知"
    title = subject + TYPE_WORDS[notice_type]

    paragraphs = [
        f"{subject}已按规定程序批准，{rng.choice(CONTACT_ROLES)}为{rng.choice(BUYERS).format(p=place)}，"
        f"项目所在地为{location}，交易编号：{deal_code}。现将有关事项公告如下。"
    ]
    if notice_type in {"tender", "listing", "platform"}:
        paragraphs += [
            f"一、项目概况：本项目位于{location}，估算投资{_money(rng)}，计划工期{rng.randint(30, 540)}日历天，"
            f"资金来源为{rng.choice(['财政资金', '中央预算内投资', '地方政府专项债券', '自筹资金', '援疆资金'])}，"
            f"已落实。招标范围为施工图纸及工程量清单所含全部内容{('，含' + phrase + '相关内容') if phrase else ''}。",
            f"二、资格要求：投标人须具备{rng.choice(['建筑工程', '市政公用工程', '水利水电工程', '公路工程'])}"
            f"施工总承包{rng.choice(['二级', '三级', '一级'])}及以上资质，具有有效的安全生产许可证，"
            f"拟派项目经理具备相应专业注册建造师执业资格，且未在其他在建工程项目中担任项目经理。本项目不接受联合体投标。",
            f"三、文件获取：凡有意参加者，请于{_date(rng, published, 1)}至{_date(rng, published, 6)}，"
            f"登录伊犁州公共资源交易平台下载电子招标文件。投标截止时间为{_date(rng, published, 21)}，"
            f"开标地点为伊犁州公共资源交易中心第{rng.randint(1, 6)}开标室，投标人可远程参加不见面开标。",
        ]
    elif notice_type in {"award", "candidate_publicity", "deal", "contract"}:
        paragraphs += [
            f"一、评审结果：经评标委员会评审，确定{company}为第一中标候选人，投标报价{_money(rng)}，"
            f"工期{rng.randint(30, 540)}日历天，项目负责人{_person(rng)}；{_company(rng)}为第二中标候选人，"
            f"投标报价{_money(rng)}；{_company(rng)}为第三中标候选人。",
            f"二、公示期：自{_date(rng, published, 0)}起三日。投标人或者其他利害关系人对评标结果有异议的，"
            f"应当在公示期内以书面形式向招标人提出，逾期不予受理。",
        ]
    else:
        paragraphs += [
            f"一、变更内容：原公告中的{rng.choice(['投标截止时间', '开标时间', '资格要求', '工程量清单', '控制价'])}"
            f"调整为{_date(rng, published, 20)}，其余内容不变。"
            f"{('涉及' + phrase + '部分的技术参数同步更新。') if phrase else ''}",
            f"二、原因说明：根据{rng.choice(['投标人提出的澄清要求', '设计变更', '主管部门意见', '资金计划调整'])}，"
            f"经{rng.choice(CONTACT_ROLES)}研究决定作出上述调整，由此造成的不便敬请谅解。",
        ]
    if notice_type in {"award", "candidate_publicity", "deal", "contract"}:
        for n in range(rng.choice([0, 1, 2, 3])):
            paragraphs.append(
                f"业绩{n + 1}：{rng.choice(PLACES)[0]}{year - rng.randint(1, 5)}年{rng.choice(WORKS)}项目，"
                f"合同金额{_money(rng)}，竣工日期{year - rng.randint(0, 3)}年{rng.randint(1, 12)}月。"
            )
    elif rng.random() < 0.6:
        paragraphs.append(
            f"投标保证金：{rng.choice(['不收取', '可采用银行保函或保证保险', '以电汇方式缴纳'])}，"
            f"金额为{rng.randint(1, 80)}万元，须于投标截止时间前到达指定账户；"
            f"履约保证金不超过中标合同金额的{rng.choice(['百分之十', '百分之五', '百分之二'])}。"
        )
    if rng.random() < 0.45:
        paragraphs.append(
            f"其他事项：本项目{rng.choice(POLICIES)}，"
            f"投标人须办理数字证书（CA）并完成平台注册。{rng.choice(CONTACT_ROLES)}不组织现场踏勘，"
            f"投标人可自行前往{location}了解现场条件，费用自理，踏勘中发生的人身和财产损失由投标人自行承担。"
        )
    for text in planted:  # whatever the templates above left out
        if text not in title and text not in "".join(paragraphs):
            paragraphs.append(f"本项目涉及{PLACE_FORMS.get(text, text)}，相关单位应当按合同约定履行义务。")
    paragraphs.append(
        f"联系方式：{rng.choice(CONTACT_ROLES)}联系人{_person(rng)}，电话{_phone(rng)}；"
        f"招标代理机构{agent}，联系人{_person(rng)}，电话{_phone(rng)}；"
        f"监督部门{rng.choice(BUYERS).format(p=place)}，电话{_phone(rng)}。"
    )
    if rng.random() < 0.5:
        paragraphs.append(
            "本公告同时在中国招标投标公共服务平台、新疆维吾尔自治区公共资源交易网和伊犁州公共资源交易平台发布，"
            "其他媒介转载的，以上述媒介发布的为准。投标人应当对所递交材料的真实性负责，"
            "发现弄虚作假的，依法记入信用记录并予以公开。"
        )
    return Row(title[:300], notice_type, trade_type, code, "\n".join(paragraphs), published)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


COPY_COLUMNS = (
    "title, notice_type, trade_type, region_code, body, status, published_at, nature, version, source, search_grams"
)


def copy_chunk(span: tuple[int, int, int, dict[int, list[str]]]) -> bytes:
    """Rows [start, end) as COPY text lines for COPY_COLUMNS (run in a worker process)."""
    start, end, total, planted = span
    lines = []
    for number in range(start, end):
        r = row(number, total, planted.get(number))
        pairs = ",".join(map(str, grams(r.title, r.body)))
        lines.append(
            f"{_escape(r.title)}\t{r.notice_type}\t{r.trade_type}\t{r.region_code}\t{_escape(r.body)}\t"
            f"published\t{r.published_at.isoformat()}\tfirst\t1\t\t{{{pairs}}}\n"
        )
    return "".join(lines).encode()
