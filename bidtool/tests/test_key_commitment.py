"""The key commitment in the header, and the opening path that relies on it instead of re-hashing
the files (docs/sealed-bid-format.md §7.2, §10, §13.1)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import bidtool
from bidtool import envelope as envelope_module
from bidtool.canonical import b64url_encode
from bidtool.envelope import _signature_p1363
from bidtool.errors import BidIntegrityError, BidKeyError
from bidtool.format import LABEL_FILE, SEGMENT_SIZE, TAG_SIZE, TRAILER_SIZE, key_commitment_of, signature_message

MiB = SEGMENT_SIZE
CONTENT = os.urandom(3 * MiB + 1000)


@pytest.fixture
def sealed(seal_bytes):
    """Five segments: the head, then 1 MiB, 1 MiB, 1 MiB and 1000 bytes of one file."""
    return seal_bytes({"技术标.pdf": CONTENT})


@pytest.fixture
def false_digest(seal_bytes, monkeypatch, tmp_path: Path):
    """A bid whose bidder signed a false file digest: the manifest says one thing, the ciphertext
    holds another. Only the bidder can make such a bid; GCM and the head commitment accept it."""
    real = envelope_module.hash_list_root

    def lying(label: bytes, length: int, leaves: Iterable[bytes]) -> bytes:
        digest = real(label, length, leaves)
        return bytes(32 - 1) + b"\x07" if label == LABEL_FILE else digest

    with monkeypatch.context() as patch:
        patch.setattr(envelope_module, "hash_list_root", lying)
        result = seal_bytes({"技术标.pdf": CONTENT}, package_copy=tmp_path / "false.pkg")
    assert result.manifest.files[0].digest == "00" * 31 + "07"
    return result


def _header_replaced(data: bytes, old: bytes, new: bytes) -> bytes:
    length = int.from_bytes(data[8:12], "big")
    header = data[12 : 12 + length]
    assert header.count(old) == 1 and len(old) == len(new)
    return data[:12] + header.replace(old, new) + data[12 + length :]


class _Hashed:
    """Counts the bytes given to hashlib.sha256 while it is installed (from every thread)."""

    def __init__(self) -> None:
        self.total = 0
        self._lock = threading.Lock()
        self._real = hashlib.sha256

    def _count(self, data: Any) -> None:
        with self._lock:
            self.total += memoryview(data).nbytes

    def __call__(self, data: Any = b"", **kwargs: Any) -> Any:
        counter = self
        inner = self._real(**kwargs)

        class Counted:
            def update(self, more: Any) -> None:
                counter._count(more)
                inner.update(more)

            def digest(self) -> bytes:
                return inner.digest()

            def hexdigest(self) -> str:
                return inner.hexdigest()

        counted = Counted()
        counted.update(data)
        return counted


def test_the_header_commits_to_the_content_key(sealed, keys) -> None:
    key = bidtool.unwrap_content_key(sealed.path, keys.sealing)
    header = bidtool.inspect(sealed.path).header
    assert header.key_commitment == key_commitment_of(header.nonce_prefix, key)
    assert header.to_json()["key_commitment"] == b64url_encode(header.key_commitment)
    expected = hashlib.sha256(b"GGZY-BID/1 key\x00" + header.nonce_prefix + key).digest()
    assert header.key_commitment == expected


def test_a_wrong_content_key_fails_before_any_segment_is_decrypted(sealed, keys, monkeypatch, tmp_path: Path) -> None:
    decrypted: list[int] = []
    real = envelope_module._decrypt_into

    def spy(*args: Any) -> Any:
        decrypted.append(1)
        return real(*args)

    monkeypatch.setattr(envelope_module, "_decrypt_into", spy)
    wrong = os.urandom(32)
    for check in (True, False):
        with pytest.raises(BidKeyError, match="不是本投标文件承诺的内容密钥") as refused:
            bidtool.unseal(sealed.path, content_key=wrong, out_dir=tmp_path / "never", check_file_digests=check)
        assert "认证失败" not in str(refused.value)
    with pytest.raises(BidKeyError, match="不是本投标文件承诺的内容密钥"):
        bidtool.verify_backup(sealed.path, expected_commitment=sealed.commitment, content_key=wrong)
    assert decrypted == []
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["in-0", sealed.path.name])  # nothing written
    # The spy does see the segments of a bid opened with its own key.
    bidtool.unseal(sealed.path, content_key=bidtool.unwrap_content_key(sealed.path, keys.sealing))
    assert len(decrypted) == 5


def test_a_changed_key_commitment_is_refused(sealed, keys, tmp_path: Path) -> None:
    data = sealed.path.read_bytes()
    old = sealed.header.to_json()["key_commitment"].encode()
    new = b64url_encode(os.urandom(32)).encode()
    path = tmp_path / "changed.ggzybid"
    path.write_bytes(_header_replaced(data, old, new))
    # Anyone but the bidder: the ciphertext digest and the signature no longer match the receipt.
    with pytest.raises(BidIntegrityError, match="密文摘要不符"):
        bidtool.verify(path, signing_public_key=keys.signing.public_key())
    key = bidtool.unwrap_content_key(sealed.path, keys.sealing)
    with pytest.raises(BidKeyError, match="密钥承诺不符"):
        bidtool.unseal(path, sealing_private_key=keys.sealing)
    with pytest.raises(BidKeyError, match="不是本投标文件承诺的内容密钥"):
        bidtool.unseal(path, content_key=key)
    # And the header is the AD of every segment: even a reader that skipped the commitment check
    # could not decrypt segment 0 of the changed envelope with the right key.
    changed = path.read_bytes()
    prefix_length = 12 + int.from_bytes(changed[8:12], "big")
    segment0 = changed[prefix_length : prefix_length + sealed.header.head_length + TAG_SIZE]
    nonce = sealed.header.nonce_prefix + (0).to_bytes(4, "big") + b"\x00"
    AESGCM(key).decrypt(nonce, segment0, hashlib.sha256(data[:prefix_length]).digest())
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(nonce, segment0, hashlib.sha256(changed[:prefix_length]).digest())


def test_a_bidder_who_commits_to_another_key_cannot_open_its_bid(seal_bytes, keys, monkeypatch) -> None:
    """Sealed under one key, committed to another, signed by the bidder: verify accepts it (the
    platform cannot know before the opening) but no key opens it."""
    with monkeypatch.context() as patch:
        patch.setattr(envelope_module, "key_commitment_of", lambda prefix, key: key_commitment_of(prefix, bytes(32)))
        cheat = seal_bytes({"a.bin": b"x" * 5000})
    bidtool.verify(cheat.path, signing_public_key=keys.signing.public_key(), expected_commitment=cheat.commitment)
    with pytest.raises(BidKeyError, match="密钥承诺不符"):
        bidtool.unwrap_content_key(cheat.path, keys.sealing)
    with pytest.raises(BidKeyError, match="密钥承诺不符"):
        bidtool.unseal(cheat.path, sealing_private_key=keys.sealing, check_file_digests=False)
    with pytest.raises(BidIntegrityError, match="文件头或第 1 段认证失败"):  # the committed key is not the real one
        bidtool.unseal(cheat.path, content_key=bytes(32))


def test_the_opening_path_authenticates_every_segment_without_hashing_the_files(
    sealed, keys, monkeypatch, tmp_path: Path
) -> None:
    counter = _Hashed()
    monkeypatch.setattr(hashlib, "sha256", counter)
    opened = bidtool.unseal(
        sealed.path,
        sealing_private_key=keys.sealing,
        out_dir=tmp_path / "opened",
        expected_commitment=sealed.commitment,
        check_file_digests=False,
    )
    assert opened.files_checked is False and opened.commitment == sealed.commitment
    assert (tmp_path / "opened" / "files" / "技术标.pdf").read_bytes() == CONTENT
    assert counter.total < 2 * sealed.header.head_length  # the prefix, the head and the key: no file byte
    counter.total = 0
    assert bidtool.unseal(sealed.path, sealing_private_key=keys.sealing).files_checked is True
    assert counter.total >= len(CONTENT)
    monkeypatch.undo()

    data = bytearray(sealed.path.read_bytes())
    prefix_length = 12 + int.from_bytes(data[8:12], "big")
    data[prefix_length + sealed.header.head_length + TAG_SIZE + 2 * (MiB + TAG_SIZE) + 77] ^= 0x01
    tampered = tmp_path / "tampered.ggzybid"
    tampered.write_bytes(bytes(data))
    with pytest.raises(BidIntegrityError, match="第 4 段（共 5 段）认证失败"):
        bidtool.unseal(tampered, sealing_private_key=keys.sealing, out_dir=tmp_path / "x", check_file_digests=False)
    assert not (tmp_path / "x").exists()
    with pytest.raises(BidIntegrityError, match="回执中的承诺"):
        bidtool.unseal(
            sealed.path, sealing_private_key=keys.sealing, expected_commitment="ab" * 32, check_file_digests=False
        )
    # A commitment the bidder signed but did not seal is still found at the opening.
    body, trailer = sealed.path.read_bytes()[:-TRAILER_SIZE], sealed.path.read_bytes()[-TRAILER_SIZE:]
    wrong, digest = bytes(31) + b"\x01", trailer[40:72]
    signature = _signature_p1363(keys.signing, signature_message(sealed.header, wrong, digest))
    dishonest = tmp_path / "dishonest.ggzybid"
    dishonest.write_bytes(body + trailer[:8] + wrong + digest + signature)
    with pytest.raises(BidIntegrityError, match="明文承诺不符"):
        bidtool.unseal(dishonest, sealing_private_key=keys.sealing, check_file_digests=False)


def test_a_false_file_digest_passes_the_opening_and_fails_the_file_check(false_digest, keys, tmp_path: Path) -> None:
    bidtool.verify(false_digest.path, signing_public_key=keys.signing.public_key())  # signed by the bidder
    with pytest.raises(BidIntegrityError, match="内容摘要与清单不符"):
        bidtool.unseal(false_digest.path, sealing_private_key=keys.sealing)
    key = bidtool.unwrap_content_key(false_digest.path, keys.sealing)
    opened = bidtool.unseal(
        false_digest.path,
        content_key=key,
        out_dir=tmp_path / "opened",
        expected_commitment=false_digest.commitment,
        check_file_digests=False,
    )
    assert opened.files_checked is False
    assert (tmp_path / "opened" / "files" / "技术标.pdf").read_bytes() == CONTENT
    with pytest.raises(BidIntegrityError, match=r"“技术标\.pdf”的内容摘要与清单不符"):
        bidtool.check_unsealed_files(tmp_path / "opened", expected_commitment=false_digest.commitment)
    # A backup envelope follows the same rule; a plaintext package is always re-hashed, since its
    # file digests are the only thing that binds its files to the commitment.
    accepted = bidtool.verify_backup(
        false_digest.path, expected_commitment=false_digest.commitment, content_key=key, check_file_digests=False
    )
    assert accepted.files_checked is False
    with pytest.raises(BidIntegrityError, match="内容摘要与清单不符"):
        bidtool.verify_backup(
            tmp_path / "false.pkg", expected_commitment=false_digest.commitment, check_file_digests=False
        )


def test_check_unsealed_files(sealed, keys, tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    bidtool.unseal(sealed.path, sealing_private_key=keys.sealing, out_dir=opened, check_file_digests=False)
    manifest = bidtool.check_unsealed_files(opened, expected_commitment=sealed.commitment, workers=2)
    assert manifest == sealed.manifest
    with pytest.raises(BidIntegrityError, match="回执中的承诺"):
        bidtool.check_unsealed_files(opened, expected_commitment="ab" * 32)
    document = opened / "files" / "技术标.pdf"
    changed = bytearray(CONTENT)
    changed[2 * MiB + 5] ^= 0x01
    document.write_bytes(bytes(changed))
    with pytest.raises(BidIntegrityError, match="内容摘要与清单不符"):
        bidtool.check_unsealed_files(opened)
    document.write_bytes(CONTENT[:-1])
    with pytest.raises(BidIntegrityError, match="大小为"):
        bidtool.check_unsealed_files(opened)
