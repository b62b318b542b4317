"""Who may do what in the 规则与工作日 app.

Reading the rules and the calendar is public. The system administrator adds rule versions
(Capability.RULES_MANAGE); trading-center staff correct calendar days (Capability.CALENDAR_MANAGE).
"""

from __future__ import annotations

from typing import Any

from ggzy.accounts.policies import Capability, has


def can_manage_rules(user: Any) -> bool:
    return has(user, Capability.RULES_MANAGE)


def can_manage_calendar(user: Any) -> bool:
    return has(user, Capability.CALENDAR_MANAGE)
