"""Choice sets of the accounts app: organization kinds, supervisory sectors and roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ggzy.core.choices import TradeType


class OrganizationKind(models.TextChoices):
    MARKET_ENTITY = "market_entity", _("市场主体")
    TRADING_CENTER = "trading_center", _("公共资源交易中心")
    SUPERVISORY_AUTHORITY = "supervisory_authority", _("行政监督部门")


class Sector(models.TextChoices):
    HOUSING_CONSTRUCTION = "housing_construction", _("住房和城乡建设")
    WATER = "water", _("水利")
    TRANSPORT = "transport", _("交通运输")
    FINANCE = "finance", _("财政")
    NATURAL_RESOURCES = "natural_resources", _("自然资源")
    STATE_ASSETS = "state_assets", _("国有资产监督管理")
    DEVELOPMENT_REFORM = "development_reform", _("发展和改革")
    INDUSTRY_IT = "industry_it", _("工业和信息化")
    AGRICULTURE = "agriculture", _("农业农村")
    ECOLOGY = "ecology", _("生态环境")


# Which sectors supervise which trade types (the notice of the regulation is addressed to
# these departments; 招标投标法实施条例 art. 4, 政府采购法 art. 13, 土地管理法, 企业国有资产法).
SECTORS_BY_TRADE_TYPE: dict[str, tuple[str, ...]] = {
    TradeType.CONSTRUCTION: (
        Sector.HOUSING_CONSTRUCTION,
        Sector.WATER,
        Sector.TRANSPORT,
        Sector.DEVELOPMENT_REFORM,
        Sector.INDUSTRY_IT,
        Sector.AGRICULTURE,
        Sector.ECOLOGY,
    ),
    TradeType.GOVERNMENT_PROCUREMENT: (Sector.FINANCE,),
    TradeType.LAND_USE: (Sector.NATURAL_RESOURCES,),
    TradeType.MINING_RIGHTS: (Sector.NATURAL_RESOURCES,),
    TradeType.STATE_PROPERTY: (Sector.STATE_ASSETS, Sector.FINANCE),
    TradeType.OTHER: tuple(Sector.values),
}


class Role(models.TextChoices):
    CENTER_STAFF = "center_staff", _("交易中心工作人员")
    SUPERVISOR = "supervisor", _("行政监督人员")
    OWNER = "owner", _("招标人/采购人/出让人/转让方")
    AGENT = "agent", _("代理机构")
    BIDDER = "bidder", _("投标人/供应商/竞买人")
    EXPERT = "expert", _("评标评审专家")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# The three separated administrators (三权分立, 等保 GB/T 22239 8.1.5): no user holds two.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles that a market entity takes by self-registration (regulation art. 22 (六)(七): free, open).
MARKET_ROLES = frozenset({Role.OWNER, Role.AGENT, Role.BIDDER})
# Roles that sign in with a second factor.
MFA_ROLES = frozenset({Role.CENTER_STAFF, Role.SUPERVISOR, Role.EXPERT}) | ADMIN_ROLES
# Which organization kind may hold which role.
ROLE_ORGANIZATION_KINDS: dict[str, frozenset[str]] = {
    Role.CENTER_STAFF: frozenset({OrganizationKind.TRADING_CENTER}),
    Role.SYSTEM_ADMIN: frozenset({OrganizationKind.TRADING_CENTER}),
    Role.SECURITY_ADMIN: frozenset({OrganizationKind.TRADING_CENTER}),
    Role.AUDIT_ADMIN: frozenset({OrganizationKind.TRADING_CENTER}),
    Role.SUPERVISOR: frozenset({OrganizationKind.SUPERVISORY_AUTHORITY}),
    Role.OWNER: frozenset({OrganizationKind.MARKET_ENTITY}),
    Role.AGENT: frozenset({OrganizationKind.MARKET_ENTITY}),
    Role.BIDDER: frozenset({OrganizationKind.MARKET_ENTITY}),
    Role.EXPERT: frozenset(OrganizationKind.values),
}
