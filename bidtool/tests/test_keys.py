"""Key generation and PEM / JWK export and import, with and without a passphrase."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

import bidtool
from bidtool.errors import BidKeyError


def test_pem_round_trip_with_and_without_passphrase(keys) -> None:
    plain = bidtool.private_key_to_pem(keys.sealing)
    protected = bidtool.private_key_to_pem(keys.sealing, "投标口令-2026")
    assert b"ENCRYPTED" in protected and b"ENCRYPTED" not in plain
    for pem, passphrase in [(plain, None), (protected, "投标口令-2026")]:
        loaded = bidtool.load_private_key(pem, passphrase=passphrase)
        assert bidtool.key_id(loaded) == bidtool.key_id(keys.sealing)
    public = bidtool.load_public_key(bidtool.public_key_to_pem(keys.sealing))
    assert bidtool.key_id(public) == bidtool.key_id(keys.sealing)
    # A private PEM also yields its public key (bidders mix them up).
    assert bidtool.key_id(bidtool.load_public_key(plain)) == bidtool.key_id(keys.sealing)


def test_passphrase_errors_say_what_is_wrong(keys) -> None:
    protected = bidtool.private_key_to_pem(keys.signing, b"right")
    with pytest.raises(BidKeyError, match="受口令保护"):
        bidtool.load_private_key(protected)
    with pytest.raises(BidKeyError, match="口令错误"):
        bidtool.load_private_key(protected, passphrase="wrong")
    with pytest.raises(BidKeyError, match="没有口令保护"):
        bidtool.load_private_key(bidtool.private_key_to_pem(keys.signing), passphrase="x")
    with pytest.raises(BidKeyError, match="不能为空"):
        bidtool.private_key_to_pem(keys.signing, "")


def test_jwk_round_trip_and_use_is_enforced(keys) -> None:
    jwk = bidtool.private_key_to_jwk(keys.sealing, "enc")
    assert set(jwk) == {"kty", "crv", "x", "y", "d", "use", "kid"}
    loaded = bidtool.load_private_key(json.dumps(jwk), use="enc")
    assert loaded.private_numbers() == keys.sealing.private_numbers()
    signing_jwk = bidtool.public_key_to_jwk(keys.signing, "sig")
    assert signing_jwk["alg"] == "ES256" and "d" not in signing_jwk
    with pytest.raises(BidKeyError, match="不能用作签名密钥"):
        bidtool.load_private_key(jwk, use="sig")
    with pytest.raises(BidKeyError, match="没有私钥部分"):
        bidtool.load_private_key(signing_jwk)
    broken = dict(jwk, y=jwk["x"])
    with pytest.raises(BidKeyError):
        bidtool.load_private_key(broken)
    with pytest.raises(BidKeyError):
        bidtool.load_public_key(b"not a key")


def test_key_id_is_the_rfc7638_thumbprint(keys) -> None:
    jwk = bidtool.public_key_to_jwk(keys.signing, "sig")
    members = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
    expected = base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()
    assert bidtool.key_id(keys.signing) == jwk["kid"] == expected


def test_other_curves_are_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(BidKeyError, match="P-256"):
        bidtool.load_private_key(bidtool.private_key_to_pem(other))
