"""Every way of tampering with a sealed bid is refused with an error that says what failed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import bidtool
from bidtool.envelope import _signature_p1363
from bidtool.errors import BidFormatError, BidIntegrityError, BidKeyError
from bidtool.format import (
    SEGMENT_SIZE,
    TAG_SIZE,
    TRAILER_SIZE,
    Header,
    layout,
    segment_nonce,
    signature_message,
)

from .conftest import OPENING

MiB = SEGMENT_SIZE


@pytest.fixture
def sealed(seal_bytes):
    """A bid of five segments: the head, then 1 MiB, 1 MiB, 1 MiB and 1000 bytes of one file."""
    return seal_bytes({"技术标.pdf": os.urandom(3 * MiB + 1000)})


def _segments(result: bidtool.SealResult) -> list[tuple[int, int]]:
    data = result.path.read_bytes()
    prefix = 12 + int.from_bytes(data[8:12], "big")
    return [
        (segment.offset, segment.offset + segment.length + TAG_SIZE)
        for segment in layout(prefix, result.header.head_length, [entry.size for entry in result.manifest.files])
    ]


def _write(tmp_path: Path, data: bytes | bytearray, name: str = "tampered.ggzybid") -> Path:
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


def _unseal(path: Path, keys, **kwargs):
    return bidtool.unseal(path, sealing_private_key=keys.sealing, **kwargs)


def _verify(path: Path, keys, **kwargs):
    return bidtool.verify(path, signing_public_key=keys.signing.public_key(), **kwargs)


def test_flipped_ciphertext_byte(sealed, keys, tmp_path: Path) -> None:
    start, _end = _segments(sealed)[2]
    data = bytearray(sealed.path.read_bytes())
    data[start + 12345] ^= 0x40
    path = _write(tmp_path, data)
    with pytest.raises(BidIntegrityError, match="第 3 段（共 5 段）认证失败"):
        _unseal(path, keys)
    with pytest.raises(BidIntegrityError, match="密文摘要不符"):
        _verify(path, keys)


def test_truncated_last_segment(sealed, keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    start, end = _segments(sealed)[-1]
    for cut in (data[: end - 100] + data[end:], data[:start] + data[end:], data[: len(data) - 1]):
        path = _write(tmp_path, cut)
        with pytest.raises(BidIntegrityError, match="文件被截断、拼接或增删了分段"):
            _unseal(path, keys)
        with pytest.raises(BidIntegrityError, match="文件被截断"):
            _verify(path, keys)


def test_removed_duplicated_and_reordered_segments(sealed, keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    seg = [data[a:b] for a, b in _segments(sealed)]
    head_end = _segments(sealed)[0][0]
    trailer = data[-TRAILER_SIZE:]
    variants = {
        "removed": [seg[0], seg[1], seg[3], seg[4]],
        "duplicated in place of another": [seg[0], seg[1], seg[1], seg[3], seg[4]],
        "duplicated and appended": [seg[0], seg[1], seg[2], seg[2], seg[3], seg[4]],
        "reordered": [seg[0], seg[2], seg[1], seg[3], seg[4]],
    }
    for name, segments in variants.items():
        path = _write(tmp_path, data[:head_end] + b"".join(segments) + trailer, f"{name}.ggzybid")
        with pytest.raises(BidIntegrityError) as refused:
            _unseal(path, keys)
        if name in {"duplicated in place of another", "reordered"}:
            assert "认证失败" in str(refused.value), name
        else:
            assert "增删了分段" in str(refused.value), name
        with pytest.raises(BidIntegrityError):
            _verify(path, keys)


def test_segment_spliced_from_another_bid_of_the_same_bidder(seal_bytes, keys, tmp_path: Path) -> None:
    content = os.urandom(2 * MiB)
    first, second = seal_bytes({"a.bin": content}), seal_bytes({"a.bin": content})
    a, b = first.path.read_bytes(), second.path.read_bytes()
    start, end = _segments(first)[1]
    path = _write(tmp_path, a[:start] + b[start:end] + a[end:])
    with pytest.raises(BidIntegrityError, match="第 2 段"):
        _unseal(path, keys)


def test_last_segment_flag_is_bound(sealed, keys) -> None:
    """A reader that did not know the length would still notice a stream cut at a segment boundary."""
    data = sealed.path.read_bytes()
    aead = AESGCM(bidtool.unwrap_content_key(sealed.path, keys.sealing))
    ad = hashlib.sha256(data[: _segments(sealed)[0][0]]).digest()
    segments = _segments(sealed)
    middle = data[segments[3][0] : segments[3][1]]
    last = data[segments[4][0] : segments[4][1]]
    aead.decrypt(segment_nonce(sealed.header.nonce_prefix, 3, False), middle, ad)
    aead.decrypt(segment_nonce(sealed.header.nonce_prefix, 4, True), last, ad)
    with pytest.raises(InvalidTag):
        aead.decrypt(segment_nonce(sealed.header.nonce_prefix, 3, True), middle, ad)
    with pytest.raises(InvalidTag):
        aead.decrypt(segment_nonce(sealed.header.nonce_prefix, 4, False), last, ad)


def _replace_header(data: bytes, old: bytes, new: bytes) -> bytes:
    length = int.from_bytes(data[8:12], "big")
    header = data[12 : 12 + length]
    assert header.count(old) == 1 and len(old) == len(new)
    return data[:12] + header.replace(old, new) + data[12 + length :]


def test_swapped_header_fields(sealed, keys, other_keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    header = sealed.header
    lot = header.lot_code.encode()
    cases = [
        ("lot code", lot, lot[:-1] + b"9", BidIntegrityError, "文件头或第 1 段认证失败"),
        # The nonce prefix is an input of the key commitment: the key no longer matches the header.
        ("nonce prefix", f'"{header.to_json()["nonce_prefix"]}"'.encode(), None, BidKeyError, "密钥承诺不符"),
        (
            "recipient",
            header.recipient_key_id.encode(),
            bidtool.key_id(other_keys.sealing).encode(),
            BidKeyError,
            "密封私钥与本投标文件不匹配",
        ),
        ("wrapped key", header.to_json()["wrapped_key"].encode(), None, BidKeyError, "无法解开内容密钥"),
    ]
    for name, old, new, error, message in cases:
        if new is None:  # change one character inside a base64url value, keeping it canonical
            inner = old.strip(b'"')
            replacement = inner[:2] + (b"A" if inner[2:3] != b"A" else b"B") + inner[3:]
            new = old.replace(inner, replacement)
        path = _write(tmp_path, _replace_header(data, old, new), f"{name}.ggzybid")
        with pytest.raises((error, BidFormatError)) as refused:
            _unseal(path, keys)
        assert isinstance(refused.value, error) and message in str(refused.value), (name, refused.value)
        with pytest.raises(BidIntegrityError, match="密文摘要不符"):
            _verify(path, keys)


def test_header_of_another_bid_is_refused(seal_bytes, keys, tmp_path: Path) -> None:
    content = os.urandom(5000)
    first, second = seal_bytes({"a.bin": content}), seal_bytes({"a.bin": content})
    a, b = first.path.read_bytes(), second.path.read_bytes()
    prefix = 12 + int.from_bytes(a[8:12], "big")
    assert prefix == 12 + int.from_bytes(b[8:12], "big")
    path = _write(tmp_path, b[:prefix] + a[prefix:])
    with pytest.raises(BidIntegrityError, match="第 1 段"):
        _unseal(path, keys)
    with pytest.raises(BidIntegrityError):
        _verify(path, keys)


def test_non_canonical_or_unknown_headers_are_format_errors(sealed, keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    length = int.from_bytes(data[8:12], "big")
    header = data[12 : 12 + length]
    spaced = header.replace(b'","', b'", "', 1)
    path = _write(tmp_path, data[:8] + len(spaced).to_bytes(4, "big") + spaced + data[12 + length :])
    with pytest.raises(BidFormatError, match="不是规范 JSON"):
        bidtool.inspect(path)
    for old, new, message in [
        (b'"version":1', b'"version":2', "不支持的格式版本"),
        (b'"suite":"P256-A256GCM-SHA256"', b'"suite":"SM2-SM4GCM-SM3"', "国密"),
    ]:
        changed = header.replace(old, new)
        path = _write(tmp_path, data[:8] + len(changed).to_bytes(4, "big") + changed + data[12 + length :])
        with pytest.raises(BidFormatError, match=message):
            _unseal(path, keys)
    with pytest.raises(BidFormatError, match="文件标识不符"):
        bidtool.inspect(_write(tmp_path, b"%PDF-1.7 not a bid at all"))
    with pytest.raises(BidFormatError, match="版本"):
        bidtool.inspect(_write(tmp_path, b"GGZYBID\x02" + data[8:]))


def test_wrong_sealing_key(sealed, other_keys) -> None:
    with pytest.raises(BidKeyError, match="密封私钥与本投标文件不匹配"):
        bidtool.unseal(sealed.path, sealing_private_key=other_keys.sealing)
    with pytest.raises(BidKeyError):
        bidtool.unseal(sealed.path, sealing_private_key=None)
    with pytest.raises(BidKeyError, match="不是本投标文件承诺的内容密钥"):
        bidtool.unseal(sealed.path, content_key=os.urandom(32))


def test_wrong_signing_key_and_bad_signature(sealed, keys, other_keys, tmp_path: Path) -> None:
    with pytest.raises(BidKeyError, match="签名公钥与投标文件不符"):
        bidtool.verify(sealed.path, signing_public_key=other_keys.signing.public_key())
    data = bytearray(sealed.path.read_bytes())
    data[-5] ^= 0x01
    with pytest.raises(BidIntegrityError, match="签名无效"):
        _verify(_write(tmp_path, data), keys)


def test_commitment_mismatch(sealed, keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    body, trailer = data[:-TRAILER_SIZE], data[-TRAILER_SIZE:]
    wrong = bytes(32 - 1) + b"\x01"
    # Changed by anyone but the bidder: the signature no longer matches.
    changed = _write(tmp_path, body + trailer[:8] + wrong + trailer[40:], "changed.ggzybid")
    with pytest.raises(BidIntegrityError, match="签名无效"):
        _verify(changed, keys)
    with pytest.raises(BidIntegrityError, match="明文承诺不符"):
        _unseal(changed, keys)
    # Signed by the bidder itself (committing to something it did not seal): verify cannot know,
    # unsealing finds out.
    digest = trailer[40:72]
    signature = _signature_p1363(keys.signing, signature_message(sealed.header, wrong, digest))
    dishonest = _write(tmp_path, body + trailer[:8] + wrong + digest + signature, "dishonest.ggzybid")
    _verify(dishonest, keys)
    with pytest.raises(BidIntegrityError, match="明文承诺不符"):
        _unseal(dishonest, keys, out_dir=tmp_path / "never")
    assert not (tmp_path / "never").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".never")]
    # And against the receipt.
    with pytest.raises(BidIntegrityError, match="回执中的承诺"):
        _unseal(sealed.path, keys, expected_commitment="ab" * 32)
    with pytest.raises(BidIntegrityError, match="回执中的承诺"):
        _verify(sealed.path, keys, expected_commitment="ab" * 32)


def test_backup_with_a_different_plaintext_is_refused(seal_bytes, keys, other_keys, tmp_path: Path) -> None:
    files = {"报价.txt": b"price list"}
    original = seal_bytes(files, package_copy=tmp_path / "original.pkg")
    other_price = dict(OPENING, price_fen=OPENING["price_fen"] - 1)
    backup = seal_bytes(
        files, opening_data=other_price, sealing=other_keys.sealing.public_key(), package_copy=tmp_path / "b.pkg"
    )
    with pytest.raises(BidIntegrityError, match=r"备份文件的明文摘要.*不能接受"):
        bidtool.verify_backup(
            backup.path, expected_commitment=original.commitment, sealing_private_key=other_keys.sealing
        )
    with pytest.raises(BidIntegrityError, match=r"备份文件的明文摘要.*不能接受"):
        bidtool.verify_backup(tmp_path / "b.pkg", expected_commitment=original.commitment)
    # The same files and price sealed again still differ: each package has its own random salt.
    again = seal_bytes(files)
    with pytest.raises(BidIntegrityError, match="备份文件"):
        bidtool.verify_backup(again.path, expected_commitment=original.commitment, sealing_private_key=keys.sealing)
    # A plaintext backup changed after the fact.
    package = bytearray((tmp_path / "original.pkg").read_bytes())
    package[-1] ^= 0x01
    with pytest.raises(BidIntegrityError, match="内容摘要与清单不符"):
        bidtool.verify_backup(_write(tmp_path, package, "changed.pkg"), expected_commitment=original.commitment)
    assert bidtool.verify_backup(tmp_path / "original.pkg", expected_commitment=original.commitment).commitment == (
        original.commitment
    )
    with pytest.raises(BidFormatError, match="既不是"):
        bidtool.verify_backup(_write(tmp_path, b"hello", "x.txt"), expected_commitment=original.commitment)


def test_header_type_is_exposed_for_the_platform(sealed) -> None:
    report = bidtool.inspect(sealed.path)
    assert isinstance(report.header, Header) and report.verified is False
    assert report.size == sealed.size and report.commitment == sealed.commitment
