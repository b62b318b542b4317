"""Nothing secret leaves through the national data exchange, at any stage of a construction lot:

- before the opening record is published: no bidder (name or USCC), no bid price, no project
  manager and no reserve price (标底), though three bids and the sealed reserve price are held;
- never: the document downloader, an expert's name, ID number or mobile, an account's name, or
  a project manager's ID number (which this tender even reads out at its own opening).
"""

from __future__ import annotations

import pytest
import time_machine

from ggzy.exchange import backends, envelope, services
from ggzy.exchange.choices import DataSet
from ggzy.exchange.models import ExchangeRecord
from ggzy.jobs import services as jobs_services

from .helpers import NOW, PM_ID, Procedure

pytestmark = pytest.mark.django_db


def _exported() -> list[str]:
    """Every document stored or sent so far, each checked to parse back."""
    documents = [row.document for row in ExchangeRecord.objects.all()] + [d.document for d in backends.outbox]
    for document in documents:
        envelope.parse(document)
    return documents


def _leaks(secrets: list[str]) -> list[str]:
    return sorted({secret for document in _exported() for secret in secrets if secret and secret in document})


def test_no_secret_is_exported_at_any_stage(tmp_path):
    with time_machine.travel(NOW, tick=False) as traveller:
        procedure = Procedure(traveller, tmp_path)
        datasets_seen: dict[str, set[str]] = {}
        for stage in ("publish", "close", "open", "evaluate", "report", "publicise", "award"):
            getattr(procedure, stage)()
            services.exchange_collect()
            jobs_services.run_due_jobs()
            datasets_seen[stage] = set(ExchangeRecord.objects.values_list("dataset", flat=True))
            assert _leaks(procedure.secrets_always()) == [], stage
            if stage in ("publish", "close"):
                assert _leaks(procedure.secrets_before_opening()) == [], stage

    # what became public at each stage, and only then
    assert datasets_seen["publish"] == {DataSet.PROJECT, DataSet.TENDER_PROJECT, DataSet.SECTION, DataSet.NOTICE}
    assert datasets_seen["close"] == datasets_seen["publish"]
    assert datasets_seen["open"] == datasets_seen["publish"] | {DataSet.OPENING_RECORD}
    assert datasets_seen["report"] == datasets_seen["open"]  # the report itself is not published
    assert datasets_seen["publicise"] == datasets_seen["open"] | {DataSet.WIN_CANDIDATE}
    assert datasets_seen["award"] == datasets_seen["publicise"] | {DataSet.RESULT_NOTICE}

    # after the opening the bidders are public, with their manager's name but not the ID number
    opening = ExchangeRecord.objects.get(dataset=DataSet.OPENING_RECORD).document
    assert all(bidder.user.organization.name in opening for bidder in procedure.bidders)
    assert "王建国" in opening and "7,777,777.00" in opening and PM_ID not in opening
    assert "项目负责人身份证号" not in opening  # the item itself is left out
    assert {r.status for r in ExchangeRecord.objects.all()} == {"sent"}
