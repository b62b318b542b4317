"""Writes of the projects app: registration (进场登记) and supervisory suspension."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ggzy.accounts.choices import SECTORS_BY_TRADE_TYPE, OrganizationKind
from ggzy.accounts.models import Organization, User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.catalog.models import CatalogCategory
from ggzy.core import clock
from ggzy.core.choices import METHODS_BY_TRADE_TYPE, TRADE_TYPE_CODES, ProcurementMethod, TradeType
from ggzy.core.locks import lock_instance
from ggzy.witness.services import event_record

from . import policies
from .choices import EntryBasis, ProjectStatus
from .models import DealCodeCounter, Lot, Project


@dataclass(frozen=True)
class LotInput:
    name: str
    budget_fen: int
    description: str = ""


def _snapshot(project: Project) -> dict[str, Any]:
    return {
        "deal_code": project.deal_code,
        "name": project.name,
        "trade_type": project.trade_type,
        "procurement_method": project.procurement_method,
        "catalog_category": project.catalog_category.code if project.catalog_category else None,
        "entry_basis": project.entry_basis,
        "owner_id": project.owner_id,
        "agent_id": project.agent_id,
        "supervisor_id": project.supervisor_id,
        "budget_fen": project.budget_fen,
        "status": project.status,
        "lots": [{"code": lot.code, "name": lot.name, "budget_fen": lot.budget_fen} for lot in project.lots.all()],
    }


def _next_deal_code(*, region_code: str, trade_type: str, year: int) -> str:
    """统一交易标识码: region (6) + year (4) + trade type (2) + sequence (6), e.g. 654000202601000001."""
    prefix = f"{region_code}{year}{TRADE_TYPE_CODES[trade_type]}"
    counter, _created = DealCodeCounter.objects.select_for_update().get_or_create(prefix=prefix)
    DealCodeCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{prefix}{counter.last:06d}"


def _check_parties(
    errors: dict[str, list[str]],
    *,
    trade_type: str,
    owner: Organization,
    agent: Organization | None,
    supervisor: Organization,
) -> None:
    if owner.kind != OrganizationKind.MARKET_ENTITY:
        errors.setdefault("owner", []).append(_("招标人/采购人必须是注册的市场主体。"))
    if agent is not None and agent.kind != OrganizationKind.MARKET_ENTITY:
        errors.setdefault("agent", []).append(_("代理机构必须是注册的市场主体。"))
    if agent is not None and agent.pk == owner.pk:
        errors.setdefault("agent", []).append(_("代理机构不能是招标人本身。"))
    if supervisor.kind != OrganizationKind.SUPERVISORY_AUTHORITY:
        errors.setdefault("supervisor", []).append(_("请选择行政监督部门。"))
    elif trade_type in SECTORS_BY_TRADE_TYPE and supervisor.sector not in SECTORS_BY_TRADE_TYPE[trade_type]:
        errors.setdefault("supervisor", []).append(
            _("“{supervisor}”不监管{trade_type}项目，请选择对应行业的行政监督部门。").format(
                supervisor=supervisor.name, trade_type=TradeType(trade_type).label
            )
        )


def _check_lots(errors: dict[str, list[str]], *, lots: list[LotInput], budget_fen: int) -> None:
    if not lots:
        errors.setdefault("lots", []).append(_("至少登记一个标段（包）。"))
        return
    for index, lot in enumerate(lots, start=1):
        if not lot.name.strip():
            errors.setdefault("lots", []).append(_("第{n}个标段缺少名称。").format(n=index))
        if lot.budget_fen <= 0:
            errors.setdefault("lots", []).append(_("第{n}个标段的金额必须大于零。").format(n=index))
    total = sum(lot.budget_fen for lot in lots)
    if budget_fen > 0 and total > budget_fen:
        errors.setdefault("lots", []).append(
            _("各标段金额合计（{total}元）超过项目预算/估算（{budget}元）。").format(
                total=f"{total / 100:,.2f}", budget=f"{budget_fen / 100:,.2f}"
            )
        )


@transaction.atomic
def project_register(
    *,
    actor: User,
    name: str,
    trade_type: str,
    procurement_method: str,
    catalog_category: CatalogCategory | None,
    owner: Organization,
    agent: Organization | None,
    supervisor: Organization,
    region_code: str,
    budget_fen: int,
    funding_source: str,
    lots: list[LotInput],
    voluntary_entry: bool = False,
    approval_number: str = "",
    description: str = "",
) -> Project:
    """An owner, or its agent, registers a project with its lots and receives its deal code.

    The trading center cannot register a project (it holds no PROJECT_REGISTER capability), so
    no one but the owner's side can bring an off-catalog project in (art. 22 (三))."""
    if policies.registering_role(actor, owner_id=owner.pk, agent_id=agent.pk if agent else None) is None:
        raise PermissionDenied(_("只有招标人本身或其委托的代理机构可以登记项目。"))
    today = clock.today()
    errors: dict[str, list[str]] = {}
    if trade_type not in TradeType.values:
        errors.setdefault("trade_type", []).append(_("请选择交易类型。"))
    elif procurement_method not in METHODS_BY_TRADE_TYPE[trade_type]:
        errors.setdefault("procurement_method", []).append(
            _("{trade_type}项目不能采用“{method}”方式。").format(
                trade_type=TradeType(trade_type).label,
                method=ProcurementMethod(procurement_method).label
                if procurement_method in ProcurementMethod.values
                else procurement_method,
            )
        )
    if catalog_category is not None and catalog_category.trade_type != trade_type:
        errors.setdefault("catalog_category", []).append(_("所选目录类别与交易类型不一致。"))
    if trade_type in TradeType.values:
        _check_parties(errors, trade_type=trade_type, owner=owner, agent=agent, supervisor=supervisor)
    if budget_fen <= 0:
        errors.setdefault("budget_fen", []).append(_("预算/估算金额必须大于零。"))
    _check_lots(errors, lots=lots, budget_fen=budget_fen)

    requirement = catalog_selectors.entry_requirement(category=catalog_category, budget_fen=budget_fen, on=today)
    if not requirement.mandatory and not voluntary_entry and budget_fen > 0:
        errors.setdefault("voluntary_entry", []).append(
            _("{reason}如自愿进场交易，请勾选自愿进场声明。").format(reason=requirement.reason)
        )

    project = Project(
        deal_code="pending",
        name=name.strip(),
        trade_type=trade_type,
        procurement_method=procurement_method,
        catalog_category=catalog_category,
        entry_basis=EntryBasis.MANDATORY if requirement.mandatory else EntryBasis.VOLUNTARY,
        entry_reason=requirement.reason[:300],
        owner=owner,
        agent=agent,
        supervisor=supervisor,
        region_code=region_code.strip(),
        budget_fen=budget_fen,
        funding_source=funding_source.strip(),
        approval_number=approval_number.strip(),
        description=description.strip(),
        registered_at=clock.now(),
        registered_by=actor,
        rules_date=today,
    )
    try:
        project.full_clean(exclude=["deal_code"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field == "__all__" and "budget_fen" in errors:
                continue  # the budget check constraint, already reported on its field
            errors.setdefault(field, []).extend(messages)
    if not (len(project.region_code) == 6 and project.region_code.isdigit()):
        errors.setdefault("region_code", []).append(_("项目所在地应为6位行政区划代码。"))
    if errors:
        raise ValidationError(errors)

    project.deal_code = _next_deal_code(region_code=project.region_code, trade_type=trade_type, year=today.year)
    project.save()
    for number, item in enumerate(lots, start=1):
        lot = Lot(
            project=project,
            number=number,
            code=f"{project.deal_code}{number:03d}",
            name=item.name.strip(),
            budget_fen=item.budget_fen,
            description=item.description.strip(),
        )
        lot.full_clean()
        lot.save()
    event_record(action="project.registered", actor=actor, obj=project, after=_snapshot(project))
    return project


def _transition(*, project: Project, actor: User, to: str, reason: str, action: str) -> Project:
    project = lock_instance(project)
    before = project.status
    match (before, to):
        case (ProjectStatus.REGISTERED, ProjectStatus.SUSPENDED):
            project.suspended_reason = reason
        case (ProjectStatus.SUSPENDED, ProjectStatus.REGISTERED):
            project.suspended_reason = ""
        case _:
            raise ValidationError(
                _("项目当前状态为“{status}”，不能执行此操作。").format(status=ProjectStatus(before).label)
            )
    project.status = to
    project.full_clean()
    project.save(update_fields=["status", "suspended_reason"])
    event_record(
        action=action, actor=actor, obj=project, before={"status": before}, after={"status": to, "reason": reason}
    )
    return project


@transaction.atomic
def project_suspend(*, actor: User, project: Project, reason: str) -> Project:
    """A supervisor orders the trading activity suspended (招标投标法实施条例 art. 62)."""
    if not policies.can_supervise(actor, project):
        raise PermissionDenied(_("只有该项目的行政监督部门可以暂停项目。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写暂停原因。")})
    return _transition(
        project=project, actor=actor, to=ProjectStatus.SUSPENDED, reason=reason.strip(), action="project.suspended"
    )


@transaction.atomic
def project_resume(*, actor: User, project: Project, reason: str) -> Project:
    if not policies.can_supervise(actor, project):
        raise PermissionDenied(_("只有该项目的行政监督部门可以恢复项目。"))
    return _transition(
        project=project, actor=actor, to=ProjectStatus.REGISTERED, reason=reason.strip(), action="project.resumed"
    )
