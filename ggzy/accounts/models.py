"""Parties: organizations (market entities, the center, supervisors), users and their roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OrganizationKind, Role, Sector
from .uscc import validate_uscc


def validate_region_code(value: str) -> None:
    from django.core.exceptions import ValidationError

    if len(value) != 6 or not value.isdigit() or not ("11" <= value[:2] <= "82"):
        raise ValidationError(_("行政区划代码应为6位数字（GB/T 2260），例如 654000。"), code="region_code")


class Organization(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc])
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("主体类别"), max_length=32, choices=OrganizationKind.choices)
    sector = models.CharField(_("监管行业"), max_length=32, choices=Sector.choices, blank=True)
    region_code = models.CharField(_("所在地行政区划代码"), max_length=6, validators=[validate_region_code])
    address = models.CharField(_("地址"), max_length=300, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=100, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    registered_at = models.DateTimeField(_("注册时间"))

    class Meta:
        verbose_name = _("主体")
        verbose_name_plural = _("主体")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=OrganizationKind.SUPERVISORY_AUTHORITY) & ~Q(sector="")
                | ~Q(kind=OrganizationKind.SUPERVISORY_AUTHORITY) & Q(sector=""),
                name="accounts_org_sector_iff_supervisor",
                violation_error_message=_("行政监督部门必须填写监管行业，其他主体不填。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        from django.conf import settings

        return self.region_code[:2] == settings.PLATFORM_REGION_CODE[:2]


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属主体"),
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    # Bumped to end every session of the user at once (account disabled, roles changed).
    session_generation = models.PositiveIntegerField(_("会话代次"), default=0)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> list[str]:
        cached: list[str] | None = self.__dict__.get("_role_codes")
        if cached is None:
            cached = sorted(self.role_assignments.values_list("role", flat=True)) if self.pk else []
            self.__dict__["_role_codes"] = cached
        return list(cached)

    def has_role(self, role: str) -> bool:
        return role in self.role_codes()

    def forget_roles(self) -> None:
        self.__dict__.pop("_role_codes", None)


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("授予时间"))
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授予人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role"],
                name="accounts_role_once",
                violation_error_message=_("该用户已拥有此角色。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class TotpDevice(models.Model):
    """A TOTP authenticator (RFC 6238). The last accepted time step is kept so a code is used once."""

    user = models.OneToOneField(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(_("密钥"), max_length=64)
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(_("最近使用的时间步"), default=0)

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = _("动态口令设备")

    def __str__(self) -> str:
        return f"TOTP · {self.user_id}"


class LoginThrottle(models.Model):
    """Failed sign-ins per key: one row per (account, client address) and one per account."""

    key = models.CharField(_("键"), max_length=300, unique=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    locks = models.PositiveIntegerField(_("已锁定次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return self.key
