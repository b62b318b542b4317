"""Reads of the exchange app.

This module is the secrecy gate of the national data sets (docs/national-data.md). It reads the
other apps read-only, construction projects only, and only what is already public:

- a project once one of its tenders is published (never a draft), with its lots in that tender;
- the published tender notice and its clarifications;
- bids only through the *published* opening record (`TenderLot.opened_at` set): no bid row, no
  bidder, no price and no reserve price (标底) before it; never a document download, a security
  payment, an invitation list or an objection;
- the candidates once their publicity has started, as the signed report states them;
- the award once decided.
Nothing about experts or the evaluation committee is read at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from ggzy.core.choices import TradeType
from ggzy.disclosure.choices import NoticeStatus
from ggzy.disclosure.models import Notice
from ggzy.evaluation.choices import OutcomeStage, ReportStatus
from ggzy.evaluation.models import Outcome, Report
from ggzy.projects.models import Project
from ggzy.tendering.models import Clarification, Tender, TenderLot

from .models import ExchangeRecord


def projects_in_scope() -> QuerySet[Project]:
    """Construction projects with at least one published tender, the oldest registration first."""
    published = Tender.objects.filter(project=OuterRef("pk"), published_at__isnull=False)
    return (
        Project.objects.filter(trade_type=TradeType.CONSTRUCTION)
        .filter(Exists(published))
        .select_related("owner", "agent", "supervisor", "catalog_category")
        .order_by("registered_at", "pk")
    )


def tenders_published(project: Project) -> list[Tender]:
    """The project's published tenders (every round), in the order they were published."""
    return list(
        Tender.objects.filter(project=project, published_at__isnull=False)
        .prefetch_related(
            Prefetch("tender_lots", queryset=TenderLot.objects.select_related("lot").order_by("lot__number")),
            Prefetch("clarifications", queryset=Clarification.objects.order_by("number")),
        )
        .order_by("published_at", "pk")
    )


def notice_published(*, project: Project, notice_type: str, since: dt.datetime, words: list[str]) -> Notice | None:
    """The first notice of a type published for the project at or after `since` whose title holds
    every word (a tender title and a lot name tell the lots of one project apart)."""
    notices = Notice.objects.filter(
        project=project,
        notice_type=notice_type,
        published_at__gte=since,
        status__in=[NoticeStatus.PUBLISHED, NoticeStatus.SUPERSEDED],
    )
    for word in words:
        notices = notices.filter(title__contains=word)
    return notices.order_by("published_at", "pk").first()


@dataclass(frozen=True)
class Candidate:
    place: int
    name: str
    uscc: str
    price_fen: int
    total: str | None


def _signed_report(tender_lot: TenderLot) -> Report | None:
    return Report.objects.filter(committee__tender_lot=tender_lot, status=ReportStatus.SIGNED).first()


def _rows(report: Report) -> dict[int, dict[str, Any]]:
    return {int(row["bid"]): row for row in report.results.get("rows", [])}


def candidates_public(tender_lot: TenderLot) -> tuple[Outcome | None, list[Candidate]]:
    """The candidates of the signed report once their publicity has started, else nothing."""
    outcome = Outcome.objects.filter(tender_lot=tender_lot, publicity_started_at__isnull=False).first()
    report = _signed_report(tender_lot) if outcome is not None else None
    if outcome is None or report is None:
        return None, []
    rows = _rows(report)
    candidates = []
    for item in report.results.get("candidates", []):
        row = rows[int(item["bid"])]
        candidates.append(
            Candidate(
                place=int(item["place"]),
                name=str(row["bidder"]),
                uscc=str(row.get("bidder_uscc", "")),
                price_fen=int(row["price_fen"]),
                total=row.get("total"),
            )
        )
    return outcome, candidates


@dataclass(frozen=True)
class Award:
    awarded_at: dt.datetime
    name: str
    uscc: str
    price_fen: int


def award_public(tender_lot: TenderLot) -> Award | None:
    """The award once decided: the winner and its price as the signed report states it."""
    outcome = (
        Outcome.objects.filter(tender_lot=tender_lot, stage=OutcomeStage.AWARDED, awarded_at__isnull=False)
        .select_related("winner__bidder")
        .first()
    )
    report = _signed_report(tender_lot) if outcome is not None else None
    if outcome is None or outcome.winner is None or outcome.awarded_at is None or report is None:
        return None
    row = _rows(report).get(outcome.winner.pk)
    if row is None:
        return None
    bidder = outcome.winner.bidder
    return Award(awarded_at=outcome.awarded_at, name=bidder.name, uscc=bidder.uscc, price_fen=int(row["price_fen"]))


def records(*, dataset: str = "", status: str = "") -> QuerySet[ExchangeRecord]:
    """The exchange records for the staff list, newest version first."""
    queryset = ExchangeRecord.objects.all()
    if dataset:
        queryset = queryset.filter(dataset=dataset)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-collected_at", "-id")


def record_get(pk: int) -> ExchangeRecord | None:
    return ExchangeRecord.objects.filter(pk=pk).first()
