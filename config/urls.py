from django.urls import include, path
from django.views.i18n import set_language

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("ggzy.accounts.urls")),
    path("catalog/", include("ggzy.catalog.urls")),
    path("projects/", include("ggzy.projects.urls")),
    path("rules/", include("ggzy.rules.urls")),
    path("witness/", include("ggzy.witness.urls")),
    path("supervision/", include("ggzy.supervision.urls")),
    path("tenders/", include("ggzy.tendering.urls")),
    path("auctions/", include("ggzy.auctions.urls")),
    path("experts/", include("ggzy.experts.urls")),
    path("evaluation/", include("ggzy.evaluation.urls")),
    path("notices/", include("ggzy.disclosure.urls")),
    path("open-data/", include("ggzy.opendata.urls")),
    path("exchange/", include("ggzy.exchange.urls")),
    path("", include("ggzy.portal.urls")),
]
