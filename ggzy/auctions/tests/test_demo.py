"""The auctions' demo (`ggzy.auctions.demo`, loaded by `ggzy.core.demo.load`): a land listing under
way with qualified demo bidders and a price, a state-property listing still taking applications,
and nothing new the second time."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from ggzy.accounts.models import User
from ggzy.auctions import demo as auctions_demo
from ggzy.auctions import results, services
from ggzy.auctions.choices import NOTICE_RULE_BY_TRADE_TYPE, RegistrationStatus
from ggzy.auctions.models import Registration, Sale, SaleBid, SaleEvent
from ggzy.core import clock, demo
from ggzy.core.money import format_yuan
from ggzy.disclosure.choices import NoticeType
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.jobs.choices import JobStatus
from ggzy.jobs.models import Job
from ggzy.projects.models import Project
from ggzy.rules import periods
from ggzy.witness import selectors as witness_selectors
from ggzy.witness.models import WitnessEvent

pytestmark = pytest.mark.django_db


def _sale_of(project_name: str) -> Sale:
    return Sale.objects.select_related("lot__project", "leader__organization").get(lot__project__name=project_name)


def _organization_id(username: str) -> int | None:
    return User.objects.get(username=username).organization_id


def test_the_demo_has_a_land_listing_under_way_with_qualified_bidders_and_a_price():
    created = demo.load()
    assert created["sales"] == 2 and created["bids"] == 2
    now = clock.now()
    sale = _sale_of(auctions_demo.LAND_PROJECT)
    assert (sale.method, sale.status, sale.phase) == ("listing", "open", "listing")
    assert sale.start_at < now < sale.listing_end
    assert sale.listing_end.date() >= now.date() + dt.timedelta(days=7)

    # The notice preceded the start by the legal period.
    notice = Notice.objects.get(project=sale.lot.project, notice_type=NoticeType.LISTING)
    rule = results.sale_rule(NOTICE_RULE_BY_TRADE_TYPE["land_use"], lot=sale.lot, method=sale.method)
    assert (
        periods.earliest_day_after(clock.local(notice.published_at).date(), rule) <= clock.local(sale.start_at).date()
    )
    assert notice.published_at == sale.created_at
    assert "出让面积：23700平方米" in notice.body and "容积率：不小于1且不大于2.5" in notice.body  # the parcel

    registrations = list(sale.registrations.all())
    assert {r.organization_id for r in registrations} == {_organization_id(u) for u in auctions_demo.LAND_BIDDERS}
    assert all(r.qualified and r.deposit_confirmed_at < sale.start_at for r in registrations)
    bids = list(SaleBid.objects.filter(sale=sale).order_by("seq"))
    assert [b.amount_fen for b in bids] == [auctions_demo.LAND_START_PRICE, sale.price_fen]
    assert sale.price_fen == auctions_demo.LAND_START_PRICE + auctions_demo.LAND_INCREMENT
    assert sale.start_at < bids[0].accepted_at < bids[1].accepted_at < now
    assert sale.leader is not None and sale.leader.organization_id == _organization_id("bidder02")

    # The sale page shows the price and the history, to anyone.
    page = Client().get(f"/auctions/{sale.pk}/")
    assert page.status_code == 200
    assert len(page.context["history"]) == 2
    assert format_yuan(sale.price_fen) in page.content.decode()

    # The worker finds nothing amiss: the recorded inputs replay, and the close waits at the end.
    jobs_services.run_due_jobs()
    assert not Job.objects.filter(status=JobStatus.FAILED).exists()
    assert not Job.objects.filter(status=JobStatus.PENDING, run_at__lte=clock.now()).exists()
    again = _sale_of(auctions_demo.LAND_PROJECT)
    assert (again.phase, again.price_fen, again.last_seq) == (sale.phase, sale.price_fen, sale.last_seq)
    tick = Job.objects.get(name=services.TICK_TASK, args__sale_id=sale.pk, status=JobStatus.PENDING)
    assert tick.run_at == sale.listing_end
    assert witness_selectors.chain_verify().ok


def test_a_demo_bidder_can_apply_to_the_sale_still_in_registration():
    demo.load()
    sale = _sale_of(auctions_demo.PROPERTY_PROJECT)
    assert (sale.status, sale.phase) == ("open", "scheduled") and sale.start_at > clock.now()
    waiting = sale.registrations.get()
    assert waiting.organization_id == _organization_id(auctions_demo.PROPERTY_APPLICANT)
    assert waiting.status == RegistrationStatus.APPROVED and waiting.deposit_confirmed_at is None

    registration = services.registration_apply(actor=User.objects.get(username="bidder05"), sale=sale)
    assert registration.status == RegistrationStatus.APPLIED


def test_the_demo_bank_pays_the_deposit_the_demo_left_pending():
    demo.load()
    waiting = _sale_of(auctions_demo.PROPERTY_PROJECT).registrations.get()
    out = StringIO()
    call_command("auction_bank_demo", "paid", "--reference", waiting.payment_reference, stdout=out)
    waiting.refresh_from_db()
    assert waiting.qualified and waiting.deposit_transaction == f"DEMO-paid-{waiting.payment_reference}"
    assert waiting.payment_reference in out.getvalue()


def _state() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Project, Sale, Registration, SaleBid, SaleEvent, Notice, Job, WitnessEvent)
    )


def test_loading_twice_creates_nothing():
    demo.load()
    first = _state()
    assert set(demo.load().values()) == {0}
    assert _state() == first


@pytest.mark.parametrize(
    "instant",
    [
        dt.datetime(2026, 10, 2, 8, 0, tzinfo=clock.BEIJING),  # National Day holidays
        dt.datetime(2027, 1, 1, 0, 5, tzinfo=clock.BEIJING),  # just after midnight, a holiday
    ],
)
def test_the_demo_keeps_the_legal_periods_whatever_the_day(instant):
    """The times come from the rule table and the working calendar, so any day will do (a wrong
    period would make `sale_create` refuse and the load fail)."""
    with time_machine.travel(instant, tick=False):
        created = demo.load()
        sale = _sale_of(auctions_demo.LAND_PROJECT)
    assert created["sales"] == 2
    assert sale.phase == "listing" and sale.start_at < instant < sale.listing_end
    assert sale.price_fen == auctions_demo.LAND_START_PRICE + auctions_demo.LAND_INCREMENT
