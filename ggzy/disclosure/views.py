"""Pages of the disclosure app."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ggzy.accounts.decorators import AuthedRequest, capability_required, public
from ggzy.accounts.policies import Capability
from ggzy.core.forms import apply_errors

from . import selectors, services
from .forms import NoticeFilterForm, NoticeForm


@public
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    notices = selectors.notices_public(
        trade_type=filters.get("trade_type", ""),
        notice_type=filters.get("notice_type", ""),
        query=filters.get("q", ""),
    )
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "disclosure/notice_list.html", context)


@public
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_public(pk)
    if notice is None:
        raise Http404
    return render(request, "disclosure/notice_detail.html", {"notice": notice})


@capability_required(Capability.NOTICE_PUBLISH)
def notice_create(request: AuthedRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.notice_publish(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("公告已发布。"))
            return redirect("disclosure:detail", pk=notice.pk)
    return render(request, "disclosure/notice_form.html", {"form": form})
