"""The demo bank for bidding deposits (竞买保证金): report a payment or a refund of an auction
registration with a correctly signed callback, as the bank would (`ggzy.auctions.deposits`).

    manage.py auction_bank_demo list
    manage.py auction_bank_demo paid --reference <payment reference>
    manage.py auction_bank_demo refunded --reference <payment reference>

`list` shows the deposits the bank may still report, with their payment references (the platform
shows a reference to its bidder alone, through the API). By default the demo bank pays the sale's
deposit from the bidder's own account, under the transaction id `DEMO-<event>-<reference>`, so a
repeated command is a repeated callback (harmless).
Refused in production: there the callback secret is the real bank's."""

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ggzy.auctions import deposits
from ggzy.core import clock
from ggzy.core.money import format_yuan
from ggzy.tendering.deposits import callback_signature


class Command(BaseCommand):
    help = (
        "Demo bank for auction deposits: list what it may report (list), or report a registration's "
        "deposit paid (paid) or refunded (refunded) through the signed bank callback."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("event", choices=["paid", "refunded", "list"])
        parser.add_argument("--reference", help="the registration's payment reference (缴款识别码)")
        parser.add_argument("--amount-fen", type=int, help="default: the sale's deposit")
        parser.add_argument("--payer-name", help="the paying account's name; default: the bidder's name")
        parser.add_argument("--transaction-id", help="the bank's transaction id; default: DEMO-<event>-<reference>")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("演示银行不能在生产环境中使用。"))
        event = options["event"]
        if event == "list":
            self._list()
            return
        if options["reference"] is None:
            raise CommandError(_("请用 --reference 指定竞买申请的缴款识别码（可用 list 查看）。"))
        reference = options["reference"].strip()
        registration = deposits.registration_by_reference(reference)
        if registration is None:
            raise CommandError(_("没有与该缴款识别码对应的竞买申请。"))
        amount = options["amount_fen"]
        if amount is None:
            amount = registration.sale.deposit_fen
        if amount is None and event == "paid":
            raise CommandError(_("本次竞价的公告未载明保证金金额，请用 --amount-fen 指定到账金额（分）。"))
        transaction_id = options["transaction_id"] or f"DEMO-{event}-{reference}"
        payload = {
            "event": event,
            "reference": reference,
            "transaction_id": transaction_id,
            "amount_fen": amount,
            "payer_name": options["payer_name"] or registration.organization.name,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            registration = deposits.bank_callback(body=body, signature=callback_signature(body))
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("；".join(messages)) from error
        if event == "refunded":
            assert registration.refunded_at is not None
            message = _("缴款识别码 {reference}：保证金已于 {at} 登记退还（银行流水号 {transaction}）。").format(
                reference=reference, at=_when(registration.refunded_at), transaction=registration.refund_reference
            )
        else:
            assert registration.deposit_confirmed_at is not None
            paid = (
                _(
                    "缴款识别码 {reference}：保证金已于 {at} 确认到账（银行流水号 {transaction}），"
                    "竞买人已取得竞买资格。"
                )
                if registration.qualified
                else _(
                    "缴款识别码 {reference}：保证金已于 {at} 确认到账（银行流水号 {transaction}），"
                    "竞买申请审核通过后即取得竞买资格。"
                )
            )
            message = paid.format(
                reference=reference,
                at=_when(registration.deposit_confirmed_at),
                transaction=registration.deposit_transaction,
            )
        self.stdout.write(message)

    def _list(self) -> None:
        unpaid, owed = deposits.registrations_awaiting_bank()
        for title, registrations in ((_("待交纳的竞买保证金："), unpaid), (_("待退还的竞买保证金："), owed)):
            self.stdout.write(str(title))
            for registration in registrations:
                sale = registration.sale
                deposit = (
                    _("{yuan}元").format(yuan=format_yuan(sale.deposit_fen))
                    if sale.deposit_fen is not None
                    else _("保证金未载明")
                )
                fields = [
                    registration.payment_reference,
                    registration.organization.name,
                    f"{sale.lot.project.name} {sale.lot.name}",
                    deposit,
                    registration.get_status_display(),
                ]
                self.stdout.write("  " + "  ".join(str(field) for field in fields))
            if not registrations:
                self.stdout.write("  " + _("无"))


def _when(value: dt.datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M:%S")
