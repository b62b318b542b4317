"""API schemas of the open-data app. The OCDS packages themselves are plain JSON built by ocds.py
(their schema is OCDS 1.1's, validated by libcoveocds in the tests)."""

from __future__ import annotations

from ninja import Schema

from .selectors import ProcessKey


class ProcessOut(Schema):
    ocid: str
    deal_code: str
    lot_code: str
    tender_code: str | None
    previous_ocid: str | None


def process_out(key: ProcessKey) -> ProcessOut:
    return ProcessOut(
        ocid=key.ocid,
        deal_code=key.deal_code,
        lot_code=key.lot_code,
        tender_code=key.tender_code,
        previous_ocid=key.previous_ocid,
    )
