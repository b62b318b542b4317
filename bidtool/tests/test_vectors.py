"""The test vectors printed in docs/sealed-bid-format.md (appendix A): a third-party implementation
can check each step against them."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from bidtool.canonical import b64url_encode
from bidtool.format import (
    LABEL_FILE,
    SEGMENT_SIZE,
    FileEntry,
    Header,
    Manifest,
    build_head,
    commitment_of_head,
    derive_kek,
    hash_list_of_bytes,
    key_commitment_of,
    segment_nonce,
    signature_message,
)
from bidtool.keys import key_id, public_key_raw

USCC = "91650100MA7788990A"
ABC = "d0cf2347411b69692eb3eecd89ce4de47c5899bbde2b2ccd8b4851c2184e7d56"


def test_hash_lists() -> None:
    assert (
        hash_list_of_bytes(LABEL_FILE, b"").hex() == "674a9a3a815344d219e65f0160ee6254b2902fa8920812e2e1af6724e7b24d8c"
    )
    assert hash_list_of_bytes(LABEL_FILE, b"abc").hex() == ABC
    assert (
        hash_list_of_bytes(LABEL_FILE, b"a" * (SEGMENT_SIZE + 1)).hex()
        == "860fe221bf93617799241a434bf6c3d4de16a16cff88c61db6db10bf0f5441b7"
    )


def test_manifest_head_and_commitment() -> None:
    manifest = Manifest(
        lot_code="L-1",
        bidder_uscc=USCC,
        opening_data={"price_fen": 100, "工期": "90天"},
        files=(FileEntry("报价.txt", 3, ABC),),
        salt=b"\x11" * 32,
    ).validate()
    assert manifest.canonical().decode() == (
        '{"bidder_uscc":"91650100MA7788990A","files":[{"digest":"' + ABC + '","name":"报价.txt","size":3}],'
        '"format":"GGZY-BID-PACKAGE","lot_code":"L-1","opening_data":{"price_fen":100,"工期":"90天"},'
        '"salt":"ERERERERERERERERERERERERERERERERERERERERERE","version":1}'
    )
    head = build_head(manifest)
    assert len(head) == 4096 and head[:12] == b"GGZYPKG\x01" + (313).to_bytes(4, "big")
    assert commitment_of_head(head).hex() == "f66ffd736d97391976c41ea08912e411d245e4437095123e571b19d084b4c5ad"


def test_key_wrap_nonce_and_signed_message() -> None:
    recipient = ec.derive_private_key(int("11" * 32, 16), ec.SECP256R1())
    ephemeral = ec.derive_private_key(int("22" * 32, 16), ec.SECP256R1())
    recipient_raw, ephemeral_raw = public_key_raw(recipient.public_key()), public_key_raw(ephemeral.public_key())
    shared = ephemeral.exchange(ec.ECDH(), recipient.public_key())
    assert shared.hex() == "ccfc261f58193c98ca4ad4a53bbac6f0ee29bc4d48438090446908622ca79af6"
    kek = derive_kek(shared, ephemeral_raw, recipient_raw)
    assert kek.hex() == "2947e75c57222bd41516c00613bd16c74b9bdcd36fc6439eaf8daeed68e91f6a"
    wrapped = aes_key_wrap(kek, b"\x33" * 32)
    assert wrapped.hex() == "b5b8269068202849e20130d5880ab1b260254c17965c3e7bf3638c8d8c7ad6f5a0ad33b25af5e5a7"
    assert key_id(recipient) == "OEurnbzOGbRad4qOD9lNK8VYMQGvg5cmLnVKeydAqL4"
    assert segment_nonce(b"\x44" * 7, 5, True).hex() == "444444444444440000000501"
    commitment = key_commitment_of(b"\x44" * 7, b"\x33" * 32)
    assert commitment.hex() == "3341a7abc3afa5c2432405607a0061b9e866c1ca7873441d156b48ee46494f14"
    assert b64url_encode(commitment) == "M0Gnq8OvpcJDJAVgegBhuehmwcp4c0QdFWtI7kZJTxQ"
    header = Header(
        lot_code="L-1",
        bidder_uscc=USCC,
        head_length=4096,
        plaintext_length=4099,
        segment_count=2,
        nonce_prefix=b"\x44" * 7,
        ephemeral_key=ephemeral_raw,
        wrapped_key=wrapped,
        key_commitment=commitment,
        recipient_key_id=key_id(recipient),
        signer_key_id=key_id(ephemeral),
    )
    assert signature_message(header, b"\xaa" * 32, b"\xbb" * 32).hex() == (
        "47475a592d4249442f31207369676e617475726500"  # "GGZY-BID/1 signature" 0x00
        "01"  # version
        "0013503235362d4132353647434d2d534841323536"  # suite
        "00034c2d31"  # lot code
        "001239313635303130304d413737383839393041"  # USCC
    ) + ("aa" * 32 + "bb" * 32)  # commitment, ciphertext digest
