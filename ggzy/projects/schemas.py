"""API schemas of the projects app."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from .models import Project


class LotIn(Schema):
    name: str
    budget_fen: int
    description: str = ""


class ProjectIn(Schema):
    name: str
    trade_type: str
    procurement_method: str
    catalog_category: str | None = None
    voluntary_entry: bool = False
    owner_uscc: str
    agent_uscc: str | None = None
    supervisor_uscc: str
    region_code: str
    budget_fen: int
    funding_source: str
    approval_number: str = ""
    description: str = ""
    lots: list[LotIn]


class LotOut(Schema):
    code: str
    number: int
    name: str
    budget_fen: int


class ProjectOut(Schema):
    deal_code: str
    name: str
    trade_type: str
    procurement_method: str
    catalog_category: str | None
    entry_basis: str
    entry_reason: str
    owner_uscc: str
    agent_uscc: str | None
    supervisor_uscc: str
    region_code: str
    budget_fen: int
    status: str
    registered_at: dt.datetime
    rules_date: dt.date
    lots: list[LotOut]


class SuspendIn(Schema):
    reason: str


def project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        deal_code=project.deal_code,
        name=project.name,
        trade_type=project.trade_type,
        procurement_method=project.procurement_method,
        catalog_category=project.catalog_category.code if project.catalog_category else None,
        entry_basis=project.entry_basis,
        entry_reason=project.entry_reason,
        owner_uscc=project.owner.uscc,
        agent_uscc=project.agent.uscc if project.agent else None,
        supervisor_uscc=project.supervisor.uscc,
        region_code=project.region_code,
        budget_fen=project.budget_fen,
        status=project.status,
        registered_at=project.registered_at,
        rules_date=project.rules_date,
        lots=[
            LotOut(code=lot.code, number=lot.number, name=lot.name, budget_fen=lot.budget_fen)
            for lot in project.lots.all()
        ],
    )
