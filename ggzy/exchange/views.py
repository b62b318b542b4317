"""Pages of the exchange app: the staff list of what was pushed, each record's XML, a retry."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ggzy.accounts.decorators import AuthedRequest, capability_required

from . import backends, policies, selectors, services
from .forms import RecordFilterForm


@capability_required(policies.OPERATE)
def record_list(request: AuthedRequest) -> HttpResponse:
    form = RecordFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = selectors.records(dataset=filters.get("dataset", ""), status=filters.get("status", ""))
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "enabled": backends.backend_for().enabled,
    }
    return render(request, "exchange/record_list.html", context)


@capability_required(policies.OPERATE)
def record_xml(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(pk)
    if record is None:
        raise Http404
    response = HttpResponse(record.document.encode("utf-8"), content_type="application/xml; charset=utf-8")
    name = f"{record.dataset}-{record.key}-v{record.version}.xml".replace("/", "_")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@capability_required(policies.OPERATE)
@require_POST
def record_retry(request: AuthedRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(pk)
    if record is None:
        raise Http404
    try:
        services.exchange_retry(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新排队推送。"))
    return redirect("exchange:records")
