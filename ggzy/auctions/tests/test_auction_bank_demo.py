"""`manage.py auction_bank_demo`: the demo bank reports a deposit through the signed callback; a bad
reference or a refused notice is a CommandError and writes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from ggzy.accounts.choices import Role
from ggzy.auctions import services
from ggzy.auctions.models import Registration
from ggzy.core.testing.parties import make_user
from ggzy.jobs import services as jobs_services
from ggzy.witness.models import WitnessEvent

from .helpers import (
    LISTING_END,
    NOW,
    START,
    World,
    create_listing,
    land_world,
    listing_with_unpaid_applicant,
    qualified_bidders,
    sale,
)

pytestmark = pytest.mark.django_db

DEPOSIT = 20_000_000


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(traveller) -> World:
    """A listing with a deposit and one applicant approved, its deposit not yet paid."""
    return listing_with_unpaid_applicant(DEPOSIT)


def _bank(*args: str) -> str:
    out = StringIO()
    call_command("auction_bank_demo", *args, stdout=out)
    return out.getvalue()


def _written() -> tuple[list[Any], int]:
    rows = list(
        Registration.objects.order_by("pk").values_list("deposit_confirmed_at", "deposit_transaction", "refunded_at")
    )
    return rows, WitnessEvent.objects.count()


def test_the_demo_bank_confirms_a_pending_deposit_and_a_repeat_is_harmless(world, traveller):
    registration = world.registrations[0]
    reference = registration.payment_reference
    assert not registration.qualified

    out = _bank("paid", "--reference", reference)
    registration.refresh_from_db()
    assert registration.qualified and registration.deposit_confirmed_at == NOW
    assert registration.deposit_transaction == f"DEMO-paid-{reference}"
    event = WitnessEvent.objects.get(action="auctions.deposit_confirmed")
    assert event.actor_id is None and event.after["amount_fen"] == DEPOSIT  # the sale's deposit by default
    assert reference in out and "竞买人已取得竞买资格" in out

    before = _written()
    traveller.move_to(NOW + dt.timedelta(hours=1))
    _bank("paid", "--reference", reference)  # the bank repeats its callback
    assert _written() == before


def test_a_deposit_paid_before_the_review_qualifies_the_bidder_once_approved(world):
    applicant = services.registration_apply(actor=make_user(Role.BIDDER), sale=world.sale)
    assert applicant.payment_reference in _bank("list")
    out = _bank("paid", "--reference", applicant.payment_reference)
    applicant.refresh_from_db()
    assert applicant.deposit_confirmed_at == NOW and not applicant.qualified
    assert "审核通过后即取得竞买资格" in out
    approved = services.registration_review(actor=world.staff, registration=applicant, approve=True)
    assert approved.qualified


@pytest.mark.parametrize(
    "reference",
    [
        Registration(sale_id=99_999_999, pk=1).payment_reference,  # well formed, no such registration
        "00000000000000000097",  # a wrong check
        "123",
        "",
    ],
)
def test_an_unknown_reference_is_refused_and_writes_nothing(world, reference):
    assert Registration.payment_reference_ids(reference) in (None, (99_999_999, 1))
    before = _written()
    with pytest.raises(CommandError, match="没有与该缴款识别码对应的竞买申请"):
        _bank("paid", "--reference", reference)
    assert _written() == before


def test_a_report_needs_a_reference(world):
    with pytest.raises(CommandError, match="--reference"):
        _bank("paid")


def test_the_demo_bank_lists_the_deposits_it_may_report(world):
    unpaid = world.registrations[0]
    paid = services.registration_apply(actor=make_user(Role.BIDDER), sale=world.sale)
    paid = services.deposit_confirm(actor=world.staff, registration=paid)
    out = _bank("list")
    waiting, owed = out.split("待退还的竞买保证金")
    assert unpaid.payment_reference in waiting and unpaid.organization.name in waiting and "200,000.00元" in waiting
    assert paid.payment_reference not in out
    assert owed.split() == ["：", "无"]
    _bank("paid", "--reference", unpaid.payment_reference)
    assert unpaid.payment_reference not in _bank("list")


def test_a_reference_of_another_sale_is_unknown(world):
    registration = world.registrations[0]
    other = Registration(sale_id=registration.sale_id + 1, pk=registration.pk).payment_reference
    before = _written()
    with pytest.raises(CommandError, match="没有与该缴款识别码对应的竞买申请"):
        _bank("paid", "--reference", other)
    assert _written() == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--amount-fen", str(DEPOSIT - 1)], "到账金额少于竞买公告要求的竞买保证金"),
        (["--payer-name", "另一家公司"], "付款账户名称与竞买人名称不一致"),
    ],
)
def test_a_payment_the_callback_refuses_is_a_command_error_and_writes_nothing(world, options, message):
    before = _written()
    with pytest.raises(CommandError, match=message):
        _bank("paid", "--reference", world.registrations[0].payment_reference, *options)
    assert _written() == before


def test_the_demo_bank_is_refused_in_production(world, settings):
    settings.PRODUCTION = True
    before = _written()
    with pytest.raises(CommandError, match="生产环境"):
        _bank("paid", "--reference", world.registrations[0].payment_reference)
    assert _written() == before


def test_the_demo_bank_reports_a_refund_after_the_close_only(traveller):
    world = land_world()
    create_listing(world, deposit_fen=DEPOSIT)
    qualified_bidders(world, 1)
    reference = world.registrations[0].payment_reference

    before = _written()
    with pytest.raises(CommandError, match="不在待退还状态"):
        _bank("refunded", "--reference", reference)
    assert _written() == before

    traveller.move_to(START)
    jobs_services.run_due_jobs()
    traveller.move_to(LISTING_END)
    jobs_services.run_due_jobs()
    assert sale(world).status == "no_deal"
    traveller.move_to(LISTING_END + dt.timedelta(days=1))
    assert reference in _bank("list").split("待退还的竞买保证金")[1]
    out = _bank("refunded", "--reference", reference)
    registration = Registration.objects.get(pk=world.registrations[0].pk)
    assert registration.refunded_at == LISTING_END + dt.timedelta(days=1)
    assert registration.refund_reference == f"DEMO-refunded-{reference}"
    assert reference in out and "登记退还" in out
