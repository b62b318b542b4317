"""The one NinjaAPI of the platform: each app contributes a Router from its api.py."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from ggzy.accounts.api import router as accounts_router
from ggzy.auctions.api import router as auctions_router
from ggzy.catalog.api import router as catalog_router
from ggzy.core.api_errors import install_error_handlers
from ggzy.disclosure.api import feed_router
from ggzy.disclosure.api import router as disclosure_router
from ggzy.exchange.api import router as exchange_router
from ggzy.experts.api import router as experts_router
from ggzy.opendata.api import router as opendata_router
from ggzy.projects.api import router as projects_router
from ggzy.rules.api import router as rules_router
from ggzy.supervision.api import router as supervision_router
from ggzy.tendering.api import router as tendering_router
from ggzy.witness.api import router as witness_router

api = NinjaAPI(
    title="GGZY 公共资源交易平台 API",
    version="1",
    description=str(_("伊犁州公共资源交易平台电子服务系统的开放接口。")),
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/accounts", accounts_router)
api.add_router("/catalog", catalog_router)
api.add_router("/projects", projects_router)
api.add_router("/rules", rules_router)
api.add_router("/witness", witness_router)
api.add_router("/supervision", supervision_router)
api.add_router("/tenders", tendering_router)
api.add_router("/auctions", auctions_router)
api.add_router("/experts", experts_router)
api.add_router("/notices", disclosure_router)
api.add_router("/feed", feed_router)
api.add_router("/ocds", opendata_router)
api.add_router("/exchange", exchange_router)
