# mypy: disable-error-code="arg-type,union-attr,assignment,index"
"""Build a pool and lots ready for a draw, through the real services."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import Organization, User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.experts import services
from ggzy.experts.choices import RegionScope, TitleLevel
from ggzy.experts.models import DrawRequest, Expert
from ggzy.projects import services as project_services
from ggzy.projects.models import Lot
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import EvaluationMethod
from ggzy.tendering.models import Tender

_ids = itertools.count(1)


def id_card(n: int, birth: dt.date) -> str:
    """A well-formed 18-character ID number (GB 11643 check character)."""
    body = f"654002{birth:%Y%m%d}{n % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def expert_data(**overrides: Any) -> dict[str, Any]:
    n = next(_ids)
    birth = overrides.pop("birth_date", dt.date(1975, 5, 1))
    data = {
        "name": f"专家{n}",
        "id_card_number": id_card(n, birth),
        "birth_date": birth,
        "mobile": f"139{n:08d}",
        "email": f"expert{n}@example.cn",
        "employer_name": f"某设计院{n}",
        "employer_uscc": "",
        "region_code": "654002",
        "title_level": TitleLevel.ASSOCIATE_SENIOR,
        "title_name": "高级工程师",
        "practice_since": dt.date(2000, 7, 1),
        "specialties": ["A0101"],
    }
    data.update(overrides)
    return data


def pool_manager() -> User:
    return make_user(Role.CENTER_STAFF)


def make_expert(manager: User, *, with_account: bool = True, **overrides: Any) -> Expert:
    user = make_user(Role.EXPERT) if with_account else None
    return services.expert_create(actor=manager, data=expert_data(**overrides), user=user)


def closed_lot(
    *,
    owner: User,
    agent: User,
    supervisor: Organization | None = None,
    deadline: dt.datetime,
    trade_type: str = TradeType.CONSTRUCTION,
    before_publish: Callable[[Tender], object] | None = None,
) -> Lot:
    """A registered project with a published tender; bids (if any) are registered as placed.

    The clock must stand at least 20 days before `deadline`; the caller moves it past the
    deadline before drawing."""
    sector = Sector.HOUSING_CONSTRUCTION if trade_type == TradeType.CONSTRUCTION else Sector.FINANCE
    supervisor = supervisor or make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=sector)
    project = project_services.project_register(
        actor=agent,
        name="专家抽取测试项目",
        trade_type=trade_type,
        procurement_method=ProcurementMethod.OPEN_TENDER,
        catalog_category=catalog_selectors.category_get("A01" if trade_type == TradeType.CONSTRUCTION else "B01"),
        owner=owner.organization,
        agent=agent.organization,
        supervisor=supervisor,
        region_code="654002",
        budget_fen=1_000_000_000,
        funding_source="财政资金",
        lots=[project_services.LotInput(name="一标段", budget_fen=1_000_000_000)],
    )
    tender = tendering_services.tender_create(
        actor=agent,
        project=project,
        lots=[tendering_services.LotTerms(lot=project.lots.get(), bid_security_fen=0)],
        title="专家抽取测试项目招标公告",
        notice_body="招标公告正文",
        evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
        bid_deadline=deadline,
        bid_validity_days=90,
    )
    tendering_services.tender_document_add(actor=agent, tender=tender, name="招标文件.pdf", content=b"%PDF-1.7")
    if before_publish is not None:
        before_publish(tender)
    tendering_services.tender_publish(actor=agent, tender=tender)
    return project.lots.get()


def request_draw(
    agent: User,
    lot: Lot,
    *,
    starts: dt.datetime,
    hours: int = 8,
    lines: list[services.LineInput],
    scope: str = RegionScope.LOCAL,
) -> DrawRequest:
    return services.draw_request_create(
        actor=agent,
        lot=lot,
        evaluation_starts_at=starts,
        evaluation_ends_at=starts + dt.timedelta(hours=hours),
        place="伊犁州公共资源交易中心评标区3号评标室",
        region_scope=scope,
        lines=lines,
    )


def run_draw(request: DrawRequest, *, operator: User, witness: User, text: str = "20261127") -> DrawRequest:
    services.draw_witness_join(actor=witness, request=request, witness_text=text)
    return services.draw_run(actor=operator, request=request)
