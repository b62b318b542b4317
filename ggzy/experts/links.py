"""Pages of later apps that an expert's invitation leads to (today: the evaluation workspace of a
committee the expert sits on). The experts app does not depend on those apps: they register a
provider here when they load (`evaluation/apps.py`), so the arrow stays evaluation → experts."""

from __future__ import annotations

from collections.abc import Callable

# Selection ids → the URL of the workspace each one leads to (ids without one are left out).
WorkspaceLinks = Callable[[list[int]], dict[int, str]]

_providers: list[WorkspaceLinks] = []


def register(provider: WorkspaceLinks) -> None:
    if provider not in _providers:
        _providers.append(provider)


def workspace_links(selection_ids: list[int]) -> dict[int, str]:
    links: dict[int, str] = {}
    for provider in _providers:
        links.update(provider(selection_ids))
    return links
