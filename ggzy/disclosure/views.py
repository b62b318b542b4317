"""Pages of the disclosure app."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required, public
from ggzy.accounts.policies import Capability, has
from ggzy.core.forms import apply_errors, form_submit

from . import search, selectors, services
from .choices import NoticeNature, NoticeStatus
from .forms import CorrectionForm, NoticeFilterForm, NoticeForm, WithdrawForm
from .models import Notice


@public
def notice_list(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    notices = selectors.notices_public(**_filters(filters))
    try:
        with search.time_limit():
            page = ListPage(notices, request.GET.get("page"))
    except ValidationError as error:
        form.add_error("q", error.message_dict["q"])
        page = ListPage([], None)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "q": filters.get("q", "")}
    return render(request, "disclosure/notice_list.html", context)


class ListPage:
    """One page of a list without counting the whole list (a COUNT over a million notices costs
    more than the page itself): it fetches one row more than it shows to know whether more follow."""

    size = 20

    def __init__(self, queryset: Any, number: str | None) -> None:
        try:
            self.number = max(1, min(int(number or 1), 10_000))
        except ValueError:
            self.number = 1
        offset = (self.number - 1) * self.size
        rows = list(queryset[offset : offset + self.size + 1])
        self.object_list = rows[: self.size]
        self.has_next = len(rows) > self.size
        self.has_previous = self.number > 1
        self.previous_page_number = self.number - 1
        self.next_page_number = self.number + 1

    def __iter__(self) -> Any:
        return iter(self.object_list)


def _filters(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {
        "trade_type": cleaned.get("trade_type", ""),
        "notice_type": cleaned.get("notice_type", ""),
        "query": cleaned.get("q", ""),
        "region_code": cleaned.get("region_code", ""),
        "status": cleaned.get("status", ""),
        "published_from": cleaned.get("published_from"),
        "published_to": cleaned.get("published_to"),
    }


class NoticeAtomFeed(Feed):
    """An Atom feed for any query of the notice list (the same filters as the page)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        form = NoticeFilterForm(request.GET or None)
        self._query = request.GET.urlencode()
        return form.cleaned_data if form.is_valid() else {}

    def title(self, obj: dict[str, Any]) -> str:
        return _("交易公告") + (" · " + obj["q"] if obj.get("q") else "")

    def link(self, obj: dict[str, Any]) -> str:
        return reverse("disclosure:list") + ("?" + self._query if self._query else "")

    def subtitle(self, obj: dict[str, Any]) -> str:
        return _("伊犁州公共资源交易平台")

    def items(self, obj: dict[str, Any]) -> list[Notice]:
        try:
            with search.time_limit():
                return list(selectors.notices_public(**_filters(obj))[:50])
        except ValidationError:
            return []

    def item_title(self, item: Notice) -> str:
        return item.title

    def item_description(self, item: Notice) -> str:
        return item.body[:500]

    def item_link(self, item: Notice) -> str:
        return reverse("disclosure:detail", args=[item.pk])

    def item_pubdate(self, item: Notice) -> Any:
        return item.published_at

    def item_updateddate(self, item: Notice) -> Any:
        return item.published_at


notice_atom = public(NoticeAtomFeed())


@public
def project_timeline(request: HttpRequest, deal_code: str) -> HttpResponse:
    notices = list(selectors.notices_of_project(deal_code))
    if not notices:
        raise Http404
    return render(
        request, "disclosure/timeline.html", {"notices": notices, "project": notices[0].project, "deal_code": deal_code}
    )


SITEMAP_PAGE = 50_000  # the sitemaps.org limit of URLs per file


@public
def sitemap_index(request: HttpRequest) -> HttpResponse:
    pages = max(1, -(-selectors.notices_public().count() // SITEMAP_PAGE))
    body = render_to_string(
        "disclosure/sitemap_index.xml",
        {"pages": [request.build_absolute_uri(reverse("disclosure:sitemap", args=[n])) for n in range(1, pages + 1)]},
    )
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


@public
def sitemap(request: HttpRequest, page: int) -> HttpResponse:
    if page < 1:
        raise Http404
    rows = (
        selectors.notices_public()
        .order_by("id")
        .values_list("id", "published_at")[(page - 1) * SITEMAP_PAGE : page * SITEMAP_PAGE]
    )
    base = request.build_absolute_uri("/")[:-1]
    urls = [(base + reverse("disclosure:detail", args=[pk]), at) for pk, at in rows]
    if not urls and page > 1:
        raise Http404
    body = render_to_string("disclosure/sitemap.xml", {"urls": urls})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


@public
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_public(pk)
    if notice is None:
        raise Http404
    context = {
        "notice": notice,
        "versions": selectors.notice_versions(notice),
        "latest": services.current_version(notice) if notice.status == NoticeStatus.SUPERSEDED else None,
        "withdrawal": notice.followers.filter(nature=NoticeNature.WITHDRAWAL).first(),
        "can_publish": has(request.user, Capability.NOTICE_PUBLISH),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "disclosure/notice_detail.html", context)


@capability_required(Capability.NOTICE_PUBLISH)
def notice_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_public(pk)
    if notice is None:
        raise Http404
    form = CorrectionForm(request.POST or None, initial={"title": "", "body": notice.body})
    if request.method == "POST":
        correction = form_submit(
            request,
            form,
            lambda data: services.notice_correct(
                actor=request.user, notice=notice, title=data["title"], body=data["body"]
            ),
            success=_("更正公告已发布，原公告标记为已更正。"),
        )
        if correction is not None:
            return redirect("disclosure:detail", pk=correction.pk)
    return render(request, "disclosure/notice_correct.html", {"notice": notice, "form": form})


@capability_required(Capability.NOTICE_PUBLISH)
@require_POST
def notice_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_public(pk)
    if notice is None:
        raise Http404
    withdrawal = form_submit(
        request,
        WithdrawForm(request.POST),
        lambda data: services.notice_withdraw(actor=request.user, notice=notice, reason=data["reason"]),
        success=_("撤回公告已发布。"),
        invalid=_("请填写撤回理由。"),
    )
    return redirect("disclosure:detail", pk=withdrawal.pk if withdrawal is not None else notice.pk)


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
