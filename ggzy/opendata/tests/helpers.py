# mypy: disable-error-code="union-attr,arg-type"
"""Test helpers: the offline OCDS validator and a full procedure driven through the real services.

The validator is the shared `validate_offline.py` (libcoveocds 0.17.0, no network), run in a
subprocess with this interpreter (the project's venv). Its folder — with the OCDS 1.1.5 schema zip
and the extensions beside it — comes from the environment variable OCDS_SCHEMA_DIR, by default
the `ocds` folder of the `shared` directory next to the repository root. A missing folder fails
the tests; only OCDS_SCHEMA_DIR set to the empty string skips them (a deliberate opt-out).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine

import bidtool
from ggzy.accounts.choices import OrganizationKind, Role, Sector
from ggzy.accounts.models import User
from ggzy.catalog import selectors as catalog_selectors
from ggzy.core import clock
from ggzy.core.choices import ProcurementMethod, TradeType
from ggzy.core.testing.parties import make_org, make_user
from ggzy.evaluation import outcome
from ggzy.evaluation import services as evaluation_services
from ggzy.experts import services as experts_services
from ggzy.experts.models import Expert
from ggzy.experts.tests.helpers import make_expert, pool_manager, request_draw, run_draw
from ggzy.jobs import services as jobs_services
from ggzy.opendata import ocds, selectors
from ggzy.projects import services as project_services
from ggzy.tendering import bids, clarifications, opening, reserve
from ggzy.tendering import services as tendering_services
from ggzy.tendering.choices import EvaluationMethod, KeyKind
from ggzy.tendering.models import Tender, TenderLot
from ggzy.tendering.tests.helpers import SealingBidder

REPO_ROOT = Path(__file__).resolve().parents[3]
BASE_URL = "http://testserver"

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=clock.BEIJING)
DEADLINE = dt.datetime(2026, 11, 26, 10, 0, tzinfo=clock.BEIJING)
POSTPONED = dt.datetime(2026, 11, 27, 10, 0, tzinfo=clock.BEIJING)  # by the clarification
EVALUATION = dt.datetime(2026, 11, 30, 9, 0, tzinfo=clock.BEIJING)

# Distinctive amounts, so a leak of any of them is found by a plain text search of the output.
PRICES = (98_765_432, 95_432_109, 123_456_789)  # lot 1, read out at the opening
LONE_PRICE = 87_654_321  # the only bid on lot 2, which fails and is never opened
RESERVE_PRICE = 77_777_777  # 标底 of lot 1
CEILING = 150_000_000


def schema_dir() -> Path | None:
    """The validator's folder; None only when OCDS_SCHEMA_DIR is set to "" on purpose."""
    value = os.environ.get("OCDS_SCHEMA_DIR")
    if value is None:
        return REPO_ROOT.parent / "shared" / "ocds"
    return Path(value) if value.strip() else None


# The record-package schema $refs the standard's versioned-release schema by its URL, which the
# shared validator does not serve: jsonref fetches it with plain `requests`, so offline every
# record package fails to load. This start-up hook of the validator's subprocess serves exactly
# that URL family from the same pinned standard zip; everything else stays as the script decides.
STANDARD_SHIM = """
import io, os, zipfile
import requests
from requests.adapters import BaseAdapter

PREFIX = "https://standard.open-contracting.org/schema/1__1__5/"
ARCHIVE = os.environ["GGZY_OCDS_STANDARD_ZIP"]


class StandardSchemaAdapter(BaseAdapter):
    def send(self, request, **kwargs):
        name = "standard-1__1__5/schema/" + request.url[len(PREFIX):]
        with zipfile.ZipFile(ARCHIVE) as archive:
            body = archive.read(name) if name in archive.namelist() else None
        response = requests.Response()
        response.url, response.request = request.url, request
        response.status_code, response.reason = (200, "OK") if body is not None else (404, "Not Found (offline)")
        response._content = body or b""
        return response

    def close(self):
        pass


_init = requests.Session.__init__


def _session_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.mount(PREFIX, StandardSchemaAdapter())


requests.Session.__init__ = _session_init
"""


def validate(package: dict[str, Any], directory: Path, name: str) -> dict[str, Any]:
    """Run the shared offline validator on the package; fail on any error or closed-codelist value."""
    folder = schema_dir()
    if folder is None:
        pytest.skip("OCDS_SCHEMA_DIR is set to empty: OCDS validation switched off on purpose")
    script = folder / "validate_offline.py"
    assert script.is_file(), (
        f"the OCDS validator is missing: {script} (set OCDS_SCHEMA_DIR to the folder with validate_offline.py, "
        "standard-1__1__5.zip and extensions/, or to an empty value to skip on purpose)"
    )
    path = directory / f"{name}.json"
    path.write_text(ocds.dumps(package), encoding="utf-8")
    standard = folder / "standard-1__1__5.zip"
    environment = dict(os.environ)
    if "records" in package:
        shim = directory / "ocds-standard-shim"
        shim.mkdir(exist_ok=True)
        (shim / "sitecustomize.py").write_text(STANDARD_SHIM, encoding="utf-8")
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim), environment.get("PYTHONPATH")]))
        environment["GGZY_OCDS_STANDARD_ZIP"] = str(standard)
    result = subprocess.run(
        [sys.executable, str(script), str(path), str(standard), str(folder / "extensions")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=environment,
        cwd=directory,  # libcoveocds writes extended_schema.json into the working directory
    )
    assert result.returncode == 0, f"{name}: OCDS validation failed\n{result.stdout}\n{result.stderr[-3000:]}"
    problems = json.loads(result.stdout)
    assert problems["validation_errors"] == [], name
    assert problems["additional_closed_codelist_values"] == {}, name
    assert problems["invalid_extension"] == {}, name
    return problems


def all_states() -> list[ocds.ProcessState]:
    return [selectors.process_state(key) for key in selectors.processes()]


def packages() -> tuple[dict[str, Any], dict[str, Any]]:
    """The release package and the record package of every process."""
    states = all_states()
    uri = BASE_URL + "/api/v1/ocds/"
    return (
        ocds.release_package(states, uri=uri + "releases", base_url=BASE_URL, fallback=clock.now()),
        ocds.record_package(states, uri=uri + "records", base_url=BASE_URL, fallback=clock.now()),
    )


@dataclass
class Procedure:
    """What a stage of the procedure knows, for the assertions."""

    stage: str = ""
    agent: User | None = None
    tender: Tender | None = None
    lot: TenderLot | None = None  # lot 1, which goes all the way to the contract
    failing: TenderLot | None = None  # lot 2, one bid only: fails at the deadline
    bidders: list[SealingBidder] = field(default_factory=list)
    experts: list[Expert] = field(default_factory=list)
    retender: Tender | None = None

    @property
    def first_ocid(self) -> str:
        assert self.tender is not None
        return selectors.ocid_for(deal_code=self.tender.project.deal_code, lot_number=1)

    def bidder_identities(self) -> list[str]:
        return [text for bidder in self.bidders for text in (bidder.user.organization.name, bidder.uscc)]

    def expert_names(self) -> list[str]:
        names = []
        for expert in self.experts:
            names.append(expert.name)
            if expert.user is not None:
                names += [expert.user.full_name, expert.user.username]
        return [name for name in names if name]


def _yuan(fen: int) -> str:
    return str(Decimal(fen).scaleb(-2))


def price_texts() -> list[str]:
    return [_yuan(price) for price in (*PRICES, LONE_PRICE)]


def reserve_texts() -> list[str]:
    return [_yuan(RESERVE_PRICE), f"{Decimal(RESERVE_PRICE).scaleb(-2):,.2f}"]


def _content_key(path: Path, sealer: SealingBidder) -> str:
    import base64

    return base64.urlsafe_b64encode(bidtool.unwrap_content_key(path, sealer.sealing)).decode().rstrip("=")


def procedure(tmp_path: Path) -> Iterator[Procedure]:
    """A two-lot construction tender from registration to the contract, yielding after each step.

    Lot 1: published, clarified (deadline postponed), reserve price sealed, three bids, opened,
    evaluated by five drawn experts, candidates published, awarded, contract registered.
    Lot 2: one bid only, fails at the deadline and is tendered again (a second round, a new ocid)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        state = Procedure()
        owner, agent = make_user(Role.OWNER), make_user(Role.AGENT)
        state.agent = agent
        supervisor = make_org(kind=OrganizationKind.SUPERVISORY_AUTHORITY, sector=Sector.HOUSING_CONSTRUCTION)
        project = project_services.project_register(
            actor=agent,
            name="开放数据测试道路工程",
            trade_type=TradeType.CONSTRUCTION,
            procurement_method=ProcurementMethod.OPEN_TENDER,
            catalog_category=catalog_selectors.category_get("A01"),
            owner=owner.organization,
            agent=agent.organization,
            supervisor=supervisor,
            region_code="654002",
            budget_fen=2_000_000_000,
            funding_source="财政资金",
            lots=[
                project_services.LotInput(name="一标段", budget_fen=1_000_000_000),
                project_services.LotInput(name="二标段", budget_fen=1_000_000_000),
            ],
        )
        first, second = project.lots.order_by("number")
        tender = tendering_services.tender_create(
            actor=agent,
            project=project,
            lots=[
                tendering_services.LotTerms(lot=first, ceiling_price_fen=CEILING),
                tendering_services.LotTerms(lot=second),
            ],
            title="开放数据测试道路工程施工招标公告",
            notice_body="招标公告正文",
            evaluation_method=EvaluationMethod.WEIGHTED_SCORING,
            bid_deadline=DEADLINE,
            bid_validity_days=90,
        )
        evaluation_services.terms_set(
            actor=agent,
            tender=tender,
            subject="works",
            price_weight_percent=Decimal(40),
            sme_deduction_percent=Decimal(0),
            criteria=[{"key": "plan", "label": "施工组织设计", "max_points": 60}],
        )
        tendering_services.tender_document_add(actor=agent, tender=tender, name="招标文件.pdf", content=b"%PDF-1.7")
        state.tender = tender
        state.lot = TenderLot.objects.get(tender=tender, lot=first)
        state.failing = TenderLot.objects.get(tender=tender, lot=second)
        state.stage = "registered"  # the tender is still a draft: only the planning stage is public
        yield state

        tendering_services.tender_publish(actor=agent, tender=tender)
        state.stage = "published"
        yield state

        traveller.shift(dt.timedelta(days=1))
        clarifications.clarification_issue(
            actor=agent, tender=tender, body="第一号澄清：工期要求不变。", new_deadline=POSTPONED
        )
        state.stage = "clarified"
        yield state

        # the reserve price (标底), sealed by the agent to its own keys, and the bids
        traveller.shift(dt.timedelta(days=2))
        sealer = SealingBidder(user=agent)
        for kind, key in ((KeyKind.SEALING, sealer.sealing), (KeyKind.SIGNING, sealer.signing)):
            bids.bidder_key_register(actor=agent, kind=kind, public_key=bidtool.public_key_to_pem(key).decode())
        reserve_envelope = sealer.seal(tmp_path / "reserve", lot=state.lot, opening_data={"price": RESERVE_PRICE})
        reserve.reserve_price_submit(actor=agent, tender_lot=state.lot, envelope=reserve_envelope.path)
        placed = []
        for n, price in enumerate(PRICES):
            bidder = SealingBidder.registered(name=f"ocds-{n}")
            sealed = bidder.seal(tmp_path / str(n), lot=state.lot, opening_data={"price": price})
            placed.append(bids.bid_submit(actor=bidder.user, tender_lot=state.lot, envelope=sealed.path))
            state.bidders.append(bidder)
        lone = SealingBidder.registered(name="ocds-lone")
        sealed = lone.seal(tmp_path / "lone", lot=state.failing, opening_data={"price": LONE_PRICE})
        bids.bid_submit(actor=lone.user, tender_lot=state.failing, envelope=sealed.path)
        state.bidders.append(lone)
        state.stage = "bids_submitted"
        yield state

        traveller.move_to(POSTPONED)
        jobs_services.run_due_jobs()  # submissions close: lot 1 decrypts, lot 2 fails
        state.stage = "closed"
        yield state

        for bidder, bid in zip(state.bidders[:3], placed, strict=True):
            opening.bid_unseal(actor=bidder.user, bid=bid, content_key=bidder.content_key(bid))
        state.stage = "decrypted"  # every bid decrypted, the reserve price still sealed: no record yet
        yield state

        reserve.reserve_price_unseal(
            actor=agent, tender_lot=state.lot, content_key=_content_key(reserve_envelope.path, sealer)
        )
        jobs_services.run_due_jobs()  # the file checks after the opening
        state.stage = "opened"
        yield state

        traveller.shift(dt.timedelta(hours=1))
        manager = pool_manager()
        state.experts = [make_expert(manager) for _ in range(5)]
        draw = request_draw(agent, first, starts=EVALUATION, lines=[experts_services.LineInput("A01", 5)])
        run_draw(draw, operator=make_user(Role.CENTER_STAFF), witness=make_user(Role.CENTER_STAFF))
        for selection in draw.selections.all():
            experts_services.selection_respond(actor=selection.expert.user, selection=selection, accept=True)
        committee = evaluation_services.committee_form(actor=agent, tender_lot=state.lot, representatives=[])
        state.stage = "committee_formed"
        yield state

        traveller.move_to(EVALUATION)
        members = [expert.user for expert in state.experts]
        for user in members:
            evaluation_services.member_check_in(actor=user, committee=committee)
        for user in members:
            for bid, points in zip(placed, (Decimal(50), Decimal(40), Decimal(30)), strict=True):
                evaluation_services.review_record(actor=user, committee=committee, bid=bid, compliant=True)
                evaluation_services.score_record(actor=user, committee=committee, bid=bid, points={"plan": points})
        report = evaluation_services.report_draft(actor=members[0], committee=committee)
        for user in members:
            evaluation_services.report_sign(actor=user, report=report, agree=True)
        state.stage = "report_signed"
        yield state

        started = outcome.publicity_start(actor=agent, tender_lot=state.lot)
        state.stage = "publicity"
        yield state

        state.retender = tendering_services.tender_retender(
            actor=agent, tender=tender, bid_deadline=clock.now() + dt.timedelta(days=25)
        )
        tendering_services.tender_document_add(
            actor=agent, tender=state.retender, name="招标文件（第二次）.pdf", content=b"%PDF-1.7 2"
        )
        tendering_services.tender_publish(actor=agent, tender=state.retender)
        state.stage = "retendered"
        yield state

        traveller.move_to(started.publicity_ends_at)
        outcome.award_decide(actor=agent, tender_lot=state.lot)
        state.stage = "awarded"
        yield state

        traveller.shift(dt.timedelta(days=2))
        outcome.contract_register(
            actor=agent, tender_lot=state.lot, signed_on=clock.local(clock.now()).date(), amount_fen=PRICES[0]
        )
        state.stage = "contract"
        yield state
