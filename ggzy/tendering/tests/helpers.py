"""Test helpers for tendering: a bidder with its own keys that seals bids with the bid tool."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

import bidtool
from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.testing.parties import make_user
from ggzy.tendering import bids
from ggzy.tendering.choices import KeyKind
from ggzy.tendering.models import Bid, TenderLot


@dataclass
class SealingBidder:
    user: User
    sealing: ec.EllipticCurvePrivateKey = field(default_factory=bidtool.generate_sealing_key)
    signing: ec.EllipticCurvePrivateKey = field(default_factory=bidtool.generate_signing_key)

    @classmethod
    def registered(cls, *, name: str = "") -> SealingBidder:
        bidder = cls(user=make_user(Role.BIDDER, username=name))
        bids.bidder_key_register(
            actor=bidder.user, kind=KeyKind.SEALING, public_key=bidtool.public_key_to_pem(bidder.sealing).decode()
        )
        bids.bidder_key_register(
            actor=bidder.user, kind=KeyKind.SIGNING, public_key=bidtool.public_key_to_pem(bidder.signing).decode()
        )
        return bidder

    @property
    def uscc(self) -> str:
        assert self.user.organization is not None
        return self.user.organization.uscc

    def seal(
        self,
        directory: Path,
        *,
        lot: TenderLot,
        opening_data: dict[str, Any],
        text: str = "技术标",
        lot_code: str | None = None,
        sealing_public_key: Any = None,
    ) -> bidtool.SealResult:
        directory.mkdir(parents=True, exist_ok=True)
        document = directory / "technical.txt"
        document.write_text(text, encoding="utf-8")
        return bidtool.seal(
            out=directory / "bid.gbid",
            files=[document],
            opening_data=opening_data,
            lot_code=lot_code or lot.lot.code,
            bidder_uscc=self.uscc,
            sealing_public_key=sealing_public_key or self.sealing.public_key(),
            signing_private_key=self.signing,
            overwrite=True,
        )

    def content_key(self, bid: Bid) -> str:
        """What the bidder releases at the opening: the bid's content key, unwrapped at home."""
        raw = bidtool.unwrap_content_key(bids.bid_path(bid), self.sealing)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def pay_security(tender_lot: TenderLot, bidder: SealingBidder, reference: str, amount_fen: int = 2_000_000) -> None:
    """The bank confirms a bid security paid from the bidder's own account (signed callback)."""
    from ggzy.tendering import deposits

    payment = {
        "event": "paid",
        "reference": reference,
        "lot_code": tender_lot.lot.code,
        "payer_uscc": bidder.uscc,
        "amount_fen": amount_fen,
        "method": "bank_transfer",
        "payer_account": f"6222{reference}",
    }
    body = json.dumps(payment).encode()
    deposits.bank_callback(body=body, signature=deposits.callback_signature(body))
