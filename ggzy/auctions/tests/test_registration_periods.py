"""Registration periods of a land listing (rules-cn.md §4.1, the Fujian online rules): applications
close when the legal working days remain before the listing end; the center reviews within its
period or the overdue application is reported; a rejected applicant that had paid is owed its
deposit back within the legal period."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ggzy.accounts.choices import Role
from ggzy.auctions import services
from ggzy.auctions.models import Registration
from ggzy.core import clock
from ggzy.core.testing.parties import make_user
from ggzy.jobs import services as jobs_services
from ggzy.notifications.models import Notification
from ggzy.witness.models import WitnessEvent

from .helpers import LISTING_END, NOW, create_listing, land_world

pytestmark = pytest.mark.django_db


def test_applications_close_with_three_working_days_left_before_the_listing_end():
    # LISTING_END is Tuesday 2026-04-14 15:00: three working days before it is Thursday 04-09,
    # so one may apply until the end of that day and not on Friday 04-10.
    with time_machine.travel(NOW, tick=False) as traveller:
        world = land_world()
        listing = create_listing(world)
        assert services.registration_closes_at(listing) == clock.end_of_day(dt.date(2026, 4, 9))
        assert LISTING_END.date() == dt.date(2026, 4, 14)
        traveller.move_to(dt.datetime(2026, 4, 9, 23, 59, tzinfo=clock.BEIJING))
        services.registration_apply(actor=make_user(Role.BIDDER), sale=listing)
        traveller.move_to(dt.datetime(2026, 4, 10, 0, 1, tzinfo=clock.BEIJING))
        late = make_user(Role.BIDDER)
        with pytest.raises(ValidationError, match="竞买申请已于2026-04-09 23:59截止"):
            services.registration_apply(actor=late, sale=listing)
    assert not Registration.objects.filter(organization=late.organization).exists()


def test_an_application_not_reviewed_in_time_is_reported_to_the_center_by_number_only():
    with time_machine.travel(NOW, tick=False) as traveller:  # Monday 2026-03-02
        world = land_world()
        for n, user in enumerate((world.staff, world.seller)):  # reachable by SMS, so a message would be queued
            user.phone = f"1390000000{n}"
            user.save(update_fields=["phone"])
        listing = create_listing(world)
        applicant = make_user(Role.BIDDER)
        waiting = services.registration_apply(actor=applicant, sale=listing)
        reviewed = services.registration_apply(actor=make_user(Role.BIDDER), sale=listing)
        services.registration_review(actor=world.staff, registration=reviewed, approve=True)
        # Two days: due at the end of Wednesday 03-04.
        traveller.move_to(dt.datetime(2026, 3, 4, 23, 59, tzinfo=clock.BEIJING))
        jobs_services.run_due_jobs()
        assert not WitnessEvent.objects.filter(action="auctions.review_overdue").exists()
        traveller.move_to(dt.datetime(2026, 3, 5, 0, 1, tzinfo=clock.BEIJING))
        jobs_services.run_due_jobs()
    overdue = WitnessEvent.objects.get(action="auctions.review_overdue")
    assert overdue.object_id == str(waiting.pk)
    alerts = Notification.objects.filter(topic__startswith=f"auctions.review_overdue:{waiting.pk}:")
    assert alerts.filter(recipient=world.staff).exists()
    assert not alerts.filter(recipient=world.seller).exists()  # the seller learns nothing of applicants
    assert all(applicant.organization.name not in a.body for a in alerts)
    assert not Notification.objects.filter(topic__startswith=f"auctions.review_overdue:{reviewed.pk}:").exists()


def test_a_rejected_applicant_that_had_paid_is_owed_its_deposit_back_within_five_days():
    with time_machine.travel(NOW, tick=False):  # Monday 2026-03-02
        world = land_world()
        listing = create_listing(world)
        paid = services.registration_apply(actor=make_user(Role.BIDDER), sale=listing)
        services.deposit_confirm(actor=world.staff, registration=paid)
        unpaid = services.registration_apply(actor=make_user(Role.BIDDER), sale=listing)
        paid = services.registration_review(actor=world.staff, registration=paid, approve=False)
        unpaid = services.registration_review(actor=world.staff, registration=unpaid, approve=False)
    assert paid.refund_due == clock.end_of_day(dt.date(2026, 3, 9))  # 03-07 is a Saturday: the next working day
    assert unpaid.refund_due is None
