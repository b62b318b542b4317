"""Pages of the expert pool: the managers' list, entry, import and export, status and review of
changes; supervisors' bans; the expert's own profile."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required
from ggzy.accounts.policies import Capability
from ggzy.core import clock
from ggzy.core.forms import form_submit

from . import imports, policies, pool_selectors, selectors, services
from .choices import ChangeStatus, ExpertStatus
from .models import Expert, ExpertChange
from .pool_forms import (
    AccountLinkForm,
    BanForm,
    ConflictForm,
    ContactForm,
    EligibilityForm,
    ExpertForm,
    ImportForm,
    PoolFilterForm,
    ReviewForm,
    SuspendForm,
)

# Supervisors see the pool to ban an expert (a penalty); only the center's pool managers change it.
POOL_READERS = (Capability.EXPERT_POOL_MANAGE, Capability.PENALISE)
EXPORTS = {
    "csv": (imports.export_csv, "text/csv; charset=utf-8"),
    "xlsx": (imports.export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@capability_required(*POOL_READERS)
def pool_list(request: AuthedRequest) -> HttpResponse:
    form = PoolFilterForm(request.GET or None)
    page = Paginator(selectors.experts_for_manager(**form.filters()), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_manage": policies.can_manage_pool(request.user),
    }
    return render(request, "experts/pool_list.html", context)


@capability_required(*POOL_READERS)
def pool_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORTS:
        raise Http404
    export, content_type = EXPORTS[fmt]
    experts = selectors.experts_for_manager(**PoolFilterForm(request.GET or None).filters())
    response = HttpResponse(export(actor=request.user, experts=experts), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="experts-{clock.today():%Y%m%d}.{fmt}"'
    return response


@capability_required(Capability.EXPERT_POOL_MANAGE)
def pool_create(request: AuthedRequest) -> HttpResponse:
    form = ExpertForm(request.POST or None)
    if request.method == "POST":
        expert = form_submit(
            request,
            form,
            lambda data: services.expert_create(actor=request.user, data=data),
            success=lambda expert: _("专家已入库，专家编号：{number}").format(number=expert.number),
        )
        if expert is not None:
            return redirect("experts:pool_detail", number=expert.number)
    return render(request, "experts/pool_expert_form.html", {"form": form})


@capability_required(Capability.EXPERT_POOL_MANAGE)
def pool_import(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = imports.experts_import_file(actor=request.user, content=upload.read(), filename=upload.name)
        if not result.errors:
            messages.success(request, _("已导入{count}名专家。").format(count=len(result.created)))
            return redirect("experts:pool_list")
    context = {
        "form": form,
        "result": result,
        "columns": imports.COLUMNS,
        "ignored": (imports.NUMBER_HEADER, imports.STATUS_HEADER),
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "experts/pool_import.html", context)


@capability_required(*POOL_READERS)
def pool_detail(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)
    can_manage = policies.can_manage_pool(request.user)
    context = {
        "expert": expert,
        "can_manage": can_manage,
        "can_ban": policies.can_ban(request.user),
        "changes": [(change, pool_selectors.changed_labels(change)) for change in expert.changes.all()[:10]],
        "rating_record": selectors.expert_rating_record(expert),
        "suspend_form": SuspendForm(),
        "ban_form": BanForm(),
        "link_form": AccountLinkForm(),
    }
    return render(request, "experts/pool_detail.html", context)


def _status_set(request: AuthedRequest, expert: Expert, status: str, data: dict[str, Any]) -> Expert:
    return services.expert_status_set(
        actor=request.user, expert=expert, status=status, until=data.get("until"), reason=data.get("reason", "")
    )


@capability_required(Capability.EXPERT_POOL_MANAGE)
@require_POST
def pool_suspend(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)
    form_submit(
        request,
        SuspendForm(request.POST),
        lambda data: _status_set(request, expert, ExpertStatus.SUSPENDED, data),
        success=_("已暂停该专家参加抽取。"),
        invalid=_("请填写暂停原因；暂停截止日期应晚于今天。"),
    )
    return redirect("experts:pool_detail", number=number)


@capability_required(Capability.EXPERT_POOL_MANAGE)
@require_POST
def pool_restore(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)
    if expert.status != ExpertStatus.SUSPENDED:
        messages.error(request, _("该专家未被暂停。"))
    else:
        form_submit(
            request,
            None,
            lambda data: _status_set(request, expert, ExpertStatus.ACTIVE, data),
            success=_("已恢复该专家。"),
        )
    return redirect("experts:pool_detail", number=number)


@capability_required(Capability.PENALISE)
@require_POST
def pool_ban(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)
    form_submit(
        request,
        BanForm(request.POST),
        lambda data: _status_set(request, expert, ExpertStatus.BANNED, data),
        success=_("已禁止该专家参加评标评审。"),
        invalid=_("请填写处罚决定及原因和禁止截止日期（应晚于今天）。"),
    )
    return redirect("experts:pool_detail", number=number)


@capability_required(Capability.PENALISE)
@require_POST
def pool_unban(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)
    if expert.status != ExpertStatus.BANNED:
        messages.error(request, _("该专家未被禁止参加评标评审。"))
    else:
        form_submit(
            request,
            None,
            lambda data: _status_set(request, expert, ExpertStatus.ACTIVE, data),
            success=_("已解除对该专家的禁止。"),
        )
    return redirect("experts:pool_detail", number=number)


@capability_required(Capability.EXPERT_POOL_MANAGE)
@require_POST
def pool_account_link(request: AuthedRequest, number: str) -> HttpResponse:
    expert = pool_selectors.expert_get_for_pool(number)

    def link(data: dict[str, Any]) -> Expert:
        user = pool_selectors.account_get(data["username"])
        if user is None:
            raise ValidationError({"username": _("未找到该账号。")})
        return services.expert_account_link(actor=request.user, expert=expert, user=user)

    form_submit(request, AccountLinkForm(request.POST), link, success=_("已关联账号。"), invalid=_("请填写账号。"))
    return redirect("experts:pool_detail", number=number)


@capability_required(Capability.EXPERT_POOL_MANAGE)
def pool_changes(request: AuthedRequest) -> HttpResponse:
    page = Paginator(pool_selectors.changes_pending_for_review(), 50).get_page(request.GET.get("page"))
    names = pool_selectors.specialty_name_map()
    rows = [(change, pool_selectors.change_fields(change, names)) for change in page]
    return render(request, "experts/pool_changes.html", {"page": page, "rows": rows, "form": ReviewForm()})


@capability_required(Capability.EXPERT_POOL_MANAGE)
@require_POST
def pool_change_review(request: AuthedRequest, pk: int) -> HttpResponse:
    change = pool_selectors.change_get(pk)
    form_submit(
        request,
        ReviewForm(request.POST),
        lambda data: services.expert_change_review(
            actor=request.user, change=change, approve=data["approve"], note=data["note"]
        ),
        success=lambda reviewed: (
            _("已通过专家{number}的变更申请。")
            if reviewed.status == ChangeStatus.APPROVED
            else _("已驳回专家{number}的变更申请。")
        ).format(number=change.expert.number),
        invalid=_("请选择审核结果。"),
    )
    return redirect("experts:pool_changes")


# ---------------------------------------------------------------- the expert's own profile


def _eligibility(expert: Expert) -> dict[str, Any]:
    facts = {name: getattr(expert, name) for name in services.ELIGIBILITY_FIELDS}
    return facts | {"specialties": sorted(s.code for s in expert.specialties.all())}


def _changed(expert: Expert, data: dict[str, Any]) -> dict[str, Any]:
    """Only what differs from the facts in force goes to review."""
    current = _eligibility(expert)
    changes = {name: value for name, value in data.items() if name != "specialties" and value != current[name]}
    if sorted(data["specialties"]) != current["specialties"]:
        changes["specialties"] = sorted(data["specialties"])
    return changes


def _my_page(
    request: AuthedRequest,
    expert: Expert | None,
    *,
    contact_form: ContactForm | None = None,
    conflict_form: ConflictForm | None = None,
    change_form: EligibilityForm | None = None,
) -> HttpResponse:
    if expert is None:
        return render(request, "experts/my_profile.html", {"expert": None})
    changes = pool_selectors.changes_of(expert)
    pending: ExpertChange | None = next((c for c in changes if c.status == ChangeStatus.PENDING), None)
    context = {
        "expert": expert,
        "contact_form": contact_form or ContactForm(initial={"mobile": expert.mobile, "email": expert.email}),
        "conflict_form": conflict_form or ConflictForm(),
        "change_form": change_form or EligibilityForm(initial=_eligibility(expert)),
        "pending": pending,
        "pending_fields": pool_selectors.change_fields(pending) if pending else [],
        "changes": [(change, pool_selectors.changed_labels(change)) for change in changes],
    }
    return render(request, "experts/my_profile.html", context)


def _not_in_pool(request: AuthedRequest) -> HttpResponse:
    messages.error(request, _("您的账号尚未关联专家库中的专家信息。"))
    return redirect("experts:me")


@capability_required(Capability.EXPERT_RESPOND)
def my_profile(request: AuthedRequest) -> HttpResponse:
    return _my_page(request, selectors.expert_of(request.user))


@capability_required(Capability.EXPERT_RESPOND)
@require_POST
def my_contact(request: AuthedRequest) -> HttpResponse:
    expert = selectors.expert_of(request.user)
    if expert is None:
        return _not_in_pool(request)
    form = ContactForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.expert_contact_update(
            actor=request.user, expert=expert, mobile=data["mobile"], email=data["email"]
        ),
        success=_("联系方式已更新。"),
    ):
        return redirect("experts:me")
    return _my_page(request, expert, contact_form=form)


@capability_required(Capability.EXPERT_RESPOND)
@require_POST
def my_conflict(request: AuthedRequest) -> HttpResponse:
    expert = selectors.expert_of(request.user)
    if expert is None:
        return _not_in_pool(request)
    form = ConflictForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.expert_conflict_declare(actor=request.user, expert=expert, **data),
        success=_("回避关系已申报。"),
    ):
        return redirect("experts:me")
    return _my_page(request, expert, conflict_form=form)


@capability_required(Capability.EXPERT_RESPOND)
@require_POST
def my_change(request: AuthedRequest) -> HttpResponse:
    expert = selectors.expert_of(request.user)
    if expert is None:
        return _not_in_pool(request)
    form = EligibilityForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.expert_change_submit(actor=request.user, expert=expert, changes=_changed(expert, data)),
        success=_("变更申请已提交，审核通过后生效。"),
    ):
        return redirect("experts:me")
    return _my_page(request, expert, change_form=form)
