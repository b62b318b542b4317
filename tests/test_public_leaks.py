"""Nothing secret reaches the public, at any stage of a procedure (issue 6, item 6).

An anonymous visitor walks every public page and every API operation it can call, after each step
of a two-lot construction tender from registration to the contract (the open-data procedure), and
the test proves that what it reads never holds:

- a bidder's identity or a bid price before the opening record is published;
- the reserve price (标底) before it is read out with the bids;
- the lone bid of a failed lot, which was never read out;
- an expert's name before the award;
- who downloaded the tender documents;
- anyone's telephone number, e-mail address or identity-card number.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.testing.parties import make_user
from ggzy.disclosure.models import Notice
from ggzy.experts.models import DrawRequest, Expert
from ggzy.opendata import selectors as opendata_selectors
from ggzy.opendata.tests.helpers import PRICES, RESERVE_PRICE, procedure
from ggzy.tendering import services as tendering_services
from ggzy.tendering.models import Tender, TenderDocument

pytestmark = pytest.mark.django_db

BEFORE_THE_RECORD = {"registered", "published", "clarified", "bids_submitted", "closed", "decrypted"}
BEFORE_THE_AWARD = BEFORE_THE_RECORD | {"opened", "committee_formed", "report_signed", "publicity", "retendered"}


def _public_patterns() -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                walk(item, item.namespace or namespace)
            elif getattr(item.callback, "ggzy_access", None) == "public" and item.name:
                found.append((f"{namespace}:{item.name}" if namespace else item.name, item))

    walk(get_resolver(), None)
    return found


def _values() -> dict[str, list[Any]]:
    """Every value a URL parameter of a public page can take in the current database."""
    tenders = list(Tender.objects.select_related("project"))
    return {
        "code": [t.code for t in tenders],
        "lot_code": sorted({lot.lot.code for t in tenders for lot in t.tender_lots.select_related("lot")}),
        "deal_code": sorted({t.project.deal_code for t in tenders}),
        "document_id": list(TenderDocument.objects.values_list("pk", flat=True)),
        "notice_id": list(Notice.objects.values_list("pk", flat=True)),
        "ocid": [
            opendata_selectors.ocid_for(deal_code=code, lot_number=n)
            for code in {t.project.deal_code for t in tenders}
            for n in (1, 2)
        ],
        "draw_id": list(DrawRequest.objects.values_list("pk", flat=True)),
        "year": [2026],
        "page": [1],
    }


_PK = {"disclosure:detail": "notice_id", "experts:replay_detail": "draw_id"}


def _page_urls(values: dict[str, list[Any]]) -> list[str]:
    urls = []
    for name, pattern in _public_patterns():
        params = list(pattern.pattern.converters)
        if not params:
            urls.append(reverse(name))
            continue
        combos: list[dict[str, Any]] = [{}]
        for param in params:
            options = values.get(_PK.get(name, param) if param == "pk" else param, [])
            combos = [{**combo, param: option} for combo in combos for option in options]
        urls += [reverse(name, kwargs=combo) for combo in combos]
    return urls


def _api_urls(client: Client, values: dict[str, list[Any]]) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    urls = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        params = re.findall(r"{(\w+)}", path)
        combos: list[str] = [path]
        for param in params:
            options = values.get({"pk": "draw_id"}.get(param, param), [])
            combos = [c.replace("{" + param + "}", str(o)) for c in combos for o in options]
        urls += combos
    return urls


def _read_everything(client: Client) -> str:
    values = _values()
    texts = []
    for url in _page_urls(values) + _api_urls(client, values):
        response = client.get(url)
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        texts.append(body.decode("utf-8", errors="replace"))
    return "\n".join(texts)


def _money(fen: int) -> list[str]:
    yuan = Decimal(fen).scaleb(-2)
    return [f"{yuan:,.2f}", str(yuan), str(fen)]


def _contacts() -> list[str]:
    texts: list[str] = []
    for user in User.objects.all():
        texts += [user.phone, user.email]
    for expert in Expert.objects.all():
        texts += [expert.mobile, expert.email, expert.id_card_number]
    return [text for text in texts if text and len(text) > 4]


def test_an_anonymous_visitor_never_reads_a_secret_at_any_stage(tmp_path):
    client = Client()
    downloader = None
    stages = []
    for stage in procedure(tmp_path):
        if stage.stage == "published":
            # documents fetched by a prospective bidder: who did is confidential (招标投标法 art. 22)
            downloader = make_user(Role.BIDDER)
            assert stage.tender is not None
            tendering_services.document_download_record(user=downloader, document=stage.tender.documents.get())
        text = _read_everything(client)
        stages.append(stage.stage)
        identities = stage.bidder_identities()
        lot_bidders, lone_bidder = identities[:6], identities[6:]
        if stage.stage in BEFORE_THE_RECORD:
            assert not [item for item in lot_bidders if item in text], stage.stage
            assert not [m for price in PRICES for m in _money(price)[:2] if m in text], stage.stage
            assert not [m for m in _money(RESERVE_PRICE)[:2] if m in text], stage.stage
        else:
            assert all(item in text for item in lot_bidders), stage.stage  # the walk does reach them
            assert _money(PRICES[0])[0] in text, stage.stage
        assert not [item for item in lone_bidder if item in text], stage.stage
        # test experts are called 专家1, 专家2 …: "专家12个月内" on the rules page is not 专家1
        named = [name for name in stage.expert_names() if re.search(re.escape(name) + r"(?!\d)", text)]
        if stage.stage in BEFORE_THE_AWARD:
            assert not named, stage.stage
        else:  # the member list is secret until the award (招标投标法 art. 37); the replay then names them
            assert named, stage.stage
        assert not [contact for contact in _contacts() if contact in text], stage.stage
        if downloader is not None:
            assert downloader.organization.name not in text and downloader.organization.uscc not in text
    assert stages[-1] == "contract" and "opened" in stages  # the walk covered the whole procedure
