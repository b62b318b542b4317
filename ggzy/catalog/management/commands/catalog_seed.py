from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ggzy.catalog import services


class Command(BaseCommand):
    help = "Create the trading catalog categories of ggzy/catalog/seed/catalog.json that do not exist yet."

    def handle(self, *args: Any, **options: Any) -> None:
        created = services.catalog_seed()
        self.stdout.write(
            _("交易目录初始化完成：新建 {count} 个类别，已存在的编码均已跳过。").format(count=len(created))
        )
