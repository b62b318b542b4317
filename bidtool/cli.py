"""Command line: ``python -m bidtool keygen | seal | unseal | verify | inspect``.

Exit codes (also in docs/sealed-bid-format.md §11):
  0 成功 · 1 意外错误 · 2 命令行参数错误 · 3 格式错误 (BidFormatError) ·
  4 完整性校验失败 (BidIntegrityError) · 5 密钥错误 (BidKeyError) · 6 文件读写错误
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bidtool import envelope, keys
from bidtool.canonical import reject_duplicate_keys, reject_float
from bidtool.errors import BidError, BidFormatError, BidIntegrityError, BidKeyError
from bidtool.format import PACKAGE_MAGIC

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_FORMAT = 3
EXIT_INTEGRITY = 4
EXIT_KEY = 5
EXIT_IO = 6

EPILOG = """退出码：0 成功；1 意外错误；2 命令行参数错误；3 格式错误；4 完整性校验失败（被改动、截断、
签名或摘要不符）；5 密钥错误（密钥不对、口令错误）；6 文件读写错误。
格式说明见 docs/sealed-bid-format.md。"""

# argparse builds its own sentences with gettext; these are the ones a user can meet.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选择：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个参数值",
    "expected at least one argument": "至少需要一个参数值",
    "expected at most one argument": "最多只能有一个参数值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须给出其中一个",
    "ambiguous option: %(option)s could match %(matches)s": "有歧义的选项：%(option)s 可以是 %(matches)s",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}


@contextlib.contextmanager
def _argparse_in_chinese() -> Iterator[None]:
    original = argparse._  # type: ignore[attr-defined]
    argparse._ = lambda text: _ARGPARSE_ZH.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _add_passphrase_options(parser: argparse.ArgumentParser, *, creating: bool) -> None:
    group = parser.add_mutually_exclusive_group()
    verb = "保护新私钥" if creating else "解开私钥"
    group.add_argument("--passphrase-file", metavar="文件", help=f"从文件第一行读取{verb}的口令")
    group.add_argument("--passphrase-env", metavar="变量名", help=f"从环境变量读取{verb}的口令")
    if creating:
        group.add_argument("--ask-passphrase", action="store_true", help="在终端输入口令（输入两次）")


def build_parser() -> argparse.ArgumentParser:
    with _argparse_in_chinese():
        return _build_parser()


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bidtool",
        description="GGZY 投标文件密封工具：在投标人自己的电脑上生成密钥、密封（加密并签名）、解密和校验投标文件。",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="bidtool 1.0（格式版本 1）", help="显示版本并退出")
    commands = parser.add_subparsers(dest="command", title="子命令")
    commands.required = True

    keygen = commands.add_parser(
        "keygen",
        help="生成密封密钥对和签名密钥对",
        description="生成密封密钥对（ECDH P-256）和签名密钥对（ECDSA P-256）。",
    )
    keygen.add_argument("--out", required=True, metavar="目录", help="写入密钥文件的目录")
    keygen.add_argument(
        "--private-jwk", action="store_true", help="另外写出未加密的 JWK 私钥（供浏览器导入，请妥善保管）"
    )
    keygen.add_argument("--force", action="store_true", help="覆盖已存在的密钥文件")
    _add_passphrase_options(keygen, creating=True)

    seal = commands.add_parser(
        "seal",
        help="密封投标文件",
        description="把开标数据和文件打包，用投标人自己的密封公钥加密，并用签名私钥对承诺签名。",
    )
    seal.add_argument("files", nargs="*", metavar="文件", help="要放进投标文件的文件（可多个）")
    seal.add_argument(
        "--manifest", required=True, metavar="JSON", help="开标数据清单：含 opening_data 对象的 JSON 文件"
    )
    seal.add_argument("--lot-code", metavar="编号", help="标段编号（清单中已有时可省略）")
    seal.add_argument("--uscc", metavar="代码", help="投标人统一社会信用代码（清单中已有时可省略）")
    seal.add_argument("--sealing-public-key", required=True, metavar="文件", help="投标人自己的密封公钥（PEM 或 JWK）")
    seal.add_argument("--signing-private-key", required=True, metavar="文件", help="投标人的签名私钥（PEM 或 JWK）")
    seal.add_argument("--out", required=True, metavar="文件", help="输出的密封投标文件")
    seal.add_argument("--package-copy", metavar="文件", help="另外写出明文包作为备份（与密封文件承诺相同，请妥善保管）")
    seal.add_argument("--force", action="store_true", help="覆盖已存在的输出文件")
    seal.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    _add_passphrase_options(seal, creating=False)

    unseal = commands.add_parser(
        "unseal",
        help="解密投标文件并核对承诺",
        description="用密封私钥解密投标文件（明文包则无需私钥），逐段认证，重新计算明文摘要并与承诺核对，"
        "把清单和文件写入目录（manifest.json 和 files/）。",
    )
    unseal.add_argument("envelope", metavar="投标文件", help="密封投标文件或明文包")
    unseal.add_argument("--sealing-private-key", metavar="文件", help="投标人的密封私钥（PEM 或 JWK）")
    unseal.add_argument("--out", metavar="目录", help="输出目录（须不存在或为空）；省略时只校验不写出")
    unseal.add_argument("--expect-commitment", metavar="摘要", help="投标回执中的明文承诺（64 位十六进制），须一致")
    unseal.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    _add_passphrase_options(unseal, creating=False)

    verify = commands.add_parser(
        "verify",
        help="不用私钥校验投标文件",
        description="检查结构、重新计算密文摘要并验证投标人签名；不需要任何私钥，也不能解密。",
    )
    verify.add_argument("envelope", metavar="投标文件", help="密封投标文件")
    verify.add_argument("--signing-public-key", required=True, metavar="文件", help="投标人的签名公钥（PEM 或 JWK）")
    verify.add_argument("--expect-commitment", metavar="摘要", help="回执中的明文承诺，须一致")
    verify.add_argument("--expect-ciphertext-digest", metavar="摘要", help="回执中的密文摘要，须一致")
    verify.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    inspect = commands.add_parser(
        "inspect", help="查看文件头和承诺", description="显示文件头、明文承诺、密文摘要和签名（不做密码学校验）。"
    )
    inspect.add_argument("envelope", metavar="投标文件", help="密封投标文件")
    inspect.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    content_key = commands.add_parser(
        "content-key",
        help="开标时取出本投标文件的内容密钥",
        description="用密封私钥解开本投标文件的内容密钥（32 字节，base64url 输出）并与文件头中的密钥承诺核对，"
        "在解密时限内提交给平台；"
        "密封私钥不离开本机，该内容密钥只能打开这一份投标文件。",
    )
    content_key.add_argument("envelope", metavar="投标文件", help="密封投标文件")
    content_key.add_argument(
        "--sealing-private-key", required=True, metavar="文件", help="投标人的密封私钥（PEM 或 JWK）"
    )
    content_key.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    _add_passphrase_options(content_key, creating=False)

    for sub in (keygen, seal, unseal, verify, inspect, content_key):
        sub.epilog = EPILOG
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _passphrase(args: argparse.Namespace, *, creating: bool) -> str | None:
    if getattr(args, "passphrase_file", None):
        with open(args.passphrase_file, encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    if getattr(args, "passphrase_env", None):
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise BidKeyError(f"环境变量 {args.passphrase_env} 未设置")
        return value
    if creating and getattr(args, "ask_passphrase", False):
        first = getpass.getpass("请输入保护私钥的口令：")
        if first != getpass.getpass("请再输入一次：") or not first:
            raise BidKeyError("两次输入的口令不一致或为空")
        return first
    return None


def _private_key(path: str, args: argparse.Namespace, use: keys.KeyUse) -> Any:
    data = Path(path).read_bytes()
    passphrase = _passphrase(args, creating=False)
    if passphrase is None and b"ENCRYPTED" in data and sys.stdin.isatty():
        passphrase = getpass.getpass(f"私钥 {path} 受口令保护，请输入口令：")
    return keys.load_private_key(data, passphrase=passphrase, use=use)


def _print(args: argparse.Namespace, data: dict[str, Any], lines: Sequence[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print("\n".join(lines))


def _cmd_keygen(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    passphrase = _passphrase(args, creating=True)
    sealing, signing = keys.generate_sealing_key(), keys.generate_signing_key()
    outputs: dict[str, bytes] = {
        "sealing-private.pem": keys.private_key_to_pem(sealing, passphrase),
        "sealing-public.pem": keys.public_key_to_pem(sealing),
        "sealing-public.jwk": json.dumps(keys.public_key_to_jwk(sealing, "enc"), indent=2).encode(),
        "signing-private.pem": keys.private_key_to_pem(signing, passphrase),
        "signing-public.pem": keys.public_key_to_pem(signing),
        "signing-public.jwk": json.dumps(keys.public_key_to_jwk(signing, "sig"), indent=2).encode(),
    }
    if args.private_jwk:
        outputs["sealing-private.jwk"] = json.dumps(keys.private_key_to_jwk(sealing, "enc"), indent=2).encode()
        outputs["signing-private.jwk"] = json.dumps(keys.private_key_to_jwk(signing, "sig"), indent=2).encode()
    existing = [name for name in outputs if (out / name).exists()]
    if existing and not args.force:
        raise FileExistsError(f"密钥文件已存在：{', '.join(existing)}（确需覆盖请加 --force）")
    for name, data in outputs.items():
        path = out / name
        path.write_bytes(data)
        if "private" in name:
            path.chmod(0o600)
    _print(
        args,
        {"sealing_key_id": keys.key_id(sealing), "signing_key_id": keys.key_id(signing), "directory": str(out)},
        [
            f"已在 {out} 生成密钥。",
            f"密封密钥标识：{keys.key_id(sealing)}",
            f"签名密钥标识：{keys.key_id(signing)}",
            "私钥未加口令保护，请妥善保管。" if passphrase is None else "私钥已用口令保护。",
            "丢失密封私钥将无法在开标时解密自己的投标文件，请另行备份。",
        ],
    )
    return EXIT_OK


def _read_manifest(path: str) -> dict[str, Any]:
    try:
        value = json.loads(
            Path(path).read_text(encoding="utf-8"), object_pairs_hook=reject_duplicate_keys, parse_float=reject_float
        )
    except json.JSONDecodeError as exc:
        raise BidFormatError(f"清单文件 {path} 不是有效的 JSON：{exc.msg}（第 {exc.lineno} 行）") from exc
    except UnicodeDecodeError as exc:
        raise BidFormatError(f"清单文件 {path} 不是 UTF-8 文本") from exc
    if not isinstance(value, dict) or not isinstance(value.get("opening_data"), dict):
        raise BidFormatError("清单文件应为 JSON 对象，并含有 opening_data 对象（开标数据）")
    extra = sorted(set(value) - {"opening_data", "lot_code", "bidder_uscc"})
    if extra:
        raise BidFormatError(f"清单文件含有未知字段：{', '.join(extra)}（文件请在命令行列出）")
    return value


def _agree(flag: str | None, given: Any, what: str) -> str:
    if flag is not None and given is not None and flag != given:
        raise BidFormatError(f"命令行的{what}“{flag}”与清单中的“{given}”不一致")
    value = flag if flag is not None else given
    if not value:
        raise BidFormatError(f"缺少{what}：请用命令行参数或在清单中给出")
    return str(value)


def _cmd_seal(args: argparse.Namespace) -> int:
    manifest = _read_manifest(args.manifest)
    result = envelope.seal(
        out=args.out,
        files=args.files,
        opening_data=manifest["opening_data"],
        lot_code=_agree(args.lot_code, manifest.get("lot_code"), "标段编号"),
        bidder_uscc=_agree(args.uscc, manifest.get("bidder_uscc"), "统一社会信用代码"),
        sealing_public_key=keys.load_public_key(Path(args.sealing_public_key).read_bytes(), use="enc"),
        signing_private_key=_private_key(args.signing_private_key, args, "sig"),
        package_copy=args.package_copy,
        overwrite=args.force,
    )
    _print(
        args,
        {
            "envelope": str(result.path),
            "size": result.size,
            "commitment": result.commitment,
            "ciphertext_digest": result.ciphertext_digest,
            "signature": result.signature,
            "header": result.header.to_json(),
        },
        [
            f"已密封：{result.path}（{result.size} 字节，{len(result.manifest.files)} 个文件）",
            f"明文承诺：{result.commitment}",
            f"密文摘要：{result.ciphertext_digest}",
            f"签名：{result.signature}",
            "请核对平台回执中的明文承诺与上面一致，并保存回执。",
        ],
    )
    return EXIT_OK


def _cmd_unseal(args: argparse.Namespace) -> int:
    with open(args.envelope, "rb") as handle:
        magic = handle.read(8)
    if magic == PACKAGE_MAGIC:
        result = envelope.open_package(args.envelope, out_dir=args.out, expected_commitment=args.expect_commitment)
    else:
        if not args.sealing_private_key:
            raise BidKeyError("解密需要密封私钥：请用 --sealing-private-key 指定")
        result = envelope.unseal(
            args.envelope,
            sealing_private_key=_private_key(args.sealing_private_key, args, "enc"),
            out_dir=args.out,
            expected_commitment=args.expect_commitment,
        )
    lines = [
        "解密成功，明文摘要与承诺一致。" if result.header is not None else "明文包校验通过，摘要与清单一致。",
        f"明文承诺：{result.commitment}",
        f"标段编号：{result.manifest.lot_code}　投标人：{result.manifest.bidder_uscc}",
        "开标数据：" + json.dumps(result.opening_data, ensure_ascii=False),
    ]
    lines += [f"　{entry.name}（{entry.size} 字节）" for entry in result.manifest.files]
    lines.append(f"已写入：{result.out_dir}" if result.out_dir else "未指定 --out，只做了校验，没有写出文件。")
    _print(
        args,
        {
            "commitment": result.commitment,
            "manifest": json.loads(result.manifest.canonical()),
            "out_dir": str(result.out_dir) if result.out_dir else None,
        },
        lines,
    )
    return EXIT_OK


def _inspection_lines(report: envelope.Inspection) -> list[str]:
    header = report.header
    return [
        f"格式版本：{header.version}　密码套件：{header.suite}",
        f"标段编号：{header.lot_code}　投标人：{header.bidder_uscc}",
        f"大小：{report.size} 字节　明文：{header.plaintext_length} 字节　分段：{header.segment_count}",
        f"密封密钥标识：{header.recipient_key_id}",
        f"签名密钥标识：{header.signer_key_id}",
        f"明文承诺：{report.commitment}",
        f"密文摘要：{report.ciphertext_digest}",
        f"签名：{report.signature}",
    ]


def _cmd_verify(args: argparse.Namespace) -> int:
    report = envelope.verify(
        args.envelope,
        signing_public_key=keys.load_public_key(Path(args.signing_public_key).read_bytes(), use="sig"),
        expected_commitment=args.expect_commitment,
        expected_ciphertext_digest=args.expect_ciphertext_digest,
    )
    _print(args, report.to_json(), ["校验通过：结构完整，密文摘要一致，投标人签名有效。", *_inspection_lines(report)])
    return EXIT_OK


def _cmd_inspect(args: argparse.Namespace) -> int:
    report = envelope.inspect(args.envelope)
    _print(args, report.to_json(), ["（仅读取，未校验签名和摘要；校验请用 verify）", *_inspection_lines(report)])
    return EXIT_OK


def _cmd_content_key(args: argparse.Namespace) -> int:
    raw = envelope.unwrap_content_key(args.envelope, _private_key(args.sealing_private_key, args, "enc"))
    value = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    _print(args, {"content_key": value}, [value])
    return EXIT_OK


COMMANDS = {
    "keygen": _cmd_keygen,
    "seal": _cmd_seal,
    "unseal": _cmd_unseal,
    "verify": _cmd_verify,
    "inspect": _cmd_inspect,
    "content-key": _cmd_content_key,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    with _argparse_in_chinese():
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args)
    except BidFormatError as exc:
        print(f"格式错误：{exc}", file=sys.stderr)
        return EXIT_FORMAT
    except BidIntegrityError as exc:
        print(f"完整性校验失败：{exc}", file=sys.stderr)
        return EXIT_INTEGRITY
    except BidKeyError as exc:
        print(f"密钥错误：{exc}", file=sys.stderr)
        return EXIT_KEY
    except BidError as exc:  # pragma: no cover - every BidError is one of the three above
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except FileExistsError as exc:
        print(f"文件错误：{exc.args[0] if exc.args else exc}", file=sys.stderr)
        return EXIT_IO
    except OSError as exc:
        print(f"文件读写错误：{exc.strerror or exc}：{exc.filename or ''}", file=sys.stderr)
        return EXIT_IO
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return EXIT_UNEXPECTED
