"""The demo bank adapter: report a bid security payment or refund with a correctly signed callback."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ggzy.tendering import deposits


class Command(BaseCommand):
    help = "Demo bank: confirm a bid security payment (paid) or a refund (refunded) through the signed callback."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("event", choices=["paid", "refunded"])
        parser.add_argument("--reference", required=True)
        parser.add_argument("--lot-code")
        parser.add_argument("--payer-uscc")
        # A refund of money reports what was paid back: the principal plus any interest or fee owed.
        parser.add_argument("--amount-fen", type=int)
        parser.add_argument("--method", default="bank_transfer")
        parser.add_argument("--payer-account", default="")
        parser.add_argument("--refund-reference", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        payload = {
            "event": options["event"],
            "reference": options["reference"],
            "lot_code": options["lot_code"],
            "payer_uscc": options["payer_uscc"],
            "amount_fen": options["amount_fen"],
            "method": options["method"],
            "payer_account": options["payer_account"],
            "refund_reference": options["refund_reference"],
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            security = deposits.bank_callback(body=body, signature=deposits.callback_signature(body))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{security.reference}: {security.status}")
