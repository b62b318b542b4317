"""API shapes of the experts app. Draw shapes carry counts and states, never names."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class LineIn(Schema):
    specialty_code: str
    count: int
    reserves: int = 0


class DrawRequestIn(Schema):
    lot_code: str
    evaluation_starts_at: dt.datetime
    evaluation_ends_at: dt.datetime
    place: str
    region_scope: str
    lines: list[LineIn]


class LineOut(Schema):
    position: int
    specialty_code: str
    count: int
    reserves: int
    confirmed: int
    notified: int
    declined: int


class DrawOut(Schema):
    id: int
    lot_code: str
    status: str
    evaluation_starts_at: dt.datetime
    evaluation_ends_at: dt.datetime
    place: str
    region_scope: str
    seed_commitment: str
    witness_text: str
    candidates_digest: str
    filter_report: dict
    failure_reason: str
    lines: list[LineOut]


class WitnessIn(Schema):
    witness_text: str


class RespondIn(Schema):
    accept: bool
    reason: str = ""


class InvitationOut(Schema):
    id: int
    evaluation_starts_at: dt.datetime
    evaluation_ends_at: dt.datetime
    place: str
    state: str
    respond_by: dt.datetime | None


class PickOut(Schema):
    sequence: int
    line: int
    expert_number: str
    state: str
    is_top_up: bool


class ReplayOut(Schema):
    id: int
    seed: str
    seed_commitment: str
    witness_text: str
    candidates_digest: str
    candidates: list[list[str]]
    picks: list[PickOut]
    confirmed: bool
    problems: list[str]
