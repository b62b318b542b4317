"""Key pairs of a bidder: a sealing pair (ECDH P-256, receives the wrapped content key) and a
signing pair (ECDSA P-256, signs the commitment). P-256 because it is the one elliptic curve that
every browser's WebCrypto offers for both ECDH and ECDSA.

Keys travel as PEM (PKCS#8 / SubjectPublicKeyInfo, private keys optionally protected with a
passphrase) or as JWK (RFC 7517/7518), which is what a browser exports. A JWK carries
``use`` = ``enc`` (sealing) or ``sig`` (signing) so one key cannot be used for the other job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bidtool.canonical import b64url_decode, b64url_encode
from bidtool.errors import BidFormatError, BidKeyError

KeyUse = Literal["enc", "sig"]
CURVE = ec.SECP256R1()
_USE_NAMES = {"enc": "密封（加密）", "sig": "签名"}


def generate_sealing_key() -> ec.EllipticCurvePrivateKey:
    """A new sealing private key (ECDH P-256)."""
    return ec.generate_private_key(CURVE)


def generate_signing_key() -> ec.EllipticCurvePrivateKey:
    """A new signing private key (ECDSA P-256)."""
    return ec.generate_private_key(CURVE)


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None:
        return None
    data = passphrase.encode("utf-8") if isinstance(passphrase, str) else bytes(passphrase)
    if not data:
        raise BidKeyError("口令不能为空")
    return data


def private_key_to_pem(key: ec.EllipticCurvePrivateKey, passphrase: str | bytes | None = None) -> bytes:
    """PKCS#8 PEM; encrypted with the best scheme OpenSSL offers when a passphrase is given."""
    secret = _passphrase_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def public_key_to_pem(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> bytes:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_raw(key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed point 0x04 ‖ X ‖ Y (what WebCrypto exports as "raw")."""
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def public_key_from_raw(data: bytes, *, what: str = "公钥") -> ec.EllipticCurvePublicKey:
    if len(data) != 65 or data[0] != 4:
        raise BidFormatError(f"{what}应为 65 字节的未压缩 P-256 点")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(CURVE, data)
    except ValueError as exc:
        raise BidFormatError(f"{what}不是 P-256 曲线上的点") from exc


def _coordinates(key: ec.EllipticCurvePublicKey) -> tuple[str, str]:
    numbers = key.public_numbers()
    return b64url_encode(numbers.x.to_bytes(32, "big")), b64url_encode(numbers.y.to_bytes(32, "big"))


def key_id(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    x, y = _coordinates(public)
    members = f'{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}'
    return b64url_encode(hashlib.sha256(members.encode("ascii")).digest())


def public_key_to_jwk(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey, use: KeyUse) -> dict[str, str]:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    x, y = _coordinates(public)
    jwk = {"kty": "EC", "crv": "P-256", "x": x, "y": y, "use": use, "kid": key_id(public)}
    if use == "sig":
        jwk["alg"] = "ES256"
    return jwk


def private_key_to_jwk(key: ec.EllipticCurvePrivateKey, use: KeyUse) -> dict[str, str]:
    """Unencrypted JWK: keep it as safe as the key itself (the browser exports the same)."""
    jwk = public_key_to_jwk(key, use)
    jwk["d"] = b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))
    return jwk


def _check_curve(key: Any, use: KeyUse | None) -> None:
    if not isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) or key.curve.name != CURVE.name:
        expected = _USE_NAMES.get(use or "", "")
        raise BidKeyError(f"{expected}密钥必须是 P-256（secp256r1）椭圆曲线密钥")


def _jwk_mapping(data: bytes | str | Mapping[str, Any]) -> Mapping[str, Any] | None:
    if isinstance(data, Mapping):
        return data
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BidKeyError(f"密钥文件不是有效的 JWK（JSON）：{exc.msg}") from exc
    if not isinstance(value, Mapping):
        raise BidKeyError("密钥文件不是 JWK 对象")
    return value


def _jwk_check(jwk: Mapping[str, Any], use: KeyUse | None) -> tuple[int, int]:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise BidKeyError("JWK 密钥必须是 kty=EC、crv=P-256")
    if use is not None and "use" in jwk and jwk["use"] != use:
        raise BidKeyError(f"这是{_USE_NAMES.get(jwk['use'], str(jwk['use']))}密钥，不能用作{_USE_NAMES[use]}密钥")
    try:
        x = int.from_bytes(b64url_decode(jwk.get("x", ""), length=32, what="JWK 的 x"), "big")
        y = int.from_bytes(b64url_decode(jwk.get("y", ""), length=32, what="JWK 的 y"), "big")
    except BidFormatError as exc:
        raise BidKeyError(str(exc)) from exc
    return x, y


def _jwk_public(x: int, y: int) -> ec.EllipticCurvePublicKey:
    try:
        return ec.EllipticCurvePublicNumbers(x, y, CURVE).public_key()
    except ValueError as exc:
        raise BidKeyError("JWK 公钥不是 P-256 曲线上的点") from exc


def load_public_key(data: bytes | str | Mapping[str, Any], *, use: KeyUse | None = None) -> ec.EllipticCurvePublicKey:
    """A public key from PEM, from a JWK (JSON text or mapping) or from a private key's JWK/PEM."""
    jwk = _jwk_mapping(data)
    if jwk is not None:
        return _jwk_public(*_jwk_check(jwk, use))
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)  # type: ignore[arg-type]
    try:
        key: Any = serialization.load_pem_public_key(raw)
    except (ValueError, UnsupportedAlgorithm):
        try:
            key = serialization.load_pem_private_key(raw, password=None).public_key()
        except (TypeError, ValueError, UnsupportedAlgorithm) as exc:
            raise BidKeyError("无法读取公钥：既不是 PEM 公钥，也不是 JWK") from exc
    _check_curve(key, use)
    return key


def load_private_key(
    data: bytes | str | Mapping[str, Any],
    *,
    passphrase: str | bytes | None = None,
    use: KeyUse | None = None,
) -> ec.EllipticCurvePrivateKey:
    """A private key from PEM (PKCS#8 or SEC1, encrypted or not) or from a JWK with ``d``."""
    jwk = _jwk_mapping(data)
    if jwk is not None:
        x, y = _jwk_check(jwk, use)
        if "d" not in jwk:
            raise BidKeyError("JWK 中没有私钥部分（d），这是一个公钥")
        try:
            d = int.from_bytes(b64url_decode(jwk["d"], length=32, what="JWK 的 d"), "big")
            key = ec.derive_private_key(d, CURVE)
        except (BidFormatError, ValueError) as exc:
            raise BidKeyError("JWK 私钥（d）无效") from exc
        if key.public_key().public_numbers() != _jwk_public(x, y).public_numbers():
            raise BidKeyError("JWK 的私钥与其中的公钥不一致")
        return key
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)  # type: ignore[arg-type]
    try:
        loaded: Any = serialization.load_pem_private_key(raw, password=_passphrase_bytes(passphrase))
    except TypeError as exc:
        if passphrase is None:
            raise BidKeyError("私钥受口令保护，请提供口令") from exc
        raise BidKeyError("私钥没有口令保护，不应提供口令") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        if passphrase is not None and b"ENCRYPTED" in raw:
            raise BidKeyError("口令错误，无法解开私钥") from exc
        raise BidKeyError("无法读取私钥：既不是 PEM 私钥，也不是 JWK") from exc
    _check_curve(loaded, use)
    return loaded
