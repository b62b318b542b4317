"""The service guide as first published (regulation arts. 6, 14, 22, 25). Staff edit it afterwards;
seeding never overwrites an entry that exists."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .choices import GuideSection
from .models import GuideItem
from .services import guide_item_save


def _items() -> list[tuple[str, str, str]]:
    return [
        (
            GuideSection.SERVICE_ITEMS,
            _("交易见证"),
            _(
                "交易中心对进场项目的公告发布、开标、评标、定标等环节进行见证，全过程记录在防篡改的见证日志中，"
                "发现不良交易行为立即记录并提示，发现涉嫌违法违规行为保留证据并报告行政监督部门（第六条、第十九条）。"
            ),
        ),
        (
            GuideSection.SERVICE_ITEMS,
            _("场所与设施"),
            _(
                "提供开标室、评标室、独立的专家抽取室等场所，按公共服务、交易实施、评标评审划分功能区域（第十七条、第十八条）。"
            ),
        ),
        (
            GuideSection.SERVICE_ITEMS,
            _("信息公开"),
            _("依法及时公开交易信息：招标公告、开标记录、中标候选人公示、中标结果、合同等（第十六条）。"),
        ),
        (
            GuideSection.SERVICE_ITEMS,
            _("档案管理"),
            _("交易过程中产生的电子文档、纸质资料及音视频统一归档（第二十一条）。"),
        ),
        (
            GuideSection.SERVICE_ITEMS,
            _("专家抽取"),
            _("从伊犁州公共资源交易综合评标评审专家库中随机抽取专家，抽取过程可由任何人事后复核（第十条、第十七条）。"),
        ),
        (
            GuideSection.PROCESSES,
            _("市场主体注册"),
            _(
                "在线免费注册，全国各地的市场主体均可注册；不要求设立本地分支机构、不做资质验证、不要求法定代表人到场（第二十二条）。"
            ),
        ),
        (
            GuideSection.PROCESSES,
            _("项目进场登记"),
            _(
                "招标人或其委托的代理机构在线登记项目及标段，系统依据交易目录判断是否应当进场，并生成统一交易标识码。"
                "目录外项目可以自愿进场，交易中心不得强制目录外项目进场（第八条、第二十二条）。"
            ),
        ),
        (
            GuideSection.NORMS,
            _("交易中心工作人员不得从事的活动"),
            _(
                "不得行使审批、备案、监管、处罚等行政监督管理职能；不得违法指定中介服务；不得强制非公共资源交易项目进场；"
                "不得干涉市场主体选择电子交易系统；不得扣押证照资料；不得设置限制性条件排斥外地市场主体；"
                "不得违法要求法定代表人到场（第二十二条）。"
            ),
        ),
        (
            GuideSection.NORMS,
            _("保密"),
            _(
                "开标前的投标文件、标底和保留价、评标专家名单等依法保密；泄露依法应当保密的信息将依法追究责任（第二十七条）。"
            ),
        ),
        (
            GuideSection.SUPERVISION_CHANNELS,
            _("投诉与举报"),
            _(
                "对交易活动的投诉向项目的行政监督部门提出；各行业行政监督部门按职责分工负责监督管理（第五条、第二十三条）。"
                "市场主体、行业组织、社会公众和新闻媒体均可监督（第二十五条）。"
            ),
        ),
    ]


def guide_seed() -> list[GuideItem]:
    created = []
    for order, (section, title, body) in enumerate(_items()):
        if GuideItem.objects.filter(section=section, title=title).exists():
            continue
        created.append(
            guide_item_save(actor=None, item=None, section=section, title=title, body=body, sort_order=order)
        )
    return created
