"""The command line: Chinese help and messages, and the documented exit codes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bidtool
from bidtool import cli

from .conftest import LOT, USCC

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pass.txt").write_text("口令-2026\n", encoding="utf-8")
    (tmp_path / "opening.json").write_text(
        json.dumps({"lot_code": LOT, "bidder_uscc": USCC, "opening_data": {"price_fen": 5000000, "quality": "合格"}}),
        encoding="utf-8",
    )
    (tmp_path / "技术标.pdf").write_bytes(os.urandom(1_500_000))
    (tmp_path / "empty.txt").write_bytes(b"")
    assert cli.main(["keygen", "--out", "keys", "--passphrase-file", "pass.txt", "--private-jwk"]) == 0
    return tmp_path


def _seal(*extra: str) -> int:
    return cli.main(
        [
            "seal",
            "--manifest",
            "opening.json",
            "--sealing-public-key",
            "keys/sealing-public.jwk",
            "--signing-private-key",
            "keys/signing-private.pem",
            "--passphrase-file",
            "pass.txt",
            "--out",
            "bid.ggzybid",
            "技术标.pdf",
            "empty.txt",
            *extra,
        ]
    )


def test_full_cycle_through_the_command_line(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert _seal("--json") == cli.EXIT_OK
    sealed = json.loads(capsys.readouterr().out)
    assert cli.main(["inspect", "bid.ggzybid"]) == cli.EXIT_OK
    assert f"明文承诺：{sealed['commitment']}" in capsys.readouterr().out
    assert cli.main(["verify", "bid.ggzybid", "--signing-public-key", "keys/signing-public.pem"]) == cli.EXIT_OK
    assert "校验通过" in capsys.readouterr().out
    code = cli.main(
        [
            "unseal",
            "bid.ggzybid",
            "--sealing-private-key",
            "keys/sealing-private.pem",
            "--passphrase-env",
            "BID_PASS",
            "--out",
            "opened",
            "--expect-commitment",
            sealed["commitment"],
        ]
    )
    assert code == cli.EXIT_KEY  # the environment variable is not set
    assert "环境变量 BID_PASS 未设置" in capsys.readouterr().err
    os.environ["BID_PASS"] = "口令-2026"
    try:
        code = cli.main(
            [
                "unseal",
                "bid.ggzybid",
                "--sealing-private-key",
                "keys/sealing-private.pem",
                "--passphrase-env",
                "BID_PASS",
                "--out",
                "opened",
            ]
        )
    finally:
        del os.environ["BID_PASS"]
    assert code == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "解密成功" in out and "5000000" in out
    assert (workspace / "opened" / "files" / "技术标.pdf").read_bytes() == (workspace / "技术标.pdf").read_bytes()
    # The unencrypted private JWK (for a browser) opens it too.
    assert cli.main(["unseal", "bid.ggzybid", "--sealing-private-key", "keys/sealing-private.jwk"]) == cli.EXIT_OK


def test_exit_codes(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _seal("--package-copy", "backup.pkg") == cli.EXIT_OK
    assert _seal() == cli.EXIT_IO  # exists already
    assert "已存在" in capsys.readouterr().err
    data = bytearray((workspace / "bid.ggzybid").read_bytes())
    data[len(data) // 2] ^= 1
    (workspace / "bad.ggzybid").write_bytes(data)
    assert cli.main(["verify", "bad.ggzybid", "--signing-public-key", "keys/signing-public.jwk"]) == cli.EXIT_INTEGRITY
    assert "完整性校验失败" in capsys.readouterr().err
    unseal = ["unseal", "bad.ggzybid", "--sealing-private-key", "keys/sealing-private.jwk"]
    assert cli.main(unseal) == cli.EXIT_INTEGRITY
    assert cli.main(["verify", "bid.ggzybid", "--signing-public-key", "keys/sealing-public.jwk"]) == cli.EXIT_KEY
    assert "不能用作签名密钥" in capsys.readouterr().err
    (workspace / "wrong.txt").write_text("wrong\n")
    wrong = [
        "unseal",
        "bid.ggzybid",
        "--sealing-private-key",
        "keys/sealing-private.pem",
        "--passphrase-file",
        "wrong.txt",
    ]
    assert cli.main(wrong) == cli.EXIT_KEY
    assert "口令错误" in capsys.readouterr().err
    assert cli.main(["inspect", "opening.json"]) == cli.EXIT_FORMAT
    assert "格式错误" in capsys.readouterr().err
    assert cli.main(["inspect", "missing.ggzybid"]) == cli.EXIT_IO
    assert cli.main(["unseal", "backup.pkg", "--expect-commitment", "0" * 64]) == cli.EXIT_INTEGRITY
    assert cli.main(["unseal", "backup.pkg", "--out", "from-backup"]) == cli.EXIT_OK
    assert cli.main(["seal"]) == cli.EXIT_USAGE
    assert "缺少必需的参数" in capsys.readouterr().err
    (workspace / "float.json").write_text('{"opening_data": {"price_fen": 1.5}}')
    assert (
        cli.main(
            [
                "seal",
                "--manifest",
                "float.json",
                "--sealing-public-key",
                "x",
                "--signing-private-key",
                "y",
                "--out",
                "z",
            ]
        )
        == 3
    )
    assert "小数" in capsys.readouterr().err


def test_help_is_in_chinese_when_run_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bidtool", "unseal", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("用法：")
    assert "显示本帮助并退出" in result.stdout and "退出码" in result.stdout
    assert "show this help" not in result.stdout


def test_content_key_opens_its_bid_without_the_private_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sealing = bidtool.generate_sealing_key()
    key_file = tmp_path / "sealing.pem"
    key_file.write_bytes(bidtool.private_key_to_pem(sealing))
    result = bidtool.seal(
        out=tmp_path / "bid.gbid",
        files=[],
        opening_data={"price": 42},
        lot_code=LOT,
        bidder_uscc=USCC,
        sealing_public_key=sealing.public_key(),
        signing_private_key=bidtool.generate_signing_key(),
    )
    assert cli.main(["content-key", str(result.path), "--sealing-private-key", str(key_file), "--json"]) == 0
    value = json.loads(capsys.readouterr().out)["content_key"]
    key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert bidtool.unseal(result.path, content_key=key).opening_data == {"price": 42}
    with pytest.raises(bidtool.BidKeyError, match="不是本投标文件承诺的内容密钥"):
        bidtool.unseal(result.path, content_key=bytes(32))
