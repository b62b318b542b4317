from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ggzy.witness import selectors


class Command(BaseCommand):
    help = "Recompute the witness log's hash chain and name the first event that was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        result = selectors.chain_verify()
        if result.problem is not None:
            raise CommandError(
                _("见证日志校验失败：{message}（已校验 {checked} 个事件）").format(
                    message=result.problem.message, checked=result.checked
                )
            )
        self.stdout.write(
            _("见证日志完整：{count} 个事件，日志头 #{seq} {hash}").format(
                count=result.checked, seq=result.head.seq, hash=result.head.hash
            )
        )
