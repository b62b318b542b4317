"""Sign-in (password, then TOTP for privileged roles), registration and role administration."""

from __future__ import annotations

import base64

import pyotp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.core.forms import apply_errors
from ggzy.core.http import client_address

from . import selectors, services
from .choices import Role
from .decorators import AuthedRequest, capability_required, public
from .forms import LoginForm, RegistrationForm, RoleChangeForm, TotpForm
from .middleware import GENERATION_KEY, LAST_SEEN_KEY
from .models import TotpDevice, User
from .policies import Capability

PENDING_KEY = "ggzy_mfa_pending"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/workbench/"


def _sign_in(request: HttpRequest, user: User) -> HttpResponse:
    target = _next_url(request)
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[GENERATION_KEY] = user.session_generation
    from ggzy.core import clock

    request.session[LAST_SEEN_KEY] = int(clock.now().timestamp())
    services.login_success_record(user=user, address=client_address(request))
    return redirect(target)


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_KEY)
    if not user_id:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


@public
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.password_check(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            address=client_address(request),
        )
        if check.user is None:
            if check.wait_seconds:
                form.add_error(
                    None,
                    _("登录失败次数过多，请在 {minutes} 分钟后再试。").format(
                        minutes=max(1, round(check.wait_seconds / 60))
                    ),
                )
            else:
                form.add_error(None, _("用户名或密码不正确。"))
        elif services.mfa_required(check.user):
            request.session.cycle_key()
            request.session[PENDING_KEY] = check.user.pk
            has_device = TotpDevice.objects.filter(user=check.user, confirmed_at__isnull=False).exists()
            step = "accounts:login_verify" if has_device else "accounts:login_enrol"
            return redirect(f"{redirect(step).url}?next={_next_url(request)}")
        else:
            return _sign_in(request, check.user)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@public
def login_verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        wait = services.login_wait_seconds(username=user.get_username(), address=address)
        if wait:
            form.add_error(None, _("失败次数过多，请稍后再试。"))
        elif services.totp_verify(user=user, code=form.cleaned_data["code"]):
            return _sign_in(request, user)
        else:
            services.login_failure_record(username=user.get_username(), address=address)
            form.add_error("code", _("动态口令不正确或已使用过。"))
    return render(request, "accounts/login_verify.html", {"form": form, "next": _next_url(request)})


@public
def login_enrol(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return redirect("accounts:login_verify")
    device = TotpDevice.objects.filter(user=user).first()
    if device is None or request.method == "GET":
        device = services.totp_enrol_start(user=user)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_verify(user=user, code=form.cleaned_data["code"]):
            return _sign_in(request, user)
        services.login_failure_record(username=user.get_username(), address=client_address(request))
        form.add_error("code", _("动态口令不正确，请核对手机时间后重试。"))
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=user.get_username(), issuer_name="GGZY")
    svg = base64.b64encode(segno.make(uri, error="m").svg_inline(scale=4).encode()).decode()
    context = {"form": form, "secret": device.secret, "qr_data_uri": f"data:image/svg+xml;base64,{svg}"}
    context["next"] = _next_url(request)
    return render(request, "accounts/login_enrol.html", context)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")


@public
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration = services.market_entity_register(**data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("注册成功：{name}。请使用新账户登录。").format(name=registration.organization.name),
            )
            return redirect("accounts:login")
    return render(request, "accounts/register.html", {"form": form})


@capability_required(Capability.ROLES_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/user_list.html", {"users": selectors.users_with_roles()})


@capability_required(Capability.ROLES_MANAGE)
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User.objects.select_related("organization"), pk=pk)
    form = RoleChangeForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in {"grant", "revoke"} and form.is_valid():
                role = form.cleaned_data["role"]
                if action == "grant":
                    services.role_grant(actor=request.user, user=target, role=role)
                else:
                    services.role_revoke(actor=request.user, user=target, role=role)
                messages.success(request, _("角色已更新，该用户的全部会话已终止。"))
                return redirect("accounts:user_detail", pk=target.pk)
            if action in {"disable", "enable"}:
                services.user_active_set(actor=request.user, user=target, active=action == "enable")
                messages.success(request, _("账户状态已更新。"))
                return redirect("accounts:user_detail", pk=target.pk)
            if action == "reset_mfa":
                services.totp_reset(actor=request.user, user=target)
                messages.success(request, _("动态口令已重置，该用户下次登录时重新绑定。"))
                return redirect("accounts:user_detail", pk=target.pk)
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("无权执行此操作。"))
    context = {"target": target, "form": form, "roles": Role}
    return render(request, "accounts/user_detail.html", context)
