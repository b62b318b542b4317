"""The evaluation committee (评标委员会/评审小组) of a lot and its members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import CommitteeStatus, MemberKind


class Committee(models.Model):
    tender_lot = models.OneToOneField(
        "tendering.TenderLot", verbose_name=_("招标标段"), on_delete=models.PROTECT, related_name="committee"
    )
    draw_request = models.ForeignKey(
        "experts.DrawRequest", verbose_name=_("专家抽取"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=16, choices=CommitteeStatus.choices, default=CommitteeStatus.FORMED)
    formed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组建人"), on_delete=models.PROTECT, related_name="+"
    )
    formed_at = models.DateTimeField(_("组建时间"))
    evaluation_started_at = models.DateTimeField(_("评审开始时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评标委员会")
        verbose_name_plural = _("评标委员会")

    def __str__(self) -> str:
        return str(self.tender_lot_id)


class Member(models.Model):
    committee = models.ForeignKey(
        Committee, verbose_name=_("评标委员会"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("成员类别"), max_length=32, choices=MemberKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="+"
    )
    selection = models.OneToOneField(
        "experts.Selection",
        verbose_name=_("抽取结果"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="committee_member",
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    # A replaced member's work is void (实施条例 art. 48); the row stays for the record.
    is_active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("评标委员会成员")
        verbose_name_plural = _("评标委员会成员")
        ordering = ["committee", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"],
                condition=Q(is_active=True),
                name="evaluation_member_once",
                violation_error_message=_("同一人不能在同一评标委员会中担任两个席位。"),
            ),
            models.CheckConstraint(
                condition=Q(kind=MemberKind.OWNER_REPRESENTATIVE) | Q(selection__isnull=False),
                name="evaluation_drawn_member_has_selection",
                violation_error_message=_("抽取的专家成员须对应一条抽取结果。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_id}:{self.pk}"
