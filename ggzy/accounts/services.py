"""Writes of the accounts app: registration, roles, second factor and sign-in throttling."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from ggzy.core import clock
from ggzy.witness.services import event_record

from . import policies
from .choices import ADMIN_ROLES, MARKET_ROLES, MFA_ROLES, ROLE_ORGANIZATION_KINDS, OrganizationKind, Role
from .models import LoginThrottle, Organization, RoleAssignment, TotpDevice, User
from .uscc import normalize


def _org_snapshot(org: Organization) -> dict[str, Any]:
    return {
        "uscc": org.uscc,
        "name": org.name,
        "kind": org.kind,
        "sector": org.sector,
        "region_code": org.region_code,
        "is_active": org.is_active,
    }


@transaction.atomic
def organization_create(
    *,
    actor: User | None,
    uscc: str,
    name: str,
    kind: str,
    region_code: str,
    sector: str = "",
    address: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Organization:
    org = Organization(
        uscc=normalize(uscc),
        name=name.strip(),
        kind=kind,
        sector=sector,
        region_code=region_code.strip(),
        address=address.strip(),
        legal_representative=legal_representative.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        registered_at=clock.now(),
    )
    org.full_clean()
    org.save()
    event_record(action="organization.registered", actor=actor, obj=org, after=_org_snapshot(org))
    return org


def _user_errors(*, username: str, password: str, full_name: str, phone: str, email: str) -> dict[str, list[str]]:
    user = User(username=username.strip(), full_name=full_name.strip(), phone=phone.strip(), email=email.strip())
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password", "organization"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not full_name.strip():
        errors.setdefault("full_name", []).append(_("请填写姓名。"))
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    return errors


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    organization: Organization | None,
    username: str,
    password: str,
    full_name: str,
    phone: str = "",
    email: str = "",
    roles: list[str] | tuple[str, ...] = (),
) -> User:
    errors = _user_errors(username=username, password=password, full_name=full_name, phone=phone, email=email)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username.strip(),
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        organization=organization,
    )
    user.set_password(password)
    user.save()
    event_record(
        action="user.created",
        actor=actor,
        obj=user,
        after={"username": user.username, "organization_id": organization.pk if organization else None},
    )
    for role in roles:
        _role_add(user=user, role=role, granter=actor)
    return user


def _role_add(*, user: User, role: str, granter: User | None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色：{role}").format(role=role)})
    kind = user.organization.kind if user.organization else None
    if kind not in ROLE_ORGANIZATION_KINDS[role] and role != Role.EXPERT:
        raise ValidationError({"role": _("“{role}”角色不能授予该类主体的用户。").format(role=Role(role).label)})
    held = set(user.role_codes())
    if role in ADMIN_ROLES and held - {role}:
        raise ValidationError({"role": _("三权分立：系统、安全、审计管理员不得兼任其他角色。")})
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise ValidationError({"role": _("三权分立：管理员账户不得兼任业务角色。")})
    assignment = RoleAssignment(user=user, role=role, granted_at=clock.now(), granted_by=granter)
    assignment.full_clean()
    assignment.save()
    user.forget_roles()
    event_record(
        action="role.granted",
        actor=granter,
        obj=user,
        before={"roles": sorted(held)},
        after={"roles": sorted(held | {role})},
    )
    return assignment


@transaction.atomic
def role_grant(*, actor: User, user: User, role: str) -> RoleAssignment:
    if not policies.can_grant_role(granter=actor, user=user, role=role):
        raise PermissionDenied(_("您无权授予该角色。"))
    assignment = _role_add(user=user, role=role, granter=actor)
    _sessions_end(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, user: User, role: str) -> None:
    if not policies.has(actor, policies.Capability.ROLES_MANAGE) or actor.pk == user.pk:
        raise PermissionDenied(_("您无权撤销该角色。"))
    held = set(user.role_codes())
    deleted, _count = RoleAssignment.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise ValidationError({"role": _("该用户没有此角色。")})
    user.forget_roles()
    _sessions_end(user)
    event_record(
        action="role.revoked",
        actor=actor,
        obj=user,
        before={"roles": sorted(held)},
        after={"roles": sorted(held - {role})},
    )


def _sessions_end(user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


@transaction.atomic
def user_active_set(*, actor: User, user: User, active: bool) -> User:
    if not policies.has(actor, policies.Capability.ROLES_MANAGE) or actor.pk == user.pk:
        raise PermissionDenied(_("您无权停用或启用该账户。"))
    before = user.is_active
    User.objects.filter(pk=user.pk).update(is_active=active, session_generation=F("session_generation") + 1)
    user.refresh_from_db()
    event_record(
        action="user.enabled" if active else "user.disabled",
        actor=actor,
        obj=user,
        before={"is_active": before},
        after={"is_active": active},
    )
    return user


@dataclass(frozen=True)
class Registration:
    organization: Organization
    user: User


@transaction.atomic
def market_entity_register(
    *,
    uscc: str,
    name: str,
    region_code: str,
    address: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    username: str,
    password: str,
    full_name: str,
    phone: str,
    email: str,
    roles: list[str],
) -> Registration:
    """Free self-registration, open to entities of any region: no branch office, local
    registration, qualification check or visit in person is asked for (art. 22 (六)(七))."""
    if not roles:
        raise ValidationError({"roles": _("请至少选择一个参与身份。")})
    bad = [role for role in roles if role not in MARKET_ROLES]
    if bad:
        raise ValidationError({"roles": _("自助注册只能选择招标人/采购人、代理机构或投标人/供应商身份。")})
    errors = _user_errors(username=username, password=password, full_name=full_name, phone=phone, email=email)
    org = None
    try:
        org = organization_create(
            actor=None,
            uscc=uscc,
            name=name,
            kind=OrganizationKind.MARKET_ENTITY,
            region_code=region_code,
            address=address,
            legal_representative=legal_representative,
            contact_name=contact_name,
            contact_phone=contact_phone,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user = user_create(
        actor=None,
        organization=org,
        username=username,
        password=password,
        full_name=full_name,
        phone=phone,
        email=email,
        roles=sorted(set(roles)),
    )
    assert org is not None
    return Registration(organization=org, user=user)


# --- second factor ---------------------------------------------------------------------------


def mfa_required(user: User) -> bool:
    return bool(set(user.role_codes()) & MFA_ROLES)


@transaction.atomic
def totp_enrol_start(*, user: User) -> TotpDevice:
    """Give the user a new, unconfirmed secret (replacing an unconfirmed one)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ValidationError(_("动态口令已启用；如需更换，请联系安全管理员重置。"))
    if device is None:
        device = TotpDevice(user=user)
    device.secret = pyotp.random_base32(length=32)
    device.full_clean()
    device.save()
    return device


def _totp_step(device: TotpDevice, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(device.secret)
    now = clock.now()
    for offset in (0, -1, 1):
        moment = now + dt.timedelta(seconds=offset * totp.interval)
        if totp.verify(code, for_time=moment, valid_window=0):
            return int(totp.timecode(moment))
    return None


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a code once: a code whose time step was already used is refused (replay)."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    step = _totp_step(device, code)
    if step is None or step <= device.last_step:
        return False
    TotpDevice.objects.filter(pk=device.pk).update(last_step=step)
    if device.confirmed_at is None:
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=clock.now())
        event_record(action="mfa.enrolled", actor=user, obj=user)
    return True


@transaction.atomic
def totp_reset(*, actor: User, user: User) -> None:
    if not policies.has(actor, policies.Capability.ROLES_MANAGE) or actor.pk == user.pk:
        raise PermissionDenied(_("您无权重置该用户的动态口令。"))
    TotpDevice.objects.filter(user=user).delete()
    _sessions_end(user)
    event_record(action="mfa.reset", actor=actor, obj=user)


# --- sign-in throttling ----------------------------------------------------------------------
#
# Failures are counted per (account, client address) and per account. The first locks that
# address out of that account with a growing but capped delay; the second only slows the
# account down (one attempt per minute), so an attacker elsewhere cannot lock a victim out
# for good and cannot try more than about 60 passwords an hour against one account.

ACCOUNT_SLOWDOWN_AFTER = 20
ACCOUNT_SLOWDOWN = dt.timedelta(seconds=60)


def _keys(username: str, address: str) -> tuple[str, str]:
    name = username.strip().lower()[:150]
    return f"pair:{name}|{address}", f"account:{name}"


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds before this address may try this account again (0: may try now)."""
    now = clock.now()
    wait = 0
    for row in LoginThrottle.objects.filter(key__in=_keys(username, address)):
        if row.locked_until and row.locked_until > now:
            wait = max(wait, int((row.locked_until - now).total_seconds()) + 1)
    return wait


@transaction.atomic
def login_failure_record(*, username: str, address: str) -> None:
    now = clock.now()
    pair_key, account_key = _keys(username, address)
    pair, _created = LoginThrottle.objects.select_for_update().get_or_create(key=pair_key)
    failures = pair.failures + 1
    locked_until = pair.locked_until
    locks = pair.locks
    if failures >= settings.LOGIN_FAILURES_BEFORE_LOCK:
        seconds = min(settings.LOGIN_LOCK_MAX_SECONDS, settings.LOGIN_LOCK_SECONDS * 2**locks)
        locked_until = now + dt.timedelta(seconds=seconds)
        locks += 1
        failures = 0
    LoginThrottle.objects.filter(pk=pair.pk).update(
        failures=failures, locks=locks, locked_until=locked_until, last_failure_at=now
    )
    account, _created = LoginThrottle.objects.select_for_update().get_or_create(key=account_key)
    recent = (
        account.failures + 1 if account.last_failure_at and now - account.last_failure_at < dt.timedelta(hours=1) else 1
    )
    LoginThrottle.objects.filter(pk=account.pk).update(
        failures=recent,
        last_failure_at=now,
        locked_until=now + ACCOUNT_SLOWDOWN if recent >= ACCOUNT_SLOWDOWN_AFTER else account.locked_until,
    )
    event_record(
        action="auth.login_failed",
        object_type="accounts.login",
        object_id=username.strip()[:80],
        after={"address": address, "locked_until": locked_until},
    )


@transaction.atomic
def login_success_record(*, user: User, address: str) -> None:
    pair_key, _account_key = _keys(user.get_username(), address)
    LoginThrottle.objects.filter(key=pair_key).update(failures=0, locks=0, locked_until=None)
    event_record(action="auth.login_succeeded", actor=user, obj=user, after={"address": address})


@dataclass(frozen=True)
class PasswordCheck:
    user: User | None
    wait_seconds: int = 0


def password_check(*, username: str, password: str, address: str) -> PasswordCheck:
    """First factor. A throttled pair is refused before the password is even checked."""
    wait = login_wait_seconds(username=username, address=address)
    if wait:
        return PasswordCheck(user=None, wait_seconds=wait)
    user = authenticate(username=username, password=password)
    if user is None:
        login_failure_record(username=username, address=address)
        return PasswordCheck(user=None, wait_seconds=login_wait_seconds(username=username, address=address))
    assert isinstance(user, User)
    return PasswordCheck(user=user)
