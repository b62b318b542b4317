"""Seal, unseal, verify and inspect sealed bids, streaming from and to files.

Memory stays bounded whatever the size: each worker thread owns two segment buffers (1 MiB + 16)
that it reuses, reads with ``preadv`` at the segment's offset, decrypts into its own buffer,
hashes the plaintext there while it is still in the CPU cache, and writes it with ``pwrite``.
Segments are independent (each one is a whole hash-list leaf), so they run on a thread pool:
OpenSSL releases the GIL while it decrypts and hashes. SHA-256 of the plaintext costs about eight
times more than decrypting it, so the platform's opening skips it (``check_file_digests=False``):
the key commitment and GCM already fix the plaintext, and the per-file digests are re-hashed
afterwards with check_unsealed_files() (docs/sealed-bid-format.md §10, §13.1 and §14).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import shutil
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from bidtool.canonical import b64url_encode, parse_canonical_json
from bidtool.errors import BidFormatError, BidIntegrityError, BidKeyError
from bidtool.format import (
    ENVELOPE_MAGIC,
    LABEL_CIPHERTEXT,
    LABEL_FILE,
    NONCE_PREFIX_SIZE,
    PACKAGE_FIXED,
    PACKAGE_MAGIC,
    PREFIX_FIXED,
    SEGMENT_SIZE,
    TAG_SIZE,
    TRAILER_SIZE,
    FileEntry,
    Header,
    Manifest,
    Segment,
    Trailer,
    build_head,
    commitment_of_head,
    derive_kek,
    hash_list_root,
    head_length_for,
    hex_digest,
    key_commitment_of,
    layout,
    opening_data_validate,
    parse_head,
    parse_header,
    parse_prefix_start,
    segment_nonce,
    signature_message,
)
from bidtool.keys import key_id, public_key_from_raw, public_key_raw

PathLike = str | os.PathLike[str]
Source = PathLike | IO[bytes]
T = TypeVar("T")
R = TypeVar("R")

_O_BINARY = getattr(os, "O_BINARY", 0)
_local = threading.local()


def default_workers() -> int:
    """Threads for segment work: one per core, at most four (on the 2-core bench machine a third
    thread gave nothing; more cores were not measured)."""
    return max(1, min(4, os.cpu_count() or 1))


def _buffers() -> tuple[bytearray, bytearray]:
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = (bytearray(SEGMENT_SIZE + TAG_SIZE), bytearray(SEGMENT_SIZE + TAG_SIZE))
    return buffers


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(count: int) -> ThreadPoolExecutor:
    """One long-lived pool per size: its threads keep their segment buffers between calls, which
    matters when an opening unseals hundreds of bids (a new pool per bid cost ~15 % in the bench)."""
    with _pools_lock:
        pool = _pools.get(count)
        if pool is None:
            pool = _pools[count] = ThreadPoolExecutor(max_workers=count, thread_name_prefix="bidtool")
        return pool


def _forget_pools() -> None:
    global _pools_lock
    _pools.clear()  # a forked child has none of the parent's threads (nor a usable lock)
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _run(items: Sequence[T], job: Callable[[T], R], workers: int | None) -> list[R]:
    """job(item) for every item, results in order, at most a few items in flight; the first failure
    (in item order) is raised and the rest is cancelled or awaited."""
    count = default_workers() if workers is None else max(1, workers)
    if count == 1 or len(items) <= 1:
        return [job(item) for item in items]
    pool = _pool(count)
    results: list[R] = []
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(job, item))
            if len(pending) >= 2 * count:
                results.append(pending.popleft().result())
        while pending:
            results.append(pending.popleft().result())
    except BaseException:
        for future in pending:
            future.cancel()
        for future in pending:
            if not future.cancelled():
                future.exception()  # let running jobs finish before the caller cleans up
        raise
    return results


class _Reader:
    """Positioned reads from a path or a seekable binary file, safe from several threads: with
    ``preadv`` where the OS has it (Linux, BSD, macOS), otherwise seek + readinto under a lock."""

    def __init__(self, source: Source, *, what: str = "投标文件") -> None:
        self.what = what
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._file: IO[bytes] | None = None
        self._owned = False
        if isinstance(source, str | os.PathLike):
            self.name = os.fspath(source)
            if hasattr(os, "preadv"):
                self._fd = os.open(self.name, os.O_RDONLY | _O_BINARY)
                self.size = os.fstat(self._fd).st_size
                return
            self._file, self._owned = open(self.name, "rb", buffering=0), True  # noqa: SIM115 - closed in close()
        else:
            self.name = str(getattr(source, "name", what))
            self._file = source
        self.size = self._file.seek(0, os.SEEK_END)

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._owned and self._file is not None:
            self._file.close()
            self._file = None

    def read_into(self, offset: int, view: memoryview) -> None:
        want = len(view)
        done = 0
        if self._fd is not None:
            while done < want:
                got = os.preadv(self._fd, [view[done:]], offset + done)
                if got <= 0:
                    break
                done += got
        else:
            assert self._file is not None
            with self._lock:
                self._file.seek(offset)
                while done < want:
                    got = self._file.readinto(view[done:])  # type: ignore[attr-defined]
                    if not got:
                        break
                    done += got
        if done != want:
            raise BidIntegrityError(f"{self.what}在第 {offset + done} 字节处提前结束：文件不完整或在读取时被改动")

    def read(self, offset: int, length: int) -> bytes:
        buffer = bytearray(length)
        self.read_into(offset, memoryview(buffer))
        return bytes(buffer)


def _write_all(fd: int, offset: int, data: memoryview | bytes, lock: threading.Lock) -> None:
    view = memoryview(data)
    if hasattr(os, "pwrite"):
        while view:
            written = os.pwrite(fd, view, offset)
            view = view[written:]
            offset += written
        return
    with lock:
        os.lseek(fd, offset, os.SEEK_SET)
        while view:
            view = view[os.write(fd, view) :]


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspection:
    """What the envelope says about itself; ``verified`` tells whether verify() checked it."""

    header: Header
    commitment: str
    ciphertext_digest: str
    signature: str
    size: int
    verified: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "header": self.header.to_json(),
            "commitment": self.commitment,
            "ciphertext_digest": self.ciphertext_digest,
            "signature": self.signature,
            "size": self.size,
            "verified": self.verified,
        }


@dataclass(frozen=True)
class SealResult:
    path: Path
    header: Header
    manifest: Manifest
    commitment: str
    ciphertext_digest: str
    signature: str
    size: int


@dataclass(frozen=True)
class UnsealResult:
    manifest: Manifest
    commitment: str
    header: Header | None  # None when the input was a plaintext package
    out_dir: Path | None
    files_checked: bool = True  # False: the file digests were left to check_unsealed_files()

    @property
    def opening_data(self) -> Mapping[str, Any]:
        return self.manifest.opening_data

    @property
    def files(self) -> tuple[Path, ...]:
        if self.out_dir is None:
            return ()
        return tuple(self.out_dir / "files" / entry.name for entry in self.manifest.files)


# --- output directory ----------------------------------------------------------------------------


class _Output:
    """Writes the package's files into a hidden sibling directory and moves it into place only when
    everything checked out; a failed unseal leaves nothing behind."""

    def __init__(self, out_dir: PathLike, manifest: Manifest) -> None:
        self.final = Path(out_dir)
        if self.final.exists() and (not self.final.is_dir() or any(self.final.iterdir())):
            raise FileExistsError(f"输出目录 {self.final} 已存在且不为空，请指定一个新目录")
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.parent / f".{self.final.name}.{secrets.token_hex(4)}.unseal"
        (self.tmp / "files").mkdir(parents=True)
        self.manifest = manifest
        self._lock = threading.Lock()
        self._fds: dict[int, int] = {}
        self._left = [-(-entry.size // SEGMENT_SIZE) for entry in manifest.files]

    def path(self, part: int) -> Path:
        return self.tmp / "files" / self.manifest.files[part - 1].name

    def write(self, part: int, offset: int, data: memoryview) -> None:
        with self._lock:
            fd = self._fds.get(part)
            if fd is None:
                fd = self._fds[part] = os.open(self.path(part), os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o600)
        _write_all(fd, offset, data, self._lock)
        with self._lock:
            self._left[part - 1] -= 1
            if self._left[part - 1] == 0:
                os.close(self._fds.pop(part))

    def finish(self, manifest_bytes: bytes) -> Path:
        for part, entry in enumerate(self.manifest.files, start=1):
            if entry.size == 0:
                self.path(part).touch(mode=0o600, exist_ok=False)
        (self.tmp / "manifest.json").write_bytes(manifest_bytes)
        if self.final.exists():
            self.final.rmdir()
        os.replace(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- reading an envelope -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Opened:
    header: Header
    prefix_length: int
    header_digest: bytes
    trailer: Trailer
    size: int


def _open_envelope(reader: _Reader) -> _Opened:
    if reader.size < PREFIX_FIXED:
        raise BidFormatError("文件太短，不是 GGZY 密封投标文件")
    header_length = parse_prefix_start(reader.read(0, PREFIX_FIXED))
    if reader.size < PREFIX_FIXED + header_length:
        raise BidIntegrityError("投标文件在文件头中间结束：文件被截断")
    prefix = reader.read(0, PREFIX_FIXED + header_length)
    header = parse_header(prefix[PREFIX_FIXED:])
    expected = header.envelope_length(len(prefix))
    if reader.size != expected:
        raise BidIntegrityError(
            f"投标文件长度为 {reader.size} 字节，文件头声明应为 {expected} 字节：文件被截断、拼接或增删了分段"
        )
    trailer = Trailer.from_bytes(reader.read(reader.size - TRAILER_SIZE, TRAILER_SIZE))
    return _Opened(header, len(prefix), hashlib.sha256(prefix).digest(), trailer, reader.size)


def _inspection(opened: _Opened, *, verified: bool) -> Inspection:
    return Inspection(
        header=opened.header,
        commitment=opened.trailer.commitment.hex(),
        ciphertext_digest=opened.trailer.ciphertext_digest.hex(),
        signature=b64url_encode(opened.trailer.signature),
        size=opened.size,
        verified=verified,
    )


def inspect(envelope: Source) -> Inspection:
    """Header, commitment, ciphertext digest and signature as the envelope states them, checking
    only the structure (no key needed, nothing verified cryptographically)."""
    with _Reader(envelope) as reader:
        return _inspection(_open_envelope(reader), verified=False)


def _ciphertext_digest(reader: _Reader, length: int, workers: int | None) -> bytes:
    def leaf(start: int) -> bytes:
        buffer = memoryview(_buffers()[0])[: min(SEGMENT_SIZE, length - start)]
        reader.read_into(start, buffer)
        digest = hashlib.sha256()
        digest.update(buffer)
        return digest.digest()

    return hash_list_root(LABEL_CIPHERTEXT, length, _run(range(0, length, SEGMENT_SIZE), leaf, workers))


def _signature_p1363(key: ec.EllipticCurvePrivateKey, message: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _signature_check(key: ec.EllipticCurvePublicKey, message: bytes, signature: bytes) -> bool:
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (r and s):
        return False
    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _check_expected(actual: bytes, expected: str | None, message: str) -> None:
    if expected is not None and actual != hex_digest(expected.lower(), what="预期摘要"):
        raise BidIntegrityError(message.format(actual=actual.hex(), expected=expected.lower()))


def verify(
    envelope: Source,
    *,
    signing_public_key: ec.EllipticCurvePublicKey,
    expected_commitment: str | None = None,
    expected_ciphertext_digest: str | None = None,
    workers: int | None = None,
) -> Inspection:
    """What the platform can check without any private key: the structure, the ciphertext digest
    (recomputed), and the bidder's signature over commitment and ciphertext digest."""
    with _Reader(envelope) as reader:
        opened = _open_envelope(reader)
        header = opened.header
        if key_id(signing_public_key) != header.signer_key_id:
            raise BidKeyError(
                f"签名公钥与投标文件不符：文件头记录的签名密钥标识为 {header.signer_key_id}，"
                f"所给公钥为 {key_id(signing_public_key)}"
            )
        digest = _ciphertext_digest(reader, opened.size - TRAILER_SIZE, workers)
    if digest != opened.trailer.ciphertext_digest:
        raise BidIntegrityError("密文摘要不符：文件头或密文在签名之后被改动")
    message = signature_message(header, opened.trailer.commitment, digest)
    if not _signature_check(signing_public_key, message, opened.trailer.signature):
        raise BidIntegrityError("投标人签名无效：承诺、密文摘要或文件头与签名不符")
    _check_expected(
        opened.trailer.commitment,
        expected_commitment,
        "明文承诺 {actual} 与回执中的承诺 {expected} 不一致",
    )
    _check_expected(digest, expected_ciphertext_digest, "密文摘要 {actual} 与回执中的 {expected} 不一致")
    return _inspection(opened, verified=True)


def _unwrap(header: Header, private_key: ec.EllipticCurvePrivateKey) -> bytes:
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise BidKeyError("解密需要投标人的密封私钥")
    if key_id(private_key) != header.recipient_key_id:
        raise BidKeyError(
            f"密封私钥与本投标文件不匹配：文件头要求密钥标识 {header.recipient_key_id}，"
            f"所给私钥为 {key_id(private_key)}"
        )
    ephemeral = public_key_from_raw(header.ephemeral_key, what="临时公钥")
    shared = private_key.exchange(ec.ECDH(), ephemeral)
    kek = derive_kek(shared, header.ephemeral_key, public_key_raw(private_key.public_key()))
    try:
        key = aes_key_unwrap(kek, header.wrapped_key)
    except InvalidUnwrap as exc:
        raise BidKeyError("无法解开内容密钥：封装的密钥或临时公钥被改动，或私钥不对") from exc
    if not _key_committed(header, key):
        raise BidKeyError("解开的内容密钥与文件头中的密钥承诺不符：文件头被改动，或投标文件在密封时就不一致")
    return key


def _key_committed(header: Header, key: bytes) -> bool:
    return hmac.compare_digest(key_commitment_of(header.nonce_prefix, key), header.key_commitment)


def _content_key(
    header: Header, sealing_private_key: ec.EllipticCurvePrivateKey | None, content_key: bytes | None
) -> bytes:
    """The content key, checked against the header's key commitment before any segment is
    decrypted: a wrong disclosed key is reported as such, not as a corrupted segment."""
    if content_key is not None:
        if len(content_key) != 32:
            raise BidKeyError("内容密钥应为 32 字节")
        key = bytes(content_key)
        if not _key_committed(header, key):
            raise BidKeyError("该内容密钥不是本投标文件承诺的内容密钥（与文件头中的密钥承诺不符），未解密任何内容")
        return key
    if sealing_private_key is not None:
        return _unwrap(header, sealing_private_key)
    raise BidKeyError("解密需要投标人的密封私钥")


def unwrap_content_key(envelope: Source, sealing_private_key: ec.EllipticCurvePrivateKey) -> bytes:
    """The 32-byte content key, for an opening where the bidder discloses the key instead of the
    plaintext (the platform then calls unseal(content_key=...)). It is checked against the key
    commitment, so a key that the platform would refuse is never handed over."""
    with _Reader(envelope) as reader:
        return _unwrap(_open_envelope(reader).header, sealing_private_key)


class _ThreadAead:
    """One AESGCM object per thread: cheap to make, and no reliance on an object being safe to
    share between threads that run at the same time (OpenSSL releases the GIL)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._local = threading.local()

    def get(self) -> AESGCM:
        aead = getattr(self._local, "aead", None)
        if aead is None:
            aead = self._local.aead = AESGCM(self._key)
        return aead


def _decrypt_into(aead: AESGCM, nonce: bytes, data: memoryview, ad: bytes, out: memoryview) -> memoryview:
    if hasattr(aead, "decrypt_into"):
        aead.decrypt_into(nonce, data, ad, out)
        return out
    return memoryview(aead.decrypt(nonce, bytes(data), ad))  # cryptography < 45


def _encrypt_into(aead: AESGCM, nonce: bytes, data: memoryview, ad: bytes, out: memoryview) -> memoryview:
    if hasattr(aead, "encrypt_into"):
        aead.encrypt_into(nonce, data, ad, out)
        return out
    return memoryview(aead.encrypt(nonce, bytes(data), ad))


def _segment_failed(segment: Segment, count: int) -> BidIntegrityError:
    if segment.counter == 0:
        return BidIntegrityError("文件头或第 1 段认证失败：文件头被改动，或密文被改动、替换")
    return BidIntegrityError(
        f"第 {segment.counter + 1} 段（共 {count} 段）认证失败：密文被改动、截断、重排或与其他投标文件拼接"
    )


def _check_manifest(manifest: Manifest, header: Header | None, plaintext_length: int) -> None:
    if header is not None and (manifest.lot_code, manifest.bidder_uscc) != (header.lot_code, header.bidder_uscc):
        raise BidIntegrityError("清单中的标段编号或统一社会信用代码与文件头不一致")
    total = head_length_for(len(manifest.canonical())) + sum(entry.size for entry in manifest.files)
    if total != plaintext_length:
        raise BidIntegrityError(f"清单所列文件总长 {total} 字节与实际明文长度 {plaintext_length} 字节不符")


def _file_digest_check(entry: FileEntry, leaves: Sequence[bytes]) -> None:
    digest = hash_list_root(LABEL_FILE, entry.size, leaves)
    if digest.hex() != entry.digest:
        raise BidIntegrityError(f"文件“{entry.name}”的内容摘要与清单不符：清单记录 {entry.digest}，实际 {digest.hex()}")


def _finish(
    manifest: Manifest,
    head: bytes,
    leaves: list[bytes] | None,
    *,
    header: Header | None,
    claimed: bytes | None,
    expected_commitment: str | None,
    output: _Output | None,
    backup: bool,
) -> UnsealResult:
    if leaves is not None:
        position = 0
        for entry in manifest.files:
            count = -(-entry.size // SEGMENT_SIZE)
            _file_digest_check(entry, leaves[position : position + count])
            position += count
    commitment = commitment_of_head(head)
    if claimed is not None and commitment != claimed:
        raise BidIntegrityError(
            f"明文承诺不符：解密得到的明文摘要为 {commitment.hex()}，投标人承诺的是 {claimed.hex()}"
        )
    if backup:
        message = "备份文件的明文摘要 {actual} 与截止前回执中的承诺 {expected} 不一致，不能接受该备份文件"
    else:
        message = "明文摘要 {actual} 与投标回执中的承诺 {expected} 不一致"
    _check_expected(commitment, expected_commitment, message)
    out_dir = output.finish(manifest.canonical()) if output is not None else None
    return UnsealResult(
        manifest=manifest, commitment=commitment.hex(), header=header, out_dir=out_dir, files_checked=leaves is not None
    )


def unseal(
    envelope: Source,
    *,
    sealing_private_key: ec.EllipticCurvePrivateKey | None = None,
    content_key: bytes | None = None,
    out_dir: PathLike | None = None,
    expected_commitment: str | None = None,
    workers: int | None = None,
    check_file_digests: bool = True,
    _backup: bool = False,
) -> UnsealResult:
    """Decrypt an envelope with the bidder's sealing private key (or a disclosed content key):
    check the key against the header's key commitment first, authenticate every segment, compare
    the head's commitment with the trailer's (and with ``expected_commitment`` from the receipt, if
    given) and, unless ``check_file_digests`` is False, re-hash every file against the manifest.
    With ``out_dir`` the manifest and files are written there (manifest.json, files/<name>);
    without it nothing is written.

    ``check_file_digests=False`` is the platform's opening: the key commitment and GCM fix the
    plaintext of an envelope whose ciphertext digest is in the receipt, so the file digests (the
    bidder's own second description of the same bytes) can be re-hashed after the opening with
    check_unsealed_files(). It skips about 8/9 of the work."""
    with _Reader(envelope) as reader:
        opened = _open_envelope(reader)
        header = opened.header
        key = _content_key(header, sealing_private_key, content_key)
        aead = _ThreadAead(key)
        ad = opened.header_digest
        prefix = header.nonce_prefix

        def decrypt(segment: Segment) -> memoryview:
            source, target = _buffers()
            data = memoryview(source)[: segment.length + TAG_SIZE]
            reader.read_into(segment.offset, data)
            try:
                nonce = segment_nonce(prefix, segment.counter, segment.last)
                return _decrypt_into(aead.get(), nonce, data, ad, memoryview(target)[: segment.length])
            except InvalidTag as exc:
                raise _segment_failed(segment, header.segment_count) from exc

        first = Segment(0, 0, 0, header.head_length, opened.prefix_length, header.segment_count == 1)
        head = bytes(decrypt(first))
        try:
            manifest = parse_head(head)
        except BidFormatError as exc:
            raise BidFormatError(f"解密后的清单格式错误：{exc}") from exc
        _check_manifest(manifest, header, header.plaintext_length)
        segments = layout(opened.prefix_length, header.head_length, [entry.size for entry in manifest.files])
        if len(segments) != header.segment_count:
            raise BidIntegrityError("清单所列文件的分段数与文件头不符")
        output = _Output(out_dir, manifest) if out_dir is not None else None

        def job(segment: Segment) -> bytes:
            plain = decrypt(segment)
            if output is not None:
                output.write(segment.part, segment.part_offset, plain)
            if not check_file_digests:
                return b""
            digest = hashlib.sha256()
            digest.update(plain)
            return digest.digest()

        try:
            leaves = _run(segments[1:], job, workers)
            return _finish(
                manifest,
                head,
                leaves if check_file_digests else None,
                header=header,
                claimed=opened.trailer.commitment,
                expected_commitment=expected_commitment,
                output=output,
                backup=_backup,
            )
        except BaseException:
            if output is not None:
                output.abort()
            raise


def open_package(
    package: Source,
    *,
    out_dir: PathLike | None = None,
    expected_commitment: str | None = None,
    workers: int | None = None,
    _backup: bool = False,
) -> UnsealResult:
    """Check a plaintext package (a backup kept by the bidder): parse its head, re-hash every file,
    compute its commitment, and optionally extract it like unseal()."""
    with _Reader(package, what="明文包") as reader:
        if reader.size < PACKAGE_FIXED:
            raise BidFormatError("文件太短，不是 GGZY 明文包")
        start = reader.read(0, PACKAGE_FIXED)
        if start[: len(PACKAGE_MAGIC)] != PACKAGE_MAGIC:
            parse_head(start)  # raises the precise format error
        head_length = head_length_for(int.from_bytes(start[len(PACKAGE_MAGIC) :], "big"))
        if head_length > reader.size:
            raise BidIntegrityError("明文包在包头中间结束：文件被截断")
        head = reader.read(0, head_length)
        manifest = parse_head(head)
        _check_manifest(manifest, None, reader.size)
        pieces: list[tuple[int, int, int, int]] = []
        offset = head_length
        for part, entry in enumerate(manifest.files, start=1):
            pieces.extend(
                (part, start, min(SEGMENT_SIZE, entry.size - start), offset + start)
                for start in range(0, entry.size, SEGMENT_SIZE)
            )
            offset += entry.size
        output = _Output(out_dir, manifest) if out_dir is not None else None

        def job(piece: tuple[int, int, int, int]) -> bytes:
            part, part_offset, length, position = piece
            data = memoryview(_buffers()[0])[:length]
            reader.read_into(position, data)
            digest = hashlib.sha256()
            digest.update(data)
            if output is not None:
                output.write(part, part_offset, data)
            return digest.digest()

        try:
            leaves = _run(pieces, job, workers)
            return _finish(
                manifest,
                head,
                leaves,
                header=None,
                claimed=None,
                expected_commitment=expected_commitment,
                output=output,
                backup=_backup,
            )
        except BaseException:
            if output is not None:
                output.abort()
            raise


def verify_backup(
    backup: Source | PathLike,
    *,
    expected_commitment: str,
    sealing_private_key: ec.EllipticCurvePrivateKey | None = None,
    content_key: bytes | None = None,
    out_dir: PathLike | None = None,
    workers: int | None = None,
    check_file_digests: bool = True,
) -> UnsealResult:
    """The backup-file rule: a backup envelope (needs the key it was sealed to) or a plaintext
    package is acceptable only if its plaintext commitment equals the one in the pre-deadline
    receipt. Raises BidIntegrityError otherwise.

    ``check_file_digests=False`` applies to a backup envelope as to unseal(); a plaintext package
    is always re-hashed, because nothing but its file digests binds its files to the commitment."""
    with _Reader(backup, what="备份文件") as reader:
        magic = reader.read(0, min(8, reader.size))
    if magic == ENVELOPE_MAGIC:
        return unseal(
            backup,
            sealing_private_key=sealing_private_key,
            content_key=content_key,
            out_dir=out_dir,
            expected_commitment=expected_commitment,
            workers=workers,
            check_file_digests=check_file_digests,
            _backup=True,
        )
    if magic == PACKAGE_MAGIC:
        return open_package(
            backup, out_dir=out_dir, expected_commitment=expected_commitment, workers=workers, _backup=True
        )
    raise BidFormatError("备份文件既不是 GGZY 密封投标文件，也不是 GGZY 明文包")


def check_unsealed_files(
    directory: PathLike, *, expected_commitment: str | None = None, workers: int | None = None
) -> Manifest:
    """Re-hash the files that an unseal wrote (``manifest.json`` and ``files/<name>``) against the
    manifest's file digests: the check that ``check_file_digests=False`` leaves for after the
    opening. With ``expected_commitment`` the manifest must also be the committed one. Raises
    BidIntegrityError naming the first file that differs, and returns the manifest otherwise."""
    root = Path(directory)
    try:
        manifest = Manifest.from_json(parse_canonical_json((root / "manifest.json").read_bytes(), where="清单"))
    except BidFormatError as exc:
        raise BidFormatError(f"解密目录中的清单格式错误：{exc}") from exc
    _check_expected(
        commitment_of_head(build_head(manifest)),
        expected_commitment,
        "解密目录中清单的明文摘要 {actual} 与投标回执中的承诺 {expected} 不一致",
    )
    for entry in manifest.files:
        with _Reader(root / "files" / entry.name, what=f"文件“{entry.name}”") as reader:
            if reader.size != entry.size:
                raise BidIntegrityError(f"文件“{entry.name}”的大小为 {reader.size} 字节，清单记录 {entry.size} 字节")

            def leaf(start: int, reader: _Reader = reader, size: int = entry.size) -> bytes:
                data = memoryview(_buffers()[0])[: min(SEGMENT_SIZE, size - start)]
                reader.read_into(start, data)
                digest = hashlib.sha256()
                digest.update(data)
                return digest.digest()

            _file_digest_check(entry, _run(range(0, entry.size, SEGMENT_SIZE), leaf, workers))
    return manifest


# --- sealing ---------------------------------------------------------------------------------


def _inputs(files: Iterable[PathLike | tuple[str, PathLike]]) -> list[tuple[str, Path]]:
    result = []
    for item in files:
        if isinstance(item, tuple):
            name, path = item
            result.append((name, Path(path)))
        else:
            result.append((Path(item).name, Path(item)))
    return result


def seal(
    *,
    out: PathLike,
    files: Iterable[PathLike | tuple[str, PathLike]],
    opening_data: Mapping[str, Any],
    lot_code: str,
    bidder_uscc: str,
    sealing_public_key: ec.EllipticCurvePublicKey,
    signing_private_key: ec.EllipticCurvePrivateKey,
    package_copy: PathLike | None = None,
    overwrite: bool = False,
    workers: int | None = None,
) -> SealResult:
    """Build the package from the opening data and files, encrypt it to the bidder's own sealing
    public key, sign the commitment and write the envelope to ``out`` (atomically). ``files`` are
    paths (the file name is kept) or (name, path) pairs. ``package_copy`` also writes the plaintext
    package, the backup form whose commitment is the same."""
    if not isinstance(sealing_public_key, ec.EllipticCurvePublicKey):
        raise BidKeyError("密封需要投标人的密封公钥（ECDH P-256）")
    if not isinstance(signing_private_key, ec.EllipticCurvePrivateKey):
        raise BidKeyError("签名需要投标人的签名私钥（ECDSA P-256）")
    out_path = Path(out)
    if out_path.exists() and not overwrite:
        raise FileExistsError(f"输出文件 {out_path} 已存在")
    inputs = _inputs(files)
    readers = [_Reader(path, what=f"文件“{name}”") for name, path in inputs]
    try:
        return _seal(
            out_path,
            inputs,
            readers,
            opening_data=opening_data,
            lot_code=lot_code,
            bidder_uscc=bidder_uscc,
            recipient=sealing_public_key,
            signer=signing_private_key,
            package_copy=Path(package_copy) if package_copy is not None else None,
            workers=workers,
        )
    finally:
        for reader in readers:
            reader.close()


def _seal(
    out_path: Path,
    inputs: list[tuple[str, Path]],
    readers: list[_Reader],
    *,
    opening_data: Mapping[str, Any],
    lot_code: str,
    bidder_uscc: str,
    recipient: ec.EllipticCurvePublicKey,
    signer: ec.EllipticCurvePrivateKey,
    package_copy: Path | None,
    workers: int | None,
) -> SealResult:
    pieces = [
        (index, start, min(SEGMENT_SIZE, reader.size - start))
        for index, reader in enumerate(readers)
        for start in range(0, reader.size, SEGMENT_SIZE)
    ]

    def leaf(piece: tuple[int, int, int]) -> bytes:
        index, start, length = piece
        data = memoryview(_buffers()[0])[:length]
        readers[index].read_into(start, data)
        digest = hashlib.sha256()
        digest.update(data)
        return digest.digest()

    leaves = _run(pieces, leaf, workers)
    entries, position = [], 0
    for (name, _path), reader in zip(inputs, readers, strict=True):
        count = -(-reader.size // SEGMENT_SIZE)
        digest = hash_list_root(LABEL_FILE, reader.size, leaves[position : position + count])
        entries.append(FileEntry(name=name, size=reader.size, digest=digest.hex()))
        position += count
    manifest = Manifest(
        lot_code=lot_code,
        bidder_uscc=bidder_uscc,
        opening_data=dict(opening_data_validate(opening_data)),
        files=tuple(entries),
        salt=secrets.token_bytes(32),
    ).validate()
    head = build_head(manifest)

    content_key = AESGCM.generate_key(bit_length=256)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    ephemeral_raw = public_key_raw(ephemeral.public_key())
    kek = derive_kek(ephemeral.exchange(ec.ECDH(), recipient), ephemeral_raw, public_key_raw(recipient))
    sizes = [reader.size for reader in readers]
    segment_count = len(layout(0, len(head), sizes))
    nonce_prefix = secrets.token_bytes(NONCE_PREFIX_SIZE)
    header = Header(
        lot_code=manifest.lot_code,
        bidder_uscc=manifest.bidder_uscc,
        head_length=len(head),
        plaintext_length=len(head) + sum(sizes),
        segment_count=segment_count,
        nonce_prefix=nonce_prefix,
        ephemeral_key=ephemeral_raw,
        wrapped_key=aes_key_wrap(kek, content_key),
        key_commitment=key_commitment_of(nonce_prefix, content_key),
        recipient_key_id=key_id(recipient),
        signer_key_id=key_id(signer),
    )
    parse_header(header.prefix()[PREFIX_FIXED:])  # the reader's checks apply to what we write
    prefix = header.prefix()
    ad = hashlib.sha256(prefix).digest()
    aead = _ThreadAead(content_key)
    segments = layout(len(prefix), len(head), sizes)
    body_length = len(prefix) + header.ciphertext_length

    tmp = out_path.parent / f".{out_path.name}.{secrets.token_hex(4)}.part"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o644)
    lock = threading.Lock()
    try:
        _write_all(fd, 0, prefix, lock)
        first = segments[0]
        _write_all(
            fd, first.offset, aead.get().encrypt(segment_nonce(header.nonce_prefix, 0, first.last), head, ad), lock
        )

        def encrypt(segment: Segment) -> None:
            source, target = _buffers()
            data = memoryview(source)[: segment.length]
            readers[segment.part - 1].read_into(segment.part_offset, data)
            digest = hashlib.sha256()
            digest.update(data)
            if digest.digest() != leaves[segment.counter - 1]:
                name = inputs[segment.part - 1][0]
                raise BidIntegrityError(f"文件“{name}”在密封过程中被修改，请关闭正在编辑它的程序后重新密封")
            nonce = segment_nonce(header.nonce_prefix, segment.counter, segment.last)
            sealed = _encrypt_into(aead.get(), nonce, data, ad, memoryview(target)[: segment.length + TAG_SIZE])
            _write_all(fd, segment.offset, sealed, lock)

        _run(segments[1:], encrypt, workers)
        with _Reader(tmp) as written:
            ciphertext_digest = _ciphertext_digest(written, body_length, workers)
        commitment = commitment_of_head(head)
        signature = _signature_p1363(signer, signature_message(header, commitment, ciphertext_digest))
        _write_all(fd, body_length, Trailer(commitment, ciphertext_digest, signature).to_bytes(), lock)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, out_path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    if package_copy is not None:
        _write_package(package_copy, head, readers, inputs, leaves)
    return SealResult(
        path=out_path,
        header=header,
        manifest=manifest,
        commitment=commitment.hex(),
        ciphertext_digest=ciphertext_digest.hex(),
        signature=b64url_encode(signature),
        size=body_length + TRAILER_SIZE,
    )


def _write_package(
    path: Path, head: bytes, readers: list[_Reader], inputs: list[tuple[str, Path]], leaves: list[bytes]
) -> None:
    """The plaintext package (head ‖ files), checked against the leaves that were sealed."""
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.part"
    buffer = bytearray(SEGMENT_SIZE)
    position = 0
    try:
        with open(tmp, "xb") as out:
            out.write(head)
            for (name, _path), reader in zip(inputs, readers, strict=True):
                for start in range(0, reader.size, SEGMENT_SIZE):
                    data = memoryview(buffer)[: min(SEGMENT_SIZE, reader.size - start)]
                    reader.read_into(start, data)
                    if hashlib.sha256(data).digest() != leaves[position]:
                        raise BidIntegrityError(f"文件“{name}”在密封过程中被修改，明文备份未写出")
                    position += 1
                    out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
