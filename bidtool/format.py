"""The sealed-bid format, version 1 (docs/sealed-bid-format.md): constants, the public header,
the package manifest, the segment layout, the SHA-256 hash list and the signed message.

Everything here is pure computation; envelope.py does the streaming I/O.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bidtool.canonical import b64url_decode, b64url_encode, canonical_json, parse_canonical_json
from bidtool.errors import BidFormatError, BidIntegrityError
from bidtool.keys import public_key_from_raw
from bidtool.uscc import uscc_validate

FORMAT_VERSION = 1
SUITE_P256 = "P256-A256GCM-SHA256"
SUITE_SM = "SM2-SM4GCM-SM3"  # reserved for the 国密 suite, not implemented in version 1
SUITES_RESERVED = frozenset({SUITE_SM})

ENVELOPE_MAGIC = b"GGZYBID\x01"
PACKAGE_MAGIC = b"GGZYPKG\x01"
TRAILER_MAGIC = b"GGZYSIG\x01"

SEGMENT_SIZE = 1 << 20  # plaintext bytes per segment = leaf size of every hash list
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
HEAD_ALIGN = 4096
MAX_HEADER_SIZE = 65536
MAX_HEAD_SIZE = SEGMENT_SIZE  # the package head is always exactly one segment
MAX_FILES = 1000
MAX_LENGTH = 2**53 - 1
PREFIX_FIXED = len(ENVELOPE_MAGIC) + 4  # magic ‖ u32 header length
PACKAGE_FIXED = len(PACKAGE_MAGIC) + 4
TRAILER_SIZE = len(TRAILER_MAGIC) + 32 + 32 + 64

LABEL_PACKAGE = b"GGZY-BID/1 package"
LABEL_FILE = b"GGZY-BID/1 file"
LABEL_CIPHERTEXT = b"GGZY-BID/1 ciphertext"
LABEL_SIGNATURE = b"GGZY-BID/1 signature"
KEY_WRAP_INFO = b"GGZY-BID/1 key wrap"
LABEL_KEY = b"GGZY-BID/1 key"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FORBIDDEN_NAME_CHARS = set('/\\:*?"<>|')
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def hex_digest(value: str, *, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise BidFormatError(f"{what}应为 64 位小写十六进制 SHA-256 摘要")
    return bytes.fromhex(value)


def hash_list_root(label: bytes, length: int, leaves: Iterable[bytes]) -> bytes:
    """SHA-256 hash list: SHA-256(label ‖ 0x00 ‖ u64be(length) ‖ SHA-256(leaf 0) ‖ … ), where the
    leaves are the consecutive 1 MiB pieces of the data (the last one shorter, none if empty)."""
    root = hashlib.sha256(label + b"\x00" + length.to_bytes(8, "big"))
    count = 0
    for leaf in leaves:
        root.update(leaf)
        count += 1
    if count != leaf_count(length):
        raise AssertionError("hash list: wrong number of leaves")
    return root.digest()


def leaf_count(length: int) -> int:
    return -(-length // SEGMENT_SIZE)


def hash_list_of_bytes(label: bytes, data: bytes) -> bytes:
    """The hash list of data held in memory (small inputs and tests)."""
    leaves = (hashlib.sha256(data[i : i + SEGMENT_SIZE]).digest() for i in range(0, len(data), SEGMENT_SIZE))
    return hash_list_root(label, len(data), leaves)


def commitment_of_head(head: bytes) -> bytes:
    """The plaintext commitment: SHA-256(label ‖ 0x00 ‖ package head). The head's manifest lists
    every file's hash list, so this one digest commits to every byte of the package."""
    return hashlib.sha256(LABEL_PACKAGE + b"\x00" + head).digest()


def key_commitment_of(nonce_prefix: bytes, content_key: bytes) -> bytes:
    """The key commitment: SHA-256(label ‖ 0x00 ‖ nonce prefix ‖ CEK). It sits in the signed header,
    so the content key is fixed before the deadline; AES-GCM alone is not key-committing."""
    if len(nonce_prefix) != NONCE_PREFIX_SIZE or len(content_key) != 32:
        raise ValueError("key commitment: a 7-byte nonce prefix and a 32-byte content key")
    return hashlib.sha256(LABEL_KEY + b"\x00" + nonce_prefix + content_key).digest()


def derive_kek(shared_secret: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) from the ECDH shared secret; salt binds both public keys."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + recipient_raw, info=KEY_WRAP_INFO)
    return hkdf.derive(shared_secret)


def segment_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _check_text(value: Any, *, what: str, max_bytes: int) -> str:
    """The same rule in every implementation: 1..max_bytes UTF-8 bytes, no control character
    (U+0000–U+001F, U+007F), no space (U+0020, U+3000) at either end."""
    if not isinstance(value, str) or not value:
        raise BidFormatError(f"{what}不能为空")
    if len(value.encode("utf-8", "surrogatepass")) > max_bytes:
        raise BidFormatError(f"{what}不能超过 {max_bytes} 字节（UTF-8）")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise BidFormatError(f"{what}不能含有控制字符")
    if value[0] in " \u3000" or value[-1] in " \u3000":
        raise BidFormatError(f"{what}首尾不能有空格")
    return value


def lot_code_validate(value: Any) -> str:
    return _check_text(value, what="标段编号", max_bytes=256)


def _ascii_lower(name: str) -> str:
    return "".join(chr(ord(char) + 32) if "A" <= char <= "Z" else char for char in name)


def file_name_validate(name: Any) -> str:
    """A plain file name that is safe to create on Windows, macOS and Linux."""
    _check_text(name, what="文件名", max_bytes=255)
    if name in {".", ".."} or name.endswith("."):
        raise BidFormatError(f"文件名“{name}”不能是 . 或 ..，也不能以 . 结尾")
    bad = sorted(_FORBIDDEN_NAME_CHARS.intersection(name))
    if bad:
        raise BidFormatError(f"文件名“{name}”含有不允许的字符 {' '.join(bad)}")
    if _ascii_lower(name.split(".")[0]) in _WINDOWS_RESERVED:
        raise BidFormatError(f"文件名“{name}”是 Windows 保留名")
    return name


def _int_field(obj: Mapping[str, Any], key: str, *, what: str, minimum: int = 0, maximum: int = MAX_LENGTH) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise BidFormatError(f"{what}（{key}）应为 {minimum} 到 {maximum} 之间的整数")
    return value


def _exact_keys(obj: Any, keys: set[str], *, what: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise BidFormatError(f"{what}应为 JSON 对象")
    missing = sorted(keys - obj.keys())
    extra = sorted(obj.keys() - keys)
    if missing:
        raise BidFormatError(f"{what}缺少字段：{', '.join(missing)}")
    if extra:
        raise BidFormatError(f"{what}含有本版本未定义的字段：{', '.join(extra)}")
    return obj


def suite_validate(suite: Any) -> str:
    if suite == SUITE_P256:
        return suite
    if suite in SUITES_RESERVED:
        raise BidFormatError(f"密码套件 {suite}（国密 SM2/SM3/SM4）已预留，本版本尚未实现")
    raise BidFormatError(f"不支持的密码套件：{suite}")


# --- manifest and package head -------------------------------------------------------------


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    digest: str  # hex of the file's SHA-256 hash list

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "digest": self.digest}


@dataclass(frozen=True)
class Manifest:
    lot_code: str
    bidder_uscc: str
    opening_data: Mapping[str, Any]
    files: tuple[FileEntry, ...]
    salt: bytes = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "GGZY-BID-PACKAGE",
            "version": FORMAT_VERSION,
            "lot_code": self.lot_code,
            "bidder_uscc": self.bidder_uscc,
            "salt": b64url_encode(self.salt),
            "opening_data": self.opening_data,
            "files": [entry.to_json() for entry in self.files],
        }

    def canonical(self) -> bytes:
        return canonical_json(self.to_json(), where="清单")

    def validate(self) -> Manifest:
        lot_code_validate(self.lot_code)
        uscc_validate(self.bidder_uscc)
        if len(self.salt) != 32:
            raise BidFormatError("清单的随机盐（salt）应为 32 字节")
        opening_data_validate(self.opening_data)
        if len(self.files) > MAX_FILES:
            raise BidFormatError(f"一份投标文件最多包含 {MAX_FILES} 个文件")
        seen: set[str] = set()
        for entry in self.files:
            file_name_validate(entry.name)
            folded = _ascii_lower(entry.name)
            if folded in seen:
                raise BidFormatError(f"文件名“{entry.name}”重复（英文字母不区分大小写）")
            seen.add(folded)
            if not isinstance(entry.size, int) or isinstance(entry.size, bool) or not 0 <= entry.size <= MAX_LENGTH:
                raise BidFormatError(f"文件“{entry.name}”的大小无效")
            hex_digest(entry.digest, what=f"文件“{entry.name}”的摘要")
        return self

    @property
    def plaintext_length(self) -> int:
        return head_length_for(len(self.canonical())) + sum(entry.size for entry in self.files)

    @classmethod
    def from_json(cls, obj: Any) -> Manifest:
        keys = {"format", "version", "lot_code", "bidder_uscc", "salt", "opening_data", "files"}
        obj = _exact_keys(obj, keys, what="清单")
        if obj["format"] != "GGZY-BID-PACKAGE":
            raise BidFormatError("清单的 format 字段不是 GGZY-BID-PACKAGE")
        if obj["version"] != FORMAT_VERSION:
            raise BidFormatError(f"不支持的清单版本：{obj['version']}")
        if not isinstance(obj["files"], list):
            raise BidFormatError("清单的 files 应为数组")
        files = []
        for item in obj["files"]:
            entry = _exact_keys(item, {"name", "size", "digest"}, what="清单中的文件条目")
            files.append(FileEntry(name=entry["name"], size=entry["size"], digest=entry["digest"]))
        salt = b64url_decode(obj["salt"], length=32, what="清单的随机盐（salt）")
        return cls(
            lot_code=obj["lot_code"],
            bidder_uscc=obj["bidder_uscc"],
            opening_data=obj["opening_data"],
            files=tuple(files),
            salt=salt,
        ).validate()


def opening_data_validate(data: Any) -> Mapping[str, Any]:
    """The opening data is a free JSON object; ``price_fen`` (if given) is a whole number of fen."""
    if not isinstance(data, Mapping):
        raise BidFormatError("开标数据（opening_data）应为 JSON 对象")
    canonical_json(data, where="开标数据")
    price = data.get("price_fen")
    if "price_fen" in data and (not isinstance(price, int) or isinstance(price, bool) or price < 0):
        raise BidFormatError("投标报价 price_fen 应为以“分”计的非负整数")
    days = data.get("duration_days")
    if "duration_days" in data and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        raise BidFormatError("工期 duration_days 应为非负整数（天）")
    return data


def head_length_for(manifest_length: int) -> int:
    return -(-(PACKAGE_FIXED + manifest_length) // HEAD_ALIGN) * HEAD_ALIGN


def build_head(manifest: Manifest) -> bytes:
    """Package head: magic ‖ u32be(manifest length) ‖ canonical manifest ‖ zero padding to 4 KiB."""
    body = manifest.canonical()
    length = head_length_for(len(body))
    if length > MAX_HEAD_SIZE:
        raise BidFormatError(f"清单过大（{len(body)} 字节）：包头最多 {MAX_HEAD_SIZE} 字节，请减少文件数或开标数据")
    head = PACKAGE_MAGIC + struct.pack(">I", len(body)) + body
    return head + b"\x00" * (length - len(head))


def parse_head(head: bytes) -> Manifest:
    if head[: len(PACKAGE_MAGIC)] != PACKAGE_MAGIC:
        if head[:7] == PACKAGE_MAGIC[:7]:
            raise BidFormatError(f"不支持的明文包版本：{head[7]}")
        raise BidFormatError("不是 GGZY 明文包：包头标识不符")
    (length,) = struct.unpack(">I", head[len(PACKAGE_MAGIC) : PACKAGE_FIXED])
    if head_length_for(length) != len(head):
        raise BidFormatError("包头长度与清单长度不符")
    if any(head[PACKAGE_FIXED + length :]):
        raise BidFormatError("包头的填充字节不全为零")
    manifest = Manifest.from_json(parse_canonical_json(head[PACKAGE_FIXED : PACKAGE_FIXED + length], where="清单"))
    return manifest


# --- envelope header -------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    lot_code: str
    bidder_uscc: str
    head_length: int
    plaintext_length: int
    segment_count: int
    nonce_prefix: bytes
    ephemeral_key: bytes  # 65-byte uncompressed P-256 point
    wrapped_key: bytes  # AES-KW of the content key, 40 bytes
    key_commitment: bytes  # key_commitment_of(nonce_prefix, CEK), 32 bytes
    recipient_key_id: str
    signer_key_id: str
    suite: str = SUITE_P256
    segment_size: int = SEGMENT_SIZE
    version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "GGZY-BID",
            "version": self.version,
            "suite": self.suite,
            "lot_code": self.lot_code,
            "bidder_uscc": self.bidder_uscc,
            "segment_size": self.segment_size,
            "head_length": self.head_length,
            "plaintext_length": self.plaintext_length,
            "segment_count": self.segment_count,
            "nonce_prefix": b64url_encode(self.nonce_prefix),
            "ephemeral_key": b64url_encode(self.ephemeral_key),
            "wrapped_key": b64url_encode(self.wrapped_key),
            "key_commitment": b64url_encode(self.key_commitment),
            "recipient_key_id": self.recipient_key_id,
            "signer_key_id": self.signer_key_id,
        }

    def prefix(self) -> bytes:
        """magic ‖ u32be(header length) ‖ canonical header: the first bytes of the envelope."""
        body = canonical_json(self.to_json(), where="文件头")
        if len(body) > MAX_HEADER_SIZE:
            raise BidFormatError("文件头超过 64 KiB")
        return ENVELOPE_MAGIC + struct.pack(">I", len(body)) + body

    @property
    def ciphertext_length(self) -> int:
        return self.plaintext_length + TAG_SIZE * self.segment_count

    def envelope_length(self, prefix_length: int) -> int:
        return prefix_length + self.ciphertext_length + TRAILER_SIZE

    def describe(self) -> dict[str, Any]:
        return self.to_json()

    @classmethod
    def from_json(cls, obj: Any) -> Header:
        keys = {
            "format",
            "version",
            "suite",
            "lot_code",
            "bidder_uscc",
            "segment_size",
            "head_length",
            "plaintext_length",
            "segment_count",
            "nonce_prefix",
            "ephemeral_key",
            "wrapped_key",
            "key_commitment",
            "recipient_key_id",
            "signer_key_id",
        }
        if not isinstance(obj, Mapping):
            raise BidFormatError("文件头应为 JSON 对象")
        if obj.get("format") != "GGZY-BID":
            raise BidFormatError("文件头的 format 字段不是 GGZY-BID")
        if obj.get("version") != FORMAT_VERSION:
            raise BidFormatError(f"不支持的格式版本：{obj.get('version')}（本工具支持版本 {FORMAT_VERSION}）")
        suite_validate(obj.get("suite"))
        obj = _exact_keys(obj, keys, what="文件头")
        if obj["segment_size"] != SEGMENT_SIZE:
            raise BidFormatError(f"版本 1 的分段大小必须是 {SEGMENT_SIZE} 字节")
        head_length = _int_field(obj, "head_length", what="包头长度", minimum=HEAD_ALIGN, maximum=MAX_HEAD_SIZE)
        if head_length % HEAD_ALIGN:
            raise BidFormatError(f"包头长度应为 {HEAD_ALIGN} 的整数倍")
        plaintext_length = _int_field(obj, "plaintext_length", what="明文长度", minimum=head_length)
        segment_count = _int_field(obj, "segment_count", what="分段数", minimum=1, maximum=2**32 - 1)
        body = plaintext_length - head_length
        if not 1 + leaf_count(body) <= segment_count <= 1 + body:
            raise BidFormatError("分段数与明文长度不符")
        for key in ("recipient_key_id", "signer_key_id"):
            b64url_decode(obj[key], length=32, what=f"文件头的 {key}")
        ephemeral = b64url_decode(obj["ephemeral_key"], length=65, what="临时公钥（ephemeral_key）")
        public_key_from_raw(ephemeral, what="临时公钥（ephemeral_key）")
        return cls(
            lot_code=lot_code_validate(obj["lot_code"]),
            bidder_uscc=uscc_validate(obj["bidder_uscc"]),
            head_length=head_length,
            plaintext_length=plaintext_length,
            segment_count=segment_count,
            nonce_prefix=b64url_decode(obj["nonce_prefix"], length=NONCE_PREFIX_SIZE, what="随机数前缀"),
            ephemeral_key=ephemeral,
            wrapped_key=b64url_decode(obj["wrapped_key"], length=40, what="封装的内容密钥"),
            key_commitment=b64url_decode(obj["key_commitment"], length=32, what="密钥承诺（key_commitment）"),
            recipient_key_id=obj["recipient_key_id"],
            signer_key_id=obj["signer_key_id"],
        )


def parse_prefix_start(data: bytes) -> int:
    """Check the envelope magic in the first 12 bytes and return the header length."""
    if len(data) < PREFIX_FIXED:
        raise BidFormatError("文件太短，不是 GGZY 密封投标文件")
    if data[: len(ENVELOPE_MAGIC)] != ENVELOPE_MAGIC:
        if data[:7] == ENVELOPE_MAGIC[:7]:
            raise BidFormatError(f"不支持的密封投标文件版本：{data[7]}")
        if data[: len(PACKAGE_MAGIC)] == PACKAGE_MAGIC:
            raise BidFormatError("这是未加密的明文包，不是密封投标文件")
        raise BidFormatError("不是 GGZY 密封投标文件：文件标识不符")
    (length,) = struct.unpack(">I", data[len(ENVELOPE_MAGIC) : PREFIX_FIXED])
    if not 2 <= length <= MAX_HEADER_SIZE:
        raise BidFormatError("文件头长度无效")
    return int(length)


def parse_header(body: bytes) -> Header:
    return Header.from_json(parse_canonical_json(body, where="文件头"))


# --- layout, trailer, signature --------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    counter: int  # position in the envelope, 0-based
    part: int  # 0 = package head, j + 1 = file j
    part_offset: int  # offset of the plaintext within its part
    length: int  # plaintext length (1 .. SEGMENT_SIZE)
    offset: int  # offset of the segment (ciphertext ‖ tag) in the envelope
    last: bool


def layout(prefix_length: int, head_length: int, file_sizes: Sequence[int]) -> list[Segment]:
    """Segment 0 is the package head; then each non-empty file in order, in 1 MiB pieces. A
    segment never holds bytes of two parts, so every segment is exactly one hash-list leaf."""
    pieces: list[tuple[int, int, int]] = [(0, 0, head_length)]
    for index, size in enumerate(file_sizes, start=1):
        pieces.extend((index, start, min(SEGMENT_SIZE, size - start)) for start in range(0, size, SEGMENT_SIZE))
    segments = []
    offset = prefix_length
    for counter, (part, start, length) in enumerate(pieces):
        last = counter == len(pieces) - 1
        segments.append(Segment(counter, part, start, length, offset, last))
        offset += length + TAG_SIZE
    return segments


@dataclass(frozen=True)
class Trailer:
    commitment: bytes
    ciphertext_digest: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        return TRAILER_MAGIC + self.commitment + self.ciphertext_digest + self.signature

    @classmethod
    def from_bytes(cls, data: bytes) -> Trailer:
        if len(data) != TRAILER_SIZE or data[: len(TRAILER_MAGIC)] != TRAILER_MAGIC:
            raise BidIntegrityError("文件尾（承诺与签名）缺失或损坏：投标文件可能被截断或拼接")
        start = len(TRAILER_MAGIC)
        return cls(data[start : start + 32], data[start + 32 : start + 64], data[start + 64 :])


def signature_message(header: Header, commitment: bytes, ciphertext_digest: bytes) -> bytes:
    """The domain-separated message the bidder signs."""

    def field_bytes(text: str) -> bytes:
        raw = text.encode("utf-8")
        return struct.pack(">H", len(raw)) + raw

    return b"".join(
        [
            LABEL_SIGNATURE + b"\x00",
            bytes([header.version]),
            field_bytes(header.suite),
            field_bytes(header.lot_code),
            field_bytes(header.bidder_uscc),
            commitment,
            ciphertext_digest,
        ]
    )
