"""A coherent demo for `make run`: the center, supervisors of several sectors, owners, agents,
a dozen bidders (some from outside Xinjiang), experts, a few registered projects, and the
auctions' sales (`ggzy.auctions.demo`). Loading it twice changes nothing. It refuses to run in
production."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from ggzy.accounts import services as accounts_services
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import Organization, TotpDevice, User
from ggzy.accounts.uscc import make_uscc
from ggzy.auctions import demo as auctions_demo
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.disclosure import services as disclosure_services
from ggzy.disclosure.choices import NoticeType
from ggzy.projects import services as project_services
from ggzy.projects.models import Project

DEMO_PASSWORD = "Ggzy-demo-2026"


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    kind: str
    region: str
    prefix: str
    sector: str = ""


def _uscc(spec: OrgSpec, index: int) -> str:
    return make_uscc(f"{spec.prefix}{spec.region}MA{index:07d}")


ORGS = [
    OrgSpec("center", "伊犁哈萨克自治州公共资源交易中心", OrganizationKind.TRADING_CENTER, "654000", "12"),
    OrgSpec(
        "zhujian",
        "伊犁州住房和城乡建设局",
        OrganizationKind.SUPERVISORY_AUTHORITY,
        "654000",
        "11",
        Sector.HOUSING_CONSTRUCTION,
    ),
    OrgSpec("shuili", "伊犁州水利局", OrganizationKind.SUPERVISORY_AUTHORITY, "654000", "11", Sector.WATER),
    OrgSpec("jiaotong", "伊犁州交通运输局", OrganizationKind.SUPERVISORY_AUTHORITY, "654000", "11", Sector.TRANSPORT),
    OrgSpec("caizheng", "伊犁州财政局", OrganizationKind.SUPERVISORY_AUTHORITY, "654000", "11", Sector.FINANCE),
    OrgSpec(
        "ziran", "伊犁州自然资源局", OrganizationKind.SUPERVISORY_AUTHORITY, "654000", "11", Sector.NATURAL_RESOURCES
    ),
    OrgSpec(
        "guozi",
        "伊犁州国有资产监督管理委员会",
        OrganizationKind.SUPERVISORY_AUTHORITY,
        "654000",
        "11",
        Sector.STATE_ASSETS,
    ),
    OrgSpec(
        "fagai",
        "伊犁州发展和改革委员会",
        OrganizationKind.SUPERVISORY_AUTHORITY,
        "654000",
        "11",
        Sector.DEVELOPMENT_REFORM,
    ),
    OrgSpec("chengtou", "伊宁市城市建设投资有限公司", OrganizationKind.MARKET_ENTITY, "654002", "91"),
    OrgSpec("yiyuan", "伊犁哈萨克自治州人民医院", OrganizationKind.MARKET_ENTITY, "654000", "12"),
    OrgSpec("guotou", "伊犁州国有资产投资经营有限责任公司", OrganizationKind.MARKET_ENTITY, "654000", "91"),
    OrgSpec("tiancheng", "新疆天诚工程咨询有限公司", OrganizationKind.MARKET_ENTITY, "650102", "91"),
    OrgSpec("hengxin", "伊犁恒信招标代理有限公司", OrganizationKind.MARKET_ENTITY, "654002", "91"),
    OrgSpec("b01", "伊犁路桥建设集团有限公司", OrganizationKind.MARKET_ENTITY, "654002", "91"),
    OrgSpec("b02", "奎屯天山建筑工程有限公司", OrganizationKind.MARKET_ENTITY, "654003", "91"),
    OrgSpec("b03", "霍尔果斯丝路建设有限公司", OrganizationKind.MARKET_ENTITY, "654004", "91"),
    OrgSpec("b04", "新疆昆仑水利水电工程有限公司", OrganizationKind.MARKET_ENTITY, "650104", "91"),
    OrgSpec("b05", "乌鲁木齐华信医疗设备有限公司", OrganizationKind.MARKET_ENTITY, "650103", "91"),
    OrgSpec("b06", "北京中科仪器设备有限公司", OrganizationKind.MARKET_ENTITY, "110108", "91"),
    OrgSpec("b07", "上海申联医疗器械有限公司", OrganizationKind.MARKET_ENTITY, "310115", "91"),
    OrgSpec("b08", "四川蜀道建设工程有限公司", OrganizationKind.MARKET_ENTITY, "510107", "91"),
    OrgSpec("b09", "陕西秦川路桥有限公司", OrganizationKind.MARKET_ENTITY, "610113", "91"),
    OrgSpec("b10", "甘肃陇原建设集团有限公司", OrganizationKind.MARKET_ENTITY, "620102", "91"),
    OrgSpec("b11", "伊宁市绿洲物业服务有限公司", OrganizationKind.MARKET_ENTITY, "654002", "91"),
    OrgSpec("b12", "广东粤海信息技术有限公司", OrganizationKind.MARKET_ENTITY, "440106", "91"),
    # Appended, not inserted: a credit code derives from the position, and a demo loaded before
    # must still find its organizations.
    OrgSpec("tudi", "伊宁市土地储备中心", OrganizationKind.MARKET_ENTITY, "654002", "12"),
]


@dataclass(frozen=True)
class UserSpec:
    username: str
    full_name: str
    org: str | None
    roles: tuple[str, ...]


USERS = [
    UserSpec("center", "马建华", "center", (Role.CENTER_STAFF,)),
    UserSpec("sysadmin", "王立新", "center", (Role.SYSTEM_ADMIN,)),
    UserSpec("secadmin", "李安平", "center", (Role.SECURITY_ADMIN,)),
    UserSpec("auditor", "赵审之", "center", (Role.AUDIT_ADMIN,)),
    UserSpec("zhujian", "阿依古丽", "zhujian", (Role.SUPERVISOR,)),
    UserSpec("shuili", "努尔兰", "shuili", (Role.SUPERVISOR,)),
    UserSpec("caizheng", "张财明", "caizheng", (Role.SUPERVISOR,)),
    UserSpec("ziran", "巴合提", "ziran", (Role.SUPERVISOR,)),
    UserSpec("guozi", "刘国强", "guozi", (Role.SUPERVISOR,)),
    UserSpec("chengtou", "陈建设", "chengtou", (Role.OWNER,)),
    UserSpec("yiyuan", "古丽娜", "yiyuan", (Role.OWNER,)),
    UserSpec("guotou", "孙国资", "guotou", (Role.OWNER,)),
    UserSpec("tudi", "艾尼瓦尔", "tudi", (Role.OWNER,)),
    UserSpec("tiancheng", "周代理", "tiancheng", (Role.AGENT,)),
    UserSpec("hengxin", "吴恒信", "hengxin", (Role.AGENT,)),
    *[UserSpec(f"bidder{n:02d}", f"投标联系人{n:02d}", f"b{n:02d}", (Role.BIDDER,)) for n in range(1, 13)],
    *[
        UserSpec(f"expert{n:02d}", name, None, (Role.EXPERT,))
        for n, name in enumerate(["杨工", "艾力", "何教授", "米娜", "郑高工", "哈力木"], start=1)
    ],
]


def demo_totp_secret(username: str) -> str:
    """Deterministic TOTP secret for demo accounts only, so `make run` can print it."""
    digest = hashlib.sha256(f"ggzy-demo-totp:{username}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


@transaction.atomic
def load() -> dict[str, int]:
    if settings.PRODUCTION:
        raise RuntimeError("demo data is never loaded in production")
    orgs: dict[str, Organization] = {}
    created = {"organizations": 0, "users": 0, "projects": 0, "notices": 0}
    for index, spec in enumerate(ORGS, start=1):
        uscc = _uscc(spec, index)
        org = Organization.objects.filter(uscc=uscc).first()
        if org is None:
            org = accounts_services.organization_create(
                actor=None,
                uscc=uscc,
                name=spec.name,
                kind=spec.kind,
                region_code=spec.region,
                sector=spec.sector,
                contact_name="联系人",
                contact_phone="0999-8000000",
            )
            created["organizations"] += 1
        orgs[spec.key] = org
    users: dict[str, User] = {}
    for person in USERS:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = accounts_services.user_create(
                actor=None,
                organization=orgs[person.org] if person.org else None,
                username=person.username,
                password=DEMO_PASSWORD,
                full_name=person.full_name,
                roles=person.roles,
            )
            created["users"] += 1
            if accounts_services.mfa_required(user):
                TotpDevice.objects.create(user=user, secret=demo_totp_secret(user.username), confirmed_at=clock.now())
        users[person.username] = user
    created["projects"] += _projects(orgs, users)
    created["notices"] += _notices()
    for key, count in auctions_demo.load(users=users).items():
        created[key] = created.get(key, 0) + count
    return created


@dataclass(frozen=True)
class ProjectSpec:
    actor: str
    name: str
    trade_type: str
    method: str
    category: str | None
    owner: str
    agent: str | None
    supervisor: str
    region_code: str
    budget_fen: int
    funding_source: str
    lots: tuple[tuple[str, int], ...]
    voluntary: bool = False


PROJECTS = [
    ProjectSpec(
        "tiancheng",
        "伊宁市解放路道路改造工程施工",
        TradeType.CONSTRUCTION,
        ProcurementMethod.OPEN_TENDER,
        "A01",
        "chengtou",
        "tiancheng",
        "zhujian",
        "654002",
        3_860_000_000,
        "财政资金",
        (("第一标段（K0+000—K2+300）", 1_950_000_000), ("第二标段（K2+300—K4+800）", 1_910_000_000)),
    ),
    ProjectSpec(
        "hengxin",
        "伊犁州人民医院医用设备采购项目",
        TradeType.GOVERNMENT_PROCUREMENT,
        ProcurementMethod.OPEN_TENDER,
        "B01",
        "yiyuan",
        "hengxin",
        "caizheng",
        "654000",
        680_000_000,
        "财政预算资金",
        (("包1：彩色超声诊断仪", 420_000_000), ("包2：全自动生化分析仪", 260_000_000)),
    ),
    ProjectSpec(
        "guotou",
        "伊犁州国投公司所持某商贸公司40%股权转让",
        TradeType.STATE_PROPERTY,
        ProcurementMethod.LISTING,
        "E",
        "guotou",
        None,
        "guozi",
        "654000",
        1_250_000_000,
        "—",
        (("40%股权", 1_250_000_000),),
    ),
    ProjectSpec(
        "chengtou",
        "伊宁市城投公司办公楼物业服务（自愿进场）",
        TradeType.OTHER,
        ProcurementMethod.OPEN_TENDER,
        None,
        "chengtou",
        None,
        "fagai",
        "654002",
        48_000_000,
        "企业自有资金",
        (("物业服务", 48_000_000),),
        voluntary=True,
    ),
]


def _projects(orgs: dict[str, Organization], users: dict[str, User]) -> int:
    count = 0
    for spec in PROJECTS:
        if Project.objects.filter(name=spec.name, owner=orgs[spec.owner]).exists():
            continue
        project_services.project_register(
            actor=users[spec.actor],
            name=spec.name,
            trade_type=spec.trade_type,
            procurement_method=spec.method,
            catalog_category=catalog_selectors.category_get(spec.category) if spec.category else None,
            owner=orgs[spec.owner],
            agent=orgs[spec.agent] if spec.agent else None,
            supervisor=orgs[spec.supervisor],
            region_code=spec.region_code,
            budget_fen=spec.budget_fen,
            funding_source=spec.funding_source,
            lots=[project_services.LotInput(name=name, budget_fen=fen) for name, fen in spec.lots],
            voluntary_entry=spec.voluntary,
        )
        count += 1
    return count


def _notices() -> int:
    from ggzy.disclosure.models import Notice

    texts = [
        (
            "关于伊犁州公共资源交易平台电子服务系统上线运行的公告",
            NoticeType.PLATFORM,
            TradeType.OTHER,
            "伊犁州公共资源交易平台电子服务系统上线运行。市场主体可在线免费注册，全国各地的市场主体均可参与交易。",
        ),
        (
            "关于2026年国庆节、中秋节期间交易活动安排的通知",
            NoticeType.PLATFORM,
            TradeType.OTHER,
            "2026年10月1日至7日放假调休，9月20日（星期日）、10月10日（星期六）上班。法定期间的计算以平台工作日历为准。",
        ),
        (
            "伊宁市解放路道路改造工程施工招标公告（预告）",
            NoticeType.TENDER,
            TradeType.CONSTRUCTION,
            "伊宁市城市建设投资有限公司的伊宁市解放路道路改造工程已进场登记，招标公告将依法在本平台发布。",
        ),
    ]
    count = 0
    for title, notice_type, trade_type, body in texts:
        if Notice.objects.filter(title=title).exists():
            continue
        disclosure_services.notice_publish(
            actor=None,
            title=title,
            notice_type=notice_type,
            trade_type=trade_type,
            region_code="654000",
            body=body,
            system=True,
        )
        count += 1
    return count
