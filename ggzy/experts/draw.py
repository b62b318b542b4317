"""The verifiable expert draw (专家抽取), as pure functions anyone can re-run.

Nothing here touches the database, so `manage.py expert_draw_verify`, the public replay page and
a third party's own script compute the same thing from the published record.

1. Before the draw the platform picks a secret 32-byte seed and publishes only
   commitment = SHA-256("GGZY-DRAW/1 commitment" ‖ 0x00 ‖ seed) in the witness log.
2. In the drawing room the witness present types a free text (any digits they like). It is not
   known when the commitment is published, so the platform cannot search for a seed that favours
   anyone; the text is recorded in the witness log with the draw.
   effective = SHA-256("GGZY-DRAW/1 effective" ‖ 0x00 ‖ seed ‖ SHA-256(witness text))
3. For each line of the request (a specialty and a head-count), every eligible expert gets
   rank key = SHA-256("GGZY-DRAW/1 rank" ‖ 0x00 ‖ effective ‖ u64be(request id) ‖ u32be(line)
   ‖ expert number) and the line's ranking is the candidates sorted by (key, number). An expert's
   key does not depend on who else is a candidate, so adding or removing one candidate never
   reorders the others: the only lever on the outcome is the candidate list, which is recorded
   with the draw (its digest in the witness event) and explained rule by rule.
4. Selection walks the lines in order and takes, on each line, the best-ranked candidate not yet
   selected on any line. Top-ups after a decline or a timeout continue down the same ranking.

After the award (or the result notice) the seed is revealed; `replay()` recomputes every pick.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SEED_BYTES = 32
_COMMITMENT = b"GGZY-DRAW/1 commitment\x00"
_EFFECTIVE = b"GGZY-DRAW/1 effective\x00"
_RANK = b"GGZY-DRAW/1 rank\x00"
_CANDIDATES = b"GGZY-DRAW/1 candidates\x00"


def seed_commitment(seed: bytes) -> str:
    if len(seed) != SEED_BYTES:
        raise ValueError("the seed is 32 bytes")
    return hashlib.sha256(_COMMITMENT + seed).hexdigest()


def seed_matches(seed: bytes, commitment: str) -> bool:
    return len(seed) == SEED_BYTES and hmac.compare_digest(seed_commitment(seed), commitment)


def effective_seed(seed: bytes, witness_text: str) -> bytes:
    return hashlib.sha256(_EFFECTIVE + seed + hashlib.sha256(witness_text.encode()).digest()).digest()


def ranking(effective: bytes, *, request_id: int, line: int, candidates: Iterable[str]) -> list[str]:
    """The candidates of one line, best first: sorted by (rank key, number). The key is a fixed 32
    bytes, so sorting on key ‖ number orders exactly as the pair does."""
    prefix = _RANK + effective + request_id.to_bytes(8, "big") + line.to_bytes(4, "big")
    sha256 = hashlib.sha256

    def key(number: str) -> bytes:
        encoded = number.encode()
        return sha256(prefix + encoded).digest() + encoded

    return sorted(candidates, key=key)


def candidates_digest(lines: Sequence[Sequence[str]]) -> str:
    """One digest over the sorted candidate lists of every line, published at the draw."""
    digest = hashlib.sha256(_CANDIDATES)
    for position, numbers in enumerate(lines):
        digest.update(position.to_bytes(4, "big") + len(numbers).to_bytes(4, "big"))
        for number in sorted(numbers):
            encoded = number.encode()
            digest.update(len(encoded).to_bytes(2, "big") + encoded)
    return digest.hexdigest()


@dataclass(frozen=True)
class Pick:
    line: int
    number: str


class Walker:
    """Selection state: the rankings and who is already taken, across every line."""

    def __init__(self, rankings: Sequence[Sequence[str]]) -> None:
        self._rankings = [list(r) for r in rankings]
        self._cursor = [0] * len(rankings)
        self.taken: set[str] = set()

    def next(self, line: int) -> str | None:
        """The best-ranked candidate of `line` not taken yet, or None when the line is exhausted."""
        ranked = self._rankings[line]
        while self._cursor[line] < len(ranked):
            number = ranked[self._cursor[line]]
            self._cursor[line] += 1
            if number not in self.taken:
                self.taken.add(number)
                return number
        return None

    def remaining(self, line: int) -> int:
        return sum(1 for number in self._rankings[line][self._cursor[line] :] if number not in self.taken)


def replay(
    *,
    seed: bytes,
    commitment: str,
    witness_text: str,
    request_id: int,
    candidates: Sequence[Sequence[str]],
    picks: Sequence[Pick],
) -> list[str]:
    """Re-run a draw. Returns the list of discrepancies; empty means the record is confirmed."""
    problems: list[str] = []
    if not seed_matches(seed, commitment):
        return ["the revealed seed does not match the published commitment"]
    effective = effective_seed(seed, witness_text)
    walker = Walker([ranking(effective, request_id=request_id, line=n, candidates=c) for n, c in enumerate(candidates)])
    for position, pick in enumerate(picks, start=1):
        if not 0 <= pick.line < len(candidates):
            problems.append(f"pick {position}: line {pick.line} does not exist")
            continue
        expected = walker.next(pick.line)
        if expected != pick.number:
            problems.append(f"pick {position} on line {pick.line}: recorded {pick.number}, replay gives {expected}")
    return problems
