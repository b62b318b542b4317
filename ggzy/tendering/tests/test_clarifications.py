"""Clarifications move the deadline when they come late; objections have legal limits and suspend
the procedure while unanswered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ggzy.core import clock
from ggzy.disclosure.models import Notice
from ggzy.jobs import services as jobs_services
from ggzy.jobs.models import Job
from ggzy.tendering import clarifications, services
from ggzy.tendering.choices import TenderStatus
from ggzy.tendering.tests.helpers import SealingBidder
from ggzy.tendering.tests.test_publish import NOW, _draft, _world

pytestmark = pytest.mark.django_db

DEADLINE = dt.datetime(2026, 10, 20, 9, 30, tzinfo=clock.BEIJING)  # 36 days after NOW


@pytest.fixture
def published():
    with time_machine.travel(NOW, tick=False):
        world = _world()
        tender = _draft(world, deadline=DEADLINE)
        services.tender_publish(actor=world["agent"], tender=tender)
    return world, tender


def test_an_early_clarification_keeps_the_deadline(published):
    world, tender = published
    with time_machine.travel(NOW + dt.timedelta(days=5), tick=False):
        clarification = clarifications.clarification_issue(
            actor=world["agent"], tender=tender, body="第3章技术参数更正"
        )
    tender.refresh_from_db()
    assert tender.bid_deadline == DEADLINE and clarification.deadline_after == DEADLINE
    assert Notice.objects.filter(notice_type="amendment", project=tender.project).count() == 1


def test_a_late_clarification_must_move_the_deadline_and_the_close_job_follows(published):
    world, tender = published
    issued = dt.datetime(2026, 10, 8, 10, 0, tzinfo=clock.BEIJING)  # 12 days before the deadline
    with time_machine.travel(issued, tick=False):
        with pytest.raises(ValidationError) as error:
            clarifications.clarification_issue(actor=world["agent"], tender=tender, body="更正")
        assert "2026-10-23" in " ".join(error.value.messages)  # 15 days after Oct 8
        moved = dt.datetime(2026, 10, 23, 9, 30, tzinfo=clock.BEIJING)
        clarifications.clarification_issue(actor=world["agent"], tender=tender, body="更正", new_deadline=moved)
    tender.refresh_from_db()
    assert tender.bid_deadline == moved
    assert Job.objects.get(key=f"tender:{tender.pk}:close").run_at == moved
    notice = Notice.objects.get(notice_type="amendment", project=tender.project)
    assert "2026-10-23 09:30" in notice.body
    # the amendment is a new version of the tender notice, which stays readable, marked superseded
    original = Notice.objects.get(notice_type="tender", project=tender.project)
    assert (notice.nature, notice.previous, original.status) == ("correction", original, "superseded")
    with time_machine.travel(DEADLINE, tick=False):
        assert jobs_services.run_due_jobs() == 0  # the old deadline no longer closes anything


def test_only_the_owner_side_clarifies(published):
    _, tender = published
    with pytest.raises(PermissionDenied):
        clarifications.clarification_issue(actor=SealingBidder.registered().user, tender=tender, body="x")


def test_objections_close_ten_days_before_the_deadline(published):
    _, tender = published
    bidder = SealingBidder.registered()
    with time_machine.travel(dt.datetime(2026, 10, 10, 18, 0, tzinfo=clock.BEIJING), tick=False):
        objection = clarifications.objection_raise(actor=bidder.user, tender=tender, text="评分标准倾向特定品牌")
    assert clock.local(objection.answer_due).date() == dt.date(2026, 10, 13)
    with (
        time_machine.travel(dt.datetime(2026, 10, 11, 9, 0, tzinfo=clock.BEIJING), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        clarifications.objection_raise(actor=bidder.user, tender=tender, text="再提异议")
    assert "10日前" in " ".join(error.value.messages)


def test_an_unanswered_objection_suspends_the_close_until_answered(published):
    world, tender = published
    bidder = SealingBidder.registered()
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        objection = clarifications.objection_raise(actor=bidder.user, tender=tender, text="资格条件排斥外地企业")
    with time_machine.travel(DEADLINE, tick=False) as traveller:
        jobs_services.run_due_jobs()
        tender.refresh_from_db()
        assert tender.status == TenderStatus.PUBLISHED  # suspended, not closed
        clarifications.objection_answer(actor=world["agent"], objection=objection, answer="资格条件已修改，见第1号澄清")
        traveller.shift(dt.timedelta(hours=1))
        jobs_services.run_due_jobs()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    objection.refresh_from_db()
    assert objection.answered_at is not None


def test_every_holder_of_the_documents_gets_the_clarification_and_nobody_else(published):
    from ggzy.accounts.choices import Role
    from ggzy.core.testing.parties import make_user
    from ggzy.notifications.models import Notification

    world, tender = published
    holders = [make_user(Role.BIDDER), make_user(Role.BIDDER)]
    stranger = make_user(Role.BIDDER)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        document = tender.documents.get()
        for user in holders:
            user.email = f"{user.username}@example.cn"
            user.save(update_fields=["email"])
            services.document_download_record(user=user, document=document)
            services.document_download_record(user=user, document=document)  # twice: one message
        clarification = clarifications.clarification_issue(actor=world["agent"], tender=tender, body="工期更正")
    sent = Notification.objects.filter(topic__startswith=f"tendering.clarification:{clarification.pk}:")
    assert {n.recipient for n in sent} == set(holders)
    assert sent.filter(recipient=stranger).count() == 0
    for notification in sent:
        assert "第1号澄清或修改" in notification.body and "2026-10-20" in notification.body
        assert all(other.organization.name not in notification.body for other in holders)
