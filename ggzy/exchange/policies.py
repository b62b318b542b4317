"""Who may do what in the exchange app.

The exchange is one of the trading center's information services: its staff (the notice-publishing
capability) see what was sent to the provincial platform and push a failed record again.
Supervisors and market entities do not operate it; everything it sends is public anyway.
"""

from __future__ import annotations

from typing import Any

from ggzy.accounts.policies import Capability, has

OPERATE = Capability.NOTICE_PUBLISH


def can_operate(user: Any) -> bool:
    return has(user, OPERATE)
