"""Who may do what in the 交易目录 app.

Only the system administrator maintains the catalog (Capability.CATALOG_MANAGE). Reading it
is public: the catalog tells every market entity which projects must trade on the platform.
"""

from __future__ import annotations

from typing import Any

from ggzy.accounts.policies import Capability, has


def can_manage(user: Any) -> bool:
    return has(user, Capability.CATALOG_MANAGE)
