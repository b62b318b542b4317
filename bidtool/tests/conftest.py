"""Fixtures for the bid tool's tests: keys made once, a valid USCC, and a helper that seals files
given as bytes. Plain pytest: no database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

import bidtool
from bidtool.uscc import uscc_check_character

USCC = "91650100MA7788990" + uscc_check_character("91650100MA7788990")
LOT = "E6540000000000001001-01"
OPENING: dict[str, Any] = {
    "price_fen": 123456789,
    "duration_days": 365,
    "quality": "合格",
    "project_manager": {"name": "王建国", "certificate": "新165000001"},
}


@dataclass(frozen=True)
class Keys:
    sealing: ec.EllipticCurvePrivateKey
    signing: ec.EllipticCurvePrivateKey


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(bidtool.generate_sealing_key(), bidtool.generate_signing_key())


@pytest.fixture(scope="session")
def other_keys() -> Keys:
    return Keys(bidtool.generate_sealing_key(), bidtool.generate_signing_key())


SealBytes = Callable[..., bidtool.SealResult]


@pytest.fixture
def seal_bytes(tmp_path: Path, keys: Keys) -> SealBytes:
    """seal_bytes({"name": b"content"}, opening_data=..., out=..., sealing=..., signing=...)."""
    counter = iter(range(10**6))

    def make(
        files: Mapping[str, bytes],
        *,
        opening_data: Mapping[str, Any] = OPENING,
        out: Path | None = None,
        sealing: ec.EllipticCurvePublicKey | None = None,
        signing: ec.EllipticCurvePrivateKey | None = None,
        **extra: Any,
    ) -> bidtool.SealResult:
        number = next(counter)
        source = tmp_path / f"in-{number}"
        source.mkdir()
        paths = []
        for name, content in files.items():
            (source / name).write_bytes(content)
            paths.append(source / name)
        return bidtool.seal(
            out=out or tmp_path / f"bid-{number}.ggzybid",
            files=paths,
            opening_data=opening_data,
            lot_code=LOT,
            bidder_uscc=USCC,
            sealing_public_key=sealing or keys.sealing.public_key(),
            signing_private_key=signing or keys.signing,
            **extra,
        )

    return make
