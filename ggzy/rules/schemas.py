"""API schemas of the 规则与工作日 app. Rule values travel as decimal strings, never floats."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class RuleOut(Schema):
    id: int
    key: str
    name: str
    trade_type: str
    method: str
    value: str
    unit: str
    value_display: str
    source: str
    evidence: str
    evidence_mark: str
    note: str
    effective_from: dt.date
    effective_to: dt.date | None
    version: int


class DeadlineOut(Schema):
    start: dt.date
    amount: int
    unit: str
    last_day: dt.date
    deadline: dt.datetime
    earliest_day_after: dt.date


class CalendarDayOut(Schema):
    date: dt.date
    kind: str
    kind_label: str
    is_working_day: bool
    holiday_name: str
    source: str
