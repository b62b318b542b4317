"""Writes of the evaluation app: forming the committee of a lot and the members' check-in."""

from __future__ import annotations

from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ggzy.accounts.models import User
from ggzy.core import clock
from ggzy.core.choices import TradeType
from ggzy.core.locks import lock_instance
from ggzy.experts import selectors as experts_selectors
from ggzy.rules.selectors import RuleMissing, rule_get
from ggzy.tendering import policies as tendering_policies
from ggzy.tendering.choices import LotStatus
from ggzy.tendering.models import TenderLot
from ggzy.witness.services import event_record

from .choices import CommitteeStatus, MemberKind
from .models import Committee, Member


def _scope(tender_lot: TenderLot) -> dict[str, object]:
    project = tender_lot.tender.project
    return {"trade_type": project.trade_type, "method": project.procurement_method, "on": project.rules_date}


def composition_check(*, tender_lot: TenderLot, drawn: int, representatives: int) -> None:
    """The committee's size and make-up (招标投标法 art. 37; 87号令 art. 47): at least the minimum,
    an odd number, at least two thirds drawn experts, and 7 for large procurement projects."""
    scope = _scope(tender_lot)
    total = drawn + representatives
    minimum = rule_get("committee.min_members", **scope)  # type: ignore[arg-type]
    required = minimum.as_int()
    project = tender_lot.tender.project
    if project.trade_type == TradeType.GOVERNMENT_PROCUREMENT:
        try:
            threshold = rule_get("gp.large_project_budget_fen", **scope)  # type: ignore[arg-type]
            large = rule_get("gp.committee_min_members_large", **scope)  # type: ignore[arg-type]
        except RuleMissing:
            pass
        else:
            if project.budget_fen >= threshold.as_int() and large.as_int() > required:
                minimum, required = large, large.as_int()
    errors = []
    if total < required:
        errors.append(
            _("评标委员会至少{count}人（{source}），现为{total}人。").format(
                count=required, source=minimum.source, total=total
            )
        )
    try:
        odd = rule_get("committee.odd_members_required", **scope)  # type: ignore[arg-type]
    except RuleMissing:
        odd = None
    if odd is not None and odd.as_int() and total % 2 == 0:
        errors.append(_("评标委员会成员应为单数（{source}），现为{total}人。").format(source=odd.source, total=total))
    fraction = rule_get("committee.expert_min_fraction", **scope)  # type: ignore[arg-type]
    # The rule is "at least two thirds"; the table stores 0.666667, so compare with the exact third.
    needed = Fraction(fraction.value).limit_denominator(12)
    if total and Fraction(drawn, total) < needed:
        errors.append(
            _("随机抽取的专家不得少于成员总数的{fraction}（{source}），现为{drawn}/{total}。").format(
                fraction=f"{needed.numerator}/{needed.denominator}", source=fraction.source, drawn=drawn, total=total
            )
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_form(*, actor: User, tender_lot: TenderLot, representatives: list[User]) -> Committee:
    """Form the lot's committee from its completed expert draw plus the owner's representatives."""
    tender_lot = lock_instance(tender_lot)
    tender = tender_lot.tender
    if not tendering_policies.can_manage(actor, tender):
        raise PermissionDenied(_("只有招标人或其代理机构可以组建评标委员会。"))
    if tender_lot.status != LotStatus.OPENED:
        raise ValidationError(_("开标记录发布后才能组建评标委员会。"))
    if Committee.objects.filter(tender_lot=tender_lot).exists():
        raise ValidationError(_("本标段的评标委员会已组建。"))
    draw = experts_selectors.complete_draw_for_lot(tender_lot.lot_id)
    if draw is None:
        raise ValidationError(_("本标段没有已完成的专家抽取，请先申请抽取评标专家。"))
    selections = experts_selectors.confirmed_selections(draw)
    unlinked = [s.sequence for s in selections if s.expert.user_id is None]
    if unlinked:
        raise ValidationError(_("有专家尚未关联平台账号，无法在线评标，请联系交易中心专家库管理人员。"))
    project = tender.project
    expert_users = {s.expert.user_id for s in selections}
    seen: set[int] = set()
    for person in representatives:
        if person.organization_id != project.owner_id:
            raise ValidationError({"representatives": _("招标人代表须为招标人（采购人）本单位的人员。")})
        if person.pk in expert_users or person.pk in seen:
            raise ValidationError({"representatives": _("同一人不能在评标委员会中担任两个席位。")})
        seen.add(person.pk)
    composition_check(tender_lot=tender_lot, drawn=len(selections), representatives=len(representatives))
    committee = Committee(tender_lot=tender_lot, draw_request=draw, formed_by=actor, formed_at=clock.now())
    committee.full_clean()
    committee.save()
    for selection in selections:
        assert selection.expert.user is not None
        Member.objects.create(
            committee=committee, kind=MemberKind.DRAWN_EXPERT, user=selection.expert.user, selection=selection
        )
    for person in representatives:
        Member.objects.create(committee=committee, kind=MemberKind.OWNER_REPRESENTATIVE, user=person)
    # Counts only: the names stay secret until the award (招标投标法 art. 37).
    event_record(
        action="committee.formed",
        actor=actor,
        obj=committee,
        after={"lot": tender_lot.lot.code, "drawn": len(selections), "representatives": len(representatives)},
    )
    return committee


@transaction.atomic
def member_check_in(*, actor: User, committee: Committee) -> Member:
    """A member signs in at the evaluation; when all have, the evaluation starts."""
    committee = lock_instance(committee)
    member = Member.objects.filter(committee=committee, user=actor, is_active=True).first()
    if member is None:
        raise PermissionDenied(_("您不是本评标委员会的成员。"))
    draw = committee.draw_request
    now = clock.now()
    if now < draw.evaluation_starts_at:
        raise ValidationError(
            _("评标开始时间（{start}）前不能签到。").format(
                start=clock.local(draw.evaluation_starts_at).strftime("%Y-%m-%d %H:%M")
            )
        )
    if member.checked_in_at is None:
        member.checked_in_at = now
        member.save(update_fields=["checked_in_at"])
    if (
        committee.status == CommitteeStatus.FORMED
        and not committee.members.filter(is_active=True, checked_in_at__isnull=True).exists()
    ):
        committee.status, committee.evaluation_started_at = CommitteeStatus.EVALUATING, now
        committee.save(update_fields=["status", "evaluation_started_at"])
    event_record(
        action="committee.check_in",
        actor=actor,
        obj=committee,
        after={"kind": member.kind, "status": committee.status},
    )
    return member
