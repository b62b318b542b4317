"""The URLconf of the servers bench_portal.py starts: every URL of the platform, and the floor.

The floor is the least a notice list page can cost on this stack: the same middleware, the same
template `disclosure/notice_list.html` with the same context (filter form, ListPage of 20 notices
out of 21 fetched, query string, search term), rendered from a fixed list of notices held in memory.
It touches no database: the template engine below is the platform's without the context processor
that reads the witness log head, whose value the view supplies instead.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.backends.django import DjangoTemplates
from django.urls import path

from bench.portal_data import row
from config.urls import urlpatterns as platform_urlpatterns
from ggzy.accounts.decorators import public
from ggzy.disclosure.forms import NoticeFilterForm
from ggzy.disclosure.models import Notice
from ggzy.disclosure.views import ListPage
from ggzy.witness.selectors import Head

HEAD_PROCESSOR = "ggzy.portal.context_processors.portal"

_config = {key: value for key, value in settings.TEMPLATES[0].items() if key != "BACKEND"}
_options = dict(_config["OPTIONS"])
_options["context_processors"] = [p for p in _options["context_processors"] if p != HEAD_PROCESSOR]
_engine = DjangoTemplates({**_config, "NAME": "bench_floor", "OPTIONS": _options})
_template = _engine.get_template("disclosure/notice_list.html")


def _notices() -> list[Notice]:
    notices = []
    for n in range(ListPage.size + 1):
        r = row(n * 997, 1_000_000)
        notices.append(
            Notice(
                pk=1_000_000 - n,
                title=r.title,
                notice_type=r.notice_type,
                trade_type=r.trade_type,
                region_code=r.region_code,
                body=r.body,
                status="published",
                published_at=r.published_at,
            )
        )
    return notices


NOTICES = _notices()
HEAD = Head(seq=1_234_567, hash="5e" * 32)


@public
def floor(request: HttpRequest) -> HttpResponse:
    form = NoticeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = ListPage(NOTICES, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "q": filters.get("q", ""),
        "witness_head": HEAD,
    }
    return HttpResponse(_template.render(context, request))


urlpatterns = [path("bench/floor/", floor), *platform_urlpatterns]
