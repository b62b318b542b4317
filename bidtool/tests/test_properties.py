"""Properties: seal → unseal is the identity, and no single-byte change to an envelope goes
unnoticed (verify refuses every one; unseal refuses every one outside the signature fields)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bidtool
from bidtool.errors import BidError, BidFormatError
from bidtool.format import SEGMENT_SIZE, TRAILER_SIZE, file_name_validate

from .conftest import LOT, USCC

MiB = SEGMENT_SIZE


def _valid_name(name: str) -> bool:
    try:
        file_name_validate(name)
    except BidFormatError:
        return False
    return True


def _ascii_lower(name: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in name)


names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=24).filter(_valid_name)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
opening_data = st.builds(
    lambda free, price: {
        **{k: v for k, v in free.items() if k not in {"price_fen", "duration_days"}},
        "price_fen": price,
    },
    st.dictionaries(st.text(max_size=10), json_values, max_size=6),
    st.integers(0, 2**53 - 1),
)
contents = st.binary(max_size=3000) | st.builds(
    lambda seed, size: (seed * (size // len(seed) + 1))[:size],
    st.binary(min_size=1, max_size=64),
    st.sampled_from([MiB - 1, MiB, MiB + 1, 2 * MiB + 7]),
)
bids = st.lists(st.tuples(names, contents), max_size=4, unique_by=lambda item: _ascii_lower(item[0]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=bids, data=opening_data)
def test_seal_then_unseal_is_the_identity(files: list[tuple[str, bytes]], data: dict[str, Any], keys) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        paths = []
        for index, (name, content) in enumerate(files):
            path = root / f"in-{index}"
            path.write_bytes(content)
            paths.append((name, path))
        sealed = bidtool.seal(
            out=root / "bid.ggzybid",
            files=paths,
            opening_data=data,
            lot_code=LOT,
            bidder_uscc=USCC,
            sealing_public_key=keys.sealing.public_key(),
            signing_private_key=keys.signing,
        )
        opened = bidtool.unseal(sealed.path, sealing_private_key=keys.sealing, out_dir=root / "out")
        assert opened.commitment == sealed.commitment
        assert opened.opening_data == data
        assert [(path.name, path.read_bytes()) for path in opened.files] == files


@pytest.fixture(scope="module")
def envelopes(tmp_path_factory, keys):
    """A small envelope (every byte is tried) and a multi-segment one (random bytes are tried)."""
    root = tmp_path_factory.mktemp("property-envelopes")
    result = {}
    for label, files in {
        "small": [("报价.txt", b"x" * 300)],
        "large": [("a.pdf", b"\x01" * (MiB + 10)), ("b", b"")],
    }.items():
        paths = []
        for index, (name, content) in enumerate(files):
            path = root / f"{label}-{index}"
            path.write_bytes(content)
            paths.append((name, path))
        sealed = bidtool.seal(
            out=root / f"{label}.ggzybid",
            files=paths,
            opening_data={"price_fen": 100},
            lot_code=LOT,
            bidder_uscc=USCC,
            sealing_public_key=keys.sealing.public_key(),
            signing_private_key=keys.signing,
        )
        result[label] = sealed.path.read_bytes()
    return result


def _assert_detected(envelope: bytes, position: int, delta: int, keys) -> None:
    changed = bytearray(envelope)
    changed[position] ^= delta
    with pytest.raises(BidError):
        bidtool.verify(io.BytesIO(changed), signing_public_key=keys.signing.public_key(), workers=1)
    unseal_blind = len(envelope) - TRAILER_SIZE + 8 + 32  # ciphertext digest and signature: only verify reads them
    if position < unseal_blind:
        with pytest.raises(BidError):
            bidtool.unseal(io.BytesIO(changed), sealing_private_key=keys.sealing, workers=1)


def test_every_single_byte_change_of_a_small_envelope_is_detected(envelopes, keys) -> None:
    envelope = envelopes["small"]
    for position in range(len(envelope)):
        _assert_detected(envelope, position, 0x01, keys)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), delta=st.integers(1, 255))
def test_any_single_byte_change_is_detected(data, delta: int, envelopes, keys) -> None:
    envelope = envelopes["large"]
    position = data.draw(
        st.integers(0, len(envelope) - 1)
        | st.integers(len(envelope) - TRAILER_SIZE - 64, len(envelope) - 1)
        | st.integers(0, 1024),
        label="position",
    )
    _assert_detected(envelope, position, delta, keys)
