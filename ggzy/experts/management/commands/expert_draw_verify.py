"""Replay revealed expert draws and check them against the witness log.

    manage.py expert_draw_verify            # every revealed draw
    manage.py expert_draw_verify 12 15      # the draws with these ids

For each draw: the revealed seed matches the commitment published in the witness log when the
draw was requested; the candidate lists match the digest published at the draw; replaying the
ranking with the witness's number gives every recorded pick, in order. Exits non-zero on any
discrepancy.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.experts import selectors
from ggzy.experts.models import DrawRequest
from ggzy.witness import selectors as witness_selectors


class Command(BaseCommand):
    help = "Replay revealed expert draws (专家抽取) and check them against the witness log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int)

    def handle(self, *args: Any, ids: list[int], **options: Any) -> None:
        requests = selectors.replays_public()
        if ids:
            requests = requests.filter(pk__in=ids)
            missing = set(ids) - set(requests.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"not revealed or not found: {sorted(missing)}")
        chain = witness_selectors.chain_verify()
        if not chain.ok:
            assert chain.problem is not None
            raise CommandError(f"the witness log is not intact: {chain.problem.message}")
        failures = 0
        for request in requests:
            problems = selectors.replay_of(request).problems + _against_witness_log(request)
            if problems:
                failures += 1
                self.stdout.write(self.style.ERROR(f"draw {request.pk}: FAILED"))
                for problem in problems:
                    self.stdout.write(f"  - {problem}")
            else:
                picks = request.selections.count()
                self.stdout.write(self.style.SUCCESS(f"draw {request.pk}: confirmed ({picks} picks, same order)"))
        if failures:
            raise CommandError(f"{failures} draw(s) failed verification")


def _against_witness_log(request: DrawRequest) -> list[str]:
    events = witness_selectors.events_for_object(object_type="experts.drawrequest", object_id=str(request.pk))
    published = {event.action: event.after for event in events}
    problems = []
    requested = published.get("expert_draw.request") or {}
    if requested.get("seed_commitment") != request.seed_commitment:
        problems.append("the seed commitment differs from the one published when the draw was requested")
    drawn = published.get("expert_draw.run") or {}
    if drawn.get("candidates_digest") != request.candidates_digest:
        problems.append("the candidate digest differs from the one published at the draw")
    if drawn.get("witness_text") != request.witness_text:
        problems.append("the witness's number differs from the one published at the draw")
    return problems
