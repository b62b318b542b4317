"""Deposits reported by the bank: a signed `paid` notice qualifies the bidder, a `refunded` notice
after the close records the refund; every refusal writes nothing, and only the bidder sees its
payment reference."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from ggzy.accounts.choices import Role
from ggzy.auctions import deposits, services
from ggzy.auctions.models import Registration
from ggzy.core.testing.parties import make_user, signed_in_client
from ggzy.jobs import services as jobs_services
from ggzy.tendering.deposits import callback_signature
from ggzy.witness.models import WitnessEvent

from .helpers import (
    LISTING_END,
    NOW,
    START,
    START_PRICE,
    World,
    create_listing,
    land_world,
    listing_with_unpaid_applicant,
    qualified_bidders,
    sale,
)

pytestmark = pytest.mark.django_db

DEPOSIT = 20_000_000
CALLBACK = "/api/v1/auctions/bank/callback"
DAY = dt.timedelta(days=1)


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(traveller) -> World:
    """A listing with a deposit and one applicant approved but not yet paid."""
    return listing_with_unpaid_applicant(DEPOSIT)


def _payment(registration: Registration, **overrides: Any) -> dict[str, Any]:
    return {
        "event": "paid",
        "reference": registration.payment_reference,
        "transaction_id": "TX-1",
        "amount_fen": DEPOSIT,
        "payer_name": registration.organization.name,
    } | overrides


def _notify(payload: dict[str, Any], signature: str | None = None) -> Registration:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return deposits.bank_callback(body=body, signature=signature or callback_signature(body))


def _post(payload: dict[str, Any], signature: str | None = None) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return Client().post(
        CALLBACK,
        body,
        content_type="application/json",
        headers={"X-Bank-Signature": signature or callback_signature(body)},
    )


def _written() -> tuple[list[Any], int]:
    rows = list(
        Registration.objects.order_by("pk").values_list("deposit_confirmed_at", "deposit_transaction", "refunded_at")
    )
    return rows, WitnessEvent.objects.count()


def test_the_payment_reference_is_checked_and_names_its_registration(world):
    registration = world.registrations[0]
    reference = registration.payment_reference
    assert len(reference) == 20 and reference.isdigit()
    assert Registration.payment_reference_ids(reference) == (registration.sale_id, registration.pk)
    mistyped = reference[:-3] + str((int(reference[-3]) + 1) % 10) + reference[-2:]
    assert Registration.payment_reference_ids(mistyped) is None
    assert Registration.payment_reference_ids(reference + "0") is None
    assert Registration.payment_reference_ids("１" * 20) is None  # full-width digits


def test_a_paid_notice_qualifies_the_bidder_and_a_repeat_is_harmless(world, traveller):
    registration = world.registrations[0]
    assert not registration.qualified
    paid = _notify(_payment(registration, amount_fen=DEPOSIT + 1))
    assert paid.qualified and paid.deposit_confirmed_at == NOW and paid.deposit_transaction == "TX-1"
    event = WitnessEvent.objects.get(action="auctions.deposit_confirmed")
    assert event.actor_id is None and event.after["transaction"] == "TX-1"
    assert event.after["amount_fen"] == DEPOSIT + 1

    before = _written()
    traveller.move_to(NOW + DAY)
    again = _notify(_payment(registration, amount_fen=DEPOSIT + 1))
    assert again.deposit_confirmed_at == NOW and _written() == before

    traveller.move_to(START + DAY)
    jobs_services.run_due_jobs()
    ack = services.sale_bid(actor=world.bidders[0], sale=sale(world), amount_fen=START_PRICE, key="k1")
    assert ack.bid_number == registration.bid_number


def test_the_api_answers_the_bank_without_naming_the_bidder(world):
    registration = world.registrations[0]
    response = _post(_payment(registration))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == registration.payment_reference and body["deposit_confirmed_at"]
    assert registration.bid_number not in response.content.decode()
    assert registration.organization.name not in response.content.decode()


def test_a_payer_name_written_with_full_width_brackets_is_the_same_payer(world):
    registration = world.registrations[0]
    organization = registration.organization
    organization.name = "新疆某某(集团)有限公司"
    organization.save(update_fields=["name"])
    assert _notify(_payment(registration, payer_name="新疆某某（集团） 有限公司")).qualified


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_fen": DEPOSIT - 1}, "amount_fen"),
        ({"amount_fen": "20000000"}, "amount_fen"),
        ({"amount_fen": True}, "amount_fen"),
        ({"payer_name": "另一家公司"}, "payer_name"),
        ({"payer_name": ""}, "payer_name"),
        ({"reference": "00000000000000000000"}, "reference"),
        ({"reference": ""}, "reference"),
        ({"transaction_id": ""}, "transaction_id"),
        ({"event": "reversed"}, "event"),
    ],
)
def test_a_wrong_paid_notice_is_refused_and_writes_nothing(world, overrides, field):
    registration = world.registrations[0]
    before = _written()
    with pytest.raises(ValidationError) as caught:
        _notify(_payment(registration, **overrides))
    assert field in caught.value.message_dict
    assert _written() == before

    response = _post(_payment(registration, **overrides))
    assert response.status_code == 422
    assert field in {item["field"] for item in response.json()["detail"]}
    assert _written() == before


def test_a_notice_for_a_registration_of_another_sale_is_an_unknown_reference(world):
    registration = world.registrations[0]
    good = registration.payment_reference
    other = Registration(sale_id=registration.sale_id + 1, pk=registration.pk).payment_reference
    assert other != good
    with pytest.raises(ValidationError) as caught:
        _notify(_payment(registration, reference=other))
    assert "reference" in caught.value.message_dict


def test_a_bad_signature_is_refused_and_writes_nothing(world):
    registration = world.registrations[0]
    before = _written()
    with pytest.raises(PermissionDenied):
        _notify(_payment(registration), signature="0" * 64)
    assert _post(_payment(registration), signature="0" * 64).status_code == 401
    tampered = json.dumps(_payment(registration)).encode()
    response = Client().post(
        CALLBACK,
        tampered.replace(str(DEPOSIT).encode(), b"1"),
        content_type="application/json",
        headers={"X-Bank-Signature": callback_signature(tampered)},
    )
    assert response.status_code == 401
    assert _written() == before


def test_a_second_transfer_after_the_deposit_is_confirmed_is_refused_for_the_center_to_check(world):
    registration = services.deposit_confirm(actor=world.staff, registration=world.registrations[0])
    assert registration.deposit_transaction == ""
    before = _written()
    response = _post(_payment(registration, transaction_id="TX-2"))
    assert response.status_code == 409 and response.json()["detail"][0]["code"] == "already_paid"
    assert _written() == before


def test_one_bank_transaction_confirms_one_deposit_only(world):
    _notify(_payment(world.registrations[0]))
    other = make_user(Role.BIDDER)
    second = services.registration_apply(actor=other, sale=world.sale)
    second = services.registration_review(actor=world.staff, registration=second, approve=True)
    before = _written()
    with pytest.raises(ValidationError):
        _notify(_payment(second))  # TX-1 again, for another registration
    assert _written() == before


def test_a_refunded_notice_after_the_close_records_the_refund_once(traveller):
    world = land_world()
    create_listing(world, deposit_fen=DEPOSIT)
    qualified_bidders(world, 1)
    registration = world.registrations[0]
    refund = {"event": "refunded", "reference": registration.payment_reference, "transaction_id": "RF-1"}

    before = _written()
    with pytest.raises(ValidationError) as caught:
        _notify(refund)  # before the close nothing is owed back
    assert caught.value.code == "not_refundable" and _written() == before

    traveller.move_to(START)
    jobs_services.run_due_jobs()
    traveller.move_to(LISTING_END)
    jobs_services.run_due_jobs()
    assert sale(world).status == "no_deal"
    traveller.move_to(LISTING_END + DAY)
    refunded = _notify(refund | {"amount_fen": DEPOSIT})
    assert (refunded.refunded_at, refunded.refund_reference) == (LISTING_END + DAY, "RF-1")
    event = WitnessEvent.objects.get(action="auctions.deposit_refunded")
    assert event.actor_id is None
    assert event.after == {"reference": "RF-1", "late": False, "amount_fen": DEPOSIT}

    before = _written()
    traveller.move_to(LISTING_END + 2 * DAY)
    assert _notify(refund).refunded_at == LISTING_END + DAY  # a repeat is harmless
    response = _post(refund | {"transaction_id": "RF-2"})
    assert response.status_code == 409 and response.json()["detail"][0]["code"] == "already_refunded"
    assert _written() == before


def _registration_of(client: Client, world: World) -> Any:
    assert world.sale is not None
    return client.get(f"/api/v1/auctions/sales/{world.sale.pk}/registration")


def test_only_the_bidder_sees_its_payment_reference_and_only_once_approved(world):
    registration = world.registrations[0]
    reference = registration.payment_reference
    mine = _registration_of(signed_in_client(world.bidders[0]), world)
    assert mine.status_code == 200 and mine.json()["payment_reference"] == reference

    applicant = make_user(Role.BIDDER)
    services.registration_apply(actor=applicant, sale=world.sale)
    pending = _registration_of(signed_in_client(applicant), world)
    assert pending.status_code == 200 and pending.json()["payment_reference"] is None
    assert reference not in pending.content.decode()

    assert world.sale is not None
    for user in (world.staff, world.seller):
        listing = signed_in_client(user).get(f"/api/v1/auctions/sales/{world.sale.pk}/registrations")
        assert listing.status_code == 200 and reference not in listing.content.decode()
    public = Client().get(f"/api/v1/auctions/sales/{world.sale.pk}")
    assert reference not in public.content.decode()
