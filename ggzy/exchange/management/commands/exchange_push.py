from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from ggzy.exchange import services
from ggzy.exchange.choices import DataSet


class Command(BaseCommand):
    help = (
        "Collect the national data-set records (GCJS_*) that are new or changed since the last run and "
        "queue their push to the provincial platform; the worker sends them (run_worker). "
        "The worker also runs this every EXCHANGE_COLLECT_SECONDS."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.exchange_collect(dry_run=options["dry_run"])
        for dataset in DataSet:
            self.stdout.write(
                _("{dataset}：新增 {new}，更正 {corrected}，未变 {unchanged}，补推 {requeued}").format(
                    dataset=dataset.value,
                    new=result.new[dataset.value],
                    corrected=result.corrected[dataset.value],
                    unchanged=result.unchanged[dataset.value],
                    requeued=result.requeued[dataset.value],
                )
            )
        if options["dry_run"]:
            self.stdout.write(_("试运行：未写入任何记录。"))
