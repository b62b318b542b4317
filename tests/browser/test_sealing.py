"""static/ggzy/sealing.js in a real browser, served by the platform under its CSP: a bid sealed in
the browser opens with the Python bid tool, a bid sealed with the bid tool opens in the browser,
and the browser's verify refuses a tampered envelope."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

import bidtool
from bidtool.uscc import uscc_check_character

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USCC = "91650100MA7788990" + uscc_check_character("91650100MA7788990")
LOT = "E6540000000000001001-01"
OPENING = {
    "price_fen": 987654321,
    "duration_days": 240,
    "quality": "合格",
    "project_manager": {"name": "阿依古丽", "certificate": "新265000123"},
    "remarks": ["无偏离", "含税"],
}

# Helpers defined in the page for the tests only (evaluate is not subject to the page's CSP).
HELPERS = """
() => {
  window.testBytes = {
    toB64(bytes) {
      let binary = "";
      for (let i = 0; i < bytes.length; i += 32768) {
        binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
      }
      return btoa(binary);
    },
    fromB64(text) { return Uint8Array.from(atob(text), (c) => c.charCodeAt(0)); },
    pattern(size, seed) {
      const data = new Uint8Array(size);
      for (let j = 0; j < size; j++) data[j] = (j * 31 + seed * 7) & 255;
      return data;
    },
    async hex(blob) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
      return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    },
  };
}
"""


def pattern(size: int, seed: int) -> bytes:
    cycle = bytes((j * 31 + seed * 7) & 255 for j in range(256))
    return (cycle * (size // 256 + 1))[:size]


@pytest.fixture
def page(browser, live_server, reference_data):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(live_server.url + "/")
    page.add_script_tag(url=live_server.url + "/static/ggzy/sealing.js")
    page.wait_for_function("() => window.GGZYSealing !== undefined")
    page.evaluate(HELPERS)
    yield page
    assert page.console_errors == []
    context.close()


SIZES = [0, 5, bidtool.SEGMENT_SIZE, 2 * bidtool.SEGMENT_SIZE + 12345]


def test_a_bid_sealed_in_the_browser_unseals_with_the_bid_tool(page, tmp_path: Path) -> None:
    result = page.evaluate(
        """async ({opening, lot, uscc, sizes}) => {
          const S = GGZYSealing;
          const sealing = await S.generateSealingKeyPair({extractable: true});
          const signing = await S.generateSigningKeyPair();
          const files = sizes.map((size, i) => new File([testBytes.pattern(size, i)], "文件" + i + ".bin"));
          const sealed = await S.seal({
            files, openingData: opening, lotCode: lot, bidderUscc: uscc,
            sealingPublicKey: sealing.publicKey, signingKeyPair: signing,
          });
          const verified = await S.verify({envelope: sealed.envelope, signingPublicKey: signing.publicKey});
          return {
            envelope: testBytes.toB64(new Uint8Array(await sealed.envelope.arrayBuffer())),
            sealingJwk: await S.exportJwk(sealing.privateKey, "enc"),
            signingJwk: await S.exportJwk(signing.publicKey, "sig"),
            commitment: sealed.commitment,
            ciphertextDigest: sealed.ciphertextDigest,
            verified: verified.verified,
          };
        }""",
        {"opening": OPENING, "lot": LOT, "uscc": USCC, "sizes": SIZES},
    )
    assert result["verified"] is True
    assert "d" not in result["signingJwk"] and result["sealingJwk"]["use"] == "enc"
    envelope = tmp_path / "browser.ggzybid"
    envelope.write_bytes(base64.b64decode(result["envelope"]))

    signing_public = bidtool.load_public_key(result["signingJwk"], use="sig")
    report = bidtool.verify(envelope, signing_public_key=signing_public, expected_commitment=result["commitment"])
    assert report.ciphertext_digest == result["ciphertextDigest"]
    sealing_private = bidtool.load_private_key(result["sealingJwk"], use="enc")
    opened = bidtool.unseal(
        envelope,
        sealing_private_key=sealing_private,
        out_dir=tmp_path / "out",
        expected_commitment=result["commitment"],
    )
    assert opened.opening_data == OPENING
    assert opened.manifest.lot_code == LOT and opened.manifest.bidder_uscc == USCC
    for index, size in enumerate(SIZES):
        assert (tmp_path / "out" / "files" / f"文件{index}.bin").read_bytes() == pattern(size, index)


def test_a_bid_sealed_with_the_bid_tool_unseals_in_the_browser(page, tmp_path: Path) -> None:
    sealing, signing = bidtool.generate_sealing_key(), bidtool.generate_signing_key()
    inputs = []
    for index, size in enumerate(SIZES):
        path = tmp_path / f"附件{index}.dat"
        path.write_bytes(pattern(size, index + 3))
        inputs.append(path)
    sealed = bidtool.seal(
        out=tmp_path / "python.ggzybid",
        files=inputs,
        opening_data=OPENING,
        lot_code=LOT,
        bidder_uscc=USCC,
        sealing_public_key=sealing.public_key(),
        signing_private_key=signing,
    )
    result = page.evaluate(
        """async ({envelope, sealingJwk, signingJwk, commitment}) => {
          const S = GGZYSealing;
          const blob = new Blob([testBytes.fromB64(envelope)]);
          const verified = await S.verify(
            {envelope: blob, signingPublicKey: signingJwk, expectedCommitment: commitment});
          const pair = await S.importSealingKey(sealingJwk);
          const opened = await S.unseal({envelope: blob, sealingKeyPair: pair, expectedCommitment: commitment});
          const files = [];
          for (const file of opened.files) {
            files.push({name: file.name, size: file.size, sha256: await testBytes.hex(file.blob)});
          }
          return {verified: verified.verified, commitment: opened.commitment, opening: opened.openingData, files,
                  inspected: (await S.inspect(blob)).header};
        }""",
        {
            "envelope": base64.b64encode(sealed.path.read_bytes()).decode(),
            "sealingJwk": bidtool.private_key_to_jwk(sealing, "enc"),
            "signingJwk": bidtool.public_key_to_jwk(signing, "sig"),
            "commitment": sealed.commitment,
        },
    )
    assert result["verified"] is True
    assert result["commitment"] == sealed.commitment
    assert result["opening"] == OPENING
    assert result["inspected"] == sealed.header.to_json()
    assert [(f["name"], f["size"], f["sha256"]) for f in result["files"]] == [
        (path.name, path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()) for path in inputs
    ]


def test_the_browser_refuses_a_tampered_envelope(page, tmp_path: Path) -> None:
    sealing, signing = bidtool.generate_sealing_key(), bidtool.generate_signing_key()
    (tmp_path / "报价.txt").write_bytes("报价一览表".encode() * 1000)
    sealed = bidtool.seal(
        out=tmp_path / "bid.ggzybid",
        files=[tmp_path / "报价.txt"],
        opening_data=OPENING,
        lot_code=LOT,
        bidder_uscc=USCC,
        sealing_public_key=sealing.public_key(),
        signing_private_key=signing,
    )
    data = sealed.path.read_bytes()
    prefix_end = 12 + int.from_bytes(data[8:12], "big")
    ciphertext_flip = bytearray(data)
    ciphertext_flip[prefix_end + 5000] ^= 0x01
    header = data[12:prefix_end].replace(LOT.encode(), LOT[:-1].encode() + b"2")
    header_swap = data[:12] + header + data[prefix_end:]
    truncated = data[: len(data) - 200]
    committed = sealed.header.to_json()["key_commitment"].encode()
    other = base64.urlsafe_b64encode(bytes(32)).rstrip(b"=")
    key_commitment_swap = data[:12] + data[12:prefix_end].replace(committed, other) + data[prefix_end:]
    result = page.evaluate(
        """async ({variants, signingJwk, otherJwk, sealingJwk}) => {
          const S = GGZYSealing;
          const outcome = async (promise) => {
            try { await promise; return "accepted"; } catch (error) { return error.name + ": " + error.message; }
          };
          const out = {};
          for (const [name, text] of Object.entries(variants)) {
            const blob = new Blob([testBytes.fromB64(text)]);
            out["verify " + name] = await outcome(S.verify({envelope: blob, signingPublicKey: signingJwk}));
            out["unseal " + name] = await outcome(S.unseal({envelope: blob, sealingKeyPair: sealingJwk}));
          }
          const original = new Blob([testBytes.fromB64(variants.original)]);
          out["wrong signing key"] = await outcome(S.verify({envelope: original, signingPublicKey: otherJwk}));
          out["wrong commitment"] = await outcome(
            S.verify({envelope: original, signingPublicKey: signingJwk, expectedCommitment: "0".repeat(64)}));
          out["wrong content key"] = await outcome(S.unseal({envelope: original, contentKey: new Uint8Array(32)}));
          return out;
        }""",
        {
            "variants": {
                name: base64.b64encode(bytes(value)).decode()
                for name, value in {
                    "original": data,
                    "ciphertext flip": ciphertext_flip,
                    "header swap": header_swap,
                    "truncated": truncated,
                    "key commitment swap": key_commitment_swap,
                }.items()
            },
            "signingJwk": bidtool.public_key_to_jwk(signing, "sig"),
            "otherJwk": bidtool.public_key_to_jwk(bidtool.generate_signing_key(), "sig"),
            "sealingJwk": bidtool.private_key_to_jwk(sealing, "enc"),
        },
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    assert result["verify original"] == "accepted"
    assert result["unseal original"] == "accepted"
    assert result["verify ciphertext flip"].startswith("BidIntegrityError: 密文摘要不符")
    assert result["unseal ciphertext flip"].startswith("BidIntegrityError: 第 2 段")
    assert result["verify header swap"].startswith("BidIntegrityError: 密文摘要不符")
    assert result["unseal header swap"].startswith("BidIntegrityError: 文件头或第 1 段认证失败")
    assert result["verify truncated"].startswith("BidIntegrityError: 投标文件长度为")
    assert result["unseal truncated"].startswith("BidIntegrityError: 投标文件长度为")
    assert result["wrong signing key"].startswith("BidKeyError: 签名公钥与投标文件不符")
    assert result["wrong commitment"].startswith("BidIntegrityError: 明文承诺")
    assert result["verify key commitment swap"].startswith("BidIntegrityError: 密文摘要不符")
    assert result["unseal key commitment swap"].startswith("BidKeyError: 解开的内容密钥与文件头中的密钥承诺不符")
    assert result["wrong content key"].startswith("BidKeyError: 该内容密钥不是本投标文件承诺的内容密钥")
