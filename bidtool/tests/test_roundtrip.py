"""seal → verify → unseal gives back exactly what was sealed, from empty bids to 50 MB, and the
plaintext backup has the same commitment."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

import bidtool
from bidtool.format import LABEL_FILE, SEGMENT_SIZE, hash_list_of_bytes

from .conftest import LOT, OPENING, USCC

MiB = SEGMENT_SIZE

CASES = {
    "no files": {},
    "one empty file": {"空文件.txt": b""},
    "tiny": {"报价.txt": "投标报价：壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元".encode()},
    "exactly one segment": {"技术标.pdf": os.urandom(MiB)},
    "one byte over a segment": {"a.bin": os.urandom(MiB + 1)},
    "multi-segment and several files": {
        "商务标.pdf": os.urandom(3 * MiB + 777),
        "empty.dat": b"",
        "资格审查.zip": os.urandom(MiB - 1),
        "b.txt": b"x",
    },
}


@pytest.mark.parametrize("files", CASES.values(), ids=CASES.keys())
def test_round_trip(files, seal_bytes, keys, tmp_path: Path) -> None:
    sealed = seal_bytes(files)
    assert sealed.size == sealed.path.stat().st_size
    report = bidtool.verify(sealed.path, signing_public_key=keys.signing.public_key())
    assert report.verified and report.commitment == sealed.commitment
    assert report.ciphertext_digest == sealed.ciphertext_digest
    assert bidtool.inspect(sealed.path).header == sealed.header
    opened = bidtool.unseal(
        sealed.path,
        sealing_private_key=keys.sealing,
        out_dir=tmp_path / "opened",
        expected_commitment=sealed.commitment,
    )
    assert opened.commitment == sealed.commitment
    assert opened.opening_data == OPENING
    assert (opened.manifest.lot_code, opened.manifest.bidder_uscc) == (LOT, USCC)
    assert [path.name for path in opened.files] == list(files)
    for path, content in zip(opened.files, files.values(), strict=True):
        assert path.read_bytes() == content
    for entry, content in zip(opened.manifest.files, files.values(), strict=True):
        assert entry.digest == hash_list_of_bytes(LABEL_FILE, content).hex()
    assert (tmp_path / "opened" / "manifest.json").read_bytes() == opened.manifest.canonical()
    # Verify-only unseal writes nothing and gives the same answer.
    assert bidtool.unseal(sealed.path, sealing_private_key=keys.sealing).commitment == sealed.commitment


def test_fifty_megabytes_stream_in_bounded_memory(seal_bytes, keys, tmp_path: Path) -> None:
    content = os.urandom(50 * 1000 * 1000)
    sealed = seal_bytes({"施工组织设计.pdf": content})
    del content
    tracemalloc.start()
    try:
        opened = bidtool.unseal(sealed.path, sealing_private_key=keys.sealing, out_dir=tmp_path / "big")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MiB, f"unseal held {peak / MiB:.1f} MiB of Python memory for a 50 MB bid"
    digest = hashlib.sha256(opened.files[0].read_bytes()).hexdigest()
    assert digest == hashlib.sha256((sealed.path.parent / "in-0" / "施工组织设计.pdf").read_bytes()).hexdigest()
    bidtool.verify(sealed.path, signing_public_key=keys.signing.public_key(), expected_commitment=sealed.commitment)


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_result_does_not_depend_on_the_number_of_threads(workers, seal_bytes, keys) -> None:
    sealed = seal_bytes({"a.bin": os.urandom(5 * MiB + 3), "b.bin": os.urandom(MiB)}, workers=workers)
    for count in (1, 3):
        assert (
            bidtool.unseal(sealed.path, sealing_private_key=keys.sealing, workers=count).commitment == sealed.commitment
        )
        bidtool.verify(sealed.path, signing_public_key=keys.signing.public_key(), workers=count)


def test_opening_with_a_disclosed_content_key(seal_bytes, keys, tmp_path: Path) -> None:
    sealed = seal_bytes({"a.txt": b"abc" * 1000})
    content_key = bidtool.unwrap_content_key(sealed.path, keys.sealing)
    assert len(content_key) == 32
    opened = bidtool.unseal(sealed.path, content_key=content_key, out_dir=tmp_path / "out")
    assert opened.commitment == sealed.commitment
    assert opened.files[0].read_bytes() == b"abc" * 1000


def test_plaintext_package_copy_is_a_valid_backup(seal_bytes, keys, tmp_path: Path) -> None:
    files = {"报价.txt": b"price" * 100, "技术标.pdf": os.urandom(2 * MiB + 5)}
    sealed = seal_bytes(files, package_copy=tmp_path / "backup.pkg")
    package = tmp_path / "backup.pkg"
    assert package.stat().st_size == sealed.header.plaintext_length
    opened = bidtool.verify_backup(package, expected_commitment=sealed.commitment, out_dir=tmp_path / "restored")
    assert [path.read_bytes() for path in opened.files] == list(files.values())
    assert opened.header is None and opened.opening_data == OPENING
    # A second envelope sealed from the same package bytes is not possible (fresh salt), but a
    # backup envelope that is a copy of the original is accepted with the same commitment.
    copy = tmp_path / "copy.ggzybid"
    copy.write_bytes(sealed.path.read_bytes())
    result = bidtool.verify_backup(copy, expected_commitment=sealed.commitment, sealing_private_key=keys.sealing)
    assert result.commitment == sealed.commitment


def _seal_named(tmp_path: Path, files: list[tuple[str, bytes]], **overrides: object) -> bidtool.SealResult:
    paths = []
    for index, (name, content) in enumerate(files):
        path = tmp_path / f"source-{index}"
        path.write_bytes(content)
        paths.append((name, path))
    arguments: dict[str, object] = {
        "out": tmp_path / "refused.ggzybid",
        "files": paths,
        "opening_data": {},
        "lot_code": LOT,
        "bidder_uscc": USCC,
        "sealing_public_key": bidtool.generate_sealing_key().public_key(),
        "signing_private_key": bidtool.generate_signing_key(),
    }
    arguments.update(overrides)
    return bidtool.seal(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("files", "overrides", "message"),
    [
        ([], {"opening_data": {"price_fen": 12.5}}, "小数"),
        ([], {"opening_data": {"price_fen": -1}}, "price_fen"),
        ([], {"opening_data": {"duration_days": "三个月"}}, "duration_days"),
        ([], {"opening_data": ["not", "an", "object"]}, "opening_data"),
        ([("A.pdf", b"1"), ("a.PDF", b"2")], {}, "重复"),
        ([("../etc/passwd", b"")], {}, "文件名"),
        ([("CON.txt", b"")], {}, "保留名"),
        ([("a:b", b"")], {}, "不允许的字符"),
        ([(" lead.pdf", b"")], {}, "空格"),
        ([("dot.", b"")], {}, "文件名"),
        ([], {"bidder_uscc": USCC[:17] + ("0" if USCC[17] != "0" else "1")}, "校验码"),
        ([], {"lot_code": ""}, "标段编号"),
        ([], {"lot_code": "A\nB"}, "控制字符"),
    ],
)
def test_seal_refuses_bad_inputs_with_a_reason(files, overrides, message, tmp_path: Path) -> None:
    with pytest.raises(bidtool.BidFormatError, match=message):
        _seal_named(tmp_path, files, **overrides)
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith("source-")) == []


def test_seal_does_not_overwrite_unless_asked(seal_bytes, tmp_path: Path) -> None:
    first = seal_bytes({"a": b"1"}, out=tmp_path / "bid.ggzybid")
    with pytest.raises(FileExistsError):
        seal_bytes({"a": b"2"}, out=first.path)
    second = seal_bytes({"a": b"2"}, out=first.path, overwrite=True)
    assert second.commitment != first.commitment


def test_without_positioned_io_as_on_windows(seal_bytes, keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "preadv")
    monkeypatch.delattr(os, "pwrite")
    files = {"a.bin": os.urandom(3 * MiB + 9), "b.bin": os.urandom(1000)}
    sealed = seal_bytes(files, workers=3)
    opened = bidtool.unseal(sealed.path, sealing_private_key=keys.sealing, out_dir=tmp_path / "out", workers=3)
    assert [path.read_bytes() for path in opened.files] == list(files.values())
    bidtool.verify(sealed.path, signing_public_key=keys.signing.public_key(), workers=3)
